"""Prove that the tests bite: apply one-line mutations to a copy of the package, run the tests, and
report which mutations the suite catches (a mutation is caught when a test fails on an assertion).

Each mutated line is found by a marker comment on the line above it, `# mutant: NAME`, wherever the
line lives: moving or renaming a module never leaves a mutation stale.

    python scripts/mutation_check.py                 # every mutation against the default test files
    python scripts/mutation_check.py tests/test_differential.py
    MUTATIONS=SQL python scripts/mutation_check.py    # only the mutations whose name holds "SQL"

Slow (a test run per mutation); not part of the test suite.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"^\s*# mutant: (.+)$")
# (marker name, what the mutation does, part of the marked line as it is, that part mutated)
MUTATIONS = [
    ("compiled-not", "compiled `not` of an unknown is true",
     "return lambda s: negate(inner(s))", "return lambda s: True if isinstance(inner(s), Unknown) else negate(inner(s))"),
    ("kleene-kind", "an `any` that ignores unknown parts",
     "unknown is not UNSURE:", "unknown is not UNSURE and not dominant:"),
    ("sql-number", "a blank number cell read as 0 in SQL",
     'return f"(CASE WHEN {self.is_plain_number(q)} THEN {cast} END)"', 'return f"({cast})"'),
    ("unsure-level", "the wrong 'if unsure' level (the rule's own)", "levels[r.if_unsure] if", "levels[r.disposition] if"),
    ("blank-cell", "a blank required answer read as no (not given)", "else NOT_RECORDED", "else NOT_GIVEN"),
    ("kleene-kind", "not recorded wins over unsure", "unknown is not UNSURE:", "unknown is None:"),
    ("sql-cautious-blanks", "SQL forgets the cautious level of a rule left unknown by blanks", "tests += self.by_not_recorded", "pass"),
    ("sql-unsure", "SQL cannot tell unsure from blank",
     'return f"COALESCE({self.isin(self.text(q), UNSURE_WORDS)}, FALSE)"', 'return "FALSE"'),
    ("headline-settled", "the questionnaire ignores the headline action",
     "if best == worst and self._headline_settled(outcomes, worst):", "if best == worst:"),
    ("compiled-given", "the compiled `given` test inverted", "(s[i] is not NOT_GIVEN) is value", "(s[i] is NOT_GIVEN) is value"),
    ("headline-true-first", "the headline from an unsure rule before a true one",
     "if outcomes[i] is True and", "if outcomes[i] is UNSURE and"),
    ("raised", "blanks never counted as raising the result", "flags, headline, top_sure > top)", "flags, headline, False)"),
    ("before-headline", "could not be ruled out forgets the rules before the headline's",
     "levels[i] < top or (levels[i] == top and i < before)", "levels[i] < top or (False)"),
    ("sql-optional-blank", "a blank optional yes/no answer read as unknown in SQL only",
     "blank = f\" WHEN {t} IS NULL OR {t} = '' THEN FALSE\" if q.optional else \"\"", "blank = \"\""),
    ("batch-optional-blank", "a blank optional yes/no answer read as unknown in batch scoring only",
     'cache[""] = q.blank', 'cache[""] = YESNO_TABLE[""]'),
    ("absent-screen", "an absent optional yes/no column read as not recorded", "screens = {q.id for q in rules.screens}", "screens = set()"),
    ("optional-number-blank", "an optional number left blank is unknown",
     "return NOT_GIVEN if self.optional else NOT_RECORDED", "return NOT_RECORDED"),
    ("merge-blank-lines", "--jobs drops a part's blank-line count", "self.blank_lines += part.blank_lines", "pass"),
    ("group-below", "a group of rules forgets an unknown rule more urgent than the result",
     "tuple(i for i in unknown if levels[i] < top),", "tuple(i for i in unknown if levels[i] < top - 1),"),
    ("key-unsure", "the packed key drops the unsure answers a group's unknown rules read", "unsure |= p.unsure", "pass"),
    ("fast-escape", "the fast path writes a formula-looking row unescaped", "if escaped != row:", "if False:"),
    ("duckdb-lists", "DuckDB's answer lists become joins that reorder rows", 'if self.dialect == "duckdb":', 'if self.dialect == "duckdbX":'),
    ("spark-decimal", "Spark reads no decimal number", 'return f"({t} RLIKE {pattern})"', "return f\"({t} RLIKE '^[0-9]+$')\""),
    ("form-possible", "a form shows a question only when its condition is surely true",
     'terms.test(q.id, "is", want) if certain else terms.test(q.id, "is_not", other)', 'terms.test(q.id, "is", want)'),
    ("fhir-unsure-code", "a FHIR unsure code read as no",
     "ANSWER_OF_CODE = {c[\"code\"]: word for word, c in CODINGS.items()}",
     "ANSWER_OF_CODE = {**{c[\"code\"]: word for word, c in CODINGS.items()}, \"asked-unknown\": \"no\"}"),
    ("playground-unsure-class", "the playground draws an unsure rule as not recorded",
     'UNSURE: "unsure", NOT_RECORDED', 'UNSURE: "not-recorded", NOT_RECORDED'),
    ("playground-unsure-answer", "the playground drops an unsure answer",
     "values[q.id] = parse_answer(q, text)", 'values[q.id] = parse_answer(q, "" if text == "unsure" else text)'),
    ("columnar-unsure", "the columns read an unsure red flag as not recorded",
     "[f == ANSWER_UNSURE for f in flags]", "[f == ANSWER_NOT_RECORDED for f in flags]"),
    ("columnar-unsure-cell", "the columns list blank answers as unsure", "self._answered(s, ANSWER_UNSURE), q)",
     "self._answered(s, ANSWER_NOT_RECORDED), q)"),
    ("blocks-quoted-width", "a quoted line with too many cells is scored in columns", "if (len(row) != width or", "if (len(row) < width or"),
    ("stale-translation", "a stale translation shown as if current", "if entry is None or not same(entry.source, text):",
     "if entry is None:"),
    ("typed-words", "answers in the chosen language refused", "if (word := _typed_word(key)) is not None:", "if False:"),
    ("region-language", "a region's service names always in English", "names = place.words(language)",
     "names = place.words(SOURCE_LANGUAGE)"),
    ("lost-terms", "check misses a translation that drops a service name",
     "elif sorted(terms_in(entry.text)) != sorted(terms_in(text)):", "elif False:"),
    ("result-cells", "Result.cells() joins the fired rules with commas", '";".join(r.id for r in self.fired),', '",".join(r.id for r in self.fired),'),
]
DEFAULT_TESTS = ["tests/test_logic.py", "tests/test_differential.py", "tests/test_parallel.py", "tests/test_engine.py",
                 "tests/test_cases.py", "tests/test_questionnaire.py", "tests/test_cli_score.py", "tests/test_sql.py",
                 "tests/test_spark.py", "tests/test_interop.py", "tests/test_hostile.py", "tests/test_version3.py",
                 "tests/test_fhir_input.py", "tests/test_new_comparison.py", "tests/test_playground.py",
                 "tests/test_columnar.py", "tests/test_languages.py"]


def marked_lines(root: Path) -> dict[str, list[tuple[Path, int]]]:
    """Each marker name -> (file, index of the line below the marker)."""
    found: dict[str, list[tuple[Path, int]]] = {}
    for path in sorted((root / "triage").rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            match = MARKER.match(line)
            if match:
                for name in match.group(1).split(","):
                    found.setdefault(name.strip(), []).append((path, i + 1))
    return found


def mutate(root: Path, marker: str, old: str, new: str) -> str | None:
    """Apply one mutation in the tree at root; the reason when it cannot be."""
    places = marked_lines(root).get(marker, [])
    if len(places) != 1:
        return f"{len(places)} lines are marked '# mutant: {marker}'"
    path, index = places[0]
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    if old not in lines[index]:
        return f"the line below '# mutant: {marker}' in {path.relative_to(root)} no longer holds {old!r}"
    lines[index] = lines[index].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")
    return None


def main(tests: list[str]) -> int:
    missed = 0
    with tempfile.TemporaryDirectory(prefix="triage-mutants-") as tmp:
        only = os.environ.get("MUTATIONS")  # a part of their names, to try some only
        for marker, name, old, new in MUTATIONS:
            if only and only not in name:
                continue
            work = Path(tmp) / "repo"
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(ROOT, work, ignore=shutil.ignore_patterns(".venv", ".git", ".hypothesis", "__pycache__", "data"))
            stale = mutate(work, marker, old, new)
            if stale:
                print(f"STALE   {name}: {stale}")
                missed += 1
                continue
            env = {**os.environ, "PYTHONPATH": str(work), "CI": "true"}
            # One process: under xdist, -x ends the run as "interrupted" (status 2), not as a failure.
            run = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-rf", "-n", "0", "-p", "no:cacheprovider", *tests],
                                 cwd=work, env=env, capture_output=True, text=True)
            failed = next((line for line in run.stdout.splitlines() if line.startswith("FAILED")), "")
            caught = run.returncode == 1 and failed
            missed += not caught
            print(f"{'caught' if caught else 'MISSED'}  {name}: {failed[:140] or run.stdout.splitlines()[-1:]}", flush=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or DEFAULT_TESTS))
