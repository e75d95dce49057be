"""Conditions in plain words, for explain, diagrams, lint messages and the authoring guide."""

from __future__ import annotations

from .logic import COMPARISONS, CONNECTIVES
from .model import Compare, Condition, RuleSet


def number_text(x: float, unit: str | None = None) -> str:
    """38.0 -> '38'; with a unit, '38 °C'; a count unit agrees with its number ('1 week')."""
    text = f"{x:g}"
    if not unit:
        return text
    if x == 1 and unit.endswith("s") and unit.isalpha():
        unit = unit[:-1]
    return f"{text} {unit}"


def describe(cond: Condition, rules: RuleSet | None = None, nested: bool = False) -> str:
    if isinstance(cond, Compare):
        words = COMPARISONS[cond.op].words
        if cond.op == "is":
            return f"{cond.question} is {'yes' if cond.value else 'no'}"
        if cond.op == "given":
            return f"{cond.question} {words if cond.value else 'was not given'}"
        unit = rules.question(cond.question).unit if rules is not None else None
        return f"{cond.question} {words} {number_text(float(cond.value), unit)}"
    if cond.kind == "not":
        item = cond.items[0]
        if isinstance(item, Compare) and item.op == "is":
            return f"{item.question} is not {'yes' if item.value else 'no'}"
        return f"{CONNECTIVES['not'].words}({describe(item, rules)})"
    text = CONNECTIVES[cond.kind].words.join(describe(c, rules, nested=True) for c in cond.items)
    return f"({text})" if nested and len(cond.items) > 1 else text


def source_title(rules: RuleSet, source_id: str | None) -> str:
    if source_id is None:
        return "none given"
    return next((s.title for s in rules.sources if s.id == source_id), source_id)
