"""FHIR R4 QuestionnaireResponses read as answers: one JSON resource, a Bundle, or NDJSON."""

from __future__ import annotations

import csv
import io
import json
from typing import IO, Any, Iterator

from ..core.errors import InputFileError, did_you_mean
from ..core.model import RuleSet

YESNO_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0136"


ABSENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/data-absent-reason"


CODINGS = {
    "yes": {"system": YESNO_SYSTEM, "code": "Y", "display": "Yes"},
    "no": {"system": YESNO_SYSTEM, "code": "N", "display": "No"},
    "unsure": {"system": ABSENT_SYSTEM, "code": "asked-unknown", "display": "Don't know"},
}


# mutant: fhir-unsure-code
ANSWER_OF_CODE = {c["code"]: word for word, c in CODINGS.items()}


def canonical(rules: RuleSet) -> str:
    """The Questionnaire's canonical URL: a URN, since triage publishes on no server."""
    return f"urn:triage:questionnaire:{rules.id}"


def responses(stream: IO[str], name: str, rules: RuleSet) -> Iterator[tuple[str, dict[str, str]]]:
    """(id, answers as cell text) for each QuestionnaireResponse in a JSON resource, a Bundle, or NDJSON
    (one resource a line, the bulk-data format), in file order. NDJSON is read a line at a time."""
    first = stream.readline()
    if not first.strip():
        raise InputFileError(f"{name}: the file is empty; give a QuestionnaireResponse, a Bundle or NDJSON")
    try:
        one = json.loads(first)
    except json.JSONDecodeError:
        one = None
    if isinstance(one, dict):
        # A whole resource on the first line: NDJSON (or a file of one line).
        yield from _from_resource(one, f"{name}:1", rules)
        for number, line in enumerate(stream, 2):
            if line.strip():
                yield from _from_resource(_json_line(line, f"{name}:{number}"), f"{name}:{number}", rules)
        return
    text = first + stream.read()
    try:
        whole = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputFileError(f"{name}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg})") from None
    yield from _from_resource(whole, name, rules)


def _json_line(line: str, where: str) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputFileError(f"{where}: not valid JSON ({exc.msg}); NDJSON holds one resource a line") from None


def _from_resource(resource: Any, where: str, rules: RuleSet) -> Iterator[tuple[str, dict[str, str]]]:
    kind = resource.get("resourceType") if isinstance(resource, dict) else None
    if kind == "Bundle":
        for n, entry in enumerate(resource.get("entry") or [], 1):
            inner = entry.get("resource") if isinstance(entry, dict) else None
            yield from _from_resource(inner, f"{where} (Bundle entry {n})", rules)
        return
    if kind != "QuestionnaireResponse":
        raise InputFileError(f"{where}: a {kind or 'JSON value'} where a QuestionnaireResponse (or a Bundle of them) "
                             "was expected")
    yield str(resource.get("id") or ""), answers_of(resource, where, rules)


def answers_of(resource: dict[str, Any], where: str, rules: RuleSet) -> dict[str, str]:
    """A QuestionnaireResponse's answers as cell text, by linkId; refuses one for another questionnaire."""
    asked = resource.get("questionnaire")
    if asked:
        url, _, version = str(asked).partition("|")
        if url != canonical(rules) or (version and version != rules.version):
            ours = f"{canonical(rules)}|{rules.version}"
            raise InputFileError(f"{where}: response {resource.get('id') or ''!s} answers questionnaire {asked}, "
                                 f"not {ours}; export the Questionnaire from this rule set "
                                 "(triage export --to fhir) or choose the matching --rules")
    found: dict[str, str] = {}
    questions = rules.questions_by_id

    def walk(items: Any) -> None:
        for item in items or []:
            if not isinstance(item, dict):
                continue
            link = str(item.get("linkId"))
            answers = item.get("answer") or []
            if answers and link not in questions:
                # Never dropped without a word: an answer to no question of this rule set.
                raise InputFileError(f"{where}: response {resource.get('id') or ''!s} answers linkId {link!r}, which is no "
                                     f"question of rule set '{rules.id}'{did_you_mean(link, questions)}")
            if link in questions and answers:
                if link in found:
                    # Never "the last one wins": a yes then a no to one question is not a no.
                    found[link] = "answered twice in one response (two items with this linkId)"
                elif len(answers) > 1:
                    found[link] = f"{len(answers)} answers"  # not an answer: the row says so
                else:
                    found[link] = _cell(answers[0])
            walk(item.get("item"))
            for a in answers:
                if isinstance(a, dict):
                    walk(a.get("item"))

    walk(resource.get("item"))
    return found


def _cell(answer: Any) -> str:
    if not isinstance(answer, dict):
        return "an answer that is not a JSON object"
    if "valueCoding" in answer:
        code = (answer["valueCoding"] or {}).get("code")
        return ANSWER_OF_CODE.get(str(code), f"code {code}")
    if "valueBoolean" in answer:
        return "yes" if answer["valueBoolean"] is True else "no" if answer["valueBoolean"] is False else "?"
    for key in ("valueDecimal", "valueInteger"):
        if key in answer:
            return repr(answer[key]) if not isinstance(answer[key], str) else answer[key]
    if "valueString" in answer:
        return str(answer["valueString"])
    kinds = [k for k in answer if k.startswith("value")]
    return f"a {kinds[0][5:]} answer" if kinds else "an empty answer"


class _Chunks(io.RawIOBase):
    """A readable byte stream over an iterator of byte chunks (so that scoring streams)."""

    def __init__(self, chunks: Iterator[bytes]):
        self.chunks, self.pending = chunks, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self.pending:
            try:
                self.pending = next(self.chunks)
            except StopIteration:
                return 0
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


def as_csv(stream: IO[str], name: str, rules: RuleSet) -> io.RawIOBase:
    """QuestionnaireResponses as the CSV `triage score` reads: response_id, then one column per question."""
    ids = [q.id for q in rules.questions]

    def chunks() -> Iterator[bytes]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["response_id", *ids])
        for response_id, answers in responses(stream, name, rules):
            writer.writerow([response_id, *(answers.get(q, "") for q in ids)])
            if buffer.tell() > 1 << 16:
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode("utf-8")

    return _Chunks(chunks())


def response_values(text: str, name: str, rules: RuleSet) -> tuple[str, dict[str, Any]]:
    """The one QuestionnaireResponse in a file (alone or in a Bundle), as (id, checked answers)."""
    from ..core.answers import parse_answer
    from ..core.errors import AnswerError

    found = list(responses(io.StringIO(text), name, rules))
    if len(found) != 1:
        raise InputFileError(f"{name}: holds {len(found)} QuestionnaireResponses; `run --answers` takes one "
                             "(score them all with `triage score --from fhir`)")
    response_id, cells = found[0]
    values: dict[str, Any] = {}
    problems = []
    for qid, cell in cells.items():
        try:
            values[qid] = parse_answer(rules.question(qid), cell)
        except AnswerError as exc:
            problems.append(f"linkId {qid}: {exc.reason}")
    if problems:
        raise InputFileError(f"{name}: " + "; ".join(problems))
    return response_id, values
