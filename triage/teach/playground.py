"""The teaching playground: the rule file, the answers and the decision side by side, in a browser.

Everything shown is rendered here, in Python, by the same engine as `triage run` (the page's script only
sends the answers and the rule text and swaps in the HTML it gets back), so there is no second
evaluator in the browser. `page()` also writes the static export of one case (no script at all).
The web server (Starlette on uvicorn) is in the optional `web` extra; this module imports it only in
`app()`.
"""

from __future__ import annotations

import asyncio
import functools
import html
import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping
from urllib.parse import quote

from ..core.answers import parse_answer
from ..core.describe import describe
from ..core.errors import AnswerError, RuleFileError, TriageError
from ..core.logic import NOT_RECORDED, UNSURE, Value
from ..core.model import NUMBER, RuleSet
from ..core.words import language, w
from ..evaluation.engine import Result, evaluate_values
from ..formtools.skiplogic import plain_text
from ..questionnaire.session import Session

if TYPE_CHECKING:
    from starlette.responses import Response

WEB = Path(__file__).resolve().parent / "web"
CHOICES = ("yes", "no", "unsure", "")  # "" is "not recorded"
# mutant: playground-unsure-class
OUTCOME_CLASS = {True: "true", False: "false", UNSURE: "unsure", NOT_RECORDED: "not-recorded"}
OUTCOME_LABEL = {True: "TRUE", False: "false", UNSURE: "UNSURE", NOT_RECORDED: "NOT RECORDED"}


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


@dataclass
class State:
    """A rule set, the answers given, and what triage makes of them."""

    rules: RuleSet
    raw: dict[str, str]  # question id -> the answer as given ("" or absent: not recorded)
    values: dict[str, Value]
    problems: dict[str, str]  # question id -> why its answer was not accepted
    result: Result
    asked: list[str]  # the questions the terminal questionnaire would ask, given these answers


def state(rules: RuleSet, raw: Mapping[str, str]) -> State:
    """Evaluate as `triage run --answers` does: every valid answer given counts; blanks are not recorded."""
    values: dict[str, Value] = {}
    problems: dict[str, str] = {}
    kept: dict[str, str] = {}
    for q in rules.questions:
        text = str(raw.get(q.id, "") or "").strip()
        if not text:
            continue
        kept[q.id] = text
        try:
            # mutant: playground-unsure-answer
            values[q.id] = parse_answer(q, text)
        except AnswerError as exc:
            problems[q.id] = exc.reason
    result = evaluate_values(rules, values)
    # Which questions the terminal would ask: replay the given answers; one not given is skipped there.
    session = Session(rules)
    while (nxt := session.next_question()) is not None:
        session.answer(nxt, kept.get(nxt.id) if nxt.id not in problems else None)
    return State(rules, kept, values, problems, result, list(session.history))


def check_messages(text: str, name: str = "rules.yaml", lang: str | None = None, path: str | None = None,
                   region: str | None = None) -> tuple[RuleSet | None, list[dict[str, Any]]]:
    """The rule text checked as `triage check` does: the rule set (None if it has errors), and messages.
    In another language, the translation beside the rule file at `path` is applied to the edited text:
    a text the person changed has no translation yet, so it shows as they wrote it."""
    import dataclasses

    from ..authoring.lint import lint
    from ..read.loader import parse_source
    from ..read.translation import localise

    try:
        source = parse_source(text, name)
        rules = localise(dataclasses.replace(source, path=path or name), lang, region)
    except RuleFileError as exc:
        return None, [_message(p) for p in exc.problems]
    except TriageError as exc:
        return None, [{"line": None, "column": None, "severity": "error", "message": str(exc)}]
    return rules, [_message(p) for p in lint(source)]


def _message(problem: Any) -> dict[str, Any]:
    loc = problem.location
    return {"line": loc.line, "column": loc.column, "severity": problem.severity, "message": problem.message}


# --- HTML fragments ----------------------------------------------------------------------------

