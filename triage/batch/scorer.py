"""Batch scoring: stream a CSV of responses through a compiled rule set, one output row per input row.

Nothing is held per row: rows flow from the reader to the writer, and the only state that grows is
bounded caches (cell -> answer per column, answers -> result), so memory stays flat however long the
file. Invalid cells never stop the run: the row is written with an empty disposition and an error.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Callable, NamedTuple

from ..core.answers import YESNO_TABLE, parse_answer, shown
from ..core.errors import AnswerError
from ..core.model import NUMBER, Question, RuleSet
from ..evaluation.packed import CacheLimits, Compiled, Packed
from ..read.mapfile import ColumnMap, norm
from .columns import layout
from ..core.cells import escape_formula



class _Bad:
    """A cell that is not a valid answer, with the message for the row's `error` cell."""

    __slots__ = ("message",)

    def __init__(self, message: str):
        self.message = message


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
    not_recorded_questions: Counter[str] = field(default_factory=Counter)  # as the rows' not_recorded cells list them
    not_given_questions: Counter[str] = field(default_factory=Counter)  # optional yes/no left blank, scored rows
    absent_screens: tuple[str, ...] = ()  # optional yes/no questions with no column at all
    first_errors: list[str] = field(default_factory=list)

    def merge(self, part: Summary, limit: int) -> None:
        """Add another part's counts (for --jobs); keeps at most `limit` first errors."""
        self.rows += part.rows
        self.errors += part.errors
        # mutant: merge-blank-lines
        self.blank_lines += part.blank_lines
        self.raised_by_not_recorded += part.raised_by_not_recorded
        self.input_changed |= part.input_changed
        self.absent_screens = self.absent_screens or part.absent_screens
        for name in ("by_disposition", "fired", "unsure_questions", "not_recorded_questions", "not_given_questions"):
            getattr(self, name).update(getattr(part, name))
        self.first_errors.extend(part.first_errors[: max(0, limit - len(self.first_errors))])


class Entry:
    """A cached result: the added cells as one CSV suffix (after a row's own text) and as a list (for
    rows that go through the csv module), then what the summary counts, and how many rows had it."""

    __slots__ = ("suffix", "cells", "level", "fired", "raised", "not_recorded", "count")

    def __init__(self, suffix: str, cells: list[str], level: int, fired: tuple[int, ...], raised: bool, not_recorded: int):
        self.suffix, self.cells, self.level, self.fired, self.raised, self.count = suffix, cells, level, fired, raised, 0
        self.not_recorded = not_recorded  # key bits of the answers its not_recorded cell lists


class Column(NamedTuple):
    """A question's column: where it is, its slot, and its table of cell text -> answer."""

    position: int
    slot: int
    table: dict[str, object]
    parse: Callable[[str], object]  # any cell -> its answer (or _Bad), filling `table` and `keys`
    keys: dict[str, int]  # cell text -> its bits of the packed key


