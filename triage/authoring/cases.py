"""Rule-set test cases: vignettes with answers and the expected result, run against the engine.

A cases file sits next to its rule file (`x.yaml` -> `x.cases.yaml`) and holds `defaults` (answers
every case starts from) and `cases`. A case's answers override the defaults; `~` removes one, so the
question counts as not answered.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.model import RuleSet
from ..evaluation.engine import Result, evaluate_values
from ..read.casefile import Case


@dataclass(frozen=True)
class CaseOutcome:
    case: Case
    result: Result
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


def run_case(rules: RuleSet, case: Case) -> CaseOutcome:
    result = evaluate_values(rules, case.values)
    failures = []
    if result.disposition.id != case.expect:
        failures.append(f"expected {case.expect}, got {result.disposition.id}")
    cells = result.cells()
    for key, column in (("fired", "reasons"), ("unknown", "unknown"), ("unsure", "unsure"), ("not_recorded", "not_recorded"),
                        ("not_given", "not_given")):
        got = cells[column].split(";") if cells[column] else []
        expected = getattr(case, key)
        if expected is not None and sorted(expected) != sorted(got):
            failures.append(f"expected {key} [{', '.join(sorted(expected))}], got [{', '.join(sorted(got))}]")
    if case.action is not None and case.action != action_name(result):
        failures.append(f"expected action {case.action}, got {action_name(result)}")
    return CaseOutcome(case, result, tuple(failures))


def action_name(result: Result) -> str:
    """Which action is the headline, as a cases file names it."""
    if result.action_rule is None:
        return "advice"
    return result.action_rule.id + (" if unsure" if result.action_unsure else "")


def uncovered_rules(rules: RuleSet, outcomes: list[CaseOutcome]) -> list[str]:
    """Rules that no case makes fire: nothing checks that they do what their rationale says."""
    fired = {r.id for o in outcomes for r in o.result.fired}
    return [r.id for r in rules.rules if r.id not in fired]
