"""Lint: things a rule file may legally say that are probably not what its author meant.

Each finding is a warning Problem at the rule or question it is about. Loading already turned the
hard errors (unknown ids, wrong types, missing rationale) into errors.
"""

from __future__ import annotations

import re
from typing import Iterator

from ..core.describe import describe
from ..core.domains import exists
from ..core.errors import Location, Problem
from ..core.logic import COMPARISONS, CONNECTIVES, NOT_GIVEN, NUMBER_OPS
from ..core.model import Compare, Condition, Question, Rule, RuleSet

MAX_COMBINATIONS = 200_000  # beyond this the shadowing check is skipped, not guessed


def lint(rules: RuleSet) -> list[Problem]:
    found: list[Problem] = []

    def warn(item: Rule | Question, message: str) -> None:
        found.append(Problem(Location(rules.path, item.line or None, item.column or None), message, "warning"))

    used = {q for r in rules.rules for q in r.when.questions()}
    for q in rules.questions:
        if q.id not in used:
            warn(q, f"question '{q.id}' is used by no rule: asking it cannot change any result")
    order = {q.id: i for i, q in enumerate(rules.questions)}
    for q in rules.questions:
        for dep in q.ask_when.questions() if q.ask_when else ():
            if order[dep] > order[q.id]:
                warn(q, f"question '{q.id}' is asked only when '{dep}' allows, but '{dep}' is asked later; move '{dep}' above it")
    for rule in rules.rules:
        if rule.source is None:
            warn(rule, f"rule '{rule.id}' gives no source; add 'source:' so reviewers can check it")
        for c in rule.when.compares():
            if c.op in NUMBER_OPS:
                message = _range_problem(rules.question(c.question), c)
                if message:
                    warn(rule, f"rule '{rule.id}': {message}")
    for rule in rules.rules:
        for c in _holding_when_blank(rule.when, rules):
            warn(rule, f"rule '{rule.id}' holds whenever '{c.question}' is not given: it is optional, so a blank (or a "
                       "missing column) reads as no; test 'is: yes' instead, or make the question required")
    for item, field, text in _texts(rules):
        if _MARKUP.search(text):
            warn(item, f"{field} holds '{_MARKUP.search(text).group(0)}', which looks like terminal markup; "  # type: ignore[union-attr]
                       "it is shown exactly as written (rule files have no formatting)")
    for rule, shadow in _shadowed(rules):
        warn(rule, f"rule '{rule.id}' can never decide the result: whenever it is true, {shadow}")
    return found


def _holding_when_blank(cond: Condition, rules: RuleSet, negated: bool = False) -> Iterator[Compare]:
    """Comparisons on an optional yes/no question that a blank makes true (`is: no`, or `is: yes`
    under a `not`): a rule built on one fires for every row of a file that lacks the column."""
    if isinstance(cond, Compare):
        q = rules.question(cond.question)
        if q.optional and q.type == "yesno" and COMPARISONS[cond.op].holds(NOT_GIVEN, cond.value) is (not negated):
            yield cond
        return
    for item in cond.items:
        yield from _holding_when_blank(item, rules, negated != CONNECTIVES[cond.kind].flips())


_MARKUP = re.compile(r"\[/?[a-zA-Z#@][^\[\]]*\]|\[/\]")


def _texts(rules: RuleSet) -> Iterator[tuple[Rule | Question, str, str]]:
    """Every text a person reads, with the item it belongs to (for the warning's place)."""
    for q in rules.questions:
        yield q, f"question '{q.id}': text", q.text
        yield q, f"question '{q.id}': why", q.why
    for r in rules.rules:
        for name in ("rationale", "action", "action_if_unsure"):
            value = getattr(r, name)
            if value:
                yield r, f"rule '{r.id}': {name}", value


def _range_problem(q: Question, c: Compare) -> str | None:
    lo = q.minimum if q.minimum is not None else float("-inf")
    hi = q.maximum if q.maximum is not None else float("inf")
    never, always = NUMBER_OPS[c.op].never_or_always(lo, hi, float(c.value))
    allowed = f"answers run from {lo:g} to {hi:g}"
    if never:
        return f"'{describe(c)}' can never be true: {allowed}"
    if always:
        return f"'{describe(c)}' is true for every answer: {allowed}"
    return None


def _always_true(rules: RuleSet, cond: Condition) -> bool | None:
    """True when `cond` holds for every possible set of answers; None when too many to check."""
    found = exists(rules, sorted(set(cond.questions())), lambda v: cond.evaluate(v)[0] is not True, limit=MAX_COMBINATIONS)
    return None if found is None else not found


def _shadowed(rules: RuleSet) -> Iterator[tuple[Rule, str]]:
    """Rules that are true only when some more urgent rule is true as well, found by enumeration.

    Only the more urgent rules that share questions with the rule (directly or through each other)
    can be forced true by it; any other rule can be made false independently, unless it is true for
    every answer, which is checked on its own.
    """
    levels = rules.rule_levels
    reads = [set(r.when.questions()) for r in rules.rules]
    readers: dict[str, list[int]] = {}  # question -> the rules that read it: linking is a graph walk
    for i, qs in enumerate(reads):
        for q in qs:
            readers.setdefault(q, []).append(i)
    tautologies = [i for i, r in enumerate(rules.rules) if _always_true(rules, r.when)]
    for k, rule in enumerate(rules.rules):
        always = [i for i in tautologies if levels[i] < levels[k]]
        if always:
            yield rule, f"the more urgent rule '{rules.rules[always[0]].id}' is true too (it is true for every answer)"
            continue
        qids, linked_ids = set(reads[k]), set()
        todo = list(qids)
        while todo:
            for i in readers[todo.pop()]:
                if levels[i] < levels[k] and i not in linked_ids:
                    linked_ids.add(i)
                    new = reads[i] - qids
                    qids |= new
                    todo.extend(new)
        if not linked_ids:
            continue
        linked = [rules.rules[i] for i in sorted(linked_ids)]

        def escapes(others: list[Rule], rule: Rule = rule, qids: set[str] = qids) -> bool | None:
            """Whether some answers make `rule` true and none of `others` true."""
            return exists(rules, sorted(qids), lambda v: rule.when.evaluate(v)[0] is True
                          and not any(r.when.evaluate(v)[0] is True for r in others), limit=MAX_COMBINATIONS)

        if escapes(linked) is False:
            # Name a single rule only when that rule alone is implied; otherwise the group.
            alone = next((r for r in linked if escapes([r]) is False), None)
            if alone is not None:
                yield rule, f"the more urgent rule '{alone.id}' is true too"
            else:
                names = " or ".join(f"'{r.id}'" for r in linked)
                yield rule, f"at least one of the more urgent rules {names} is true too"