class Scorer:
    """Resolves the header once, then turns rows of cells into the added output cells."""

    def __init__(self, rules: RuleSet, header: list[str], colmap: ColumnMap | None = None, allow_missing: bool = False,
                 limits: CacheLimits | None = None, escape_formulas: bool = False):
        self.rules = rules
        self.limits = limits or CacheLimits()
        self.compiled = Compiled(rules)
        # Short, since it is repeated on every row; the summary names the rule set and its full hash.
        self.version = f"{rules.version}#{rules.sha256[:8]}"
        # Text from the rule file is data like an answer: a spreadsheet must not run it (a version or
        # an action starting with = + - @). Ids cannot start so, and JSON needs no escaping.
        self.escape = escape_formula if escape_formulas else str
        self.version = self.escape(self.version)
        colmap = colmap or ColumnMap()
        found = layout(rules, header, colmap, allow_missing)
        self.missing, self.hints, self.width = found.missing, found.hints, len(header)
        self.packed = Packed(rules, self.compiled, self.limits)
        self.columns = sorted((self._column(rules.question(qid), colmap, header[pos], pos) for qid, pos in found.positions.items()),
                              key=lambda c: c.slot)
        self.rule_ids = [r.id for r in rules.rules]
        self.disposition_ids = [d.id for d in rules.dispositions]
        # A row's key is the sum of its present columns' bits plus `base`, the bits of the absent
        # columns (nothing recorded).
        self.keys = [c.keys for c in self.columns]
        where = [c.position for c in self.columns]
        getter = itemgetter(*where) if where else (lambda row: ())
        self.pick = getter if len(where) != 1 else (lambda row: (row[where[0]],))
        present = {c.slot for c in self.columns}
        self.base = sum(self.packed.code(i, rules.blanks[q.id]) for i, q in enumerate(rules.questions) if i not in present)
        self.set_delimiter(",")
        self.results: dict[int, Entry] = {}
        self.old: dict[int, Entry] = {}
        self.summary = Summary(absent_screens=found.absent_screens)
        self._screens = [(mask, code, q) for mask, code, q in self.packed.screens if q in found.positions]
        # Counts waiting to be added to the summary, by what they were counted on (kept small).
        self._levels: Counter[int] = Counter()
        self._fired: Counter[tuple[int, ...]] = Counter()
        self._unsure: Counter[int] = Counter()
        self._not_recorded: Counter[int] = Counter()
        self._not_given: Counter[str] = Counter()

    def set_delimiter(self, delimiter: str) -> None:
        """The output's delimiter: result cells holding it are quoted, as the csv module would."""
        self.delimiter = delimiter
        self._needs_quotes = re.compile("[" + re.escape(delimiter) + '"\r\n]').search
        self.results, self.old = {}, {}
        self._quoted_version = self._quote(self.version)
        # Rule and question ids are lower-case words: only a ';' delimiter can clash with their lists.
        self._quote_ids = self._quote if delimiter == ";" else str

    def _quote(self, cell: str) -> str:
        if self._needs_quotes(cell) is None:
            return cell
        return '"' + cell.replace('"', '""') + '"'

    def _column(self, q: Question, colmap: ColumnMap, header: str, position: int) -> Column:
        where = f"column {header.strip()!r}" + ("" if norm(header) == q.id else f" ({q.id})")
        codes = {**colmap.values.get("*", {}), **colmap.values.get(q.id, {})} if q.type != NUMBER else colmap.values.get(q.id, {})
        slot = self.compiled.index[q.id]
        cache: dict[str, object] = {}
        keys: dict[str, int] = {}
        if q.type != NUMBER:
            cache.update(YESNO_TABLE)
            # mutant: batch-optional-blank
            cache[""] = q.blank
        for code, answer in codes.items():
            cache[code] = self._value(q, answer, where)
        bits, limit = self.packed.code, self.limits.table

        def parse(cell: str) -> object:
            if cell in cache:
                value = cache[cell]
            else:
                key = cell.strip().lower()
                value = cache[key] if key in cache else self._value(q, codes.get(key, cell), where)
            # Bad cells stay out, so the fast path never sees them; so do cells a spreadsheet would run as a
            # formula (a tab, then yes), so that every row holding one is escaped the same way.
            if len(keys) < limit and value.__class__ is not _Bad and escape_formula(cell) == cell:
                cache[cell] = value
                keys[cell] = bits(slot, value)
            return value

        return Column(position, slot, cache, parse, keys)

    def _value(self, q: Question, raw: object, where: str) -> object:
        try:
            value = parse_answer(q, raw)
        except AnswerError as exc:
            return _Bad(f"{where}: {exc.reason}")
        return self.compiled.signature(q.id, value) if q.type == NUMBER else value

    def score(self, row: list[str]) -> Entry | str:
        """The result entry for any row, or the message for its error cell.

        Parses each cell through its column's table, filling the tables as it goes. score_file
        inlines a faster path for the common row, whose cells are all in the tables already.
        """
        key = self.base
        bad = None
        n = len(row)
        code = self.packed.code
        for column in self.columns:
            value = column.parse(row[column.position] if column.position < n else "")
            if isinstance(value, _Bad):
                bad = value.message if bad is None else f"{bad}; {value.message}"
            else:
                key += code(column.slot, value)
        if n > self.width:
            # Quoted in the error cell, but only the first few, shortened: a row can hold millions.
            extra = ", ".join(shown(c) for c in row[self.width:self.width + 5]) + (", …" if n > self.width + 5 else "")
            bad = (f"{bad}; " if bad else "") + f"row has {n} cells but the header has {self.width} (extra: {extra})"
        if bad is not None:
            self.summary.errors += 1
            return bad
        return self.lookup(key)

    def lookup(self, key: int) -> Entry:
        """The result entry for a packed key, counted."""
        entry = self.results.get(key) or self.entry(key)
        entry.count += 1
        return entry

    def entry(self, key: int) -> Entry:
        """Decide once for a packed key and remember it (uncounted)."""
        entry = self.old.pop(key, None)
        if entry is None:
            entry = self._new_entry(key)
        if len(self.results) >= self.limits.results:
            self._fold(self.old)
            self.old = dict(self.results)
            self.results.clear()  # in place: the batch loop holds this dict
        self.results[key] = entry
        return entry

    def _new_entry(self, key: int) -> Entry:
        decision = self.packed.decide(key)
        head, text, quote, quote_ids = decision.head, self.packed.text, self._quote, self._quote_ids
        action = self.escape(head.action)
        cells = [head.disposition, action, decision.fired_text, head.unknown, text(decision.unsure),
                 text(decision.not_recorded >> 1), ";".join(self.packed.not_given(key)), head.raised_text, "", self.version]
        d = self.delimiter
        # In ADDED order: ids need quotes only for a ';' delimiter; the action and version are any text.
        suffix = d.join(["", head.disposition, quote(action), quote_ids(cells[2]), quote(head.unknown),
                         quote_ids(cells[4]), quote_ids(cells[5]), quote_ids(cells[6]), head.raised_text, "",
                         self._quoted_version]) + "\n"
        return Entry(suffix, cells, head.level, decision.fired, head.raised, decision.not_recorded)

    def _fold(self, entries: dict[int, Entry]) -> None:
        """Move the counts held in cache entries into pending counters; the entries are then dropped."""
        levels, fired, unsure, not_recorded = self._levels, self._fired, self._unsure, self._not_recorded
        u_mask = self.packed.unsure_mask
        raised = 0
        for key, entry in entries.items():
            count = entry.count
            if not count:
                continue
            levels[entry.level] += count
            if entry.fired:
                fired[entry.fired] += count
            if entry.raised:
                raised += count
            if key & u_mask:
                unsure[key & u_mask] += count
            # The blanks the row's not_recorded cell lists, not every empty cell: a question whose
            # ask_when was false, left blank, is not a missing answer.
            if entry.not_recorded:
                not_recorded[entry.not_recorded] += count
            for mask, code, q in self._screens:
                if key & mask == code:
                    self._not_given[q] += count
        self.summary.raised_by_not_recorded += raised
        entries.clear()
        if len(unsure) + len(not_recorded) + len(fired) > self.limits.table:
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
        for bits, count in self._not_recorded.items():
            for q in p.questions_in(bits >> 1):
                s.not_recorded_questions[q] += count
        s.not_given_questions.update(self._not_given)
        for pending in (self._levels, self._fired, self._unsure, self._not_recorded, self._not_given):
            pending.clear()

    def finish(self) -> Summary:
        self._fold(self.old)
        self._fold(self.results)
        self._settle()
        self.summary.rows = sum(self.summary.by_disposition.values()) + self.summary.errors
        return self.summary


