"""Lint: things a rule file may legally say that are probably not what its author meant.

Each finding is a warning Problem at the rule or question it is about. Loading already turned the
hard errors (unknown ids, wrong types, missing rationale) into errors.
"""

from __future__ import annotations

import re
from typing import Callable, Iterator

from ..core.describe import describe
from ..core.domains import domains, exists
from ..core.errors import Location, Problem
from ..core.locale import ANY_BRACES, TERMS
from ..core.logic import COMPARISONS, CONNECTIVES, NOT_GIVEN, NUMBER_OPS, Value
from ..core.model import Compare, Condition, Question, Rule, RuleSet

# The shadowing check's bounds: beyond them a rule is left unchecked, not guessed. WORK is shared
# out among the rules (at least MIN_WORK each), so the whole check stays within a few seconds.
WORK = 4_000_000
MIN_WORK = 2_000
MAX_LINKED = 32


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
        unknown = [t for t in ANY_BRACES.findall(text) if t not in TERMS]
        if unknown:
            warn(item, f"{field} holds '{{{unknown[0]}}}', which is not a service name and would be shown as written; "
                       f"the service names are {', '.join('{' + t + '}' for t in TERMS)}")
        if _MARKUP.search(text):
            warn(item, f"{field} holds '{_MARKUP.search(text).group(0)}', which looks like terminal markup; "  # type: ignore[union-attr]
                       "it is shown exactly as written (rule files have no formatting)")
    for q in rules.questions:
        hint = _HINT.search(q.text)
        if hint:
            warn(q, f"question '{q.id}' says '{hint.group(0)}': the questionnaire gives its own hints (how to skip, "
                    "unsure, ? and back), so this one would show twice, and in every form export; leave it out")
    for rule, shadow in _shadowed(rules):
        warn(rule, f"rule '{rule.id}' can never decide the result: whenever it is true, {shadow}")
    return found


# How to work the terminal is the interface's to say, never the question's.
_HINT = re.compile(r"\(?\b(?:press|hit)\s+(?:enter|return)\b[^.)]*[.)]*|\benter to skip\b|\btype\s+(?:yes|no|unsure|back|\?)\b",
                   re.IGNORECASE)


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


def _always_true(rules: RuleSet, cond: Condition, limit: int) -> bool | None:
    """True when `cond` holds for every possible set of answers; None when too many to check."""
    found = exists(rules, sorted(set(cond.questions())), lambda v: cond.evaluate(v)[0] is not True,
                   limit=limit, known=domains(rules, [cond]))
    return None if found is None else not found


