"""Rule-file loading: every kind of mistake is reported with file:line:column and a way out."""

import re

import pytest

from triage.core.errors import RuleFileError
from triage.read.loader import parse_rules

from .conftest import MINIMAL


def problems(text):
    with pytest.raises(RuleFileError) as info:
        parse_rules(text, "r.yaml")
    return [str(p) for p in info.value.problems]


def only(text):
    found = problems(text)
    assert len(found) == 1, found
    return found[0]


def test_minimal_rule_file_loads():
    rs = parse_rules(MINIMAL, "r.yaml")
    assert rs.id == "tiny" and [q.id for q in rs.questions] == ["pain", "temp"]
    assert rs.default.id == "home" and rs.cautious.id == "urgent"
    assert rs.question("temp").minimum == 30.0


def test_bare_yes_stays_a_word_and_true_is_accepted_on_purpose():
    rs = parse_rules(MINIMAL.replace("is: yes", "is: true"), "r.yaml")
    assert rs.rules[0].when.value is True
    rs = parse_rules(MINIMAL.replace("{id: pain, type: yesno,", "{id: pain, type: yesno, flag: yes,"), "r.yaml")
    assert rs.question("pain").flag is True


def test_yaml_11_surprises_are_not_applied():
    # `010` would be 8 and `1:30` would be 90 in YAML 1.1; here they are words, so not numbers.
    msg = only(MINIMAL.replace("min: 30", "min: 010"))
    assert msg.startswith("r.yaml:10:") and "'min' must be a plain number" in msg
    msg = only(MINIMAL.replace("max: 45", "max: 1:30"))
    assert "'max' must be a plain number" in msg


def test_duplicate_key_is_an_error_at_the_second_key():
    text = MINIMAL.replace('version: "1"\n', 'version: "1"\nversion: "2"\n')
    assert only(text) == "r.yaml:4:1: duplicate key 'version' in the rule file (first given on line 3); keep one"


def test_duplicate_key_inside_a_condition():
    text = MINIMAL.replace("when: {question: pain, is: yes}", "when: {question: pain, is: yes, is: no}")
    assert "duplicate key 'is'" in only(text)


def test_unknown_key_suggests_the_close_one():
    msg = only(MINIMAL.replace("rationale: Pain is bad.", "rationle: Pain is bad."))
    assert re.match(r"r\.yaml:\d+:\d+: unknown key 'rationle' in a rule \(did you mean 'rationale'\?\)", msg)


def test_missing_required_key():
    problems_found = problems(MINIMAL.replace("    rationale: Pain is bad.\n", ""))
    assert any("a rule is missing 'rationale:'" in p for p in problems_found)


def test_unknown_question_in_condition():
    msg = only(MINIMAL.replace("when: {question: pain, is: yes}", "when: {question: pian, is: yes}"))
    assert msg == "r.yaml:14:22: no question 'pian' (did you mean 'pain'?)"


def test_duplicate_ids():
    text = MINIMAL.replace("  - {id: temp, type: number,", "  - {id: pain, type: number,")
    msg = only(text)
    assert msg.startswith("r.yaml:10:") and "duplicate question id 'pain' (first on line 9)" in msg


def test_wrong_types_and_values():
    assert "type 'boolean' is not known" in only(MINIMAL.replace("type: yesno", "type: boolean"))
    assert "after 'is:' write yes or no" in only(MINIMAL.replace("is: yes", "is: maybe"))
    assert "'pain' is a yes/no question" in only(MINIMAL.replace("is: yes", "at_least: 3"))
    msg = only(MINIMAL.replace("when: {question: pain, is: yes}", "when: {question: temp, is: yes}"))
    assert "'temp' is a number question" in msg
    assert "colour 'purple' is not one of" in only(MINIMAL.replace("colour: red", "colour: purple"))
    assert "'dispositions' must be a list" in only(MINIMAL.replace(
        "dispositions:\n  - {id: urgent, label: Urgent, colour: red, summary: Go now.}\n"
        "  - {id: home, label: Home, colour: green, summary: Stay home.}", "dispositions: urgent"))


def test_unknown_disposition_and_default_level_rule():
    assert "no disposition 'urgnt' (did you mean 'urgent'?)" in only(MINIMAL.replace("disposition: urgent", "disposition: urgnt"))
    assert "the default (last) disposition" in only(MINIMAL.replace("disposition: urgent", "disposition: home"))


def test_bad_condition_shape_explains_the_forms():
    msg = only(MINIMAL.replace("when: {question: pain, is: yes}", "when: {pain: yes}"))
    assert "a condition is '{question: ID, is: yes}'" in msg


def test_bad_id_and_syntax_error():
    assert "question id 'Temp C' is not allowed" in only(MINIMAL.replace("{id: temp, type", "{id: Temp C, type"))
    msg = only(MINIMAL + "  - [unclosed\n")
    assert msg.startswith("r.yaml:") and "not valid YAML" in msg


def test_every_problem_is_reported_not_just_the_first():
    text = MINIMAL.replace("colour: red", "colour: purple").replace("rationale:", "rationale_:")
    assert len(problems(text)) >= 2


def test_default_rule_set_loads_with_hash(rules):
    assert rules.id == "l2_l3_radiculopathy"
    assert [d.id for d in rules.dispositions] == ["urgent_care", "see_doctor", "self_care"]
    assert re.fullmatch(r"[0-9a-f]{64}", rules.sha256)


def test_no_drug_doses_in_shipped_advice():
    from pathlib import Path

    for path in (Path(__file__).parent.parent / "rules").rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\d\s*(mg|milligram|ml|tablets? (a|per) day)\b", text, re.I), path


def test_a_broken_question_does_not_shift_later_ask_when_conditions():
    text = MINIMAL.replace(
        "  - {id: temp, type: number,",
        "  - {id: broken, type: nonsense, text: x, why: y}\n"
        "  - {id: later, type: yesno, text: x, why: y, ask_when: {question: pain, is: yes}}\n"
        "  - {id: temp, type: number,",
    )
    assert only(text).startswith("r.yaml:10:24: type 'nonsense' is not known")
    fixed = parse_rules(text.replace("type: nonsense", "type: yesno"), "r.yaml")
    assert fixed.question("later").ask_when is not None and fixed.question("temp").ask_when is None


def test_two_comparisons_in_one_condition_say_to_use_all():
    text = MINIMAL.replace("when: {question: pain, is: yes}", "when: {question: temp, at_least: 37, below: 39}")
    assert any("one comparison per condition; to combine at_least and below, write 'all:'" in p for p in problems(text))


def test_given_tests_only_optional_numbers():
    text = MINIMAL.replace("when: {question: pain, is: yes}", "when: {question: pain, given: no}")
    assert any("'given' tests an optional number question; 'pain' is not one" in p for p in problems(text))
    ok = parse_rules(MINIMAL.replace("when: {question: pain, is: yes}", "when: {question: temp, given: no}"))
    assert ok.rules[0].when.op == "given"


@pytest.mark.parametrize("level,ok", [("urgent", True), ("home", False), ("nowhere", False)])
def test_if_unsure_runs_from_the_rules_level_to_the_cautious_one(level, ok):
    text = MINIMAL.replace("    rationale: Pain is bad.", f"    rationale: Pain is bad.\n    if_unsure: {level}")
    if ok:
        assert parse_rules(text).rules[0].if_unsure == level
    else:
        assert problems(text)
