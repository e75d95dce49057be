"""Typed errors that carry where a problem is; the CLI turns them into one-line messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Location:
    """A place in an input: a file, and where known a line and column (1-based) or a CSV row."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


@dataclass(frozen=True)
class Problem:
    location: Location
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class TriageError(Exception):
    """Base class: anything the user can fix by changing their input."""


class RuleFileError(TriageError):
    """A rule, cases or answers file that cannot be used; holds every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class AnswerError(TriageError):
    """An answer that does not fit its question (a word where a number belongs, out of range, ...)."""

    def __init__(self, question: str, message: str, location: Location | None = None):
        self.question = question
        self.location = location
        self.reason = message
        where = f"{location}: " if location else ""
        super().__init__(f"{where}{question}: {message}")


class InputFileError(TriageError):
    """A data file that cannot be read or written at all (missing, wrong encoding, would overwrite input)."""


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """A ' (did you mean 'x'?)' hint for a misspelt id, or '' when nothing is close."""
    import difflib

    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class Stopped(KeyboardInterrupt):
    """A signal (SIGTERM, SIGHUP) asked triage to stop: unwinds like Ctrl-C, so every temporary file
    and worker is cleaned up on the way out, and ends with status 128 + the signal's number."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum
