"""`triage playground`: the teaching page, served or exported."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from .common import Command, ExitStatus, LangOption, RegionOption, RulesOption, app, err, speak, user_errors


@app.command("playground", cls=Command)
def playground(
    rules: Optional[Path] = RulesOption,
    port: int = typer.Option(8765, "--port", min=1, max=65535, metavar="N", help="Port on 127.0.0.1."),
    export: Optional[str] = typer.Option(None, "--export", metavar="FILE",
                                         help="Write one case as a self-contained page (with --answers / --set) instead of serving."),
    answers: Optional[Path] = typer.Option(None, "--answers", "-a", metavar="FILE", help="The case's answers (for --export).", dir_okay=False),
    settings: List[str] = typer.Option([], "--set", metavar="QUESTION=ANSWER", help="An answer of the case (repeatable)."),
    lang: Optional[str] = LangOption,
    region: Optional[str] = RegionOption,
) -> None:
    """A teaching page in the browser: questions, result, flowchart and trace side by side (needs the web extra)."""
    from ..read.loader import default_rules_path, load_rules

    with user_errors():
        path = rules or default_rules_path()
        speak(lang)
        ruleset = load_rules(path, lang, region)
        if export is None:
            if answers is not None or settings:
                err("--answers and --set are for --export; in the page, answer the questions (or open a case link)")
                raise typer.Exit(ExitStatus.CANNOT_RUN)
            from ..teach.playground import serve

            # Said once the port is bound and the web extra found: never an address that answers nothing.
            query = f"?lang={lang}" if lang else ""
            serve(path, "127.0.0.1", port,
                  lambda: print(f"triage playground on http://127.0.0.1:{port}/{query} (Ctrl-C to stop)", file=sys.stderr),
                  region, lang)
            return
        raw: dict[str, str] = {}
        if answers is not None:
            from ..core.answers import answer_text
            from ..read.answerfile import load_answers

            raw = {q: answer_text(ruleset.question(q), v) for q, v in load_answers(answers, ruleset).items()
                   if answer_text(ruleset.question(q), v) not in ("not given", "not recorded")}
        for item in settings:
            qid, sep, value = item.partition("=")
            if not sep or qid.strip() not in ruleset.questions_by_id:
                err(f"--set {item!r}: write question=answer with a question of rule set '{ruleset.id}'")
                raise typer.Exit(ExitStatus.CANNOT_RUN)
            raw[qid.strip()] = value.strip()
        from ..read.files import check_output, write_private
        from ..teach.playground import page

        check_output(export, [p for p in (answers, rules) if p is not None])
        write_private(export, page(ruleset, Path(path).read_text(encoding="utf-8"), raw, static=True))
        print(f"wrote {export}", file=sys.stderr)