def questions_html(s: State, static: bool = False) -> str:
    """The questions as a form; for a static page, the case's answers as text (a page to read)."""
    rows = []
    for q in s.rules.questions:
        given = s.raw.get(q.id, "")
        asked = q.id in s.asked
        note = "" if asked else f'<span class="tag not-asked">{esc(w("page.not_asked"))}</span>'
        problem = f'<p class="problem" role="alert">{esc(s.problems[q.id])}</p>' if q.id in s.problems else ""
        if static:
            shown = given or (w("answer.not given") if q.optional else w("answer.not recorded"))
            control = f'<p class="answer">{esc(w("page.answer"))} <strong>{esc(shown)}</strong></p>'
        elif q.type == NUMBER:
            unit = f" {esc(q.unit)}" if q.unit else ""
            control = (f'<input type="text" inputmode="decimal" name="{esc(q.id)}" id="q-{esc(q.id)}" '
                       f'value="{esc(given)}" aria-labelledby="label-{esc(q.id)}" aria-describedby="why-{esc(q.id)}" '
                       f'placeholder="{esc(w("answer.not recorded"))}">{unit}')
        else:
            current = given.lower() if given.lower() in CHOICES else given
            options = []
            for choice in CHOICES:
                label = esc(w(f"answer.{choice}") if choice else w("answer.not given") if q.optional else w("answer.not recorded"))
                checked = " checked" if current == choice else ""
                options.append(f'<label class="choice"><input type="radio" name="{esc(q.id)}" value="{choice}"{checked}> '
                               f"{label}</label>")
            control = f'<span class="choices" role="radiogroup" aria-label="{esc(plain_text(q))}">{"".join(options)}</span>'
        rows.append(
            f'<fieldset class="question{"" if asked else " skipped"}" data-question="{esc(q.id)}" '
            f'data-asked="{str(asked).lower()}"><legend id="label-{esc(q.id)}">{esc(plain_text(q))} {note}</legend>'
            f'<p class="why" id="why-{esc(q.id)}">{esc(q.why)}</p>{control}{problem}</fieldset>')
    return "".join(rows)


def result_html(s: State) -> str:
    """The result panel as `triage run` draws it: the same sections from the same description."""
    from ..render.result import result_view

    view = result_view(s.result, s.asked)
    d = s.result.disposition
    parts = [f'<div class="result colour-{esc(view.colour)}" data-disposition="{esc(d.id)}">',
             f'<h2 class="disposition">{esc(view.label.upper())}</h2>',
             f'<p class="notice" role="note">{esc(view.notice)}</p>' if view.notice else "", f'<p>{esc(view.summary)}</p>']
    if view.action:
        parts.append(f'<p class="action"><strong>{esc(w("result.what_now"))}</strong> {esc(view.action)}</p>')
    for section in view.sections:
        if section.inline:
            parts.append(f'<p class="section section-{esc(section.key)}"><strong>{esc(section.title)}</strong> '
                         f'{esc(" ".join(text for text, _ in section.lines))}</p>')
            continue
        items = "".join(f"<li>{esc(text)}{f'<em>{esc(tail)}</em>' if tail else ''}</li>" for text, tail in section.lines)
        parts.append(f'<h3>{esc(section.title)}</h3><ul class="section section-{esc(section.key)}">{items}</ul>')
    parts.append(f'<p class="disclaimer">{esc(view.disclaimer)}</p>')
    parts.append(f'<p class="version">{esc(view.version)}</p></div>')
    return "".join(parts)


def flowchart_html(s: State) -> str:
    """The rule set as a flowchart, in file order by disposition, each rule marked with its outcome."""
    r = s.result
    deciding = r.deciding
    unknown = {rule.id for rule in r.unknown}
    columns = []
    outcomes = {o.rule.id: o.value for o in r.trace}
    for d in s.rules.dispositions[:-1]:
        boxes = []
        for rule in s.rules.rules:
            if rule.disposition != d.id:
                continue
            value = outcomes[rule.id]
            kind = OUTCOME_CLASS.get(value, "not-recorded")
            marks = [OUTCOME_LABEL.get(value, "NOT RECORDED")]
            if rule is deciding:
                marks.append("DECIDED")
            elif rule.id in unknown:
                marks.append("not ruled out")
            boxes.append(
                f'<li class="rule {kind}{" deciding" if rule is deciding else ""}" data-rule="{esc(rule.id)}" '
                f'data-outcome="{kind}"><span class="mark">{esc(" · ".join(marks))}</span>'
                f'<strong>{esc(rule.id)}</strong><span class="when">if {esc(describe(rule.when, s.rules))}</span></li>')
        reached = " reached" if r.disposition.id == d.id else ""
        columns.append(f'<section class="lane{reached}" data-lane="{esc(d.id)}"><h3>→ {esc(d.label)}</h3>'
                       f'<ol>{"".join(boxes)}</ol></section>')
    default = s.rules.default
    reached = " reached" if r.disposition.id == default.id else ""
    columns.append(f'<section class="lane{reached}" data-lane="{esc(default.id)}"><h3>otherwise → {esc(default.label)}</h3>'
                   "<p>when every rule is false</p></section>")
    legend = ('<p class="legend"><span class="rule true">TRUE</span> <span class="rule false">false</span> '
              '<span class="rule unsure">UNSURE</span> <span class="rule not-recorded">NOT RECORDED</span> '
              '<span class="rule deciding">DECIDED</span></p>')
    return legend + '<div class="flow">' + "".join(columns) + "</div>"


