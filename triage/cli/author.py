"""`triage check`, `triage test` and `triage schema`: for rule authors."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

import typer

from .common import Command, ExitStatus, RulesOption, app, make_console, user_errors

if TYPE_CHECKING:
    from ..core.errors import Problem
    from ..core.model import RuleSet


def _tool_problems(tool: str, ruleset: RuleSet) -> list[Problem]:
    """What a form tool needs of the rule set; each tool is imported only when asked for."""
    if tool == "redcap":
        from ..formtools.redcap import problems
    elif tool == "xlsform":
        from ..formtools.xlsform import problems
    else:
        from ..formtools.fhir import problems
    return problems(ruleset)


TOOLS = ("redcap", "xlsform", "fhir")


def _counts(ruleset: RuleSet) -> str:
    from ..read.translation import languages

    also = languages(ruleset)[1:]
    return f"{len(ruleset.questions)} questions, {len(ruleset.rules)} rules" + (f"; translations: {', '.join(also)}" if also else "")


def _check_translation(path: Path, rule_file: Path, strict: bool) -> ExitStatus:
    warnings = _translation_warnings(rule_file, only=path)
    for problem in warnings:
        print(f"{problem.location}: warning: {problem.message}")
    if not warnings:
        print(f"{path}: ok (a translation of {rule_file})")
    return ExitStatus.SOME_FAILED if warnings and strict else ExitStatus.OK


def _translated_rule_file(path: Path) -> Path | None:
    """The rule file a translation file `<rules>.<lang>.yaml` belongs to; None for any other file."""
    from ..read.translation import LANGUAGE_CODE

    stem = path.with_suffix("")
    rule_file = stem.with_suffix(".yaml")
    if LANGUAGE_CODE.fullmatch(stem.suffix[1:]) and rule_file.is_file() and rule_file != path:
        return rule_file
    return None


def _translation_warnings(path: Path, only: Path | None = None) -> list[Problem]:
    """Each translation beside the rule file, checked against it: missing, extra, stale, lost qualifiers.
    A translation that cannot be read at all is an error of its own, reported as a warning of the rule
    set's check so that the rule file itself still counts as fine."""
    from ..core.errors import Location, Problem, RuleFileError, TriageError
    from ..read.loader import load_source
    from ..read.translation import load_translation, translation_problems, translations_beside

    found: list[Problem] = []
    source = None
    for where in [only] if only is not None else translations_beside(path):
        try:
            translation = load_translation(where)
            source = source or load_source(path)
        except RuleFileError as exc:
            found.extend(Problem(p.location, p.message, "warning") for p in exc.problems)
            continue
        except TriageError as exc:
            found.append(Problem(Location(str(where)), str(exc), "warning"))
            continue
        found.extend(translation_problems(source, translation))
    return found


@app.command(cls=Command)
def check(
    files: Optional[List[Path]] = typer.Argument(None, metavar="[FILE...]", dir_okay=False,
                                                 help="Rule files to validate and lint (default: the shipped rule set)."),
    strict: bool = typer.Option(False, "--strict", metavar="", help="Exit 1 when there are warnings."),
    tools: List[str] = typer.Option([], "--for", metavar="[redcap|xlsform|fhir]",
                                    help="Also check what that form tool needs (reserved ids, text length); repeatable."),
    rules: Optional[Path] = RulesOption,
) -> None:
    """Validate and lint rule files. Exit 0: fine; 1: warnings with --strict; 2: errors."""
    from ..authoring.lint import lint
    from ..core.errors import RuleFileError, TriageError
    from ..read.loader import load_rules

    for tool in tools:
        if tool not in TOOLS:
            raise typer.BadParameter(f"'{tool}' is not a choice here; use redcap, xlsform or fhir", param_hint="'--for'")

    from ..read.loader import default_rules_path

    worst = ExitStatus.OK
    for path in [*(files or []), *([rules] if rules else [])] or [default_rules_path()]:
        rule_file = _translated_rule_file(path)
        if rule_file is not None:  # a translation given on its own: checked against its rule file only
            worst = max(worst, _check_translation(path, rule_file, strict))
            continue
        try:
            ruleset = load_rules(path)
        except RuleFileError as exc:
            for problem in exc.problems:
                print(f"{problem.location}: error: {problem.message}")
            worst = ExitStatus.CANNOT_RUN
            continue
        except TriageError as exc:
            # Messages about a file already start with its name: say it once.
            message = str(exc)
            prefix = f"{path}: "
            print(f"{path}: error: {message[len(prefix):] if message.startswith(prefix) else message}")
            worst = ExitStatus.CANNOT_RUN
            continue
        warnings = [*lint(ruleset), *_translation_warnings(path)]
        for problem in warnings:
            print(f"{problem.location}: warning: {problem.message}")
        if warnings and strict:
            worst = max(worst, ExitStatus.SOME_FAILED)
        errors = [p for tool in tools for p in _tool_problems(tool, ruleset)]
        for problem in errors:
            print(f"{problem.location}: error: {problem.message}")
        if errors:
            worst = ExitStatus.CANNOT_RUN
        if not warnings and not errors:
            print(f"{path}: ok ({_counts(ruleset)})")
    raise typer.Exit(worst)


@app.command("test", cls=Command)
def test_cases(
    rules_file: Optional[Path] = typer.Argument(None, metavar="[RULES]", help="The rule file (or give it with --rules).",
                                                dir_okay=False),
    cases_file: Optional[Path] = typer.Argument(None, metavar="[CASES]", help="Its cases (default: the .cases.yaml file beside it).", dir_okay=False),
    rules: Optional[Path] = RulesOption,
) -> None:
    """Run a rule set's test cases. Exit 0: all passed; 1: some failed; 2: a file cannot be used."""
    from ..authoring.cases import run_case, uncovered_rules
    from ..read.casefile import cases_path_for, load_cases
    from ..read.loader import default_rules_path, load_rules

    if rules is not None:  # with --rules, a lone file argument is the cases file
        if cases_file is not None:
            raise typer.BadParameter("give the rule file either as an argument or with --rules, not both", param_hint="'--rules'")
        rules_file, cases_file = rules, rules_file
    rules_file = rules_file or default_rules_path()

    with user_errors():
        ruleset = load_rules(rules_file)
        cases = load_cases(cases_file or cases_path_for(rules_file), ruleset)
    outcomes = [run_case(ruleset, c) for c in cases]
    console = make_console()
    from ..render.result import case_failure_renderable

    for outcome in outcomes:
        if not outcome.passed:
            console.print(case_failure_renderable(outcome, cases_file or cases_path_for(rules_file)))
    failed = sum(not o.passed for o in outcomes)
    uncovered = uncovered_rules(ruleset, outcomes)
    covered = len(ruleset.rules) - len(uncovered)
    print(f"rule coverage: {covered}/{len(ruleset.rules)} rules fired in some case"
          + (f"; never fired: {', '.join(uncovered)}" if uncovered else ""))
    print(f"{len(outcomes) - failed} passed, {failed} failed")
    raise typer.Exit(ExitStatus.SOME_FAILED if failed else ExitStatus.OK)


@app.command(cls=Command)
def schema() -> None:
    """Print the JSON Schema of the rule-file format (for editors and validators)."""
    import json

    from ..authoring.schema import rule_file_schema

    print(json.dumps(rule_file_schema(), indent=2, ensure_ascii=False))
