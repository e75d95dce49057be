"""Teaching and rule-authoring commands: explain, diagram, check, test, schema."""

import json

import pytest
from typer.testing import CliRunner

from triage import load_rules
from triage.cli import app
from triage.render.diagram import markdown

from .conftest import DEFAULT_RULES, MINIMAL, ROOT, optional

runner = CliRunner()
RULES = load_rules(DEFAULT_RULES)
# Rule files: not their cases, their translations (<rules>.<lang>.yaml) or the region files.
SHIPPED = sorted(p for p in (ROOT / "rules").rglob("*.yaml") if not p.name.endswith(".cases.yaml")
                 and p.parent.name != "regions" and not p.with_suffix("").suffix)


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", "COLUMNS": "200"})


def test_explain_shows_every_disposition_rule_condition_rationale_and_source():
    # Wide enough that no rationale wraps: this test is about what is said, not where lines break.
    out = runner.invoke(app, ["explain"], env={"NO_COLOR": "1", "COLUMNS": "400"}).stdout
    for d in RULES.dispositions:
        assert f"{d.label} ({d.id})" in out
    for r in RULES.rules:
        assert f"{r.id}: when " in out and r.rationale in out
    assert "fever: when fever is yes or temperature_c is at least 38 °C" in out
    assert "cancer_with_deficit: when cancer_history is yes and (weakness is yes or numbness is yes)" in out
    assert "Source: GIRFT national suspected cauda equina syndrome pathway (2023)" in out
    assert "not a diagnosis" in out


def test_diagram_in_docs_is_in_step_with_the_rules():
    committed = (ROOT / "docs" / "diagram.md").read_text(encoding="utf-8")
    assert committed == markdown(RULES), "regenerate: triage diagram --format markdown > docs/diagram.md"


@pytest.mark.parametrize("fmt,start", [("mermaid", "flowchart TD"), ("dot", "digraph")])
def test_diagram_formats_name_every_question_rule_and_result(fmt, start):
    out = invoke("diagram", "--format", fmt).stdout
    assert out.startswith(start)
    for item in [*RULES.question_ids, *(r.id for r in RULES.rules), *(d.label for d in RULES.dispositions)]:
        assert item in out
    arrow = "-->" if fmt == "mermaid" else "->"
    assert f"r_cancer_with_deficit {arrow} d_urgent_care" in out


def test_check_passes_the_shipped_rule_files():
    result = invoke("check", "--strict", *SHIPPED)
    assert result.exit_code == 0, result.stdout
    # The default rule set's line also says its translations were checked with it.
    assert all(line.endswith(("rules)", "rules; translations: es)")) for line in result.stdout.splitlines())


LINTY = MINIMAL.replace(
    "  - {id: pain, type: yesno,",
    "  - {id: gate, type: yesno, text: 'Gate?', why: Because., ask_when: {question: later, is: yes}}\n"
    "  - {id: pain, type: yesno,",
).replace(
    "  - {id: temp, type: number,",
    "  - {id: later, type: yesno, text: 'Later?', why: Because.}\n  - {id: temp, type: number,",
) + """\
  - id: hot
    disposition: urgent
    when: {question: temp, at_least: 50}
    rationale: Cannot happen.
  - id: mid
    disposition: urgent
    when: {question: later, is: yes}
    rationale: Fine.
    source: here
sources:
  - {id: here, title: Here}
"""


def test_check_reports_each_lint_with_its_location(tmp_path):
    path = tmp_path / "linty.yaml"
    path.write_text(LINTY)
    result = invoke("check", path)
    assert result.exit_code == 0  # warnings alone pass without --strict
    lines = result.stdout.splitlines()
    assert f"{path}:9:5: warning: question 'gate' is used by no rule: asking it cannot change any result" in lines
    assert any(line.startswith(f"{path}:9:5: warning: question 'gate' is asked only when 'later' allows, but 'later' is asked later") for line in lines)
    assert f"{path}:14:5: warning: rule 'pain' gives no source; add 'source:' so reviewers can check it" in lines
    assert any("rule 'hot': 'temp is at least 50' can never be true: answers run from 30 to 45" in line for line in lines)
    assert invoke("check", "--strict", path).exit_code == 1


