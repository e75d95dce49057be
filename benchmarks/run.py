"""Benchmarks for triage: batch scoring against a bare CSV copy and the true floor (a copy that also
writes result cells of the same widths, all in C), on the benchmark file at two sizes and on a file where
no answer pattern repeats; what a user might write instead (polars, DuckDB running the compiled SQL) when
installed; peak memory; and start-up against a one-command typer app. Prints medians and ratios.

    python benchmarks/run.py                 # 100k and 1M rows, as reported in docs/performance.md
    python benchmarks/run.py --rows 20000    # a quick run
    python benchmarks/run.py --rows 30000 300000   # the sizes of the columns table

Generated files go to benchmarks/data/ (ignored by git). Timings are wall-clock medians of whole
processes, each measured the same way, in the same run, on the same file.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
PY = sys.executable
TRIAGE = [PY, "-m", "triage"]


def generate(path: Path, rows: int, seed: int = 2026, from_row_number: int = 0, yesno: list[str] | None = None) -> None:
    """Responses in the default data dictionary: mostly no, a few yes and unsure, some blanks.

    With from_row_number=k, row i's number in base 4 picks yes, no, unsure or blank for the first k
    yes/no questions instead, so that no two rows share an answer pattern (4**10 > 1,000,000)."""
    from triage import load_rules

    rules = load_rules()
    rng = random.Random(seed)
    yesno = yesno or ["no"] * 40 + ["yes", "unsure", "", "No", "Y"]
    digits = ["no", "yes", "unsure", ""]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["respondent_id", "site", *(q.id for q in rules.questions)])
        for i in range(rows):
            row = [f"R{i:08d}", rng.choice(["north", "south", "east", "west"])]
            n, k = i, 0
            for q in rules.questions:
                if q.type == "yesno" and k < from_row_number:
                    row.append(digits[n % 4])
                    n //= 4
                    k += 1
                elif q.type == "yesno":
                    row.append(rng.choice(yesno))
                elif q.id == "age":
                    row.append(str(rng.randint(12, 95)))
                elif q.id == "duration_weeks":
                    row.append(rng.choice(["", str(rng.randint(0, 30))]))
                else:
                    row.append(rng.choice(["", "", "", f"{rng.uniform(36.0, 39.5):.1f}".replace(".", rng.choice(".,"))]))
            writer.writerow(row)


def generate_no_repeat(path: Path, rows: int) -> None:
    generate(path, rows, seed=7, from_row_number=10)


def generate_realistic(path: Path, rows: int) -> None:
    """Most answers no, 2 % yes and 1 % unsure, as a clinic's file would look."""
    generate(path, rows, seed=11, yesno=["no"] * 97 + ["yes", "yes", "unsure"])


