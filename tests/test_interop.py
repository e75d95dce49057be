"""One rule file, every form tool: FHIR, REDCap and XLSForm exports checked by each tool's own rules,
their skip logic checked against the questionnaire's, and what comes back scored exactly as the CSV.
"""

import csv
import io
import json
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from triage import load_rules
from triage.formtools import skiplogic as forms
from triage.batch.stream import Options, score_file
from triage.cli import app
from triage.core.errors import InputFileError
from triage.read.fhirresponse import CODINGS, as_csv, canonical
from triage.formtools.fhir import questionnaire
from triage.core.logic import NOT_RECORDED
from triage.core.model import NUMBER
from triage.formtools.redcap import COLUMNS, branching, dictionary
from triage.formtools.xlsform import relevant, sheets

from .conftest import DEFAULT_RULES, ROOT
from .rulesets import rule_sets, rows_for

EXAMPLE = ROOT / "rules" / "examples" / "every_feature.yaml"
SETTINGS = settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
                    deadline=None)
ADDED = ("disposition", "action", "reasons", "unknown", "unsure", "not_recorded", "raised_by_not_recorded", "error")
runner = CliRunner()


def fixed_rule_sets():
    return [load_rules(DEFAULT_RULES), load_rules(EXAMPLE)]


def scored(ruleset, source, options=None):
    out = io.StringIO()
    score_file(ruleset, source, out, options or Options(escape_formulas=False))
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def csv_bytes(header, rows):
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([header, *rows])
    return io.BytesIO(text.getvalue().encode())


def usable(ruleset, rows):
    """Rows as every tool can hold them: no extra cells, and not every cell empty."""
    n = len(ruleset.questions)
    return [r + [""] * (n - len(r)) for r in rows if len(r) <= n and "".join(r).strip()]


def reference(ruleset, rows):
    """What triage score says for the rows as a plain CSV: the results every tool must reproduce."""
    return [{k: (r[k] if k != "error" else bool(r[k])) for k in ADDED}
            for r in scored(ruleset, csv_bytes([q.id for q in ruleset.questions], rows))]


def results(rows_out):
    return [{k: (r[k] if k != "error" else bool(r[k])) for k in ADDED} for r in rows_out]


# --- When a question is shown: every tool's expression against the questionnaire ---------------

def form_answers(ruleset, draw_values):
    """Answers as a form holds them: yes/no/unsure words or None; numbers as floats or None."""
    out = {}
    for q in ruleset.questions:
        out[q.id] = draw_values(q)
    return out


def asked_by_triage(ruleset, q, answers):
    """The questionnaire's rule: asked unless its ask_when is definitely false, blanks being unknown."""
    from triage.core.answers import parse_answer

    values = {k: (NOT_RECORDED if v is None else parse_answer(ruleset.question(k), v if isinstance(v, str) else v))
              for k, v in answers.items()}
    return q.ask_when is None or q.ask_when.evaluate(values)[0] is not False


def answer_values(q):
    if q.type == NUMBER:
        return st.one_of(st.none(), st.sampled_from([0.0, 2.5, 5.0, 10.0, 1.0, 7.5, 9.9, 2.4]))
    return st.sampled_from([None, "yes", "no", "unsure"])


def redcap_eval(logic, answers):
    """A small evaluator of REDCap branching logic that accepts only REDCap's syntax: [field], quoted
    values, numbers, = <> < > <= >=, and, or, parentheses. Blank fields are ''."""
    tokens = re.findall(r"\[([a-z][a-z0-9_]*)\]|'([^']*)'|(\d+(?:\.\d+)?)|(<>|<=|>=|=|<|>)|(\band\b|\bor\b)|(\()|(\))|(\S)",
                        logic)
    pos = 0

    def value(tok):
        field, text, number = tok[0], tok[1], tok[2]
        if field:
            v = answers[field]
            if v is None:
                return ""
            if isinstance(v, float):
                return v
            return {"yes": "1", "no": "0", "unsure": "9"}[v]
        return text if tok[2] == "" else float(number)

    def primary():
        nonlocal pos
        tok = tokens[pos]
        assert not tok[7], f"not REDCap syntax: {tok[7]!r} in {logic}"
        if tok[5]:
            pos += 1
            v = disjunction()
            assert tokens[pos][6], logic
            pos += 1
            return v
        left = value(tok)
        op = tokens[pos + 1][3]
        assert op, logic
        right = value(tokens[pos + 2])
        pos += 3
        if op in ("=", "<>"):
            same = str(left) == str(right) if isinstance(left, str) or isinstance(right, str) else left == right
            if isinstance(left, float) and isinstance(right, str):
                same = right != "" and float(right) == left
            return same if op == "=" else not same
        if left == "" or right == "":
            return False
        return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[op]

    def conjunction():
        nonlocal pos
        v = primary()
        while pos < len(tokens) and tokens[pos][4] == "and":
            pos += 1
            v = primary() and v
        return v

    def disjunction():
        nonlocal pos
        v = conjunction()
        while pos < len(tokens) and tokens[pos][4] == "or":
            pos += 1
            v = conjunction() or v
        return v

    result = disjunction()
    assert pos == len(tokens), logic
    return result


