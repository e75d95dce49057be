"""A comparison is one object (core/logic.py): registering a new one is the whole change, and every
evaluator, renderer and tool then uses it. Here `exactly` and its negation `other_than` are added."""

import csv
import io
import operator
import sqlite3

import pytest

from triage.authoring.lint import lint
from triage.authoring.schema import rule_file_schema
from triage.batch.stream import Options, score_file
from triage.core import logic
from triage.core.describe import describe
from triage.core.errors import RuleFileError
from triage.evaluation.engine import evaluate
from triage.evaluation.sql import compile_sql
from triage.formtools import skiplogic
from triage.formtools.fhir import questionnaire
from triage.formtools.redcap import branching
from triage.formtools.xlsform import sheets
from triage.read.loader import parse_rules

RULES = """\
id: exact
title: Exact
version: '1'
disclaimer: Not a diagnosis.
dispositions:
- {id: urgent, label: Urgent, colour: red, summary: Go now.}
- {id: home, label: Home, colour: green, summary: Rest.}
questions:
- {id: age, type: number, text: 'Age?', why: Because., min: 0, max: 120}
- id: fever
  type: yesno
  text: Fever?
  why: Because.
  ask_when: {not: {question: age, exactly: 40}}
rules:
- id: forty
  disposition: urgent
  when: {question: age, exactly: 40}
  rationale: A test of a new comparison.
- id: not_forty_fever
  disposition: urgent
  when: {all: [{question: age, other_than: 40}, {question: fever, is: yes}]}
  rationale: Its negation.
"""
ROWS = [("40", "no"), ("41", "no"), ("41", "yes"), ("unsure", "no"), ("", "no"), ("39.5", "yes")]


@pytest.fixture
def exactly():
    logic.register(logic.NumberComparison("exactly", "is exactly", "=", "=", operator.eq, "other_than"))
    logic.register(logic.NumberComparison("other_than", "is other than", "≠", "!=", operator.ne, "exactly"))
    yield parse_rules(RULES, "exact.yaml")
    logic.unregister("exactly")
    logic.unregister("other_than")


def test_unknown_until_registered():
    with pytest.raises(RuleFileError, match="unknown comparison 'exactly'"):
        parse_rules(RULES, "exact.yaml")


def test_every_evaluator_uses_the_new_comparison(exactly):
    engine = [evaluate(exactly, {"age": a, "fever": f}).cells() for a, f in ROWS]
    assert [c["disposition"] for c in engine] == ["urgent", "home", "urgent", "urgent", "urgent", "urgent"]
    assert engine[0]["reasons"] == "forty" and engine[3]["unknown"] == "forty" and engine[5]["reasons"] == "not_forty_fever"

    data = ("age,fever\n" + "".join(f"{a},{f}\n" for a, f in ROWS)).encode()
    out = io.StringIO()
    score_file(exactly, io.BytesIO(data), out, Options())
    batch = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [[r[k] for k in logic_cells()] for r in batch] == [[c[k] for k in logic_cells()] for c in engine]

    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE responses (age TEXT, fever TEXT)")
    con.executemany("INSERT INTO responses VALUES (?, ?)", [(a or None, f) for a, f in ROWS])
    cursor = con.execute(compile_sql(exactly, "sqlite"))
    names = [d[0] for d in cursor.description]
    sql = [dict(zip(names, r)) for r in cursor.fetchall()]
    assert [[r[k] or "" for k in logic_cells()] for r in sql] == [[c[k] for k in logic_cells()] for c in engine]


def logic_cells():
    return ("disposition", "reasons", "unknown", "unsure", "not_recorded")


def test_every_renderer_and_tool_uses_the_new_comparison(exactly):
    assert describe(exactly.rules[0].when, exactly) == "age is exactly 40"
    assert describe(exactly.question("fever").ask_when, exactly) == "not (age is exactly 40)"
    shown = skiplogic.shown_when(exactly.question("fever").ask_when, exactly)
    # `not` pushed down: shown when age is blank or other than 40, as the opposite says.
    assert [skiplogic.evaluate(shown, {"age": a}) for a in (40.0, 41.0, None)] == [False, True, True]
    fever = next(i for i in questionnaire(exactly)["item"] if i["linkId"] == "fever")
    assert {"question": "age", "operator": "!=", "answerDecimal": 40.0} in fever["enableWhen"]
    relevant = next(row for row in sheets(exactly)["survey"] if row[1] == "fever")
    assert "${age} != 40" in " ".join(relevant)
    assert "[age] <> 40" in branching(shown)  # REDCap's own spelling of "not equal"
    condition = rule_file_schema()["$defs"]["condition"]["oneOf"][0]["properties"]
    assert "exactly" in condition and "other_than" in condition
    never = parse_rules(RULES.replace("exactly: 40}\n  rationale", "exactly: 200}\n  rationale"), "exact.yaml")
    assert any("'age is exactly 200' can never be true" in p.message for p in lint(never))
