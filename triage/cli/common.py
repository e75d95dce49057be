"""The `triage` command: a thin layer that parses options, calls the library, and turns typed errors
into one-line messages. Heavy imports (rich, yaml, the engine) happen inside the commands that use
them so that `triage --version` starts as fast as typer itself allows.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable, Iterator, List, Optional

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

from . import __version__

if TYPE_CHECKING:
    from rich.console import Console

    from .batch import Scorer
    from .engine import Result
    from .model import RuleSet, Value

class _PlainHelp:
    """`--help` without a type label (`<bool>`) beside it."""

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.metavar = ""
        return option


class _Command(_PlainHelp, TyperCommand):
    """Help in the usual form: `Usage: triage score [OPTIONS] FILE`, metavars such as FILE or [csv|jsonl],
    and no type labels (`<str>`, `<bool>`) that mean nothing to the people reading it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if isinstance(param, TyperArgument):
                name = param.metavar or param.name or ""
                usage = name if param.required else f"[{name.strip('[]')}]"
                param._usage_display_name = lambda usage=usage: usage  # type: ignore[method-assign,misc]
                param.display_type_rich = lambda ctx: ""  # type: ignore[method-assign]


class _Group(_PlainHelp, TyperGroup):
    pass


app = typer.Typer(
    cls=_Group,
    add_completion=False,  # shell completion is not offered; README says so
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,  # locals would hold a person's answers
    help="Red-flag triage of symptoms from declarative rule files. Not a diagnosis.",
)

EXIT_OK, EXIT_ROWS, EXIT_USAGE, EXIT_SAVE, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_PIPE = 0, 1, 2, 3, 70, 130, 141


def _choice(*allowed: str) -> Callable[[str], str]:
    """A callback that accepts one of `allowed` and says so in plain words otherwise."""

    def check(value: str) -> str:
        if value is not None and value not in allowed:
            words = ", ".join(allowed[:-1]) + f" or {allowed[-1]}" if len(allowed) > 1 else allowed[0]
            raise typer.BadParameter(f"'{value}' is not a choice here; use {words}")
        return value

    return check


