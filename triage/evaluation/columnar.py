"""The rule set as polars expressions over whole columns of answers: the columnar batch evaluator.

Rows arrive as one column of packed answer codes per question (packed.py: a question's bits of the
key, unshifted). Nothing here reads text or knows what a comparison means:

- each comparison gives its column of outcome codes through its own `frame` (logic.py), which applies
  its `holds` to one answer of each kind the rules can tell apart;
- each connective gives its column through its own `frame`: `any` the maximum, `all` the minimum
  with unsure winning, `not` a table (logic.CODED; the tests check these on every combination);
- the decision is engine.choose written as mask algebra over the rules' outcome columns, with every
  level, contribution and headline taken from the same RuleSet fields and engine functions.

The differential tests hold every cell equal to the engine's on generated rule sets and answers.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import polars as pl

from ..core.logic import CODED, COMPARISONS, CONNECTIVES, NOT_GIVEN, code_of
from ..core.model import Compare, Condition, RuleSet
from .engine import contribution
from .packed import ANSWER_NOT_RECORDED, ANSWER_UNSURE, Packed

CODE = pl.UInt8
MASK = pl.UInt64
WORD = 64  # items of a listing cell per mask column
FALSE, NOT_RECORDED_CODE, UNSURE_CODE, TRUE = map(code_of, CODED)


def answer_column(slot: int) -> str:
    """The name of the column that holds a question's packed answer codes (slot: question order)."""
    return f"a{slot}"


class CodeColumns:
    """The connectives' part of logic.FrameTerms in polars: outcome codes as UInt8 columns."""

    def maximum(self, parts: list[pl.Expr]) -> pl.Expr:
        return pl.max_horizontal(parts) if len(parts) > 1 else parts[0]

    def minimum(self, parts: list[pl.Expr]) -> pl.Expr:
        return pl.min_horizontal(parts) if len(parts) > 1 else parts[0]

    def table(self, part: pl.Expr, codes: Sequence[int]) -> pl.Expr:
        return pl.lit(pl.Series(list(codes), dtype=CODE)).gather(part)


class Terms(CodeColumns):
    """logic.FrameTerms in polars, with a rule set's answer columns (packed codes, see answer_column)."""

    def __init__(self, packed: Packed):
        self.packed = packed
        self.slot = {q: i for i, q in enumerate(packed.question_ids)}

    def answers(self, q: Any, outcome: Callable[[object], Any]) -> pl.Expr:
        slot = self.slot[q.id]
        return self.table(pl.col(answer_column(slot)),
                          [code_of(outcome(a)) if a is not None else FALSE for a in self.packed.answers[slot]])


