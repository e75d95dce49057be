"""Map files (`--map`): other header names for question ids, and other codes for answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..core.answers import parse_answer
from ..core.errors import AnswerError, did_you_mean
from ..core.model import NUMBER, RuleSet


@dataclass
class ColumnMap:
    """From `--map`: other header names for question ids, and other codes for answers."""

    columns: dict[str, str] = field(default_factory=dict)  # normalised header -> question id
    values: dict[str, dict[str, object]] = field(default_factory=dict)  # question id or '*' -> code -> answer


def norm(header: str) -> str:
    return header.strip().lower()


def load_map(path: str | Path, rules: RuleSet) -> ColumnMap:
    """Read a map file. Codes are taken exactly as written (`1: yes` maps the cell text "1")."""
    from yaml.nodes import MappingNode, Node, ScalarNode

    from .files import read_text
    from .yamlsafe import NodeReader, compose

    text, _ = read_text(path)
    reader = NodeReader(str(path))
    node = compose(text, str(path))
    from .filekinds import expect

    expect(node, "map", str(path))
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
            if not check_qid(k, qid, allow_star=True):
                continue
            if not isinstance(v, MappingNode):
                reader.error(v, f"under '{qid}:' give codes and answers, for example '1: yes'")
                continue
            codes: dict[str, object] = {}
            for code_node, answer_node in v.value:
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
                targets = [questions[qid]] if qid != "*" else [q for q in rules.questions if q.type != NUMBER]
                try:
                    for q in targets:
                        parse_answer(q, answer)
                except AnswerError as exc:
                    reader.error(answer_node, f"code {code_node.value!r}: {exc.reason}")
                    continue
                codes[code_node.value.strip().lower()] = answer
            out.values[qid] = codes
    reader.raise_if_errors()
    return out
