"""A rule set compiled once into closures over a flat list of answers, for scoring many rows fast.

Each question gets a slot. A yes/no slot holds True, False, UNSURE or NOT_RECORDED (NOT_GIVEN for an
optional one). A number slot
holds NOT_GIVEN, UNSURE, NOT_RECORDED, or a tuple with the outcome of every comparison the rules make
on that question: after that, no rule needs the number itself, so rows that differ only in ways no
rule can see share one key in the result cache. Nothing here is `eval`: conditions become nested
Python closures whose meaning comes from logic.py. packed.py builds batch decisions on these.
"""

from __future__ import annotations

from typing import Callable, Sequence

from .logic import CONNECTIVES, NOT_GIVEN, NUMBER_OPS, Outcome, Unknown, Value, compare, negate
from .model import NUMBER, Compare, Condition, RuleSet

Slots = Sequence[object]


class Compiled:
    def __init__(self, rules: RuleSet):
        self.rules = rules
        self.index = {q.id: i for i, q in enumerate(rules.questions)}
        # Every distinct comparison on each number question, in a fixed order.
        self.number_tests: dict[str, list[tuple[str, float]]] = {q.id: [] for q in rules.questions if q.type == NUMBER}
        for rule in rules.rules:
            for c in rule.when.compares():
                if c.op in NUMBER_OPS and (c.op, c.value) not in self.number_tests[c.question]:
                    self.number_tests[c.question].append((c.op, float(c.value)))
        self.tests = [self._compile(r.when) for r in rules.rules]
        self.flagged = [(self.index[q.id], q.id) for q in rules.questions if q.flag]
        # Which slots each rule reads: what its outcome depends on, and the answers an unknown rule
        # leaves unsure or not recorded.
        self.reads = [sorted({self.index[q] for q in r.when.questions()}) for r in rules.rules]

    def signature(self, qid: str, value: Value) -> object:
        """A number as the rules see it: the outcome of each of their comparisons."""
        if value.__class__ is not float:
            return value  # not given, unsure or not recorded
        return tuple(NUMBER_OPS[op].test(value, bound) for op, bound in self.number_tests[qid])  # type: ignore[misc]

    def _compile(self, cond: Condition) -> Callable[[Slots], Outcome]:
        if isinstance(cond, Compare):
            i = self.index[cond.question]
            want = cond.value
            if cond.op == "is":
                if self.rules.question(cond.question).optional:
                    return lambda s: compare("is", s[i], want)  # not given reads as no
                # A plain "is yes" reads its slot as the outcome: unknowns pass through with their kind.
                if want is True:
                    return lambda s: s[i]  # type: ignore[return-value]
                return lambda s: s[i] if s[i].__class__ is Unknown else s[i] is want  # type: ignore[return-value]
            if cond.op == "given":
                return lambda s: s[i] if s[i].__class__ is Unknown else (s[i] is not NOT_GIVEN) is want  # type: ignore[return-value]
            k = self.number_tests[cond.question].index((cond.op, float(want)))

            def number(s: Slots) -> Outcome:
                v = s[i]
                if v.__class__ is tuple:
                    return v[k]  # type: ignore[no-any-return]
                return False if v is NOT_GIVEN else v  # type: ignore[return-value]

            return number
        if cond.kind == "not":
            inner = self._compile(cond.items[0])
            return lambda s: negate(inner(s))
        parts = [self._compile(c) for c in cond.items]
        combine = CONNECTIVES[cond.kind].combine
        return lambda s: combine(part(s) for part in parts)