class Columnar:
    """Builds, once per rule set, the expressions that turn answer-code columns into result columns."""

    def __init__(self, rules: RuleSet, packed: Packed):
        self.rules, self.packed = rules, packed
        self.terms = Terms(packed)
        self.n = len(rules.rules)
        self.default, self.cautious = rules.default_level, rules.cautious_level
        self.flagged = [slot for slot, _ in packed.compiled.flagged]
        reads = packed.compiled.reads
        # Per question slot: the rules that read it (an unknown one lists its unsure or blank answer).
        self.readers = [[i for i, r in enumerate(reads) if slot in r] for slot in range(len(packed.question_ids))]

    def outcome(self, cond: Condition) -> pl.Expr:
        found: pl.Expr
        if isinstance(cond, Compare):
            found = COMPARISONS[cond.op].frame(self.terms, self.rules.question(cond.question), cond.value)
        else:
            found = CONNECTIVES[cond.kind].frame(self.terms, [self.outcome(c) for c in cond.items])
        return found

    def stages(self) -> list[list[pl.Expr]]:
        """Columns to add in order (each stage reads the ones before): rule outcomes `r<i>`, the level
        `level` and `raised`, the headline `headline` (rule index, plus n for its unsure action, or
        null), then the text cells of engine.CELLS without the action (see actions())."""
        return [
            [self.outcome(r.when).alias(f"r{i}") for i, r in enumerate(self.rules.rules)],
            self._levels(),
            self._level(),
            [self._headline().alias("headline"), self._fired_at_top().alias("fired_at_top")],
            self._cells(),
        ]

    def actions(self) -> list[str]:
        """The headline's text by the `headline` column's value."""
        return [r.action or "" for r in self.rules.rules] + [r.action_if_unsure or "" for r in self.rules.rules]

    def _r(self, i: int) -> pl.Expr:
        return pl.col(f"r{i}")

    def _unknown(self, i: int) -> pl.Expr:
        return self._r(i).is_between(NOT_RECORDED_CODE, UNSURE_CODE)

    def _levels(self) -> list[pl.Expr]:
        """The level from true rules and unsure answers alone, whether a rule is unknown through a blank,
        and whether a red flag is left unknown (and unsure)."""
        levels, unsure_levels, d = self.rules.rule_levels, self.rules.unsure_levels, self.default
        sure = [self.terms.table(self._r(i), [d, d, unsure_levels[i], levels[i]]) for i in range(self.n)]
        flags = [pl.col(answer_column(s)) for s in self.flagged]
        return [
            pl.min_horizontal([*sure, pl.lit(d, CODE)]).alias("top_sure"),
            pl.any_horizontal([self._r(i) == NOT_RECORDED_CODE for i in range(self.n)] or [pl.lit(False)]).alias("any_blank"),
            pl.any_horizontal([f.is_between(ANSWER_UNSURE, ANSWER_NOT_RECORDED) for f in flags] or [pl.lit(False)]).alias("flag_unknown"),
            # mutant: columnar-unsure
            pl.any_horizontal([f == ANSWER_UNSURE for f in flags] or [pl.lit(False)]).alias("flag_unsure"),
        ]

    def _level(self) -> list[pl.Expr]:
        """As engine.choose: blanks add the cautious level at most; an unknown red flag does when nothing
        true or unsure holds the result up, and an unsure one makes the cautious level sure."""
        top_sure, c = pl.col("top_sure"), pl.lit(self.cautious, CODE)
        base = pl.when(pl.col("any_blank")).then(pl.min_horizontal(top_sure, c)).otherwise(top_sure)
        flag = (top_sure == self.default) & pl.col("flag_unknown")
        level = pl.when(flag).then(pl.min_horizontal(base, c)).otherwise(base)
        sure = pl.when(flag & pl.col("flag_unsure")).then(c).otherwise(top_sure)
        all_false = pl.all_horizontal([self._r(i) == FALSE for i in range(self.n)] or [pl.lit(True)])
        return [level.alias("level"), (sure > level).alias("raised"), (flag & all_false).alias("show_flags")]

    def _headline(self) -> pl.Expr:
        """As engine._headline: the first true rule at the level with an action, else the first unsure
        rule whose "if unsure" level it is, with an action for that."""
        rules, level = self.rules, pl.col("level")
        found = [pl.when((self._r(i) == TRUE) & (level == rules.rule_levels[i])).then(pl.lit(i, pl.Int32))
                 for i, r in enumerate(rules.rules) if r.action]
        found += [pl.when((self._r(i) == UNSURE_CODE) & (level == rules.unsure_levels[i])).then(pl.lit(self.n + i, pl.Int32))
                  for i, r in enumerate(rules.rules) if r.action_if_unsure]
        return pl.coalesce(found) if found else pl.lit(None, pl.Int32)

    def _fired_at_top(self) -> pl.Expr:
        levels, level = self.rules.rule_levels, pl.col("level")
        return pl.any_horizontal([(self._r(i) == TRUE) & (level == levels[i]) for i in range(self.n)] or [pl.lit(False)])

    def _listed(self, i: int) -> pl.Expr:
        """As engine.could_not_rule_out, for rule i."""
        level, levels = pl.col("level"), self.rules.rule_levels
        headline = pl.col("headline")
        before = pl.when(headline >= self.n).then(headline - self.n).otherwise(headline).fill_null(-1)
        sets = self.terms.table(self._r(i), [contribution(self.rules, i, o) for o in CODED]) == level
        return self._unknown(i) & ((pl.lit(levels[i], CODE) < level) | ((level == levels[i]) & (before > i))
                                   | (~pl.col("fired_at_top") & sets))

    def _answered(self, slot: int, code: int) -> pl.Expr:
        """Question `slot` was answered unsure (or left blank: code) and a rule left unknown reads it."""
        read = [self._unknown(i) for i in self.readers[slot]]
        why = pl.lit(True) if slot in self.flagged else pl.any_horizontal(read) if read else pl.lit(False)
        return (pl.col(answer_column(slot)) == code) & why

    def _listings(self) -> dict[str, list[tuple[pl.Expr, str]]]:
        """Each listing cell of engine.CELLS as (condition, id) in the order the cell lists them."""
        rules, packed = self.rules, self.packed
        ids = [r.id for r in rules.rules]
        questions = packed.question_ids
        flags = [(pl.col("show_flags") & pl.col(answer_column(s)).is_between(ANSWER_UNSURE, ANSWER_NOT_RECORDED),
                  f"flag:{questions[s]}") for s in self.flagged]
        screens = [(pl.col(answer_column(questions.index(q.id))) == packed.codes[questions.index(q.id)][NOT_GIVEN], q.id)
                   for q in rules.screens]
        return {
            "reasons": [(self._r(i) == TRUE, ids[i]) for i in range(self.n)],
            "unknown": [(self._listed(i), ids[i]) for i in range(self.n)] + flags,
            # mutant: columnar-unsure-cell
            "unsure": [(self._answered(s, ANSWER_UNSURE), q) for s, q in enumerate(questions)],
            "not_recorded": [(self._answered(s, ANSWER_NOT_RECORDED), q) for s, q in enumerate(questions)],
            "not_given": screens,
        }

    def _cells(self) -> list[pl.Expr]:
        """The disposition and raised cells, and each listing as bit masks of what it lists, 64 items
        to a word (`<name>.<word>`): the words' texts are made once per distinct mask (see listed())."""
        dispositions = pl.Series([d.id for d in self.rules.dispositions])
        words = [
            pl.sum_horizontal([pl.when(cond).then(pl.lit(1 << (j % WORD), MASK)).otherwise(pl.lit(0, MASK))
                               for j, (cond, _) in enumerate(parts) if j // WORD == w]).alias(f"{name}.{w}")
            for name, parts in self._listings().items() for w in range(-(-len(parts) // WORD))
        ]
        return [
            pl.lit(dispositions).gather(pl.col("level")).alias("disposition"),
            *words,
            pl.when(pl.col("raised")).then(pl.lit("yes")).otherwise(pl.lit("")).alias("raised_by_not_recorded"),
        ]

    def listed(self) -> dict[str, list[list[str]]]:
        """Per listing cell, per word of its masks: the ids its bits stand for, bit 0 first (an empty
        list of words: the cell is always empty)."""
        return {name: [[text for _, text in parts[w:w + WORD]] for w in range(0, len(parts), WORD)]
                for name, parts in self._listings().items()}

    def counts(self, screens: Sequence[str]) -> list[pl.Expr]:
        """What the summary counts, summed over a block's rows: rows per level, true rules, unsure
        answers, the blanks the not_recorded cells list, and the screens (of those given) not done."""
        questions = self.packed.question_ids
        return [
            *[(pl.col("level") == level).sum().alias(f"level{level}") for level in range(len(self.rules.dispositions))],
            *[(self._r(i) == TRUE).sum().alias(f"fired{i}") for i in range(self.n)],
            *[(pl.col(answer_column(s)) == ANSWER_UNSURE).sum().alias(f"unsure{s}") for s in range(len(questions))],
            *[self._answered(s, ANSWER_NOT_RECORDED).sum().alias(f"blank{s}") for s in range(len(questions))],
            *[(pl.col(answer_column(questions.index(q))) == self.packed.codes[questions.index(q)][NOT_GIVEN]).sum()
              .alias(f"screen{questions.index(q)}") for q in screens],
            pl.col("raised").sum().alias("raised"),
        ]
