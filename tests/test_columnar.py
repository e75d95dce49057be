"""Scoring in columns (evaluation/columnar.py, batch/blocks.py) writes what the row path writes.

The row path is held equal to the engine by test_differential.py; here the block path must give the
same bytes and the same summary on generated rule sets, on files built to break it (quoted cells
holding the delimiter or a line break, a lone carriage return, short and long rows, blank lines,
CRLF, a byte-order mark, formulas, NULs, a file that stops decoding), in blocks of every size, in
one process and in `--jobs` workers. The connectives' meaning on outcome codes is checked against
the Python operations on every combination of outcomes.
"""

from __future__ import annotations

import csv
import io
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from triage.batch.stream import Options, score_file
from triage.cli import app
from triage.core.errors import InputFileError
from triage.core.logic import CODED, CONNECTIVES, code_of
from triage.read.loader import load_rules

from .conftest import optional
from .rulesets import cells_for, rule_sets

pl = optional("polars", "the columnar path is tested")

SETTINGS = settings(max_examples=120, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
                    deadline=None)
# Text a free-text cell may hold, each a way for a line to leave the columns' simple form.
NOTES = ["", "fine", "a, b", "a; b", "tab\there", 'said "ow"', "two\nlines", "lone\rreturn", "crlf\r\ninside",
         "=1+1", "+44 20", "-3", "@home", " ", "\x1c", "x" * 300, "ünïcode", "naïve ; quoted, both"]


def scored(ruleset, data: bytes, evaluator: str, block_chars: int = 1 << 20, name: str = "in.csv", **options) -> tuple[str, object, str]:
    """(output, summary or None, error message or "") of one evaluator on a file's bytes."""
    out = io.StringIO()
    try:
        summary = score_file(ruleset, io.BytesIO(data), out, Options(evaluator=evaluator, block_chars=block_chars, **options),
                             name)
    except InputFileError as exc:
        return out.getvalue(), None, str(exc)
    return out.getvalue(), summary, ""


def assert_same(ruleset, data: bytes, block_chars: int, **options) -> str:
    rows = scored(ruleset, data, "rows", **options)
    columns = scored(ruleset, data, "columns", block_chars, **options)
    assert columns[0] == rows[0]
    assert columns[1] == rows[1]
    assert columns[2] == rows[2]
    return rows[0]


@st.composite
def stress_files(draw, ruleset):
    """A file of responses, written as a spreadsheet or a person might: a free-text column among the
    answers, some lines raw (quotes unbalanced, cells missing or extra), line endings of both kinds."""
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    ids = [q.id for q in ruleset.questions]
    at = draw(st.integers(0, len(ids)))
    header = ids[:at] + ["note"] + ids[at:]
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator=ending)
    writer.writerow(header)
    for _ in range(draw(st.integers(1, 30))):
        cells = [draw(cells_for(q)) for q in ruleset.questions]
        cells.insert(at, draw(st.sampled_from(NOTES)))
        shape = draw(st.integers(0, 9))
        if shape == 0:
            cells = cells[: draw(st.integers(0, len(cells)))]
        elif shape == 1:
            cells = cells + ["extra"]
        elif shape == 2:
            text.write(delimiter * draw(st.integers(0, len(cells))) + ending)  # a blank line
            continue
        if draw(st.booleans()):
            writer.writerow(cells)
        else:
            text.write(delimiter.join(cells) + ending)  # as it comes: a quote or a break may spill over
        if draw(st.integers(0, 7)) == 0:
            text.write(f'"{draw(st.sampled_from(cells or ["x"]))}' + ending)  # a quote left open
    data = text.getvalue().encode()
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    return data


@SETTINGS
@given(st.data())
def test_columns_write_what_rows_write_on_generated_rule_sets(data):
    _, ruleset = data.draw(rule_sets())
    file = data.draw(stress_files(ruleset))
    block_chars = data.draw(st.sampled_from([1, 40, 300, 1 << 20]))
    assert_same(ruleset, file, block_chars, escape_formulas=data.draw(st.booleans()))


@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], deadline=None)
@given(st.data())
def test_a_file_that_stops_decoding_stops_with_the_same_message(data):
    _, ruleset = data.draw(rule_sets())
    file = data.draw(stress_files(ruleset))
    lines = file.split(b"\n")
    k = data.draw(st.integers(1, max(1, len(lines) - 1)))
    broken = b"\n".join(lines[:k] + [b"caf\xe9" + (lines[k] if k < len(lines) else b"")] + lines[k + 1:])
    rows = scored(ruleset, broken, "rows")
    columns = scored(ruleset, broken, "columns", data.draw(st.sampled_from([1, 64, 1 << 20])))
    assert "not valid" in rows[2] and columns[2] == rows[2]
    # What was written before the stop depends on how far each had read: never more than the lines before it.
    before = scored(ruleset, b"\n".join(lines[:k]) + b"\n", "rows")[0]
    assert before.startswith(rows[0]) and before.startswith(columns[0])


