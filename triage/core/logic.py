"""The one vocabulary of conditions: every evaluator, renderer and reasoner reads its meaning here.

A condition's outcome is True, False, or an Unknown that carries its kind: UNSURE (a person said
"unsure", "don't know", ...) or NOT_RECORDED (a blank cell, a missing key). Both are unknown to the
Kleene logic; when an `any` or `all` stays unknown, "unsure" wins over "not recorded", because a
person's doubt says more than a blank cell. `not` keeps the kind.

Each comparison word (`is`, `at_least`, ..., `given`) and each connective (`all`, `any`, `not`) is
defined once below with its Python meaning, its words for people and its SQL. The engine, the
compiled batch path, SQL, `describe`, lint and the questionnaire all take their meaning from here;
a new comparison is one entry in COMPARISONS plus tests.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Callable, Iterable, Union


class Unknown:
    """An unknown outcome or answer, of one kind. There are exactly two instances."""

    __slots__ = ("kind",)

    def __init__(self, kind: str):
        self.kind = kind

    def __repr__(self) -> str:
        return self.kind.upper().replace(" ", "_")

    def __reduce__(self) -> str:
        # Pickled (for --jobs workers) as the module-level singleton, so `is` still works.
        return "UNSURE" if self.kind == "unsure" else "NOT_RECORDED"


UNSURE = Unknown("unsure")
NOT_RECORDED = Unknown("not recorded")


class _NotGiven:
    """An optional question left blank: never unknown. An optional number (also one answered
    "unsure") compares false; an optional yes/no question reads as no, so `is: no` holds."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = _NotGiven()

Outcome = Union[bool, Unknown]
# A normalised answer: yes/no -> True/False; a number -> float; or UNSURE, NOT_RECORDED, NOT_GIVEN.
Value = Union[bool, float, Unknown, _NotGiven]


def is_unknown(value: object) -> bool:
    return value.__class__ is Unknown


def unknown_of(outcomes: Iterable[Outcome]) -> Unknown:
    """The kind of an unknown made of these unknown parts: unsure wins over not recorded."""
    return UNSURE if any(o is UNSURE for o in outcomes) else NOT_RECORDED


def kleene(dominant: bool, outcomes: Iterable[Outcome]) -> Outcome:
    """Kleene any (dominant True) or all (dominant False), keeping the kind of an unknown.

    Lazy: stops at the first dominant outcome, so `outcomes` may be a generator.
    """
    unknown: Unknown | None = None
    for o in outcomes:
        if o is dominant:
            return dominant
        if isinstance(o, Unknown) and unknown is not UNSURE:
            unknown = o
    return (not dominant) if unknown is None else unknown


def negate(outcome: Outcome) -> Outcome:
    return outcome if outcome.__class__ is Unknown else not outcome


@dataclass(frozen=True)
class Connective:
    """`all`, `any` or `not`: how parts combine."""

    key: str
    words: str  # joins parts in plain words
    sql: str  # joins parts in SQL (NOT is a prefix)
    combine: Callable[[Iterable[Outcome]], Outcome]
    dominant: bool | None  # the outcome that decides alone (None for not)


CONNECTIVES = {
    "all": Connective("all", " and ", " AND ", lambda parts: kleene(False, parts), False),
    "any": Connective("any", " or ", " OR ", lambda parts: kleene(True, parts), True),
    "not": Connective("not", "not ", "NOT ", lambda parts: negate(next(iter(parts))), None),
}


@dataclass(frozen=True)
class Comparison:
    """One way of comparing a question's answer with a value in a rule file."""

    key: str  # the word in the rule file
    applies_to: str  # "yesno", "number", or "optional" (optional numbers only)
    words: str  # for people, between the question and the value
    symbol: str
    sql: str  # SQL operator for numbers; unused for the others
    test: Callable[[float, float], bool] | None = None  # numbers only


COMPARISONS = {
    c.key: c
    for c in (
        Comparison("is", "yesno", "is", "=", "="),
        Comparison("at_least", "number", "is at least", "≥", ">=", operator.ge),
        Comparison("above", "number", "is more than", ">", ">", operator.gt),
        Comparison("at_most", "number", "is at most", "≤", "<=", operator.le),
        Comparison("below", "number", "is less than", "<", "<", operator.lt),
        Comparison("given", "optional", "was given", "given", "IS NOT NULL"),
    )
}
NUMBER_OPS = {k: c for k, c in COMPARISONS.items() if c.applies_to == "number"}


def compare(op: str, answer: object, value: object) -> Outcome:
    """The outcome of one comparison for one normalised answer (see Value)."""
    if isinstance(answer, Unknown):
        return answer
    if op == "is":
        return (False if answer is NOT_GIVEN else answer) is value
    if op == "given":
        return (answer is not NOT_GIVEN) is value
    if answer is NOT_GIVEN:
        return False
    return COMPARISONS[op].test(answer, value)  # type: ignore[misc, arg-type]
