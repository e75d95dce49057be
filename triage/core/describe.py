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
        comparison = COMPARISONS[cond.op]
        unit = rules.question(cond.question).unit if rules is not None else None
        shown = number_text(float(cond.value), unit) if comparison.takes_number else str(cond.value)
        return comparison.text(cond.question, cond.value, shown)
    connective = CONNECTIVES[cond.kind]
    if connective.dominant is None:  # not
        item = cond.items[0]
        shorter = COMPARISONS[item.op].text_negated(item.question, item.value) if isinstance(item, Compare) else None
        return shorter or f"{connective.words}({describe(item, rules)})"
    text = connective.words.join(describe(c, rules, nested=True) for c in cond.items)
    return f"({text})" if nested and len(cond.items) > 1 else text


def source_title(rules: RuleSet, source_id: str | None) -> str:
    if source_id is None:
        return "none given"
    return next((s.title for s in rules.sources if s.id == source_id), source_id)