def trace_html(s: State) -> str:
    from ..render.result import decided_by, outcome_word

    r = s.result
    rows = []
    for o in r.trace:
        answers = ", ".join(f"{q}={decided_by(r, q, s.asked)}" for q in o.deciders)
        marker = "→ " if o.rule is r.deciding else ""
        rows.append(f'<tr class="{OUTCOME_CLASS.get(o.value, "not-recorded")}" data-rule="{esc(o.rule.id)}">'
                    f"<td>{esc(marker + o.rule.id)}</td><td>{esc(o.rule.disposition)}</td>"
                    f"<td>{esc(outcome_word(o.value))}</td><td>{esc(answers)}</td></tr>")
    return ("<table class=\"trace\"><caption>How the result was reached</caption><thead><tr><th>rule</th>"
            "<th>level</th><th>outcome</th><th>decided by</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def what_if_html(before: State, after: State, question: str) -> str:
    from ..render.result import changed_rules

    changes = changed_rules(before.result, after.result)
    rows = "".join(f"<tr><td>{esc(rule)}</td><td>{esc(b)}</td><td>{esc(a)}</td></tr>" for rule, b, a in changes)
    return (f'<div class="what-if" data-before="{esc(before.result.disposition.id)}" data-after="{esc(after.result.disposition.id)}">'
            f"<p>What if <strong>{esc(question)}</strong> were <strong>{esc(after.raw.get(question, 'not recorded'))}</strong>"
            f" instead of <strong>{esc(before.raw.get(question, 'not recorded'))}</strong>: "
            f"{esc(before.result.disposition.label)} → <strong>{esc(after.result.disposition.label)}</strong></p>"
            + (f"<table><thead><tr><th>rule</th><th>before</th><th>after</th></tr></thead><tbody>{rows}</tbody></table>"
               if rows else "<p>No rule changes.</p>") + "</div>")


def fragments(s: State, static: bool = False) -> dict[str, str]:
    return {"questions": questions_html(s, static), "result": result_html(s), "flowchart": flowchart_html(s),
            "trace": trace_html(s), "disposition": s.result.disposition.id}


@functools.cache
def _asset(name: str) -> str:
    """A file of the page (read once per process, not on every request)."""
    return (WEB / name).read_text(encoding="utf-8")


def case_link(raw: Mapping[str, str]) -> str:
    """The page's address for a case: the answers in the URL, so a link hands out the case."""
    return "#" + "&".join(f"{quote(k)}={quote(v)}" for k, v in raw.items() if v)


def page(rules: RuleSet, rules_text: str, raw: Mapping[str, str] | None = None, static: bool = False,
         languages: Mapping[str, str] | None = None) -> str:
    """The whole page. static=True: one self-contained case (no script, no editor) for slides.
    languages (code -> name), when more than one: a switch that reloads the page in another."""
    s = state(rules, raw or {})
    f = fragments(s, static)
    template, style = _asset("page.html"), _asset("style.css")
    # Live, the script is a file of the server's (its CSP allows no inline script); a static page has none.
    script = "" if static else '<script src="/app.js"></script>'
    editor = "" if static else (
        f'<section class="panel editor" aria-labelledby="h-editor"><h2 id="h-editor">{esc(w("page.rule_file"))}</h2>'
        '<p>Edit the rules (in English, the rule file\'s language): every change is checked as by <code>triage check</code>.</p>'
        f'<textarea id="rules-text" spellcheck="false" aria-label="rule file text">{esc(rules_text)}</textarea>'
        '<ul id="messages" aria-live="polite"></ul></section>')
    what_if = "" if static else (
        f'<section class="panel" aria-labelledby="h-what-if"><h2 id="h-what-if">{esc(w("page.what_if"))}</h2>'
        '<label>Change <select id="what-if-question">'
        + "".join(f'<option value="{esc(q.id)}">{esc(q.id)}</option>' for q in rules.questions)
        # Typed, with suggestions: a number question takes a number ("what if age were 70"); blank is not recorded.
        + '</select></label> <label>to <input id="what-if-answer" list="what-if-words" size="12" autocomplete="off" '
        'placeholder="yes, no, unsure or a number" aria-describedby="what-if-help"></label>'
        '<datalist id="what-if-words"><option value="yes"></option><option value="no"></option><option value="unsure">'
        '</option></datalist> <button id="what-if-go" type="button">Show before and after</button>'
        '<p id="what-if-help" class="help">Leave the answer empty for "not recorded".</p>'
        '<div id="what-if"></div></section>')
    switch = ""
    if languages and len(languages) > 1 and not static:
        options = "".join(f'<option value="{esc(code)}" lang="{esc(code)}"{" selected" if code == rules.language else ""}>'
                          f"{esc(name)}</option>" for code, name in languages.items())
        switch = (f'<p class="language"><label for="language">{esc(w("result.language"))}</label> '
                  f'<select id="language">{options}</select></p>')
    words = {key: esc(w(f"page.{key}")) for key in ("questions", "result", "flowchart", "trace", "link", "not_diagnosis")}
    values = {
        **{f"w_{k}": v for k, v in words.items()}, "lang": esc(language()), "language_switch": switch,
        "title": esc(rules.title), "style": style, "script": script, "questions": f["questions"],
        "result": f["result"], "flowchart": f["flowchart"], "trace": f["trace"], "editor": editor,
        "what_if": what_if, "mode": "static" if static else "live",
        "hint": esc(w("page.hint_static") if static else w("page.hint_live")),
        "state": esc(json.dumps({"answers": s.raw})),
    }
    # One pass over the template: text put in (a title of "Mini {{questions}}") is never read as a placeholder.
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values.get(m.group(1), m.group(0)), template)


