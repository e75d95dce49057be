"""The questionnaire in a terminal: ask, check, allow `back` and `?`, and hand back a finished Session.

Works the same with piped input as at a keyboard; colours follow rich, which honours NO_COLOR.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from .answers import range_text
from .errors import AnswerError
from .model import NUMBER, Question
from .questionnaire import Session

if TYPE_CHECKING:
    from rich.console import Console

BACK = ("back", "b")
WHY = ("?", "why", "help")
QUIT = ("quit", "exit")


class Quit(Exception):
    """The person chose to stop; no result is given."""


def hint(q: Question) -> str:
    if q.type == NUMBER:
        skip = ", Enter to skip" if q.optional else ", or unsure"
        unit = f" {q.unit}" if q.unit else ""
        return f"a number {range_text(q)}{unit}{skip}"
    return "yes / no / unsure"


def ask(session: Session, console: Console, read: Callable[[str], str] = input) -> Session:
    """Run the questionnaire until nothing is left to ask. EOFError and KeyboardInterrupt propagate."""
    while (q := session.next_question()) is not None:
        number, most = session.progress
        console.print()
        console.print(f"[dim]Question {number} of at most {most}[/dim]")
        console.print(f"[bold]{q.text}[/bold]", highlight=False)
        while True:
            console.print(f"[dim]({hint(q)}; ? why we ask; back to go back)[/dim]", highlight=False)
            raw = read("> ")
            word = raw.strip().lower()
            if word in WHY:
                console.print(f"[cyan]Why we ask:[/cyan] {q.why}", highlight=False)
                continue
            if word in QUIT:
                raise Quit
            if not word and not (q.type == NUMBER and q.optional):
                # An empty line is more likely a slip than a considered "unsure".
                console.print(f"[yellow]Please answer {hint(q)}.[/yellow]", highlight=False)
                continue
            if word in BACK:
                previous = session.back()
                if previous is None:
                    console.print("[yellow]This is the first question; there is nothing to go back to.[/yellow]")
                    continue
                console.print(f"[dim]Going back to: {previous.text}[/dim]", highlight=False)
                break
            try:
                session.answer(q, raw)
            except AnswerError as exc:
                console.print(f"[yellow]Sorry, {exc.reason}.[/yellow]", highlight=False)
                continue
            break
    return session
