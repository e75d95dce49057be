"""`triage score`: a file of responses scored in batch, with a summary on standard error."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Callable, Iterator, Optional

import typer

from .common import Command, ExitStatus, PlainOption, RulesOption, app, choice, err, is_plain, make_console, speak, user_errors

if TYPE_CHECKING:
    from rich.console import Console

    from ..batch.scorer import Scorer, Summary
    from ..batch.stream import Options
    from ..core.model import RuleSet


@app.command(cls=Command)
def score(
    input: str = typer.Argument(..., metavar="FILE", help="CSV file of responses, or - for standard input."),
    # A string, not a Path: "out/" must reach the check as a folder, not as a file named "out".
    output: Optional[str] = typer.Option(None, "--output", "-o", metavar="FILE", help="Write here (atomically) instead of standard output."),
    rules: Optional[Path] = RulesOption,
    fmt: str = typer.Option("csv", "--format", "-f", metavar="[csv|jsonl|fhir]", callback=choice("csv", "jsonl", "fhir"),
                            help="csv (input columns plus results), jsonl, or fhir (NDJSON of GuidanceResponse)."),
    source_kind: str = typer.Option("csv", "--from", metavar="[csv|fhir|redcap|odk]", callback=choice("csv", "fhir", "redcap", "odk"),
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
    evaluator: str = typer.Option("auto", "--evaluator", metavar="[auto|rows|columns]", callback=choice("auto", "rows", "columns"),
                                  help="rows: one row at a time; columns: blocks of rows with polars (the fast extra); "
                                       "auto: columns when polars is installed and the file is over 2 MB. Same output."),
    lang: Optional[str] = typer.Option(None, "--lang", metavar="CODE", help="Language of the summary on standard error (the output is unchanged)."),
    plain: bool = PlainOption,
) -> None:
    """Score a CSV of questionnaire responses. Exit 0: all rows scored; 1: some rows had errors; 2: cannot run."""
    from ..batch.stream import DELIMITERS, Options
    from ..read.files import check_encoding, check_output, same_file, stdin_is
    from ..read.loader import load_rules
    from ..read.mapfile import load_map

    with user_errors():
        if delimiter is not None and delimiter.lower() not in DELIMITERS:
            err(f"--delimiter {delimiter!r} is not one of: ',', ';', 'tab', '|'")
            raise typer.Exit(ExitStatus.CANNOT_RUN)
        check_encoding(encoding)
        ruleset = load_rules(rules)
        options = Options(
            fmt=fmt, colmap=load_map(map_file, ruleset) if map_file else None, allow_missing=allow_missing,
            encoding=encoding, delimiter=DELIMITERS[delimiter.lower()] if delimiter else None,
            escape_formulas=escape_formulas, source=source_kind, evaluator=evaluator,
        )
        if output is not None:
            inputs = [p for p in (None if input == "-" else input, rules, map_file) if p is not None]
            if any(same_file(p, output) for p in inputs) or (input == "-" and stdin_is(output)):
                err(f"{output}: is one of the inputs; scoring never writes over its own input. Choose another --output")
                raise typer.Exit(ExitStatus.CANNOT_RUN)
            check_output(output)
        stderr = make_console(stderr=True)
        try:
            summary = _score(ruleset, input, output, options, jobs, quiet, stderr)
        except KeyboardInterrupt:
            err("interrupted; no output file was written" if output else "interrupted")
            raise typer.Exit(ExitStatus.INTERRUPTED) from None  # main() gives a signal's own status
    _summary(summary, ruleset, rules, lang, quiet, plain, stderr)
    raise typer.Exit(ExitStatus.SOME_FAILED if summary.errors or summary.input_changed else ExitStatus.OK)


def _summary(summary: Summary, ruleset: RuleSet, rules: Path | None, lang: str | None, quiet: bool, plain: bool,
             stderr: Console) -> None:
    """The end-of-run report, in the language asked for: its words only, since the scores are already made."""
    from ..read.loader import load_rules
    from ..render.result import summary_renderable

    shown = ruleset
    if lang:
        with user_errors():
            speak(lang)
            shown = load_rules(rules, lang)
    stderr.print(summary_renderable(summary, shown, quiet, is_plain(plain, stderr=True)))


def _score(ruleset: RuleSet, input: str, output: str | None, options: Options, jobs: int | None, quiet: bool,
           stderr: Console) -> Summary:
    """Score in one process or several (--jobs), into standard output or a file written atomically."""
    from ..batch.parallel import can_split, default_jobs, score_parallel
    from ..batch.stream import score_file
    from ..read.files import atomic_output, open_binary

    splittable = can_split(input, options)
    if jobs is None:
        jobs = default_jobs(input) if splittable else 1
    elif jobs > 1 and not splittable and not quiet:
        stderr.print("[yellow]--jobs needs a file (not standard input) in UTF-8, Latin-1 or cp1252; using one process[/yellow]")
    on_start = _say_missing(stderr) if options.allow_missing and not quiet else None
    if jobs > 1 and splittable:
        with atomic_output(Path(output) if output else None, sys.stdout) as out, \
                _progress(stderr, _size(input), quiet) as update:
            return score_parallel(ruleset, input, out, options, jobs, input, on_start=on_start, on_progress=update)
    source = raw = open_binary(input)
    name = input if input != "-" else "<stdin>"
    try:
        if options.source == "fhir":
            import io

            from ..read.fhirresponse import as_csv

            # Responses become the CSV rows score_file reads: response_id, then each question.
            source = as_csv(io.TextIOWrapper(raw, encoding=options.encoding, newline=""), name, ruleset)  # type: ignore[assignment]
            options.encoding, options.delimiter = "utf-8", ","
        with atomic_output(Path(output) if output else None, sys.stdout) as out, _progress(stderr, _size(raw), quiet) as update:
            return score_file(ruleset, source, out, options, name=name, on_progress=update, on_start=on_start)
    finally:
        if raw is not sys.stdin.buffer:
            raw.close()


def _say_missing(stderr: Console) -> Callable[[Scorer], None]:
    def on_start(scorer: Scorer) -> None:
        from rich.text import Text

        missing = ", ".join(f"{q}{scorer.hints.get(q, '')}" for q in scorer.missing)
        if missing:
            stderr.print(Text(f"Scoring without columns for: {missing} (not recorded in every row)", style="yellow"))

    return on_start


def _size(source: IO[bytes] | str) -> int:
    """A file's size in bytes; 0 for a pipe or anything else without one."""
    import os

    try:
        return os.path.getsize(source) if isinstance(source, str) else os.fstat(source.fileno()).st_size
    except (OSError, AttributeError, ValueError):
        return 0


@contextmanager
def _progress(console: Console, size: int, quiet: bool) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on a terminal for files over a few megabytes (with any number of jobs); otherwise
    nothing, at no cost."""
    if quiet or not console.is_terminal or size < 4 << 20:
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    with Progress("Scoring", BarColumn(), DownloadColumn(), TimeRemainingColumn(), console=console, transient=True) as bar:
        task = bar.add_task("score", total=size)
        yield lambda done: bar.update(task, completed=done)
