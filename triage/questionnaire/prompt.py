"""The questionnaire in a terminal: ask, check, allow `back` and `?`, and hand back a finished Session.

Works the same with piped input as at a keyboard; colours follow rich, which honours NO_COLOR.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ..core.answers import answer_text, range_text
from ..core.errors import AnswerError
from ..core.model import NUMBER, Question
from .session import Session

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
        return f"a number {range_text(q)}{skip}"
    return "yes / no / unsure"


def ask(session: Session, console: Console, read: Callable[[str], str] = input) -> Session:
    """Run the questionnaire until nothing is left to ask. EOFError and KeyboardInterrupt propagate.

    Everything shown goes through rich Text objects, never markup: what a rule file says and what a
    person types are shown exactly as written.
    """
    from rich.text import Text

    def say(*parts: str | tuple[str, str], style: str = "") -> None:
        console.print(Text.assemble(*parts, style=style), highlight=False)

    while (q := session.next_question()) is not None:
        number, most = session.progress
        console.print()
        say(f"Question {number} of at most {most}", style="dim")
        say(q.text, style="bold")
        while True:
            say(f"({hint(q)}; ? why we ask; back to go back; quit to stop)", style="dim")
            raw = read("> ")
            word = raw.strip().lower()
            if word in WHY:
                say(("Why we ask: ", "cyan"), q.why)
                continue
            if word in QUIT:
                raise Quit
            if not word and not (q.type == NUMBER and q.optional):
                # An empty line is more likely a slip than a considered "unsure".
                say(f"Please answer {hint(q)}.", style="yellow")
                continue
            if word in BACK:
                last = session.history[-1] if session.history else None
                was = session.answers.get(last) if last else None
                previous = session.back()
                if previous is None:
                    say("This is the first question; there is nothing to go back to.", style="yellow")
                    continue
                say(f"Going back to: {previous.text} (you answered: {answer_text(previous, was)})", style="dim")
                break
            try:
                session.answer(q, raw)
            except AnswerError as exc:
                say(f"Sorry, {exc.reason}.", style="yellow")
                continue
            break
    return session
