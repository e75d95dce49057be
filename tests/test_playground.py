"""The teaching playground, driven in a real headless Chromium (the OS package) with Playwright.

Each result the page shows is compared with `triage run --answers` for the same answers. In CI a
missing browser is a failure, not a skip (.ci/run installs Debian's chromium when it is absent).
"""

import json
import shutil
import socket
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from triage import load_rules
from triage.cli import app as cli

from .conftest import DEFAULT_RULES, ROOT, needs, optional

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
optional("playwright", "it drives the browser")
optional("uvicorn", "it serves the playground")
needs(bool(CHROMIUM), "the playground tests need Chromium: apt-get install chromium")

EXAMPLE = ROOT / "rules" / "examples" / "every_feature.yaml"
runner = CliRunner()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    import uvicorn

    from triage.teach.playground import app

    port = free_port()
    config = uvicorn.Config(app(DEFAULT_RULES), host="127.0.0.1", port=port, log_level="error")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/"
    srv.should_exit = True
    thread.join(5)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.goto(server)
    pg.wait_for_selector("body[data-busy='false']", state="attached")
    yield pg
    context.close()


def settle(pg):
    pg.wait_for_selector("body[data-busy='false']", state="attached")
    pg.wait_for_timeout(50)
    pg.wait_for_selector("body[data-busy='false']", state="attached")


