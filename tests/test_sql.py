"""The rule set compiled to SQL gives, row for row, what the Python engine gives."""

import sqlite3

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from triage import evaluate, load_rules
from triage.cli import app
from triage.read.loader import parse_rules
from triage.evaluation.sql import compile_sql

from .conftest import DEFAULT_RULES, MINIMAL, optional
from .test_cli_score import response_rows

RULES = load_rules(DEFAULT_RULES)
QIDS = [q.id for q in RULES.questions]


_CONNECTIONS = {}


def run_sqlite(rules, rows, typed=False):
    # One connection and one compiled query per rule set: SQLite then prepares the 2 MB query once, not
    # once per example (half a second each).
    key = (rules.sha256, rules.path, typed)
    ids = [q.id for q in rules.questions]
    if key not in _CONNECTIONS:
        con = sqlite3.connect(":memory:")
        kind = {q.id: ("REAL" if q.type == "number" else "INTEGER") if typed else "TEXT" for q in rules.questions}
        con.execute(f"CREATE TABLE responses (row_id INTEGER, {', '.join(f'{q} {kind[q]}' for q in ids)})")
        _CONNECTIONS[key] = con, compile_sql(rules, "sqlite") + " ORDER BY row_id"
    con, sql = _CONNECTIONS[key]
    con.execute("DELETE FROM responses")
    con.executemany(f"INSERT INTO responses VALUES (?, {', '.join('?' for _ in ids)})",
                    [(i, *(r.get(q) for q in ids)) for i, r in enumerate(rows)])
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def expected(rules, row):
    result = evaluate(rules, {k: v for k, v in row.items() if v is not None})
    cells = result.cells()
    return tuple(cells[k] for k in ("disposition", "reasons", "unknown", "action", "unsure", "not_recorded"))


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=40)
@given(st.lists(response_rows(), min_size=1, max_size=25))
def test_sqlite_matches_the_engine_row_for_row(rows):
    rows = [dict(zip(QIDS, (c if c != "" else None for c in r))) for r in rows]
    got = run_sqlite(RULES, rows)
    for row, out in zip(rows, got):
        got_ = (out["disposition"], out["reasons"], out["unknown"], out["action"], out["unsure"], out["not_recorded"])
        assert got_ == expected(RULES, row), row
        assert out["error"] is None
        assert [out[q] for q in QIDS] == [row[q] for q in QIDS]  # the table's columns come through untouched


def test_invalid_cells_give_an_error_and_no_disposition():
    base = {q: "no" for q in QIDS if RULES.question(q).type == "yesno"}
    rows = [{**base, "fever": "maybe"}, {**base, "age": "forty"}, {**base, "temperature_c": "46"},
            {**base, "age": "1.2.3"}, {**base, "age": "-"}, {**base, "age": " 17 "}]
    got = run_sqlite(RULES, rows)
    assert [g["error"] for g in got] == ["fever: not an answer; use yes, no or unsure", "age: not a number",
                                         "temperature_c: out of range", "age: not a number", "age: not a number", None]
    assert [g["disposition"] for g in got] == [None] * 5 + ["see_doctor"]


def test_typed_columns_work_too():
    got = run_sqlite(RULES, [{**{q: 0 for q in QIDS if RULES.question(q).type == "yesno"}, "temperature_c": 38.0}],
                     typed=True)
    assert (got[0]["disposition"], got[0]["reasons"]) == ("urgent_care", "fever")


def test_flagged_unknown_question_matches_the_engine():
    text = MINIMAL.replace(
        "when: {question: pain, is: yes}",
        "when: {all: [{question: pain, is: yes}, {question: other, is: yes}]}",
    ).replace("questions:\n", "questions:\n  - {id: other, type: yesno, text: Other, why: Because.}\n"
              ).replace("{id: pain, type: yesno,", "{id: pain, type: yesno, flag: true,")
    tiny = parse_rules(text, "tiny.yaml")
    rows = [{"pain": None, "other": "no"}, {"pain": "no", "other": "no"}, {"pain": "yes", "other": None}]
    for row, out in zip(rows, run_sqlite(tiny, rows)):
        assert (out["disposition"], out["reasons"], out["unknown"], out["action"], out["unsure"], out["not_recorded"]) == expected(
            tiny, row)


