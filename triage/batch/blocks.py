"""Scoring in blocks of rows evaluated in columns (evaluation/columnar.py), with polars.

A block is a few megabytes of the file's text, cut after a line break, and its lines become one
polars column. A line that the columns can take exactly is written back as its own text followed by
its result cells. Such a line has no quote, no NUL and no carriage return but its line ending, as
many cells as the header, and only valid answers; it is not blank and holds nothing a spreadsheet
would run. Every other line goes, in its place, through the row path (lines.py), which scores one
line at a time and reads on as far as a quoted cell spans. So the output is byte for byte the row
path's: the differential tests compare the two on generated rule sets, and on files built to break
the columns.

Each column's spellings go through the row path's own parser (Column.parse) once per block, so the
columns never interpret text themselves.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import select
from typing import Any, Callable, cast

import polars as pl

from ..core.cells import escape_formula
from ..evaluation.columnar import CODE, Columnar, answer_column
from ..evaluation.packed import ANSWER_NOT_RECORDED
from .scorer import Column, _Bad
from .lines import BLOCK_CHARS, MAX_LINE, _Stream

MAX_BLOCK = 64 << 20  # a block extended to close a quoted cell stops here (then the row path reads on)
BAD = 255  # an answer code for a cell that is not a valid answer (the row takes the row path)
SPLIT = "\x00"  # where the columns split a line's cells
LISTINGS = ("reasons", "unknown", "unsure", "not_recorded", "not_given")  # engine.CELLS that list ids
_LINE_BREAKS = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


class BlockScorer:
    """The block path for one file being scored (a _Stream that has read its header)."""

    def __init__(self, stream: _Stream, block_chars: int = BLOCK_CHARS):
        self.stream, self.block_chars = stream, block_chars
        scorer = stream.scorer
        self.scorer, self.packed = scorer, scorer.packed
        self.columnar = Columnar(scorer.rules, scorer.packed)
        self.width, self.delimiter = stream.width, stream.delimiter
        self.spellings: list[dict[str, int]] = [{} for _ in scorer.columns]
        present = {c.slot for c in scorer.columns}
        blanks = scorer.rules.blanks
        self.absent = {i: self.packed.codes[i][blanks[q.id]] for i, q in enumerate(scorer.rules.questions) if i not in present}
        self.screens = [q for _, _, q in scorer._screens]
        # The body after the header: a byte-order mark is only one at the start of the file.
        name = codecs.lookup(stream.options.encoding).name
        self.encoding = "utf-8" if name == "utf-8-sig" else name
        self.switched = False
        self._plan()

    def _plan(self) -> None:
        """The expressions, built once: which lines take the row path, and each line's output text."""
        d = _regex_char(self.delimiter)
        columnar, scorer, stream = self.columnar, self.scorer, self.stream
        line, body = pl.col("line"), pl.col("body")
        quoted = line.str.contains('"', literal=True)
        # A line whose quotes all wrap whole cells reads the same alone as in the file, so the csv
        # module reads it here (read_quoted); any other quote takes the row path.
        cell = f'(?:"(?:[^"]|"")*"|[^"{d}]*)'
        clean = body.str.contains(f"^{cell}(?:{d}{cell})*$")
        rowwise = (line.str.contains("[\\x00]|\r.") | (quoted & ~clean) | (line.str.len_chars() >= MAX_LINE - 1)
                   | (~quoted & ((body.str.count_matches(self.delimiter, literal=True) != self.width - 1)
                                 | body.str.contains(f"^[\\s\\x1c-\\x1f{d}]*$"))))
        if stream.escaping:
            rowwise = rowwise | (~quoted & body.str.contains(f"(?:^|{d})[=+\\-@\\t\\r]"))
        if stream.sentinel_row is not None:  # a --jobs part's end: the row path knows it
            rowwise = rowwise | (body == stream.sentinel_row[0])
        self.quoted = quoted & ~rowwise
        # Cells are split at NULs (no line the columns take holds one): a quoted line's cells, which
        # may hold the delimiter, come from read_quoted, and read as empty cells until then.
        self.split = pl.when(quoted).then(pl.lit(SPLIT * (self.width - 1))).otherwise(
            body.str.replace_all(self.delimiter, SPLIT, literal=True))
        self.rowwise = rowwise
        quote, quote_ids = scorer._quote, scorer._quote_ids
        actions = [quote(scorer.escape(text)) for text in columnar.actions()] + [""]
        headline = pl.col("headline").fill_null(len(actions) - 1)
        self.output = pl.concat_str([
            body, pl.col("disposition"), pl.lit(pl.Series(actions)).gather(headline), *map(pl.col, LISTINGS),
            pl.col("raised_by_not_recorded"), pl.lit(""), pl.lit(scorer._quoted_version + "\n"),
        ], separator=self.delimiter)
        # As the row path's cells: the unknown cell is quoted as any text, the others as ids.
        self.listed = columnar.listed()
        self.quotes = {name: quote if name == "unknown" else quote_ids for name in LISTINGS}
        self.listing_cache: dict[str, dict[tuple[int, ...], str]] = {name: {} for name in LISTINGS}
        self.stages = columnar.stages()
        self.counts = columnar.counts(self.screens)

    def code(self, column: Column, spellings: dict[str, int], cell: str | None) -> int:
        """A cell's answer code, from the row path's own parser (BAD: the row takes the row path)."""
        if cell is None:
            return BAD
        found = spellings.get(cell)
        if found is None:
            value = column.parse(cell)
            found = BAD if value.__class__ is _Bad or escape_formula(cell) != cell else self.packed.codes[column.slot][value]
            if len(spellings) >= self.scorer.limits.table:
                spellings.clear()
            spellings[cell] = found
        return found

    def evaluate(self, lines: pl.Series) -> tuple[pl.Series, pl.Series, pl.DataFrame]:
        """(each line's output text, whether it takes the row path, the frame of codes and results)."""
        frame = pl.DataFrame({"line": lines}).with_columns(pl.col("line").str.strip_suffix("\r").alias("body"))
        frame = frame.with_columns(self.rowwise.alias("rowwise"), self.quoted.alias("quoted"), self.split.alias("split"))
        body, rowwise, split = frame.get_column("body"), frame.get_column("rowwise"), frame.get_column("split")
        quoted = frame.get_column("quoted").arg_true()
        if len(quoted):
            body, rowwise, split = self.read_quoted(quoted, body, rowwise, split)
        cells = split.str.split_exact(SPLIT, self.width - 1).struct.unnest()
        codes = {}
        for column, spellings in zip(self.scorer.columns, self.spellings):
            series = cells.get_column(f"field_{column.position}")
            found = series.unique().to_list()
            codes[answer_column(column.slot)] = series.replace_strict(
                found, [self.code(column, spellings, c) for c in found], return_dtype=CODE)
        answers = pl.DataFrame(codes, height=len(lines)).with_columns(
            *[pl.lit(code, CODE).alias(answer_column(slot)) for slot, code in self.absent.items()])
        bad = answers.select(pl.any_horizontal([pl.col(c) == BAD for c in codes] or [pl.lit(False)])).to_series()
        # A bad cell's row takes the row path; a valid code stands in, so that the columns stay in range.
        results = answers.lazy().with_columns(*[pl.col(c).replace(BAD, ANSWER_NOT_RECORDED) for c in codes])
        for stage in self.stages:
            results = results.with_columns(stage)
        evaluated = results.with_columns(body).collect(engine="in-memory")  # the streaming engine plans for longer
        output = evaluated.with_columns(*self.listings(evaluated)).select(self.output).to_series()
        return output, rowwise | bad, evaluated

    def listings(self, evaluated: pl.DataFrame) -> list[pl.Series]:
        """The listing cells' text, made (and quoted as the row path quotes it) once per distinct mask."""
        made = []
        for name in LISTINGS:
            words = [f"{name}.{w}" for w in range(len(self.listed[name]))]
            if not words:
                made.append(pl.repeat("", len(evaluated), eager=True).alias(name))
                continue
            found = evaluated.select(words).unique()
            texts = [self.listing_text(name, masks) for masks in found.iter_rows()]
            if len(words) == 1:
                column = evaluated.get_column(words[0]).replace_strict(found.to_series(), texts, return_dtype=pl.String)
            else:
                column = evaluated.select(words).join(found.with_columns(pl.Series("text", texts)), on=words,
                                                      how="left", maintain_order="left").get_column("text")
            made.append(column.alias(name))
        return made

    def listing_text(self, name: str, masks: tuple[int, ...]) -> str:
        cache = self.listing_cache[name]
        text = cache.get(masks)
        if text is None:
            ids = [i for word, mask in zip(self.listed[name], masks) for j, i in enumerate(word) if mask >> j & 1]
            text = self.quotes[name](";".join(ids))
            if len(cache) >= self.scorer.limits.table:
                cache.clear()
            cache[masks] = text
        return text

    def read_quoted(self, at: pl.Series, body: pl.Series, rowwise: pl.Series,
                    split: pl.Series) -> tuple[pl.Series, pl.Series, pl.Series]:
        """Lines with quoted cells, read by the csv module as the row path reads them: their cells go
        into `split`, and their text becomes what the row path's writer makes of their cells."""
        stream, width = self.stream, self.width
        good: list[int] = []
        rows: list[list[str]] = []
        rowwise_at: list[int] = []
        for k, row in zip(at.to_list(), csv.reader(body.gather(at).to_list(), delimiter=self.delimiter)):
            # mutant: blocks-quoted-width
            if (len(row) != width or not "".join(row).strip()
                    or (stream.escaping and stream.looks_like_formula("\x00".join(row)))):
                rowwise_at.append(k)
            else:
                good.append(k)
                rows.append(row)
        if rowwise_at:
            rowwise = rowwise.scatter(rowwise_at, True)
        if good:
            split = split.scatter(good, list(map(SPLIT.join, rows)))
            text = io.StringIO()
            csv.writer(text, delimiter=self.delimiter, lineterminator="\n").writerows(rows)
            body = body.scatter(good, text.getvalue().split("\n")[:-1])
        return body, rowwise, split

    def run(self, on_progress: Callable[[int], None] | None) -> None:
        """Score the rest of the file (the header has been read), block by block."""
        stream = self.stream
        self.buffered = cast(io.BufferedReader, stream.text.detach())  # the header was read one byte at a time: nothing is read ahead
        self.pipe = _pipe(stream.source) if stream.size_before is None and stream.part is None else None
        while not self.switched:
            data = self.read_block()
            if not data:
                return
            try:
                chunk = data.decode(self.encoding)
            except UnicodeDecodeError:
                # The row path reads on from the block's first line, and stops where today's stops.
                self.to_rows(data)
                break
            self.block(chunk)
            stream.flush()
            if on_progress is not None:
                on_progress(stream.counting.count)
        if self.switched:
            stream.loop(on_progress)

    def read_block(self) -> bytes:
        """About block_chars bytes, cut after a line break with an even number of quotes before it (so
        that a well-formed quoted cell never spans two blocks), or at the end of the file."""
        read = self.buffered.readline
        data = self.buffered.read1(self.block_chars)
        while data and len(data) < self.block_chars and not self.waiting():
            more = self.buffered.read1(self.block_chars - len(data))
            if not more:
                break
            data += more
        quotes = data.count(b'"')
        tail = len(data) - data.rfind(b"\n") - 1  # bytes of the line not yet ended
        while data and (not data.endswith(b"\n") or quotes % 2) and tail < 4 * MAX_LINE and len(data) < MAX_BLOCK:
            more = read(MAX_LINE)
            if not more:
                break
            data += more
            quotes += more.count(b'"')
            tail = 0 if more.endswith(b"\n") else tail + len(more)
        return data

    def waiting(self) -> bool:
        """Whether the next read would wait for a writer (a pipe or a terminal with nothing in it yet):
        then the rows read so far are scored first, so that a slow writer sees its rows come out."""
        if self.pipe is None:
            return False
        try:
            return not select.select([self.pipe], [], [], 0)[0]
        except (OSError, ValueError):
            return False

    def to_rows(self, data: bytes = b"") -> None:
        """From here on the row path reads the file (with `data` first), one line at a time."""
        stream = self.stream
        stream.text = io.TextIOWrapper(io.BufferedReader(_Prefixed(data, self.buffered)), encoding=self.encoding, newline="")
        stream.read_line = stream.text.readline
        self.switched = True

    def block(self, chunk: str) -> None:
        lines = pl.Series([chunk]).str.split("\n").explode()
        ends_with_break = chunk.endswith("\n")
        if ends_with_break:
            lines = lines.head(len(lines) - 1)
        output, rowwise, evaluated = self.evaluate(lines)
        taken = _RowLines(self, lines, rowwise, ends_with_break)
        stream, add, done = self.stream, self.stream.buffer.append, 0
        used = ~rowwise
        for k in rowwise.arg_true().to_list():
            if k < done:
                continue  # read already by the row path, as part of a quoted cell
            if k > done:
                add(output.slice(done, k - done).str.join("").item())
                stream.line_no += k - done
            done = taken.score_from(k)
            if done > k + 1:
                used = used & ~pl.Series(range(len(lines))).is_between(k + 1, done - 1)
        if done < len(lines):
            add(output.slice(done).str.join("").item())
            stream.line_no += len(lines) - done
        self._count(evaluated.filter(used))

    def _count(self, frame: pl.DataFrame) -> None:
        """Add the block's rows scored in columns to the summary."""
        if not len(frame):
            return
        sums = frame.select(self.counts).row(0, named=True)
        summary, rules, questions = self.scorer.summary, self.scorer.rules, self.packed.question_ids
        for level, d in enumerate(rules.dispositions):
            if sums[f"level{level}"]:
                summary.by_disposition[d.id] += sums[f"level{level}"]
        for i, r in enumerate(rules.rules):
            if sums[f"fired{i}"]:
                summary.fired[r.id] += sums[f"fired{i}"]
        for s, q in enumerate(questions):
            if sums[f"unsure{s}"]:
                summary.unsure_questions[q] += sums[f"unsure{s}"]
            if sums[f"blank{s}"]:
                summary.not_recorded_questions[q] += sums[f"blank{s}"]
        for q in self.screens:
            n = sums[f"screen{questions.index(q)}"]
            if n:
                summary.not_given_questions[q] += n
        summary.raised_by_not_recorded += sums["raised"]


