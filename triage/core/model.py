"""The validated rule set: plain frozen data that the engine, questionnaire and renderers read.

Conditions are small trees of comparisons joined by all/any/not. Their meaning (three-valued logic
with two kinds of unknown) lives in logic.py; the nodes here only hold the tree and walk it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping, Union

from .logic import COMPARISONS, CONNECTIVES, NOT_GIVEN, NOT_RECORDED, Outcome, Value

__all__ = ["Value", "Outcome"]  # re-exported: the types of answers and outcomes travel with the model

YESNO = "yesno"
NUMBER = "number"

Deciders = frozenset  # question ids whose answers settled an outcome


@dataclass(frozen=True)
class Compare:
    """One question's answer compared with a value: `is: yes`, a number operator, or `given`."""

    question: str
    op: str  # a key of logic.COMPARISONS
    value: bool | float

    def evaluate(self, values: Mapping[str, Value]) -> tuple[Outcome, frozenset[str]]:
        return COMPARISONS[self.op].holds(values[self.question], self.value), frozenset((self.question,))

    def questions(self) -> tuple[str, ...]:
        return (self.question,)

    def compares(self) -> list[Compare]:
        return [self]


@dataclass(frozen=True)
class Join:
    """`all`, `any` (several parts) or `not` (one part)."""

    kind: str  # a key of logic.CONNECTIVES
    items: tuple[Condition, ...]

    def evaluate(self, values: Mapping[str, Value]) -> tuple[Outcome, frozenset[str]]:
        """The outcome, and the answers that settled it: the dominant parts when one decides, the
        unknown parts when the outcome is unknown, and every part otherwise."""
        connective = CONNECTIVES[self.kind]
        parts = [item.evaluate(values) for item in self.items]
        value = connective.combine(v for v, _ in parts)
        if value is connective.dominant:
            chosen = [d for v, d in parts if v is value]
        elif value is not True and value is not False:
            chosen = [d for v, d in parts if v is not True and v is not False]
        else:
            chosen = [d for _, d in parts]
        return value, frozenset().union(*chosen)

    def questions(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for item in self.items:
            for q in item.questions():
                seen[q] = None
        return tuple(seen)

    def compares(self) -> list[Compare]:
        return [c for item in self.items for c in item.compares()]


Condition = Union[Compare, Join]


def All(items: Iterable[Condition]) -> Join:  # noqa: N802 - reads like the rule file's word
    return Join("all", tuple(items))


def Any_(items: Iterable[Condition]) -> Join:  # noqa: N802
    return Join("any", tuple(items))


def Not(item: Condition) -> Join:  # noqa: N802
    return Join("not", (item,))


@dataclass(frozen=True)
class Question:
    id: str
    type: str  # YESNO or NUMBER
    text: str
    why: str
    flag: bool = False  # a red-flag question: unknown must never end in the lowest disposition
    optional: bool = False  # blank means "not given", never unknown (a yes/no question then reads as no)
    topic: str | None = None  # optional yes/no questions: what a blank leaves unscreened, in a few words
    minimum: float | None = None
    maximum: float | None = None
    unit: str | None = None
    ask_when: Condition | None = None
    line: int = 0  # where the question starts in its file, for lint messages
    column: int = 0
    unsure_note: str | None = None  # added where a result lists this question as answered "unsure"

    @property
    def screen(self) -> str:
        """What this question screens for, in words: "pregnancy was not screened"."""
        return self.topic or self.id

    @property
    def blank(self) -> Value:
        """What a missing answer means: "not given" for an optional question, else not recorded."""
        # mutant: optional-number-blank, blank-cell
        return NOT_GIVEN if self.optional else NOT_RECORDED


@dataclass(frozen=True)
class SafetyNet:
    """One line of safety-netting; with a condition, shown only where that condition could hold."""

    text: str
    when: Condition | None = None

    def applies(self, values: Mapping[str, Value]) -> bool:
        return self.when is None or self.when.evaluate(values)[0] is not False


@dataclass(frozen=True)
class Disposition:
    id: str
    label: str
    colour: str
    summary: str
    advice: tuple[str, ...] = ()
    safety_net: tuple[SafetyNet, ...] = ()


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
    if_unsure: str | None = None  # the disposition when an "unsure" answer leaves the rule unknown
    action: str | None = None  # the headline when this rule is true and decides the result
    action_if_unsure: str | None = None  # the headline when its unsure state decides the result


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
    retired_questions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # old id -> replacements
    # What read.translation.localise chose; texts are already in that language and region.
    language: str = "en"
    notice: str = ""  # one line every result shows: a translation not yet reviewed
    region: str = ""
    # Look-ups built once from the fields above (see __post_init__).
    questions_by_id: Mapping[str, Question] = field(init=False, compare=False, repr=False)
    dispositions_by_id: Mapping[str, Disposition] = field(init=False, compare=False, repr=False)
    rule_levels: tuple[int, ...] = field(init=False, compare=False, repr=False)
    unsure_levels: tuple[int, ...] = field(init=False, compare=False, repr=False)
    blanks: Mapping[str, Value] = field(init=False, compare=False, repr=False)
    # The levels (indexes into dispositions) every evaluator starts from: the default (the least urgent,
    # when nothing holds), and the cautious one above it (a rule unknown only through blanks, or a red
    # flag left unknown, asks for it).
    default_level: int = field(init=False, compare=False, repr=False)
    cautious_level: int = field(init=False, compare=False, repr=False)
    # The optional yes/no questions: a blank is "not given" (read as no), and outputs say so.
    screens: tuple[Question, ...] = field(init=False, compare=False, repr=False)
    _levels: Mapping[str, int] = field(init=False, compare=False, repr=False)
    _rules: Mapping[str, Rule] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        levels = {d.id: i for i, d in enumerate(self.dispositions)}
        cautious = len(self.dispositions) - 2
        built = {
            "default_level": len(self.dispositions) - 1,
            "cautious_level": cautious,
            "questions_by_id": {q.id: q for q in self.questions},
            "dispositions_by_id": {d.id: d for d in self.dispositions},
            "rule_levels": tuple(levels[r.disposition] for r in self.rules),
            # mutant: unsure-level
            "unsure_levels": tuple(levels[r.if_unsure] if r.if_unsure else cautious for r in self.rules),
            "blanks": {q.id: q.blank for q in self.questions},
            "screens": tuple(q for q in self.questions if q.optional and q.type == YESNO),
            "_levels": levels,
            "_rules": {r.id: r for r in self.rules},
        }
        for name, value in built.items():
            object.__setattr__(self, name, value)

    def question(self, qid: str) -> Question:
        return self.questions_by_id[qid]

    def disposition(self, did: str) -> Disposition:
        return self.dispositions_by_id[did]

    def rule(self, rid: str) -> Rule:
        return self._rules[rid]

    def level(self, disposition_id: str) -> int:
        """0 is most urgent."""
        return self._levels[disposition_id]

    def complete(self, values: Mapping[str, Value]) -> dict[str, Value]:
        """Every question's answer: the given ones, and what a missing answer means for the rest."""
        return {**self.blanks, **values}

    def retired_hint(self, qid: str) -> str:
        """Why an id from an earlier version is refused, naming what replaced it; '' if it is not one."""
        new = self.retired_questions.get(qid)
        if new is None:
            return ""
        return (f"'{qid}' is a question of an earlier version of rule set '{self.id}'; it is now "
                f"{len(new)} question{'s' if len(new) > 1 else ''}: {', '.join(new)}")

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
