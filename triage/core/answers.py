"""Turning what a person typed (or a cell held) into an answer: yes, no, unsure, not recorded, or a number.

The spellings are a public contract (see rules/README and the data dictionary): batch users build
spreadsheets on them, so they are fixed here rather than in each rule file.
"""

from __future__ import annotations

import math
import re
from typing import Mapping

from .errors import AnswerError, did_you_mean
from .logic import NOT_GIVEN, NOT_RECORDED, UNSURE, Unknown, Value
from .model import NUMBER, Question, RuleSet
from .words import ENGLISH, typed, w

YES_WORDS = ("yes", "y", "true", "1")
NO_WORDS = ("no", "n", "false", "0")
UNSURE_WORDS = ("unsure", "unknown", "not sure", "don't know", "dont know")

# One lookup table for every yes/no spelling; keys are already stripped and lower-cased. A blank
# (an empty cell, a missing key) is "not recorded": nobody said they were unsure.
YESNO_TABLE: dict[str, bool | Unknown] = {
    **{w: True for w in YES_WORDS},
    **{w: False for w in NO_WORDS},
    **{w: UNSURE for w in UNSURE_WORDS},
    "": NOT_RECORDED,
}

PLAIN_DECIMAL = re.compile(r"[-+]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)")


def shown(raw: object, limit: int = 40) -> str:
    """A wrong answer quoted in a message, shortened: a cell can hold a whole novel."""
    text = str(raw)
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f"… ({len(text):,} characters)"


def _fmt(x: float) -> str:
    return f"{x:g}"


def range_text(q: Question) -> str:
    """The allowed answers in words, with the unit: 'from 30 to 45 °C'."""
    unit = f" {q.unit}" if q.unit else ""
    low = None if q.minimum is None else _fmt(q.minimum)
    high = None if q.maximum is None else _fmt(q.maximum)
    if low is not None and high is not None:
        return w("range.between", low=low, high=high, unit=unit)
    if low is not None:
        return w("range.at_least", low=low, unit=unit)
    if high is not None:
        return w("range.at_most", high=high, unit=unit)
    return w("range.any_unit", unit=unit) if unit else w("range.any")


def _typed_word(key: str) -> bool | Unknown | None:
    """A yes/no answer in the words of the language in use ("sí", "no sé"), or None."""
    if key in typed("typed.yes"):
        return True
    if key in typed("typed.no"):
        return False
    if key in typed("typed.unsure"):
        return UNSURE
    return None


def parse_answer(q: Question, raw: object) -> Value:
    """Normalise one answer (see logic.Value). None, like a blank, means nothing was recorded."""
    if raw is None:
        return q.blank
    if q.type == NUMBER:
        return _parse_number(q, raw)
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str):
        key = raw.strip().lower()
        if key in YESNO_TABLE:
            return YESNO_TABLE[key] if key else q.blank
        # mutant: typed-words
        if (word := _typed_word(key)) is not None:
            return word
    raise AnswerError(q.id, w("error.not_an_answer", shown=shown(raw), words=w("words.yesno")))


def _parse_number(q: Question, raw: object) -> Value:
    if isinstance(raw, bool):
        raise AnswerError(q.id, f"expected a number {range_text(q)}, got {str(raw).lower()}")
    if isinstance(raw, (int, float)):
        value = float(raw)
    else:
        text = str(raw).strip()
        key = text.lower()
        if not key:
            return q.blank
        if key in UNSURE_WORDS or key in typed("typed.unsure"):
            # An optional number the person is unsure of was simply not given.
            return NOT_GIVEN if q.optional else UNSURE
        if not PLAIN_DECIMAL.fullmatch(text):
            raise AnswerError(q.id, w("error.not_a_number", shown=shown(text), range=range_text(q)))
        value = float(text.replace(",", "."))
    if math.isnan(value) or (q.minimum is not None and value < q.minimum) or (
        q.maximum is not None and value > q.maximum
    ):
        raise AnswerError(q.id, w("error.out_of_range", value=_fmt(value), range=range_text(q)))
    return value


def parse_answers(rules: RuleSet, raw: Mapping[str, object]) -> dict[str, Value]:
    """Normalise a whole mapping of question id to answer. Unknown ids are an error, not ignored."""
    known = rules.questions_by_id
    out: dict[str, Value] = {}
    for qid, value in raw.items():
        q = known.get(qid)
        if q is None:
            raise AnswerError(str(qid), f"no such question in rule set '{rules.id}'{did_you_mean(qid, known)}")
        out[qid] = parse_answer(q, value)
    return out


def answer_text(q: Question, value: Value | None) -> str:
    """How an answer is shown back to a person and written to a saved answers file."""
    if value is UNSURE:
        return "unsure"
    if value is NOT_GIVEN:
        return "not given"
    if value is NOT_RECORDED or value is None:
        return "not recorded"
    if q.type == NUMBER:
        return _fmt(value)  # type: ignore[arg-type]
    return "yes" if value else "no"


def shown_answer(q: Question, value: Value | None) -> str:
    """An answer as a person reads it back, in the language in use (files keep answer_text's words)."""
    text = answer_text(q, value)
    return w(f"answer.{text}") if f"answer.{text}" in ENGLISH else text
