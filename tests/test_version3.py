"""Rule set 3.0.0 as users meet it: the spec's version-3 examples give the same result in `run`,
`score`, JSON, SQL and the playground, and a version-2 spreadsheet (none of the four optional yes/no
questions) still scores, with every output saying which screens were not done."""

from __future__ import annotations

import csv
import io
from html import escape
import json
import sqlite3

import pytest
from typer.testing import CliRunner

from triage import evaluate, load_rules
from triage.cli import app
from triage.evaluation.sql import compile_sql

from .conftest import DEFAULT_RULES

RULES = load_rules(DEFAULT_RULES)
SCREENS = ["cannot_bear_weight", "pregnant", "leg_swelling", "limp"]
V2 = [q.id for q in RULES.questions if q.id not in SCREENS]
runner = CliRunner()
CAUDA_EQUINA = ["bladder_dysfunction", "bowel_incontinence", "saddle_anesthesia", "sexual_dysfunction",
                "bilateral_leg_symptoms"]


def answers(**given):
    """Every yes/no question answered no (the four optional ones included), age 40, then `given`."""
    out = {q.id: "no" for q in RULES.questions if q.type == "yesno"}
    out.update(age="40", duration_weeks="2", pain_improving="yes")
    out.update({k: str(v) for k, v in given.items()})
    return out


# (name, answers, disposition, headline rule and whether from its unsure state, could not be ruled out)
EXAMPLES = [
    ("sudden severe pain at 45 on a blood thinner",
     answers(sudden_onset="yes", blood_thinners="yes", severe_pain_unrelieved="yes", age=45),
     "urgent_care", ("sudden_onset_older", False), []),
    ("cannot bear weight after a fall", answers(recent_fall="yes", cannot_bear_weight="yes"),
     "urgent_care", ("fall_cannot_bear_weight", False), []),
    ("unsure about thin bones at 83 after a fall", answers(recent_fall="yes", age=83, osteoporosis="unsure"),
     "urgent_care", ("fall_with_fragility", True), ["fall_with_fragility"]),
    ("unsure cauda equina signs beside a measured 38.2",
     answers(**{q: "unsure" for q in ("urinary_retention", "urinary_incontinence", "bladder_sensation",
                                      "bowel_incontinence", "saddle_anesthesia", "sexual_dysfunction",
                                      "bilateral_leg_symptoms")}, temperature_c="38.2"),
     "urgent_care", ("fever", False), CAUDA_EQUINA),
    ("an unsure fever with an infection risk", answers(immunosuppressed="yes", fever="unsure"),
     "urgent_care", ("infection_risk_with_fever", True), ["fever", "infection_risk_with_fever"]),
    ("a 13-year-old with a limp", answers(age=13, limp="yes"), "urgent_care", ("young_with_red_flag", False), []),
]


