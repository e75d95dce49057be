"""Batch scoring: stream a CSV of responses through a compiled rule set, one output row per input row.

Nothing is held per row: rows flow from the reader to the writer, and the only state that grows is
bounded caches (cell -> answer per column, answers -> result), so memory stays flat however long the
file. Invalid cells never stop the run: the row is written with an empty disposition and an error.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import os
import re
import stat
import tempfile
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import getitem, itemgetter
from pathlib import Path
from typing import IO, Any, Callable, Iterator

from .answers import YESNO_TABLE, parse_answer, shown
from .compiled import Compiled
from .packed import Packed
from .errors import AnswerError, InputFileError, TriageError, did_you_mean

from .model import NUMBER, Question, RuleSet

ADDED = ("disposition", "action", "reasons", "unknown", "unsure", "not_recorded", "not_given",
         "raised_by_not_recorded", "error", "rules_version")
ERROR_CELL = ADDED.index("error")
DELIMITERS = {",": ",", ";": ";", "tab": "\t", "\\t": "\t", "\t": "\t", "|": "|"}
# Bounds that keep memory flat: cell -> answer per column, and answers -> result in two generations
# (a full young generation becomes the old one; entries still in use move back when next seen).
MAX_LINE = 4 << 20  # characters in one physical line of a CSV file
TABLE_LIMIT = 4096
CACHE_LIMIT = 8192
_FORMULA_START = frozenset("=+-@\t\r")
_PLAIN_NUMBER = re.compile(r"[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?")


class MissingColumnsError(TriageError):
    def __init__(self, missing: list[str], hints: dict[str, str]):
        self.missing = missing
        parts = [f"{q}{hints.get(q, '')}" for q in missing]
        super().__init__(
            f"missing question column{'s' if len(missing) > 1 else ''}: {', '.join(parts)}. "
            "Rename the header, map it with --map, or score those questions as unknown with --allow-missing"
        )


class _Bad:
    """A cell that is not a valid answer, with the message for the row's `error` cell."""

    __slots__ = ("message",)

    def __init__(self, message: str):
        self.message = message


@dataclass
class ColumnMap:
    """From `--map`: other header names for question ids, and other codes for answers."""

    columns: dict[str, str] = field(default_factory=dict)  # normalised header -> question id
    values: dict[str, dict[str, object]] = field(default_factory=dict)  # question id or '*' -> code -> answer