def _version(value: bool) -> None:
    if value:
        print(f"triage {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", metavar="", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """Red-flag triage of symptoms from declarative rule files. Not a diagnosis."""


def err(message: str) -> None:
    print(f"triage: {message}", file=sys.stderr)


@contextmanager
def user_errors() -> Iterator[None]:
    """Typed library errors become one line each on stderr and exit status 2; never a traceback."""
    from .errors import RuleFileError, TriageError

    try:
        yield
    except RuleFileError as exc:
        for problem in exc.problems:
            err(str(problem))
        raise typer.Exit(EXIT_USAGE) from None
    except TriageError as exc:
        err(str(exc))
        raise typer.Exit(EXIT_USAGE) from None
    except BrokenPipeError:
        # The reader went away (`| head`): everything was cleaned up on the way here; say nothing more.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(EXIT_PIPE) from None
    except OSError as exc:
        # Writing failed half-way (a full disk, a file size limit): temporary files are gone by now.
        where = exc.filename or "the output"
        err(f"{where}: cannot write ({exc.strerror or exc}); nothing was left half-written")
        raise typer.Exit(EXIT_USAGE) from None


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


RulesOption = typer.Option(None, "--rules", "-r", metavar="FILE", help="Rule file to use (default: the shipped L2–L3 rule set).",
                           dir_okay=False)


@app.command(cls=_Command)
def run(
    rules: Optional[Path] = RulesOption,
    answers: Optional[Path] = typer.Option(None, "--answers", "-a", metavar="FILE", help="YAML or JSON file of answers: no prompts.", dir_okay=False),
    save: Optional[str] = typer.Option(None, "--save", metavar="FILE", help="Write the answers given to this file, for replay."),
    fmt: str = typer.Option("text", "--format", "-f", metavar="[text|json|fhir]", callback=_choice("text", "json", "fhir"),
                            help="text for people, json for programs, fhir for a FHIR GuidanceResponse."),
    ask_all: bool = typer.Option(False, "--all", metavar="", help="Ask every question, even once the result is settled (for teaching)."),
    trace: bool = typer.Option(False, "--trace", metavar="", help="After the result, show every rule's outcome and the answers that decided it."),
    settings: List[str] = typer.Option([], "--set", metavar="QUESTION=ANSWER",
                                          help="What-if: change an answer, as question=answer (with --answers; repeatable)."),
) -> None:
    """Answer the questionnaire (or replay an answers file) and get a triage result."""
    from .engine import evaluate_values
    from .loader import load_rules

    asked: list[str] | None = None
    with user_errors():
        ruleset = load_rules(rules)
        if save is not None:
            from .files import check_output

            # Checked before the first question: a person must never answer everything for nothing.
            check_output(save, [p for p in (answers, rules) if p is not None])
        if answers is not None:
            from .answerfile import load_answers

            values = load_answers(answers, ruleset)
            if not values:
                err(f"{answers}: holds no answers; every question counts as not recorded")
        elif settings:
            err("--set changes answers from a file: give --answers FILE as well")
            raise typer.Exit(EXIT_USAGE)
        else:
            # With JSON output the questions go to stderr, so stdout holds only the result.
            values, asked = _interview(ruleset, ask_all, to_stderr=fmt != "text")
        before = None
        if settings:
            from .answerfile import apply_settings

            before = evaluate_values(ruleset, values)
            values = apply_settings(values, settings, ruleset)
        result = evaluate_values(ruleset, values)
    # The result comes first: whatever happens after the last answer, the person has seen it.
    with user_errors():
        _show(result, fmt, trace, before, values, asked)
    if save is not None:
        from .answerfile import save_answers
        from .errors import TriageError

        try:
            save_answers(save, ruleset, values)
        except TriageError as exc:
            err(f"{exc}; the result above was not saved")
            raise typer.Exit(EXIT_SAVE) from None


def _interview(ruleset: RuleSet, ask_all: bool, to_stderr: bool = False) -> tuple[dict[str, Value], list[str]]:
    """The answers, and the questions asked in order (the rest were not asked)."""
    from .prompt import Quit, ask
    from .questionnaire import Session

    console = _console(stderr=to_stderr)
    from rich.text import Text

    console.print(Text(ruleset.title, style="bold"))
    console.print(Text(ruleset.disclaimer, style="italic"), highlight=False)
    try:
        session = ask(Session(ruleset, ask_all), console, console.input)
        console.print()
        return session.answers, list(session.history)
    except (KeyboardInterrupt, Quit) as exc:
        from .errors import exit_status

        print(file=sys.stderr)
        err("stopped before the end; no result was given and nothing was saved")
        raise typer.Exit(EXIT_INTERRUPTED if isinstance(exc, Quit) else exit_status(exc)) from None
    except EOFError:
        print(file=sys.stderr)
        err("input ended before the questionnaire was finished; no result was given")
        raise typer.Exit(EXIT_ROWS) from None


def _show(result: Result, fmt: str, trace: bool, before: Result | None, given: dict[str, Value],
          asked: list[str] | None) -> None:
    """The result; then, for a person, their answers to show a clinician, and the trace if asked."""
    from .render import answers_dict, result_dict

    if fmt == "fhir":
        import json

        from .fhir import guidance_response

        print(json.dumps(guidance_response(result.ruleset, "", result.cells()), indent=2, ensure_ascii=False))
        return
    if fmt == "json":
        import json

        out = result_dict(result, asked)
        out["answers"] = answers_dict(result.ruleset, given)
        if trace:
            from .render import trace_dict

            out["trace"] = trace_dict(result, asked)
        if before is not None:
            from .render import change_dict

            out["before"] = change_dict(before, result)
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return
    from .render import result_renderable

    console = _console()
    if before is not None:
        from .render import change_renderable

        console.print(change_renderable(before, result))
    console.print(result_renderable(result, asked))
    if asked is not None:
        from .render import answers_renderable

        console.print(answers_renderable(result.ruleset, given))
    if trace:
        from .render import trace_renderable

        console.print(trace_renderable(result, asked))


@app.command(cls=_Command)
def score(
    input: str = typer.Argument(..., metavar="FILE", help="CSV file of responses, or - for standard input."),
    # A string, not a Path: "out/" must reach the check as a folder, not as a file named "out".
    output: Optional[str] = typer.Option(None, "--output", "-o", metavar="FILE", help="Write here (atomically) instead of standard output."),
    rules: Optional[Path] = RulesOption,
    fmt: str = typer.Option("csv", "--format", "-f", metavar="[csv|jsonl|fhir]", callback=_choice("csv", "jsonl", "fhir"),
                            help="csv (input columns plus results), jsonl, or fhir (NDJSON of GuidanceResponse)."),
    source_kind: str = typer.Option("csv", "--from", metavar="[csv|fhir|redcap|odk]", callback=_choice("csv", "fhir", "redcap", "odk"),
                                    help="csv; fhir (QuestionnaireResponse JSON, Bundle or NDJSON); a REDCap or ODK Central export."),
    map_file: Optional[Path] = typer.Option(None, "--map", metavar="FILE", help="YAML file mapping other column names and answer codes.", dir_okay=False),
    allow_missing: bool = typer.Option(False, "--allow-missing", metavar="", help="Score absent question columns as not recorded instead of stopping."),
    encoding: str = typer.Option("utf-8-sig", "--encoding", metavar="NAME", help="Input encoding (a UTF-8 byte-order mark is always accepted)."),
    delimiter: Optional[str] = typer.Option(None, "--delimiter", "-d", metavar="CHAR", help="',', ';' or 'tab' (default: decided from the header line)."),
    escape_formulas: bool = typer.Option(True, "--escape-formulas/--no-escape-formulas", metavar="",
                                         help="Prefix ' to cells a spreadsheet would run as formulas."),
    quiet: bool = typer.Option(False, "--quiet", "-q", metavar="", help="Print only errors and the disclaimer on standard error."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, metavar="N",
                                       help="Worker processes (default: one per core, for files of 16 MB and more; one per 8 MB at most)."),
) -> None:
    """Score a CSV of questionnaire responses. Exit 0: all rows scored; 1: some rows had errors; 2: cannot run."""
    from .batch import DELIMITERS, Options, atomic_output, load_map, score_file
    from .files import check_encoding, check_output, open_binary, same_file, stdin_is
    from .loader import load_rules

    with user_errors():
        if delimiter is not None and delimiter.lower() not in DELIMITERS:
            err(f"--delimiter {delimiter!r} is not one of: ',', ';', 'tab', '|'")
            raise typer.Exit(EXIT_USAGE)
        check_encoding(encoding)
        ruleset = load_rules(rules)
        options = Options(
            fmt=fmt, colmap=load_map(map_file, ruleset) if map_file else None, allow_missing=allow_missing,
            encoding=encoding, delimiter=DELIMITERS[delimiter.lower()] if delimiter else None,
            escape_formulas=escape_formulas, source=source_kind,
        )
        if output is not None:
            inputs = [p for p in (None if input == "-" else input, rules, map_file) if p is not None]
            if any(same_file(p, output) for p in inputs) or (input == "-" and stdin_is(output)):
                err(f"{output}: is one of the inputs; scoring never writes over its own input. Choose another --output")
                raise typer.Exit(EXIT_USAGE)
            check_output(output)
        stderr = _console(stderr=True)
        from .parallel import can_split, default_jobs, score_parallel

        splittable = can_split(input, options)
        if jobs is None:
            jobs = default_jobs(input) if splittable else 1
        elif jobs > 1 and not splittable and not quiet:
            stderr.print("[yellow]--jobs needs a file (not standard input) in UTF-8, Latin-1 or cp1252; using one process[/yellow]")
        parallel = jobs > 1 and splittable
        on_start = None
        if allow_missing and not quiet:
            def on_start(scorer: Scorer) -> None:
                from rich.text import Text

                missing = ", ".join(f"{q}{scorer.hints.get(q, '')}" for q in scorer.missing)
                if missing:
                    stderr.print(Text(f"Scoring without columns for: {missing} (not recorded in every row)", style="yellow"))
        try:
            if parallel:
                with atomic_output(Path(output) if output else None, sys.stdout) as out:
                    summary = score_parallel(ruleset, input, out, options, jobs, input, on_start=on_start)
            else:
                source = raw = open_binary(input)
                name = input if input != "-" else "<stdin>"
                try:
                    if source_kind == "fhir":
                        import io

                        from .fhir import as_csv

                        # Responses become the CSV rows score_file reads: response_id, then each question.
                        source = as_csv(io.TextIOWrapper(raw, encoding=encoding, newline=""), name, ruleset)  # type: ignore[assignment]
                        options.encoding, options.delimiter = "utf-8", ","
                    with atomic_output(Path(output) if output else None, sys.stdout) as out, _progress(stderr, raw, quiet) as update:
                        summary = score_file(ruleset, source, out, options, name=name, on_progress=update, on_start=on_start)
                finally:
                    if raw is not sys.stdin.buffer:
                        raw.close()
        except KeyboardInterrupt as exc:
            from .errors import exit_status

            err("interrupted; no output file was written" if output else "interrupted")
            raise typer.Exit(exit_status(exc)) from None
    from .render import summary_renderable

    stderr.print(summary_renderable(summary, ruleset, quiet))
    raise typer.Exit(EXIT_ROWS if summary.errors or summary.input_changed else EXIT_OK)


@contextmanager
def _progress(console: Console, source: IO[bytes], quiet: bool) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on a terminal for files over a few megabytes; otherwise nothing, at no cost."""
    import os

    try:
        size = os.fstat(source.fileno()).st_size
    except (OSError, AttributeError, ValueError):
        size = 0
    if quiet or not console.is_terminal or size < 4 << 20:
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    with Progress("Scoring", BarColumn(), DownloadColumn(), TimeRemainingColumn(), console=console, transient=True) as bar:
        task = bar.add_task("score", total=size)
        yield lambda done: bar.update(task, completed=done)


@app.command(cls=_Command)
def explain(rules: Optional[Path] = RulesOption) -> None:
    """Show the whole rule set as a tree: each result, its rules in plain words, why, and the source."""
    from .explain import explain_tree
    from .loader import load_rules

    with user_errors():
        ruleset = load_rules(rules)
    _console().print(explain_tree(ruleset))


@app.command(cls=_Command)
def diagram(
    rules: Optional[Path] = RulesOption,
    fmt: str = typer.Option("mermaid", "--format", "-f", metavar="[mermaid|dot|markdown]", callback=_choice("mermaid", "dot", "markdown"),
                            help="mermaid, dot (Graphviz), or markdown (a page holding the Mermaid chart)."),
) -> None:
    """Print a flowchart of the questionnaire and the rules."""
    from . import diagram as d
    from .loader import load_rules

    with user_errors():
        ruleset = load_rules(rules)
    sys.stdout.write({"mermaid": d.mermaid, "dot": d.dot, "markdown": d.markdown}[fmt](ruleset))


@app.command(cls=_Command)
def check(
    files: List[Path] = typer.Argument(..., metavar="FILE...", help="Rule files to validate and lint.", dir_okay=False),
    strict: bool = typer.Option(False, "--strict", metavar="", help="Exit 1 when there are warnings."),
) -> None:
    """Validate and lint rule files. Exit 0: fine; 1: warnings with --strict; 2: errors."""
    from .errors import RuleFileError, TriageError
    from .lint import lint
    from .loader import load_rules

    worst = EXIT_OK
    for path in files:
        try:
            ruleset = load_rules(path)
        except RuleFileError as exc:
            for problem in exc.problems:
                print(f"{problem.location}: error: {problem.message}")
            worst = EXIT_USAGE
            continue
        except TriageError as exc:
            # Messages about a file already start with its name: say it once.
            message = str(exc)
            prefix = f"{path}: "
            print(f"{path}: error: {message[len(prefix):] if message.startswith(prefix) else message}")
            worst = EXIT_USAGE
            continue
        warnings = lint(ruleset)
        for problem in warnings:
            print(f"{problem.location}: warning: {problem.message}")
        if warnings and strict:
            worst = max(worst, EXIT_ROWS)
        if not warnings:
            print(f"{path}: ok ({len(ruleset.questions)} questions, {len(ruleset.rules)} rules)")
    raise typer.Exit(worst)


@app.command("test", cls=_Command)
def test_cases(
    rules_file: Path = typer.Argument(..., metavar="RULES", help="The rule file.", dir_okay=False),
    cases_file: Optional[Path] = typer.Argument(None, metavar="[CASES]", help="Its cases (default: the .cases.yaml file beside it).", dir_okay=False),
) -> None:
    """Run a rule set's test cases. Exit 0: all passed; 1: some failed; 2: a file cannot be used."""
    from .cases import cases_path_for, load_cases, run_case, uncovered_rules
    from .loader import load_rules

    with user_errors():
        ruleset = load_rules(rules_file)
        cases = load_cases(cases_file or cases_path_for(rules_file), ruleset)
    outcomes = [run_case(ruleset, c) for c in cases]
    console = _console()
    from .render import case_failure_renderable

    for outcome in outcomes:
        if not outcome.passed:
            console.print(case_failure_renderable(outcome, cases_file or cases_path_for(rules_file)))
    failed = sum(not o.passed for o in outcomes)
    uncovered = uncovered_rules(ruleset, outcomes)
    covered = len(ruleset.rules) - len(uncovered)
    print(f"rule coverage: {covered}/{len(ruleset.rules)} rules fired in some case"
          + (f"; never fired: {', '.join(uncovered)}" if uncovered else ""))
    print(f"{len(outcomes) - failed} passed, {failed} failed")
    raise typer.Exit(EXIT_ROWS if failed else EXIT_OK)


@app.command(cls=_Command)
def schema() -> None:
    """Print the JSON Schema of the rule-file format (for editors and validators)."""
    import json

    from .schema import rule_file_schema

    print(json.dumps(rule_file_schema(), indent=2, ensure_ascii=False))


@app.command("compile", cls=_Command)
def compile_rules(
    to: str = typer.Option(..., "--to", metavar="[sql]", callback=_choice("sql"), help="What to compile to: sql."),
    rules: Optional[Path] = RulesOption,
    dialect: str = typer.Option("sqlite", "--dialect", metavar="[sqlite|duckdb|spark]", callback=_choice("sqlite", "duckdb", "spark"),
                                help="sqlite, duckdb or spark."),
    table: str = typer.Option("responses", "--table", metavar="NAME", help="The table (or view) holding one column per question."),
) -> None:
    """Print the rule set as one SQL SELECT that adds disposition, reasons, unknown and error columns."""
    from .loader import load_rules
    from .sql import compile_sql

    with user_errors():
        ruleset = load_rules(rules)
        sys.stdout.write(compile_sql(ruleset, dialect, table))


@app.command("export", cls=_Command)
def export(
    to: str = typer.Option(..., "--to", metavar="[fhir|redcap|xlsform]", callback=_choice("fhir", "redcap", "xlsform"),
                           help="fhir (a Questionnaire), redcap (a data dictionary) or xlsform (an ODK/Kobo workbook)."),
    rules: Optional[Path] = RulesOption,
    output: Optional[str] = typer.Option(None, "--output", "-o", metavar="FILE",
                                         help="Write here instead of standard output (needed for xlsform)."),
) -> None:
    """Write the rule set's questionnaire for a form tool; `score --from` reads what comes back."""
    from .loader import load_rules

    with user_errors():
        ruleset = load_rules(rules)
        content: str | bytes
        if to == "fhir":
            import json

            from .fhir import questionnaire

            content = json.dumps(questionnaire(ruleset), indent=2, ensure_ascii=False) + "\n"
        elif to == "redcap":
            from .redcap import dictionary

            content = dictionary(ruleset)
        else:
            if output is None:
                err("an XLSForm is a workbook: give --output FILE.xlsx")
                raise typer.Exit(EXIT_USAGE)
            from .xlsform import workbook

            content = workbook(ruleset)
        if output is None:
            sys.stdout.write(content)  # type: ignore[arg-type]
        else:
            from .files import check_output, write_private

            check_output(output, [p for p in (rules,) if p is not None])
            write_private(output, content)


@app.command("playground", cls=_Command)
def playground(
    rules: Optional[Path] = RulesOption,
    port: int = typer.Option(8765, "--port", min=1, max=65535, metavar="N", help="Port on 127.0.0.1."),
    export: Optional[str] = typer.Option(None, "--export", metavar="FILE",
                                         help="Write one case as a self-contained page (with --answers / --set) instead of serving."),
    answers: Optional[Path] = typer.Option(None, "--answers", "-a", metavar="FILE", help="The case's answers (for --export).", dir_okay=False),
    settings: List[str] = typer.Option([], "--set", metavar="QUESTION=ANSWER", help="An answer of the case (repeatable)."),
) -> None:
    """A teaching page in the browser: questions, result, flowchart and trace side by side (needs the web extra)."""
    from .loader import default_rules_path, load_rules

    with user_errors():
        path = rules or default_rules_path()
        ruleset = load_rules(path)
        if export is None:
            if answers is not None or settings:
                err("--answers and --set are for --export; in the page, answer the questions (or open a case link)")
                raise typer.Exit(EXIT_USAGE)
            from .playground import serve

            print(f"triage playground on http://127.0.0.1:{port}/ (Ctrl-C to stop)", file=sys.stderr)
            serve(path, "127.0.0.1", port)
            return
        raw: dict[str, str] = {}
        if answers is not None:
            from .answerfile import load_answers
            from .answers import answer_text

            raw = {q: answer_text(ruleset.question(q), v) for q, v in load_answers(answers, ruleset).items()
                   if answer_text(ruleset.question(q), v) not in ("not given", "not recorded")}
        for item in settings:
            qid, sep, value = item.partition("=")
            if not sep or qid.strip() not in ruleset.questions_by_id:
                err(f"--set {item!r}: write question=answer with a question of rule set '{ruleset.id}'")
                raise typer.Exit(EXIT_USAGE)
            raw[qid.strip()] = value.strip()
        from .files import check_output, write_private
        from .playground import page

        check_output(export, [p for p in (answers, rules) if p is not None])
        write_private(export, page(ruleset, Path(path).read_text(encoding="utf-8"), raw, static=True))
        print(f"wrote {export}", file=sys.stderr)


REPORT = "please report it, with the command you ran but none of the answers, to the project's issue tracker"


def main() -> None:
    """The console script: every way out is a documented exit status with at most one line on stderr."""
    import signal

    from typer._click.exceptions import ClickException
    from typer.exceptions import Abort

    from .errors import Stopped, exit_status

    def stop(signum: int, frame: object) -> None:
        raise Stopped(signum)

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)
    try:
        status = app(standalone_mode=False)
    except ClickException as exc:  # a usage error: typer's own message, as in standalone mode
        from typer import rich_utils

        rich_utils.rich_format_error(exc)
        status = exc.exit_code
    except Abort:
        err("stopped")
        status = EXIT_INTERRUPTED
    except KeyboardInterrupt as exc:
        err("stopped; nothing was left behind")
        status = exit_status(exc)
    except Exception as exc:  # noqa: BLE001 - the one place where an unexpected failure becomes a line
        err(f"internal error ({type(exc).__name__}); this is a bug in triage, not in your files: {REPORT}")
        status = EXIT_INTERNAL
    sys.exit(status if isinstance(status, int) else 0)