@pytest.mark.parametrize("name,given,disposition,headline,unknown", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_the_spec_examples_in_the_engine(name, given, disposition, headline, unknown):
    r = evaluate(RULES, given)
    assert r.disposition.id == disposition
    assert (r.action_rule.id, r.action_unsure) == headline
    assert [x.id for x in r.unknown] == unknown


def test_the_fever_headline_lists_the_cauda_equina_signs_with_what_to_do_if_so(tmp_path):
    given = EXAMPLES[3][1]
    path = tmp_path / "a.json"
    path.write_text(json.dumps(given))
    panel = runner.invoke(app, ["run", "--answers", str(path)], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert panel.exit_code == 0, panel.output
    text = " ".join(panel.stdout.split())
    assert RULES.rule("fever").action in text
    assert "Could not be ruled out:" in text
    assert "If this turns out to be so: Go to A&E now." in text
    out = json.loads(runner.invoke(app, ["run", "--answers", str(path), "-f", "json"]).stdout)
    assert [u["rule"] for u in out["unknown"]] == CAUDA_EQUINA


def _run_json(tmp_path, given):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(given))
    result = runner.invoke(app, ["run", "--answers", str(path), "-f", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _score(tmp_path, rows, header=None, *args):
    header = header or [q.id for q in RULES.questions]
    src = tmp_path / "in.csv"
    with src.open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([[row.get(h, "") for h in header] for row in rows])
    result = runner.invoke(app, ["score", str(src), *args], env={"COLUMNS": "200", "NO_COLOR": "1"})
    return result, list(csv.DictReader(io.StringIO(result.stdout)))


def _sql(rows):
    con = sqlite3.connect(":memory:")
    ids = [q.id for q in RULES.questions]
    con.execute(f"CREATE TABLE responses (row_id INTEGER, {', '.join(f'{q} TEXT' for q in ids)})")
    con.executemany(f"INSERT INTO responses VALUES (?, {', '.join('?' for _ in ids)})",
                    [(i, *[row.get(q) for q in ids]) for i, row in enumerate(rows)])
    cur = con.execute(compile_sql(RULES, "sqlite") + " ORDER BY row_id")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def test_the_spec_examples_agree_in_run_score_json_sql_and_the_playground(tmp_path):
    from triage.teach.playground import result_html, state

    rows = [e[1] for e in EXAMPLES]
    result, scored = _score(tmp_path, rows)
    assert result.exit_code == 0, result.stderr
    sql = _sql(rows)
    for (name, given, disposition, headline, unknown), row, in_sql in zip(EXAMPLES, scored, sql):
        rule = RULES.rule(headline[0])
        action = rule.action_if_unsure if headline[1] else rule.action
        out = _run_json(tmp_path, given)
        assert (out["disposition"], out["action"], [u["rule"] for u in out["unknown"]]) == (disposition, action, unknown), name
        for cells in (row, in_sql):
            assert (cells["disposition"], cells["action"], cells["unknown"] or "") == (disposition, action, ";".join(unknown)), name
        html = result_html(state(RULES, given))
        assert f'data-disposition="{disposition}"' in html and escape(action) in html, name


def test_a_version_2_spreadsheet_of_10000_rows_scores_without_allow_missing(tmp_path):
    rows = []
    for i in range(10_000):
        row = {q: "no" for q in V2 if RULES.question(q).type == "yesno"}
        row.update(age=str(20 + i % 70), duration_weeks=str(i % 10), pain_improving="yes")
        if i % 7 == 0:
            row["cancer_history"] = "yes"
        rows.append(row)
    result, scored = _score(tmp_path, rows, V2)
    assert result.exit_code == 0, result.stderr
    assert len(scored) == 10_000
    assert {r["not_given"] for r in scored} == {";".join(SCREENS)}
    assert {r["disposition"] for r in scored[::7]} == {"see_doctor"}  # a past cancer and nothing else
    assert all(r["disposition"] == "self_care" and not r["not_recorded"] for i, r in enumerate(scored) if i % 7)
    summary = " ".join(result.stderr.split())
    for topic in ("pregnancy", "a limp", "a swollen leg (a blood clot)",
                  "not being able to stand or put weight on the leg after a fall"):
        assert f"{topic} was not screened in 10,000 rows: the column is absent" in summary


def test_a_blank_optional_cell_is_counted_per_file_and_never_raises_the_result(tmp_path):
    rows = [answers(pregnant="", leg_swelling=""), answers(pregnant=""), answers()]
    result, scored = _score(tmp_path, rows)
    assert result.exit_code == 0
    assert [r["disposition"] for r in scored] == ["self_care"] * 3
    assert [r["not_given"] for r in scored] == ["pregnant;leg_swelling", "pregnant", ""]
    assert [r["raised_by_not_recorded"] for r in scored] == ["", "", ""]
    summary = " ".join(result.stderr.split())
    assert "pregnancy was not screened in 2 rows: the cell is blank" in summary
    assert "a swollen leg (a blood clot) was not screened in 1 rows: the cell is blank" in summary
    assert "limp was not screened" not in summary


def test_json_lines_and_guidance_responses_name_the_screens_not_done(tmp_path):
    rows = [answers(pregnant="")]
    _, _ = _score(tmp_path, rows)
    src = tmp_path / "in.csv"
    lines = runner.invoke(app, ["score", str(src), "--format", "jsonl"]).stdout.splitlines()
    assert json.loads(lines[0])["not_given"] == ["pregnant"]
    fhir = runner.invoke(app, ["score", str(src), "--format", "fhir"]).stdout.splitlines()
    params = json.loads(fhir[0])["contained"][0]["parameter"]
    assert {"name": "not_screened", "valueString": "pregnant"} in params


def test_a_version_2_answers_file_and_fhir_response_score_with_exit_0(tmp_path):
    given = {q: v for q, v in answers(cancer_history="yes").items() if q not in SCREENS}
    out = _run_json(tmp_path, given)
    assert (out["disposition"], out["not_given"], out["not_recorded"]) == ("see_doctor", SCREENS, [])
    from triage.read.fhirresponse import CODINGS

    def item(q, v):
        if RULES.question(q).type == "number":
            return {"linkId": q, "answer": [{"valueDecimal": float(v)}]}
        return {"linkId": q, "answer": [{"valueCoding": CODINGS[v]}]}

    response = {"resourceType": "QuestionnaireResponse", "status": "completed",
                "item": [item(q, v) for q, v in given.items()]}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(response))
    result = runner.invoke(app, ["score", "--from", "fhir", str(path)])
    assert result.exit_code == 0, result.stderr
    (row,) = csv.DictReader(io.StringIO(result.stdout))
    assert (row["disposition"], row["not_given"]) == ("see_doctor", ";".join(SCREENS))


def test_the_questionnaire_names_only_the_screens_that_did_not_apply():
    from triage.questionnaire.session import run_through
    from triage.render.result import not_given

    source = answers(age=70)
    session = run_through(RULES, source)
    asked = list(session.history)
    r = session.result()
    assert "leg_swelling" in asked and "pregnant" not in asked and "limp" not in asked
    assert not_given(r, asked) == ["cannot_bear_weight", "pregnant", "limp"]
    young = run_through(RULES, answers(age=13, limp="unsure"))
    assert "limp" in young.history and "pregnant" in young.history


def test_safety_net_lines_follow_the_answers():
    from triage.render.result import safety_net

    pregnancy_line = next(line.text for line in RULES.disposition("self_care").safety_net if "maternity" in line.text)
    swelling_line = next(line.text for line in RULES.disposition("self_care").safety_net if "swollen" in line.text)
    assert pregnancy_line in safety_net(evaluate(RULES, answers(pregnant="unsure", age=30)))
    assert pregnancy_line not in safety_net(evaluate(RULES, answers()))  # answered no
    assert pregnancy_line not in safety_net(evaluate(RULES, {k: v for k, v in answers().items() if k != "pregnant"}))
    assert swelling_line in safety_net(evaluate(RULES, answers()))
    r = evaluate(RULES, answers(pregnant="yes", age=30))
    assert r.disposition.id == "see_doctor" and pregnancy_line in safety_net(r)


def test_an_unsure_pregnancy_adds_the_painkiller_note(tmp_path):
    out = _run_json(tmp_path, answers(pregnant="unsure", age=30))
    assert out["disposition"] == "see_doctor" and out["unsure"] == ["pregnant"]
    assert out["unsure_notes"] == [{"question": "pregnant", "note": RULES.question("pregnant").unsure_note}]
    assert "painkiller" in RULES.question("pregnant").unsure_note


def test_the_self_care_text_says_ibuprofen_is_not_advised_in_pregnancy():
    assert any("ibuprofen" in a.lower() and "pregnan" in a.lower() for a in RULES.disposition("self_care").advice)


def test_a_linkid_answered_twice_in_one_fhir_response_is_a_row_error_not_the_last_answer(tmp_path):
    # Issue 20's first finding: a "yes" to urinary_retention followed by a "no" gave self-care.
    from triage.read.fhirresponse import CODINGS

    items = [{"linkId": "urinary_retention", "answer": [{"valueCoding": CODINGS["yes"]}]},
             {"linkId": "group", "item": [{"linkId": "urinary_retention", "answer": [{"valueCoding": CODINGS["no"]}]}]}]
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"resourceType": "QuestionnaireResponse", "status": "completed", "item": items}))
    result = runner.invoke(app, ["score", "--from", "fhir", str(path)])
    assert result.exit_code == 1
    (row,) = csv.DictReader(io.StringIO(result.stdout))
    assert row["disposition"] == "" and "urinary_retention" in row["error"] and "answered twice" in row["error"]
