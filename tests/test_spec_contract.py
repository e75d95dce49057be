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
        for number in re.findall(r"[≥<]\s*([0-9.]+)", row[1]):
            assert float(number) in [c.value for c in _compares(rule.when)], rule.id


def _compares(cond):
    if hasattr(cond, "items"):
        return [c for item in cond.items for c in _compares(item)]
    if hasattr(cond, "item"):
        return _compares(cond.item)
    return [cond]
