"""`triage compile` and `triage export`: the rule set for other tools (SQL, FHIR, REDCap, ODK)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from .common import Command, ExitStatus, LangOption, RegionOption, RulesOption, app, choice, err, user_errors


@app.command("compile", cls=Command)
def compile_rules(
    to: str = typer.Option(..., "--to", metavar="[sql]", callback=choice("sql"), help="What to compile to: sql."),
    rules: Optional[Path] = RulesOption,
    dialect: str = typer.Option("sqlite", "--dialect", metavar="[sqlite|duckdb|spark]", callback=choice("sqlite", "duckdb", "spark"),
                                help="sqlite, duckdb or spark."),
    table: str = typer.Option("responses", "--table", metavar="NAME", help="The table (or view) holding one column per question."),
) -> None:
    """Print the rule set as one SQL SELECT that adds disposition, reasons, unknown and error columns."""
    from ..evaluation.sql import compile_sql
    from ..read.loader import load_rules

    with user_errors():
        ruleset = load_rules(rules)
        sys.stdout.write(compile_sql(ruleset, dialect, table))


@app.command("export", cls=Command)
def export(
    to: str = typer.Option(..., "--to", metavar="[fhir|redcap|xlsform]", callback=choice("fhir", "redcap", "xlsform"),
                           help="fhir (a Questionnaire), redcap (a data dictionary) or xlsform (an ODK/Kobo workbook)."),
    rules: Optional[Path] = RulesOption,
    output: Optional[str] = typer.Option(None, "--output", "-o", metavar="FILE",
                                         help="Write here instead of standard output (needed for xlsform)."),
    lang: Optional[str] = LangOption,
    region: Optional[str] = RegionOption,
) -> None:
    """Write the rule set's questionnaire for a form tool; `score --from` reads what comes back. FHIR and
    XLSForm carry every language the rule set has (--lang picks the first); REDCap gets one language."""
    from ..read.loader import load_source
    from ..read.translation import SOURCE_LANGUAGE, every_language, find_translation

    with user_errors():
        readings = every_language(load_source(rules), region)
        first = lang or SOURCE_LANGUAGE
        if first not in readings:
            find_translation(readings[SOURCE_LANGUAGE][1], first)  # the one-line error naming the languages there are
        ruleset = readings[first][1]
        others = {code: reading for code, reading in readings.items() if code != first}
        content: str | bytes
        if to == "fhir":
            import json

            from ..formtools.fhir import questionnaire

            content = json.dumps(questionnaire(ruleset, {code: r for code, (_, r) in others.items()}), indent=2,
                                 ensure_ascii=False) + "\n"
        elif to == "redcap":
            from ..formtools.redcap import dictionary

            content = dictionary(ruleset)
        else:
            if output is None:
                err("an XLSForm is a workbook: give --output FILE.xlsx")
                raise typer.Exit(ExitStatus.CANNOT_RUN)
            from ..formtools.xlsform import workbook

            content = workbook(ruleset, others)
        if output is None:
            sys.stdout.write(content)  # type: ignore[arg-type]
        else:
            from ..read.files import check_output, write_private

            check_output(output, [p for p in (rules,) if p is not None])
            write_private(output, content)
