"""Streaming a CSV file through a Scorer: one output row per input row, memory flat however long the file."""

from __future__ import annotations

import csv
import gc
import io
import os
import re
import stat
from dataclasses import dataclass
from operator import getitem
from typing import IO, Any, Callable, Iterator

from ..core.errors import InputFileError
from ..core.model import RuleSet
from ..read.mapfile import ColumnMap
from .columns import ADDED, ERROR_CELL, resolve_map
from .scorer import CELLS, COUNT, SUFFIX, Scorer, Summary
from .writers import Sink, escape_formula, fhir_writer, jsonl_writer

DELIMITERS = {",": ",", ";": ";", "tab": "\t", "\\t": "\t", "\t": "\t", "|": "|"}


# Bounds that keep memory flat: cell -> answer per column, and answers -> result in two generations
# (a full young generation becomes the old one; entries still in use move back when next seen).
MAX_LINE = 4 << 20  # characters in one physical line of a CSV file


def detect_delimiter(header_line: str) -> str:
    """Decide the delimiter from the header line alone (data rows mislead sniffers)."""
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


class _CountingReader(io.RawIOBase):
    """Wraps a binary file and counts bytes read, for a progress bar that costs nothing per row."""

    def __init__(self, raw: io.RawIOBase | IO[bytes]):
        self.raw, self.count = raw, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n: int | None = self.raw.readinto(buffer)  # type: ignore[union-attr]
        self.count += n or 0
        return n or 0  # blocking reads only: None (no data yet) does not happen here


@dataclass
class Options:
    fmt: str = "csv"
    colmap: ColumnMap | None = None
    allow_missing: bool = False
    encoding: str = "utf-8-sig"
    delimiter: str | None = None
    escape_formulas: bool = True
    max_reported_errors: int = 20
    source: str = "csv"  # csv, redcap or odk (an export read with the map it implies; see resolve_map)


@dataclass(frozen=True)
class Part:
    """A byte range of a file's body, scored by a worker (`--jobs`): the header comes from outside."""

    header: list[str]
    delimiter: str
    line_offset: int  # physical lines before the range, so messages give the file's own line numbers
    # A line appended after the range (None for the last part). It parses as a record of its own only
    # if the range ended at a true record boundary; inside a quoted cell it is swallowed instead.
    sentinel: str | None = None


