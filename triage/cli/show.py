"""`triage explain` and `triage diagram`: the rule set shown whole, as a tree or a flowchart."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from .common import (Command, LangOption, PlainOption, RegionOption, RulesOption, app, choice, is_plain, make_console, speak,
                     user_errors)


@app.command(cls=Command)
def explain(rules: Optional[Path] = RulesOption, lang: Optional[str] = LangOption, region: Optional[str] = RegionOption,
            plain: bool = PlainOption) -> None:
    """Show the whole rule set as a tree: each result, its rules in plain words, why, and the source."""
    from ..read.loader import load_rules
    from ..render.explain import explain_tree

    with user_errors():
        speak(lang)
        ruleset = load_rules(rules, lang, region)
    plain = is_plain(plain)
    make_console(plain=plain).print(explain_tree(ruleset, plain))


@app.command(cls=Command)
def diagram(
    rules: Optional[Path] = RulesOption,
    fmt: str = typer.Option("mermaid", "--format", "-f", metavar="[mermaid|dot|markdown]", callback=choice("mermaid", "dot", "markdown"),
                            help="mermaid, dot (Graphviz), or markdown (a page holding the Mermaid chart)."),
) -> None:
    """Print a flowchart of the questionnaire and the rules."""
    from ..read.loader import load_rules
    from ..render import diagram as d

    with user_errors():
        ruleset = load_rules(rules)
    sys.stdout.write({"mermaid": d.mermaid, "dot": d.dot, "markdown": d.markdown}[fmt](ruleset))