def cli_result(answers, tmp_path, rules=DEFAULT_RULES):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers))
    result = runner.invoke(cli, ["run", "--answers", str(path), "--rules", str(rules), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_answering_moves_the_result_and_lights_up_the_deciding_rule(page, tmp_path):
    assert page.locator("#result [data-disposition]").get_attribute("data-disposition") == "see_doctor"
    page.locator('input[name="saddle_anesthesia"][value="yes"]').check()
    settle(page)
    assert page.locator("#result [data-disposition]").get_attribute("data-disposition") == "urgent_care"
    deciding = page.locator("#flowchart li.rule.deciding")
    assert deciding.get_attribute("data-rule") == "saddle_anesthesia" and "DECIDED" in deciding.inner_text()
    assert page.locator('#trace tr[data-rule="saddle_anesthesia"]').inner_text().startswith("→ saddle_anesthesia")
    # Unsure and not recorded look different, and say so in words.
    page.locator('input[name="saddle_anesthesia"][value="unsure"]').check()
    settle(page)
    box = page.locator('#flowchart .rule[data-rule="saddle_anesthesia"]')
    assert box.get_attribute("data-outcome") == "unsure" and "UNSURE" in box.inner_text()
    assert page.locator('#flowchart .rule[data-rule="bowel_incontinence"]').get_attribute("data-outcome") == "not-recorded"
    # The URL holds the case.
    assert "saddle_anesthesia=unsure" in page.url


def test_questions_the_questionnaire_would_skip_are_greyed_and_marked(page):
    page.locator('input[name="fever"][value="no"]').check()
    settle(page)
    temp = page.locator('fieldset[data-question="temperature_c"]')
    assert temp.get_attribute("data-asked") == "false" and "not asked" in temp.inner_text()


def test_a_case_link_opens_the_same_case(browser, server, tmp_path):
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    pg = context.new_page()
    pg.goto(server + "#urinary_retention=yes&age=70")
    settle(pg)
    assert pg.locator('input[name="urinary_retention"][value="yes"]').is_checked()
    assert pg.locator("#result [data-disposition]").get_attribute("data-disposition") == \
        cli_result({"urinary_retention": "yes", "age": 70}, tmp_path)["disposition"]
    context.close()


def test_a_broken_rule_file_shows_its_message_at_its_line_and_the_page_keeps_working(page):
    editor = page.locator("#rules-text")
    text = editor.input_value()
    lines = text.splitlines()
    start = lines.index("rules:")
    where = next(i for i, line in enumerate(lines) if i > start and line.strip() == "- id: bowel_incontinence")
    assert "disposition: urgent_care" in lines[where + 1]
    lines[where + 1] = lines[where + 1].replace("disposition: urgent_care", "disposition: nowhere")
    editor.fill("\n".join(lines))
    page.wait_for_selector("body[data-rules-ok='false']", state="attached", timeout=10_000)
    message = page.locator("#messages li.error").first
    assert f"line {where + 2}" in message.inner_text() and "nowhere" in message.inner_text()
    page.locator('input[name="saddle_anesthesia"][value="yes"]').check()
    settle(page)
    assert page.locator("#result [data-disposition]").get_attribute("data-disposition") == "urgent_care"
    editor.fill(text)
    page.wait_for_selector("body[data-rules-ok='true']", state="attached", timeout=10_000)


def test_what_if_shows_before_and_after(page):
    page.select_option("#what-if-question", "bilateral_leg_symptoms")
    page.locator("#what-if-answer").press_sequentially("yes")
    page.click("#what-if-go")
    page.wait_for_selector("#what-if .what-if")
    box = page.locator("#what-if .what-if")
    assert box.get_attribute("data-before") == "see_doctor" and box.get_attribute("data-after") == "urgent_care"
    assert "bilateral_leg_symptoms" in box.inner_text()


def test_what_if_takes_a_number_for_a_number_question(page):
    """Issue 23: the what-if offered only yes/no/unsure, so "what if the temperature were 39" could not be tried."""
    page.select_option("#what-if-question", "temperature_c")
    page.locator("#what-if-answer").press_sequentially("39")
    page.locator("#what-if-answer").press("Enter")
    page.wait_for_selector("#what-if .what-if")
    box = page.locator("#what-if .what-if")
    assert box.get_attribute("data-after") == "urgent_care", box.inner_text()
    assert box.get_attribute("data-before") != "urgent_care"


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.data())
def test_every_result_on_screen_equals_triage_run(page, server, tmp_path, data):
    rules = load_rules(DEFAULT_RULES)
    answers = {}
    for q in rules.questions:
        if q.type == "number":
            lo, hi = q.minimum or 0, q.maximum or 100
            candidates = [x for x in (lo, hi, 6, 17, 38, 38.5, 60, 70) if lo <= x <= hi]
            value = data.draw(st.sampled_from(["", *(f"{x:g}" for x in candidates)]))
        else:
            value = data.draw(st.sampled_from(["", "no", "no", "no", "yes", "unsure"]))
        if value:
            answers[q.id] = value
    page.goto("about:blank")
    page.goto(server + "#" + "&".join(f"{k}={v}" for k, v in answers.items()))
    settle(page)
    expected = cli_result(answers, tmp_path)
    assert page.locator("#result [data-disposition]").get_attribute("data-disposition") == expected["disposition"]
    shown = page.locator("#result").inner_text()
    if expected["action"]:
        assert expected["action"] in " ".join(shown.split())
    flat = " ".join(shown.split())
    for rule in expected["unknown"]:  # as the terminal says it: the rationale, then what to do if so
        assert " ".join(rule["text"].split()) in flat and "If this turns out to be so:" in flat


def test_export_writes_one_self_contained_case(tmp_path):
    out = tmp_path / "case.html"
    result = runner.invoke(cli, ["playground", "--export", str(out), "--set", "saddle_anesthesia=yes", "--set", "age=60"])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "<script>" not in text and "http://" not in text.replace("http://www.w3.org", "")
    assert 'data-disposition="urgent_care"' in text and 'class="rule true deciding" data-rule="saddle_anesthesia"' in text
    assert (out.stat().st_mode & 0o077) == 0
    # A page to read (issue 23): no inputs that do nothing, and no promise of a live page.
    assert "<input" not in text and "<textarea" not in text and "Change an answer" not in text
    assert "Answer: <strong>yes</strong>" in text and "Answer: <strong>60</strong>" in text


def request(server, path="", body=None, headers=None, method=None):
    """(status, headers, JSON or text) of one raw HTTP request, with any headers a hostile page could send."""
    import http.client
    import json as json_
    from urllib.parse import urlsplit

    where = urlsplit(server)
    con = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    data = body if isinstance(body, bytes) or body is None else json_.dumps(body).encode()
    sent = {"Host": where.netloc, **({"Content-Type": "application/json"} if data is not None else {}), **(headers or {})}
    con.request(method or ("POST" if data is not None else "GET"), "/" + path, body=data, headers=sent)
    response = con.getresponse()
    text = response.read().decode("utf-8", "replace")
    con.close()
    try:
        return response.status, {k.lower(): v for k, v in response.getheaders()}, json_.loads(text)
    except ValueError:
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text


@pytest.mark.parametrize("headers,status", [
    ({"Host": "evil.example"}, 403),  # DNS rebinding: another name for this address
    ({"Origin": "http://evil.example"}, 403),  # a cross-site POST
    ({"Content-Type": "text/plain"}, 415),  # what a browser sends cross-site without asking first
])
def test_the_server_refuses_what_a_web_page_elsewhere_could_send(server, headers, status):
    got, sent_headers, body = request(server, "api/state", {"answers": {}}, headers)
    assert got == status and "error" in body and sent_headers.get("cache-control") == "no-store"
    page_status, _, _ = request(server, "", headers={"Host": "evil.example"})
    assert page_status == 403  # nor the page, which holds the rule text


def test_the_server_bounds_each_request_and_answers_wrong_shapes_with_400(server):
    status, _, body = request(server, "api/state", b"{" + b" " * (12 << 20) + b"}")
    assert status == 413 and "over 11 MB" in body["error"]
    for wrong in ({"answers": [], "rules": "x"}, {"rules": 7}, {"answers": {}, "what_if": {"question": ["fever"]}}, [1]):
        status, _, body = request(server, "api/state", wrong)
        assert status in (200, 400), (wrong, status)  # a what_if naming no question is ignored, never a 500
    ok, headers, _ = request(server, "api/state", {"answers": {"fever": "yes"}})
    assert ok == 200 and "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "'unsafe-inline'" not in headers["content-security-policy"].split("script-src")[1].split(";")[0]


def test_a_long_rule_text_is_checked_while_other_requests_are_answered(server):
    """Issue 23: 20,000 rules tied the server up for 74 s (lint was quadratic, and ran on the event loop)."""
    text = DEFAULT_RULES.read_text().split("\nrules:\n")[0] + "\nrules:\n" + "".join(
        f"  - id: r{i}\n    disposition: {'urgent_care' if i % 2 else 'see_doctor'}\n"
        f"    when: {{question: age, at_least: {i / 100}}}\n    rationale: Rule {i}.\n    source: seed\n"
        for i in range(3000))
    done = []
    big = threading.Thread(target=lambda: done.append(("big", request(server, "api/state", {"answers": {}, "rules": text}))))
    big.start()
    time.sleep(0.2)
    small = request(server, "api/state", {"answers": {"fever": "yes"}})
    done.append(("small", small))
    big.join(60)
    assert [name for name, _ in done] == ["small", "big"] and small[0] == 200
    status, _, body = done[1][1]
    assert status == 200, body
    assert sum("can never decide" in m["message"] for m in body["messages"]) >= 1000


def test_a_check_that_runs_out_of_time_says_so_clearly(server, monkeypatch):
    from triage.teach import playground

    monkeypatch.setattr(playground, "CHECK_SECONDS", 0.001)
    status, headers, body = request(server, "api/state", {"answers": {}, "rules": DEFAULT_RULES.read_text()})
    assert status == 503 and headers["cache-control"] == "no-store"
    assert "took over 0.001 s" in body["error"] and "triage check" in body["error"]


def test_the_address_is_printed_only_once_the_port_is_bound():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = runner.invoke(cli, ["playground", "--port", str(port)])
    assert result.exit_code == 2 and "Address already in use" in result.stderr
    assert "playground on http" not in result.output


def test_typing_a_number_between_other_answers_keeps_every_answer(page):
    """Issue 23: typing a number made the page redraw the form, the focused box's removal fired
    `change`, and a request built from the half-replaced form wiped every answer (0 of 10 cases kept
    them). Typed key by key, under the page's real CSP, with clicks before and after."""
    page.locator('input[name="urinary_retention"][value="no"]').check()
    settle(page)
    page.locator('input[name="fever"][value="yes"]').check()
    settle(page)
    age = page.locator('input[name="age"]')
    age.click()
    age.press_sequentially("4", delay=300)  # a pause past the page's own 250 ms: it redraws mid-number
    age.press_sequentially("0", delay=50)
    page.wait_for_timeout(400)
    settle(page)
    page.locator('input[name="faint"][value="no"]').check()
    settle(page)
    assert page.locator('input[name="urinary_retention"][value="no"]').is_checked()
    assert page.locator('input[name="fever"][value="yes"]').is_checked()
    assert page.locator('input[name="faint"][value="no"]').is_checked()
    assert page.locator('input[name="age"]').input_value() == "40"
    assert all(f"{q}=" in page.url for q in ("urinary_retention", "fever", "age", "faint"))


def test_a_malformed_case_link_is_ignored_and_the_page_works(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(server + "#fever=%E0%A4%A&urinary_retention=yes")
    settle(pg)
    assert errors == [] and pg.locator('input[name="urinary_retention"][value="yes"]').is_checked()
    note = pg.locator("#link-note")
    assert note.is_visible() and "could not be read and was left out: fever=%E0%A4%A" in note.inner_text()
    context.close()


def test_on_a_phone_the_result_is_near_the_top_and_nothing_scrolls_sideways(browser, server):
    """Issue 23: at 390 px the trace table was 631 px wide and the result sat 7,800 px down."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    pg = context.new_page()
    pg.goto(server + "#age=72&weakness=yes&urinary_incontinence=unsure&fever=no&diabetes=yes")
    settle(pg)
    assert pg.evaluate("document.documentElement.scrollWidth") <= 390
    top = pg.evaluate("document.querySelector('#result').getBoundingClientRect().top + window.scrollY")
    assert top < 844, top  # on the first screen, above the questions
    questions = pg.evaluate("document.querySelector('#answers').getBoundingClientRect().top + window.scrollY")
    assert top < questions
    context.close()


# axe-core, the npm package (.ci/run installs it with `npm install --prefix .axe axe-core`).
AXE = ROOT / ".axe" / "node_modules" / "axe-core" / "axe.min.js"


def axe_audit(pg):
    """axe-core's serious and critical violations on the page as it is now. The script goes in through
    the browser's debugger, as a browser extension would, so the page keeps its real CSP."""
    needs(AXE.is_file(), "the accessibility audit needs axe-core: npm install --prefix .axe axe-core")
    pg.evaluate(AXE.read_text(encoding="utf-8"))
    found = pg.evaluate("axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map("
                        "v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)})))")
    return [v for v in found if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_page_passes_an_axe_audit_in_each_language(browser, server, lang):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.goto(f"{server}?lang={lang}#age=72&fever=unsure&weakness=yes")
    settle(pg)
    assert pg.evaluate("document.documentElement.lang") == lang
    assert pg.locator("#result").get_attribute("aria-live") == "polite"
    assert axe_audit(pg) == []
    # After an answer changes the page, too: the redrawn form and result are audited again.
    pg.locator("input[name='fever'][value='yes']").check()
    settle(pg)
    assert axe_audit(pg) == []
    context.close()


def test_the_language_switch_keeps_every_answer_and_the_result(browser, server, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.goto(server + "#fever=unsure&weakness=yes")
    settle(pg)
    pg.locator("#age").count()  # the page is drawn
    pg.locator("input[name='temperature_c']").fill("38,5")
    settle(pg)
    with pg.expect_navigation():
        pg.locator("#language").select_option("es")
    settle(pg)
    spanish = load_rules(None, "es")
    want = cli_result({"fever": "unsure", "weakness": "yes", "temperature_c": 38.5}, tmp_path)
    assert pg.evaluate("document.documentElement.lang") == "es"
    assert pg.locator("#result [data-disposition]").get_attribute("data-disposition") == want["disposition"]
    assert spanish.disposition(want["disposition"]).label.upper() in pg.locator("#result h2").inner_text()
    assert "Traducción aún no revisada" in pg.locator("#result").inner_text()
    assert pg.locator("input[name='fever'][value='unsure']").is_checked()
    assert pg.locator("input[name='temperature_c']").input_value() == "38,5"
    assert pg.locator("#h-questions").inner_text() == "Preguntas"
    context.close()
