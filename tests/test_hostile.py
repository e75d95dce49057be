"""Hostile files: every one gives a one-line error naming the file and place, never a traceback."""

import pytest
from rich.console import Console
from typer.testing import CliRunner

from triage import load_rules
from triage.cli import app

from .conftest import DEFAULT_RULES, MINIMAL, optional

runner = CliRunner()
HOSTILE_YAML = {
    "int tag with a bad value": ("fever: !!int abc\n", "a YAML tag (!!int) is not allowed"),
    "float tag": ("fever: !!float x\n", "a YAML tag (!!float) is not allowed"),
    "bool tag": ("fever: !!bool maybe\n", "a YAML tag (!!bool) is not allowed"),
    "timestamp tag": ("fever: !!timestamp 2020-13-45\n", "a YAML tag (!!timestamp) is not allowed"),
    "binary tag": ('fever: !!binary "abc"\n', "a YAML tag (!!binary) is not allowed"),
    "local tag": ("fever: !foo x\n", "a YAML tag (!foo) is not allowed"),
    "merge key": ("<<: {fever: yes}\n", "'<<' merges are not supported"),
    "alias cycle": ("a: &x [*x]\n", "a '*' alias repeats an '&' anchor"),
    "billion laughs": ("a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c]\n", "a '*' alias repeats an '&' anchor"),
    "NUL": ("fever: \x00\n", "a control character (U+0000)"),
    "control character": ("fever: \x07yes\n", "a control character (U+0007)"),
    "huge integer": ("age: " + "9" * 5000 + "\n", "a number with more than 30 digits"),
    "deep list": ("fever: " + "[" * 10000 + "]" * 10000 + "\n", "nested more than 40 levels deep"),
    "mapping as a key": ("{fever: yes}: no\n", "must be plain words"),
    "list as a key": ("[a, b]: no\n", "must be plain words"),
}


