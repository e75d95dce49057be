"""`triage run`: the questionnaire in the terminal, or an answers file replayed, and the result."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

import typer

from .common import (Command, ExitStatus, LangOption, PlainOption, RegionOption, RulesOption, app, choice, err, is_plain,
                     make_console, speak, user_errors)

if TYPE_CHECKING:
    from ..core.logic import Value
    from ..core.model import RuleSet
    from ..evaluation.engine import Result


@app.command(cls=Command)
def run(
    rules: Optional[Path] = RulesOption,
    answers: Optional[Path] = typer.Option(None, "--answers", "-a", metavar="FILE", help="YAML or JSON file of answers: no prompts.", dir_okay=False),
    save: Optional[str] = typer.Option(None, "--save", metavar="FILE", help="Write the answers given to this file, for replay."),
    fmt: str = typer.Option("text", "--format", "-f", metavar="[text|json|fhir]", callback=choice("text", "json", "fhir"),
                            help="text for people, json for programs, fhir for a FHIR GuidanceResponse."),
    ask_all: bool = typer.Option(False, "--all", metavar="", help="Ask every question, even once the result is settled (for teaching)."),
    trace: bool = typer.Option(False, "--trace", metavar="", help="After the result, show every rule's outcome and the answers that decided it."),
    settings: List[str] = typer.Option([], "--set", metavar="QUESTION=ANSWER",
                                          help="What-if: change an answer, as question=answer (with --answers; repeatable)."),
    lang: Optional[str] = LangOption,
    region: Optional[str] = RegionOption,
    plain: bool = PlainOption,
) -> None:
    """Answer the questionnaire (or replay an answers file) and get a triage result."""
    from ..evaluation.engine import evaluate_values
    from ..read.loader import load_rules

    asked: list[str] | None = None
    response_id = ""
    with user_errors():
        speak(lang)
        ruleset = load_rules(rules, lang, region)
        if save is not None:
            from ..read.files import check_output

            # Checked before the first question: a person must never answer everything for nothing.
            check_output(save, [p for p in (answers, rules) if p is not None])
        if answers is not None:
            from ..read.answerfile import load_replay

            response_id, values, asked = load_replay(answers, ruleset)
            if not values:
                err(f"{answers}: holds no answers; every question counts as not recorded")
        elif settings:
            err("--set changes answers from a file: give --answers FILE as well")
            raise typer.Exit(ExitStatus.CANNOT_RUN)
        else:
            # With JSON output the questions go to stderr, so stdout holds only the result.
            values, asked = _interview(ruleset, ask_all, to_stderr=fmt != "text", plain=plain)
        before = None
        if settings:
            from ..read.answerfile import apply_settings

            before = evaluate_values(ruleset, values)
            values = apply_settings(values, settings, ruleset)
            if asked is not None:  # a question set by hand has an answer now, asked or not
                asked = [*asked, *(q for q in values if q not in asked)]
        result = evaluate_values(ruleset, values)
    # The result comes first: whatever happens after the last answer, the person has seen it.
    with user_errors():
        _show(result, fmt, trace, before, values, asked, response_id, is_plain(plain))
    if save is not None:
        _save(save, ruleset, values, asked)


def _save(save: str, ruleset: RuleSet, values: dict[str, Value], asked: list[str] | None) -> None:
    from ..core.errors import TriageError
    from ..read.answerfile import save_answers

    try:
        save_answers(save, ruleset, values, asked)
    except TriageError as exc:
        err(f"{exc}; the result above was not saved")
        raise typer.Exit(ExitStatus.NOT_SAVED) from None


def _interview(ruleset: RuleSet, ask_all: bool, to_stderr: bool = False, plain: bool = False) -> tuple[dict[str, Value], list[str]]:
    """The answers, and the questions asked in order (the rest were not asked)."""
    from ..core.words import w
    from ..questionnaire.prompt import Quit, ask
    from ..questionnaire.session import Session

    plain = is_plain(plain, stderr=to_stderr)
    console = make_console(stderr=to_stderr, plain=plain)
    from rich.text import Text

    console.print(Text(ruleset.title, style="bold"))
    console.print(Text(ruleset.disclaimer, style="italic"), highlight=False)
    if ruleset.notice:
        console.print(Text(ruleset.notice, style="bold"), highlight=False)
    try:
        session = ask(Session(ruleset, ask_all), console, console.input, plain)
        console.print()
        return session.answers, list(session.history)
    except (KeyboardInterrupt, Quit):
        print(file=sys.stderr)
        err(w("run.stopped"))
        raise typer.Exit(ExitStatus.INTERRUPTED) from None  # main() gives a signal's own status
    except EOFError:
        print(file=sys.stderr)
        err(w("run.input_ended"))
        raise typer.Exit(ExitStatus.SOME_FAILED) from None


def _show(result: Result, fmt: str, trace: bool, before: Result | None, given: dict[str, Value],
          asked: list[str] | None, response_id: str = "", plain: bool = False) -> None:
    """The result; then, for a person, their answers to show a clinician, and the trace if asked."""
    from ..render.result import answers_dict, result_dict

    if fmt == "fhir":
        import json

        from ..formtools.fhir import guidance_response

        print(json.dumps(guidance_response(result.ruleset, response_id, result.cells()), indent=2, ensure_ascii=False))
        return
    if fmt == "json":
        import json

        out = result_dict(result, asked)
        out["answers"] = answers_dict(result.ruleset, given)
        if trace:
            from ..render.result import not_asked, trace_dict

            out["trace"] = trace_dict(result, asked)
            if asked is not None:
                out["not_asked"] = not_asked(result, asked)
        if before is not None:
            from ..render.result import change_dict

            out["before"] = change_dict(before, result)
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return
    from ..render.result import result_renderable

    console = make_console(plain=plain)
    if before is not None:
        from ..render.result import change_renderable

        console.print(change_renderable(before, result, plain))
    console.print(result_renderable(result, asked, plain))
    if asked is not None:
        from ..render.result import answers_renderable

        console.print(answers_renderable(result.ruleset, given, plain))
    if trace:
        from ..render.result import trace_renderable

        console.print(trace_renderable(result, asked, plain))
    if asked is not None:
        from ..render.result import headline_renderable

        # A long questionnaire pushes the panel's top off the screen: its headline is said again last.
        console.print(headline_renderable(result))
