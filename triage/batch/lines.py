"""One CSV file being scored a line at a time: its options, its lines, its Scorer and the output they share.

The block path (blocks.py) reads the same file in blocks of columns and hands back the lines it cannot take."""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import stat
from dataclasses import dataclass, field
from operator import getitem
from typing import IO, Any, Callable, Iterator

from ..core.errors import InputFileError
from ..core.model import RuleSet
from ..evaluation.packed import CacheLimits
from ..read.mapfile import ColumnMap
from .columns import ADDED, ERROR_CELL, resolve_map
from .scorer import Scorer
from ..core.cells import escape_formula
from .writers import Sink, csv_writer, fhir_writer, jsonl_writer

DELIMITERS = {",": ",", ";": ";", "tab": "\t", "\\t": "\t", "\t": "\t", "|": "|"}


MAX_LINE = 4 << 20  # characters in one physical line of a CSV file
BLOCK_CHARS = 2 << 20  # bytes of a block that the block path (blocks.py) evaluates in columns
# Encodings in which a quote and a line break are single bytes that no other character contains:
# a file in one of them can be cut into blocks (and into --jobs parts) on bytes.
SPLITTABLE = {"utf-8", "utf-8-sig", "iso8859-1", "latin-1", "cp1252", "ascii"}


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
    limits: CacheLimits = field(default_factory=CacheLimits)  # a --jobs worker gets halved ones
    # rows: one line at a time in Python; columns: blocks of rows in polars (blocks.py), needs the
    # `fast` extra; auto: columns where polars is installed and the input is at least one block.
    evaluator: str = "auto"
    block_chars: int = BLOCK_CHARS


@dataclass(frozen=True)
class Part:
    """A byte range of a file's body, scored by a worker (`--jobs`): the header comes from outside."""

    header: list[str]
    delimiter: str
    line_offset: int  # physical lines before the range, so messages give the file's own line numbers
    # A line appended after the range (None for the last part). It parses as a record of its own only
    # if the range ended at a true record boundary; inside a quoted cell it is swallowed instead.
    sentinel: str | None = None


