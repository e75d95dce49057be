"""What the questionnaire asks, and that stopping early never changes the result."""

from hypothesis import given

from triage import load_rules
from triage.engine import evaluate_values
from triage.questionnaire import Session, run_through

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


@given(answer_sets())
def test_urgent_questions_come_first(answers):
    asked = run_through(RULES, answers).history
    kinds = [q in URGENT_QUESTIONS for q in asked]
    assert kinds == sorted(kinds, reverse=True)


def test_stops_as_soon_as_an_urgent_rule_is_true(all_no):
    session = run_through(RULES, {**all_no, "saddle_anesthesia": "yes"})
    assert session.history == ["bladder_dysfunction", "bowel_incontinence", "saddle_anesthesia"]
    assert session.result().disposition.id == "urgent_care"


def test_all_mode_asks_everything_it_may(all_no):
    session = run_through(RULES, {**all_no, "saddle_anesthesia": "yes"}, ask_all=True)
    # temperature_c is skipped only because fever was answered no.
    assert session.history == [q.id for q in RULES.questions if q.id != "temperature_c"]


def test_temperature_is_asked_unless_fever_is_no(all_no):
    assert "temperature_c" not in run_through(RULES, all_no).history
    assert "temperature_c" in run_through(RULES, {**all_no, "fever": "unsure"}).history


def test_once_see_doctor_is_settled_only_urgent_questions_remain(all_no):
    session = run_through(RULES, {**all_no, "cancer_history": "yes"})
    # weakness and numbness still matter (cancer with a deficit is urgent); night pain no longer does.
    assert session.history[-2:] == ["weakness", "numbness"]
    assert "night_pain" not in session.history
    assert session.result().disposition.id == "see_doctor"


def test_back_forgets_the_last_answer_and_asks_it_again():
    session = Session(RULES)
    first = session.next_question()
    session.answer(first, "no")
    second = session.next_question()
    assert session.back() == first
    assert session.next_question() == first and first.id not in session.answers
    session.answer(first, "no")
    assert session.next_question() == second
    assert Session(RULES).back() is None


def test_progress_counts_down_what_is_left():
    session = Session(RULES)
    assert session.progress == (1, len(RULES.questions))
    for qid in ("bladder_dysfunction", "bowel_incontinence", "saddle_anesthesia", "sexual_dysfunction",
                "bilateral_leg_symptoms", "progressive_weakness", "major_trauma"):
        question = session.next_question()
        assert question.id == qid
        session.answer(question, "no")
    assert session.next_question().id == "fever"
    session.answer(session.next_question(), "no")  # no fever: the temperature question drops out
    assert session.progress == (9, len(RULES.questions) - 1)
    session.back()
    session.answer(session.next_question(), "yes")
    assert session.next_question() is None
    assert evaluate_values(RULES, session.answers).disposition.id == "urgent_care"


def test_after_an_unsure_red_flag_only_more_urgent_questions_are_asked(all_no):
    session = run_through(RULES, {**all_no, "bladder_dysfunction": "unsure"})
    see_doctor_only = {"severe_pain_unrelieved", "weight_loss", "night_pain", "immunosuppressed",
                       "iv_drug_use", "recent_spinal_procedure", "osteoporosis", "duration_weeks", "age"}
    assert not see_doctor_only & set(session.history)
    assert "cancer_history" in session.history  # still part of an urgent rule (cancer with a deficit)
    assert "numbness" not in session.history  # no cancer: that urgent rule is already false
    result = session.result()
    assert result.disposition.id == "see_doctor" and [r.id for r in result.unknown] == ["bladder_dysfunction"]


def test_an_unsure_answer_that_later_answers_can_settle_does_not_stop_questions(all_no):
    # Unsure about fever, but a measured temperature could still settle the fever rule.
    session = Session(RULES)
    for qid in RULES.question_ids[:7]:
        session.answer(RULES.question(qid), "no")
    session.answer(RULES.question("fever"), "unsure")
    assert session.next_question().id == "temperature_c"
