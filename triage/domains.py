"""Representative answers for a question: every answer that any rule could tell apart.

Used to reason about all possible answers by enumeration (lint, and the questionnaire's decision
whether a question can still matter). For a number, the points just below, at and just above each
threshold the rules use, the ends of its range, and 'not given'.
"""

from __future__ import annotations

from itertools import product
from typing import Callable, Iterable, Mapping

from .model import NUMBER, Compare, Condition, Not, RuleSet, Value

EPSILON = 1e-6


def compares(cond: Condition) -> list[Compare]:
    if isinstance(cond, Compare):
        return [cond]
    if isinstance(cond, Not):
        return compares(cond.item)
    return [c for item in cond.items for c in compares(item)]


def domain(rules: RuleSet, qid: str) -> list[Value]:
    q = rules.question(qid)
    if q.type != NUMBER:
        return [True, False, None]
    lo = q.minimum if q.minimum is not None else float("-inf")
    hi = q.maximum if q.maximum is not None else float("inf")
    points: set[float] = {x for x in (q.minimum, q.maximum) if x is not None}
    for r in rules.rules:
        for c in compares(r.when):
            if c.question == qid and c.op != "is":
                points |= {x for x in (c.value - EPSILON, c.value, c.value + EPSILON) if lo <= x <= hi}
    return [None, *sorted(points)]


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
