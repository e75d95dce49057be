"""Statements in the docs that can be checked mechanically: the answer spellings."""

import ast
import re

from triage.core.answers import NO_WORDS, UNSURE_WORDS, YES_WORDS

from .conftest import ROOT, optional


def listed(text, label):
    line = next(line for line in text.splitlines() if line.startswith(f"- {label}:"))
    return tuple(re.findall(r"`([^`]+)`", line.split("(")[0]))


def test_the_data_dictionary_lists_exactly_the_spellings_the_code_reads():
    text = (ROOT / "rules" / "README.md").read_text(encoding="utf-8")
    assert listed(text, "yes") == YES_WORDS
    assert listed(text, "no") == NO_WORDS
    assert listed(text, "unsure") == UNSURE_WORDS


def test_the_readme_python_example_gives_what_its_comments_say():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("From Python:", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    checked = 0
    for line in block.splitlines():
        code, _, comment = line.partition("#")
        value = comment.split("  (")[0].strip()
        try:
            expected = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            exec(code, namespace)
            continue
        assert eval(code, namespace) == expected, line  # our own documentation, not rule text
        checked += 1
    assert checked >= 5


def dictionary_table(rules):
    """The data dictionary's question table, as rules/README.md holds it."""
    from triage.core.answers import range_text
    from triage.core.describe import describe

    rows = ["| question id | type | range | note |", "| --- | --- | --- | --- |"]
    for q in rules.questions:
        kind = ("number" if q.type == "number" else "yes/no") + (", optional" if q.optional else "")
        span = range_text(q).replace("from ", "").replace(" to ", "–") if q.type == "number" else ""
        notes = [f"asked when {describe(q.ask_when, rules)}"] if q.ask_when else []
        if q.optional and q.type == "yesno":
            notes.append("a blank or missing column is not given (read as no); added in 3.0.0")
        rows.append(f"| `{q.id}` | {kind} | {span} | {'; '.join(notes)} |")
    return "\n".join(rows) + "\n"


def test_the_data_dictionary_table_is_the_default_rule_set():
    from triage import load_rules

    text = (ROOT / "rules" / "README.md").read_text(encoding="utf-8")
    assert dictionary_table(load_rules()) in text, "regenerate the table with tests.test_docs.dictionary_table"


def test_every_install_hint_names_our_own_distribution():
    """`triage` on the package index is another project: a hint naming it installs that one."""
    tomllib = optional("tomllib", "it is in the standard library from Python 3.11")
    assert tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"] == "redflag-triage"
    wrong = re.compile(r"pip install (-U )?['\"]?triage\b(?!-)")
    places = [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "triage").rglob("*.py"), *(ROOT / "triage").rglob("*.html")]
    found = [f"{p.relative_to(ROOT)}:{n}" for p in places for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if wrong.search(line)]
    assert found == []
    assert "pip install 'redflag-triage[web]'" in (ROOT / "triage" / "teach" / "playground.py").read_text(encoding="utf-8")


def test_example_questions_leave_the_skip_hint_to_the_prompt():
    """The prompt says ', Enter to skip' for an optional question itself: a text that says it too shows it
    twice in the terminal and leaks into every form label (issue 23)."""
    from triage import load_rules

    for path in sorted((ROOT / "rules" / "examples").glob("*.yaml")):
        if path.name.endswith(".cases.yaml"):
            continue
        assert [q.id for q in load_rules(path).questions if "to skip" in q.text] == [], path.name
    assert "to skip.)" not in (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