class _Stream:
    """One file being scored: its lines, its Scorer, and the output buffer they share."""

    def __init__(self, source: IO[bytes] | io.RawIOBase, out: IO[str], options: Options, name: str, part: Part | None):
        self.counting = _CountingReader(source)
        self.source, self.out, self.options, self.name, self.part = source, out, options, name, part
        try:
            codecs.lookup(options.encoding)
        except LookupError:
            # Asked here, not caught around the loop: there a KeyError (a LookupError too) is a bug, not an encoding.
            raise InputFileError(f"unknown encoding {options.encoding!r}; try utf-8, latin-1 or cp1252") from None
        self.text: io.TextIOWrapper = io.TextIOWrapper(io.BufferedReader(self.counting, 1 << 16), encoding=options.encoding, newline="")
        self.read_line: Callable[[int], str] = self.text.readline  # feed()'s lines; the block path gives its own (blocks.py)
        self.line_offset = part.line_offset if part else 0
        self.size_before = _regular_size(source)
        # A cell may be as long as a line may be: a long notes cell is a row to score, not a reason to stop.
        csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE))
        self.line_no = 0  # physical lines read so far, for messages that give the file's own line numbers
        self.pushed: list[str] = []
        self.buffer: list[str] = []
        # A line appended after a --jobs part: read as a record of its own only if the part ended between records.
        self.sentinel_row = [part.sentinel] if part is not None and part.sentinel is not None else None
        self.seen_sentinel = False
        self.last_line = ""  # the last physical line feed() gave

    def blocks_wanted(self) -> bool:
        """Whether the body is scored in blocks of columns (blocks.py) rather than a line at a time."""
        options = self.options
        if options.evaluator == "rows" or options.fmt != "csv":
            return False
        if codecs.lookup(options.encoding).name not in SPLITTABLE:
            return False
        import importlib.util

        if importlib.util.find_spec("polars") is None:
            if options.evaluator == "columns":
                raise InputFileError("scoring in columns needs polars: pip install 'redflag-triage[fast]'")
            return False
        # A --jobs part is a window on a file big enough to split.
        return (options.evaluator == "columns" or self.part is not None or self.size_before is None
                or self.size_before >= options.block_chars)

    def too_long(self) -> InputFileError:
        return InputFileError(f"{self.name}:{self.line_offset + self.line_no}: a line longer than {MAX_LINE:,} characters; "
                              "is this a CSV file of responses?")

    def feed(self) -> Iterator[str]:
        """The csv module's lines: one pushed back by the loop below, then as many more as a quoted
        cell spans. Bounded, so that a file with no line breaks (or /dev/zero) cannot fill the memory."""
        while True:
            if self.pushed:
                yield self.pushed.pop()
                continue
            line = self.read_line(MAX_LINE)
            if not line:
                return
            self.line_no += 1
            if len(line) == MAX_LINE and line[-1] not in "\r\n":
                raise self.too_long()
            self.last_line = line
            yield line

    def start(self, rules: RuleSet, on_start: Callable[[Scorer], None] | None) -> None:
        """Read the header (a --jobs part is given it), build the Scorer and the writer."""
        options, part = self.options, self.part
        if part is None:
            first = next(self.feed(), "")
            if not first.strip():
                raise InputFileError(f"{self.name}: the file is empty; the first line must be the header")
            self.delimiter = options.delimiter or detect_delimiter(first)
            self.pushed.append(first)
            self.reader = csv.reader(self.feed(), delimiter=self.delimiter)
            header = next(self.reader)
        else:
            header, self.delimiter = part.header, part.delimiter
            self.reader = csv.reader(self.feed(), delimiter=self.delimiter)
        self.scorer = scorer = Scorer(rules, header, resolve_map(rules, header, options.colmap, options.source),
                                      options.allow_missing, options.limits,
                                      escape_formulas=options.escape_formulas and options.fmt == "csv")
        scorer.set_delimiter(self.delimiter)
        if on_start:
            on_start(scorer)
        self.width = len(header)
        sink = Sink(self.buffer.append)
        self.jsonl = options.fmt != "csv"
        self.escaping = options.escape_formulas and not self.jsonl
        if self.jsonl:
            self.emit = (jsonl_writer if options.fmt == "jsonl" else fhir_writer)(sink, header, rules, self.width)
        else:
            self.emit = csv_writer(sink, self.delimiter)
            if part is None:
                self.emit([escape_formula(c) for c in header] + list(ADDED) if self.escaping else header + list(ADDED))
        self.looks_like_formula = re.compile(r"(?:^|\x00)[=+\-@\t\r]").search
        for column in scorer.columns:
            column.parse("")  # every question cell empty: fills the tables with the blank cell
        self.blank_key = scorer.base + sum(k[""] for k in scorer.keys)

    def slow(self, row: list[str]) -> None:
        """Any row the fast paths do not take: blank, the sentinel, an error, or cells not seen before."""
        summary, width = self.scorer.summary, self.width
        if not row or not "".join(row).strip():
            summary.blank_lines += 1  # a line of only commas or spaces holds no response either
            return
        if row == self.sentinel_row:
            self.seen_sentinel = True
            return
        entry = self.scorer.score(row)
        added: list[str]
        if isinstance(entry, str):
            if len(summary.first_errors) < self.options.max_reported_errors:
                summary.first_errors.append(f"{self.name}:{self.line_offset + self.line_no}: {entry}")
            if len(row) > width:
                row = row[:width]  # the extra cells are quoted in the error cell
            added = [""] * len(ADDED)
            added[ERROR_CELL], added[-1] = entry, self.scorer.version
        else:
            added = entry.cells
        if len(row) < width:
            row = row + [""] * (width - len(row))
        if self.escaping and self.looks_like_formula("\x00".join(row)):
            row = [escape_formula(c) for c in row]
        self.emit(row + added)

    def parsed(self, row: list[str]) -> None:
        """A row read by the csv module (or split, with the wrong number of cells)."""
        scorer = self.scorer
        if len(row) == self.width and row != self.sentinel_row:
            try:
                key = sum(map(getitem, scorer.keys, scorer.pick(row)), scorer.base)
            except KeyError:
                pass
            else:
                if key == self.blank_key and not "".join(row).strip():
                    scorer.summary.blank_lines += 1
                    return
                entry = scorer.results.get(key) or scorer.entry(key)
                entry.count += 1
                if self.escaping and self.looks_like_formula("\x00".join(row)):
                    row = [escape_formula(c) for c in row]
                self.emit(row + entry.cells)
                return
        self.slow(row)

    def loop(self, on_progress: Callable[[int], None] | None, read_line: Callable[[int], str] | None = None) -> None:
        """The hot loop, over the file's lines or `read_line`'s (rows the block path cannot take). A line
        with no quote or NUL splits as the csv module reads it and is written back as itself plus cached cells."""
        scorer, delimiter, width, blank_key, escaping = self.scorer, self.delimiter, self.width, self.blank_key, self.escaping
        keys, pick, base, results, new_entry = scorer.keys, scorer.pick, scorer.base, scorer.results, scorer.entry
        write, buffer, add, emit = self.out.write, self.buffer, self.buffer.append, self.emit
        read_line = read_line or self.read_line
        summary, slow, parsed, reader, pushed = scorer.summary, self.slow, self.parsed, self.reader, self.pushed
        # On a whole line: a cell that starts like a formula somewhere (then each cell is looked at).
        line_looks_like_formula = re.compile(f"(?:^|{re.escape(delimiter)})[=+\\-@\\t\\r]").search
        fast = not self.jsonl and not (self.sentinel_row is not None and width == 1)
        # The line count is a local here, for speed; self.line_no follows it wherever it is read.
        line_no = self.line_no
        try:
            while True:
                line = read_line(MAX_LINE)
                if not line:
                    break
                line_no += 1
                if not line_no & 4095:
                    write("".join(buffer))
                    buffer.clear()
                    if on_progress is not None:
                        on_progress(self.counting.count)
                if len(line) == MAX_LINE and line[-1] not in "\r\n":
                    self.line_no = line_no
                    raise self.too_long()
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
                            entry.count += 1
                            if escaping and line_looks_like_formula(body):
                                escaped = [escape_formula(c) for c in row]
                                # mutant: fast-escape
                                if escaped != row:
                                    emit(escaped + entry.cells)
                                    continue
                            add(body)
                            add(entry.suffix)
                            continue
                    self.line_no = line_no
                    slow(row)
                    continue
                pushed.append(line)
                self.line_no = line_no
                parsed(next(reader))  # the csv module may read more lines through feed()
                line_no = self.line_no
        finally:
            self.line_no = max(self.line_no, line_no)  # feed() may have read further

    def check_end(self) -> None:
        """Whether a --jobs part ended between records, and whether the file changed while it was read."""
        summary, size_before = self.scorer.summary, self.size_before
        if self.sentinel_row is not None and not self.seen_sentinel:
            summary.ended_on_boundary = False
        if size_before is not None and (_regular_size(self.source) != size_before
                                        or (self.part is None and self.counting.count != size_before)):
            summary.input_changed = True

    def flush(self) -> None:
        if self.buffer:
            self.out.write("".join(self.buffer))
            self.buffer.clear()

    def file_error(self, exc: Exception) -> InputFileError:
        """A problem with the file as a whole, as one line naming where it is."""
        name, encoding = self.name, self.options.encoding
        if isinstance(exc, UnicodeDecodeError):
            from ..read.files import decode_hint, find_undecodable

            found = find_undecodable(self.source, encoding) if self.part is None else None  # type: ignore[arg-type]
            if found is not None:
                at, offset, byte = found
                where = f"{name}:{at}: byte {offset} (0x{byte:02x})"
            else:
                where = f"{name}:{self.line_offset + self.line_no + 1} or just after"
            return InputFileError(f"{where}: not valid {encoding} text ({exc.reason}); give the file's encoding, "
                                  f"for example {decode_hint(encoding)}")
        if isinstance(exc, UnicodeError):  # not a decoding slip but the whole stream, e.g. UTF-16 without its mark
            return InputFileError(f"{name}: cannot be read as {encoding} ({exc}); give the file's encoding with --encoding")
        return InputFileError(f"{name}:{self.line_offset + max(self.line_no, 1)}: cannot read this CSV ({exc})")


def _regular_size(source: IO[bytes] | io.RawIOBase) -> int | None:
    """The size of a regular file (None for a pipe, a terminal, a device, or a part of a file)."""
    try:
        info = os.fstat(source.fileno())
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None
