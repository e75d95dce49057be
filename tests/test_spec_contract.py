"""The default rule set against the data dictionary in shared/spec: ids, types, ranges, criteria levels.

The spec is the contract batch users rely on; this test reads its tables so the two cannot drift.
"""

import re

import pytest

from .conftest import ROOT

SPEC = ROOT.parent / "shared" / "spec" / "default-rule-set.md"
pytestmark = pytest.mark.skipif(not SPEC.is_file(), reason="shared/spec is not beside this checkout")


def table_after(heading_text, spec):
    """Rows (lists of cells) of the first Markdown table after a line containing heading_text."""
    lines = spec.splitlines()
    start = next(i for i, line in enumerate(lines) if heading_text in line)
    rows = []
    for line in lines[start + 1:]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not set("".join(cells)) <= set("- "):
                rows.append(cells)
        elif rows:
            break
    return rows[1:]  # without the header


@pytest.fixture(scope="module")
def spec():
    return SPEC.read_text(encoding="utf-8")


def ids(cell):
    return re.findall(r"`([a-z_0-9.]+)`", cell)


def test_dispositions_match(spec, rules):
    rows = table_after("## Dispositions", spec)
    assert [(ids(r[0])[0], r[1]) for r in rows] == [(d.id, d.label) for d in rules.dispositions]


def test_questions_match(spec, rules):
    rows = table_after("## Questions", spec)
    assert {ids(r[0])[0] for r in rows} == set(rules.question_ids)
    for row in rows:
        q = rules.question(ids(row[0])[0])
        assert q.type == ("number" if row[1].startswith("number") else "yesno"), q.id
        assert q.optional == ("optional" in row[1]), q.id
        if row[3]:
            lo, hi = (float(x) for x in row[3].split("–"))
            assert (q.minimum, q.maximum) == (lo, hi), q.id


@pytest.mark.parametrize("heading,level", [("Seek urgent care (`urgent_care`)", "urgent_care"),
                                           ("See a doctor (`see_doctor`)", "see_doctor")])
def test_criteria_match(spec, rules, heading, level):
    rows = table_after(heading, spec)
    assert [ids(r[0])[0] for r in rows] == [r.id for r in rules.rules if r.disposition == level]
    for row in rows:
        rule = rules.rule(ids(row[0])[0])
        mentioned = {i for i in ids(row[1]) if i in rules.question_ids}
        assert set(rule.when.questions()) == mentioned, rule.id
        compares = rule.when.compares()
        for number in re.findall(r"[≥<]\s*([0-9.]+)", row[1]):
            assert float(number) in [c.value for c in compares if c.op != "is"], rule.id
        # "`age` not given" is a test of whether the number was given, never an unknown.
        assert ("not given" in row[1]) == any(c.op == "given" for c in compares), rule.id


def _no_action(cell):
    return cell in ("", "—")


def test_urgent_criteria_if_unsure_levels_and_actions(spec, rules):
    rows = table_after("Seek urgent care (`urgent_care`)", spec)
    for row in rows:
        rule = rules.rule(ids(row[0])[0])
        assert ids(row[3]) == [rule.if_unsure], rule.id
        assert _no_action(row[4]) == (rule.action is None), rule.id
        assert _no_action(row[5]) == (rule.action_if_unsure is None), rule.id
        if row[5].startswith("as for"):
            assert rule.action_if_unsure == rules.rule(ids(row[5])[0]).action_if_unsure, rule.id


def test_see_doctor_criteria_actions(spec, rules):
    for row in table_after("See a doctor (`see_doctor`)", spec):
        rule = rules.rule(ids(row[0])[0])
        assert rule.if_unsure in (None, "see_doctor"), rule.id  # "see_doctor for every see-a-doctor criterion"
        assert _no_action(row[3]) == (rule.action is None), rule.id


def test_no_flag_questions_the_criteria_alone_decide(rules):
    assert not [q.id for q in rules.questions if q.flag]


def test_asked_when(rules):
    from triage.core.describe import describe

    assert describe(rules.question("temperature_c").ask_when) == "fever is not no"
    assert describe(rules.question("cancer_active").ask_when) == "cancer_history is not no"
    assert describe(rules.question("pain_improving").ask_when) == "duration_weeks is at least 6"
    # Version 3: the optional yes/no questions (see "Changes from version 2").
    assert describe(rules.question("cannot_bear_weight").ask_when) == "recent_fall is not no"
    assert describe(rules.question("pregnant").ask_when) == "age was not given or (age is at least 11 and age is at most 55)"
    assert rules.question("leg_swelling").ask_when is None
    assert describe(rules.question("limp").ask_when) == "age is less than 18"


def test_the_optional_yes_no_questions_are_asked_where_the_spec_puts_them(rules):
    order = list(rules.question_ids)
    assert order.index("cannot_bear_weight") == order.index("recent_fall") + 1
    assert order.index("osteoporosis") < order.index("pregnant")
    assert order.index("numbness") < order.index("leg_swelling")
    assert order.index("limp") == order.index("duration_weeks") - 1
    assert {q.id for q in rules.screens} == {"pregnant", "cannot_bear_weight", "leg_swelling", "limp"}
