"""FHIR QuestionnaireResponses are read like every other input: strict shapes, duplicate keys refused,
bounded nesting and numbers, one line naming the place, never exit 70 and never an answer lost."""

import gc
import io
import json

import pytest
from typer.testing import CliRunner

from triage import load_rules
from triage.cli import app
from triage.read.fhirresponse import canonical, responses

RULES = load_rules()
runner = CliRunner()


def response(items, rid="r1"):
    return {"resourceType": "QuestionnaireResponse", "id": rid, "questionnaire": f"{canonical(RULES)}|{RULES.version}",
            "status": "completed", "item": items}


def coding(code):
    return [{"valueCoding": {"system": "http://terminology.hl7.org/CodeSystem/v2-0136", "code": code}}]


def score(tmp_path, text):
    path = tmp_path / "responses.ndjson"
    path.write_text(text, encoding="utf-8")
    return runner.invoke(app, ["score", str(path), "--from", "fhir", "--allow-missing", "-q"])


RETENTION_YES = json.dumps(response([{"linkId": "urinary_retention", "answer": coding("Y")}]))


@pytest.mark.parametrize("text,words", [
    # The last key must never win: a yes then a no to urinary retention is not a no.
    (RETENTION_YES.replace('"code": "Y"', '"code": "Y", "code": "N"'), "the key 'code' is given twice"),
    (RETENTION_YES.replace('"item": [', '"item": [], "item": ['), "the key 'item' is given twice"),
    (RETENTION_YES.replace('"item": [', '"item": {"x": ['). replace("]}]}", "]}]}}"), "'item' must be a list"),
    (json.dumps(response("fever")), "'item' must be a list (a JSON array), not a string"),
    (json.dumps(response(7)), "'item' must be a list"),
    (json.dumps({"resourceType": "Bundle", "entry": 5}), "'entry' must be a list"),
    (json.dumps(response([{"linkId": "fever", "answer": 5}])), "'answer' must be a list"),
    (json.dumps(response([{"linkId": "fever", "answer": {"valueCoding": {"code": "Y"}}}])), "'answer' must be a list"),
    (json.dumps(response([{"linkId": "fever", "answer": [{"valueCoding": "Y"}]}])), "'valueCoding' must be a JSON object"),
    (json.dumps(response([{"linkId": "fever", "answer": [7]}])), "an answer must be a JSON object"),
    (json.dumps(response([7])), "an item must be a JSON object"),
    (json.dumps(response([{"linkId": "age", "answer": [{"valueDecimal": 1}]}])).replace(": 1}", ": 1" + "0" * 5000 + "}"),
     "a number of more than 30 digits"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
])
def test_malformed_responses_are_one_line_errors_never_lost_answers(tmp_path, text, words):
    result = score(tmp_path, text + "\n")
    assert result.exit_code == 2, result.output
    assert words in " ".join(result.stderr.split()) and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == ""


def test_a_duplicate_key_in_ndjson_names_its_line(tmp_path):
    bad = RETENTION_YES.replace('"code": "Y"', '"code": "Y", "code": "N"')
    result = score(tmp_path, RETENTION_YES + "\n" + bad + "\n")
    assert result.exit_code == 2 and "responses.ndjson:2:" in result.stderr


@pytest.mark.parametrize("depth", [45, 900])
def test_deeply_nested_groups_and_bundles_are_refused_with_a_message(tmp_path, depth):
    inner = json.dumps([{"linkId": "fever", "answer": coding("Y")}])
    items = '[{"linkId": "group", "item": ' * depth + inner + "}]" * depth
    text = json.dumps(response([])).replace('"item": []', '"item": ' + items)
    result = score(tmp_path, text)
    assert result.exit_code == 2 and ("items nested more than 40 deep" if depth < 100 else "nested too deeply") in result.stderr
    bundles = 45 if depth < 100 else 400
    bundle = '{"resourceType": "Bundle", "entry": [{"resource": ' * bundles + json.dumps(response([])) + "}]}" * bundles
    result = score(tmp_path, bundle)
    assert result.exit_code == 2 and ("Bundles nested more than 40 deep" if depth < 100 else "nested too deeply") in result.stderr


def cells_of(result):
    import csv

    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_valid_responses_read_as_the_csv_reader_would(tmp_path):
    tiny = response([{"linkId": "age", "answer": [{"valueDecimal": 0.00001}]}, {"linkId": "fever", "answer": coding("N")}])
    rows = cells_of(score(tmp_path, "\n\n" + json.dumps(tiny) + "\n"))  # blank lines first: not "empty"
    assert len(rows) == 1 and "not a number" not in rows[0]["error"]
    assert rows[0]["age"] == "0.00001"


def test_a_boolean_where_a_number_belongs_is_no_answer(tmp_path):
    text = json.dumps(response([{"linkId": "urinary_retention", "answer": [{"valueDecimal": True}]}]))
    row = cells_of(score(tmp_path, text))[0]
    assert row["disposition"] == "" and "urinary_retention" in row["error"]


def test_reading_responses_leaves_no_reference_cycles():
    """Memory stays flat on any number of responses: scoring pauses the garbage collector, so a cycle
    per response (as a recursive closure made) would never be freed."""
    line = json.dumps(response([{"linkId": "fever", "answer": coding("N")},
                                {"linkId": "group", "item": [{"linkId": "urinary_retention", "answer": coding("N")}]}]))
    text = "\n".join([line] * 2000) + "\n"
    gc.collect()
    gc.disable()
    try:
        assert sum(1 for _ in responses(io.StringIO(text), "r.ndjson", RULES)) == 2000
        unreachable = gc.collect()
    finally:
        gc.enable()
    assert unreachable < 100, unreachable


def test_a_guidance_response_keeps_the_response_id_and_follows_r4_references(tmp_path):
    """Issue 20, finding 13: reasonReference may not point at a QuestionnaireResponse in R4, and
    `run --answers r.json --format fhir` dropped the response's id."""
    path = tmp_path / "r.json"
    path.write_text(json.dumps(response([{"linkId": "urinary_retention", "answer": coding("Y")}], rid="resp-7")))
    one = runner.invoke(app, ["run", "--answers", str(path), "--format", "fhir"])
    assert one.exit_code == 0, one.output
    guidance = json.loads(one.stdout)
    assert guidance["requestIdentifier"] == {"value": "resp-7"} and "reasonReference" not in guidance
    scored = score(tmp_path, path.read_text() + "\n")
    assert scored.exit_code == 0
    batch = runner.invoke(app, ["score", str(path), "--from", "fhir", "--format", "fhir", "--allow-missing", "-q"])
    lines = [json.loads(line) for line in batch.stdout.splitlines()]
    assert [g["requestIdentifier"]["value"] for g in lines] == ["resp-7"] and all("reasonReference" not in g for g in lines)