def test_check_finds_a_rule_that_a_more_urgent_rule_always_beats(tmp_path):
    text = MINIMAL.replace(
        "dispositions:\n", "dispositions:\n  - {id: first, label: First, colour: red, summary: Now.}\n"
    ) + """\
  - id: pain_and_temp
    disposition: first
    when: {any: [{question: pain, is: yes}, {question: temp, at_least: 40}]}
    rationale: Outranks the pain rule.
"""
    path = tmp_path / "shadow.yaml"
    path.write_text(text)
    out = invoke("check", path).stdout
    assert "warning: rule 'pain' can never decide the result: whenever it is true, the more urgent rule 'pain_and_temp' is true too" in out


def test_check_errors_exit_2_with_locations(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(MINIMAL.replace("is: yes", "is: perhaps"))
    result = invoke("check", path, *SHIPPED)
    assert result.exit_code == 2
    assert f"{path}:14:32: error: after 'is:' write yes or no" in result.stdout


def test_test_command_passes_the_default_cases_with_full_coverage():
    result = invoke("test", DEFAULT_RULES)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    from triage.read.casefile import load_cases

    from .conftest import DEFAULT_CASES

    assert lines[-1] == f"{len(load_cases(DEFAULT_CASES, RULES))} passed, 0 failed"
    assert lines[-2] == f"rule coverage: {len(RULES.rules)}/{len(RULES.rules)} rules fired in some case"


def test_test_command_reports_failures_with_answers_expected_actual_and_trace(tmp_path):
    cases = tmp_path / "c.yaml"
    cases.write_text(
        "defaults: {fever: no}\ncases:\n"
        "  - {name: right, answers: {night_pain: yes}, expect: see_doctor}\n"
        "  - {name: wrong, answers: {night_pain: yes}, expect: self_care, fired: [weight_loss]}\n"
    )
    result = invoke("test", DEFAULT_RULES, cases)
    assert result.exit_code == 1
    out = result.stdout
    assert f"FAILED {cases}:4: wrong" in out
    assert "answers: fever=no, night_pain=yes" in out
    assert "expected self_care, got see_doctor" in out and "expected fired [weight_loss], got [night_pain]" in out
    assert "How the result was reached" in out
    assert "never fired: collapse, bladder_dysfunction," in out
    assert out.splitlines()[-1] == "1 passed, 1 failed"


def test_test_command_reports_a_bad_cases_file(tmp_path):
    cases = tmp_path / "c.yaml"
    cases.write_text("cases:\n  - {name: x, answers: {fevr: yes}, expect: urgent}\n")
    result = invoke("test", DEFAULT_RULES, cases)
    assert result.exit_code == 2
    assert f"{cases}:2:25: no question 'fevr'" in result.output
    assert "no disposition 'urgent'" in result.output


def test_examples_pass_their_own_cases():
    for rules_file in SHIPPED:
        result = invoke("test", rules_file)
        assert result.exit_code == 0, result.stdout
        assert "never fired" not in result.stdout


def test_schema_validates_every_shipped_rule_file_and_rejects_mistakes(tmp_path):
    jsonschema = optional("jsonschema", "it checks the rule-file schema")
    schema = json.loads(invoke("schema").stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    from triage.read.yamlsafe import compose

    def as_data(text):
        return _plain(compose(text, "x"))

    for path in SHIPPED:
        errors = list(validator.iter_errors(as_data(path.read_text(encoding="utf-8"))))
        assert errors == [], (path, errors[:1])
    assert list(validator.iter_errors(as_data(MINIMAL.replace("rationale:", "rationle:"))))
    assert list(validator.iter_errors(as_data(MINIMAL.replace("is: yes", "is: maybe"))))


def _plain(node):
    """A composed YAML node as plain data, read the way the triage loader reads it."""
    from yaml.nodes import MappingNode, SequenceNode

    from triage.read.yamlsafe import StrictLoader

    if isinstance(node, MappingNode):
        return {_plain(k): _plain(v) for k, v in node.value}
    if isinstance(node, SequenceNode):
        return [_plain(v) for v in node.value]
    return StrictLoader("").construct_object(node)


def test_a_file_of_the_wrong_kind_is_named_and_sent_where_it_belongs(tmp_path):
    cases = ROOT / "rules" / "l2_l3_radiculopathy.cases.yaml"
    check = runner.invoke(app, ["check", str(cases)])
    assert check.exit_code == 2
    first = next(n for n, line in enumerate(cases.read_text().splitlines(), 1) if not line.startswith("#"))
    assert check.stdout.strip().splitlines() == [
        f"{cases}:{first}:1: error: this is a cases file: give it to `triage test RULES CASES`; here a rule file is needed"]
    answers = runner.invoke(app, ["run", "--answers", str(DEFAULT_RULES)])
    assert answers.exit_code == 2 and "this is a rule file: give it with --rules" in answers.output
    swapped = runner.invoke(app, ["test", str(DEFAULT_RULES), str(DEFAULT_RULES)])
    assert swapped.exit_code == 2 and "here a cases file is needed" in swapped.output


def test_a_missing_file_is_named_once():
    result = runner.invoke(app, ["check", "rules/my-rules.yaml"])
    assert result.stdout.strip() == "rules/my-rules.yaml: error: no such file"


def test_yaml_mistakes_are_said_in_plain_words(tmp_path):
    readme = runner.invoke(app, ["run", "--answers", str(ROOT / "README.md")])
    assert readme.exit_code == 2 and "this is not a YAML file of 'key: value' lines" in readme.output
    colon = tmp_path / "a.yaml"
    colon.write_text("fever: no: really\n")
    result = runner.invoke(app, ["run", "--answers", str(colon)])
    assert f"{colon}:1:10: a ':' where none can be; put text that contains ': ' in quotes" in result.output
    assert "mapping values" not in result.output


def test_check_without_a_file_checks_the_shipped_rule_set():
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0, result.output
    rules = load_rules()
    assert result.stdout.strip().endswith(
        f"l2_l3_radiculopathy.yaml: ok ({len(rules.questions)} questions, {len(rules.rules)} rules; translations: es)")
    assert runner.invoke(app, ["check", "--for", "redcap"]).exit_code == 0  # the default set fits every tool


def test_check_and_test_take_rules_like_every_command_and_default_to_the_shipped_set(tmp_path):
    from triage.read.loader import default_rules_path

    shipped = invoke("test", DEFAULT_RULES)
    assert invoke("test").stdout == shipped.stdout and invoke("test", "--rules", DEFAULT_RULES).stdout == shipped.stdout
    assert invoke("check").stdout == (f"{default_rules_path()}: ok ({len(RULES.questions)} questions, {len(RULES.rules)} rules; "
                                      "translations: es)\n")
    path = tmp_path / "mine.yaml"
    path.write_text(MINIMAL)
    mine = invoke("check", "--rules", path)
    assert mine.exit_code == 0 and f"{path}:12:5: warning: rule 'pain' gives no source" in mine.stdout
    cases = tmp_path / "c.yaml"  # with --rules, a lone argument is the cases file
    cases.write_text("cases:\n  - {name: wrong, answers: {fever: no}, expect: urgent_care}\n")
    result = invoke("test", "--rules", DEFAULT_RULES, cases)
    assert result.exit_code == 1 and f"FAILED {cases}:2: wrong" in result.stdout
    both = invoke("test", DEFAULT_RULES, cases, "--rules", DEFAULT_RULES)
    assert both.exit_code == 2 and "not both" in both.output
