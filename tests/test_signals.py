"""Signals and pipes end a run with a documented status, no traceback, no temporary file or folder
left with health data in it, and no worker left alive."""

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from triage import load_rules

from .conftest import DEFAULT_RULES

RULES = load_rules(DEFAULT_RULES)


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory):
    """Over 16 MB, so that --jobs 2 really starts two workers."""
    path = tmp_path_factory.mktemp("big") / "big.csv"
    import random

    rng = random.Random(1)
    qids = [q.id for q in RULES.questions]
    words = ["no"] * 6 + ["yes", "unsure", ""]  # varied, so that rows are not all cache hits: scoring takes seconds
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["id", "note", *qids])
        for i in range(170_000):
            writer.writerow([f"p{i}", "private note",
                             *(str(rng.randint(10, 90)) if q.type == "number" else rng.choice(words) for q in RULES.questions)])
    assert path.stat().st_size > 16 << 20
    return path


def start(args, tmp_path, **kwargs):
    env = {**os.environ, "TMPDIR": str(tmp_path), "TRIAGE_TEST_MARK": str(tmp_path)}
    return subprocess.Popen([sys.executable, "-m", "triage", *map(str, args)], env=env, stderr=subprocess.PIPE,
                            text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL), **kwargs)


def alive_with_mark(mark):
    """Processes started by the run (they carry its environment), still alive."""
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                environ = Path(f"/proc/{pid}/environ").read_bytes()
            except OSError:
                continue
            if f"TRIAGE_TEST_MARK={mark}".encode() in environ:
                found.append(int(pid))
    return found


def leftovers(folder):
    return [p.name for p in Path(folder).rglob("*") if p.name.endswith(".part") or p.name.startswith("triage-parts-")]


@pytest.mark.parametrize("sig,status", [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)])
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_signal_mid_run_leaves_nothing_behind(big_csv, tmp_path, sig, status, jobs):
    out = tmp_path / "out" / "scored.csv"
    out.parent.mkdir()
    proc = start(["score", big_csv, "-o", out, "--jobs", jobs, "-q"], tmp_path)
    time.sleep(1.0)
    assert proc.poll() is None, proc.stderr.read()
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == status, stderr
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) <= 2
    assert not out.exists() and leftovers(tmp_path) == []
    time.sleep(0.5)
    assert alive_with_mark(tmp_path) == []


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_closed_pipe_ends_quietly_with_141(big_csv, tmp_path, jobs):
    proc = start(["score", big_csv, "--jobs", jobs, "-q"], tmp_path, stdout=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    stderr = proc.stderr.read()
    proc.wait(timeout=60)
    assert proc.returncode == 141, stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr
    assert leftovers(tmp_path) == [] and alive_with_mark(tmp_path) == []


@pytest.mark.parametrize("sig,status", [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_signal_at_any_point_of_a_run_gives_its_own_status(big_csv, tmp_path, sig, status):
    """From start-up to the summary: whatever is running when the signal comes (loading rules, typer's
    own code, the scoring loop, the summary), the status is the signal's, never 130 for Ctrl-C."""
    small = tmp_path / "small.csv"
    with open(big_csv) as src, open(small, "w") as dst:
        dst.writelines(line for _, line in zip(range(30_000), src))
    statuses = []
    for delay in (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.6, 0.8, 1.2):
        out = tmp_path / f"out-{delay}.csv"
        proc = start(["score", small, "-o", out, "-q"], tmp_path)
        time.sleep(delay)
        if proc.poll() is not None:
            proc.communicate()
            continue  # the run ended first: nothing to stop
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=30)
        # -sig: the signal came before Python ran any of triage, so its default action ended the process.
        assert proc.returncode in (status, -sig), (delay, proc.returncode, stderr)
        assert "Traceback" not in stderr, stderr
        assert not out.exists() and leftovers(tmp_path) == []
        statuses.append(proc.returncode)
    assert statuses.count(status) >= 3, statuses  # most points fall inside triage's own code


@pytest.mark.parametrize("args", [["score", "{csv}", "--allow-missing", "-q"], ["run", "--answers", "{answers}"]])
def test_a_closed_standard_output_is_one_line_not_an_internal_error(tmp_path, args):
    """`triage score f.csv >&-`: there is nowhere to write the result; say so (exit 2), never exit 70."""
    data, answers = tmp_path / "s.csv", tmp_path / "a.yaml"
    data.write_text("fever\nno\n")
    answers.write_text("fever: no\n")
    proc = subprocess.run([sys.executable, "-m", "triage", *(a.format(csv=data, answers=answers) for a in args)],
                          stderr=subprocess.PIPE, text=True, preexec_fn=lambda: os.close(1), timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "standard output is closed" in proc.stderr and "internal error" not in proc.stderr
