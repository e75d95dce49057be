"""Prove that the tests bite: apply one-line mutations to a copy of the package, run the tests, and
report which mutations the suite catches (a mutation is caught when a test fails on an assertion).

    python scripts/mutation_check.py                 # every mutation against the default test files
    python scripts/mutation_check.py tests/test_differential.py
    MUTATIONS=SQL python scripts/mutation_check.py    # only the mutations whose name holds "SQL"

Slow (a test run per mutation); not part of the test suite.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# (what the mutation does, file, a line as it is, the line mutated)
MUTATIONS = [
    ("compiled `not` of an unknown is true", "triage/compiled.py",
     "return lambda s: negate(inner(s))", "return lambda s: True if isinstance(inner(s), Unknown) else negate(inner(s))"),
    ("an `any` that ignores unknown parts", "triage/logic.py",
     "if isinstance(o, Unknown) and unknown is not UNSURE:", "if isinstance(o, Unknown) and unknown is not UNSURE and not dominant:"),
    ("a blank number cell read as 0 in SQL", "triage/sql.py",
     'return f"(CASE WHEN {self.is_plain_number(q)} THEN {cast} END)"', 'return f"({cast})"'),
    ("the wrong 'if unsure' level (the rule's own)", "triage/model.py",
     '"unsure_levels": tuple(levels[r.if_unsure] if r.if_unsure else cautious',
     '"unsure_levels": tuple(levels[r.disposition] if r.if_unsure else cautious'),
    ("a blank cell treated as unsure", "triage/answers.py", '"": NOT_RECORDED,', '"": UNSURE,'),
    ("not recorded wins over unsure", "triage/logic.py",
     "if isinstance(o, Unknown) and unknown is not UNSURE:", "if isinstance(o, Unknown) and unknown is None:"),
    ("SQL forgets the cautious level of a rule left unknown by blanks", "triage/sql.py",
     "                    tests += blank\n", ""),
    ("SQL cannot tell unsure from blank", "triage/sql.py",
     '        return f"COALESCE({self.isin(self.text(q), UNSURE_WORDS)}, FALSE)"', '        return "FALSE"'),
    ("the questionnaire ignores the headline action", "triage/questionnaire.py",
     "        if best == worst and self._headline_settled(outcomes, worst):", "        if best == worst:"),
    ("the compiled `given` test inverted", "triage/compiled.py",
     "(s[i] is not NOT_GIVEN) is want", "(s[i] is NOT_GIVEN) is want"),
    ("the headline from an unsure rule before a true one", "triage/engine.py",
     "        if outcomes[i] is True and rules.rule_levels[i] == top and rule.action:",
     "        if outcomes[i] is UNSURE and rules.rule_levels[i] == top and rule.action:"),
    ("blanks never counted as raising the result", "triage/engine.py",
     "                  flags, headline, top_sure > top)", "                  flags, headline, False)"),
    ("could not be ruled out forgets the rules before the headline's", "triage/engine.py",
     "    return tuple(i for i in unknown if levels[i] < top or (levels[i] == top and i < before)",
     "    return tuple(i for i in unknown if levels[i] < top"),
    ("a blank optional yes/no answer read as unknown in SQL only", "triage/sql.py",
     "        blank = f\" WHEN {t} IS NULL OR {t} = '' THEN FALSE\" if q.optional else \"\"", "        blank = \"\""),
    ("a blank optional yes/no answer read as unknown in batch scoring only", "triage/batch.py",
     '            cache[""] = q.blank', '            cache[""] = YESNO_TABLE[""]'),
    ("an absent optional yes/no column read as not recorded", "triage/batch.py",
     "        screens = {q.id for q in rules.screens}", "        screens = set()"),
    ("an optional number left blank is unknown", "triage/model.py",
     "        return NOT_GIVEN if self.optional else NOT_RECORDED", "        return NOT_RECORDED"),
    ("--jobs drops a part's blank-line count", "triage/batch.py",
     "        self.blank_lines += part.blank_lines\n", ""),
    ("a group of rules forgets an unknown rule more urgent than the result", "triage/packed.py",
     "                tuple(i for i in unknown if levels[i] < top),", "                tuple(i for i in unknown if levels[i] < top - 1),"),
    ("the packed key drops the unsure answers a group's unknown rules read", "triage/packed.py",
     "            unsure |= u\n", ""),
    ("the fast path writes a formula-looking row unescaped", "triage/batch.py",
     "                            if escaped != row:", "                            if False:"),
    ("DuckDB's answer lists become joins that reorder rows", "triage/sql.py",
     '        if self.dialect == "duckdb":\n            return f"(CASE WHEN {expr} IS NOT NULL',
     '        if self.dialect == "duckdbX":\n            return f"(CASE WHEN {expr} IS NOT NULL'),
    ("Spark reads no decimal number", "triage/sql.py",
     '        return f"({t} RLIKE {pattern})"', "        return f\"({t} RLIKE '^[0-9]+$')\""),
    ("a form shows a question only when its condition is surely true", "triage/forms.py",
     "        return Test(q.id, \"is\", want) if certain else Test(q.id, \"is_not\", other)",
     "        return Test(q.id, \"is\", want)"),
    ("a FHIR unsure code read as no", "triage/fhir.py",
     "ANSWER_OF_CODE = {c[\"code\"]: word for word, c in CODINGS.items()}",
     "ANSWER_OF_CODE = {**{c[\"code\"]: word for word, c in CODINGS.items()}, \"asked-unknown\": \"no\"}"),
    ("the playground draws an unsure rule as not recorded", "triage/playground.py",
     'OUTCOME_CLASS = {True: "true", False: "false", UNSURE: "unsure", NOT_RECORDED: "not-recorded"}',
     'OUTCOME_CLASS = {True: "true", False: "false", UNSURE: "not-recorded", NOT_RECORDED: "not-recorded"}'),
    ("the playground drops an unsure answer", "triage/playground.py",
     "            values[q.id] = parse_answer(q, text)", '            values[q.id] = parse_answer(q, "" if text == "unsure" else text)'),
]
DEFAULT_TESTS = ["tests/test_logic.py", "tests/test_differential.py", "tests/test_parallel.py", "tests/test_engine.py",
                 "tests/test_cases.py", "tests/test_questionnaire.py", "tests/test_cli_score.py", "tests/test_sql.py",
                 "tests/test_spark.py", "tests/test_interop.py", "tests/test_hostile.py",
                 "tests/test_playground.py"]


def main(tests: list[str]) -> int:
    missed = 0
    with tempfile.TemporaryDirectory(prefix="triage-mutants-") as tmp:
        only = os.environ.get("MUTATIONS")  # a part of their names, to try some only
        for name, path, old, new in MUTATIONS:
            if only and only not in name:
                continue
            work = Path(tmp) / "repo"
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(ROOT, work, ignore=shutil.ignore_patterns(".venv", ".git", ".hypothesis", "__pycache__", "data"))
            target = work / path
            text = target.read_text(encoding="utf-8")
            if old not in text:
                print(f"STALE   {name}: the line to mutate is no longer in {path}")
                missed += 1
                continue
            target.write_text(text.replace(old, new, 1), encoding="utf-8")
            env = {**os.environ, "PYTHONPATH": str(work), "CI": "true"}
            run = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-rf", "-p", "no:cacheprovider", *tests],
                                 cwd=work, env=env, capture_output=True, text=True)
            failed = next((line for line in run.stdout.splitlines() if line.startswith("FAILED")), "")
            caught = run.returncode == 1 and failed
            missed += not caught
            print(f"{'caught' if caught else 'MISSED'}  {name}: {failed[:140] or run.stdout.splitlines()[-1:]}", flush=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or DEFAULT_TESTS))
