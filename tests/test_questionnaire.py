"""What the questionnaire asks, and that stopping early never changes the result."""

from hypothesis import given

from triage import load_rules
from triage.questionnaire.session import Session, run_through

from .conftest import DEFAULT_RULES
from .test_engine import answer_sets

RULES = load_rules(DEFAULT_RULES)
URGENT_QUESTIONS = {q for r in RULES.rules if r.disposition == "urgent_care" for q in r.when.questions()}


@given(answer_sets())
def test_early_stop_gives_the_same_disposition_as_answering_everything(answers):
    early = run_through(RULES, answers)
    full = run_through(RULES, answers, ask_all=True)
    assert early.result().disposition == full.result().disposition
    assert set(early.history) <= set(full.history)


def test_stops_once_nothing_can_change_the_result_or_its_headline(all_no):
    # Collapse is the first urgent rule and has an action: after a definite yes nothing can change it.
    session = run_through(RULES, {**all_no, "age": 40, "sudden_onset": "yes", "faint": "yes"})
    assert session.history == ["age", "sudden_onset", "faint"]
    assert session.result().action == RULES.rule("collapse").action


def test_an_unsure_answer_keeps_asking_what_could_change_the_headline(all_no):
    # Unsure about peeing: urgent already, but a definite yes to a later cauda equina question would
    # change the headline from "contact a doctor today" to "go to A&E now", so those are still asked.
    session = run_through(RULES, {**all_no, "age": 40, "urinary_retention": "unsure"})
    assert {"bowel_incontinence", "saddle_anesthesia", "progressive_weakness"} <= set(session.history)
    # Version 3: a fall has urgent actions of its own, so it is asked too; once there was none, thin
    # bones and the length of the pain can only give a see-a-doctor result, so they are not.
    assert "recent_fall" in session.history
    assert not {"osteoporosis", "duration_weeks", "pain_improving"} & set(session.history)
    result = session.result()
    assert result.disposition.id == "urgent_care" and result.action == RULES.rule("bladder_dysfunction").action_if_unsure


def test_all_mode_asks_everything_it_may(all_no):
    session = run_through(RULES, {**all_no, "age": 40, "duration_weeks": 2, "saddle_anesthesia": "yes"}, ask_all=True)
    # Skipped only because of their ask_when: fever no, cancer_history no, under 6 weeks, no fall, not under 18.
    skipped = {"temperature_c", "cancer_active", "pain_improving", "cannot_bear_weight", "limp"}
    assert session.history == [q.id for q in RULES.questions if q.id not in skipped]


def test_follow_up_questions_are_asked_only_when_their_condition_allows(all_no):
    no_fever = run_through(RULES, {**all_no, "age": 40}).history
    assert "temperature_c" not in no_fever and "cancer_active" not in no_fever
    unsure = run_through(RULES, {**all_no, "age": 40, "fever": "unsure", "cancer_history": "unsure"}, ask_all=True).history
    assert "temperature_c" in unsure and "cancer_active" in unsure
    long = run_through(RULES, {**all_no, "age": 40, "duration_weeks": 6}).history
    assert "pain_improving" in long


def test_back_forgets_the_last_answer_and_asks_it_again():
    session = Session(RULES)
    first = session.next_question()
    session.answer(first, "40")
    second = session.next_question()
    assert session.back() == first
    assert session.next_question() == first and first.id not in session.answers
    session.answer(first, "40")
    assert session.next_question() == second
    assert Session(RULES).back() is None


def test_progress_counts_down_what_is_left():
    session = Session(RULES)
    assert session.progress == (1, len(RULES.questions))
    session.answer(session.next_question(), "40")
    for qid in ("sudden_onset", "faint", "urinary_retention"):
        question = session.next_question()
        assert question.id == qid
        session.answer(question, "no")
    # Nothing settled yet: any question may matter, but at 40 the question on a limp does not apply.
    assert session.progress == (5, len(RULES.questions) - 1)
    session.answer(session.next_question(), "no")  # urinary_incontinence
    session.answer(session.next_question(), "yes")  # bladder_sensation: urgent, A&E now, nothing can change it
    assert session.next_question() is None and session.progress == (7, 6)
    assert session.result().disposition.id == "urgent_care"


def test_an_unsure_fever_asks_for_a_measured_temperature(all_no):
    session = Session(RULES)
    session.answer(RULES.question("age"), "40")
    for qid in RULES.question_ids[1:11]:
        session.answer(RULES.question(qid), "no")
    session.answer(RULES.question("fever"), "unsure")
    assert session.next_question().id == "temperature_c"