def run_cli(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


@pytest.mark.parametrize("name", HOSTILE_YAML)
def test_hostile_answers_files(tmp_path, name):
    text, message = HOSTILE_YAML[name]
    path = tmp_path / "a.yaml"
    path.write_text(text, encoding="utf-8")
    result = run_cli("run", "--answers", path)
    assert result.exit_code == 2
    assert message in result.output and f"{path}:" in result.output


@pytest.mark.parametrize("name", HOSTILE_YAML)
@pytest.mark.parametrize("command", ["rules", "cases", "map"])
def test_hostile_rule_cases_and_map_files(tmp_path, name, command):
    text, message = HOSTILE_YAML[name]
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    if command == "rules":
        result = run_cli("check", path)
    elif command == "cases":
        result = run_cli("test", DEFAULT_RULES, path)
    else:
        csv = tmp_path / "in.csv"
        csv.write_text("fever\nyes\n")
        result = run_cli("score", csv, "--map", path, "--allow-missing")
    assert result.exit_code == 2
    assert str(path) in result.output


def test_conditions_nested_hundreds_deep_are_refused(tmp_path):
    deep = "{not: " * 300 + "{question: pain, is: yes}" + "}" * 300
    path = tmp_path / "r.yaml"
    path.write_text(MINIMAL.replace("when: {question: pain, is: yes}", f"when: {deep}"))
    result = run_cli("check", path)
    assert result.exit_code == 2 and "nested more than 40 levels deep" in result.output


def test_a_malformed_map_is_refused_not_read_as_not_recorded(tmp_path):
    csv = tmp_path / "in.csv"
    csv.write_text("fever\n1\n")
    for text, message in (('values:\n  "*": {1: [yes], 0: no}\n', "code '1': give one answer"),
                          ('values:\n  "*": {[1, 2]: yes}\n', "must be one value as it appears in a cell"),
                          ('values:\n  "*": yes\n', "give codes and answers")):
        path = tmp_path / "map.yaml"
        path.write_text(text)
        result = run_cli("score", csv, "--map", path, "--allow-missing")
        assert result.exit_code == 2 and message in result.output


def test_jsonl_keeps_every_value_when_headers_repeat(tmp_path):
    import json

    csv = tmp_path / "in.csv"
    csv.write_text("note,note,note_2,fever\na,b,c,no\n")
    result = run_cli("score", csv, "--format", "jsonl", "--allow-missing", "-q")
    row = json.loads(result.stdout.splitlines()[0])
    assert row["input"] == {"note": "a", "note_3": "b", "note_2": "c", "fever": "no"}


HOSTILE_META = [
    ("version", '"1\\nDROP TABLE responses; --"'),
    ("version", '"1\\rUPDATE responses SET fever = \'no\'; --"'),
    ("disclaimer", '"Not a diagnosis.\\nDROP TABLE responses;\\n-- "'),
    ("title", '"T\\u2028DROP TABLE responses;"'),
]


@pytest.mark.parametrize("key,value", HOSTILE_META)
@pytest.mark.parametrize("dialect", ["sqlite", "duckdb"])
def test_sql_from_hostile_metadata_is_one_statement(tmp_path, key, value, dialect):
    import re
    import sqlite3

    from triage.read.loader import parse_rules
    from triage.evaluation.sql import compile_sql

    text = re.sub(rf"^{key}: .*$", lambda _: f"{key}: {value}", MINIMAL, flags=re.M)
    rules = parse_rules(text, "hostile.yaml")
    sql = compile_sql(rules, dialect)
    if dialect == "sqlite":
        con = sqlite3.connect(":memory:")
    else:
        duckdb = optional("duckdb", "the DuckDB dialect is run")
        con = duckdb.connect()
    con.execute("CREATE TABLE responses (pain TEXT, temp TEXT)")
    con.execute("INSERT INTO responses VALUES ('yes', '')")
    rows = con.execute(sql).fetchall()  # one statement: sqlite3 refuses more than one here
    assert len(rows) == 1
    assert con.execute("SELECT pain FROM responses").fetchall() == [("yes",)]


@pytest.mark.parametrize("table", ["x; DROP TABLE y", "a`b", 'a"b', "1abc", "a b", ""])
def test_compile_refuses_a_table_name_that_is_not_one(table):
    result = run_cli("compile", "--to", "sql", "--dialect", "spark", "--table", table)
    assert result.exit_code == 2 and "is not a table name" in result.output


def test_compile_quotes_each_part_of_a_qualified_table_name():
    result = run_cli("compile", "--to", "sql", "--dialect", "spark", "--table", "lake.triage.responses")
    assert result.exit_code == 0 and "FROM `lake`.`triage`.`responses` AS t" in result.stdout
    result = run_cli("compile", "--to", "sql", "--table", "main.responses")
    assert 'FROM "main"."responses" AS s' in result.stdout


def test_the_rule_set_id_must_be_an_id():
    from triage.core.errors import RuleFileError
    from triage.read.loader import parse_rules

    with pytest.raises(RuleFileError, match="rule set id 'tiny one' is not allowed"):
        parse_rules(MINIMAL.replace("id: tiny", "id: tiny one"), "r.yaml")


def test_a_file_without_line_breaks_is_refused_not_read_into_memory(tmp_path):
    from triage.batch.stream import MAX_LINE

    path = tmp_path / "zeros.csv"
    path.write_bytes(b"fever," + b"\x00" * (MAX_LINE + 10))
    result = run_cli("score", path, "--allow-missing")
    assert result.exit_code == 2 and f"a line longer than {MAX_LINE:,} characters" in result.output


def test_a_row_of_a_million_cells_is_one_short_error(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("fever\nno" + "," * 1_000_000 + "\n")
    result = run_cli("score", path, "--allow-missing", "-q")
    assert result.exit_code == 1
    error = result.stdout.splitlines()[1]
    assert "row has 1000001 cells but the header has 1 (extra: '', '', '', '', '', …)" in error
    assert len(error) < 1000


def test_an_input_that_grows_while_it_is_read_is_reported(tmp_path):
    import io

    from triage.batch.stream import Options, score_file
    from triage.render.result import summary_renderable

    path = tmp_path / "in.csv"
    path.write_text("fever\n" + "no\n" * 100)

    def another_program_appends(scorer):  # between the start and the end of the run
        with open(path, "a") as f:
            f.write("yes\n")

    with open(path, "rb") as source:
        summary = score_file(load_rules(), source, io.StringIO(), Options(allow_missing=True), on_start=another_program_appends)
    assert summary.input_changed
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(summary_renderable(summary, load_rules(), quiet=True))
    assert "changed size while it was read" in console.export_text()


def test_a_device_given_as_a_rule_file_is_refused_quickly():
    result = run_cli("check", "/dev/zero")
    assert result.exit_code == 2 and "larger than 10 MB" in result.output


@pytest.mark.parametrize("encoding,message", [("nope", "unknown encoding 'nope'"),
                                              ("base64", "'base64' is not a text encoding"),
                                              ("utf-16", "cannot be read as utf-16")])
def test_bad_encodings_are_one_line_errors(tmp_path, encoding, message):
    path = tmp_path / "in.csv"
    path.write_text("fever\nno\n")
    for jobs in ("1", "2"):
        result = run_cli("score", path, "--allow-missing", "--encoding", encoding, "--jobs", jobs)
        assert result.exit_code == 2 and message in result.output


def test_a_tab_then_yes_is_escaped_in_every_row_not_only_the_first(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("fever\n\tno\n\tno\n\tno\n")
    result = run_cli("score", path, "--allow-missing", "-q")
    cells = [line.split(",")[0] for line in result.stdout.splitlines()[1:]]
    assert cells == ["'\tno"] * 3


def test_lines_of_only_commas_or_spaces_are_blank_not_respondents(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("id,fever\nr1,no\n,\n  ,  \nr2,yes\n")
    result = run_cli("score", path, "--allow-missing")
    assert len(result.stdout.splitlines()) == 3
    assert "2 blank line(s) were skipped" in result.stderr


def test_jsonl_escapes_line_separators(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("note,fever\na\u2028b,no\n", encoding="utf-8")
    result = run_cli("score", path, "--allow-missing", "--format", "jsonl", "-q")
    assert len(result.stdout.splitlines()) == 1 and "\u2028" not in result.stdout and "\\u2028" in result.stdout


def test_a_huge_wrong_cell_is_quoted_short(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("fever\n" + "x" * 500_000 + "\n")
    import csv
    import io

    result = run_cli("score", path, "--allow-missing", "-q")
    (row,) = list(csv.DictReader(io.StringIO(result.stdout)))
    assert "… (500,000 characters) is not an answer" in row["error"] and len(row["error"]) < 500


@pytest.mark.parametrize("limit", ["full", "fsize"])
def test_a_full_disk_or_a_size_limit_is_one_line_and_leaves_nothing(tmp_path, limit):
    import os
    import resource
    import subprocess
    import sys

    src = tmp_path / "in.csv"
    src.write_text("fever\n" + "no\n" * 50_000)
    args = [sys.executable, "-m", "triage", "score", str(src), "--allow-missing", "-q"]
    if limit == "full":
        with open("/dev/full", "w") as full:
            run = subprocess.run(args, stdout=full, stderr=subprocess.PIPE, text=True)
    else:
        out = tmp_path / "out" / "o.csv"
        out.parent.mkdir()
        run = subprocess.run([*args, "-o", str(out)], capture_output=True, text=True,
                             preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000)))
        assert os.listdir(out.parent) == []
    assert run.returncode == 2 and "cannot write" in run.stderr
    assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1


def test_a_question_id_that_is_a_mapping(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(MINIMAL.replace("{id: pain, type: yesno,", "{id: {a: 1}, type: yesno,"))
    result = run_cli("check", path)
    assert result.exit_code == 2 and "the question id must be text" in result.output


def test_dev_zero_as_the_data_file_stops_with_one_line():
    from triage.batch.stream import MAX_LINE

    result = run_cli("score", "/dev/zero", "--allow-missing")
    assert result.exit_code == 2 and f"a line longer than {MAX_LINE:,} characters" in result.output
