"""Evaluation: a pure function from a rule set and answers to a Result, in three-valued logic.

The disposition is the most urgent level with a rule that is definitely true. When nothing is true,
the default (least urgent) disposition is given only if every rule is definitely false and no
red-flag question was left unknown; otherwise the result is one step above the default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from .answers import parse_answers
from .model import Disposition, Rule, RuleSet, Tri, Value


@dataclass(frozen=True)
class RuleOutcome:
    rule: Rule
    value: Tri
    deciders: tuple[str, ...]  # question ids whose answers settled this outcome


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


def decide(rules: RuleSet, values: Mapping[str, Value], trace: list[RuleOutcome]) -> Result:
    level = rules.level
    fired = tuple(o.rule for o in trace if o.value is True)
    unknown_all = [o.rule for o in trace if o.value is None]
    top = min((level(r.disposition) for r in fired), default=len(rules.dispositions) - 1)
    unknown_flags: tuple[str, ...] = ()
    if not fired:
        if unknown_all:
            top = len(rules.dispositions) - 2
        else:
            unknown_flags = tuple(q.id for q in rules.questions if q.flag and values.get(q.id) is None)
            if unknown_flags:
                top = len(rules.dispositions) - 2
    # What could not be ruled out: unknown rules that would raise the result, or, when nothing
    # fired, every unknown rule, since together they are why the result is not the default.
    unknown = tuple(r for r in unknown_all if not fired or level(r.disposition) < top)
    return Result(rules.dispositions[top], fired, unknown, unknown_flags, tuple(trace), dict(values), rules)