# --- The server ---------------------------------------------------------------------------------

def app(rules_path: str | Path | None = None, region: str | None = None, lang: str | None = None) -> Any:
    """The Starlette application: GET / (the page; ?lang=es for a language), POST /api/state (answers,
    rule text and language in, HTML out)."""
    try:
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import HTMLResponse, Response
        from starlette.routing import Route
    except ImportError:
        raise TriageError("the playground needs its web extra: pip install 'redflag-triage[web]'") from None
    from ..read.loader import default_rules_path

    path = Path(rules_path) if rules_path else default_rules_path()
    start_text = path.read_text(encoding="utf-8")
    site = Site(path, region, lang)

    async def index(request: Request) -> Response:
        refused = _refusal(request, post=False)
        if refused:
            return refused
        lang = site.language(request.query_params.get("lang"))
        with site.speaking(lang):
            return HTMLResponse(page(site.rules[lang], start_text, languages=site.names), headers=_HEADERS)

    async def script(request: Request) -> Response:
        return _refusal(request, post=False) or Response(_asset("app.js"), media_type="text/javascript", headers=_HEADERS)

    async def api_state(request: Request) -> Response:
        return _refusal(request, post=True) or await _api_state(request, site)

    return Starlette(routes=[Route("/", index), Route("/app.js", script),
                             Route("/api/state", api_state, methods=["POST"])])


class Site:
    """The rule set in each language it has, loaded once, and each language's interface words."""

    def __init__(self, path: Path, region: str | None, default: str | None = None):
        from ..read.loader import load_source
        from ..read.translation import every_language, find_translation, interface_words

        self.path, self.region, self.name = path, region, path.name
        readings = every_language(load_source(path), region)
        self.rules = {code: rules for code, (_, rules) in readings.items()}
        self.names = {code: name for code, (name, _) in readings.items()}
        self.words = {code: interface_words(code) for code in readings}
        if default is not None and default not in self.rules:
            find_translation(self.rules["en"], default)  # the one-line error naming the languages there are
        self.default = default or "en"

    def language(self, asked: object) -> str:
        """The language a request asks for, if the rule set has it; the page's default otherwise."""
        return asked if isinstance(asked, str) and asked in self.rules else self.default

    def speaking(self, lang: str) -> Any:
        from ..core.words import speaking

        return speaking(lang, self.words[lang])


