"""The `triage` command: a thin layer that parses options, calls the library, and turns typed errors
into one-line messages. Heavy imports (rich, yaml, the engine) happen inside the commands that use
them so that `triage --version` starts as fast as typer itself allows.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Callable, Iterator

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

from .. import __version__

if TYPE_CHECKING:
    from rich.console import Console


class _PlainHelp:
    """`--help` without a type label (`<bool>`) beside it."""

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.metavar = ""
        return option


class Command(_PlainHelp, TyperCommand):
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


class Group(_PlainHelp, TyperGroup):
    pass


app = typer.Typer(
    cls=Group,
    add_completion=False,  # shell completion is not offered; README says so
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,  # locals would hold a person's answers
    help="Red-flag triage of symptoms from declarative rule files. Not a diagnosis.",
)



class ExitStatus(IntEnum):
    """Every way `triage` ends, in one table (README's "Exit statuses" lists the same)."""

    OK = 0
    SOME_FAILED = 1  # rows with errors, failed cases, warnings under --strict, input ended early
    CANNOT_RUN = 2  # a file or an option that cannot be used
    NOT_SAVED = 3  # the result was shown but --save could not write it
    INTERNAL = 70  # a bug in triage (EX_SOFTWARE)
    HANGUP = 129  # SIGHUP
    INTERRUPTED = 130  # Ctrl-C (SIGINT), or q at a prompt
    PIPE_CLOSED = 141  # the reader of standard output went away (SIGPIPE)
    TERMINATED = 143  # SIGTERM

    @classmethod
    def of_signal(cls, signum: int) -> ExitStatus:
        """128 + the signal's number, the shell's convention."""
        return cls(128 + signum)


def choice(*allowed: str) -> Callable[[str], str]:
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
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", metavar="", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """Red-flag triage of symptoms from declarative rule files. Not a diagnosis."""
    from ..core.words import install

    # Every command starts in English, and whatever language it chose is undone when it ends: a program
    # (or a test) may run several commands, and call the library, in one thread.
    ctx.call_on_close(install("en", {}))


def err(message: str) -> None:
    print(f"triage: {message}", file=sys.stderr)


@contextmanager
def user_errors() -> Iterator[None]:
    """Typed library errors become one line each on stderr and exit status 2; never a traceback."""
    from ..core.errors import RuleFileError, TriageError

    try:
        yield
    except RuleFileError as exc:
        for problem in exc.problems:
            err(str(problem))
        raise typer.Exit(ExitStatus.CANNOT_RUN) from None
    except TriageError as exc:
        err(str(exc))
        raise typer.Exit(ExitStatus.CANNOT_RUN) from None
    except BrokenPipeError:
        # The reader went away (`| head`): everything was cleaned up on the way here; say nothing more.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(ExitStatus.PIPE_CLOSED) from None
    except OSError as exc:
        # Writing failed half-way (a full disk, a file size limit): temporary files are gone by now.
        where = exc.filename or "the output"
        err(f"{where}: cannot write ({exc.strerror or exc}); nothing was left half-written")
        raise typer.Exit(ExitStatus.CANNOT_RUN) from None


def make_console(stderr: bool = False, plain: bool = False) -> Console:
    """A console; plain (for screen readers and braille displays) has no colour or styling and lets the terminal
    wrap lines, so a sentence is never broken by a line end."""
    from rich.console import Console

    if plain:
        return Console(stderr=stderr, highlight=False, color_system=None, soft_wrap=True, emoji=False)
    return Console(stderr=stderr, highlight=False)


def is_plain(asked: bool, stderr: bool = False) -> bool:
    """Plain output: when asked for, on a dumb terminal, or when the output is not a terminal at all
    (a file, a pipe, a screen reader's capture), where box drawing is only noise."""
    import os

    stream = sys.stderr if stderr else sys.stdout
    return asked or os.environ.get("TERM") == "dumb" or not (hasattr(stream, "isatty") and stream.isatty())


def speak(language: str | None) -> None:
    """Use a language's interface words until this command ends."""
    if language:
        from ..core.words import install
        from ..read.translation import interface_words

        install(language, interface_words(language))  # undone when the command ends: see _main


LangOption = typer.Option(None, "--lang", metavar="CODE",
                          help="Language of the questions, advice and interface (en, or a translation beside the rule file: es).")
RegionOption = typer.Option(None, "--region", metavar="NAME",
                            help="Health system whose services the advice names: uk (default), generic, or a region file.")
PlainOption = typer.Option(False, "--plain", metavar="",
                           help="No boxes, colours or tables: for screen readers (automatic when not a terminal or TERM=dumb).")
RulesOption = typer.Option(None, "--rules", "-r", metavar="FILE", help="Rule file to use (default: the shipped L2–L3 rule set).",
                           dir_okay=False)


