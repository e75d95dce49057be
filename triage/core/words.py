"""The interface's own words: prompts, headings and the messages a person reads, in one language.

English lives here; another language is a catalogue file with the same keys (triage/locale/*.yaml,
read by read.translation). The language in use is a context variable: a command sets it once, and
each playground request sets its own, so two people in two languages never see each other's words.
Words that name answers ("sí", "no sé") are accepted as well as the English ones, never instead.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Callable, Iterator, Mapping

ENGLISH: dict[str, str] = {
    # the questionnaire
    "prompt.progress": "Question {number} of at most {most}",
    "prompt.controls": "({hint}; ? why we ask; back to go back; quit to stop)",
    "prompt.controls_plain": "Answer {hint}. Type ? for why we ask, back to go back, quit to stop.",
    "prompt.why": "Why we ask: ",
    "prompt.please": "Please answer {hint}.",
    "prompt.first": "This is the first question; there is nothing to go back to.",
    "prompt.going_back": "Going back to: {text} (you answered: {answer})",
    "prompt.sorry": "Sorry, {reason}.",
    "hint.yesno": "yes / no / unsure",
    "hint.number": "a number {range}{skip}",
    "hint.skip": ", Enter to skip",
    "hint.or_unsure": ", or unsure",
    "range.between": "from {low} to {high}{unit}",
    "range.at_least": "at least {low}{unit}",
    "range.at_most": "at most {high}{unit}",
    "range.any": "any number",
    "range.any_unit": "any number of{unit}",
    "error.not_an_answer": "{shown} is not an answer; use {words}",
    "error.not_a_number": "{shown} is not a number; write a plain number {range}",
    "error.out_of_range": "{value} is out of range; the answer must be {range}",
    "words.yesno": "yes, no or unsure",
    # answers as shown back
    "answer.yes": "yes",
    "answer.no": "no",
    "answer.unsure": "unsure",
    "answer.not given": "not given",
    "answer.not recorded": "not recorded",
    # words a person may type; several spellings are separated by |
    "typed.yes": "yes|y",
    "typed.no": "no|n",
    "typed.unsure": "unsure|not sure|don't know",
    "typed.back": "back|b",
    "typed.why": "?|why|help",
    "typed.quit": "quit|exit",
    # the result
    "result.heading": "Result: ",
    "result.what_now": "What to do now:",
    "result.also": "Also:",
    "result.why": "Why:",
    "result.unknown": "Could not be ruled out:",
    "result.if_so": " If this turns out to be so: {action}",
    "result.unsure": "You were not sure whether:",
    "result.not_recorded": "Not recorded:",
    "result.no_answer_for": "no answer for {questions}.",
    "result.not_asked": "Not asked:",
    "result.skipped": "{questions} ({why}; these checks were not done, and count as no).",
    "result.did_not_apply": "they did not apply",
    "result.no_answer_given": "no answer was given",
    "result.flags": "Red-flag questions left unanswered:",
    "result.flag_answer": "{text} (answer: {answer})",
    "result.safety_net": "What would change this advice:",
    "result.version": "Rule set {id} {version} (sha256 {sha})",
    "result.answers": "Your answers (you can show these to a clinician)",
    "result.question": "Question",
    "result.answer": "Answer",
    "result.language": "Language",
    # an answer's label in a form (FHIR, XLSForm)
    "form.yes": "Yes",
    "form.no": "No",
    "form.unsure": "Not sure",
    "form.range": "Between {low} and {high}",
    "form.out_of_range": "Out of range",
    # the playground page
    "page.questions": "Questions",
    "page.result": "Result",
    "page.flowchart": "Flowchart",
    "page.trace": "Trace",
    "page.what_if": "What if",
    "page.rule_file": "Rule file",
    "page.link": "Link to this case",
    "page.not_diagnosis": "Not a diagnosis: a teaching tool.",
    "page.hint_live": "Change an answer and watch the result, the flowchart and the trace.",
    "page.hint_static": "One case, as triage scored it: its answers, the result, the flowchart and the trace.",
    "page.not_asked": "not asked",
    "page.answer": "Answer:",
    # score's summary
    "summary.scored": "Scored {rows} rows with {id} {version} (sha256 {sha})",
    "summary.result": "result",
    "summary.rows": "rows",
    "summary.share": "share",
    "summary.error": "error (not scored)",
    "summary.fired": "Rules that fired most",
    "summary.unsure": "Questions most often answered unsure",
    "summary.blank": "Questions most often not recorded (blank)",
    "summary.absent": "{screen} was not screened in {rows} rows: the column is absent ('{id}' counts as no).",
    "summary.blank_cell": "{screen} was not screened in {rows} rows: the cell is blank ('{id}' counts as no).",
    "summary.raised": "{rows} row(s) were raised to a more urgent result only by answers that were not recorded "
                      "(see the 'raised_by_not_recorded' column).",
    # explain
    "explain.why": "Why: ",
    "explain.action": "What to do: ",
    "explain.if_unsure": "If unsure: ",
    "explain.source": "Source: ",
    "explain.default": "when every rule above is definitely false, and no red-flag answer is unknown",
    "explain.cautious": ("when none of the rules above is true and any rule here is true; also when something "
                         "could not be ruled out (an unsure answer, or one not recorded)"),
    "explain.first": "when any of these rules is true",
    "explain.other": "when none of the rules above is true and any of these is",
    "explain.questions": "Questions, in the order they are asked",
    # the run command's own messages
    "run.stopped": "stopped before the end; no result was given and nothing was saved",
    "run.input_ended": "input ended before the questionnaire was finished; no result was given",
}

@dataclass(frozen=True)
class _Speech:
    """One language in use: its words (English for any key it lacks), and what a person may type in it."""

    code: str
    words: Mapping[str, str]
    typed: Mapping[str, tuple[str, ...]]


def _speech(code: str, catalogue: Mapping[str, str]) -> _Speech:
    words = {**ENGLISH, **{key: text for key, text in catalogue.items() if text}}  # a blank entry reads as English
    # Worked out once per language, not per answer: a batch of bad cells asks on every row.
    typed = {key: tuple(dict.fromkeys(s.strip().lower() for s in f"{words[key]}|{ENGLISH[key]}".split("|") if s.strip()))
             for key in ENGLISH if key.startswith("typed.")}
    return _Speech(code, words, typed)


_ENGLISH_SPEECH = _speech("en", {})  # never changed: a frozen record whose maps nobody writes to
_speaking: ContextVar[_Speech] = ContextVar("triage_speech", default=_ENGLISH_SPEECH)


def w(key: str, **values: object) -> str:
    """The words for `key` in the language in use, with {names} filled in."""
    template = _speaking.get().words[key]
    return template.format(**values) if values else template


def typed(key: str) -> tuple[str, ...]:
    """What a person may type for `key` ("typed.yes"): the language's spellings, then English's."""
    return _speaking.get().typed[key]


def language() -> str:
    return _speaking.get().code


def install(code: str, catalogue: Mapping[str, str]) -> Callable[[], None]:
    """Use this language for the rest of the current context (a command); returns what puts the one
    before back, for the command to call when it ends (a program may run several commands in one thread)."""
    token = _speaking.set(_speech(code, catalogue))
    return lambda: _speaking.reset(token)


@contextlib.contextmanager
def speaking(code: str, catalogue: Mapping[str, str]) -> Iterator[None]:
    restore = install(code, catalogue)
    try:
        yield
    finally:
        restore()
