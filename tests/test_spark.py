"""The Spark dialect, run for real: a local Spark session (the machine's JVM) runs `triage compile --to sql
--dialect spark` on generated rule sets and rows, and on the default rule set, and every row is compared
with `triage score`.

pyspark comes with the test extra (and the `spark` extra). In CI a missing pyspark or JVM is a failure,
not a skip: this is the only place the Spark dialect is run.
"""

import csv
import io
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triage import load_rules
from triage.batch.stream import Options, score_file
from triage.evaluation.sql import compile_sql

from .conftest import DEFAULT_RULES, needs, optional
from .rulesets import rule_sets, rows_for
from .test_differential import COMPARED, as_compared, batch_rows, csv_text, engine_row

optional("pyspark", "the Spark dialect runs in a local Spark session")
needs(bool(shutil.which("java")), "Spark needs a JVM: install a JDK (java on PATH)")


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("triage-tests")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.driver.host", "127.0.0.1")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def spark_rows(spark, ruleset, header, rows, blank_as_null):
    """The compiled Spark SQL run on the rows (all cells text, a row number to put them back in order)."""
    from pyspark.sql.types import IntegerType, StringType, StructField, StructType

    schema = StructType([StructField("row_id", IntegerType())] + [StructField(h, StringType()) for h in header])
    data = []
    for i, row in enumerate(rows):
        cells = list(row) + [None] * (len(header) - len(row))  # a short row's missing cells are NULL
        if blank_as_null:
            cells = [None if c == "" else c for c in cells]
        data.append((i, *cells))
    spark.createDataFrame(data, schema).createOrReplaceTempView("responses")
    result = spark.sql(compile_sql(ruleset, "spark") + " ORDER BY row_id").collect()
    return [r.asDict() for r in result]


@settings(max_examples=12, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
          deadline=None)
@given(st.data())
def test_spark_agrees_with_triage_score_on_generated_rule_sets(spark, data):
    text, ruleset = data.draw(rule_sets())
    rows = data.draw(rows_for(ruleset))
    rows = [r for r in rows if "".join(r).strip()]  # triage score skips rows of only empty cells
    got, _ = batch_rows(ruleset, csv_text(ruleset, rows))
    scored = [as_compared(g) for g in got]
    assert scored == [engine_row(ruleset, row) for row in rows]  # the reference, as in test_differential
    header = [q.id for q in ruleset.questions]
    for blank_as_null in (True, False):
        result = spark_rows(spark, ruleset, header, rows, blank_as_null)
        assert [as_compared(r) if r["error"] is None else None for r in result] == scored, (text, blank_as_null)


def test_spark_matches_triage_score_cell_for_cell_on_the_default_rule_set(spark, tmp_path):
    """Benchmark-like responses (every spelling, decimal commas, blanks, unsure) and a few invalid cells:
    every input cell and every added column but rules_version, row for row."""
    import random

    rules = load_rules(DEFAULT_RULES)
    rng = random.Random(12)
    header = ["respondent_id", *(q.id for q in rules.questions)]
    rows = []
    for i in range(600):
        row = [f"R{i:05d}"]
        for q in rules.questions:
            if q.type == "yesno":
                row.append(rng.choice(["no"] * 12 + ["yes", "unsure", "", "No", " Y ", "not sure", "maybe"]))
            else:
                row.append(rng.choice(["", "unsure", str(rng.randint(0, 99)), f"{rng.uniform(35, 41):.1f}".replace(".", ","),
                                       "abc", "-3"]))
        rows.append(row)
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([header, *rows])
    out = io.StringIO()
    score_file(rules, io.BytesIO(text.getvalue().encode()), out, Options(escape_formulas=False))
    scored = list(csv.DictReader(io.StringIO(out.getvalue())))
    result = spark_rows(spark, rules, header, rows, blank_as_null=True)
    assert len(result) == len(scored) == len(rows)
    for mine, theirs in zip(scored, result):
        assert {h: theirs[h] or "" for h in header} == {h: mine[h] for h in header}
        if mine["error"]:
            assert theirs["error"] and theirs["disposition"] is None
        else:
            assert theirs["error"] is None
            assert {k: theirs[k] or "" for k in COMPARED} == {k: mine[k] for k in COMPARED}
    assert any(r["error"] for r in scored) and any(r["disposition"] == "urgent_care" for r in scored)


def test_spark_reads_prefixed_ids_and_backslashes_as_the_engine_does(spark):
    """Issue 20: aliases (v_fever, n_weeks) hid the table's own columns, and backslashes in rule text
    were read as escapes (a parse error at a backslash before a quote)."""
    from .test_sql_names import ROWS, RULES

    header = [q.id for q in RULES.questions]
    for blank_as_null in (True, False):
        result = spark_rows(spark, RULES, header, ROWS, blank_as_null)
        assert [as_compared(r) for r in result] == [engine_row(RULES, row) for row in ROWS]
    assert any(r["action"] == RULES.rules[0].action for r in result)
