"""Languages, regions and plain output: what a person reads changes, what triage decides never does.

The Spanish translation is checked against its rule file (nothing missing, no qualifier lost, an easy
reading level); a person typing only Spanish gets the result an English run gives for the same answers;
`--region generic` names no UK service; and the exports carry both languages to their tools' checkers.
"""

import json
import re
import shutil
import statistics

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from triage import evaluate, load_rules
from triage.cli import app
from triage.core.errors import AnswerError
from triage.core.model import NUMBER
from triage.core.words import speaking
from triage.read.loader import load_source
from triage.read.translation import interface_words, load_translation, translation_problems
from triage.render.result import result_dict, result_renderable

from .conftest import DEFAULT_RULES, ROOT

SPANISH = ROOT / "rules" / "l2_l3_radiculopathy.es.yaml"
UK_SERVICES = re.compile(r"A&E|\b111\b|\b999\b|\bGP\b|\bNHS\b")
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
runner = CliRunner()


@pytest.fixture(scope="module")
def every_reading():
    """The default rule set in each language and region."""
    return {(lang, region): load_rules(None, lang, region) for lang in ("en", "es") for region in ("uk", "generic")}


def answers_for(rules):
    """Any answers to the default rule set, as the engine takes them."""
    def one(q):
        if q.type == NUMBER:
            return st.one_of(st.none(), st.floats(q.minimum or 0, q.maximum or 100).map(lambda x: round(x, 1)))
        return st.sampled_from([None, "yes", "no", "unsure"])

    return st.fixed_dictionaries({q.id: one(q) for q in rules.questions}).map(
        lambda d: {k: v for k, v in d.items() if v is not None})


def spoken(rules, answers, lang):
    """Everything a person reads of a result: the JSON a program gets, and the plain terminal text."""
    from rich.console import Console

    with speaking(lang, interface_words(lang)):
        result = evaluate(rules, answers)
        console = Console(width=100, record=True, file=open("/dev/null", "w"))
        console.print(result_renderable(result, None, plain=True))
        return result, json.dumps(result_dict(result), ensure_ascii=False), console.export_text()


# --- the translation file against its rule file ----------------------------------------------


def test_the_shipped_spanish_translation_is_complete_current_and_keeps_every_qualifier():
    assert translation_problems(load_source(DEFAULT_RULES), load_translation(SPANISH)) == []


def test_check_names_a_stale_and_a_missing_translation_at_file_and_line(tmp_path):
    rules = tmp_path / "r.yaml"
    rules.write_text(DEFAULT_RULES.read_text(encoding="utf-8"), encoding="utf-8")
    text = SPANISH.read_text(encoding="utf-8")
    # Stale: the English changed after translating. Missing: one text's entry taken out.
    rules.write_text(rules.read_text().replace("Have you lost weight without trying?", "Have you lost weight without meaning to?"))
    entry = re.search(r"  questions\.fever\.why:\n    source: .*\n    text: .*\n", text)
    (tmp_path / "r.es.yaml").write_text(text.replace(entry.group(0), ""), encoding="utf-8")
    out = runner.invoke(app, ["check", "--strict", str(rules)])
    assert out.exit_code == 1
    lines = out.stdout.splitlines()
    written = (tmp_path / "r.es.yaml").read_text(encoding="utf-8").splitlines()
    stale_line = next(i for i, t in enumerate(written, 1) if "Have you lost weight without trying?" in t)
    assert f"{tmp_path / 'r.es.yaml'}:{stale_line}: warning: stale: questions.weight_loss.text changed" in out.stdout
    why_line = next(i for i, t in enumerate(rules.read_text().splitlines(), 1)
                    if "A fever with back pain can mean an infection in or near the spine." in t and "why:" in t)
    assert f"{rules}:{why_line}: warning: no es translation of questions.fever.why" in out.stdout
    assert len(lines) == 2, lines
    # Until it is updated the English is shown, never the old translation of other words.
    es = load_rules(rules, "es")
    assert es.question("weight_loss").text == "Have you lost weight without meaning to?"
    assert es.question("fever").why == "A fever with back pain can mean an infection in or near the spine."


