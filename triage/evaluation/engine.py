"""Evaluation: a pure function from a rule set and answers to a Result, in three-valued logic.

Each rule gives a level: its own when it is true; its "if unsure" level when an unsure answer leaves
it unknown; the cautious level (one above the default) when it is unknown only through answers that
were not recorded. A red-flag question left unknown gives the cautious level too. The result is the
most urgent of these, and the default only when there are none: every rule definitely false.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, NamedTuple, Sequence, TypeVar

from ..core.answers import parse_answers
from ..core.logic import NOT_GIVEN, NOT_RECORDED, UNSURE, Outcome, Unknown, Value
from ..core.model import Disposition, Rule, RuleSet

_T = TypeVar("_T")
# A result's cells, in the order every output gives them (CSV and JSON lines columns, SQL, FHIR).
CELLS = ("disposition", "action", "reasons", "unknown", "unsure", "not_recorded", "not_given", "raised_by_not_recorded")


@dataclass(frozen=True)
class RuleOutcome:
    rule: Rule
    value: Outcome
    deciders: tuple[str, ...]  # question ids whose answers settled this outcome


class Choice(NamedTuple):
    """The decision, by index, as every evaluator computes it (see choose)."""

    level: int  # index into rules.dispositions
    fired: tuple[int, ...]  # indices into rules.rules
    unknown: tuple[int, ...]  # rules that could not be ruled out (see choose)
    unknown_flags: tuple[str, ...]  # red-flag questions left unknown that kept the result off the default
    action: tuple[int, bool] | None  # (rule index, from its unsure state) of the headline, if a rule gives it
    raised: bool  # the level would be less urgent if what was not recorded were false


def choose(
    rules: RuleSet, outcomes: Sequence[Outcome], flag_unknown: Callable[[], Sequence[Unknown]] | None = None,
    flag_ids: Callable[[], tuple[str, ...]] | None = None,
) -> Choice:
    """The decision from each rule's outcome (in rule-file order); shared by every evaluator.

    `flag_unknown` gives the kinds of the red-flag questions left unknown; `flag_ids` their ids.
    Both are asked only when they can matter.
    """
    levels, unsure_levels = rules.rule_levels, rules.unsure_levels
    default, cautious = rules.default_level, rules.cautious_level
    fired = [i for i, v in enumerate(outcomes) if v is True]
    unknown_all = [i for i, v in enumerate(outcomes) if v.__class__ is Unknown]
    # The level from true rules and unsure answers alone; blanks can add the cautious level at most.
    top_sure = min([levels[i] for i in fired] + [unsure_levels[i] for i in unknown_all if outcomes[i] is UNSURE],
                   default=default)
    top = min(top_sure, cautious) if any(outcomes[i] is NOT_RECORDED for i in unknown_all) else top_sure
    flags: tuple[str, ...] = ()
    if top_sure == default and flag_unknown is not None:
        # Red-flag questions matter only when nothing true or unsure already holds the result up.
        kinds = flag_unknown()
        if kinds:
            top = min(top, cautious)
            if UNSURE in kinds:
                top_sure = cautious
            if not fired and not unknown_all and flag_ids is not None:
                flags = flag_ids()
    headline = _headline(rules, outcomes, top)
    fired_at_top = any(levels[i] == top for i in fired)
    return Choice(top, tuple(fired), could_not_rule_out(rules, outcomes, unknown_all, top, fired_at_top, headline),
                  # mutant: raised
                  flags, headline, top_sure > top)


def could_not_rule_out(rules: RuleSet, outcomes: Sequence[Outcome], unknown: Iterable[int], top: int,
                       fired_at_top: bool, headline: tuple[int, bool] | None) -> tuple[int, ...]:
    """The unknown rules a result lists as could not be ruled out, in file order: those that would make
    it more urgent if true; when nothing is true at its level, those that set it; and those at its
    level that stand before the headline's rule, since their own action would come first."""
    levels = rules.rule_levels
    before = headline[0] if headline is not None else -1
    # mutant: before-headline
    return tuple(i for i in unknown if levels[i] < top or (levels[i] == top and i < before)
                 or (not fired_at_top and contribution(rules, i, outcomes[i]) == top))


def contribution(rules: RuleSet, i: int, outcome: Outcome) -> int:
    """The level rule i asks for with this outcome: its own if true, its "if unsure" level if unsure,
    the cautious level if not recorded, the default if false."""
    if outcome is True:
        return rules.rule_levels[i]
    if outcome is UNSURE:
        return rules.unsure_levels[i]
    return rules.cautious_level if outcome is NOT_RECORDED else rules.default_level


def unknown_reads(reads: Sequence[Iterable[_T]], outcomes: Sequence[Outcome], always: Iterable[_T]) -> set[_T]:
    """What the rules left unknown read (question ids or slots), plus `always` (the red flags): the
    answers whose being unsure or not recorded a result reports."""
    found = set(always)
    for read, outcome in zip(reads, outcomes):
        if outcome.__class__ is Unknown:
            found.update(read)
    return found


