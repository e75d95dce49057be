"""Opening and reading the user's files, with one-line errors that name the file."""

from __future__ import annotations

import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

from ..core.errors import InputFileError

MAX_WHOLE = 10 << 20  # bytes: the most a file read whole may hold
SHIPPED_DEFAULT = "l2_l3_radiculopathy.yaml"


def shipped_rules_dir() -> Path | None:
    """Where the shipped rule sets live: package data `triage/rules` when installed, or the
    repository's own `rules/` folder (which that package data is built from) in a source checkout."""
    import importlib.resources

    package = Path(str(importlib.resources.files("triage")))
    for candidate in (package / "rules", package.parent / "rules"):
        if (candidate / SHIPPED_DEFAULT).is_file():
            return candidate
    return None


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
        data = f.read(MAX_WHOLE + 1)  # never more: a device like /dev/zero has no end
    if len(data) > MAX_WHOLE:
        raise InputFileError(f"{path}: larger than {MAX_WHOLE >> 20} MB; rule, answers, cases and map files are read "
                             "whole and are never this big")
    try:
        return data.decode("utf-8-sig"), data
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputFileError(f"{path}:{line}:{column}: not UTF-8 text (byte {exc.start}, 0x{data[exc.start]:02x}); "
                             "save it as UTF-8") from None


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file (through links and relative paths too)."""
    try:
        return Path(a).resolve() == Path(b).resolve() or (Path(b).exists() and os.path.samefile(a, b))
    except OSError:
        return False


def check_output(path: str | Path, inputs: Iterable[str | Path] = ()) -> None:
    """Refuse, before any work is done, an output that cannot or must not be written: a folder, a
    device or pipe, a folder that does not exist or cannot be written in, or one of the inputs."""
    target = Path(path)
    if str(path).endswith(("/", os.sep)) or target.is_dir():
        raise InputFileError(f"{path}: is a folder; give a file name to write")
    if target.exists() and not target.is_file():
        raise InputFileError(f"{path}: is not a regular file (a device or a pipe); give a file name to write")
    folder = target.resolve().parent
    if not folder.is_dir():
        raise InputFileError(f"{path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise InputFileError(f"{path}: cannot write in the folder {folder}")
    for source in inputs:
        if same_file(source, target):
            raise InputFileError(f"{path}: is also an input; triage never writes over its own input")
    shipped = shipped_rules_dir()
    if shipped is not None and shipped.resolve() in (target.resolve(), *target.resolve().parents):
        # Even when --rules is not given: the default rule set is an input of every later command.
        raise InputFileError(f"{path}: is inside triage's own rule sets ({shipped}); triage never writes there")


def write_private(path: str | Path, text: str | bytes) -> None:
    """Write text whole or not at all, readable by its owner only: it holds health information."""
    check_output(path)
    try:
        with atomic_file(Path(path), binary=isinstance(text, bytes)) as out:
            out.write(text)
    except OSError as exc:
        raise InputFileError(f"{path}: cannot write ({exc.strerror})") from None


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def find_undecodable(source: IO[bytes], encoding: str) -> tuple[int, int, int] | None:
    """(line, byte offset in the file, the byte) of the first byte that `encoding` cannot decode.

    Reads the file again from the start, a line at a time: a decoder reading ahead in blocks cannot
    say which line it was on. None when the source cannot be re-read (standard input, a pipe).
    """
    import codecs

    try:
        if not source.seekable():
            return None
        source.seek(0)
    except (OSError, ValueError):
        return None
    name = codecs.lookup(encoding).name
    offset = 0
    for number, raw in enumerate(source, 1):
        data = raw[3:] if number == 1 and name == "utf-8-sig" and raw.startswith(codecs.BOM_UTF8) else raw
        try:
            data.decode(encoding)
        except UnicodeDecodeError as exc:
            start = offset + (len(raw) - len(data)) + exc.start
            return number, start, data[exc.start]
        offset += len(raw)
    return None


def decode_hint(encoding: str) -> str:
    """Which --encoding to suggest: spreadsheets saved on Windows are usually cp1252."""
    return "--encoding cp1252 (Windows spreadsheets) or --encoding latin-1" if "utf" in encoding.lower() else "--encoding utf-8"


def stdin_is(path: str | Path) -> bool:
    """Whether standard input is the file at `path` (`triage score - -o in.csv < in.csv`)."""
    try:
        return os.path.samestat(os.fstat(sys.stdin.fileno()), os.stat(path))
    except (OSError, ValueError, AttributeError):
        return False


def check_encoding(name: str) -> str:
    """The codec's canonical name; a clear error for a name that is not a text encoding."""
    import codecs

    try:
        info = codecs.lookup(name)
    except LookupError:
        raise InputFileError(f"unknown encoding {name!r}; try utf-8, cp1252 or latin-1") from None
    if not getattr(info, "_is_text_encoding", True):
        raise InputFileError(f"{name!r} is not a text encoding; try utf-8, cp1252 or latin-1") from None
    return info.name


@contextmanager
def atomic_output(path: Path | None, stdout: IO[str]) -> Iterator[IO[str]]:
    """Standard output as it is, or a file written atomically (see atomic_file)."""
    if path is None:
        yield stdout
        return
    with atomic_file(path) as out:
        yield out


@contextmanager
def atomic_file(path: Path, binary: bool = False) -> Iterator[IO[Any]]:
    """The one way triage writes a file: to a temporary file (created 0600, owner-only) beside the
    target, renamed over it at the end, so that a failure or a signal never leaves half a file."""
    target = path.resolve()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as exc:
        raise InputFileError(f"{path}: cannot write here ({exc.strerror})") from None
    try:
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")) as out:
            yield out
        os.replace(tmp, target)
    except BaseException:
        _unlink(tmp)
        raise