def test_a_translation_that_drops_a_red_flag_qualifier_is_named(tmp_path):
    rules = tmp_path / "r.yaml"
    shutil.copy(DEFAULT_RULES, rules)
    text = SPANISH.read_text(encoding="utf-8")
    broken = text.replace('"Desde que empezó el dolor, ¿tienes una pierna hinchada?', '"¿Tienes una pierna hinchada?')
    assert broken != text
    (tmp_path / "r.es.yaml").write_text(broken, encoding="utf-8")
    out = runner.invoke(app, ["check", str(rules)])
    assert "questions.leg_swelling.text lost the qualifier 'since the pain began'" in out.stdout


def test_a_translation_must_keep_the_service_names_of_its_source(tmp_path):
    rules = tmp_path / "r.yaml"
    shutil.copy(DEFAULT_RULES, rules)
    text = SPANISH.read_text(encoding="utf-8").replace('"Llama ahora a {emergency_number}."', '"Llama ahora al 112."')
    (tmp_path / "r.es.yaml").write_text(text, encoding="utf-8")
    out = runner.invoke(app, ["check", str(rules)])
    assert "rules.collapse.action must keep the service names {...} of its source: emergency_number" in out.stdout


def test_spanish_questions_read_at_a_grade_6_level():
    """Fernández-Huerta: 80-90 is 'easy' (about grade 6), 70-80 'fairly easy' (grade 7). Every question at
    least 75, half of them 85 or more; Szigriszt-Pazos (INFLESZ) agrees that none is harder than normal."""
    textstat = pytest.importorskip("textstat")
    textstat.set_lang("es")
    questions = load_rules(None, "es").questions
    scores = {q.id: textstat.fernandez_huerta(q.text) for q in questions}
    assert min(scores.values()) >= 75, sorted(scores.items(), key=lambda kv: kv[1])[:3]
    assert statistics.median(scores.values()) >= 85
    assert min(textstat.szigriszt_pazos(q.text) for q in questions) >= 65
    textstat.set_lang("en")


def test_the_unreviewed_translation_says_so_once_in_every_result(every_reading):
    assert not load_translation(SPANISH).reviewed
    notice = load_translation(SPANISH).notice
    for (lang, _), rules in every_reading.items():
        _, as_json, as_text = spoken(rules, {"fever": "yes"}, lang)
        assert (as_text.count(notice) == 1) == (lang == "es")
        assert (json.loads(as_json).get("notice") == notice) == (lang == "es")


# --- what a person types ---------------------------------------------------------------------


def test_spanish_answers_are_accepted_as_well_as_english_and_only_in_spanish():
    from triage.core.answers import parse_answer
    from triage.core.logic import UNSURE

    rules = load_rules(None, "es")
    q = rules.question("fever")
    with speaking("es", interface_words("es")):
        assert [parse_answer(q, w) for w in ("sí", "Si", "no", "no sé", "No se", "yes", "unsure")] == [
            True, True, False, UNSURE, UNSURE, True, UNSURE]
        assert parse_answer(rules.question("temperature_c"), "38,5") == 38.5
        with pytest.raises(AnswerError, match="no es una respuesta; usa sí, no o no sé"):
            parse_answer(q, "quizá")
    # In English, a Spanish word is not an answer: nothing is guessed.
    with pytest.raises(AnswerError, match="is not an answer; use yes, no or unsure"):
        parse_answer(q, "sí")


def test_the_interface_words_have_every_key_and_keep_every_placeholder():
    from string import Formatter

    from triage.core.words import ENGLISH

    spanish = interface_words("es")
    assert set(spanish) == set(ENGLISH)
    for key, english in ENGLISH.items():
        names = {f for _, f, _, _ in Formatter().parse(english) if f}
        assert {f for _, f, _, _ in Formatter().parse(spanish[key]) if f} == names, key


# --- what triage decides ---------------------------------------------------------------------


@SETTINGS
@given(data=st.data())
def test_dispositions_and_rules_are_the_same_in_every_language_and_region(every_reading, data):
    english = every_reading[("en", "uk")]
    answers = data.draw(answers_for(english))
    want = evaluate(english, answers)
    for (lang, _), rules in every_reading.items():
        got, _, _ = spoken(rules, answers, lang)
        assert got.disposition.id == want.disposition.id
        assert [r.id for r in got.fired] == [r.id for r in want.fired]
        assert [r.id for r in got.unknown] == [r.id for r in want.unknown]
        assert (got.action_rule and got.action_rule.id) == (want.action_rule and want.action_rule.id)


