"""The default rule set's vignettes: every case must give its expected result."""

import pytest

from triage import load_rules
from triage.read.casefile import load_cases
from triage.authoring.cases import run_case, uncovered_rules

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


def can_head(rule):
    """Whether a true rule's action can be the headline: some answers to its own questions make it true
    while no earlier rule at its level with an action is, every other answer being no (or not given).
    The spec orders `fever` before `infection_risk_with_fever`, so the latter's action for a true state
    never heads a result; its unsure action does. (With `not`, other answers could matter: the default
    rule set has no `not` in its rules.)"""
    from itertools import product

    from triage.core.domains import domain
    from triage.core.logic import NOT_GIVEN, UNSURE

    earlier = [r for r in RULES.rules[: RULES.rules.index(rule)] if r.disposition == rule.disposition and r.action]
    base = {q.id: False if q.type == "yesno" else NOT_GIVEN for q in RULES.questions}
    qids = rule.when.questions()
    # A blank can only make a rule less true than "unsure" does, so yes, no and unsure are enough.
    domains = [[True, False, UNSURE] if RULES.question(q).type == "yesno" else domain(RULES, q) for q in qids]
    for combo in product(*domains):
        v = {**base, **dict(zip(qids, combo))}
        if rule.when.evaluate(v)[0] is True and not any(r.when.evaluate(v)[0] is True for r in earlier):
            return True
    return False


def test_one_action_in_the_default_rule_set_cannot_head_a_result():
    assert [r.id for r in RULES.rules if r.action and not can_head(r)] == ["infection_risk_with_fever"]


def test_cases_show_every_if_unsure_state_and_every_action():
    from triage.authoring.cases import action_name
    from triage.core.logic import UNSURE

    outcomes = [run_case(RULES, c) for c in CASES]
    unsure = {o.rule.id for out in outcomes for o in out.result.trace if o.value is UNSURE}
    # Every rule that reads a yes/no question can be left unknown by an unsure answer (an optional
    # number answered "unsure" is simply not given).
    can_be_unsure = {r.id for r in RULES.rules if any(RULES.question(q).type == "yesno" for q in r.when.questions())}
    assert unsure == can_be_unsure
    shown = {action_name(out.result) for out in outcomes}
    assert {r.id for r in RULES.rules if r.action and can_head(r)} <= shown
    assert {f"{r.id} if unsure" for r in RULES.rules if r.action_if_unsure} <= shown
    assert {c.action for c in CASES if c.action} <= shown


def test_the_spec_examples_of_what_is_not_a_red_flag_come_out_below_urgent():
    notes = [c for c in CASES if c.name.endswith("(answered no)")]
    assert len(notes) == 4
    assert all(c.expect != "urgent_care" for c in notes)
