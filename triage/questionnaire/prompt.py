"""The questionnaire in a terminal: ask, check, allow `back` and `?`, and hand back a finished Session.

Works the same with piped input as at a keyboard; colours follow rich, which honours NO_COLOR.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ..core.answers import range_text, shown_answer
from ..core.errors import AnswerError
from ..core.model import NUMBER, Question
from ..core.words import typed, w
from .session import Session

if TYPE_CHECKING:
    from rich.console import Console


class Quit(Exception):
    """The person chose to stop; no result is given."""


def hint(q: Question) -> str:
    if q.type == NUMBER:
        return w("hint.number", range=range_text(q), skip=w("hint.skip") if q.optional else w("hint.or_unsure"))
    return w("hint.yesno")


def ask(session: Session, console: Console, read: Callable[[str], str] = input, plain: bool = False) -> Session:
    """Run the questionnaire until nothing is left to ask. EOFError and KeyboardInterrupt propagate.

    Everything shown goes through rich Text objects, never markup: what a rule file says and what a
    person types are shown exactly as written. Plain (for screen readers) puts each question and its
    choices on one line, in words, with no styling that carries meaning.
    """
    from rich.text import Text

    def say(*parts: str | tuple[str, str], style: str = "") -> None:
        console.print(Text.assemble(*parts, style=style), highlight=False)

    while (q := session.next_question()) is not None:
        number, most = session.progress
        console.print()
        if plain:  # the question and its choices as one line, for a screen reader to read out at once
            say(f"{w('prompt.progress', number=number, most=most)}: {q.text} {w('prompt.controls_plain', hint=hint(q))}")
        else:
            say(w("prompt.progress", number=number, most=most), style="dim")
            say(q.text, style="bold")
        first = True
        while True:
            if not plain:
                say(w("prompt.controls", hint=hint(q)), style="dim")
            elif not first:
                say(w("prompt.controls_plain", hint=hint(q)))
            first = False
            raw = read("> ")
            word = raw.strip().lower()
            if word in typed("typed.why"):
                say((w("prompt.why"), "cyan"), q.why)
                continue
            if word in typed("typed.quit"):
                raise Quit
            if not word and not (q.type == NUMBER and q.optional):
                # An empty line is more likely a slip than a considered "unsure".
                say(w("prompt.please", hint=hint(q)), style="yellow")
                continue
            if word in typed("typed.back"):
                last = session.history[-1] if session.history else None
                was = session.answers.get(last) if last else None
                previous = session.back()
                if previous is None:
                    say(w("prompt.first"), style="yellow")
                    continue
                say(w("prompt.going_back", text=previous.text, answer=shown_answer(previous, was)), style="dim")
                break
            try:
                session.answer(q, raw)
            except AnswerError as exc:
                say(w("prompt.sorry", reason=exc.reason), style="yellow")
                continue
            break
    return session