def test_duckdb_matches_the_engine_when_installed():
    duckdb = optional("duckdb", "the DuckDB dialect is run")
    base = {q: "no" for q in QIDS if RULES.question(q).type == "yesno"}
    rows = [base, {**base, "fever": "Unsure"}, {**base, "temperature_c": "38,2"}, {**base, "age": "17"},
            {**base, "cancer_history": "y", "weakness": "unsure"}, {**base, "age": "old"}]
    con = duckdb.connect()
    con.execute(f"CREATE TABLE responses (row_id INTEGER, {', '.join(f'{q} VARCHAR' for q in QIDS)})")
    con.executemany(f"INSERT INTO responses VALUES (?, {', '.join('?' for _ in QIDS)})",
                    [(i, *(r.get(q) for q in QIDS)) for i, r in enumerate(rows)])
    cur = con.execute(compile_sql(RULES, "duckdb") + " ORDER BY row_id")
    names = [d[0] for d in cur.description]
    got = [dict(zip(names, r)) for r in cur.fetchall()]
    for row, out in zip(rows[:-1], got):
        assert (out["disposition"], out["reasons"], out["unknown"], out["action"], out["unsure"], out["not_recorded"]) == expected(
            RULES, row)
    assert got[-1]["disposition"] is None and got[-1]["error"] == "age: not a number"


def test_compile_command_prints_a_select_for_each_dialect():
    runner = CliRunner()
    for dialect, quote in (("sqlite", '"responses"'), ("duckdb", '"answers"'), ("spark", "`answers`")):
        table = "responses" if dialect == "sqlite" else "answers"
        out = runner.invoke(app, ["compile", "--to", "sql", "--dialect", dialect, "--table", table]).stdout
        alias = "s" if dialect == "sqlite" else "t"
        assert f"FROM {quote} AS {alias}" in out and "AS disposition" in out and "not a diagnosis" in out
    assert runner.invoke(app, ["compile", "--to", "yaml"]).exit_code == 2


def test_the_default_rule_sets_cauda_equina_and_collapse_answers_in_sql_and_score(tmp_path):
    """Unsure: urgent, same day; yes: A&E now; blank: see a doctor, not recorded; sudden + faint: 999."""
    base = {q: "no" for q in QIDS if RULES.question(q).type == "yesno"}
    rows = [{**base, "saddle_anesthesia": "unsure"}, {**base, "saddle_anesthesia": "yes"},
            {**base, "saddle_anesthesia": None}, {**base, "sudden_onset": "yes", "faint": "yes"}]
    got = run_sqlite(RULES, rows)
    ces = RULES.rule("saddle_anesthesia")
    assert [(g["disposition"], g["action"], g["not_recorded"]) for g in got] == [
        ("urgent_care", ces.action_if_unsure, ""), ("urgent_care", ces.action, ""),
        ("see_doctor", "", "saddle_anesthesia"), ("urgent_care", RULES.rule("collapse").action, "")]
    assert got[2]["raised_by_not_recorded"] == "yes"
    import csv
    import io

    path = tmp_path / "in.csv"
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, QIDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({q: (r.get(q) or "") for q in QIDS} for r in rows)
    scored = list(csv.DictReader(io.StringIO(CliRunner().invoke(app, ["score", str(path), "-q"]).stdout)))
    assert [(s["disposition"], s["action"], s["not_recorded"]) for s in scored] == [
        (g["disposition"], g["action"], g["not_recorded"]) for g in got]