def xpath_eval(expr, answers):
    """ODK's relevant, evaluated by an XPath 1.0 engine with each ${q} replaced by its value."""
    import elementpath
    from xml.etree import ElementTree

    def literal(m):
        v = answers[m.group(1)]
        return "''" if v is None else repr(v) if isinstance(v, float) else f"'{v}'"

    return bool(elementpath.select(ElementTree.fromstring("<data/>"), re.sub(r"\$\{([a-z0-9_]+)\}", literal, expr),
                                   parser=elementpath.XPath1Parser))


def fhirpath_free_eval(item, answers):
    """FHIR enableWhen (R4 rules: an operator needs an answer to compare, except `exists`), with enableBehavior."""
    def holds(w):
        v = answers[w["question"]]
        if w["operator"] == "exists":
            return (v is not None) == w["answerBoolean"]
        if v is None:
            return False
        if "answerCoding" in w:
            code = CODINGS[v]["code"]
            return (code == w["answerCoding"]["code"]) == (w["operator"] == "=")
        bound = w["answerDecimal"]
        return {">=": v >= bound, ">": v > bound, "<=": v <= bound, "<": v < bound, "=": v == bound, "!=": v != bound}[w["operator"]]
    found = [holds(w) for w in item["enableWhen"]]
    return any(found) if item.get("enableBehavior") == "any" else all(found)


@SETTINGS
@given(st.data())
def test_each_tools_skip_logic_shows_exactly_the_questions_triage_would_ask(data):
    _, ruleset = data.draw(rule_sets())
    answers = {q.id: data.draw(answer_values(q)) for q in ruleset.questions}
    fhir_items = {i["linkId"]: i for i in questionnaire(ruleset)["item"]}
    for q in ruleset.questions:
        want = asked_by_triage(ruleset, q, answers)
        shown = forms.shown_when(q.ask_when, ruleset)
        assert forms.evaluate(shown, answers) == want, q.ask_when
        assert (redcap_eval(branching(shown), answers) if branching(shown) else True) == want, branching(shown)
        assert (xpath_eval(relevant(shown), answers) if relevant(shown) else True) == want, relevant(shown)
        item = fhir_items[q.id]
        if "enableWhen" in item:
            assert fhirpath_free_eval(item, answers) == want, item["enableWhen"]
        else:
            expressions = [e for e in item.get("extension", []) if e["url"].endswith("enableWhenExpression")]
            assert (expressions != []) == (shown is not True)


# --- FHIR -------------------------------------------------------------------------------------

def test_the_fhir_questionnaire_validates_and_names_the_rule_set():
    from fhir.resources.R4B.questionnaire import Questionnaire

    for ruleset in fixed_rule_sets():
        resource = questionnaire(ruleset)
        Questionnaire.model_validate(resource)
        assert resource["url"] == canonical(ruleset) and resource["version"] == ruleset.version
        assert resource["meta"]["tag"][0]["code"] == ruleset.sha256
        assert [i["linkId"] for i in resource["item"]][1:] == [q.id for q in ruleset.questions]
        assert resource["item"][0]["text"] == ruleset.disclaimer


@SETTINGS
@given(st.data())
def test_generated_rule_sets_give_valid_fhir_questionnaires(data):
    from fhir.resources.R4B.questionnaire import Questionnaire

    _, ruleset = data.draw(rule_sets())
    Questionnaire.model_validate(questionnaire(ruleset))


def response_for(ruleset, response_id, row, style):
    """A QuestionnaireResponse holding a row's cells: coded answers, or the text as written."""
    items = []
    for q, cell in zip(ruleset.questions, row):
        if cell == "":
            continue  # no answer: not recorded
        word = cell.strip().lower()
        if q.type != NUMBER and style == "coded" and word in ("yes", "no", "unsure"):
            answer = {"valueCoding": CODINGS[word]}
        elif q.type == NUMBER and re.fullmatch(r"\s*\d+(\.\d+)?\s*", cell):
            answer = {"valueDecimal": float(cell)}
        else:
            answer = {"valueString": cell}
        items.append({"linkId": q.id, "answer": [answer]})
    return {"resourceType": "QuestionnaireResponse", "id": response_id, "status": "completed",
            "questionnaire": f"{canonical(ruleset)}|{ruleset.version}", "item": items}


