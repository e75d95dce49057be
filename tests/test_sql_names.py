"""Compiled SQL that no id or text can confuse (issue 20, findings 8 and 9): question ids that are
another's with an alias prefix (fever and v_fever, weeks and n_weeks), and rule text holding
backslashes and quotes, in SQLite and DuckDB here and in Spark in test_spark.py."""

import itertools

import pytest

from triage.read.loader import parse_rules

from .conftest import optional
from .test_differential import as_compared, engine_row, sql_rows

RULES_TEXT = r"""
id: names
title: Names
version: '1'
disclaimer: Not a diagnosis.
dispositions:
- {id: urgent, label: Urgent, colour: red, summary: Go now.}
- {id: doctor, label: Doctor, colour: amber, summary: See one.}
- {id: home, label: Home, colour: green, summary: Rest.}
questions:
- {id: fever, type: yesno, text: 'Fever?', why: Because.}
- {id: v_fever, type: yesno, text: 'Other fever?', why: Because.}
- {id: weeks, type: number, text: 'Weeks?', why: Because., min: 0, max: 100}
- {id: n_weeks, type: number, text: 'Other weeks?', why: Because., min: 0, max: 100}
rules:
- id: hot
  disposition: urgent
  when: {question: fever, is: yes}
  action: 'Open C:\new\table, then say "it''s \'' done" \'
  rationale: A backslash, a quote and a backslash before a quote.
- id: v_hot
  disposition: doctor
  when: {question: v_fever, is: yes}
  rationale: The other.
- id: long
  disposition: doctor
  when: {question: weeks, at_least: 6}
  action: 'Tab\there'
  rationale: Long.
- id: n_long
  disposition: urgent
  when: {question: n_weeks, at_least: 6}
  rationale: Other long.
"""
RULES = parse_rules(RULES_TEXT, "names.yaml")
ROWS = [list(r) for r in itertools.product(["yes", "no", "unsure", ""], ["yes", "no", ""], ["2", "8", ""], ["3", "9", "unsure"])]


def test_the_action_text_is_read_as_written():
    assert RULES.rules[0].action == "Open C:\\new\\table, then say \"it's \\' done\" \\"


@pytest.mark.parametrize("dialect", ["sqlite", "duckdb"])
def test_prefixed_ids_and_backslashes_agree_with_the_engine(dialect):
    connect = optional("duckdb", "the DuckDB dialect is run").connect if dialect == "duckdb" else None
    kwargs = {"connect": lambda _: connect(), "dialect": "duckdb"} if connect else {}
    for blank_as_null in (True, False):
        got = sql_rows(RULES, ROWS, blank_as_null, **kwargs)
        assert [as_compared(g) for g in got] == [engine_row(RULES, row) for row in ROWS]


TF_TEXT = RULES_TEXT.split("questions:\n")[0] + """\
questions:
- {id: 'true', type: yesno, text: 'T?', why: Because.}
- {id: 'false', type: yesno, text: 'F?', why: Because., flag: true}
- {id: 'null', type: number, text: 'N?', why: Because., min: 0, max: 100}
rules:
- id: t
  disposition: urgent
  when: {all: [{question: 'true', is: yes}, {not: {question: 'false', is: yes}}]}
  rationale: T.
- id: f
  disposition: doctor
  when: {any: [{question: 'false', is: yes}, {question: 'null', at_least: 6}]}
  rationale: F.
"""


@pytest.mark.parametrize("dialect", ["sqlite", "duckdb"])
def test_questions_named_true_false_or_null_agree_with_the_engine(dialect):
    """Issue 23: in SQLite a bare TRUE read the column "true" (540 of 8,000 generated rows differed), and a
    subquery renamed the columns true and false to column1 and column2."""
    rules = parse_rules(TF_TEXT, "words.yaml")
    rows = [list(r) for r in itertools.product(["yes", "no", "unsure", ""], ["yes", "no", "unsure", ""], ["2", "8", ""])]
    connect = optional("duckdb", "the DuckDB dialect is run").connect if dialect == "duckdb" else None
    kwargs = {"connect": lambda _: connect(), "dialect": "duckdb"} if connect else {}
    for blank_as_null in (True, False):
        got = sql_rows(rules, rows, blank_as_null, **kwargs)
        assert [as_compared(g) for g in got] == [engine_row(rules, row) for row in rows]
        assert list(got[0])[:4] == ["row_id", "true", "false", "null"]  # the table's own column names
