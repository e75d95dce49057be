"""`triage run` and `triage --version` through typer's CliRunner, as a user calls them."""

import json

import pytest
from typer.testing import CliRunner

from triage import __version__, load_rules
from triage.cli import app

from .conftest import ROOT

runner = CliRunner()


def flat(text):
    """The panel's words on one line, without its border."""
    return " ".join(text.replace("│", " ").split())


def invoke(*args, input=None):
    return runner.invoke(app, list(args), input=input, env={"NO_COLOR": "1", "COLUMNS": "100"})


@pytest.fixture
def answers_file(tmp_path, all_no):
    def write(extra=None, name="answers.yaml"):
        path = tmp_path / name
        data = {**all_no, **(extra or {})}
        path.write_text("".join(f"{k}: {v}\n" for k, v in data.items()), encoding="utf-8")
        return path

    return write


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0 and result.output.strip() == f"triage {__version__}"


def test_answers_file_json_result_carries_everything(answers_file):
    result = invoke("run", "--answers", str(answers_file({"night_pain": "yes", "fever": "unsure"})), "--format", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["disposition"] == "see_doctor" and out["label"] == "See a doctor"
    assert [r["rule"] for r in out["reasons"]] == ["night_pain"]
    # Fever, and the rules that read night pain with an infection risk or diabetes, could not be ruled out.
    assert "fever" in [u["rule"] for u in out["unknown"]]
    assert out["unknown"][0]["if_present"] == "Seek urgent care"
    assert out["unsure"] == ["fever"] and out["not_recorded"] == [] and out["raised_by_not_recorded"] is False
    # No true rule here has an action of its own, so the unsure fever's action is the headline.
    assert out["action_from"] == {"rule": "fever", "if_unsure": True}
    assert "not a diagnosis" in out["disclaimer"]
    assert out["rules"]["id"] == "l2_l3_radiculopathy" and len(out["rules"]["sha256"]) == 64
    assert out["advice"] and out["safety_net"]


def test_json_answers_file_is_read_too(tmp_path):
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"urinary_retention": "Yes", "age": 40}))
    out = json.loads(invoke("run", "-a", str(path), "-f", "json").output)
    assert out["disposition"] == "urgent_care"
    assert out["action"] == "Go to A&E now. An urgent care centre cannot do the scan you need."
    assert out["action_from"] == {"rule": "bladder_dysfunction", "if_unsure": False}


def test_text_result_has_label_reasons_advice_and_disclaimer(answers_file):
    result = invoke("run", "--answers", str(answers_file({"urinary_retention": "yes"})))
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "SEEK URGENT CARE" in text
    assert "What to do now: Go to A&E now." in text
    assert "cauda equina syndrome" in text
    assert "What would change this advice" not in text  # a definite yes at the most urgent level
    assert "It is not a diagnosis" in text


