"""Which kind of triage file a YAML document is, so that one given where another belongs is named.

A rule file, a cases file, an answers file and a map file all look alike to a YAML parser; a person
who passes the wrong one should hear which it is and where it goes, not a list of unknown keys.
"""

from __future__ import annotations

from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode

from ..core.errors import Location, Problem, RuleFileError
from .files import read_text
from .yamlsafe import NodeReader, compose

WHERE = {
    "rule": "a rule file: give it with --rules, or to `triage check`",
    "cases": "a cases file: give it to `triage test RULES CASES`",
    "map": "a map file: give it to `triage score --map`",
    "answers": "an answers file: give it to `triage run --answers`",
    "translation": "a translation file: put it beside its rule file and choose it with --lang",
    "region": "a region file: choose it with --region",
}


def kind_of(node: Node | None) -> str | None:
    """'rule', 'cases', 'map', 'translation', 'region', 'answers', or None when the top is not a mapping."""
    if not isinstance(node, MappingNode):
        return None
    keys = {k.value for k, _ in node.value if isinstance(k, ScalarNode)}
    if keys & {"rules", "dispositions"} or {"id", "questions"} <= keys:
        return "rule"
    if "cases" in keys:
        return "cases"
    if "translation_of" in keys:
        return "translation"
    if {"region", "terms"} <= keys:
        return "region"
    if keys and keys <= {"columns", "values"}:
        return "map"
    return "answers"


def read_document(text: str, filename: str, wanted: str) -> tuple[NodeReader, Node | None]:
    """The one preamble of every YAML file triage reads: strict YAML, then the right kind of file.
    Returns a reader (which gathers problems at their line and column) and the top node (None: empty)."""
    node = compose(text, filename)
    expect(node, wanted, filename)
    return NodeReader(filename), node


def load_document(path: str | Path, wanted: str) -> tuple[NodeReader, Node | None]:
    """read_document on a small UTF-8 file (see files.read_text)."""
    text, _ = read_text(path)
    return read_document(text, str(path), wanted)


def expect(node: Node | None, wanted: str, filename: str) -> None:
    """Raise a one-line error when the document is another kind of triage file than `wanted`."""
    found = kind_of(node)
    if found is not None and found != wanted and node is not None:
        mark = node.start_mark
        raise RuleFileError([Problem(Location(filename, mark.line + 1, mark.column + 1),
                                     f"this is {WHERE[found]}; here {WHERE[wanted].split(':')[0]} is needed")])
