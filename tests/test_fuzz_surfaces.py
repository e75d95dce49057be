"""A hostile suite for the surfaces added after the first one (issue 20): FHIR input shaped any way
JSON allows, valid responses that must lose no answer, and rule sets with hostile text through
every form-tool export. Never exit 70, never a traceback, never an answer dropped."""

import csv
import io
import json
import os
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from triage import evaluate, load_rules
from triage.cli import app
from triage.core.cells import escape_formula
from triage.read.fhirresponse import CODINGS, canonical

from .rulesets import rule_sets

RULES = load_rules()
runner = CliRunner()
FUZZ = settings(max_examples=int(os.environ.get("TRIAGE_FUZZ_EXAMPLES", "40")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                    | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                    max_leaves=12)
ANSWER_WORD = {"Y": "yes", "N": "no", "asked-unknown": "unsure"}


def no_crash(result):
    """What the console script would turn into exit 70: any exception but an exit."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output and "internal error" not in result.output


@FUZZ
@given(st.sampled_from(["item", "answer", "valueCoding", "entry", "linkId", "resourceType", "valueDecimal"]), JSON)
def test_any_json_anywhere_in_a_response_is_a_result_or_one_line(where, value):
    item = {"linkId": "urinary_retention", "answer": [{"valueCoding": CODINGS["yes"]}]}
    response = {"resourceType": "QuestionnaireResponse", "id": "r", "item": [item]}
    if where in ("answer", "linkId"):
        item[where] = value
    elif where in ("valueCoding", "valueDecimal"):
        item["answer"] = [{where: value}]
    elif where == "entry":
        response = {"resourceType": "Bundle", "entry": value}
    else:
        response[where] = value
    result = runner.invoke(app, ["score", "-", "--from", "fhir", "--allow-missing", "-q"], input=json.dumps(response) + "\n")
    no_crash(result)
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code == 2:
        assert len(result.stderr.strip().splitlines()) == 1
    else:
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        # Whatever the fuzz did to the answers, every other question is unanswered: never self-care.
        assert len(rows) == (1 if where != "entry" else len(rows))  # a Bundle's entries are its responses
        assert all(r["disposition"] != "self_care" for r in rows)


@FUZZ
@given(st.lists(st.fixed_dictionaries({q.id: st.sampled_from(["Y", "N", "asked-unknown", None])
                                       for q in RULES.questions if q.type == "yesno"}), min_size=1, max_size=5),
       st.booleans())
def test_no_answer_in_a_valid_response_is_lost(answers_list, grouped):
    lines = []
    for n, answers in enumerate(answers_list):
        items = [{"linkId": q, "answer": [{"valueCoding": {"code": code}}]} for q, code in answers.items() if code]
        if grouped:  # the same answers inside a group, as form renderers write sections
            items = [{"linkId": "section", "item": items}]
        lines.append(json.dumps({"resourceType": "QuestionnaireResponse", "id": f"r{n}",
                                 "questionnaire": f"{canonical(RULES)}|{RULES.version}", "item": items}))
    result = runner.invoke(app, ["score", "-", "--from", "fhir", "--allow-missing", "-q"], input="\n".join(lines) + "\n")
    no_crash(result)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["response_id"] for r in rows] == [f"r{n}" for n in range(len(answers_list))]
    for row, answers in zip(rows, answers_list):
        expected = evaluate(RULES, {q: ANSWER_WORD[c] for q, c in answers.items() if c}).cells()
        assert {k: row[k] for k in expected} == expected


HOSTILE = st.sampled_from(["=cmd|' /C calc'!A0", "@SUM(1)", "${q0}", "{{questions}}", "C:\\new\\table\\", "it's \\'",
                           "<b>bold</b>", "x" * 40_000, "ok"]) | st.text(string.printable, max_size=20).filter(str.strip)


@FUZZ
@given(rule_sets(), HOSTILE)
def test_every_export_of_a_rule_set_with_hostile_text_is_valid_or_refused(tmp_path_factory, drawn, hostile):
    text, _ = drawn
    escaped = hostile.replace("\\", "\\\\").replace('"', '\\"')
    folder = tmp_path_factory.mktemp("export")
    rules = folder / "rules.yaml"
    rules.write_text(text.replace("text: Question 0?", f'text: "{escaped}"'), encoding="utf-8")
    checked = runner.invoke(app, ["check", str(rules)])
    if checked.exit_code == 2:
        return  # not a valid rule set: nothing to export
    for tool in ("fhir", "redcap", "xlsform"):
        out = folder / f"out.{tool}"
        result = runner.invoke(app, ["export", "--to", tool, "--rules", str(rules), "-o", str(out)])
        no_crash(result)
        assert result.exit_code in (0, 2), result.output
        if result.exit_code == 0 and tool == "redcap":
            rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
            words = [r[k] for r in rows for k in ("Field Label", "Field Note")]  # the rule file's own text
            assert all(escape_formula(c) == c for c in words)  # nothing left that a spreadsheet would run
        if result.exit_code == 0 and tool == "fhir":
            json.loads(out.read_text(encoding="utf-8"))
        for kind in ("sqlite", "duckdb", "spark"):
            compiled = runner.invoke(app, ["compile", "--to", "sql", "--rules", str(rules), "--dialect", kind])
            no_crash(compiled)
            assert compiled.exit_code == 0
