"""Statements in the docs that can be checked mechanically: the answer spellings."""

import ast
import re

from triage.answers import NO_WORDS, UNSURE_WORDS, YES_WORDS

from .conftest import ROOT


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