def test_duckdb_keeps_the_input_order_on_many_threads_and_matches_triage_score(tmp_path):
    """Loaded as docs/sql.md says (a view over read_csv, every column as text), a file big enough for
    DuckDB to split across threads comes back in the file's order, every cell as `triage score` writes it."""
    duckdb = optional("duckdb", "the DuckDB dialect is run")
    import csv
    import io
    import random

    from triage.batch.stream import Options, score_file

    rules = load_rules(DEFAULT_RULES)
    rng = random.Random(3)
    header = ["respondent_id", *(q.id for q in rules.questions)]
    patterns = []
    for _ in range(50):
        patterns.append([rng.choice(["no"] * 8 + ["yes", "unsure", ""]) if q.type == "yesno"
                         else rng.choice(["", str(rng.randint(1, 90)), "38,5"]) for q in rules.questions])
    src = tmp_path / "responses.csv"
    with src.open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for i in range(260_000):  # more than two of DuckDB's row groups (122,880 rows)
            writer.writerow([f"R{i:07d}", *patterns[(i * 7) % len(patterns)]])
    out = io.StringIO()
    with src.open("rb") as f:
        score_file(rules, f, out, Options(escape_formulas=False))
    scored = list(csv.reader(io.StringIO(out.getvalue())))[1:]
    con = duckdb.connect()
    con.execute("SET threads = 4")
    con.execute(f"CREATE VIEW responses AS SELECT * FROM read_csv('{src}', header=true, all_varchar=true, null_padding=true, "
                "delim=',', quote='\"', escape='\"')")
    got = con.execute(compile_sql(rules, "duckdb")).fetchall()
    assert len(got) == len(scored)
    # Every cell but the error text (shorter in SQL) and rules_version (SQL has none).
    mine = [row[:-2] + [bool(row[-2])] for row in scored]
    theirs = [[c if c is not None else "" for c in row[:-1]] + [bool(row[-1])] for row in got]
    first = next((i for i, (a, b) in enumerate(zip(theirs, mine)) if a != b), None)
    # The first row that differs, not a diff of 260,000 rows.
    assert first is None, (first, theirs[first], mine[first])


def _recipe(doc, heading, language):
    """The first code block of `language` under a heading of docs/sql.md."""
    section = doc.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return section.split(f"```{language}\n", 1)[1].split("```", 1)[0]


def test_the_duckdb_recipe_in_the_docs_scores_a_file_as_triage_score_does(tmp_path, monkeypatch):
    """Issue 23: the recipe failed ("Error when sniffing file", or no rows at all) on a file that `triage
    score` accepts: one with a short row and a blank line at the end."""
    import csv
    import io

    optional("duckdb", "the DuckDB recipe is run")
    from .conftest import ROOT

    import random

    pick = random.Random(23).choice
    rows = [[pick(["yes", "no", "no", "no", "unsure", "", " Y"]) if q.type == "yesno" else pick(["", "40", "3,5", "70"])
             for q in RULES.questions] for _ in range(40)]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(QIDS)
    writer.writerows(rows)
    writer.writerow(rows[0][:3])  # a short row: the rest are blanks
    (tmp_path / "responses.csv").write_text(text.getvalue() + "\n")
    runner = CliRunner()
    sql = runner.invoke(app, ["compile", "--to", "sql", "--dialect", "duckdb", "--table", "responses"])
    (tmp_path / "triage.sql").write_text(sql.stdout)
    scored = runner.invoke(app, ["score", str(tmp_path / "responses.csv"), "--no-escape-formulas"])
    assert scored.exit_code in (0, 1), scored.output
    expected = list(csv.DictReader(io.StringIO(scored.stdout)))
    monkeypatch.chdir(tmp_path)
    recipe = _recipe((ROOT / "docs" / "sql.md").read_text(encoding="utf-8"), "DuckDB", "python")
    namespace = {}
    exec(compile(recipe, "docs/sql.md", "exec"), namespace)  # the docs' own code, as a reader would run it
    names = [d[0] for d in namespace["con"].execute(open("triage.sql").read()).description]
    got = [dict(zip(names, row)) for row in namespace["scored"]]
    assert len(got) == len(expected) == 41 and (tmp_path / "scored.parquet").exists()
    for g, e in zip(got, expected):
        if e["error"]:
            assert g["disposition"] is None
            continue
        for column in ("disposition", "action", "reasons", "unknown", "unsure", "not_recorded", "not_given",
                       "raised_by_not_recorded"):
            assert (g[column] or "") == e[column], (column, g, e)
