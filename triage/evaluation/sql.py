"""Compiling a rule set into one SQL SELECT, so the same rules run inside a database or cluster engine.

The query keeps every column of the table and adds the columns `triage score` adds (without
`rules_version`). Each condition becomes two SQL expressions: its value in SQL's own three-valued
logic (NULL = unknown, the same Kleene logic as logic.py), and whether it is unknown because of an
"unsure" answer rather than a blank. The meaning of each comparison and connective comes from
logic.py. Answer spellings are normalised inside the query with the lists the Python engine uses; a
word or a blank is never read as a number. A cell that is not a valid answer gives an `error` and a
NULL disposition, as in batch scoring. Nothing is executed here.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable

from ..core.answers import NO_WORDS, UNSURE_WORDS, YES_WORDS
from ..core.errors import TriageError
from ..core.logic import COMPARISONS, CONNECTIVES, FALSE_SQL
from ..core.model import NUMBER, Compare, Condition, Question, RuleSet

DIALECTS = ("sqlite", "duckdb", "spark")
WHITESPACE = " \t\n\r\f\v"  # what TRIM removes: ASCII white space (Python's strip removes more)
FALSE = FALSE_SQL  # the one spelling the comparisons and connectives also prune by


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _words(words: Iterable[str]) -> str:
    return "(" + ", ".join(_lit(w) for w in words) + ")"


def _num(x: float) -> str:
    return repr(float(x))


def _comment(text: str) -> str:
    """Text for a `--` comment: one line, whatever the rule file held."""
    return " ".join(text.split())


def _or(parts: list[str]) -> str:
    parts = [p for p in parts if p != FALSE]
    return "(" + " OR ".join(parts) + ")" if parts else FALSE


class _Compiler:
    def __init__(self, rules: RuleSet, dialect: str, normalised: str | None = None, table: str = ""):
        if dialect not in DIALECTS:
            raise ValueError(f"unknown SQL dialect {dialect!r}; use one of {', '.join(DIALECTS)}")
        self.rules, self.dialect = rules, dialect
        # The alias of a lateral subquery that holds each answer normalised once (see compile_sql);
        # None: each expression normalises the raw cell itself.
        self.normalised = normalised
        # Where the raw cells are read inside a lateral subquery: qualified with the table's alias, so
        # that no answer alias (v_fever) can hide a question's own column of that name.
        self.table = table

    def ref(self, kind: str, q: Question) -> str | None:
        return None if self.normalised is None else f"{self.normalised}.{self.ident(kind + '_' + q.id)}"

    def ident(self, name: str) -> str:
        if self.dialect == "spark":
            return "`" + name.replace("`", "``") + "`"
        return '"' + name.replace('"', '""') + '"'

    def text(self, q: Question) -> str:
        """The cell as trimmed, lower-cased text (NULL stays NULL)."""
        kind = {"sqlite": "TEXT", "duckdb": "VARCHAR", "spark": "STRING"}[self.dialect]
        cell = f"CAST({self.table}{self.ident(q.id)} AS {kind})"
        if self.dialect == "spark":
            return f"LOWER(TRIM(BOTH {_lit(WHITESPACE)} FROM {cell}))"
        return f"LOWER(TRIM({cell}, {_lit(WHITESPACE)}))"

    def isin(self, expr: str, words: Iterable[str]) -> str:
        """Whether expr is one of words (NULL for NULL). DuckDB turns a long IN list into a join, which
        loses the input's row order when it runs on more than one thread; list_contains does not."""
        # mutant: duckdb-lists
        if self.dialect == "duckdb":
            return f"(CASE WHEN {expr} IS NOT NULL THEN list_contains([{', '.join(_lit(w) for w in words)}], {expr}) END)"
        return f"{expr} IN {_words(words)}"

    def blank(self, q: Question) -> str:
        if ref := self.ref("b", q):
            return ref
        t = self.text(q)
        return f"({t} IS NULL OR {t} = '')"

    def said_unsure(self, q: Question) -> str:
        """Never NULL: the cell holds an "unsure" spelling."""
        if ref := self.ref("u", q):
            return ref
        # mutant: sql-unsure
        return f"COALESCE({self.isin(self.text(q), UNSURE_WORDS)}, FALSE)"

    def is_plain_number(self, q: Question) -> str:
        t = f"REPLACE({self.text(q)}, ',', '.')"
        if self.dialect == "sqlite":
            # SQLite has no regular expressions by default: an optional sign, digits, at most one dot,
            # and at least one digit, said with GLOB and lengths.
            return (f"({t} NOT GLOB '*[^0-9.+-]*' AND SUBSTR({t}, 2) NOT GLOB '*[+-]*' "
                    f"AND LENGTH({t}) - LENGTH(REPLACE({t}, '.', '')) <= 1 AND {t} GLOB '*[0-9]*')")
        pattern = "'^[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+)$'"
        if self.dialect == "duckdb":
            return f"regexp_matches({t}, {pattern})"
        # mutant: spark-decimal
        return f"({t} RLIKE {pattern})"

    def number(self, q: Question) -> str:
        """The number in the cell, or NULL for anything that is not a plain number (never 0)."""
        if ref := self.ref("n", q):
            return ref
        t = f"REPLACE({self.text(q)}, ',', '.')"
        cast = f"CAST({t} AS REAL)" if self.dialect == "sqlite" else f"CAST({t} AS DOUBLE)"
        # mutant: sql-number
        return f"(CASE WHEN {self.is_plain_number(q)} THEN {cast} END)"

    def yesno(self, q: Question) -> str:
        if ref := self.ref("v", q):
            return ref
        t = self.text(q)
        # An optional question left blank is not given, which reads as no (never NULL, never unknown).
        # mutant: sql-optional-blank
        blank = f" WHEN {t} IS NULL OR {t} = '' THEN FALSE" if q.optional else ""
        return f"(CASE WHEN {self.isin(t, YES_WORDS)} THEN TRUE WHEN {self.isin(t, NO_WORDS)} THEN FALSE{blank} END)"

    def unknown(self, q: Question) -> str:
        """Never NULL: the answer is unknown (unsure or not recorded); an optional number never is."""
        if q.type == NUMBER:
            return FALSE if q.optional else f"({self.number(q)} IS NULL)"
        return f"({self.yesno(q)} IS NULL)"

    def error(self, q: Question) -> str:
        if ref := self.ref("e", q):
            return ref
        t = self.text(q)
        if q.type != NUMBER:
            known = YES_WORDS + NO_WORDS + UNSURE_WORDS + ("",)
            return f"CASE WHEN {t} IS NOT NULL AND NOT {self.isin(t, known)} THEN {_lit(q.id + ': not an answer; use yes, no or unsure')} END"
        parts = [f"CASE WHEN {t} IS NULL OR {self.isin(t, UNSURE_WORDS + ('',))} THEN NULL",
                 f"WHEN NOT {self.is_plain_number(q)} THEN {_lit(q.id + ': not a number')}"]
        bounds = []
        if q.minimum is not None:
            bounds.append(f"{self.number(q)} < {_num(q.minimum)}")
        if q.maximum is not None:
            bounds.append(f"{self.number(q)} > {_num(q.maximum)}")
        if bounds:
            parts.append(f"WHEN {' OR '.join(bounds)} THEN {_lit(q.id + ': out of range')}")
        return " ".join(parts) + " END"

    def condition(self, cond: Condition) -> tuple[str, str]:
        """(value: TRUE, FALSE or NULL; unsure: never NULL, true when the value is unknown through an
        "unsure" answer). Each comparison and connective writes its own SQL (logic.py)."""
        if isinstance(cond, Compare):
            return COMPARISONS[cond.op].sql(self, self.rules.question(cond.question), cond.value)
        return CONNECTIVES[cond.kind].sql([self.condition(c) for c in cond.items])