@SETTINGS
@given(st.data(), st.sampled_from(["ndjson", "bundle"]), st.sampled_from(["coded", "text"]))
def test_fhir_responses_score_exactly_as_the_same_answers_in_a_csv(data, packing, style):
    _, ruleset = data.draw(rule_sets())
    rows = usable(ruleset, data.draw(rows_for(ruleset)))
    assume(rows or packing == "bundle")  # an empty NDJSON file is an empty file: an error, as for a CSV
    resources = [response_for(ruleset, f"r{i}", row, style) for i, row in enumerate(rows)]
    if packing == "ndjson":
        text = "".join(json.dumps(r) + "\n" for r in resources)
    else:
        text = json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]},
                          indent=1)
    got = scored(ruleset, as_csv(io.StringIO(text), "responses", ruleset))
    assert [r["response_id"] for r in got] == [f"r{i}" for i in range(len(rows))]
    assert results(got) == reference(ruleset, rows)


def test_score_from_fhir_and_format_fhir_through_the_cli(tmp_path):
    from fhir.resources.R4B.guidanceresponse import GuidanceResponse

    ruleset = load_rules(DEFAULT_RULES)
    row = ["unsure" if q.id == "urinary_retention" else "no" if q.type != NUMBER else "" for q in ruleset.questions]
    path = tmp_path / "responses.ndjson"
    path.write_text(json.dumps(response_for(ruleset, "p1", row, "coded")) + "\n" +
                    json.dumps(response_for(ruleset, "p2", ["no" if q.type != NUMBER else "40" for q in ruleset.questions], "coded")) + "\n")
    result = runner.invoke(app, ["score", "--from", "fhir", str(path), "--format", "fhir", "-q"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [r["requestIdentifier"]["value"] for r in lines] == ["p1", "p2"]
    for resource in lines:
        GuidanceResponse.model_validate(resource)
        assert resource["note"][0]["text"] == ruleset.disclaimer
    first = {p["name"]: p for p in lines[0]["contained"][0]["parameter"]}
    assert first["disposition"]["valueCoding"]["code"] == "urgent_care"
    assert first["unsure_answer"]["valueString"] == "urinary_retention"
    single = tmp_path / "one.json"
    single.write_text(json.dumps(response_for(ruleset, "p1", row, "coded"), indent=2))
    run = runner.invoke(app, ["run", "--answers", str(single), "--format", "json"])
    assert json.loads(run.stdout)["disposition"] == "urgent_care"


def test_a_response_to_another_questionnaire_is_refused(tmp_path):
    ruleset = load_rules(DEFAULT_RULES)
    other = response_for(ruleset, "x", ["no"] * 3, "coded")
    other["questionnaire"] = f"{canonical(ruleset)}|1.0.0"
    path = tmp_path / "old.json"
    path.write_text(json.dumps(other))
    result = runner.invoke(app, ["score", "--from", "fhir", str(path)])
    assert result.exit_code == 2
    assert "answers questionnaire urn:triage:questionnaire:l2_l3_radiculopathy|1.0.0" in result.stderr
    typo = response_for(ruleset, "y", ["no"] * 3, "coded")
    typo["item"][0]["linkId"] = "agee"
    with pytest.raises(InputFileError, match="answers linkId 'agee', which is no question .*did you mean 'age'"):
        list(as_csv(io.StringIO(json.dumps(typo)), "typo.json", ruleset).read())
    with pytest.raises(InputFileError, match="a Patient where a QuestionnaireResponse"):
        list(as_csv(io.StringIO('{"resourceType": "Patient"}'), "p.json", ruleset).read())


# --- REDCap -----------------------------------------------------------------------------------

def test_the_redcap_dictionary_has_redcaps_columns_and_fields():
    for ruleset in fixed_rule_sets():
        rows = list(csv.DictReader(io.StringIO(dictionary(ruleset))))
        assert tuple(rows[0].keys()) == COLUMNS
        assert rows[0]["Variable / Field Name"] == "record_id"
        fields = {r["Variable / Field Name"]: r for r in rows}
        for q in ruleset.questions:
            f = fields[q.id]
            assert re.fullmatch(r"[a-z][a-z0-9_]{0,99}", q.id)
            if q.type == NUMBER:
                assert (f["Field Type"], f["Text Validation Type OR Show Slider Number"]) == ("text", "number")
            else:
                assert (f["Field Type"], f["Choices, Calculations, OR Slider Labels"]) == ("radio", "1, Yes | 0, No | 9, Unsure")
            assert f["Field Note"] == q.why


def redcap_cell(q, cell, labels):
    word = cell.strip().lower()
    if q.type != NUMBER and word in ("yes", "no", "unsure"):
        return {"yes": "Yes", "no": "No", "unsure": "Unsure"}[word] if labels else {"yes": "1", "no": "0", "unsure": "9"}[word]
    return cell


@SETTINGS
@given(st.data(), st.booleans())
def test_a_redcap_export_scores_exactly_as_the_csv(data, labels):
    _, ruleset = data.draw(rule_sets())
    rows = usable(ruleset, data.draw(rows_for(ruleset)))
    # A label export: codes as labels, and (here) field labels as headers too.
    header = ["record_id", "redcap_event_name", *(forms.label(q) if labels else q.id for q in ruleset.questions)]
    export = [[str(i + 1), "baseline_arm_1", *(redcap_cell(q, c, labels) for q, c in zip(ruleset.questions, row))]
              for i, row in enumerate(rows)]
    got = scored(ruleset, csv_bytes(header, export), Options(escape_formulas=False, source="redcap"))
    assert [r["record_id"] for r in got] == [str(i + 1) for i in range(len(rows))]
    assert results(got) == reference(ruleset, rows)


def test_redcap_repeating_instruments_and_checkboxes_are_refused(tmp_path):
    ruleset = load_rules(DEFAULT_RULES)
    ids = [q.id for q in ruleset.questions]
    for extra, message in ((["redcap_repeat_instrument", "redcap_repeat_instance"], "repeating instruments"),
                           (["fever___1"], "checkbox column of 'fever'")):
        path = tmp_path / "export.csv"
        path.write_text(",".join(["record_id", *extra, *ids]) + "\n")
        result = runner.invoke(app, ["score", "--from", "redcap", str(path)])
        assert result.exit_code == 2 and message in result.stderr, result.stderr


# --- XLSForm and ODK --------------------------------------------------------------------------

def test_the_xlsform_converts_with_pyxform_without_warnings(tmp_path):
    from pyxform.xls2xform import convert

    for rules_file in (DEFAULT_RULES, EXAMPLE):
        ruleset = load_rules(rules_file)
        path = tmp_path / f"{ruleset.id}.xlsx"
        result = runner.invoke(app, ["export", "--to", "xlsform", "--rules", str(rules_file), "-o", str(path)])
        assert result.exit_code == 0, result.output
        converted = convert(xlsform=str(path), validate=False, pretty_print=False)
        assert converted.warnings == []
        assert f'id="{ruleset.id}"' in converted.xform and "yes_no_unsure" in converted.xform


@SETTINGS
@given(st.data())
def test_generated_rule_sets_give_xlsforms_pyxform_accepts(data):
    from pyxform.xls2xform import convert

    _, ruleset = data.draw(rule_sets())
    workbook = {name: [dict(zip(rows[0], row)) for row in rows[1:]] for name, rows in sheets(ruleset).items()}
    buffer = io.BytesIO()
    from triage.formtools.xlsform import workbook as build

    buffer.write(build(ruleset))
    converted = convert(xlsform=buffer, file_type=".xlsx", validate=False, pretty_print=False)
    assert converted.warnings == [], converted.warnings
    assert len(workbook["survey"]) == len(ruleset.questions) + 1


@SETTINGS
@given(st.data())
def test_an_odk_central_export_with_group_prefixes_scores_exactly_as_the_csv(data):
    _, ruleset = data.draw(rule_sets())
    rows = usable(ruleset, data.draw(rows_for(ruleset)))
    sep = data.draw(st.sampled_from(["-", "/"]))  # ODK Central, KoboToolbox
    header = ["SubmissionDate", *(f"symptoms{sep}{q.id}" for q in ruleset.questions), "meta-instanceID", "KEY"]
    export = [["2026-11-27T10:00:00.000Z", *row, f"uuid:{i}", f"uuid:{i}"] for i, row in enumerate(rows)]
    got = scored(ruleset, csv_bytes(header, export), Options(escape_formulas=False, source="odk"))
    assert [r["KEY"] for r in got] == [f"uuid:{i}" for i in range(len(rows))]
    assert results(got) == reference(ruleset, rows)


def test_export_commands_write_each_artifact(tmp_path):
    fhir = runner.invoke(app, ["export", "--to", "fhir"])
    assert fhir.exit_code == 0 and json.loads(fhir.stdout)["resourceType"] == "Questionnaire"
    redcap = runner.invoke(app, ["export", "--to", "redcap"])
    assert redcap.exit_code == 0 and redcap.stdout.startswith("Variable / Field Name,Form Name,")
    no_file = runner.invoke(app, ["export", "--to", "xlsform"])
    assert no_file.exit_code == 2 and "--output FILE.xlsx" in no_file.stderr
    out = tmp_path / "form.xlsx"
    assert runner.invoke(app, ["export", "--to", "xlsform", "-o", str(out)]).exit_code == 0
    assert out.read_bytes()[:2] == b"PK" and (out.stat().st_mode & 0o077) == 0