def one_edit_apart(a: str, b: str) -> bool:
    """Whether one letter added, dropped, changed or two neighbours swapped turn a into b."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = next((k for k in range(len(a)) if a[k] != b[k]), len(a))
    if len(a) < len(b):
        return a[i:] == b[i + 1:]
    return a[i + 1:] == b[i + 1:] or (i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2:] == b[i + 2:])


def norm(header: str) -> str:
    return header.strip().lower()


def load_map(path: str | Path, rules: RuleSet) -> ColumnMap:
    """Read a map file. Codes are taken exactly as written (`1: yes` maps the cell text "1")."""
    from yaml.nodes import MappingNode, Node, ScalarNode

    from .files import read_text
    from .yamlsafe import NodeReader, compose

    text, _ = read_text(path)
    reader = NodeReader(str(path))
    node = compose(text, str(path))
    from .filekinds import expect

    expect(node, "map", str(path))
    out = ColumnMap()
    top = reader.mapping(node, "a map file", (), ("columns", "values")) if node is not None else {}
    questions = rules.questions_by_id

    def check_qid(node_: Node, qid: str, allow_star: bool = False) -> bool:
        if (allow_star and qid == "*") or qid in questions:
            return True
        reader.error(node_, f"no question '{qid}' in rule set '{rules.id}'{did_you_mean(qid, questions)}")
        return False

    if top and "columns" in top:
        for header, (_, v) in (reader.mapping(top["columns"][1], "'columns'", (), None) or {}).items():
            qid = reader.text(v, f"the question id for column '{header}'")
            if qid and check_qid(v, qid):
                out.columns[norm(header)] = qid
    if top and "values" in top:
        for qid, (k, v) in (reader.mapping(top["values"][1], "'values'", (), None) or {}).items():
            if not check_qid(k, qid, allow_star=True):
                continue
            if not isinstance(v, MappingNode):
                reader.error(v, f"under '{qid}:' give codes and answers, for example '1: yes'")
                continue
            codes: dict[str, object] = {}
            for code_node, answer_node in v.value:
                if not isinstance(code_node, ScalarNode):
                    reader.error(code_node, f"a code under '{qid}:' must be one value as it appears in a cell, such as 1 or Y")
                    continue
                if not isinstance(answer_node, ScalarNode):
                    # Never a guess: a list or mapping here is a mistake, not "not recorded".
                    reader.error(answer_node, f"code {code_node.value!r}: give one answer (yes, no, unsure, a number, "
                                              "or ~ for not recorded)")
                    continue
                if code_node.value.strip().lower() in codes:
                    reader.error(code_node, f"code {code_node.value!r} is given twice under '{qid}:'; keep one")
                    continue
                answer = reader.scalar(answer_node)
                targets = [questions[qid]] if qid != "*" else [q for q in rules.questions if q.type != NUMBER]
                try:
                    for q in targets:
                        parse_answer(q, answer)
                except AnswerError as exc:
                    reader.error(answer_node, f"code {code_node.value!r}: {exc.reason}")
                    continue
                codes[code_node.value.strip().lower()] = answer
            out.values[qid] = codes
    reader.raise_if_errors()
    return out


@dataclass
class Summary:
    rows: int = 0
    errors: int = 0
    blank_lines: int = 0
    raised_by_not_recorded: int = 0  # rows whose result is more urgent only because of blanks
    ended_on_boundary: bool = True  # --jobs: False when a part's range did not end between records
    input_changed: bool = False  # the input file grew or shrank while it was read
    by_disposition: Counter[str] = field(default_factory=Counter)
    fired: Counter[str] = field(default_factory=Counter)
    unsure_questions: Counter[str] = field(default_factory=Counter)  # answered unsure, every row
    not_recorded_questions: Counter[str] = field(default_factory=Counter)  # blank (not optional numbers)
    not_given_questions: Counter[str] = field(default_factory=Counter)  # optional yes/no left blank, scored rows
    absent_screens: tuple[str, ...] = ()  # optional yes/no questions with no column at all
    first_errors: list[str] = field(default_factory=list)

    def merge(self, part: Summary, limit: int) -> None:
        """Add another part's counts (for --jobs); keeps at most `limit` first errors."""
        self.rows += part.rows
        self.errors += part.errors
        self.blank_lines += part.blank_lines
        self.raised_by_not_recorded += part.raised_by_not_recorded
        self.input_changed |= part.input_changed
        self.absent_screens = self.absent_screens or part.absent_screens
        for name in ("by_disposition", "fired", "unsure_questions", "not_recorded_questions", "not_given_questions"):
            getattr(self, name).update(getattr(part, name))
        self.first_errors.extend(part.first_errors[: max(0, limit - len(self.first_errors))])


# A cached result entry is a list, for speed: the added cells as one CSV suffix (after a row's own
# text), as a list (for rows that go through the csv module), then what the summary counts.
SUFFIX, CELLS, LEVEL, FIRED, RAISED, COUNT = range(6)