def _joined(parts: list[tuple[str, str]], sep: str = ";") -> str:
    """Concatenate the labels whose test is true, separated, portably (no CONCAT_WS in older SQLite)."""
    parts = [(t, label) for t, label in parts if t != FALSE]
    if not parts:
        return "''"
    pieces = " || ".join(f"COALESCE(CASE WHEN {test} THEN {_lit(sep + label)} END, '')" for test, label in parts)
    return f"SUBSTR({pieces}, {len(sep) + 1})"


TABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*){0,2}")


def compile_sql(rules: RuleSet, dialect: str = "sqlite", table: str = "responses") -> str:
    """A SELECT over `table` (which must hold a column per question) that adds the result columns."""
    if not TABLE.fullmatch(table):
        raise TriageError(f"--table {table!r} is not a table name; use letters, digits and '_' "
                          "(and 'schema.table' or 'catalog.schema.table')")
    return _Query(rules, dialect).select(table)


class _Query:
    """The rule set's result columns in SQL, from each rule's value and unsure expressions.

    DuckDB and Spark: each answer is normalised once per row, and each rule's value computed once, in
    lateral subqueries (a: answers, r: rules, d: the disposition) that the result columns read. SQLite
    has no LATERAL: there, every expression reads the raw cells."""

    def __init__(self, rules: RuleSet, dialect: str):
        self.rules, self.dialect = rules, dialect
        self.lateral = lateral = dialect != "sqlite"
        # Every raw cell is read qualified (t. or s.), so no question id can stand for a keyword.
        self.raw = _Compiler(rules, dialect, table="t." if lateral else "s.")
        c = self.c = _Compiler(rules, dialect, "a") if lateral else self.raw
        self.n = n = len(rules.rules)
        self.default, self.cautious = rules.default_level, rules.cautious_level
        self.levels, self.unsure_levels = rules.rule_levels, rules.unsure_levels
        value, unsure = zip(*(c.condition(r.when) for r in rules.rules)) if n else ((), ())
        self.layers: list[tuple[str, list[str]]] = []
        if lateral:
            value, unsure = self._lateral_layers(value, unsure)
        self.true = [f"COALESCE({v}, FALSE)" for v in value]
        self.unknown = [f"({v} IS NULL)" for v in value]
        self.said = said = list(unsure)
        self.by_not_recorded = [f"({self.unknown[i]} AND NOT {said[i]})" if said[i] != FALSE else self.unknown[i] for i in range(n)]
        self.flagged = [q for q in rules.questions if q.flag]
        self.flag_unknown = {q.id: c.unknown(q) for q in self.flagged}
        self.flag_unsure = {q.id: (c.said_unsure(q) if not (q.type == NUMBER and q.optional) else FALSE) for q in self.flagged}
        self.any_true = _or(self.true)
        self.any_unknown = _or(self.unknown)
        self.error = "SUBSTR(NULLIF(" + " || ".join(f"COALESCE('; ' || ({c.error(q)}), '')" for q in rules.questions) + ", ''), 3)"
        self.disposition = f"CASE WHEN ({self.error}) IS NOT NULL THEN NULL ELSE {self.level_case(True, False)} END"
        # The disposition column, once computed. SQLite names a subquery's columns "true" and "false"
        # column1 and column2, so that no query can read them: with such a question, it is one level,
        # and each result column repeats the disposition's expression.
        self.one_level = not lateral and any(q.id in ("true", "false") for q in rules.questions)
        self.result = "d.disposition" if lateral else f"({self.disposition})" if self.one_level else "s.disposition"

    def _lateral_layers(self, value: tuple[str, ...], unsure: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Each answer normalised once (layer a) and each rule's value once (layer r); what reads them."""
        raw, c, rules = self.raw, self.c, self.rules
        answers = []
        for q in rules.questions:
            first = ("n", raw.number(q)) if q.type == NUMBER else ("v", raw.yesno(q))
            for kind, expr in (first, ("u", raw.said_unsure(q)), ("b", raw.blank(q)), ("e", raw.error(q))):
                answers.append(f"{expr} AS {c.ident(kind + '_' + q.id)}")
        rule_columns = []
        for r, v, u in zip(rules.rules, value, unsure):
            rule_columns.append(f"{v} AS {c.ident('v_' + r.id)}")
            if u != FALSE:
                rule_columns.append(f"{u} AS {c.ident('u_' + r.id)}")
        self.layers = [("a", answers), ("r", rule_columns)]
        return (tuple(f"r.{c.ident('v_' + r.id)}" for r in rules.rules),
                tuple(FALSE if u == FALSE else f"r.{c.ident('u_' + r.id)}" for r, u in zip(rules.rules, unsure)))

    def level_case(self, with_blanks: bool, as_index: bool) -> str:
        rules, n = self.rules, self.n
        whens = []
        for i in range(self.default):
            tests = [self.true[r] for r in range(n) if self.levels[r] == i]
            tests += [self.said[r] for r in range(n) if self.unsure_levels[r] == i]
            if i == self.cautious:
                if with_blanks:
                    # mutant: sql-cautious-blanks
                    tests += self.by_not_recorded
                    tests += list(self.flag_unknown.values())
                else:
                    tests += list(self.flag_unsure.values())
            test = _or(tests)
            if test != FALSE:
                whens.append(f"WHEN {test} THEN {i if as_index else _lit(rules.dispositions[i].id)}")
        last = self.default if as_index else _lit(rules.default.id)
        return "CASE " + " ".join(whens) + f" ELSE {last} END" if whens else str(last)

    def text_literal(self, text: str) -> str:
        """A rule file's own text as a string literal. Spark reads a backslash in a literal as an escape
        (C:\\new becomes a line break), and a doubled quote as two literals run together."""
        if self.dialect == "spark":
            return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
        return _lit(text)

    def per_level(self, branch: Callable[[int], str]) -> str:
        whens = [f"WHEN {self.result} IS NULL THEN NULL"]
        for i, d in enumerate(self.rules.dispositions):
            whens.append(f"WHEN {self.result} = {_lit(d.id)} THEN {branch(i)}")
        return "CASE " + " ".join(whens) + " END"

    def action(self, i: int) -> str:
        rules = self.rules
        lit = self.text_literal
        whens = [f"WHEN {self.true[r]} THEN {lit(rule.action)}" for r, rule in enumerate(rules.rules)
                 if rule.action and self.levels[r] == i]
        whens += [f"WHEN {self.said[r]} THEN {lit(rule.action_if_unsure)}" for r, rule in enumerate(rules.rules)
                  if rule.action_if_unsure and self.unsure_levels[r] == i]
        return "CASE " + " ".join(whens) + " ELSE '' END" if whens else "''"

    # What could not be ruled out (as engine.could_not_rule_out): the unknown rules more urgent than
    # the result; when nothing is true at its level, the unknown rules that set it; the unknown rules at
    # its level that stand before the headline's rule; and when every rule is false, the red-flag
    # questions left unknown.
    def headline_after(self, i: int, r: int) -> str:
        """Whether the headline at level i comes from a rule after rule r."""
        rules, n = self.rules, self.n
        acts = [h for h in range(n) if self.levels[h] == i and rules.rules[h].action]
        unsure_acts = [h for h in range(n) if self.unsure_levels[h] == i and rules.rules[h].action_if_unsure]

        def first_after(tests: list[tuple[int, str]]) -> str:
            later, earlier = _or([t for h, t in tests if h > r]), _or([t for h, t in tests if h <= r])
            return later if FALSE in (later, earlier) else f"({later} AND NOT {earlier})"

        from_true = first_after([(h, self.true[h]) for h in acts])
        from_unsure = first_after([(h, self.said[h]) for h in unsure_acts])
        no_true = _or([self.true[h] for h in acts])
        if from_unsure != FALSE and no_true != FALSE:
            from_unsure = f"(NOT {no_true} AND {from_unsure})"
        return _or([from_true, from_unsure])

    def unknown_rules(self, i: int) -> str:
        n, levels, unknown = self.n, self.levels, self.unknown
        fired_here = _or([self.true[r] for r in range(n) if levels[r] == i])
        tests = []
        for r in range(n):
            sets = _or([self.said[r] if self.unsure_levels[r] == i else FALSE, self.by_not_recorded[r] if i == self.cautious else FALSE])
            test = _or([unknown[r] if levels[r] < i else FALSE,
                        FALSE if sets == FALSE else f"(NOT {fired_here} AND {sets})",
                        f"({unknown[r]} AND {self.headline_after(i, r)})" if levels[r] == i else FALSE])
            tests.append((test, self.rules.rules[r].id))
        branch = _joined(tests)
        if i == self.cautious and self.flagged:
            flags = _joined([(self.flag_unknown[q.id], f"flag:{q.id}") for q in self.flagged])
            branch = f"CASE WHEN NOT {self.any_true} AND NOT {self.any_unknown} THEN {flags} ELSE {branch} END"
        return branch

    def answers_of_kind(self, test_of: Callable[[Question], str]) -> str:
        parts = []
        for q in self.rules.questions:
            test = test_of(q)
            if test == FALSE:
                continue
            readers = [self.unknown[r] for r, rule in enumerate(self.rules.rules) if q.id in rule.when.questions()]
            read = "TRUE" if q.flag else _or(readers)
            if read != FALSE:
                parts.append((f"({test} AND {read})", q.id))
        return f"CASE WHEN {self.result} IS NULL THEN NULL ELSE {_joined(parts)} END"

    def said_unsure(self, q: Question) -> str:
        return FALSE if q.type == NUMBER and q.optional else self.c.said_unsure(q)

    def not_recorded(self, q: Question) -> str:
        return FALSE if q.optional else self.c.blank(q)

    def added(self) -> str:
        """The result columns after the disposition, in ADDED order."""
        rules, c, n, result = self.rules, self.c, self.n, self.result
        reasons = f"CASE WHEN {result} IS NULL THEN NULL ELSE {_joined([(self.true[r], rules.rules[r].id) for r in range(n)])} END"
        not_given = f"CASE WHEN {result} IS NULL THEN NULL ELSE {_joined([(c.blank(q), q.id) for q in rules.screens])} END"
        raised = (f"CASE WHEN {result} IS NULL THEN NULL WHEN ({self.level_case(True, True)}) < ({self.level_case(False, True)}) "
                  "THEN 'yes' ELSE '' END")
        return (f"  {self.per_level(self.action)} AS action,\n"
                f"  {reasons} AS reasons,\n"
                f"  {self.per_level(self.unknown_rules)} AS unknown,\n"
                f"  {self.answers_of_kind(self.said_unsure)} AS unsure,\n"
                f"  {self.answers_of_kind(self.not_recorded)} AS not_recorded,\n"
                f"  {not_given} AS not_given,\n"
                f"  {raised} AS raised_by_not_recorded,\n"
                f"  {'d.error' if self.lateral else self.error} AS error\n")

    def select(self, table: str) -> str:
        rules, c = self.rules, self.c
        head = (f"-- triage rule set {_comment(rules.id)} {_comment(rules.version)} (sha256 {rules.sha256[:12]}), "
                f"compiled for {self.dialect}.\n-- {_comment(rules.disclaimer)}\n")
        source = ".".join(c.ident(part) for part in table.split("."))
        if self.lateral:
            layers = self.layers + [("d", [f"{self.error} AS error", f"{self.disposition} AS disposition"])]
            lateral_from = "".join(",\nLATERAL (SELECT\n    " + ",\n    ".join(cols) + f"\n) AS {alias}" for alias, cols in layers)
            return head + "SELECT t.*,\n  d.disposition,\n" + self.added() + f"FROM {source} AS t" + lateral_from + "\n"
        # SQLite: both levels call their source s, so the same qualified expressions read the table in
        # the inner query and the subquery's copy of its columns in the outer one. SQLite reads a bare
        # TRUE or FALSE as a column when one has that name: its booleans are written 1 and 0.
        if self.one_level:
            return _sqlite_booleans(head + f"SELECT s.*,\n  {self.disposition} AS disposition,\n" + self.added()
                                    + f"FROM {source} AS s\n")
        return _sqlite_booleans(head + "SELECT s.*,\n" + self.added() + "FROM (\n  SELECT s.*,\n"
                                f"    {self.disposition} AS disposition\n  FROM {source} AS s\n) AS s\n")


_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|\b(?:TRUE|FALSE)\b")


def _sqlite_booleans(sql: str) -> str:
    """TRUE and FALSE as 1 and 0 outside string literals, quoted names and comments."""
    return _TOKENS.sub(lambda m: {"TRUE": "1", "FALSE": "0"}.get(m.group(0), m.group(0)), sql)
