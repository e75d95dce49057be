"""Benchmarks for triage: batch scoring against a bare CSV copy and a hand-written script, peak
memory at two sizes, and start-up against a one-command typer app. Prints medians and ratios.

    python benchmarks/run.py                 # 100k and 1M rows, as reported in docs/performance.md
    python benchmarks/run.py --rows 20000    # a quick run

Generated files go to benchmarks/data/ (ignored by git). Timings are wall-clock medians of whole
processes, each measured the same way, in the same run, on the same file.
"""

from __future__ import annotations

import argparse
import csv
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


def generate(path: Path, rows: int, seed: int = 2026) -> None:
    """Responses in the default data dictionary: mostly no, a few yes and unsure, some blanks."""
    from triage import load_rules

    rules = load_rules()
    rng = random.Random(seed)
    yesno = ["no"] * 40 + ["yes", "unsure", "", "No", "Y"]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["respondent_id", "site", *(q.id for q in rules.questions)])
        for i in range(rows):
            row = [f"R{i:08d}", rng.choice(["north", "south", "east", "west"])]
            for q in rules.questions:
                if q.type == "yesno":
                    row.append(rng.choice(yesno))
                elif q.id == "age":
                    row.append(str(rng.randint(12, 95)))
                elif q.id == "duration_weeks":
                    row.append(rng.choice(["", str(rng.randint(0, 30))]))
                else:
                    row.append(rng.choice(["", "", "", f"{rng.uniform(36.0, 39.5):.1f}".replace(".", rng.choice(".,"))]))
            writer.writerow(row)


def run(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak resident memory (MiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return elapsed, usage.ru_maxrss // 1024


def measure(cmd: list[str], repeat: int) -> tuple[float, int]:
    results = [run(cmd) for _ in range(repeat)]
    return statistics.median(t for t, _ in results), max(m for _, m in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--startup-repeat", type=int, default=20)
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}")
    print()
    header = f"{'rows':>9}  {'program':<34} {'median s':>9} {'× copy':>7} {'peak MiB':>9}"
    print(header)
    print("-" * len(header))
    for rows in args.rows:
        src = DATA / f"responses_{rows}.csv"
        if not src.exists():
            generate(src, rows)
        out = DATA / "out.csv"
        programs = [
            ("csv.reader -> csv.writer copy", [PY, str(HERE / "csv_copy.py"), str(src), str(out)]),
            ("python loop copy, +5 cells a row", [PY, str(HERE / "loop_copy.py"), str(src), str(out)]),
            ("hand-written DictReader + ifs", [PY, str(HERE / "handwritten.py"), str(src), str(out)]),
            ("triage score", [*TRIAGE, "score", str(src), "-o", str(out), "-q"]),
            ("triage score --jobs 2", [*TRIAGE, "score", str(src), "-o", str(out), "-q", "--jobs", "2"]),
        ]
        floor = None
        for name, cmd in programs:
            seconds, peak = measure(cmd, args.repeat)
            floor = floor or seconds
            print(f"{rows:>9,}  {name:<34} {seconds:>9.2f} {seconds / floor:>7.2f} {peak:>9}")
    print()

    answers = DATA / "answers.yaml"
    answers.write_text("urinary_retention: no\nfever: unsure\nage: 40\n", encoding="utf-8")
    header = f"{'start-up':<40} {'median ms':>10} {'× typer app':>12}"
    print(header)
    print("-" * len(header))
    triage_bin = str(Path(PY).parent / "triage") if (Path(PY).parent / "triage").exists() else (shutil.which("triage") or "triage")
    floor = None
    for name, cmd in [
        ("one-command typer app --version", [PY, str(HERE / "typer_one.py"), "--version"]),
        ("triage --version", [triage_bin, "--version"]),
        ("triage run --answers FILE", [triage_bin, "run", "--answers", str(answers)]),
        ("python -c pass (interpreter floor)", [PY, "-c", "pass"]),
    ]:
        seconds, _ = measure(cmd, args.startup_repeat)
        floor = floor or seconds
        print(f"{name:<40} {seconds * 1000:>10.0f} {seconds / floor:>12.2f}")


if __name__ == "__main__":
    main()