class Scorer:
    """Resolves the header once, then turns rows of cells into the added output cells."""

    def __init__(self, rules: RuleSet, header: list[str], colmap: ColumnMap | None = None, allow_missing: bool = False):
        self.rules = rules
        self.compiled = Compiled(rules)
        # Short, since it is repeated on every row; the summary names the rule set and its full hash.
        self.version = f"{rules.version}#{rules.sha256[:8]}"
        colmap = colmap or ColumnMap()
        clashes = [h for h in header if norm(h) in ADDED]
        if clashes:
            raise InputFileError(
                f"the input already has a column named {clashes[0]!r}, which scoring adds; rename or remove it"
            )
        retired = [h for h in header if norm(h) in rules.retired_questions and norm(h) not in colmap.columns]
        if retired:
            # Never silently ignored: a version-1 column holds answers the rules would otherwise miss.
            raise InputFileError(
                f"column {retired[0].strip()!r}: {rules.retired_hint(norm(retired[0]))}. Split it into those columns, "
                "or map it with --map if you know what it meant"
            )
        positions: dict[str, int] = {}
        for pos, h in enumerate(header):
            qid = colmap.columns.get(norm(h)) or (norm(h) if norm(h) in rules.questions_by_id else None)
            if qid is None:
                continue
            if qid in positions:
                raise InputFileError(
                    f"columns {header[positions[qid]]!r} and {h!r} both hold question '{qid}'; keep one"
                )
            positions[qid] = pos
        absent = [q.id for q in rules.questions if q.id not in positions]
        # An optional yes/no question may have no column (a file made before it was added): not given.
        screens = {q.id for q in rules.screens}
        missing = [q for q in absent if q not in screens]
        unmatched = [norm(h) for i, h in enumerate(header) if i not in positions.values()]
        self.hints = {q: did_you_mean(q, unmatched) for q in absent}
        if missing and not allow_missing:
            raise MissingColumnsError(missing, self.hints)
        # Even with --allow-missing, a header one edit away from a question id is almost surely that
        # question misspelt: scoring its answers as not recorded would drop them without a word.
        typos = [(h, q) for q in absent for h in unmatched if one_edit_apart(h, q)]
        if typos:
            h, q = typos[0]
            raise InputFileError(f"column {h!r} looks like question '{q}' misspelt; rename the header, or map it "
                                 "with --map (a map is also how to say it is another column)")
        self.missing = missing
        self.width = len(header)
        self.packed = Packed(rules, self.compiled)
        # (position in row, slot, table: cell text -> answer, parser that fills the table and `keys`)
        self.columns = sorted(
            ((pos, self.compiled.index[qid], *self._column(rules.question(qid), colmap, header[pos]))
             for qid, pos in positions.items()),
            key=lambda c: c[1],
        )
        self.rule_ids = [r.id for r in rules.rules]
        self.disposition_ids = [d.id for d in rules.dispositions]
        self.question_ids = [q.id for q in rules.questions]
        # Per present column: cell text -> its bits of the packed key. A row's key is their sum plus
        # `base`, the bits of the absent columns (nothing recorded).
        self.keys = [c[4] for c in self.columns]
        positions_ = [c[0] for c in self.columns]
        getter = itemgetter(*positions_) if positions_ else (lambda row: ())
        self.pick = getter if len(positions_) != 1 else (lambda row: (row[positions_[0]],))
        present = {c[1] for c in self.columns}
        self.base = sum(self.packed.code(i, rules.blanks[q.id]) for i, q in enumerate(rules.questions) if i not in present)
        self.set_delimiter(",")
        self.results: dict[int, list[Any]] = {}
        self.old: dict[int, list[Any]] = {}
        self.summary = Summary(absent_screens=tuple(q for q in absent if q in screens))
        self._screens = [(mask, code, q) for mask, code, q in self.packed.screens if q in positions]
        # Counts waiting to be added to the summary, by what they were counted on (kept small).
        self._levels: Counter[int] = Counter()
        self._fired: Counter[tuple[int, ...]] = Counter()
        self._unsure: Counter[int] = Counter()
        self._blank: Counter[int] = Counter()
        self._not_given: Counter[str] = Counter()

    def set_delimiter(self, delimiter: str) -> None:
        """The output's delimiter: result cells holding it are quoted, as the csv module would."""
        self.delimiter = delimiter
        self._needs_quotes = re.compile("[" + re.escape(delimiter) + '"\r\n]').search
        self.results, self.old = {}, {}
        self._quoted_version = self._quote(self.version)
        # Rule and question ids are lower-case words: only a ';' delimiter can clash with their lists.
        self._quote_ids = self._quote if delimiter == ";" else str
        self.packed.quote = self._quote
        self.packed.heads.clear()

    def _quote(self, cell: str) -> str:
        if self._needs_quotes(cell) is None:
            return cell
        return '"' + cell.replace('"', '""') + '"'

    def _column(self, q: Question, colmap: ColumnMap, header: str
                ) -> tuple[dict[str, object], Callable[[str], object], dict[str, int]]:
        where = f"column {header.strip()!r}" + ("" if norm(header) == q.id else f" ({q.id})")
        codes = {**colmap.values.get("*", {}), **colmap.values.get(q.id, {})} if q.type != NUMBER else colmap.values.get(q.id, {})
        slot = self.compiled.index[q.id]
        cache: dict[str, object] = {}
        keys: dict[str, int] = {}
        if q.type != NUMBER:
            cache.update(YESNO_TABLE)
            cache[""] = q.blank
        for code, answer in codes.items():
            cache[code] = self._value(q, answer, where)
        bits = self.packed.code

        def parse(cell: str) -> object:
            if cell in cache:
                value = cache[cell]
            else:
                key = cell.strip().lower()
                value = cache[key] if key in cache else self._value(q, codes.get(key, cell), where)
            # Bad cells stay out, so the fast path never sees them; so do cells a spreadsheet would run as a
            # formula (a tab, then yes), so that every row holding one is escaped the same way.
            if len(keys) < TABLE_LIMIT and value.__class__ is not _Bad and escape_formula(cell) == cell:
                cache[cell] = value
                keys[cell] = bits(slot, value)
            return value

        return cache, parse, keys

    def _value(self, q: Question, raw: object, where: str) -> object:
        try:
            value = parse_answer(q, raw)
        except AnswerError as exc:
            return _Bad(f"{where}: {exc.reason}")
        return self.compiled.signature(q.id, value) if q.type == NUMBER else value

    def score(self, row: list[str]) -> list[Any] | str:
        """The result entry for any row (see SUFFIX...COUNT), or the message for its error cell.

        Parses each cell through its column's table, filling the tables as it goes. score_file
        inlines a faster path for the common row, whose cells are all in the tables already.
        """
        key = self.base
        bad = None
        n = len(row)
        code = self.packed.code
        for pos, slot, _, parse, _ in self.columns:
            value = parse(row[pos] if pos < n else "")
            if isinstance(value, _Bad):
                bad = value.message if bad is None else f"{bad}; {value.message}"
            else:
                key += code(slot, value)
        if n > self.width:
            # Quoted in the error cell, but only the first few, shortened: a row can hold millions.
            extra = ", ".join(shown(c) for c in row[self.width:self.width + 5]) + (", …" if n > self.width + 5 else "")
            bad = (f"{bad}; " if bad else "") + f"row has {n} cells but the header has {self.width} (extra: {extra})"
        if bad is not None:
            self.summary.errors += 1
            return bad
        return self.lookup(key)

    def lookup(self, key: int) -> list[Any]:
        """The result entry for a packed key, counted."""
        entry = self.results.get(key) or self.entry(key)
        entry[COUNT] += 1
        return entry

    def entry(self, key: int) -> list[Any]:
        """Decide once for a packed key and remember it (uncounted)."""
        entry = self.old.pop(key, None)
        if entry is None:
            head, fired, fired_ids, unsure, blank = self.packed.decide(key)
            text, q = self.packed.text, self._quote_ids
            unsure_text, blank_text = text(unsure), text(blank >> 1)
            not_given = ";".join(self.packed.not_given(key))
            disposition, action, unknown, raised = head.raw
            cells = [disposition, action, fired, unknown, unsure_text, blank_text, not_given, raised, "", self.version]
            c, d = head.cells, self.delimiter
            suffix = (f"{d}{c[0]}{d}{c[1]}{d}{q(fired)}{d}{c[2]}{d}{q(unsure_text)}{d}{q(blank_text)}{d}{q(not_given)}"
                      f"{d}{c[3]}{d}{d}{self._quoted_version}\n")
            entry = [suffix, cells, head.level, fired_ids, head.raised, 0]
        if len(self.results) >= CACHE_LIMIT:
            self._fold(self.old)
            self.old = dict(self.results)
            self.results.clear()  # in place: the batch loop holds this dict
        self.results[key] = entry
        return entry

    def _fold(self, entries: dict[int, list[Any]]) -> None:
        """Move the counts held in cache entries into pending counters; the entries are then dropped."""
        levels, fired, unsure, blank = self._levels, self._fired, self._unsure, self._blank
        u_mask, b_mask = self.packed.unsure_mask, self.packed.not_recorded_mask
        raised = 0
        for key, entry in entries.items():
            count = entry[COUNT]
            if not count:
                continue
            levels[entry[LEVEL]] += count
            if entry[FIRED]:
                fired[entry[FIRED]] += count
            if entry[RAISED]:
                raised += count
            if key & u_mask:
                unsure[key & u_mask] += count
            if key & b_mask:
                blank[key & b_mask] += count
            for mask, code, q in self._screens:
                if key & mask == code:
                    self._not_given[q] += count
        self.summary.raised_by_not_recorded += raised
        entries.clear()
        if len(unsure) + len(blank) + len(fired) > TABLE_LIMIT:
            self._settle()

    def _settle(self) -> None:
        """Add the pending counts to the summary, by name."""
        s, p = self.summary, self.packed
        for level, count in self._levels.items():
            s.by_disposition[self.disposition_ids[level]] += count
        for fired, count in self._fired.items():
            for i in fired:
                s.fired[self.rule_ids[i]] += count
        for bits, count in self._unsure.items():
            for q in p.questions_in(bits):
                s.unsure_questions[q] += count
        for bits, count in self._blank.items():
            for q in p.questions_in(bits >> 1):
                s.not_recorded_questions[q] += count
        s.not_given_questions.update(self._not_given)
        for pending in (self._levels, self._fired, self._unsure, self._blank, self._not_given):
            pending.clear()

    def finish(self) -> Summary:
        self._fold(self.old)
        self._fold(self.results)
        self._settle()
        self.summary.rows = sum(self.summary.by_disposition.values()) + self.summary.errors
        return self.summary


