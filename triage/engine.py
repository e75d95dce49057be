"""Evaluation: a pure function from a rule set and answers to a Result, in three-valued logic.

The disposition is the most urgent level with a rule that is definitely true. When nothing is true,
the default (least urgent) disposition is given only if every rule is definitely false and no
red-flag question was left unknown; otherwise the result is one step above the default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, NamedTuple, Sequence

from .answers import parse_answers
from .model import Disposition, Rule, RuleSet, Tri, Value


@dataclass(frozen=True)
class RuleOutcome:
    rule: Rule
    value: Tri
    deciders: tuple[str, ...]  # question ids whose answers settled this outcome


class Choice(NamedTuple):
    level: int  # index into rules.dispositions
    fired: tuple[int, ...]  # indices into rules.rules
    unknown: tuple[int, ...]
    unknown_flags: tuple[str, ...]


@dataclass(frozen=True)
class Result:
    disposition: Disposition
    fired: tuple[Rule, ...]
    unknown: tuple[Rule, ...]  # rules that could not be ruled out and would change the result if true
    unknown_flags: tuple[str, ...]  # red-flag questions left unknown that kept the result off the default
    trace: tuple[RuleOutcome, ...]
    answers: Mapping[str, Value]
    ruleset: RuleSet

    @property
    def deciding(self) -> Rule | None:
        """The first rule (in file order) that fired at the result's level, if any."""
        return next((r for r in self.fired if r.disposition == self.disposition.id), None)


def evaluate(rules: RuleSet, answers: Mapping[str, object]) -> Result:
    """Evaluate raw answers (strings, booleans, numbers; missing means unknown).

    Raises AnswerError for an answer that does not fit its question or an unknown question id.
    """
    return evaluate_values(rules, parse_answers(rules, answers))


def evaluate_values(rules: RuleSet, values: Mapping[str, Value]) -> Result:
    """Evaluate answers that are already normalised (see answers.parse_answer)."""
    trace = []
    for rule in rules.rules:
        value, deciders = rule.when.evaluate(values)
        trace.append(RuleOutcome(rule, value, tuple(q for q in rules.question_ids if q in deciders)))
    return decide(rules, values, trace)


def choose(rules: RuleSet, outcomes: Sequence[Tri], flag_unknown: Callable[[], tuple[str, ...]]) -> Choice:
    """The decision, from each rule's outcome (in rule-file order); shared by every evaluator.

    `flag_unknown` is asked only when it matters: which red-flag questions were left unknown.
    """
    levels = rules._by_id["rule_levels"]
    fired = [i for i, v in enumerate(outcomes) if v is True]
    unknown_all = [i for i, v in enumerate(outcomes) if v is None]
    top = min((levels[i] for i in fired), default=len(rules.dispositions) - 1)
    flags: tuple[str, ...] = ()
    if not fired:
        if unknown_all:
            top = len(rules.dispositions) - 2
        else:
            flags = flag_unknown()
            if flags:
                top = len(rules.dispositions) - 2
    # What could not be ruled out: the unknown rules that would raise the result if true; failing
    # those, when nothing fired, the unknown rules that are why the result is not the default.
    unknown = [i for i in unknown_all if levels[i] < top]
    if not unknown and not fired:
        unknown = [i for i in unknown_all if levels[i] == top]
    return Choice(top, tuple(fired), tuple(unknown), flags)


def decide(rules: RuleSet, values: Mapping[str, Value], trace: list[RuleOutcome]) -> Result:
    def flags() -> tuple[str, ...]:
        return tuple(q.id for q in rules.questions if q.flag and values.get(q.id) is None)

    c = choose(rules, [o.value for o in trace], flags)
    return Result(
        rules.dispositions[c.level],
        tuple(rules.rules[i] for i in c.fired),
        tuple(rules.rules[i] for i in c.unknown),
        c.unknown_flags,
        tuple(trace),
        dict(values),
        rules,
    )
