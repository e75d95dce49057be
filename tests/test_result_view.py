"""One description of a result, drawn alike by the terminal panel, the playground and its static export.

Issue 23: the playground's panel had no "Why", no "if this turns out to be so", and listed unsure
answers as ids. Each renderer is read back here as a person sees it and compared section by section.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from triage import load_rules
from triage.render.result import result_renderable, result_view
from triage.teach.playground import page, result_html, state

from .conftest import DEFAULT_RULES

RULES = load_rules(DEFAULT_RULES)
YESNO = [q.id for q in RULES.questions if q.type == "yesno"]


class _Sections(HTMLParser):
    """(title, [line texts]) for each section of the result panel's HTML, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[tuple[str, list[str]]] = []
        self.text, self.where = "", None

    def handle_starttag(self, tag, attrs):
        if tag in ("h3", "li", "strong"):
            self.where, self.text = tag, ""

    def handle_data(self, data):
        if self.where:
            self.text += data
        elif self.sections and self.sections[-1][1] == ["<inline>"]:
            self.sections[-1] = (self.sections[-1][0], [data.strip()])

    def handle_endtag(self, tag):
        if tag != self.where:
            return
        if tag == "h3":
            self.sections.append((self.text, []))
        elif tag == "li":
            self.sections[-1][1].append(self.text)
        elif tag == "strong" and self.text != "What to do now:":
            self.sections.append((self.text, ["<inline>"]))
        self.where = None


def _terminal_text(result, asked):
    console = Console(width=400, record=True, color_system=None)
    console.print(result_renderable(result, asked))
    return re.sub(r"[│╭╮╰╯─]", "", console.export_text())


answers = st.fixed_dictionaries({}, optional={q: st.sampled_from(["yes", "no", "unsure", ""]) for q in YESNO}
                                | {"age": st.sampled_from(["", "17", "40", "70"]),
                                   "temperature_c": st.sampled_from(["", "37", "38.5"]),
                                   "duration_weeks": st.sampled_from(["", "2", "8"])})


@settings(max_examples=60, deadline=None)
@given(answers, st.booleans())
def test_the_terminal_and_the_playground_draw_the_same_sections(given_answers, static):
    s = state(RULES, {"fever": "no", "urinary_retention": "no", **given_answers})
    view = result_view(s.result, s.asked)
    expected = [(x.title, [text + tail for text, tail in x.lines] if not x.inline else [" ".join(t for t, _ in x.lines)])
                for x in view.sections]
    # The playground panel, and the static export's copy of it.
    drawn = result_html(s)
    if static:
        exported = page(RULES, "", s.raw, static=True)
        drawn = exported[exported.index('<div class="result'):]
        drawn = drawn[:drawn.index('<p class="version">')]
    parser = _Sections()
    parser.feed(drawn)
    assert parser.sections == expected
    # The terminal: every section title, then its lines, in the same order.
    text = " ".join(_terminal_text(s.result, s.asked).split())
    at = 0
    for title, lines in expected:
        for piece in [title, *lines]:
            found = text.find(" ".join(piece.split()), at)
            assert found >= 0, (piece, text[at:at + 300])
            at = found
    for part in (view.disclaimer, view.version, view.summary):
        assert " ".join(part.split()) in text and html.escape(part, quote=True) in result_html(s)


def test_the_playground_shows_why_if_so_and_unsure_questions_as_text():
    s = state(RULES, {"fever": "yes", "saddle_anesthesia": "unsure", "temperature_c": "38.2"})
    drawn = result_html(s)
    assert "<h3>Why:</h3>" in drawn and "If this turns out to be so:" in drawn
    assert html.escape(RULES.question("saddle_anesthesia").text, quote=True) in drawn
