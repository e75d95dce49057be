"""Representative answers for a question: every answer that any rule could tell apart.

Used to reason about all possible answers by enumeration (lint, and the questionnaire's decision
whether a question can still matter). For a yes/no question: yes, no, unsure and what a blank means
(not recorded, or not given for an optional one). For a
number: the points just below, at and just above each threshold the rules use, the ends of its
range, and what a blank means (not given, or for a required number unsure and not recorded).
"""

from __future__ import annotations

from itertools import product
from typing import Callable, Iterable, Mapping

from .logic import NOT_RECORDED, NUMBER_OPS, UNSURE, Value
from .model import NUMBER, RuleSet

EPSILON = 1e-6


def domain(rules: RuleSet, qid: str) -> list[Value]:
    q = rules.question(qid)
    if q.type != NUMBER:
        return [True, False, UNSURE, q.blank]
    lo = q.minimum if q.minimum is not None else float("-inf")
    hi = q.maximum if q.maximum is not None else float("inf")
    points: set[float] = {x for x in (q.minimum, q.maximum) if x is not None}
    for r in rules.rules:
        for c in r.when.compares():
            if c.question == qid and c.op in NUMBER_OPS:
                v = float(c.value)
                points |= {x for x in (v - EPSILON, v, v + EPSILON) if lo <= x <= hi}
    blanks: list[Value] = [q.blank] if q.optional else [UNSURE, NOT_RECORDED]
    return [*blanks, *sorted(points)]


def exists(
    rules: RuleSet, qids: Iterable[str], test: Callable[[dict[str, Value]], bool],
    base: Mapping[str, Value] | None = None, limit: int = 200_000,
) -> bool | None:
    """Whether some combination of answers to `qids` (on top of `base`) passes `test`.

    None when there are more than `limit` combinations: the caller must not guess.
    """
    qids = list(qids)
    domains = [domain(rules, q) for q in qids]
    size = 1
    for d in domains:
        size *= len(d)
    if size > limit:
        return None
    start = dict(base or {})
    return any(test({**start, **dict(zip(qids, combo))}) for combo in product(*domains))
