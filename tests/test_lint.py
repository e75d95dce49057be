"""Lint's "can never decide the result" check: right on every generated rule set, and bounded in work.

A playground request carries a whole rule text, so lint's work must grow with the file's length, not
with its square: one POST of 20,000 rules used to tie the server up for over a minute.
"""

from __future__ import annotations

import sys

from hypothesis import given, settings

from triage.authoring.lint import lint
from triage.core.domains import combinations, domains, exists
from triage.read.loader import parse_rules

from .conftest import MINIMAL
from .rulesets import rule_sets

NEVER = "can never decide the result"


def _oracle(rules):
    """The rules that no answers at all let decide: checked over every question at once, with no linking."""
    known = domains(rules)
    qids = [q.id for q in rules.questions]
    if combinations(known[q] for q in qids) > 60_000:
        return None
    levels = rules.rule_levels
    found, never_true = set(), set()
    for k, rule in enumerate(rules.rules):
        if not exists(rules, qids, lambda v, rule=rule: rule.when.evaluate(v)[0] is True, limit=10**9, known=known):
            never_true.add(rule.id)  # lint says so in other words; whether it is also "shadowed" is moot
            continue
        urgent = [r for i, r in enumerate(rules.rules) if levels[i] < levels[k]]
        if not exists(rules, qids, lambda v, rule=rule, urgent=urgent: rule.when.evaluate(v)[0] is True
                      and not any(r.when.evaluate(v)[0] is True for r in urgent), limit=10**9, known=known):
            found.add(rule.id)
    return found, never_true


@settings(max_examples=150, deadline=None)
@given(rule_sets())
def test_lint_names_exactly_the_rules_that_can_never_decide(generated):
    _check_against_the_oracle(generated[1])


def test_a_group_of_more_urgent_rules_true_together_for_every_answer_is_found():
    """'q is given' and 'q is not given' share no question with the rule they beat (found by the oracle)."""
    text = MINIMAL + """\
  - id: temp_given
    disposition: urgent
    when: {question: temp, given: yes}
    rationale: Given.
  - id: temp_not_given
    disposition: urgent
    when: {not: {question: temp, given: yes}}
    rationale: Not given.
"""
    text = text.replace("  - {id: home,", "  - {id: soon, label: Soon, colour: amber, summary: Soon.}\n  - {id: home,")
    text += "  - id: soon\n    disposition: soon\n    when: {question: pain, is: no}\n    rationale: Soon.\n"
    rules = parse_rules(text, "groups.yaml")
    _check_against_the_oracle(rules)
    assert any("rule 'soon' can never decide" in p.message and "'temp_given' or 'temp_not_given'" in p.message
               for p in lint(rules))


def _check_against_the_oracle(rules):
    oracle = _oracle(rules)
    if oracle is None:
        return
    expected, never_true = oracle
    warned = {r.id for r in rules.rules
              for p in lint(rules) if NEVER in p.message and p.message.startswith(f"rule '{r.id}' ")}
    assert warned - never_true == expected


def _many_rules(n):
    """n rules on one number question, each with a threshold of its own, alternating two levels."""
    text = MINIMAL.replace("dispositions:\n", "dispositions:\n  - {id: first, label: First, colour: red, summary: Now.}\n")
    lines = [text]
    for i in range(n):
        level = "first" if i % 2 else "urgent"
        lines.append(f"  - id: r{i}\n    disposition: {level}\n    when: {{question: temp, at_least: {30 + i / 100}}}\n"
                     f"    rationale: Rule {i}.\n")
    return parse_rules("".join(lines), "many.yaml")


def _calls(rules):
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        count += event == "call"

    sys.setprofile(profile)
    try:
        lint(rules)
    finally:
        sys.setprofile(None)
    return count


def test_lint_work_grows_with_the_number_of_rules_not_its_square():
    small, large = _calls(_many_rules(150)), _calls(_many_rules(600))
    # Four times the rules: linear work is about four times the calls; quadratic would be sixteen.
    assert large < 6 * small, (small, large)


def test_check_warns_about_a_question_that_carries_the_terminals_own_hint():
    """Issue 23: '(Enter to skip.)' in question text showed twice in the terminal and leaked into exports."""
    text = MINIMAL.replace('text: "Temperature?"', 'text: "Temperature? (Press Enter to skip.)"')
    found = [p.message for p in lint(parse_rules(text, "hint.yaml"))]
    assert any("question 'temp' says '(Press Enter to skip.)'" in m for m in found), found
    assert not any(" says " in p.message for p in lint(parse_rules(MINIMAL, "plain.yaml")))


def test_a_misspelt_service_name_is_named_before_a_person_reads_its_braces(tmp_path):
    from triage import load_rules
    from triage.authoring.lint import lint

    from .conftest import MINIMAL

    path = tmp_path / "r.yaml"
    path.write_text(MINIMAL.replace('text: "Any pain?"', 'text: "Any pain? Call {emergency_numbr} if so."'))
    messages = [p.message for p in lint(load_rules(path))]
    assert any("'{emergency_numbr}', which is not a service name" in m for m in messages), messages
    path.write_text(MINIMAL.replace('text: "Any pain?"', 'text: "Any pain? Call {emergency_number} if so."'))
    assert not any("service name" in p.message for p in lint(load_rules(path)))
    assert "Call 999 if so." in load_rules(path).questions[0].text
