"""`--jobs`: cutting a file at record boundaries, and the same output as one process."""

import csv
import io

import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from triage import load_rules
from triage.batch import parallel
from triage.batch.stream import Options, score_file
from triage.cli import app

from .conftest import DEFAULT_RULES

RULES = load_rules(DEFAULT_RULES)
QIDS = [q.id for q in RULES.questions]
cells = st.text(st.sampled_from(list('ab"\n,;x ')), max_size=6)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture], max_examples=50)
@given(st.lists(st.lists(cells, min_size=1, max_size=4), min_size=1, max_size=30), st.integers(1, 5))
def test_cuts_fall_on_record_boundaries(tmp_path_factory, rows, parts):
    path = tmp_path_factory.mktemp("cut") / "f.csv"
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n").writerows([["h1", "h2"], *rows])
    data = buf.getvalue().encode()
    path.write_bytes(data)
    body, starts, lines_before = parallel.record_starts(str(path), parts)
    assert lines_before == [data[:start].count(b"\n") for start in starts]
    pieces = [data[:body]] + [data[a:b] for a, b in zip(starts, starts[1:] + [len(data)])]
    parsed = [list(csv.reader(io.StringIO(p.decode(), newline=""))) for p in pieces]
    assert parsed[0] == [["h1", "h2"]]
    assert [r for p in parsed[1:] for r in p] == list(csv.reader(io.StringIO(buf.getvalue(), newline="")))[1:]
    assert starts == sorted(set(starts))


def make_file(path, n):
    base = {q: ("no" if RULES.question(q).type == "yesno" else "") for q in QIDS}
    variants = [{}, {"fever": "yes"}, {"age": "17"}, {"night_pain": "unsure"}, {"age": "old"}, {"saddle_anesthesia": "Y"}]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "note", *QIDS])
        for i in range(n):
            row = {**base, **variants[i % len(variants)]}
            w.writerow([f"p{i}", "line one\nline two" if i % 7 == 0 else "=1+1" if i % 11 == 0 else "", *(row[q] for q in QIDS)])


def test_jobs_give_the_same_output_and_summary_as_one_process(tmp_path, monkeypatch):
    src = tmp_path / "in.csv"
    make_file(src, 3000)
    one = io.StringIO()
    with open(src, "rb") as f:
        single = score_file(RULES, f, one, Options(), name=str(src))
    monkeypatch.setattr(parallel, "MIN_BYTES_PER_JOB", 1)
    many = io.StringIO()
    merged = parallel.score_parallel(RULES, str(src), many, Options(), 3, str(src))
    assert many.getvalue() == one.getvalue()
    assert (merged.rows, merged.errors, merged.by_disposition, merged.fired) == (
        single.rows, single.errors, single.by_disposition, single.fired)
    assert merged.first_errors == single.first_errors  # the file's own line numbers in every part


def test_jobs_report_progress_over_the_whole_file(tmp_path, monkeypatch):
    """Issue 23: with two workers (the default for big files) no progress bar showed: 45 s of blank screen."""
    src = tmp_path / "in.csv"
    make_file(src, 3000)
    monkeypatch.setattr(parallel, "MIN_BYTES_PER_JOB", 1)
    seen, parts = [], []
    parallel.score_parallel(RULES, str(src), io.StringIO(), Options(), 3, str(src), on_parts=parts.append,
                            on_progress=seen.append)
    assert parts == [3] and seen == sorted(seen)
    assert seen[-1] >= 0.95 * src.stat().st_size, (seen, src.stat().st_size)


def test_jobs_through_the_cli_and_the_fallback_for_stdin(tmp_path):
    src = tmp_path / "in.csv"
    make_file(src, 50)
    runner = CliRunner()
    a = runner.invoke(app, ["score", str(src), "--jobs", "2", "-q"])
    b = runner.invoke(app, ["score", str(src), "-q"])
    assert a.exit_code == b.exit_code == 1 and a.stdout == b.stdout
    piped = runner.invoke(app, ["score", "-", "--jobs", "2"], input=src.read_text())
    assert piped.stdout == b.stdout and "using one process" in piped.stderr


def test_jobs_check_the_header_before_starting_workers(tmp_path, monkeypatch):
    src = tmp_path / "in.csv"
    make_file(src, 100)
    text = src.read_text().replace("saddle_anesthesia", "saddle", 1)
    src.write_text(text)
    monkeypatch.setattr(parallel, "MIN_BYTES_PER_JOB", 1)
    result = CliRunner().invoke(app, ["score", str(src), "--jobs", "2"])
    assert result.exit_code == 2 and "missing question column: saddle_anesthesia" in result.stderr
    allowed = CliRunner().invoke(app, ["score", str(src), "--jobs", "2", "--allow-missing"])
    assert allowed.exit_code == 1 and "Scoring without columns for: saddle_anesthesia" in allowed.stderr


