"""Text from a rule file is data in every output, and nothing triage writes can be its own rules
(issue 20: findings 6, 7 and 12; each test failed before its fix)."""

import csv
import io

import pytest
from typer.testing import CliRunner

from triage.cli import app
from triage.read.loader import default_rules_path

from .conftest import MINIMAL

runner = CliRunner()


def hostile_rules(tmp_path):
    text = MINIMAL.replace('version: "1"', 'version: "@SUM(1)"')
    text = text.replace("rationale:", 'action: "=HYPERLINK(\\"http://x\\")"\n    rationale:', 1)
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_rule_file_text_in_score_cells_is_formula_escaped(tmp_path):
    rules = hostile_rules(tmp_path)
    data = tmp_path / "in.csv"
    data.write_text("pain,temp\nyes,37\nno,37\nmaybe,37\n", encoding="utf-8")
    for jobs in ("1", "2"):
        result = runner.invoke(app, ["score", str(data), "--rules", str(rules), "-q", "--jobs", jobs])
        assert result.exit_code == 1, result.output  # the third row's answer is not valid
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        assert rows[0]["action"] == "'=HYPERLINK(\"http://x\")"
        assert all(r["rules_version"].startswith("'@SUM(1)#") for r in rows)  # error rows too
    plain = runner.invoke(app, ["score", str(data), "--rules", str(rules), "-q", "--no-escape-formulas"])
    assert list(csv.DictReader(io.StringIO(plain.stdout)))[0]["action"] == '=HYPERLINK("http://x")'
    jsonl = runner.invoke(app, ["score", str(data), "--rules", str(rules), "-q", "--format", "jsonl"])
    assert '"action": "=HYPERLINK(\\"http://x\\")"' in jsonl.stdout  # JSON is not a spreadsheet


@pytest.mark.parametrize("args", [
    ["playground", "--export", "{target}"],
    ["export", "--to", "fhir", "-o", "{target}"],
    ["run", "--answers", "{answers}", "--save", "{target}"],
])
def test_no_command_writes_over_the_shipped_rule_sets(tmp_path, args):
    target = default_rules_path()
    before = target.read_bytes()
    answers = tmp_path / "a.yaml"
    answers.write_text("fever: no\n", encoding="utf-8")
    result = runner.invoke(app, [a.format(target=target, answers=answers) for a in args])
    assert result.exit_code == 2, result.output
    assert "triage's own rule sets" in " ".join(result.stderr.split()) and target.read_bytes() == before


@pytest.mark.parametrize("escaped,code", [(r"Fever\x07?", "0007"), (r"\e[31mred", "001B"), (r"a\0b", "0000"),
                                          (r"half \ud800", "D800")])
def test_control_characters_written_as_escapes_are_refused_by_check(tmp_path, escaped, code):
    path = tmp_path / "rules.yaml"
    path.write_text(MINIMAL.replace('text: "Any pain?"', f'text: "{escaped}"'), encoding="utf-8")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    kind = "a lone surrogate" if code == "D800" else "a control character"
    assert "rules.yaml:9:35: error: " in result.stdout and f"{kind} (U+{code})" in result.stdout, result.stdout