def _headline(rules: RuleSet, outcomes: Sequence[Outcome], top: int) -> tuple[int, bool] | None:
    """The first true rule at the result's level with an action; else the first rule whose unsure
    state set that level and that has an action for it; else None (the disposition's own advice)."""
    for i, rule in enumerate(rules.rules):
        # mutant: headline-true-first
        if outcomes[i] is True and rules.rule_levels[i] == top and rule.action:
            return i, False
    for i, rule in enumerate(rules.rules):
        if outcomes[i] is UNSURE and rules.unsure_levels[i] == top and rule.action_if_unsure:
            return i, True
    return None


@dataclass(frozen=True)
class Result:
    disposition: Disposition
    fired: tuple[Rule, ...]
    unknown: tuple[Rule, ...]  # rules that could not be ruled out (see choose)
    unknown_flags: tuple[str, ...]  # red-flag questions left unknown that kept the result off the default
    trace: tuple[RuleOutcome, ...]
    answers: Mapping[str, Value]  # every question's answer, completed (see RuleSet.complete)
    ruleset: RuleSet
    action_rule: Rule | None = None  # the rule whose action is the headline
    action_unsure: bool = False  # the headline is that rule's action for an unsure answer
    raised_by_not_recorded: bool = False

    @property
    def action(self) -> str | None:
        """The headline: what to do now, from the deciding rule; None means the disposition's advice."""
        if self.action_rule is None:
            return None
        return self.action_rule.action_if_unsure if self.action_unsure else self.action_rule.action

    @property
    def deciding(self) -> Rule | None:
        """The first rule (in file order) that fired at the result's level, if any."""
        return next((r for r in self.fired if r.disposition == self.disposition.id), None)

    @property
    def unsure(self) -> tuple[str, ...]:
        """Questions answered "unsure" that a rule left unknown reads (question ids)."""
        return answers_of_kind(self.ruleset, self.answers, self.trace, UNSURE)

    @property
    def not_recorded(self) -> tuple[str, ...]:
        """Questions not recorded that a rule left unknown reads (question ids)."""
        return answers_of_kind(self.ruleset, self.answers, self.trace, NOT_RECORDED)

    def cells(self) -> dict[str, str]:
        """The result as the cells `triage score` adds (without `error` and `rules_version`), in CELLS order:
        the one place a Result becomes cells (the batch path builds the same cells from packed decisions,
        and the differential tests hold the two equal)."""
        return dict(zip(CELLS, (
            self.disposition.id,
            self.action or "",
            # mutant: result-cells
            ";".join(r.id for r in self.fired),
            ";".join([r.id for r in self.unknown] + [f"flag:{q}" for q in self.unknown_flags]),
            ";".join(self.unsure),
            ";".join(self.not_recorded),
            ";".join(self.not_given),
            "yes" if self.raised_by_not_recorded else "",
        )))

    @property
    def not_given(self) -> tuple[str, ...]:
        """Optional yes/no questions left blank: screens that were not done (question ids). They read
        as no and never raise the result, so every output names them."""
        return not_screened(self.ruleset, self.answers)


def not_screened(rules: RuleSet, answers: Mapping[str, Value]) -> tuple[str, ...]:
    return tuple(q.id for q in rules.screens if answers.get(q.id, NOT_GIVEN) is NOT_GIVEN)


def answers_of_kind(rules: RuleSet, answers: Mapping[str, Value], trace: Sequence[RuleOutcome], kind: Unknown) -> tuple[str, ...]:
    read = unknown_reads([o.rule.when.questions() for o in trace], [o.value for o in trace],
                         (q.id for q in rules.questions if q.flag))
    return tuple(q.id for q in rules.questions if q.id in read and answers.get(q.id) is kind)


def evaluate(rules: RuleSet, answers: Mapping[str, object]) -> Result:
    """Evaluate raw answers (strings, booleans, numbers; missing means not recorded).

    Raises AnswerError for an answer that does not fit its question or an unknown question id.
    """
    return evaluate_values(rules, parse_answers(rules, answers))


def evaluate_values(rules: RuleSet, values: Mapping[str, Value]) -> Result:
    """Evaluate answers that are already normalised (see answers.parse_answer)."""
    complete = rules.complete(values)
    order = rules.question_ids
    trace = []
    for rule in rules.rules:
        value, deciders = rule.when.evaluate(complete)
        trace.append(RuleOutcome(rule, value, tuple(q for q in order if q in deciders)))
    flagged = [q.id for q in rules.questions if q.flag and complete[q.id].__class__ is Unknown]
    c = choose(rules, [o.value for o in trace], lambda: [complete[q] for q in flagged], lambda: tuple(flagged))  # type: ignore[misc]
    return Result(
        rules.dispositions[c.level],
        tuple(rules.rules[i] for i in c.fired),
        tuple(rules.rules[i] for i in c.unknown),
        c.unknown_flags,
        tuple(trace),
        complete,
        rules,
        rules.rules[c.action[0]] if c.action else None,
        bool(c.action and c.action[1]),
        c.raised,
    )
