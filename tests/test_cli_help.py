"""Help and usage errors in the conventional form, under the typer version the project pins."""

import re

import pytest
from typer.testing import CliRunner

from triage.cli import app

runner = CliRunner()
COMMANDS = ["run", "score", "explain", "diagram", "check", "test", "schema", "compile", "export", "playground"]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_metavars_not_python_types(command):
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "120", "NO_COLOR": "1"})
    assert result.exit_code == 0
    assert not re.search(r"<(bool|str|int|list|file|path)[^>]*>", result.stdout), result.stdout
    usage = next(line for line in result.stdout.splitlines() if "Usage:" in line)
    assert "{" not in usage, usage


def test_usage_line_is_conventional():
    result = runner.invoke(app, ["score", "--help"], env={"COLUMNS": "120", "NO_COLOR": "1"})
    assert re.search(r"Usage: \S+ score \[OPTIONS\] FILE\s*$", result.stdout, re.M)
    assert "[csv|jsonl|fhir]" in result.stdout and "[csv|fhir|redcap|odk]" in result.stdout and "FILE" in result.stdout


@pytest.mark.parametrize("args,words", [
    (["score", "x.csv", "--format", "xml"], "'xml' is not a choice here; use csv, jsonl or fhir"),
    (["score", "x.csv", "--from", "xls"], "'xls' is not a choice here; use csv, fhir, redcap or odk"),
    (["run", "--format", "yaml"], "'yaml' is not a choice here; use text, json or fhir"),
    (["export", "--to", "odt"], "use fhir, redcap or xlsform"),
    (["compile", "--to", "sql", "--dialect", "oracle"], "use sqlite, duckdb or spark"),
])
def test_a_wrong_choice_is_said_in_plain_words(args, words):
    result = runner.invoke(app, args, env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 2
    text = " ".join(result.output.replace("│", " ").split())
    assert words in text and "Value error" not in text


def test_help_lists_the_commands_in_the_order_a_person_meets_them():
    result = runner.invoke(app, ["--help"], env={"COLUMNS": "120", "NO_COLOR": "1"})
    listed = [m.group(1) for m in re.finditer(r"^│ (\w+) ", result.stdout, re.M) if m.group(1) in COMMANDS]
    assert listed == COMMANDS
