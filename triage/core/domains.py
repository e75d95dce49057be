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
from .model import NUMBER, Condition, Question, RuleSet

EPSILON = 1e-6


def domains(rules: RuleSet, conditions: Iterable[Condition] | None = None) -> dict[str, list[Value]]:
    """Every question's representative answers, from one pass over the rules' comparisons.

    Given `conditions`, only their thresholds count: enough to tell apart every answer that those
    conditions can, and far fewer points when a rule file has thousands of thresholds.
    """
    thresholds: dict[str, set[float]] = {}
    read: dict[str, None] = {}
    for cond in conditions if conditions is not None else (r.when for r in rules.rules):
        for c in cond.compares():
            read[c.question] = None
            if c.op in NUMBER_OPS:
                thresholds.setdefault(c.question, set()).add(float(c.value))
    qids = read if conditions is not None else (q.id for q in rules.questions)
    return {qid: _domain(rules.question(qid), thresholds.get(qid, set())) for qid in qids}


def domain(rules: RuleSet, qid: str) -> list[Value]:
    return domains(rules)[qid]


def _domain(q: Question, thresholds: set[float]) -> list[Value]:
    if q.type != NUMBER:
        return [True, False, UNSURE, q.blank]
    lo = q.minimum if q.minimum is not None else float("-inf")
    hi = q.maximum if q.maximum is not None else float("inf")
    points: set[float] = {x for x in (q.minimum, q.maximum) if x is not None}
    for v in thresholds:
        points |= {x for x in (v - EPSILON, v, v + EPSILON) if lo <= x <= hi}
    blanks: list[Value] = [q.blank] if q.optional else [UNSURE, NOT_RECORDED]
    return [*blanks, *sorted(points)]


def exists(
    rules: RuleSet, qids: Iterable[str], test: Callable[[dict[str, Value]], bool],
    base: Mapping[str, Value] | None = None, limit: int = 200_000,
    known: Mapping[str, list[Value]] | None = None,
) -> bool | None:
    """Whether some combination of answers to `qids` (on top of `base`) passes `test`.

    None when there are more than `limit` combinations: the caller must not guess. `known` is
    `domains(rules)` when the caller already has it (lint asks thousands of times).
    """
    qids = list(qids)
    known = known if known is not None else domains(rules)
    lists = [known[q] for q in qids]
    if combinations(lists) > limit:
        return None
    start = dict(base or {})
    return any(test({**start, **dict(zip(qids, combo))}) for combo in product(*lists))


def combinations(lists: Iterable[list[Value]]) -> int:
    size = 1
    for d in lists:
        size *= len(d)
    return size
