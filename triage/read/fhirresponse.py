"""FHIR R4 QuestionnaireResponses read as answers: one JSON resource, a Bundle, or NDJSON."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
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


MAX_DEPTH = 40  # nested groups, answers and Bundles: as YAML files, deeper is no questionnaire's shape
MAX_DIGITS = 30  # in one JSON number, as in YAML files
MAX_ANSWER = 10_000  # characters in one answer's text


class _Number(str):
    """A JSON number as written (0.00001 stays 0.00001): the answer parser reads it like a CSV cell."""


def _number(text: str) -> _Number:
    if len(text.lstrip("-").replace(".", "").split("e")[0].split("E")[0]) > MAX_DIGITS:
        raise _Refused(f"a number of more than {MAX_DIGITS} digits")
    return _Number(text)


class _Refused(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            # As in answers files: the last one does not win. "code": "Y", "code": "N" is not a no.
            raise _Refused(f"the key {key!r} is given twice in one object")
        found[key] = value
    return found


def _loads(text: str, where: str, hint: str = "") -> Any:
    """Strict JSON: duplicate keys, numbers of more than 30 digits and deep nesting are errors."""
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_int=_number, parse_float=_number,
                          parse_constant=_constant)
    except json.JSONDecodeError as exc:
        at = f"{where}:{exc.lineno}:{exc.colno}" if not hint else where
        raise InputFileError(f"{at}: not valid JSON ({exc.msg}){hint}") from None
    except _Refused as exc:
        raise InputFileError(f"{where}: {exc}") from None
    except RecursionError:
        raise InputFileError(f"{where}: nested too deeply to be a QuestionnaireResponse") from None


def _constant(name: str) -> Any:
    raise _Refused(f"{name} is not JSON")


def responses(stream: IO[str], name: str, rules: RuleSet) -> Iterator[tuple[str, dict[str, str]]]:
    """(id, answers as cell text) for each QuestionnaireResponse in a JSON resource, a Bundle, or NDJSON
    (one resource a line, the bulk-data format), in file order. NDJSON is read a line at a time."""
    first, skipped = stream.readline(), 0
    while first and not first.strip():  # blank lines before the first resource, as the CSV reader skips them
        first, skipped = stream.readline(), skipped + 1
    if not first.strip():
        raise InputFileError(f"{name}: the file is empty; give a QuestionnaireResponse, a Bundle or NDJSON")
    try:
        one_line = isinstance(json.loads(first), dict)
    except (ValueError, RecursionError):
        one_line = False
    if one_line:
        one = _loads(first, f"{name}:{skipped + 1}", "; NDJSON holds one resource a line")
        # A whole resource on the first line: NDJSON (or a file of one line).
        yield from _from_resource(one, f"{name}:{skipped + 1}", rules)
        for number, line in enumerate(stream, skipped + 2):
            if line.strip():
                where = f"{name}:{number}"
                yield from _from_resource(_loads(line, where, "; NDJSON holds one resource a line"), where, rules)
        return
    whole = _loads("\n" * skipped + first + stream.read(), name)
    yield from _from_resource(whole, name, rules)


def _from_resource(resource: Any, where: str, rules: RuleSet, depth: int = 0) -> Iterator[tuple[str, dict[str, str]]]:
    kind = resource.get("resourceType") if isinstance(resource, dict) else None
    if kind == "Bundle":
        if depth >= MAX_DEPTH:
            raise InputFileError(f"{where}: Bundles nested more than {MAX_DEPTH} deep")
        for n, entry in enumerate(_list(resource, "entry", where), 1):
            inner = entry.get("resource") if isinstance(entry, dict) else None
            yield from _from_resource(inner, f"{where} (Bundle entry {n})", rules, depth + 1)
        return
    if kind != "QuestionnaireResponse":
        raise InputFileError(f"{where}: a {kind or 'JSON value'} where a QuestionnaireResponse (or a Bundle of them) "
                             "was expected")
    yield str(resource.get("id") or ""), answers_of(resource, where, rules)


def _list(holder: dict[str, Any], key: str, where: str) -> list[Any]:
    """An element that R4 makes a list: absent is none; any other type is an error, never no answers."""
    value = holder.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputFileError(f"{where}: '{key}' must be a list (a JSON array), not {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    return {dict: "an object", str: "a string", bool: "true or false", _Number: "a number"}.get(type(value), "null")


def answers_of(resource: dict[str, Any], where: str, rules: RuleSet) -> dict[str, str]:
    """A QuestionnaireResponse's answers as cell text, by linkId; refuses one for another questionnaire."""
    asked = resource.get("questionnaire")
    rid = str(resource.get("id") or "")
    if asked:
        url, _, version = str(asked).partition("|")
        if url != canonical(rules) or (version and version != rules.version):
            ours = f"{canonical(rules)}|{rules.version}"
            raise InputFileError(f"{where}: response {rid} answers questionnaire {asked}, "
                                 f"not {ours}; export the Questionnaire from this rule set "
                                 "(triage export --to fhir) or choose the matching --rules")
    found: dict[str, str] = {}
    _walk(_list(resource, "item", f"{where}: response {rid}"), found, f"{where}: response {rid}", rules, 0)
    return found


