"""A user's rule file that uses every feature of the format (rules/examples/every_feature.yaml) passes
`check --strict` and `test`, and scores the same through `run --answers`, `score`, `score --jobs 2`,
and the compiled SQL in SQLite and DuckDB."""

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from triage import load_rules
from triage.core.answers import answer_text
from triage.read.casefile import load_cases
from triage.cli import app

from .conftest import ROOT, optional
from .test_differential import sql_rows

RULES_FILE = ROOT / "rules" / "examples" / "every_feature.yaml"
RULES = load_rules(RULES_FILE)
CASES = load_cases(RULES_FILE.with_name("every_feature.cases.yaml"), RULES)
runner = CliRunner()


def cells(case):
    """The case's answers as spreadsheet cells: blanks for what was not recorded or not given."""
    out = []
    for q in RULES.questions:
        text = answer_text(q, case.values.get(q.id))
        out.append("" if text in ("not recorded", "not given") else text)
    return out


def test_check_strict_and_test_pass():
    assert runner.invoke(app, ["check", "--strict", str(RULES_FILE)]).exit_code == 0
    result = runner.invoke(app, ["test", str(RULES_FILE)])
    assert result.exit_code == 0 and result.stdout.splitlines()[-1] == f"{len(CASES)} passed, 0 failed"


@pytest.fixture(scope="module")
def expected(tmp_path_factory):
    """What `triage run --answers` says for each case."""
    out = []
    folder = tmp_path_factory.mktemp("answers")
    for i, case in enumerate(CASES):
        path = folder / f"{i}.yaml"
        path.write_text("".join(f"{q.id}: '{c}'\n" for q, c in zip(RULES.questions, cells(case)) if c))
        result = runner.invoke(app, ["run", "--rules", str(RULES_FILE), "--answers", str(path), "-f", "json"])
        assert result.exit_code == 0, result.output
        d = json.loads(result.stdout)
        assert d["disposition"] == case.expect, case.name
        out.append({
            "disposition": d["disposition"], "action": d["action"] or "",
            "reasons": ";".join(r["rule"] for r in d["reasons"]),
            "unknown": ";".join([u["rule"] for u in d["unknown"]] + [f"flag:{q}" for q in d["unknown_red_flags"]]),
            "unsure": ";".join(d["unsure"]), "not_recorded": ";".join(d["not_recorded"]), "not_given": ";".join(d["not_given"]),
            "raised_by_not_recorded": "yes" if d["raised_by_not_recorded"] else "",
        })
    return out


def test_score_and_jobs_2_match_run(expected, tmp_path, monkeypatch):
    from triage.batch import parallel

    src = tmp_path / "in.csv"
    repeat = 20  # enough rows for two real workers once the size threshold is lowered
    with src.open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow([q.id for q in RULES.questions])
        for _ in range(repeat):
            writer.writerows(cells(c) for c in CASES)
    one = runner.invoke(app, ["score", str(src), "--rules", str(RULES_FILE)])
    assert one.exit_code == 0, one.stderr
    rows = list(csv.DictReader(io.StringIO(one.stdout)))
    assert [{k: r[k] for k in expected[0]} for r in rows] == expected * repeat
    monkeypatch.setattr(parallel, "MIN_BYTES_PER_JOB", 1)
    started = []
    real = parallel.score_parallel
    monkeypatch.setattr(parallel, "score_parallel", lambda *a, **k: real(*a, **k, on_parts=started.append))
    two = runner.invoke(app, ["score", str(src), "--rules", str(RULES_FILE), "--jobs", "2"])
    assert started == [2] and two.stdout == one.stdout


@pytest.mark.parametrize("blank_as_null", [True, False])
def test_sqlite_matches_run(expected, blank_as_null):
    got = sql_rows(RULES, [cells(c) for c in CASES], blank_as_null)
    assert [{k: g[k] or "" for k in expected[0]} for g in got] == expected


def test_duckdb_matches_run(expected):
    duckdb = optional("duckdb", "the DuckDB dialect is run")
    got = sql_rows(RULES, [cells(c) for c in CASES], True, lambda _: duckdb.connect(), "duckdb")
    assert [{k: g[k] or "" for k in expected[0]} for g in got] == expected
