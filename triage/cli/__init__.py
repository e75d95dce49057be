"""The `triage` command: a thin layer over the library, one module per group of commands.

`common` holds what every command shares (the typer app, the exit-status table, one-line errors);
each other module registers its commands on that app, in the order `triage --help` lists them.
Nothing in the package imports this wing: it is the top floor.
"""

from __future__ import annotations

import errno
import io
import sys

# In the order `triage --help` lists the commands: each module registers its own on the app.
from . import run, score, show, author, export, teach  # noqa: F401, I001
from .common import ExitStatus, app, err

__all__ = ["app", "main"]

REPORT = "please report it, with the command you ran but none of the answers, to the project's issue tracker"


def main() -> None:
    """The console script: every way out is a documented exit status with at most one line on stderr.

    The one place where a signal becomes a status: SIGTERM and SIGHUP unwind like Ctrl-C (so that
    every temporary file and worker is cleaned up), and whatever catches them on the way out (a
    command, or typer's own handler, which would say 130), the status is the signal's.
    """
    import signal

    from ..core.errors import Stopped

    if sys.stdout is None:  # started with standard output closed (`>&-`): say so where it is written to
        sys.stdout = _ClosedOutput()
    received: list[int] = []

    def stop(signum: int, frame: object) -> None:
        received.append(signum)
        if len(received) == 1:
            raise Stopped(signum)

    handled = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    for signum in handled:
        signal.signal(signum, stop)
    try:
        status = _run()
    except KeyboardInterrupt:  # a signal in the moment between the app's end and here
        status = ExitStatus.INTERRUPTED
    finally:
        for signum in handled:
            signal.signal(signum, lambda n, f: received.append(n))  # from here on, only noted
    if received:
        status = ExitStatus.of_signal(received[0])
    sys.exit(int(status))


class _ClosedOutput(io.TextIOBase):
    """Standard output when the process has none: writing is an error with a message, not exit 70."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")

    def fileno(self) -> int:
        raise OSError(errno.EBADF, "standard output is closed")


def _run() -> int:
    from typer._click.exceptions import ClickException
    from typer.exceptions import Abort

    try:
        status = app(standalone_mode=False)
    except ClickException as exc:  # a usage error: typer's own message, as in standalone mode
        from typer import rich_utils

        rich_utils.rich_format_error(exc)
        return exc.exit_code
    except Abort:
        err("stopped")
        return ExitStatus.INTERRUPTED
    except KeyboardInterrupt:
        err("stopped; nothing was left behind")
        return ExitStatus.INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - the one place where an unexpected failure becomes a line
        err(f"internal error ({type(exc).__name__}); this is a bug in triage, not in your files: {REPORT}")
        return ExitStatus.INTERNAL
    return status if isinstance(status, int) else 0
