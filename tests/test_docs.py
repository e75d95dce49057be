"""Statements in the docs that can be checked mechanically: the answer spellings."""

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