def _walk(items: list[Any], found: dict[str, str], where: str, rules: RuleSet, depth: int) -> None:
    """Each item's answers into `found`; a plain function, so that no response leaves a reference cycle."""
    if depth >= MAX_DEPTH:
        raise InputFileError(f"{where}: items nested more than {MAX_DEPTH} deep")
    questions = rules.questions_by_id
    for item in items:
        if not isinstance(item, dict):
            raise InputFileError(f"{where}: an item must be a JSON object, not {_kind(item)}")
        link = str(item.get("linkId"))
        answers = _list(item, "answer", f"{where}, item {link}")
        if answers and link not in questions:
            # Never dropped without a word: an answer to no question of this rule set.
            raise InputFileError(f"{where} answers linkId {link!r}, which is no "
                                 f"question of rule set '{rules.id}'{did_you_mean(link, questions)}")
        if link in questions and answers:
            if link in found:
                # Never "the last one wins": a yes then a no to one question is not a no.
                found[link] = "answered twice in one response (two items with this linkId)"
            elif len(answers) > 1:
                found[link] = f"{len(answers)} answers"  # not an answer: the row says so
            else:
                cell = _cell(answers[0], f"{where}, item {link}")
                # No answer is this long: one row's error, not a line too long for the whole run.
                found[link] = cell if len(cell) <= MAX_ANSWER else f"an answer of {len(cell):,} characters"
        _walk(_list(item, "item", f"{where}, item {link}"), found, where, rules, depth + 1)
        for a in answers:
            if not isinstance(a, dict):
                raise InputFileError(f"{where}, item {link}: an answer must be a JSON object, not {_kind(a)}")
            _walk(_list(a, "item", f"{where}, item {link}"), found, where, rules, depth + 1)


def _cell(answer: Any, where: str) -> str:
    if not isinstance(answer, dict):
        raise InputFileError(f"{where}: an answer must be a JSON object, not {_kind(answer)}")
    if "valueCoding" in answer:
        coding = answer["valueCoding"]
        if not isinstance(coding, dict):
            raise InputFileError(f"{where}: 'valueCoding' must be a JSON object (a Coding), not {_kind(coding)}")
        code = coding.get("code")
        return ANSWER_OF_CODE.get(str(code), f"code {code}")
    if "valueBoolean" in answer:
        return "yes" if answer["valueBoolean"] is True else "no" if answer["valueBoolean"] is False else "?"
    for key in ("valueDecimal", "valueInteger"):
        if key in answer:
            value = answer[key]
            # Only a JSON number: true, or "yes", where a number belongs is no answer to read as one.
            if not isinstance(value, _Number):
                return f"a {key} that is not a number"
            # JSON may write 0.00001 as 1e-05: the same decimal, given to the answer parser in plain digits.
            return format(Decimal(value), "f") if "e" in value.lower() else str(value)
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
    if "response_id" in ids:
        raise InputFileError(f"rule set '{rules.id}' has a question 'response_id', the column that holds each response's "
                             "id here; rename the question (`triage check --for fhir` says so)")

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