@SETTINGS
@given(data=st.data())
def test_region_generic_names_no_uk_service_in_any_result(every_reading, data):
    answers = data.draw(answers_for(every_reading[("en", "uk")]))
    for lang in ("en", "es"):
        _, as_json, as_text = spoken(every_reading[(lang, "generic")], answers, lang)
        assert not UK_SERVICES.search(as_json), UK_SERVICES.search(as_json)
        assert not UK_SERVICES.search(as_text)


def test_the_uk_region_names_the_nhs_services_and_generic_says_what_they_do(every_reading):
    uk, generic = every_reading[("en", "uk")], every_reading[("en", "generic")]
    assert uk.rule("collapse").action == "Call 999 now."
    assert generic.rule("collapse").action == "Call your local emergency number now."
    assert uk.rule("bladder_dysfunction").action.startswith("Go to A&E now.")
    assert generic.rule("bladder_dysfunction").action.startswith("Go to an emergency department now.")
    assert every_reading[("es", "uk")].rule("collapse").action == "Llama ahora al 999."
    # No text anywhere is left with a service name unfilled.
    from triage.core.locale import texts

    for rules in every_reading.values():
        assert not [t for t in texts(rules).values() if re.search(r"\{[a-z_]+\}", t)]


def test_an_unknown_language_or_region_is_a_one_line_error():
    out = runner.invoke(app, ["run", "--lang", "fr", "--answers", "/dev/null"])
    assert out.exit_code == 2 and "has no translation into 'fr'" in out.output and "languages: en, es" in out.output
    out = runner.invoke(app, ["run", "--region", "mars", "--answers", "/dev/null"])
    assert out.exit_code == 2 and "no region 'mars'; regions: generic, uk" in out.output


# --- exports ---------------------------------------------------------------------------------


def test_the_fhir_questionnaire_carries_spanish_and_validates():
    from fhir.resources.R4B.questionnaire import Questionnaire

    out = runner.invoke(app, ["export", "--to", "fhir"])
    assert out.exit_code == 0
    resource = json.loads(out.stdout)
    Questionnaire.model_validate(resource) if hasattr(Questionnaire, "model_validate") else Questionnaire.parse_obj(resource)
    spanish = load_rules(None, "es")

    def translation(element):
        (ext,) = element["extension"]
        parts = {e["url"]: e for e in ext["extension"]}
        assert ext["url"] == "http://hl7.org/fhir/StructureDefinition/translation" and parts["lang"]["valueCode"] == "es"
        return parts["content"]["valueString"]

    assert translation(resource["_title"]) == spanish.title
    items = {i["linkId"]: i for i in resource["item"]}
    assert translation(items["triage-disclaimer"]["_text"]) == spanish.disclaimer
    for q in spanish.questions:
        assert spanish.question(q.id).text in translation(items[q.id]["_text"])
        assert translation(items[q.id]["item"][0]["_text"]) == q.why
    yes = items["fever"]["answerOption"][0]["valueCoding"]
    assert yes["code"] == "Y" and translation(yes["_display"]) == "Sí"


def test_the_xlsform_carries_spanish_and_pyxform_accepts_it_without_a_warning(tmp_path):
    pytest.importorskip("openpyxl")
    pyxform = pytest.importorskip("pyxform.xls2xform")
    path = tmp_path / "form.xlsx"
    out = runner.invoke(app, ["export", "--to", "xlsform", "--output", str(path)])
    assert out.exit_code == 0, out.output
    converted = pyxform.convert(xlsform=str(path))
    assert converted.warnings == []
    xform = converted.xform
    assert '<translation lang="English (en)" default="true()">' in xform and '<translation lang="Español (es)">' in xform
    for q in load_rules(None, "es").questions:
        assert q.text.replace("&", "&amp;") in xform, q.id


def test_redcap_gets_one_language_per_dictionary():
    out = runner.invoke(app, ["export", "--to", "redcap", "--lang", "es"])
    assert out.exit_code == 0
    assert "¿Cuántos años tienes?" in out.stdout and "1, Sí | 0, No | 9, No sé" in out.stdout
    assert "How old are you" not in out.stdout


