"""Fuzzing: random bytes and mutated files through the commands a person runs. Whatever goes in, the
answer is an exit status from the documented set and at most a few lines, never a traceback or an
internal error, and every input record is accounted for."""

import csv
import io
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from triage import load_rules
from triage.cli import app

from .conftest import DEFAULT_CASES, DEFAULT_RULES, ROOT

runner = CliRunner()
RULES = load_rules(DEFAULT_RULES)
QIDS = [q.id for q in RULES.questions]
# 60 examples per target in the suite; TRIAGE_FUZZ_EXAMPLES=2000 for a longer hunt.
FUZZ = settings(max_examples=int(os.environ.get("TRIAGE_FUZZ_EXAMPLES", "60")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
SIGNIFICANT = list(":-[]{}\"'&*!#|>%@`,?\t\n \x00\x85\u2028") + ["yes", "no", "~", "- ", ": ", "<<"]


def invoke(args, input=None):
    result = runner.invoke(app, [str(a) for a in args], input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    return result


@st.composite
def mutated(draw, text):
    """The text with a few random edits: characters that mean something to YAML, lines cut or doubled."""
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["insert", "delete", "duplicate", "drop", "swap"]))
        line = lines[i]
        if kind == "insert":
            at = draw(st.integers(0, len(line)))
            lines[i] = line[:at] + draw(st.sampled_from(SIGNIFICANT)) + line[at:]
        elif kind == "delete" and line:
            at = draw(st.integers(0, len(line) - 1))
            lines[i] = line[:at] + line[at + 1:]
        elif kind == "duplicate":
            lines.insert(i, line)
        elif kind == "drop":
            lines.pop(i)
        elif kind == "swap" and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], line
        if not lines:
            lines = [""]
    return "".join(lines)


RULE_TEXT = DEFAULT_RULES.read_text(encoding="utf-8")
EXAMPLE_TEXT = (ROOT / "rules" / "examples" / "every_feature.yaml").read_text(encoding="utf-8")
CASES_TEXT = DEFAULT_CASES.read_text(encoding="utf-8")
ANSWERS_TEXT = "age: 40\nsudden_onset: no\nfaint: 'yes'\nfever: unsure\ntemperature_c: 38,5\nduration_weeks: 7\n"
MAP_TEXT = 'columns:\n  "Q 1": urinary_retention\nvalues:\n  "*": {1: yes, 0: no, 9: unsure}\n  age: {999: ~}\n'


@FUZZ
@given(st.one_of(mutated(RULE_TEXT), mutated(EXAMPLE_TEXT)))
def test_mutated_rule_files_through_check(tmp_path, text):
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    assert invoke(["check", path]).exit_code in (0, 1, 2)


@FUZZ
@given(mutated(CASES_TEXT))
def test_mutated_cases_files_through_test(tmp_path, text):
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    assert invoke(["test", DEFAULT_RULES, path]).exit_code in (0, 1, 2)


@FUZZ
@given(mutated(ANSWERS_TEXT))
def test_mutated_answers_files_through_run(tmp_path, text):
    path = tmp_path / "a.yaml"
    path.write_text(text, encoding="utf-8")
    assert invoke(["run", "--answers", path, "-f", "json"]).exit_code in (0, 2)


@FUZZ
@given(mutated(MAP_TEXT))
def test_mutated_map_files_through_score(tmp_path, text):
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    data = tmp_path / "in.csv"
    data.write_text("Q 1,age,fever\n1,999,9\n0,40,1\n")
    assert invoke(["score", data, "--map", path, "--allow-missing", "-q"]).exit_code in (0, 1, 2)


def records(data: bytes) -> int | None:
    """How many records (blank lines included) the body of a UTF-8 CSV holds, or None if it is not one."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return len(rows) - 1 if rows else None


@FUZZ
@given(st.one_of(
    st.binary(max_size=300),
    st.lists(st.lists(st.sampled_from(["yes", "no", "", "unsure", "38,5", '"', 'a"b', "x\ny", "=1", "\r"]), max_size=6),
             max_size=8).map(lambda rows: ("\n".join([",".join(QIDS[:5])] + [",".join(r) for r in rows]) + "\n").encode()),
))
def test_bytes_into_score_from_standard_input(data):
    result = invoke(["score", "-", "--allow-missing"], input=data)
    assert result.exit_code in (0, 1, 2)
    expected = records(data)
    if result.exit_code in (0, 1) and expected is not None:
        written = len(list(csv.reader(io.StringIO(result.stdout, newline="")))) - 1
        blank = 0
        for line in result.stderr.splitlines():
            if "blank line(s) were skipped" in line:
                blank = int(line.split()[0].replace(",", ""))
        assert written + blank == expected