def score_file(
    rules: RuleSet,
    source: IO[bytes] | io.RawIOBase,
    out: IO[str],
    options: Options,
    name: str = "<stdin>",
    on_progress: Callable[[int], None] | None = None,
    on_start: Callable[[Scorer], None] | None = None,
    part: Part | None = None,
) -> Summary:
    """Score every row of `source` into `out`. Raises for file-level problems; row problems go into rows."""
    counting = _CountingReader(source)
    text = io.TextIOWrapper(io.BufferedReader(counting, 1 << 16), encoding=options.encoding, newline="")
    line_offset = part.line_offset if part else 0
    size_before = _regular_size(source)
    read_line = text.readline
    # A cell may be as long as a line may be: a long notes cell is a row to score, not a reason to stop.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE))
    line_no = 0  # physical lines read so far, for messages that give the file's own line numbers
    pushed: list[str] = []

    def too_long() -> InputFileError:
        return InputFileError(f"{name}:{line_offset + line_no}: a line longer than {MAX_LINE:,} characters; "
                              "is this a CSV file of responses?")

    def feed() -> Iterator[str]:
        """The csv module's lines: one pushed back by the loop below, then as many more as a quoted
        cell spans. Bounded, so that a file with no line breaks (or /dev/zero) cannot fill the memory."""
        nonlocal line_no
        while True:
            if pushed:
                yield pushed.pop()
                continue
            line = read_line(MAX_LINE)
            if not line:
                return
            line_no += 1
            if len(line) == MAX_LINE and line[-1] not in "\r\n":
                raise too_long()
            yield line

    buffer: list[str] = []
    gc_was_on = gc.isenabled()
    try:
        if part is None:
            first = next(feed(), "")
            if not first.strip():
                raise InputFileError(f"{name}: the file is empty; the first line must be the header")
            delimiter = options.delimiter or detect_delimiter(first)
            pushed.append(first)
            reader = csv.reader(feed(), delimiter=delimiter)
            header = next(reader)
        else:
            header, delimiter = part.header, part.delimiter
            reader = csv.reader(feed(), delimiter=delimiter)
        scorer = Scorer(rules, header, resolve_map(rules, header, options.colmap, options.source), options.allow_missing)
        scorer.set_delimiter(delimiter)
        if on_start:
            on_start(scorer)
        summary = scorer.summary
        width = len(header)
        sink = Sink(buffer.append)
        jsonl = options.fmt != "csv"
        if jsonl:
            emit = (jsonl_writer if options.fmt == "jsonl" else fhir_writer)(sink, header, rules, width)
            escaping = False
        else:
            emit = csv.writer(sink, delimiter=delimiter, lineterminator="\n").writerow
            escaping = options.escape_formulas
            if part is None:
                emit([escape_formula(c) for c in header] + list(ADDED) if escaping else header + list(ADDED))
        looks_like_formula = re.compile(r"(?:^|\x00)[=+\-@\t\r]").search
        # On a whole line: a cell that starts like a formula somewhere (then each cell is looked at).
        line_looks_like_formula = re.compile(f"(?:^|{re.escape(delimiter)})[=+\\-@\\t\\r]").search

        sentinel_row = [part.sentinel] if part is not None and part.sentinel is not None else None
        seen_sentinel = False

        def slow(row: list[str]) -> None:
            nonlocal seen_sentinel
            if not row or not "".join(row).strip():
                summary.blank_lines += 1  # a line of only commas or spaces holds no response either
                return
            if row == sentinel_row:
                seen_sentinel = True
                return
            entry = scorer.score(row)
            added: list[str]
            if isinstance(entry, str):
                if len(summary.first_errors) < options.max_reported_errors:
                    summary.first_errors.append(f"{name}:{line_offset + line_no}: {entry}")
                if len(row) > width:
                    row = row[:width]  # the extra cells are quoted in the error cell
                added = [""] * len(ADDED)
                added[ERROR_CELL], added[-1] = entry, scorer.version
            else:
                added = entry[CELLS]
            if len(row) < width:
                row = row + [""] * (width - len(row))
            if escaping and looks_like_formula("\x00".join(row)):
                row = [escape_formula(c) for c in row]
            emit(row + added)

        keys, pick, base = scorer.keys, scorer.pick, scorer.base
        results, new_entry = scorer.results, scorer.entry
        for *_, parse, _ in scorer.columns:
            parse("")  # every question cell empty: fills the tables with the blank cell
        blank_key = base + sum(k[""] for k in keys)

        def parsed(row: list[str]) -> None:
            """A row read by the csv module (or split, with the wrong number of cells)."""
            if len(row) == width and row != sentinel_row:
                try:
                    key = sum(map(getitem, keys, pick(row)), base)
                except KeyError:
                    pass
                else:
                    if key == blank_key and not "".join(row).strip():
                        summary.blank_lines += 1
                        return
                    entry = results.get(key) or new_entry(key)
                    entry[COUNT] += 1
                    if escaping and looks_like_formula("\x00".join(row)):
                        row = [escape_formula(c) for c in row]
                    emit(row + entry[CELLS])
                    return
            slow(row)
        # A line with no quote and no NUL splits on the delimiter exactly as the csv module reads it,
        # and is written back as its own text followed by the cached result cells.
        fast = not jsonl and not (sentinel_row is not None and width == 1)
        write, add = out.write, buffer.append
        gc.disable()  # the loop makes no reference cycles; pausing the collector saves its scans
        while True:
            line = read_line(MAX_LINE)
            if not line:
                break
            line_no += 1
            if not line_no & 4095:
                write("".join(buffer))
                buffer.clear()
                if on_progress is not None:
                    on_progress(counting.count)
            if len(line) == MAX_LINE and line[-1] not in "\r\n":
                raise too_long()
            if fast and '"' not in line and "\x00" not in line:
                body = line.rstrip("\r\n")
                row = body.split(delimiter)
                if len(row) == width:
                    try:
                        key = sum(map(getitem, keys, pick(row)), base)
                    except KeyError:
                        pass  # a cell not seen before: the slow path parses it
                    else:
                        if key == blank_key and not "".join(row).strip():
                            summary.blank_lines += 1
                            continue
                        entry = results.get(key) or new_entry(key)
                        entry[COUNT] += 1
                        if escaping and line_looks_like_formula(body):
                            escaped = [escape_formula(c) for c in row]
                            if escaped != row:
                                emit(escaped + entry[CELLS])
                                continue
                        add(body)
                        add(entry[SUFFIX])
                        continue
                slow(row)
                continue
            pushed.append(line)
            parsed(next(reader))
        write("".join(buffer))
        buffer.clear()
        if sentinel_row is not None and not seen_sentinel:
            summary.ended_on_boundary = False
        if size_before is not None and (_regular_size(source) != size_before or (part is None and counting.count != size_before)):
            summary.input_changed = True
    except UnicodeDecodeError as exc:
        from ..read.files import decode_hint, find_undecodable


        found = find_undecodable(source, options.encoding) if part is None else None  # type: ignore[arg-type]
        if found is not None:
            at, offset, byte = found
            where = f"{name}:{at}: byte {offset} (0x{byte:02x})"
        else:
            where = f"{name}:{line_offset + line_no + 1} or just after"
        raise InputFileError(
            f"{where}: not valid {options.encoding} text ({exc.reason}); give the file's encoding, "
            f"for example {decode_hint(options.encoding)}"
        ) from None
    except UnicodeError as exc:  # not a decoding slip but the whole stream, e.g. UTF-16 without its mark
        raise InputFileError(f"{name}: cannot be read as {options.encoding} ({exc}); give the file's encoding with --encoding") from None
    except csv.Error as exc:
        raise InputFileError(f"{name}:{line_offset + max(line_no, 1)}: cannot read this CSV ({exc})") from None
    except LookupError:
        raise InputFileError(f"unknown encoding {options.encoding!r}; try utf-8, latin-1 or cp1252") from None
    finally:
        if buffer:
            out.write("".join(buffer))  # the rows scored before a problem, as before it
        if gc_was_on:
            gc.enable()
    return scorer.finish()


def _regular_size(source: IO[bytes] | io.RawIOBase) -> int | None:
    """The size of a regular file (None for a pipe, a terminal, a device, or a part of a file)."""
    try:
        info = os.fstat(source.fileno())
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None