# --- the laws, on generated rule sets --------------------------------------------------------


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_translation_changes_exactly_the_texts_it_covers_and_no_result(tmp_path_factory, data):
    """For any rule set and any part of it translated: each translated text is shown in translation,
    every other text in English, check names exactly the texts left out, and every result is the same."""
    from triage.core.locale import texts
    from triage.evaluation.engine import evaluate_values

    from .rulesets import rows_for, rule_sets

    text, _ = data.draw(rule_sets())
    where = tmp_path_factory.mktemp("generated")
    rules_path = where / "gen.yaml"
    rules_path.write_text(text, encoding="utf-8")
    source = load_source(rules_path)
    english = texts(source)
    chosen = data.draw(st.sets(st.sampled_from(sorted(english))))
    entries = "".join(f"  {key}:\n    source: {json.dumps(english[key])}\n    text: {json.dumps('«' + key + '» ' + english[key][::-1])}\n"
                      for key in sorted(chosen))
    (where / "gen.xx.yaml").write_text(f"translation_of: {source.id}\nlanguage: xx\nname: Xx\nreviewed: true\n"
                                       f"texts:{chr(10) + entries if entries else ' {}'}\n", encoding="utf-8")
    shown = texts(load_rules(rules_path, "xx"))
    assert shown.keys() == english.keys()
    for key, words in shown.items():
        assert words == ("«" + key + "» " + english[key][::-1] if key in chosen else english[key])
    problems = translation_problems(source, load_translation(where / "gen.xx.yaml"))
    assert sorted(p.message.split()[4] for p in problems) == sorted(set(english) - chosen)
    translated, plain = load_rules(rules_path, "xx"), load_rules(rules_path)
    for row in data.draw(rows_for(plain, valid_only=True, max_size=4)):
        from triage.core.answers import parse_answers

        values = parse_answers(plain, dict(zip([q.id for q in plain.questions], row)))
        want, got = evaluate_values(plain, values), evaluate_values(translated, values)
        assert (got.disposition.id, [r.id for r in got.fired], [r.id for r in got.unknown]) == (
            want.disposition.id, [r.id for r in want.fired], [r.id for r in want.unknown])


def test_a_region_file_of_ones_own_names_its_services(tmp_path):
    region = tmp_path / "ie.yaml"
    text = (ROOT / "rules" / "regions" / "generic.yaml").read_text(encoding="utf-8")
    region.write_text(text.replace("region: generic", "region: ie").replace("your local emergency number", "112 or 999"),
                      encoding="utf-8")
    (tmp_path / "a.yaml").write_text("sudden_onset: yes\nfaint: yes\n")
    out = runner.invoke(app, ["run", "--region", str(region), "--answers", str(tmp_path / "a.yaml"), "-f", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["action"] == "Call 112 or 999 now."
    # A region file that leaves out a term is refused, naming it.
    region.write_text(text.replace("  doctor:\n    en: your doctor\n    es: tu médico\n", ""), encoding="utf-8")
    out = runner.invoke(app, ["run", "--region", str(region), "--answers", str(tmp_path / "a.yaml")])
    assert out.exit_code == 2 and "'terms' is missing 'doctor:'" in out.output


def test_score_with_lang_changes_the_summary_and_not_one_byte_of_the_output(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("fever,age\nyes,40\nsí,\n", encoding="utf-8")
    english = runner.invoke(app, ["score", str(source), "--allow-missing", "-o", str(tmp_path / "en.csv")])
    spanish = runner.invoke(app, ["score", str(source), "--allow-missing", "-o", str(tmp_path / "es.csv"), "--lang", "es"])
    assert english.exit_code == spanish.exit_code == 1  # "sí" is not a spelling a file may hold
    assert (tmp_path / "en.csv").read_bytes() == (tmp_path / "es.csv").read_bytes()
    assert "filas puntuadas" in spanish.stderr and "Traducción aún no revisada" in spanish.stderr
    assert "Scored 2 rows" in english.stderr and "Traducción" not in english.stderr


def test_a_command_in_spanish_leaves_the_next_one_and_the_library_in_english(tmp_path):
    from triage.core.words import language, w

    answers = tmp_path / "a.yaml"
    answers.write_text("fever: yes\n")
    assert runner.invoke(app, ["run", "--lang", "es", "--answers", str(answers)]).output.startswith("Resultado: ")
    assert runner.invoke(app, ["run", "--answers", str(answers)]).output.startswith("Result: ")
    assert (language(), w("result.why")) == ("en", "Why:")
    assert runner.invoke(app, ["run", "--lang", "es", "--answers", str(tmp_path / "none.yaml")]).exit_code == 2
    assert language() == "en"