def default_stress_file() -> bytes:
    """The default rule set's questions, with every kind of line the columns hand to the row path."""
    rules = load_rules()
    ids = [q.id for q in rules.questions]
    plain = {q.id: "no" for q in rules.questions if q.type == "yesno"}
    plain.update(age="40", duration_weeks="3", temperature_c="")
    base = [plain.get(i, "") for i in ids]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["respondent_id", *ids, "note"])
    for i in range(400):
        row = [f"R{i}", *base, NOTES[i % len(NOTES)]]
        row[1 + i % len(ids)] = ["yes", "unsure", "", "maybe", "Y", "38,9", "No"][i % 7]
        writer.writerow(row)
        if i % 13 == 0:
            text.write(",".join(row[: i % len(row)]) + "\n")
        if i % 17 == 0:
            text.write("\n" if i % 2 else ",,,\r\n")
    return text.getvalue().encode()


def test_the_stress_file_scores_the_same_through_the_command_line(tmp_path):
    path = tmp_path / "stress.csv"
    path.write_bytes(default_stress_file())
    results = []
    for evaluator in ("rows", "columns"):
        out = tmp_path / f"{evaluator}.csv"
        got = CliRunner().invoke(app, ["score", str(path), "-o", str(out), "--evaluator", evaluator, "--jobs", "1"])
        results.append((got.exit_code, got.output, out.read_bytes()))
    assert results[0][0] == 1  # the file has bad cells: some rows are errors
    assert results[1] == results[0]


def test_a_cell_holding_a_lone_carriage_return_reads_back_as_one_cell():
    rules = load_rules()
    ids = [q.id for q in rules.questions]
    file = ("respondent_id,note," + ",".join(ids) + "\n" + "R1,\"before\rafter\"," + ",".join("" for _ in ids) + "\n").encode()
    for evaluator in ("rows", "columns"):
        output, summary, _ = scored(rules, file, evaluator)
        rows = list(csv.reader(io.StringIO(output, newline="")))
        assert len(rows) == 2 and rows[1][1] == "before\rafter", evaluator


def test_jobs_workers_score_in_columns_as_one_process_does(tmp_path):
    from triage.batch.parallel import score_parallel

    rules = load_rules()
    path = tmp_path / "in.csv"
    path.write_bytes(default_stress_file())
    single = scored(rules, path.read_bytes(), "rows", name=str(path))
    out = io.StringIO()
    workers: list[int] = []
    summary = score_parallel(rules, str(path), out, Options(evaluator="columns"), 3, str(path), min_bytes_per_job=1,
                             on_parts=workers.append)
    assert workers == [3]
    assert out.getvalue() == single[0]
    assert summary == single[1]


def test_columns_without_polars_say_how_to_get_it(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "polars" else real(name, *a))
    rules = load_rules()
    file = default_stress_file()
    assert scored(rules, file, "columns")[2] == "scoring in columns needs polars: pip install 'redflag-triage[fast]'"
    assert scored(rules, file, "auto") == scored(rules, file, "rows")  # auto falls back to rows


@pytest.mark.parametrize("kind", sorted(CONNECTIVES))
def test_each_connective_on_outcome_codes_is_its_python_meaning(kind):
    connective = CONNECTIVES[kind]
    sizes = [1] if kind == "not" else [1, 2, 3]
    combos = [c for n in sizes for c in itertools.product(CODED, repeat=n)]
    for outcomes in combos:
        assert connective.vector([code_of(o) for o in outcomes]) == code_of(connective.combine(iter(outcomes))), outcomes
    # The same on columns: one row per combination, through polars.
    from triage.evaluation.columnar import CODE, CodeColumns

    for n in sizes:
        rows = list(itertools.product(CODED, repeat=n))
        frame = pl.DataFrame({f"p{i}": pl.Series([code_of(r[i]) for r in rows], dtype=CODE) for i in range(n)})
        got = frame.select(connective.frame(CodeColumns(), [pl.col(f"p{i}") for i in range(n)])).to_series()
        assert got.to_list() == [code_of(connective.combine(iter(r))) for r in rows]


def test_the_summary_breaks_ties_in_the_rule_files_order():
    from collections import Counter

    from rich.console import Console

    from triage.render.result import summary_renderable

    rules = load_rules()
    _, summary, _ = scored(rules, default_stress_file(), "rows")
    ids = [r.id for r in rules.rules][:7]
    lines = []
    for order in (ids, ids[::-1]):
        summary.fired = Counter({i: 3 for i in order})
        console = Console(width=400, record=True, file=io.StringIO())
        console.print(summary_renderable(summary, rules))
        lines.append(next(line for line in console.export_text().splitlines() if line.startswith("Rules that fired most")))
    assert lines[0] == lines[1] == "Rules that fired most: " + ", ".join(f"{i} (3)" for i in ids[:5])
