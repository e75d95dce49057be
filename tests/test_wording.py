"""The default rule set speaks plainly: every question at a reading grade of 6 or below.

Flesch–Kincaid grade, measured with textstat (pinned below 0.7.4: later versions fetch a
pronouncing dictionary from the network at run time, and tests never use the network).
"""

import statistics

import pytest

from triage import load_rules

from .conftest import DEFAULT_RULES, optional

textstat = optional("textstat", "it grades the wording")
RULES = load_rules(DEFAULT_RULES)
MAX_GRADE = 6


def grades():
    return {q.id: textstat.flesch_kincaid_grade(q.text) for q in RULES.questions}


@pytest.mark.parametrize("qid", [q.id for q in RULES.questions])
def test_each_question_reads_at_grade_6_or_below(qid):
    grade = grades()[qid]
    assert grade <= MAX_GRADE, f"{qid}: grade {grade}: {RULES.question(qid).text}"


def test_the_median_question_is_easy():
    assert statistics.median(grades().values()) <= 5


def test_no_advice_gives_a_drug_dose():
    import re

    texts = [a for d in RULES.dispositions for a in (*d.advice, *(line.text for line in d.safety_net))]
    texts += [t for r in RULES.rules for t in (r.action, r.action_if_unsure, r.rationale) if t]
    texts += [t for q in RULES.questions for t in (q.text, q.why)]
    for text in texts:
        assert not re.search(r"\b\d+\s*(mg|milligram|g|ml|tablets? a day|times a day)\b", text, re.I), text