def test_placeholders_in_rule_text_stay_text_in_the_playground_export(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(MINIMAL.replace("title: Tiny", "title: Mini {{questions}} {{style}}"), encoding="utf-8")
    out = tmp_path / "page.html"
    result = runner.invoke(app, ["playground", "--rules", str(rules), "--export", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "<title>triage playground: Mini {{questions}} {{style}}</title>" in page


def rules_with(tmp_path, old, new):
    path = tmp_path / "rules.yaml"
    path.write_text(MINIMAL.replace(old, new), encoding="utf-8")
    return path


def test_the_redcap_dictionary_escapes_formula_text(tmp_path):
    rules = rules_with(tmp_path, 'text: "Any pain?"', "text: \"=cmd|' /C calc'!A0\"")
    result = runner.invoke(app, ["export", "--to", "redcap", "--rules", str(rules)])
    assert result.exit_code == 0, result.output
    labels = [row["Field Label"] for row in csv.DictReader(io.StringIO(result.stdout))]
    assert "'=cmd|' /C calc'!A0" in labels and not any(label.startswith("=") for label in labels)


@pytest.mark.parametrize("tool,qid", [("redcap", "record_id"), ("redcap", "redcap_event_name"), ("redcap", "tiny_complete"),
                                      ("redcap", "triage_disclaimer"), ("xlsform", "meta"), ("xlsform", "triage_disclaimer"),
                                      ("fhir", "response_id")])
def test_ids_a_tool_reserves_are_refused_by_check_for_and_by_export(tmp_path, tool, qid):
    rules = rules_with(tmp_path, "id: pain", f"id: {qid}").read_text().replace("question: pain", f"question: {qid}")
    path = tmp_path / "rules.yaml"
    path.write_text(rules, encoding="utf-8")
    assert runner.invoke(app, ["check", str(path)]).exit_code == 0  # valid for triage itself
    checked = runner.invoke(app, ["check", str(path), "--for", tool])
    assert checked.exit_code == 2 and f"question id '{qid}' is reserved" in checked.stdout and "rules.yaml:" in checked.stdout
    exported = runner.invoke(app, ["export", "--to", tool, "--rules", str(path), "-o", str(tmp_path / "out")])
    assert exported.exit_code == 2 and f"question id '{qid}' is reserved" in exported.stderr
    assert not (tmp_path / "out").exists()


def test_a_text_too_long_for_a_workbook_cell_is_refused(tmp_path):
    path = rules_with(tmp_path, 'text: "Any pain?"', f'text: "{"x" * 40_000}"')
    result = runner.invoke(app, ["export", "--to", "xlsform", "--rules", str(path), "-o", str(tmp_path / "f.xlsx")])
    assert result.exit_code == 2 and "a workbook cell holds at most 32,767" in " ".join(result.stderr.split())


def test_references_in_rule_text_stay_text_in_the_xlsform(tmp_path):
    from pyxform.xls2xform import convert

    path = rules_with(tmp_path, 'text: "Any pain?"', 'text: "Pain like ${temp} or ${nosuch}?"')
    out = tmp_path / "form.xlsx"
    result = runner.invoke(app, ["export", "--to", "xlsform", "--rules", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    converted = convert(xlsform=str(out), validate=False, pretty_print=False)  # refused ${nosuch} before
    assert "<output" not in converted.xform and "Pain like $\u2060{temp} or $\u2060{nosuch}?" in converted.xform


def test_a_very_long_fhir_answer_is_one_rows_error_not_the_end_of_the_run(tmp_path):
    import json

    from triage import load_rules
    from triage.read.fhirresponse import canonical

    rules = load_rules()
    lines = [json.dumps({"resourceType": "QuestionnaireResponse", "id": f"r{i}", "questionnaire": canonical(rules),
                         "item": [{"linkId": "fever", "answer": [{"valueString": text}]}]})
             for i, text in enumerate(["no", "x" * 5_000_000, "yes"])]
    path = tmp_path / "r.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["score", str(path), "--from", "fhir", "--allow-missing", "-q"])
    assert result.exit_code == 1, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["response_id"] for r in rows] == ["r0", "r1", "r2"]
    assert "5,000,000 characters" in rows[1]["error"] and not rows[0]["error"] and not rows[2]["error"]


@pytest.mark.parametrize("source,qid", [("redcap", "record_id"), ("fhir", "response_id")])
def test_reading_an_export_refuses_a_question_named_like_its_id_column(tmp_path, source, qid):
    path = tmp_path / "rules.yaml"
    path.write_text(MINIMAL.replace("id: pain", f"id: {qid}").replace("question: pain", f"question: {qid}"), encoding="utf-8")
    data = tmp_path / "in.txt"
    data.write_text('{"resourceType": "QuestionnaireResponse", "id": "r1", "item": []}\n' if source == "fhir"
                    else f"{qid},temp\n7,37\n", encoding="utf-8")
    result = runner.invoke(app, ["score", str(data), "--from", source, "--rules", str(path), "-q"])
    assert result.exit_code == 2 and qid in result.stderr and result.stdout == ""


def test_a_fhir_string_over_one_megabyte_is_refused(tmp_path):
    path = rules_with(tmp_path, "disclaimer: Not a diagnosis.", f"disclaimer: {'x' * ((1 << 20) + 1)}")
    result = runner.invoke(app, ["export", "--to", "fhir", "--rules", str(path)])
    assert result.exit_code == 2 and "the disclaimer is longer than the 1 MB FHIR R4 allows" in result.stderr
    assert runner.invoke(app, ["check", str(path), "--for", "fhir"]).exit_code == 2
