"""The engine's laws, checked on the default rule set with generated answers."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage import evaluate, load_rules
from triage.core.answers import NO_WORDS, UNSURE_WORDS, YES_WORDS
from triage.core.errors import AnswerError
from triage.read.loader import parse_rules

from .conftest import DEFAULT_RULES, MINIMAL

RULES = load_rules(DEFAULT_RULES)
YESNO_IDS = [q.id for q in RULES.questions if q.type == "yesno"]
NUMBERS = [q for q in RULES.questions if q.type == "number"]
FLAGGED = [q.id for q in RULES.questions if q.flag]
LEVEL = {d.id: i for i, d in enumerate(RULES.dispositions)}  # 0 = most urgent


def spellings(words):
    return st.sampled_from(words).flatmap(
        lambda w: st.sampled_from([w, w.upper(), w.title(), f"  {w} "])
    )


yes = spellings(YES_WORDS)
no = spellings(NO_WORDS)
unknown = st.one_of(spellings(list(UNSURE_WORDS)), st.just(""), st.none())


@st.composite
def answer_sets(draw, yesno=st.one_of(yes, no, unknown)):
    answers = {}
    for qid in YESNO_IDS:
        value = draw(yesno)
        if value is not None:  # None means the key is missing altogether
            answers[qid] = value
    for q in NUMBERS:
        if draw(st.booleans()):
            answers[q.id] = draw(st.floats(q.minimum, q.maximum, allow_nan=False).map(lambda x: round(x, 1)))
    return answers


def word(value):
    return None if value is None else value.strip().lower()


@given(answer_sets())
def test_exactly_one_disposition_and_consistent_lists(answers):
    result = evaluate(RULES, answers)
    assert result.disposition in RULES.dispositions
    fired = {r.id for r in result.fired}
    assert not fired & {r.id for r in result.unknown}
    if fired:
        # At least as urgent as the most urgent true rule; an unsure answer may raise it further.
        assert LEVEL[result.disposition.id] <= min(LEVEL[r.disposition] for r in result.fired)


@given(answer_sets(), st.data())
def test_turning_no_into_yes_never_lowers_urgency(answers, data):
    noes = [q for q, v in answers.items() if q in YESNO_IDS and word(v) in NO_WORDS]
    if not noes:
        return
    qid = data.draw(st.sampled_from(noes))
    before = evaluate(RULES, answers)
    after = evaluate(RULES, {**answers, qid: "yes"})
    assert LEVEL[after.disposition.id] <= LEVEL[before.disposition.id]


CES = ["urinary_retention", "urinary_incontinence", "bladder_sensation", "bowel_incontinence",
       "saddle_anesthesia", "sexual_dysfunction", "bilateral_leg_symptoms", "progressive_weakness"]


@given(answer_sets(), st.sampled_from(CES), spellings(list(UNSURE_WORDS)))
def test_an_unsure_cauda_equina_answer_is_always_urgent(answers, qid, word_):
    result = evaluate(RULES, {**answers, qid: word_})
    assert result.disposition.id == "urgent_care"
    assert result.action is not None


@given(answer_sets(), st.sampled_from(YESNO_IDS), st.sampled_from(["", None]))
def test_a_blank_never_yields_self_care_and_is_reported_as_not_recorded(answers, qid, blank):
    answers = dict(answers)
    if blank is None:
        answers.pop(qid, None)
    else:
        answers[qid] = blank
    result = evaluate(RULES, answers)
    assert result.disposition.id != "self_care"


@given(answer_sets(yesno=st.one_of(yes, no, st.just(""), st.none())))
def test_blanks_alone_raise_the_result_to_see_doctor_at_most(answers):
    """With no unsure answer, anything above see_doctor needs a definite yes."""
    result = evaluate(RULES, answers)
    if result.disposition.id == "urgent_care":
        assert any(r.disposition == "urgent_care" for r in result.fired)
    if result.raised_by_not_recorded:
        assert result.not_recorded and not result.fired or LEVEL[result.disposition.id] < min(
            (LEVEL[r.disposition] for r in result.fired), default=2)


@given(answer_sets())
def test_any_unknown_yes_no_answer_never_yields_self_care(answers):
    if any(word(answers.get(q)) in UNSURE_WORDS + ("", None) for q in YESNO_IDS):
        assert evaluate(RULES, answers).disposition.id != "self_care"


@given(answer_sets(yesno=st.one_of(yes, no)))
def test_self_care_only_when_every_rule_is_definitely_false(answers):
    result = evaluate(RULES, answers)
    all_false = all(o.value is False for o in result.trace)
    assert (result.disposition.id == "self_care") == all_false


@given(answer_sets())
def test_evaluation_is_deterministic_and_does_not_change_its_input(answers):
    copy = dict(answers)
    first, second = evaluate(RULES, answers), evaluate(RULES, copy)
    assert answers == copy
    assert (first.disposition, first.fired, first.unknown) == (second.disposition, second.fired, second.unknown)


@given(answer_sets())
def test_any_urgent_yes_is_urgent(answers):
    urgent_single = [r.id for r in RULES.rules if r.disposition == "urgent_care" and r.id in YESNO_IDS]
    for qid in urgent_single:
        if word(answers.get(qid)) in YES_WORDS:
            assert evaluate(RULES, answers).disposition.id == "urgent_care"


def test_trace_names_the_deciding_answers(all_no):
    result = evaluate(RULES, {**all_no, "fever": "no", "temperature_c": "38.4"})
    fever = next(o for o in result.trace if o.rule.id == "fever")
    assert fever.value is True and fever.deciders == ("temperature_c",)
    assert result.deciding.id == "fever" and result.action == RULES.rule("fever").action
    assert result.ruleset.sha256 == RULES.sha256


def test_invalid_answers_are_errors_not_guesses():
    with pytest.raises(AnswerError, match="'maybe' is not an answer"):
        evaluate(RULES, {"fever": "maybe"})
    with pytest.raises(AnswerError, match="out of range"):
        evaluate(RULES, {"age": 121})
    with pytest.raises(AnswerError, match="not a number"):
        evaluate(RULES, {"temperature_c": "hot"})
    with pytest.raises(AnswerError, match="did you mean 'fever'"):
        evaluate(RULES, {"fevr": "yes"})


def test_unknown_flag_question_keeps_a_rule_set_off_its_default():
    # A flagged question that no rule can make unknown on its own (it sits in an `all` with a
    # definite no) must still keep the result off the default when it is left unknown.
    text = MINIMAL.replace(
        "when: {question: pain, is: yes}",
        "when: {all: [{question: pain, is: yes}, {question: other, is: yes}]}",
    ).replace(
        "questions:\n", "questions:\n  - {id: other, type: yesno, text: Other, why: Because.}\n"
    ).replace("{id: pain, type: yesno,", "{id: pain, type: yesno, flag: true,")
    tiny = parse_rules(text, "tiny.yaml")
    assert evaluate(tiny, {"pain": "no", "other": "no"}).disposition.id == "home"
    result = evaluate(tiny, {"pain": "unsure", "other": "no"})
    assert result.disposition.id == "urgent" and result.unknown_flags == ("pain",)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_the_lists_a_result_gives_are_what_the_docs_promise(data):
    """docs/rules.md and README, read as a specification (issue 23 found two promises the code broke):
    - could not be ruled out: every unknown rule more urgent than the result; when no rule is true at the
      result's level, every unknown rule that set it; and every unknown rule at that level standing before
      the headline's rule;
    - unsure / not recorded: the questions with that answer that an unknown rule reads, and every red-flag
      question with that answer."""
    from triage.core.logic import NOT_RECORDED, UNSURE

    from .rulesets import rule_sets, rows_for

    _, rules = data.draw(rule_sets())
    row = data.draw(rows_for(rules, valid_only=True, max_size=1))[0]
    result = evaluate(rules, {q.id: cell for q, cell in zip(rules.questions, row)})
    level = {d.id: i for i, d in enumerate(rules.dispositions)}
    top = level[result.disposition.id]
    outcomes = [o.value for o in result.trace]
    unknown = [i for i, v in enumerate(outcomes) if v is not True and v is not False]
    true_at_top = any(v is True and level[r.disposition] == top for r, v in zip(rules.rules, outcomes))
    headline = rules.rules.index(result.action_rule) if result.action_rule is not None else -1

    def set_it(i):
        r = rules.rules[i]
        asked = level[r.if_unsure] if r.if_unsure else len(rules.dispositions) - 2
        return (asked if outcomes[i] is UNSURE else len(rules.dispositions) - 2) == top

    expected = [rules.rules[i].id for i in unknown
                if level[rules.rules[i].disposition] < top
                or (not true_at_top and set_it(i))
                or (level[rules.rules[i].disposition] == top and i < headline)]
    assert [r.id for r in result.unknown] == expected
    read = {q for i in unknown for q in rules.rules[i].when.questions()} | {q.id for q in rules.questions if q.flag}
    for kind, listed in ((UNSURE, result.unsure), (NOT_RECORDED, result.not_recorded)):
        assert list(listed) == [q.id for q in rules.questions if q.id in read and result.answers.get(q.id) is kind]
