"""Hostile files: every one gives a one-line error naming the file and place, never a traceback."""

import pytest
from typer.testing import CliRunner

from triage.cli import app

from .conftest import DEFAULT_RULES, MINIMAL

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
