"""The validated rule set: plain frozen data that the engine, questionnaire and renderers read.

Conditions are small trees of comparisons joined by all/any/not. They evaluate in three-valued
(Kleene) logic: True, False, or None for unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Union

Tri = Union[bool, None]
Value = Union[bool, float, None]

YESNO = "yesno"
NUMBER = "number"


class _Pending:
    """An answer not yet given in a questionnaire: unknown even for an optional question."""

    def __repr__(self) -> str:
        return "PENDING"


PENDING = _Pending()

# Number comparisons: operator word in the rule file -> (symbol shown to people, test).
NUMBER_OPS = {
    "at_least": ("≥", lambda a, b: a >= b),
    "above": (">", lambda a, b: a > b),
    "at_most": ("≤", lambda a, b: a <= b),
    "below": ("<", lambda a, b: a < b),
}


@dataclass(frozen=True)
class Compare:
    """One question's answer compared with a value: `is: yes` for yes/no, or a number operator."""

    question: str
    op: str  # "is" or a key of NUMBER_OPS
    value: bool | float
    optional: bool = False  # an optional number left blank counts as false, never unknown

    def evaluate(self, values: Mapping[str, Value]) -> tuple[Tri, frozenset[str]]:
        answer = values.get(self.question)
        deciders = frozenset((self.question,))
        if answer is None:
            return (False if self.optional else None), deciders
        if answer is PENDING:
            return None, deciders
        if self.op == "is":
            return answer is self.value, deciders
        return NUMBER_OPS[self.op][1](answer, self.value), deciders

    def questions(self) -> tuple[str, ...]:
        return (self.question,)


@dataclass(frozen=True)
class All:
    items: tuple["Condition", ...]

    def evaluate(self, values: Mapping[str, Value]) -> tuple[Tri, frozenset[str]]:
        return _combine(self.items, values, dominant=False)

    def questions(self) -> tuple[str, ...]:
        return _questions(self.items)


@dataclass(frozen=True)
class Any_:
    items: tuple["Condition", ...]

    def evaluate(self, values: Mapping[str, Value]) -> tuple[Tri, frozenset[str]]:
        return _combine(self.items, values, dominant=True)

    def questions(self) -> tuple[str, ...]:
        return _questions(self.items)


@dataclass(frozen=True)
class Not:
    item: "Condition"

    def evaluate(self, values: Mapping[str, Value]) -> tuple[Tri, frozenset[str]]:
        value, deciders = self.item.evaluate(values)
        return (None if value is None else not value), deciders

    def questions(self) -> tuple[str, ...]:
        return self.item.questions()


Condition = Union[Compare, All, Any_, Not]


def _combine(items, values, dominant: bool) -> tuple[Tri, frozenset[str]]:
    """Kleene and/or. `dominant` is the value that decides alone: True for any, False for all.

    The deciders are the answers that settled the outcome: the dominant operands when one is
    present, the unknown operands when the outcome is unknown, and every operand otherwise.
    """
    outcomes = [item.evaluate(values) for item in items]
    winners = [d for v, d in outcomes if v is dominant]
    if winners:
        return dominant, frozenset().union(*winners)
    unknown = [d for v, d in outcomes if v is None]
    if unknown:
        return None, frozenset().union(*unknown)
    return (not dominant), frozenset().union(*(d for _, d in outcomes))


def _questions(items) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for item in items:
        for q in item.questions():
            seen[q] = None
    return tuple(seen)


@dataclass(frozen=True)
class Question:
    id: str
    type: str  # YESNO or NUMBER
    text: str
    why: str
    flag: bool = False  # a red-flag question: unknown must never end in the lowest disposition
    optional: bool = False
    minimum: float | None = None
    maximum: float | None = None
    unit: str | None = None
    ask_when: Condition | None = None
    line: int = 0  # where the question starts in its file, for lint messages
    column: int = 0


@dataclass(frozen=True)
class Disposition:
    id: str
    label: str
    colour: str
    summary: str
    advice: tuple[str, ...] = ()
    safety_net: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    id: str
    title: str


@dataclass(frozen=True)
class Rule:
    id: str
    disposition: str
    when: Condition
    rationale: str
    source: str | None
    line: int = 0  # where the rule starts in its file, for messages and lint
    column: int = 0


@dataclass(frozen=True)
class RuleSet:
    """A whole rule file. Dispositions run from most to least urgent; the last is the default."""

    id: str
    title: str
    version: str
    disclaimer: str
    dispositions: tuple[Disposition, ...]
    questions: tuple[Question, ...]
    rules: tuple[Rule, ...]
    sources: tuple[Source, ...] = ()
    path: str = "<memory>"
    sha256: str = ""
    _by_id: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update(
            questions={q.id: q for q in self.questions},
            dispositions={d.id: d for d in self.dispositions},
            levels={d.id: i for i, d in enumerate(self.dispositions)},
            rules={r.id: r for r in self.rules},
            rule_levels=[i for r in self.rules for i, d in enumerate(self.dispositions) if d.id == r.disposition],
        )

    def question(self, qid: str) -> Question:
        return self._by_id["questions"][qid]

    def disposition(self, did: str) -> Disposition:
        return self._by_id["dispositions"][did]

    def rule(self, rid: str) -> Rule:
        return self._by_id["rules"][rid]

    def level(self, disposition_id: str) -> int:
        """0 is most urgent."""
        return self._by_id["levels"][disposition_id]

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions)

    @property
    def default(self) -> Disposition:
        return self.dispositions[-1]

    @property
    def cautious(self) -> Disposition:
        """Where an unknown answer lands at the least: one step above the default."""
        return self.dispositions[-2]
