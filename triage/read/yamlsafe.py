"""Reading YAML as data, strictly: safe types only, YAML 1.2-style scalars, duplicate keys refused.

YAML 1.1 (PyYAML's default) reads bare `yes`/`no`/`on`/`off` as booleans, `010` as 8 and `1:30` as 90.
Rule and answer files are full of the words yes and no, so this loader keeps them as the strings the
author wrote; only `true`/`false` are booleans, and integers and floats are plain decimals. Each field
reader then accepts yes/no and true/false where a flag is meant, on purpose.

Callers walk the composed node tree rather than plain Python objects so every problem can name the
line and column where it is.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..core.errors import Location, Problem, RuleFileError, did_you_mean

_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
# Dates, merge keys (`<<`) and the rest of YAML 1.1's implicit types have no place in triage files.
_DROPPED = (_BOOL, _INT, _FLOAT, "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")
MAX_DEPTH = 40  # conditions nested deeper than this are not something a person writes
MAX_DIGITS = 30


class StrictLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema booleans and numbers, and nothing else implicit."""

    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in _DROPPED]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


StrictLoader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
StrictLoader.add_implicit_resolver(_INT, re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789"))
StrictLoader.add_implicit_resolver(
    _FLOAT,
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$|^[-+]?[0-9]+[eE][-+]?[0-9]+$"),
    list("-+.0123456789"),
)


# The YAML parser's words, and what they mean to someone editing a file by hand.
_PLAIN = (
    ("mapping values are not allowed here", "a ':' where none can be; put text that contains ': ' in quotes"),
    ("could not find expected ':'", "a line that is not 'key: value' (a missing ':', or a line that does not line up)"),
    ("that cannot start any token", "a character that cannot start a value here (a tab? indent with spaces; "
                                    "text starting with @ or ` must be in quotes)"),
    ("expected '<document start>'", "this is not a YAML file of 'key: value' lines"),
    ("found undefined alias", "a '*' alias with no '&' anchor; put text starting with '*' in quotes"),
    ("found unexpected end of stream", "the file ends inside a quote or a bracket that is never closed"),
    ("did not find expected key", "a line that does not line up with the keys above it (check the indent)"),
    ("expected <block end>", "a line that does not line up with the lines above it (check the indent)"),
    ("did not find expected '-' indicator", "a list item that does not line up with the items above it"),
    ("did not find expected ',' or '}'", "a '{ }' mapping that is not closed, or text with ',' or ':' that needs quotes"),
    ("did not find expected ',' or ']'", "a '[ ]' list that is not closed, or text with ',' that needs quotes"),
    ("found duplicate anchor", "an '&' anchor name used twice"),
)


def plain_words(problem: str) -> str:
    for jargon, plain in _PLAIN:
        if jargon in problem:
            return plain
    return f"not valid YAML ({problem})"


def compose(text: str, filename: str) -> Node | None:
    """Parse YAML text into a node tree; syntax errors become a RuleFileError at the right place.

    The tree is then checked to be plain data: no tags but the plain ones, no aliases (so no
    expansion bombs and no cycles), no nesting deeper than MAX_DEPTH, no numbers of absurd size.
    """
    try:
        loader = StrictLoader(text)  # the reader refuses control characters here already
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(filename, mark.line + 1, mark.column + 1) if mark else Location(filename)
        raise RuleFileError([Problem(loc, plain_words(str(exc.problem or exc.context)))]) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise RuleFileError([Problem(Location(filename, line, column),
                                     f"a control character (U+{exc.character:04X}) that a text file should not hold")]) from None
    except RecursionError:
        raise RuleFileError([Problem(Location(filename), f"nested more than {MAX_DEPTH} levels deep")]) from None
    except yaml.YAMLError as exc:
        raise RuleFileError([Problem(Location(filename), f"not valid YAML: {exc}")]) from None
    loader.dispose()
    if node is not None:
        _check_plain(node, filename, loader)
    return node


def _check_plain(root: Node, filename: str, loader: StrictLoader) -> None:
    """Refuse what plain data never needs; iterative, so no input can exhaust the stack."""
    seen: set[int] = set()
    stack: list[tuple[Node, int]] = [(root, 0)]

    def refuse(node: Node, message: str) -> None:
        mark = node.start_mark
        raise RuleFileError([Problem(Location(filename, mark.line + 1, mark.column + 1), message)])

    while stack:
        node, depth = stack.pop()
        if id(node) in seen:
            refuse(node, "a '*' alias repeats an '&' anchor; triage files do not use anchors: write the value out")
        seen.add(id(node))
        if depth > MAX_DEPTH:
            refuse(node, f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, ScalarNode):
            implicit = loader.resolve(ScalarNode, node.value, (node.style is None, node.style is not None))  # type: ignore[no-untyped-call]
            if node.tag != implicit and node.tag != _STR:
                refuse(node, f"a YAML tag ({node.tag.replace('tag:yaml.org,2002:', '!!')}) is not allowed; write the plain value")
            if node.tag in (_INT, _FLOAT) and sum(c.isdigit() for c in node.value) > MAX_DIGITS:
                refuse(node, f"a number with more than {MAX_DIGITS} digits")
        elif isinstance(node, MappingNode):
            if node.tag != _MAP:
                refuse(node, "a YAML tag is not allowed on a mapping")
            for key, value in node.value:
                if key.tag == "tag:yaml.org,2002:merge" or (isinstance(key, ScalarNode) and key.value == "<<" and key.style is None):
                    refuse(key, "'<<' merges are not supported; write the keys out")
                stack.append((key, depth + 1))
                stack.append((value, depth + 1))
        elif isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                refuse(node, "a YAML tag is not allowed on a list")
            stack.extend((item, depth + 1) for item in node.value)


# What no text may hold: C0 and C1 controls other than tab and line breaks, DEL, and lone surrogates.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class NodeReader:
    """Reads typed values out of nodes, collecting every problem with its location."""

    def __init__(self, filename: str):
        self.filename = filename
        self.problems: list[Problem] = []
        self._constructor = StrictLoader("")

    def where(self, node: Node) -> Location:
        mark = node.start_mark
        return Location(self.filename, mark.line + 1, mark.column + 1)

    def error(self, node: Node, message: str) -> None:
        self.problems.append(Problem(self.where(node), message))

    def warn(self, node: Node, message: str) -> None:
        self.problems.append(Problem(self.where(node), message, "warning"))

    def raise_if_errors(self) -> None:
        errors = [p for p in self.problems if p.severity == "error"]
        if errors:
            raise RuleFileError(errors)

    def scalar(self, node: Node) -> Any:
        """The Python value of a scalar node (str, int, float, bool or None). A control character or a
        lone surrogate written as an escape ("\\x07", "\\ud800") is refused like one written as itself:
        every text reaches a terminal, a spreadsheet, a form or SQL."""
        value = self._constructor.construct_object(node, deep=True)
        if isinstance(value, str):
            bad = _UNPRINTABLE.search(value)
            if bad:
                point = ord(bad.group(0))
                kind = "a lone surrogate" if 0xD800 <= point <= 0xDFFF else "a control character"
                self.error(node, f"holds {kind} (U+{point:04X}), written as an escape; remove it "
                                 "(a line break inside a text is fine)")
        return value

    def mapping(
        self, node: Node, what: str, required: Iterable[str] = (), optional: Iterable[str] | None = ()
    ) -> dict[str, tuple[Node, Node]] | None:
        """Keys to (key node, value node). `optional=None` allows any key (for id-keyed maps)."""
        if not isinstance(node, MappingNode):
            self.error(node, f"{what} must be a mapping of 'key: value' lines")
            return None
        required = list(required)
        allowed = None if optional is None else set(required) | set(optional)
        out: dict[str, tuple[Node, Node]] = {}
        suggested: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.error(key_node, f"keys in {what} must be plain words")
                continue
            key = self.scalar(key_node)
            if not isinstance(key, str):
                self.error(key_node, f"key {key!r} in {what} must be a word; put it in quotes")
                continue
            if key in out:
                first = out[key][0].start_mark.line + 1
                self.error(key_node, f"duplicate key '{key}' in {what} (first given on line {first}); keep one")
                continue
            if allowed is not None and key not in allowed:
                hint = did_you_mean(key, allowed) or f"; allowed keys: {', '.join(sorted(allowed))}"
                suggested.update(k for k in allowed if f"'{k}'" in hint)
                self.error(key_node, f"unknown key '{key}' in {what}{hint}")
                continue
            out[key] = (key_node, value_node)
        for key in required:
            if key not in out and key not in suggested:  # a misspelling already said it
                self.error(node, f"{what} is missing '{key}:'")
        return out

    def sequence(self, node: Node, what: str) -> list[Node]:
        if isinstance(node, SequenceNode):
            return list(node.value)
        self.error(node, f"{what} must be a list (lines starting with '- ')")
        return []

    def text(self, node: Node, what: str) -> str | None:
        if isinstance(node, ScalarNode):
            value = self.scalar(node)
            if isinstance(value, str) and value.strip():
                return value.strip()
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return str(value)
        self.error(node, f"{what} must be text")
        return None

    def texts(self, node: Node, what: str) -> list[str]:
        """A list of texts; a single text is accepted as a list of one."""
        if isinstance(node, ScalarNode):
            one = self.text(node, what)
            return [one] if one else []
        return [t for t in (self.text(n, what) for n in self.sequence(node, what)) if t]

    def number(self, node: Node, what: str) -> float | None:
        if isinstance(node, ScalarNode):
            value = self.scalar(node)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return float(value)
        self.error(node, f"{what} must be a plain number such as 38 or 38.5")
        return None

    def flag(self, node: Node, what: str) -> bool | None:
        """A true/false setting; yes/no are accepted here on purpose, since authors write them."""
        if isinstance(node, ScalarNode):
            value = self.scalar(node)
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in ("yes", "no"):
                return value.strip().lower() == "yes"
        self.error(node, f"{what} must be true or false")
        return None
