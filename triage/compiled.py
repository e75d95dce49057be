"""A rule set compiled once into closures over a flat list of answers, for scoring many rows fast.

Each question gets a slot. A yes/no slot holds True, False or None. A number slot holds None (not
given) or a tuple with the outcome of every comparison the rules make on that question: after that,
no rule needs the number itself, so rows that differ only in ways no rule can see share one key in
the result cache. Nothing here is `eval`: conditions become nested Python closures.

The decision itself is engine.choose, the same function `evaluate` uses.
"""

from __future__ import annotations

from typing import Callable, Sequence

from .domains import compares
from .engine import choose
from .model import NUMBER, NUMBER_OPS, Any_, Compare, Condition, Not, RuleSet, Tri

Slots = Sequence[object]


class Compiled:
    def __init__(self, rules: RuleSet):
        self.rules = rules
        self.index = {q.id: i for i, q in enumerate(rules.questions)}
        # Every distinct comparison on each number question, in a fixed order.
        self.number_tests: dict[str, list[tuple[str, float]]] = {q.id: [] for q in rules.questions if q.type == NUMBER}
        for rule in rules.rules:
            for c in compares(rule.when):
                if c.op != "is" and (c.op, c.value) not in self.number_tests[c.question]:
                    self.number_tests[c.question].append((c.op, c.value))
        self.tests = [self._compile(r.when) for r in rules.rules]
        # A rule that is just "question is yes" has the answer itself as its outcome: no call needed.
        self.plan = [
            (self.index[r.when.question], None) if isinstance(r.when, Compare) and r.when.value is True else (0, t)
            for r, t in zip(rules.rules, self.tests)
        ]
        self.flagged = [(self.index[q.id], q.id) for q in rules.questions if q.flag]

    def signature(self, qid: str, value: float | None) -> tuple[bool, ...] | None:
        """A number as the rules see it: the outcome of each of their comparisons."""
        if value is None:
            return None
        return tuple(NUMBER_OPS[op][1](value, bound) for op, bound in self.number_tests[qid])

    def _compile(self, cond: Condition) -> Callable[[Slots], Tri]:
        if isinstance(cond, Compare):
            i = self.index[cond.question]
            if cond.op == "is":
                want = cond.value
                return lambda s: None if s[i] is None else s[i] is want
            k = self.number_tests[cond.question].index((cond.op, cond.value))
            blank: Tri = False if cond.optional else None
            return lambda s: blank if s[i] is None else s[i][k]
        if isinstance(cond, Not):
            inner = self._compile(cond.item)

            def negate(s: Slots) -> Tri:
                v = inner(s)
                return None if v is None else not v

            return negate
        parts = [self._compile(c) for c in cond.items]
        dominant = isinstance(cond, Any_)

        def combine(s: Slots) -> Tri:
            unknown = False
            for part in parts:
                v = part(s)
                if v is dominant:
                    return dominant
                if v is None:
                    unknown = True
            return None if unknown else not dominant

        return combine

    def decide(self, slots: Slots):
        """(disposition index, fired rule indices, unknown rule indices, unknown red-flag question ids)."""
        outcomes = [slots[i] if t is None else t(slots) for i, t in self.plan]
        return choose(self.rules, outcomes, lambda: tuple(q for i, q in self.flagged if slots[i] is None))