def test_files_the_cut_cannot_handle_fall_back_to_one_process(tmp_path, monkeypatch):
    src = tmp_path / "in.csv"
    make_file(src, 40)
    # Lines ending in a lone carriage return (old spreadsheet exports) have no newline to cut at.
    src.write_bytes(src.read_bytes().replace(b"\n", b"\r"))
    monkeypatch.setattr(parallel, "MIN_BYTES_PER_JOB", 1)
    one, many = io.StringIO(), io.StringIO()
    with open(src, "rb") as f:
        single = score_file(RULES, f, one, Options(), name=str(src))
    merged = parallel.score_parallel(RULES, str(src), many, Options(), 2, str(src))
    assert many.getvalue() == one.getvalue() and merged.rows == single.rows == 40


def fooling_file(path, rows, stray_at):
    """A file whose quote parity lies: one unquoted cell holds a stray quote (`disc 5"`), and later
    quoted notes cells end in a newline, so a cut by parity lands inside a record."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["id", "note", *QIDS])
        for i in range(rows):
            note = "ends in a newline\n" if i % 3 else "plain"
            cells = [f"r{i}", note, *(("yes" if i % 5 == 0 and q == "fever" else "no") if RULES.question(q).type == "yesno"
                                        else "" for q in QIDS)]
            line = io.StringIO()
            csv.writer(line, lineterminator="\n").writerow(cells)
            text = line.getvalue()
            if i == stray_at:
                text = text.replace(f"r{i},", f"r{i} disc 5\",", 1)  # csv leaves this quote literal
            f.write(text)


@pytest.mark.parametrize("stray_at", [0, 7, 33])
def test_jobs_never_lose_a_record_on_a_file_made_to_fool_the_cut(tmp_path, monkeypatch, stray_at):
    src = tmp_path / "in.csv"
    fooling_file(src, 120, stray_at)
    monkeypatch.setattr(parallel, "MIN_BYTES_PER_JOB", 1)
    one, many = io.StringIO(), io.StringIO()
    with open(src, "rb") as f:
        single = score_file(RULES, f, one, Options(), name=str(src))
    merged = parallel.score_parallel(RULES, str(src), many, Options(), 3, str(src))
    assert single.rows == 120
    assert many.getvalue() == one.getvalue() and merged == single


raw_cells = st.text(st.sampled_from(list('ab"\n,x ')), max_size=5)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture], max_examples=40, deadline=None)
@given(st.lists(st.lists(raw_cells, min_size=1, max_size=3), min_size=2, max_size=40), st.integers(2, 4))
def test_jobs_equal_one_process_on_files_with_stray_quotes(tmp_path_factory, rows, jobs):
    """Raw lines, not written by a CSV writer: quotes anywhere, newlines inside and outside quotes."""
    path = tmp_path_factory.mktemp("stray") / "f.csv"
    header = ",".join(["note", *QIDS])
    answers = ",".join("no" if RULES.question(q).type == "yesno" else "" for q in QIDS)
    path.write_text(header + "\n" + "".join(",".join(r) + "," + answers + "\n" for r in rows), newline="")
    one, many = io.StringIO(), io.StringIO()
    with open(path, "rb") as f:
        single = score_file(RULES, f, one, Options(), name=str(path))
    merged = parallel.score_parallel(RULES, str(path), many, Options(), jobs, str(path), min_bytes_per_job=1)
    assert many.getvalue() == one.getvalue()
    assert merged == single


def test_jobs_default_is_one_per_core_for_large_files_only(tmp_path, monkeypatch):
    import os

    from triage.batch.parallel import MIN_BYTES_PER_JOB, default_jobs

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    small, big, huge = tmp_path / "small.csv", tmp_path / "big.csv", tmp_path / "huge.csv"
    for path, size in ((small, MIN_BYTES_PER_JOB * 2 - 1), (big, MIN_BYTES_PER_JOB * 3), (huge, MIN_BYTES_PER_JOB * 40)):
        with path.open("wb") as f:
            f.truncate(size)  # sparse: only the size matters
    assert default_jobs(str(small)) == 1  # under 16 MB: a worker would cost more than it saves
    assert default_jobs(str(big)) == 3  # at most one per 8 MB
    assert default_jobs(str(huge)) == 4  # at most one per core
    assert default_jobs(str(tmp_path / "absent.csv")) == 1