async def _api_state(request: Any, site: Site) -> Response:
    """POST /api/state: answers (and a rule text) in, the page's fragments out, in the page's language."""
    from starlette.responses import JSONResponse

    body = await _json_body(request)
    if not isinstance(body, dict):
        return body
    text = body.get("rules")
    answers = body.get("answers")
    if (text is not None and not isinstance(text, str)) or (answers is not None and not isinstance(answers, dict)):
        return _error(400, "'rules' must be text and 'answers' an object of question: answer")
    answers = {str(k): str(v) for k, v in (answers or {}).items()}
    rules: RuleSet | None
    messages: list[dict[str, Any]]
    lang = site.language(body.get("lang"))
    start_rules = site.rules[lang]
    if text is None:
        rules, messages = start_rules, []
    else:
        from starlette.concurrency import run_in_threadpool

        # Off the event loop and bounded: other requests are answered while one rule text is checked.
        try:
            rules, messages = await asyncio.wait_for(
                run_in_threadpool(_check_alone, text, site.name, lang, str(site.path), site.region), CHECK_SECONDS)
        except asyncio.TimeoutError:
            return _error(503, f"checking this rule text took over {CHECK_SECONDS} s (or an earlier "
                                "one is still being checked); check it with `triage check`")
    # A broken rule file never breaks the page: its messages show, and the last good rules keep working.
    out: dict[str, Any] = {"messages": messages, "rules_ok": rules is not None}
    current = rules or start_rules
    with site.speaking(lang):
        s = state(current, answers)
        out.update(fragments(s))
        out["link"] = case_link(s.raw)
        what_if = body.get("what_if")
        if isinstance(what_if, dict) and isinstance(what_if.get("question"), str) and what_if["question"] in current.questions_by_id:
            changed = {**answers, str(what_if["question"]): str(what_if.get("answer") or "")}
            out["what_if"] = what_if_html(s, state(current, changed), str(what_if["question"]))
    return JSONResponse(out, headers=_HEADERS)


# No answers leave the machine and none are cached: the page is local, its state lives in the URL. No
# inline script, and no other site may frame it.
_HEADERS = {"Cache-Control": "no-store", "Content-Security-Policy":
            "default-src 'self'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
            "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
LOOPBACK = {"127.0.0.1", "localhost", "[::1]"}
MAX_BODY = 11 << 20  # bytes: a rule file is at most 10 MB, and its answers are small
CHECK_SECONDS = 10


# One rule text is checked at a time: a thread cannot be stopped, so a check that ran out of time may
# still be working, and a page sending big texts one after another must not pile them up.
_CHECKING = threading.Lock()


def _check_alone(text: str, name: str, lang: str | None = None, path: str | None = None,
                 region: str | None = None) -> tuple[RuleSet | None, list[dict[str, Any]]]:
    if not _CHECKING.acquire(timeout=CHECK_SECONDS):
        raise asyncio.TimeoutError
    try:
        return check_messages(text, name, lang, path, region)
    finally:
        _CHECKING.release()


def _error(status: int, message: str) -> Response:
    from starlette.responses import JSONResponse

    return JSONResponse({"error": message}, status_code=status, headers=_HEADERS)


def _refusal(request: Any, post: bool) -> Response | None:
    """A local server is still a server: a page on another site (DNS rebinding, a cross-site form) must not
    read the rule text or drive the checker. Only loopback Host names, and for POST its own Origin and JSON."""
    host = request.headers.get("host", "")
    name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
    if name not in LOOPBACK:
        return _error(403, f"this playground answers only on the loopback address, not {host!r}")
    if post:
        origin = request.headers.get("origin")
        if origin is not None and origin != f"http://{host}":
            return _error(403, "requests from other sites are refused")
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return _error(415, "send the request as application/json")
    return None


async def _json_body(request: Any) -> dict[str, Any] | Response:
    """The request's JSON object, read up to MAX_BODY bytes; an error response otherwise."""
    size = int(request.headers.get("content-length") or 0)
    if size > MAX_BODY:
        return _error(413, f"the request is over {MAX_BODY >> 20} MB")
    chunks, total = [], 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > MAX_BODY:
            return _error(413, f"the request is over {MAX_BODY >> 20} MB")
        chunks.append(chunk)
    try:
        body = json.loads(b"".join(chunks))
    except (ValueError, RecursionError):
        return _error(400, "the request is not JSON")
    return body if isinstance(body, dict) else _error(400, "the request must be a JSON object")


def serve(rules_path: str | Path | None, host: str, port: int, ready: Callable[[], None] = lambda: None,
          region: str | None = None, lang: str | None = None) -> None:
    try:
        import uvicorn
    except ImportError:
        raise TriageError("the playground needs its web extra: pip install 'redflag-triage[web]'") from None
    import socket

    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise TriageError(f"cannot listen on {host}:{port} ({exc.strerror}); choose another port with --port") from None
    application = app(rules_path, region, lang)
    ready()
    # access_log off: request lines would not hold answers (they go in POST bodies), but nothing is logged.
    uvicorn.run(application, host=host, port=port, log_level="warning", access_log=False)
