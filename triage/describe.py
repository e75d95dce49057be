"""Conditions in plain words, for explain, diagrams, lint messages and the authoring guide."""

from __future__ import annotations

from .model import Any_, Compare, Condition, Not, RuleSet

_OPS = {"at_least": "is at least", "above": "is more than", "at_most": "is at most", "below": "is less than"}


def describe(cond: Condition, rules: RuleSet | None = None, nested: bool = False) -> str:
    if isinstance(cond, Compare):
        if cond.op == "is":
            return f"{cond.question} is {'yes' if cond.value else 'no'}"
        unit = ""
        if rules is not None:
            q = rules.question(cond.question)
            unit = f" {q.unit}" if q.unit else ""
        return f"{cond.question} {_OPS[cond.op]} {cond.value:g}{unit}"
    if isinstance(cond, Not):
        if isinstance(cond.item, Compare) and cond.item.op == "is":
            return f"{cond.item.question} is not {'yes' if cond.item.value else 'no'}"
        return f"not ({describe(cond.item, rules)})"
    word = " or " if isinstance(cond, Any_) else " and "
    text = word.join(describe(c, rules, nested=True) for c in cond.items)
    return f"({text})" if nested and len(cond.items) > 1 else text


def source_title(rules: RuleSet, source_id: str | None) -> str:
    if source_id is None:
        return "none given"
    return next((s.title for s in rules.sources if s.id == source_id), source_id)