def escape_formula(cell: str) -> str:
    """OWASP CSV-injection advice: a cell a spreadsheet would run as a formula gets a leading quote."""
    if cell and cell[0] in _FORMULA_START and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


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


@contextmanager
def atomic_output(path: Path | None, stdout: IO[str]) -> Iterator[IO[str]]:
    """Write to a temporary file beside the target and rename it at the end; nothing half-written stays."""
    if path is None:
        yield stdout
        return
    target = path.resolve()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as exc:
        raise InputFileError(f"{path}: cannot write here ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            yield out
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


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


def resolve_map(rules: RuleSet, header: list[str], options: Options) -> ColumnMap | None:
    """The column map for a file: --map, plus for a REDCap or ODK export the one its tool implies
    (what --map says wins)."""
    if options.source not in ("redcap", "odk"):
        return options.colmap
    if options.source == "redcap":
        from .redcap import column_map
    else:
        from .xlsform import column_map
    derived = column_map(rules, header)
    if options.colmap is not None:
        derived.columns.update(options.colmap.columns)
        for qid, codes in options.colmap.values.items():
            derived.values[qid] = {**derived.values.get(qid, {}), **codes}
    return derived


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
        scorer = Scorer(rules, header, resolve_map(rules, header, options), options.allow_missing)
        scorer.set_delimiter(delimiter)
        if on_start:
            on_start(scorer)
        summary = scorer.summary
        width = len(header)
        sink = _Sink(buffer.append)
        jsonl = options.fmt != "csv"
        if jsonl:
            emit = (_jsonl_writer if options.fmt == "jsonl" else _fhir_writer)(sink, header, rules, width)
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
        from .files import decode_hint, find_undecodable


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


class _Sink:
    """A file-like object whose writes go into the loop's output buffer, in order with the fast path."""

    __slots__ = ("write",)

    def __init__(self, write: Callable[[str], Any]):
        self.write = write


def _regular_size(source: IO[bytes] | io.RawIOBase) -> int | None:
    """The size of a regular file (None for a pipe, a terminal, a device, or a part of a file)."""
    try:
        info = os.fstat(source.fileno())
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def _fhir_writer(out: _Sink, header: list[str], rules: RuleSet, width: int) -> Callable[[list[str]], None]:
    """One GuidanceResponse a line (NDJSON), naming the response by its id column if it has one."""
    from .fhir import guidance_response

    names = [norm(h) for h in header]
    id_at = next((names.index(n) for n in ("response_id", "id", "record_id", "respondent_id", "key", "meta-instanceid") if n in names), None)

    def write_row(cells: list[str]) -> None:
        added = dict(zip(ADDED, cells[width:]))
        resource = guidance_response(rules, cells[id_at] if id_at is not None else "", added)
        out.write(_json_line(resource))

    return write_row


def _json_line(value: object) -> str:
    """One JSON value on one line (JSON lines, NDJSON)."""
    line = json.dumps(value, ensure_ascii=False)
    if "\u2028" in line or "\u2029" in line:
        # Valid JSON, but JavaScript and some JSON-lines readers take these for line breaks.
        line = line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return line + "\n"


def _jsonl_writer(out: _Sink, header: list[str], rules: RuleSet, width: int) -> Callable[[list[str]], None]:
    # Repeated headers must not overwrite each other: the second `note` becomes `note_2`, unless the
    # file has a `note_2` of its own, and so on until the name is free.
    keys: list[str] = []
    used = set(header)
    for h in header:
        key, n = h, 1
        while key in keys or (n > 1 and key in used):
            n += 1
            key = f"{h}_{n}"
        keys.append(key)
    disclaimer = rules.disclaimer

    def write_row(cells: list[str]) -> None:
        row = cells[:width]
        disposition, action, reasons, unknown, unsure, blank, not_given, raised, error, version = cells[width:]
        out.write(_json_line({
            "input": dict(zip(keys, row)),
            "disposition": disposition or None,
            "action": action or None,
            "reasons": reasons.split(";") if reasons else [],
            "unknown": unknown.split(";") if unknown else [],
            "unsure": unsure.split(";") if unsure else [],
            "not_recorded": blank.split(";") if blank else [],
            "not_given": not_given.split(";") if not_given else [],
            "raised_by_not_recorded": raised == "yes",
            "error": error or None,
            "rules_version": version,
            "disclaimer": disclaimer,
        }))

    return write_row