def _pipe(source: object) -> int | None:
    """The file descriptor of a source that can be polled (None for one in memory)."""
    try:
        return int(source.fileno())  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None


def _regex_char(c: str) -> str:
    """One character as a regular expression (polars' syntax), whatever it is."""
    return f"\\x{{{ord(c):x}}}"


class _RowLines:
    """A block's lines as the row path reads them: the physical lines (a lone carriage return ends one,
    as Python's reader has it) of a line that the columns cannot take, and on into the lines after it
    (and the file after the block) as far as a quoted cell spans."""

    def __init__(self, blocks: BlockScorer, lines: pl.Series, rowwise: pl.Series, ends_with_break: bool):
        self.blocks, self.stream = blocks, blocks.stream
        self.lines, self.rowwise, self.ends_with_break = lines, rowwise, ends_with_break
        self.next = 0  # the block line whose physical lines come next
        self.pending: list[str] = []

    def score_from(self, k: int) -> int:
        """Score block line k and what the row path reads with it; returns the first line it left."""
        self.next, self.pending = k, []
        stream = self.stream
        file_lines = stream.read_line
        stream.read_line = self.more
        try:
            stream.loop(None, self.run)
        finally:
            if stream.read_line == self.more:
                stream.read_line = file_lines
        return self.next

    def _load(self) -> bool:
        if self.next >= len(self.lines):
            return False
        text = self.lines[self.next]
        if self.next < len(self.lines) - 1 or self.ends_with_break:
            text += "\n"
        self.next += 1
        # As readline(MAX_LINE) gives a line too long to read: MAX_LINE characters at a time.
        pieces = [found[i:i + MAX_LINE] for found in _LINE_BREAKS.findall(text) for i in range(0, len(found), MAX_LINE)]
        self.pending = pieces[::-1]
        return True

    def run(self, limit: int) -> str:
        """The row path's next line while it is in a line the columns did not take."""
        if not self.pending and (self.next >= len(self.lines) or not self.rowwise[self.next] or not self._load()):
            return ""
        return self.pending.pop()

    def more(self, limit: int) -> str:
        """The csv module's next line inside a quoted cell: the block's, then the file's (the block path
        then leaves the rest of the file to the row path)."""
        if self.pending or self._load():
            return self.pending.pop()
        if not self.blocks.switched:
            self.blocks.to_rows()
        return self.stream.read_line(limit)


class _Prefixed(io.RawIOBase):
    """Bytes already read, then the rest of a file."""

    def __init__(self, first: bytes, rest: io.BufferedReader):
        self.first, self.rest = memoryview(first), rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.first:
            n = min(len(buffer), len(self.first))
            buffer[:n] = self.first[:n]
            self.first = self.first[n:]
            return n
        data = self.rest.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)
