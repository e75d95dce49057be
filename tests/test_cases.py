"""The default rule set's vignettes: every case must give its expected result."""

import pytest

from triage import load_rules
from triage.cases import load_cases, run_case, uncovered_rules

from .conftest import DEFAULT_CASES, DEFAULT_RULES

RULES = load_rules(DEFAULT_RULES)
CASES = load_cases(DEFAULT_CASES, RULES)


@pytest.mark.parametrize("case", CASES, ids=[f"line{c.line}" for c in CASES])
def test_case(case):
    outcome = run_case(RULES, case)
    assert outcome.passed, f"{case.name}: {'; '.join(outcome.failures)}"


def test_cases_cover_every_rule_and_disposition():
    outcomes = [run_case(RULES, c) for c in CASES]
    assert uncovered_rules(RULES, outcomes) == []
    assert {c.expect for c in CASES} == {d.id for d in RULES.dispositions}
    assert len(CASES) >= 40


def test_a_wrong_expectation_is_reported(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("cases:\n  - name: x\n    answers: {fever: yes}\n    expect: self_care\n    fired: [night_pain]\n")
    (case,) = load_cases(path, RULES)
    outcome = run_case(RULES, case)
    assert outcome.failures == (
        "expected self_care, got urgent_care",
        "expected fired [night_pain], got [fever]",
    )
