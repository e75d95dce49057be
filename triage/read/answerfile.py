"""Answer files: a YAML or JSON mapping of question id to answer, for replay without prompts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..core.answers import answer_text, parse_answer
from ..core.errors import AnswerError, Location, Problem, RuleFileError, did_you_mean
from ..core.logic import NOT_GIVEN, NOT_RECORDED
from ..core.model import RuleSet, Value
from .files import read_text, write_private

NOT_ASKED = "not asked"  # in an answers file: the questionnaire skipped this question

if TYPE_CHECKING:
    from yaml.nodes import Node

    from .yamlsafe import NodeReader


def load_answers(path: str | Path, rules: RuleSet) -> dict[str, Value]:
    """Read and check every answer; all problems are reported together with file:line:column."""
    return load_answers_with_id(path, rules)[1]


def load_answers_with_id(path: str | Path, rules: RuleSet) -> tuple[str, dict[str, Value]]:
    """The answers, and the id of the response they came from ('' for a YAML or JSON answers file;
    a FHIR QuestionnaireResponse's own id), so that a result can name what it was computed from."""
    response_id, values, _ = load_replay(path, rules)
    return response_id, values


def load_replay(path: str | Path, rules: RuleSet) -> tuple[str, dict[str, Value], list[str] | None]:
    """As load_answers_with_id, and the questions a questionnaire asked when the file says which it
    did not (`question: not asked`, as `--save` writes them); None when it does not say."""
    from .filekinds import read_document

    text, _ = read_text(path)
    if text.lstrip().startswith("{") and '"resourceType"' in text:
        from .fhirresponse import response_values

        return (*response_values(text, str(path), rules), None)
    reader, node = read_document(text, str(path), "answers")
    if node is None:
        return "", {}, None
    skipped: set[str] = set()
    values, _ = read_answers(reader, node, rules, "an answers file", skipped)
    reader.raise_if_errors()
    return "", values, [q.id for q in rules.questions if q.id not in skipped] if skipped else None


def read_answers(reader: NodeReader, node: Node, rules: RuleSet, what: str,
                 not_asked: set[str] | None = None) -> tuple[dict[str, Value], set[str]]:
    """Answers from a YAML mapping node, and the ids written as `~` (left out of the answers).

    Problems go to `reader`, each at its own line and column; the caller raises them together. With
    `not_asked`, the answer NOT_ASKED puts a question there instead (an answers file from `--save`).
    """
    from yaml.nodes import ScalarNode

    values: dict[str, Value] = {}
    nulls: set[str] = set()
    known = rules.questions_by_id
    for qid, (key_node, value_node) in (reader.mapping(node, what, (), None) or {}).items():
        if qid in rules.retired_questions:
            reader.error(key_node, rules.retired_hint(qid) + "; answer those instead")
        elif qid not in known:
            reader.error(key_node, f"no question '{qid}' in rule set '{rules.id}'{did_you_mean(qid, known)}")
        elif not isinstance(value_node, ScalarNode):
            reader.error(value_node, f"the answer to '{qid}' must be a single value such as yes, no, unsure or a number")
        elif value_node.tag == "tag:yaml.org,2002:null":
            nulls.add(qid)
        elif not_asked is not None and str(reader.scalar(value_node)).strip().lower() == NOT_ASKED:
            not_asked.add(qid)
        else:
            try:
                values[qid] = parse_answer(known[qid], reader.scalar(value_node))
            except AnswerError as exc:
                reader.error(value_node, f"{qid}: {exc.reason}")
    return values, nulls


def apply_settings(values: dict[str, Value], settings: list[str], rules: RuleSet) -> dict[str, Value]:
    """Apply `--set question=answer` overrides (what-if) to a copy of the answers."""
    out = dict(values)
    problems = []
    known = rules.questions_by_id
    for item in settings:
        qid, sep, raw = item.partition("=")
        qid = qid.strip()
        where = Location(f"--set {item}")
        if not sep:
            problems.append(Problem(where, "write it as question=answer, for example fever=yes"))
        elif qid not in known:
            problems.append(Problem(where, f"no question '{qid}'{did_you_mean(qid, known)}"))
        else:
            try:
                out[qid] = parse_answer(known[qid], raw)
            except AnswerError as exc:
                problems.append(Problem(where, exc.reason))
    if problems:
        raise RuleFileError(problems)
    return out


def save_answers(path: str | Path, rules: RuleSet, values: dict[str, Value], asked: list[str] | None = None) -> None:
    """Write the answers given, in question order, as YAML that `--answers` reads back; with `asked`,
    the questions the questionnaire did not ask as `not asked`, so a replay shows the same result."""
    lines = [f"# Answers for rule set {rules.id} {rules.version}. This file holds health information: keep it private."]
    for q in rules.questions:
        if asked is not None and q.id not in asked:
            lines.append(f"{q.id}: {NOT_ASKED}")
        elif q.id in values and values[q.id] is not NOT_GIVEN and values[q.id] is not NOT_RECORDED:
            lines.append(f"{q.id}: {answer_text(q, values[q.id])}")
    write_private(path, "\n".join(lines) + "\n")
