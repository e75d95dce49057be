"""Map files (`--map`): other header names for question ids, and other codes for answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.answers import parse_answer
from ..core.errors import AnswerError, did_you_mean
from ..core.model import NUMBER, RuleSet

if TYPE_CHECKING:
    from yaml.nodes import Node

    from .yamlsafe import NodeReader


@dataclass
class ColumnMap:
    """From `--map`: other header names for question ids, and other codes for answers."""

    columns: dict[str, str] = field(default_factory=dict)  # normalised header -> question id
    values: dict[str, dict[str, object]] = field(default_factory=dict)  # question id or '*' -> code -> answer


def norm(header: str) -> str:
    return header.strip().lower()


def load_map(path: str | Path, rules: RuleSet) -> ColumnMap:
    """Read a map file. Codes are taken exactly as written (`1: yes` maps the cell text "1")."""

    from .filekinds import load_document

    reader, node = load_document(path, "map")
    out = ColumnMap()
    top = reader.mapping(node, "a map file", (), ("columns", "values")) if node is not None else {}
    questions = rules.questions_by_id

    def check_qid(node_: Node, qid: str, allow_star: bool = False) -> bool:
        if (allow_star and qid == "*") or qid in questions:
            return True
        reader.error(node_, f"no question '{qid}' in rule set '{rules.id}'{did_you_mean(qid, questions)}")
        return False

    if top and "columns" in top:
        for header, (_, v) in (reader.mapping(top["columns"][1], "'columns'", (), None) or {}).items():
            qid = reader.text(v, f"the question id for column '{header}'")
            if qid and check_qid(v, qid):
                out.columns[norm(header)] = qid
    if top and "values" in top:
        for qid, (k, v) in (reader.mapping(top["values"][1], "'values'", (), None) or {}).items():
            if check_qid(k, qid, allow_star=True):
                codes = _codes(reader, rules, qid, v)
                if codes is not None:
                    out.values[qid] = codes
    reader.raise_if_errors()
    return out


def _codes(reader: NodeReader, rules: RuleSet, qid: str, node: Node) -> dict[str, object] | None:
    """The codes and answers under one question id (or '*', every yes/no question) of `values:`."""
    from yaml.nodes import MappingNode, ScalarNode

    if not isinstance(node, MappingNode):
        reader.error(node, f"under '{qid}:' give codes and answers, for example '1: yes'")
        return None
    codes: dict[str, object] = {}
    targets = [rules.question(qid)] if qid != "*" else [q for q in rules.questions if q.type != NUMBER]
    for code_node, answer_node in node.value:
        if not isinstance(code_node, ScalarNode):
            reader.error(code_node, f"a code under '{qid}:' must be one value as it appears in a cell, such as 1 or Y")
            continue
        if not isinstance(answer_node, ScalarNode):
            # Never a guess: a list or mapping here is a mistake, not "not recorded".
            reader.error(answer_node, f"code {code_node.value!r}: give one answer (yes, no, unsure, a number, "
                                      "or ~ for not recorded)")
            continue
        if code_node.value.strip().lower() in codes:
            reader.error(code_node, f"code {code_node.value!r} is given twice under '{qid}:'; keep one")
            continue
        answer = reader.scalar(answer_node)
        try:
            for q in targets:
                parse_answer(q, answer)
        except AnswerError as exc:
            reader.error(answer_node, f"code {code_node.value!r}: {exc.reason}")
            continue
        codes[code_node.value.strip().lower()] = answer
    return codes
