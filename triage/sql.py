"""Compiling a rule set into one SQL SELECT, so the same rules run inside a database or cluster engine.

The query keeps every column of the table and adds `disposition`, `reasons`, `unknown` and `error`.
An unknown answer is SQL NULL, and SQL's own three-valued AND/OR/NOT is the same Kleene logic the
engine uses, so each rule becomes a boolean expression with no special casing. Answer spellings are
normalised inside the query with the same lists the Python engine uses; a cell that is not a valid
answer gives an `error` and a NULL disposition, as in batch scoring. Nothing is executed here.
"""

from __future__ import annotations

from .answers import NO_WORDS, UNKNOWN_WORDS, YES_WORDS
from .model import NUMBER, NUMBER_OPS, Compare, Condition, Not, Question, RuleSet

DIALECTS = ("sqlite", "duckdb", "spark")
_SQL_OPS = {"at_least": ">=", "above": ">", "at_most": "<=", "below": "<"}
assert set(_SQL_OPS) == set(NUMBER_OPS)


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _words(words) -> str:
    return "(" + ", ".join(_lit(w) for w in words) + ")"


def _num(x: float) -> str:
    return repr(float(x))


class _Compiler:
    def __init__(self, rules: RuleSet, dialect: str):
        if dialect not in DIALECTS:
            raise ValueError(f"unknown SQL dialect {dialect!r}; use one of {', '.join(DIALECTS)}")
        self.rules, self.dialect = rules, dialect

    def ident(self, name: str) -> str:
        return f"`{name}`" if self.dialect == "spark" else '"' + name.replace('"', '""') + '"'

    def text(self, q: Question) -> str:
        """The cell as trimmed, lower-cased text (NULL stays NULL)."""
        kind = {"sqlite": "TEXT", "duckdb": "VARCHAR", "spark": "STRING"}[self.dialect]
        return f"LOWER(TRIM(CAST({self.ident(q.id)} AS {kind})))"

    def number_text(self, q: Question) -> str:
        return f"REPLACE({self.text(q)}, ',', '.')"

    def is_plain_number(self, q: Question) -> str:
        t = self.number_text(q)
        if self.dialect == "sqlite":
            # SQLite has no regular expressions by default: an optional sign, digits, at most one dot,
            # and at least one digit, said with GLOB and lengths.
            return (f"({t} NOT GLOB '*[^0-9.+-]*' AND SUBSTR({t}, 2) NOT GLOB '*[+-]*' "
                    f"AND LENGTH({t}) - LENGTH(REPLACE({t}, '.', '')) <= 1 AND {t} GLOB '*[0-9]*')")
        pattern = "'^[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+)$'"
        if self.dialect == "duckdb":
            return f"regexp_matches({t}, {pattern})"
        return f"({t} RLIKE {pattern})"

    def number(self, q: Question) -> str:
        t = self.number_text(q)
        if self.dialect == "sqlite":
            return f"CAST({t} AS REAL)"
        return f"TRY_CAST({t} AS DOUBLE)"

    def yesno(self, q: Question) -> str:
        t = self.text(q)
        return f"(CASE WHEN {t} IN {_words(YES_WORDS)} THEN TRUE WHEN {t} IN {_words(NO_WORDS)} THEN FALSE END)"

    def error(self, q: Question) -> str:
        t = self.text(q)
        if q.type != NUMBER:
            known = _words(YES_WORDS + NO_WORDS + UNKNOWN_WORDS)
            return f"CASE WHEN {t} NOT IN {known} THEN {_lit(q.id + ': not an answer; use yes, no or unsure')} END"
        blank = f"{t} IS NULL OR {t} IN {_words(UNKNOWN_WORDS)}"
        parts = [f"CASE WHEN {blank} THEN NULL",
                 f"WHEN NOT {self.is_plain_number(q)} THEN {_lit(q.id + ': not a number')}"]
        bounds = []
        if q.minimum is not None:
            bounds.append(f"{self.number(q)} < {_num(q.minimum)}")
        if q.maximum is not None:
            bounds.append(f"{self.number(q)} > {_num(q.maximum)}")
        if bounds:
            parts.append(f"WHEN {' OR '.join(bounds)} THEN {_lit(q.id + ': out of range')}")
        return " ".join(parts) + " END"

    def condition(self, cond: Condition) -> str:
        if isinstance(cond, Compare):
            q = self.rules.question(cond.question)
            if cond.op == "is":
                value = self.yesno(q)
                return value if cond.value else f"(NOT {value})"
            test = f"({self.number(q)} {_SQL_OPS[cond.op]} {_num(cond.value)})"
            return f"COALESCE({test}, FALSE)" if cond.optional else test
        if isinstance(cond, Not):
            return f"(NOT {self.condition(cond.item)})"
        word = " OR " if cond.__class__.__name__ == "Any_" else " AND "
        return "(" + word.join(self.condition(c) for c in cond.items) + ")"


