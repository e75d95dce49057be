"""How long `triage check` (load, validate, lint) takes on big generated rule files, to show that its
time grows with the number of rules, not with its square (issue 23; figures in docs/rules.md).

    python benchmarks/lint.py                  # 2,000, 4,000 and 20,000 rules
    python benchmarks/lint.py --rules 500 5000

Each file reuses the teaching example's questions; its rules alternate two levels and read a yes/no
question and a number with a threshold of their own, so that every rule shares questions with
thousands of others (the shape that made the old check quadratic). Load and lint are timed apart.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ["bladder_dysfunction", "saddle_anesthesia", "bilateral_leg_symptoms", "fever"]


def rule_text(n: int) -> str:
    head = (ROOT / "rules" / "examples" / "back_pain_emergency_signs.yaml").read_text().split("\nrules:\n")[0]
    rules = []
    for i in range(n):
        level = "urgent_care" if i % 2 == 0 else "see_doctor"
        when = f"{{all: [{{question: {QUESTIONS[i % 4]}, is: yes}}, {{question: duration_weeks, at_least: {i % 500}}}]}}"
        rules.append(f"  - id: r{i}\n    disposition: {level}\n    when: {when}\n    rationale: Rule {i}.\n    source: seed\n")
    return head + "\nrules:\n" + "".join(rules)


def main() -> None:
    from triage.authoring.lint import lint
    from triage.read.loader import parse_rules

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, nargs="+", default=[2000, 4000, 20000])
    for n in parser.parse_args().rules:
        text = rule_text(n)
        start = time.perf_counter()
        rules = parse_rules(text, "generated.yaml")
        loaded = time.perf_counter()
        warnings = lint(rules)
        done = time.perf_counter()
        print(f"{n:>7,} rules ({len(text) / 1e6:.1f} MB): load {loaded - start:6.2f} s, lint {done - loaded:6.2f} s, "
              f"{len(warnings):,} warnings")


if __name__ == "__main__":
    main()