def _shadowed(rules: RuleSet) -> Iterator[tuple[Rule, str]]:
    """Rules that are true only when some more urgent rule is true as well, found by enumeration.

    Only the more urgent rules that share questions with the rule (directly or through each other)
    can be forced true by it; any other rule can be made false independently, unless it is true for
    every answer, which is checked on its own. The work is bounded per rule (MAX_LINKED rules,
    a share of WORK answer combinations), so a rule file of 100,000 rules is linted in time that
    grows with its length: a rule whose check would need more is left unchecked, never guessed.
    """
    levels = rules.rule_levels
    budget = max(MIN_WORK, WORK // max(1, len(rules.rules)))
    reads = [set(r.when.questions()) for r in rules.rules]
    readers: dict[str, dict[int, list[int]]] = {}  # question -> level -> the rules at it that read it
    for i, qs in enumerate(reads):
        for q in qs:
            readers.setdefault(q, {}).setdefault(levels[i], []).append(i)
    first: dict[tuple[int, Condition], int] = {}  # the first rule at each level with this very condition
    tautologies: list[int] = []
    for i, r in enumerate(rules.rules):
        first.setdefault((levels[i], r.when), i)
        if _always_true(rules, r.when, budget):
            tautologies.append(i)
    groups = _always_true_groups(rules, reads, budget)
    for k, rule in enumerate(rules.rules):
        always = [i for i in tautologies if levels[i] < levels[k]]
        if always:
            yield rule, f"the more urgent rule '{rules.rules[always[0]].id}' is true too (it is true for every answer)"
            continue
        if groups.get(levels[k]):
            names = " or ".join(f"'{rules.rules[i].id}'" for i in groups[levels[k]][0])
            yield rule, f"at least one of the more urgent rules {names} is true too (together they are true for every answer)"
            continue
        same = [first[(lv, rule.when)] for lv in range(levels[k]) if (lv, rule.when) in first]
        if same:
            yield rule, f"the more urgent rule '{rules.rules[min(same)].id}' is true too"
            continue
        shadow = _shadow(rules, k, reads, readers, budget)
        if shadow:
            yield rule, shadow


def _always_true_groups(rules: RuleSet, reads: list[set[str]], budget: int) -> dict[int, list[list[int]]]:
    """For each level, the groups of more urgent rules that share questions and are, together, true
    for every answer (such as 'q is given' and 'q is not given'): one of them is always true, so no
    rule at that level can decide, whatever questions it reads."""
    levels, found = rules.rule_levels, {}
    for level in range(1, len(rules.dispositions)):
        always = []
        for group in _sharing([i for i in range(len(rules.rules)) if levels[i] < level], reads):
            if 1 < len(group) <= MAX_LINKED:
                qids = sorted(set().union(*(reads[i] for i in group)))
                members = [rules.rules[i] for i in group]
                if exists(rules, qids, _none_true(members), limit=budget // (1 + len(group)),
                          known=domains(rules, [r.when for r in members])) is False:
                    always.append(group)
        found[level] = always
    return found


def _none_true(members: list[Rule]) -> Callable[[dict[str, Value]], bool]:
    return lambda v: not any(r.when.evaluate(v)[0] is True for r in members)


def _sharing(indexes: list[int], reads: list[set[str]]) -> list[list[int]]:
    """The rules `indexes` split into groups tied by shared questions (union-find over question ids)."""
    parent: dict[str, str] = {}

    def root(q: str) -> str:
        while parent.setdefault(q, q) != q:
            parent[q] = parent[parent[q]]
            q = parent[q]
        return q

    for i in indexes:
        first, *rest = sorted(reads[i])
        for q in rest:
            parent[root(q)] = root(first)
    parts: dict[str, list[int]] = {}
    for i in indexes:
        parts.setdefault(root(min(reads[i])), []).append(i)
    return list(parts.values())


def _linked(k: int, levels: tuple[int, ...], reads: list[set[str]],
            readers: dict[str, dict[int, list[int]]]) -> tuple[set[str], list[int], bool]:
    """The more urgent rules tied to rule `k` through shared questions (the nearest first), all their
    questions, and whether that is all of them: the walk stops at MAX_LINKED rules."""
    qids, linked, seen = set(reads[k]), list[int](), set[int]()
    todo = sorted(qids)
    while todo:
        by_level = readers[todo.pop(0)]
        for lv in range(levels[k]):
            for i in by_level.get(lv, ()):
                if i not in seen:
                    if len(linked) == MAX_LINKED:
                        return qids, linked, False
                    seen.add(i)
                    linked.append(i)
                    new = reads[i] - qids
                    qids |= new
                    todo.extend(sorted(new))
    return qids, linked, True


def _shadow(rules: RuleSet, k: int, reads: list[set[str]], readers: dict[str, dict[int, list[int]]],
            budget: int) -> str | None:
    """Why rule `k` can never decide, or None. When more urgent rules are tied to it than can be
    checked together, each of the nearest is still checked on its own (a rule that it alone implies)."""
    qids, linked_ids, complete = _linked(k, rules.rule_levels, reads, readers)
    if not linked_ids:
        return None
    rule, linked = rules.rules[k], [rules.rules[i] for i in linked_ids]
    # Each combination evaluates the rule and the linked ones, once for the group and once each.
    limit = budget // (1 + 3 * len(linked))

    def escapes(others: list[Rule], over: set[str]) -> bool | None:
        """Whether some answers make `rule` true and none of `others` true."""
        return exists(rules, sorted(over), lambda v: rule.when.evaluate(v)[0] is True
                      and not any(r.when.evaluate(v)[0] is True for r in others), limit=limit,
                      known=domains(rules, [rule.when, *(r.when for r in others)]))

    if complete and escapes(linked, qids) is not False:
        return None
    # Name a single rule only when that rule alone is implied; otherwise the group.
    alone = next((r for i, r in zip(linked_ids, linked) if escapes([r], reads[k] | reads[i]) is False), None)
    if alone is not None:
        return f"the more urgent rule '{alone.id}' is true too"
    if not complete:
        return None
    names = " or ".join(f"'{rules.rules[i].id}'" for i in sorted(linked_ids))
    return f"at least one of the more urgent rules {names} is true too"