def _joined(parts: list[tuple[str, str]], sep: str = ";") -> str:
    """Concatenate the labels whose test is true, separated, portably (no CONCAT_WS in older SQLite)."""
    if not parts:
        return "''"
    pieces = " || ".join(f"COALESCE(CASE WHEN {test} THEN {_lit(sep + label)} END, '')" for test, label in parts)
    return f"SUBSTR({pieces}, {len(sep) + 1})"


def compile_sql(rules: RuleSet, dialect: str = "sqlite", table: str = "responses") -> str:
    """A SELECT over `table` (which must hold a column per question) that adds the result columns."""
    c = _Compiler(rules, dialect)
    rule_sql = {r.id: c.condition(r.when) for r in rules.rules}
    levels = {r.id: rules.level(r.disposition) for r in rules.rules}
    true = {rid: f"COALESCE({sql}, FALSE)" for rid, sql in rule_sql.items()}
    unknown = {rid: f"({sql}) IS NULL" for rid, sql in rule_sql.items()}
    error = "SUBSTR(NULLIF(" + " || ".join(f"COALESCE('; ' || ({c.error(q)}), '')" for q in rules.questions) + ", ''), 3)"
    any_unknown = " OR ".join(unknown.values()) or "FALSE"
    flagged = [q for q in rules.questions if q.flag]
    flag_null = {q.id: f"({c.yesno(q) if q.type != NUMBER else c.number(q)}) IS NULL" for q in flagged}

    whens = [f"WHEN ({error}) IS NOT NULL THEN NULL"]
    for i, d in enumerate(rules.dispositions[:-1]):
        tests = [true[r.id] for r in rules.rules if levels[r.id] == i]
        if tests:
            whens.append(f"WHEN {' OR '.join(tests)} THEN {_lit(d.id)}")
    whens.append(f"WHEN {any_unknown} THEN {_lit(rules.cautious.id)}")
    if flagged:
        whens.append(f"WHEN {' OR '.join(flag_null.values())} THEN {_lit(rules.cautious.id)}")
    disposition = "CASE " + " ".join(whens) + f" ELSE {_lit(rules.default.id)} END"
    reasons = f"CASE WHEN ({error}) IS NOT NULL THEN NULL ELSE {_joined([(true[r.id], r.id) for r in rules.rules])} END"

    # What could not be ruled out, for each result (as engine.choose): the unknown rules more urgent
    # than the result; failing those, when nothing fired, the unknown rules at the result's level;
    # and when every rule is false, the red-flag questions left unknown.
    unknown_whens = ["WHEN s.disposition IS NULL THEN NULL"]
    for i, d in enumerate(rules.dispositions):
        above = _joined([(unknown[r.id], r.id) for r in rules.rules if levels[r.id] < i])
        same = _joined([(unknown[r.id], r.id) for r in rules.rules if levels[r.id] == i])
        branch = f"CASE WHEN {above} <> '' THEN {above} WHEN s.reasons = '' THEN {same} ELSE '' END"
        if i == len(rules.dispositions) - 2 and flagged:
            flags = _joined([(flag_null[q.id], f"flag:{q.id}") for q in flagged])
            branch = f"CASE WHEN s.reasons = '' AND NOT ({any_unknown}) THEN {flags} ELSE {branch} END"
        unknown_whens.append(f"WHEN s.disposition = {_lit(d.id)} THEN {branch}")

    return (
        f"-- triage rule set {rules.id} {rules.version} (sha256 {rules.sha256[:12]}), compiled for {dialect}.\n"
        f"-- {rules.disclaimer}\n"
        "SELECT s.*,\n"
        f"  CASE {' '.join(unknown_whens)} END AS unknown,\n"
        f"  {error} AS error\n"
        "FROM (\n"
        "  SELECT t.*,\n"
        f"    {disposition} AS disposition,\n"
        f"    {reasons} AS reasons\n"
        f"  FROM {c.ident(table)} AS t\n"
        ") AS s\n"
    )