def run(cmd: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system, its workers included) and peak resident memory (MiB)."""
    start = time.perf_counter()
    before = os.times()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    after = os.times()
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"failed: {' '.join(cmd)}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return elapsed, cpu, usage.ru_maxrss // 1024


def measure(cmds: list[list[str]], repeat: int) -> list[tuple[float, float, int]]:
    """Interleaved runs (each program once per round), so that a slow moment of the machine is shared."""
    rounds = [[run(cmd) for cmd in cmds] for _ in range(repeat)]
    return [(statistics.median(r[i][0] for r in rounds), statistics.median(r[i][1] for r in rounds),
             max(r[i][2] for r in rounds)) for i in range(len(cmds))]


def added_widths(src: Path, out: Path) -> list[int]:
    """The mean width of each cell triage adds, on the first 20,000 rows of the file."""
    sample = DATA / "sample.csv"
    with open(src, encoding="utf-8") as f, open(sample, "w", encoding="utf-8") as s:
        for _, line in zip(range(20_001), f):
            s.write(line)
    subprocess.run([*TRIAGE, "score", str(sample), "-o", str(out), "-q"], check=False, stderr=subprocess.DEVNULL)
    with open(out, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        width = len(next(reader))
        rows = [r[-9:] for r in reader if len(r) == width]
    return [round(sum(len(r[i]) for r in rows) / len(rows)) for i in range(9)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--startup-repeat", type=int, default=20)
    parser.add_argument("--handwritten", action="store_true", help="also time the hand-written script (slow)")
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}")
    print()
    header = f"{'file':<22} {'program':<46} {'wall s':>7} {'CPU s':>6} {'× copy':>7} {'CPU × copy':>11} {'× floor':>8} {'peak MiB':>9}"
    print(header)
    print("-" * len(header))
    query = DATA / "triage_duckdb.sql"
    with open(query, "w", encoding="utf-8") as q:
        subprocess.run([*TRIAGE, "compile", "--to", "sql", "--dialect", "duckdb"], check=True, stdout=q,
                       stderr=subprocess.DEVNULL)
    files = [(f"{rows:,} rows", DATA / f"responses_{rows}.csv", rows, generate) for rows in args.rows]
    biggest = max(args.rows)
    files.append((f"{biggest:,} no repeat", DATA / f"norepeat_{biggest}.csv", biggest, generate_no_repeat))
    files.append((f"{biggest:,} realistic", DATA / f"realistic_{biggest}.csv", biggest, generate_realistic))
    for label, src, rows, make in files:
        if not src.exists():
            make(src, rows)
        out = DATA / "out.csv"
        widths = added_widths(src, out)
        programs = [
            ("csv.reader -> csv.writer copy", [PY, str(HERE / "csv_copy.py"), str(src), str(out)]),
            (f"floor: copy + constant cells {'/'.join(map(str, widths))}",
             [PY, str(HERE / "floor_copy.py"), str(src), str(out), *map(str, widths)]),
        ]
        evaluators = ["rows", "columns"] if importlib.util.find_spec("polars") else ["rows"]
        for evaluator in evaluators:  # a line at a time, and blocks of rows in columns (the fast extra)
            for jobs in ("1", "2"):
                programs.append((f"triage score --evaluator {evaluator} --jobs {jobs}",
                                 [*TRIAGE, "score", str(src), "-o", str(out), "-q", "--evaluator", evaluator, "--jobs", jobs]))
        if importlib.util.find_spec("polars"):
            programs.insert(2, ("polars block copy, 1 thread (columnar floor)",
                                [PY, str(HERE / "polars_block_copy.py"), str(src), str(out), "1"]))
        if args.handwritten:
            programs.append(("hand-written DictReader + ifs", [PY, str(HERE / "handwritten.py"), str(src), str(out)]))
        if importlib.util.find_spec("polars"):
            for threads in (1, 2):
                programs.append((f"polars, {threads} thread{'s' * (threads > 1)} (disposition only)",
                                 [PY, str(HERE / "polars_rules.py"), str(src), str(out), str(threads)]))
        if importlib.util.find_spec("duckdb"):
            for threads in (1, 2):
                programs.append((f"DuckDB + compiled SQL, {threads} thread{'s' * (threads > 1)}",
                                 [PY, str(HERE / "duckdb_sql.py"), str(src), str(out), str(threads), str(query)]))
        results = measure([cmd for _, cmd in programs], args.repeat)
        copy, copy_cpu, floor = results[0][0], results[0][1], results[1][0]
        for (name, _), (seconds, cpu, peak) in zip(programs, results):
            print(f"{label:<22} {name:<46} {seconds:>7.2f} {cpu:>6.2f} {seconds / copy:>7.2f} {cpu / copy_cpu:>11.2f} "
                  f"{seconds / floor:>8.2f} {peak:>9}", flush=True)
    print()

    answers = DATA / "answers.yaml"
    answers.write_text("urinary_retention: no\nfever: unsure\nage: 40\n", encoding="utf-8")
    header = f"{'start-up':<40} {'median ms':>10} {'× typer app':>12}"
    print(header)
    print("-" * len(header))
    triage_bin = str(Path(PY).parent / "triage") if (Path(PY).parent / "triage").exists() else (shutil.which("triage") or "triage")
    floor = None
    startup = [
        ("one-command typer app --version", [PY, str(HERE / "typer_one.py"), "--version"]),
        ("triage --version", [triage_bin, "--version"]),
        ("triage run --answers FILE", [triage_bin, "run", "--answers", str(answers)]),
        ("python -c pass (interpreter floor)", [PY, "-c", "pass"]),
    ]
    for (name, _cmd), (seconds, _, _) in zip(startup, measure([cmd for _, cmd in startup], args.startup_repeat)):
        floor = floor or seconds
        print(f"{name:<40} {seconds * 1000:>10.0f} {seconds / floor:>12.2f}")


if __name__ == "__main__":
    main()
