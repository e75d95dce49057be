"""Opening and reading the user's files, with one-line errors that name the file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO

from .errors import InputFileError


def open_binary(path: str | Path) -> IO[bytes]:
    """Open a file for reading bytes; `-` is standard input."""
    if str(path) == "-":
        return sys.stdin.buffer
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputFileError(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror})") from None


def read_text(path: str | Path) -> tuple[str, bytes]:
    """A small UTF-8 file (rules, answers, cases, maps) as text, with the bytes it was decoded from."""
    with open_binary(path) as f:
        data = f.read()
    try:
        return data.decode("utf-8-sig"), data
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