def test_bad_answers_file_names_file_line_column(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("fever: maybe\nage: 200\nfevr: yes\n")
    result = invoke("run", "--answers", str(path))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines[0] == f"triage: {path}:1:8: fever: 'maybe' is not an answer; use yes, no or unsure"
    assert lines[1] == f"triage: {path}:2:6: age: 200 is out of range; the answer must be from 0 to 120 years"
    assert lines[2] == f"triage: {path}:3:1: no question 'fevr' in rule set 'l2_l3_radiculopathy' (did you mean 'fever'?)"
    assert "Traceback" not in result.output


def test_duplicate_answer_is_an_error(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("fever: no\nfever: yes\n")
    result = invoke("run", "--answers", str(path))
    assert result.exit_code == 2 and "duplicate key 'fever'" in result.output


def test_broken_rule_file_gives_one_line_per_problem(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("id: x\ntitle: X\nversion: 1\ndisclaimer: d\ndispositions: []\nquestions: []\nrules: []\ncolour: red\n")
    result = invoke("run", "--rules", str(path), "--answers", str(path))
    assert result.exit_code == 2
    assert f"triage: {path}:8:1: unknown key 'colour' in the rule file" in result.output
    assert "give at least two dispositions" in result.output


def test_missing_files_are_one_line_errors(tmp_path):
    result = invoke("run", "--answers", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2 and result.output.strip() == f"triage: {tmp_path / 'nope.yaml'}: no such file"


def test_interactive_through_piped_input_with_invalid_answer_why_and_back(tmp_path):
    save = tmp_path / "saved.yaml"
    # age 40, sudden no; faint: an invalid answer, then ?, then no; urinary_retention: back (to faint),
    # no, then urinary_retention yes.
    result = invoke("run", "--save", str(save), input="40\nno\nmaybe\n?\nno\nback\nno\nyes\n")
    assert result.exit_code == 0, result.output
    assert "Sorry, 'maybe' is not an answer" in result.output
    assert "Why we ask:" in result.output
    assert "Going back to: Since the pain began, have you felt faint, dizzy or clammy, or passed out? (you answered: no)" in flat(
        result.output)
    # Piped, the output is plain: each question's choices and controls spelled out on one line.
    assert "Answer yes / no / unsure. Type ? for why we ask, back to go back, quit to stop." in result.output
    assert "SEEK URGENT CARE" in result.output
    saved = save.read_text().splitlines()[1:]
    asked = [line for line in saved if not line.endswith(": not asked")]
    assert asked == ["age: 40", "sudden_onset: no", "faint: no", "urinary_retention: yes"]
    # Every other question is written as not asked, so that a replay shows nothing as "not recorded".
    assert len(saved) == len(load_rules().questions)
    # The saved answers replay to the same result.
    replay = json.loads(invoke("run", "--answers", str(save), "-f", "json").output)
    assert replay["disposition"] == "urgent_care" and [r["rule"] for r in replay["reasons"]] == ["bladder_dysfunction"]


def test_end_of_input_stops_cleanly():
    result = invoke("run", input="no\n")
    assert result.exit_code == 1
    assert "input ended before the questionnaire was finished" in result.output
    assert "Traceback" not in result.output


def test_quit_stops_without_result():
    result = invoke("run", input="quit\n")
    assert result.exit_code == 130 and "no result was given" in result.output


def test_all_asks_every_question_even_after_urgent(tmp_path):
    # age 40, sudden onset no, faint no, urinary_retention yes, then no to everything else and skip the
    # temperature and duration (their follow-up questions are then not asked; nor, at 40 after no fall,
    # are the questions on bearing weight and on a limp).
    answers = "40\nno\nno\nyes\n" + "no\n" * 26 + "\n"
    result = invoke("run", "--all", input=answers)
    assert result.exit_code == 0, result.output
    assert "How many weeks" in result.output and "SEEK URGENT CARE" in result.output


def test_what_if_shows_before_and_after(answers_file):
    result = invoke("run", "--answers", str(answers_file()), "--set", "fever=yes", "--set", "age=70", "-f", "json")
    out = json.loads(result.output)
    assert out["before"]["disposition"] == "self_care" and out["disposition"] == "urgent_care"
    assert out["before"]["changed_rules"] == [{"rule": "fever", "before": "false", "after": "true"}]
    bad = invoke("run", "--answers", str(answers_file()), "--set", "fever")
    assert bad.exit_code == 2 and "question=answer" in bad.output


def test_trace_lists_every_rule(answers_file):
    out = json.loads(invoke("run", "--answers", str(answers_file({"numbness": "yes"})), "--trace", "-f", "json").output)
    assert [t["rule"] for t in out["trace"]][:2] == ["collapse", "bladder_dysfunction"]
    numb = next(t for t in out["trace"] if t["rule"] == "numbness")
    assert numb == {"rule": "numbness", "disposition": "see_doctor", "outcome": "true", "decided_by": {"numbness": "yes"}}
    text = invoke("run", "--answers", str(answers_file({"numbness": "yes"})), "--trace").output
    assert "How the result was reached" in text and "-> numbness" in text


def test_interactive_json_keeps_questions_off_stdout():
    result = invoke("run", "--format", "json", input="40\nyes\nyes\n")  # sudden pain, feeling faint
    assert result.exit_code == 0
    assert json.loads(result.stdout)["action"] == "Call 999 now."  # the uk region, as shipped
    assert "Question 1" in result.stderr


def test_version_imports_nothing_heavy():
    # Start-up speed is a design choice: the CLI module must not import rich, yaml, the engine or polars.
    import subprocess
    import sys

    heavy = ("rich", "yaml", "triage.evaluation.engine", "triage.read.loader", "triage.batch.blocks", "csv", "polars")
    code = f"import sys; from triage.cli import app; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_version_1_answer_key_names_its_replacements(tmp_path):
    path = tmp_path / "old.yaml"
    path.write_text("bladder_dysfunction: yes\n")
    result = invoke("run", "--answers", str(path))
    assert result.exit_code == 2
    assert "it is now 3 questions: urinary_retention, urinary_incontinence, bladder_sensation" in result.output


def test_panel_for_an_unsure_cauda_equina_answer(answers_file):
    text = flat(invoke("run", "--answers", str(answers_file({"saddle_anesthesia": "unsure"}))).output)
    assert "SEEK URGENT CARE" in text
    assert "What to do now: Contact a doctor today." in text
    assert "You were not sure whether: - Since the pain began, does the skin between your legs" in text
    assert "If this turns out to be so: Go to A&E now." in text
    # Reached through an unsure answer, so the safety-netting shows; the headline is not repeated.
    assert "What would change this advice: - Go to A&E at once" in text
    assert text.count("Contact a doctor today") == 1


def test_self_care_panel_lists_the_safety_net_and_not_recorded_answers(answers_file, tmp_path):
    text = flat(invoke("run", "--answers", str(answers_file())).output)
    assert "SELF-CARE" in text and "hot-water bottle" in text and "a few weeks" in text
    assert "What would change this advice: - Go to A&E at once if" in text
    path = tmp_path / "partial.yaml"
    path.write_text("fever: no\n")
    partial = flat(invoke("run", "--answers", str(path)).output)
    assert "SEE A DOCTOR" in partial and "Not recorded: no answer for" in partial and "fever," not in partial


def test_rule_file_text_that_looks_like_markup_is_shown_literally(tmp_path):
    from .conftest import MINIMAL

    rules = tmp_path / "r.yaml"
    rules.write_text(MINIMAL.replace('text: "Any pain?", why: Because.', 'text: "[optional] Any pain?", why: "Because [/]"'))
    result = invoke("run", "--rules", str(rules), input="?\nyes\n")
    assert result.exit_code == 0, result.output
    assert "[optional] Any pain?" in result.output and "Why we ask: Because [/]" in result.output
    check = runner.invoke(app, ["check", str(rules)])
    assert "'[optional]', which looks like terminal markup" in check.stdout
    assert "'[/]', which looks like terminal markup" in check.stdout


def test_an_unwritable_save_path_is_refused_before_the_first_question(tmp_path):
    result = invoke("run", "--save", str(tmp_path / "nowhere" / "x.yaml"), input="40\nyes\nyes\n")
    assert result.exit_code == 2 and "does not exist" in result.output
    assert "Question 1" not in result.output


def test_save_file_is_private_and_never_the_input(answers_file, tmp_path):
    import os
    import stat

    save = tmp_path / "saved.yaml"
    result = invoke("run", "--save", str(save), input="40\nyes\nyes\n")
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.stat(save).st_mode) == 0o600
    source = answers_file()
    before = source.read_text()
    refused = invoke("run", "--answers", str(source), "--save", str(source), "--set", "fever=yes")
    assert refused.exit_code == 2 and "never writes over its own input" in refused.output
    assert source.read_text() == before


def test_interactive_trace_says_which_questions_were_not_asked():
    result = invoke("run", "--trace", "--format", "json", input="40\nyes\nyes\n")
    out = json.loads(result.stdout)
    collapse = next(t for t in out["trace"] if t["rule"] == "collapse")
    assert collapse["decided_by"] == {"sudden_onset": "yes", "faint": "yes"}
    bladder = next(t for t in out["trace"] if t["rule"] == "bladder_dysfunction")
    assert set(bladder["decided_by"].values()) == {"not asked (could not change the result)"}
    assert out["answers"] == {"age": 40, "sudden_onset": "yes", "faint": "yes"}  # a number is a JSON number


def test_an_unsure_number_shows_as_unsure_in_the_trace(tmp_path):
    rules = ROOT / "rules" / "examples" / "every_feature.yaml"
    path = tmp_path / "a.yaml"
    path.write_text("score: unsure\nrisk: 'yes'\nalarm: 'no'\ndays: 3\nbetter: 'yes'\n")
    out = json.loads(invoke("run", "--rules", str(rules), "--answers", str(path), "--trace", "-f", "json").stdout)
    high = next(t for t in out["trace"] if t["rule"] == "high_score_with_risk")
    assert high["outcome"] == "unknown (unsure)" and high["decided_by"] == {"score": "unsure"}


def test_an_empty_answers_file_says_nothing_was_answered(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("")
    result = invoke("run", "--answers", str(path))
    assert result.exit_code == 0
    assert "holds no answers; every question counts as not recorded" in result.output


def test_the_questionnaire_ends_with_the_answers_to_show_a_clinician():
    result = invoke("run", input="40\nyes\nyes\n")
    text = flat(result.output)
    assert "Your answers (you can show these to a clinician)" in text
    assert "Since the pain began, have you felt faint, dizzy or clammy, or passed out? yes" in text


def test_questions_not_asked_are_not_called_not_recorded():
    # Unsure about both legs: urgent; questions that could not change that are never asked.
    answers = "\n".join(["67"] + ["no"] * 8 + ["unsure"] + ["no"] * 40) + "\n"
    result = invoke("run", "--format", "json", input=answers)
    out = json.loads(result.stdout)
    assert out["disposition"] == "urgent_care" and out["not_recorded"] == []


def test_the_questionnaire_names_the_screens_that_did_not_apply():
    # A 70-year-old with no fall: not asked about bearing weight, pregnancy or a limp, because those
    # questions did not apply; the result says so. Each "no" is followed by an empty line: a yes/no
    # question asks again after it, and the optional number of weeks takes it as skipped.
    result = invoke("run", input="70\n" + "no\n\n" * 40)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Are you pregnant now?" not in text and "walking with a limp" not in text
    assert "Not asked: cannot_bear_weight, pregnant, limp (they did not apply;" in text


def test_a_question_skipped_because_its_condition_was_false_says_so():
    """Issue 23: temperature_c was 'not asked (could not change the result)' after fever: no, though
    --set temperature_c=39 turns the result urgent; the true reason is that it did not apply."""
    from triage import load_rules
    from triage.evaluation.engine import evaluate_values
    from triage.questionnaire.session import run_through
    from triage.render.result import decided_by

    rules = load_rules()
    session = run_through(rules, {q.id: ("no" if q.type == "yesno" else "40") for q in rules.questions})
    asked = list(session.history)
    result = evaluate_values(rules, session.answers)
    assert "temperature_c" not in asked
    assert decided_by(result, "temperature_c", asked) == "not asked (it is asked only when fever is not no, which was false)"
    skipped = [q.id for q in rules.questions if q.id not in asked and q.ask_when is None]
    assert all(decided_by(result, q, asked) == "not asked (could not change the result)" for q in skipped)
