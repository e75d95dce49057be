"""Every text a person reads in a rule set, by key, and a rule set with those texts replaced.

A key is the text's path in the rule file ("questions.fever.why", "dispositions.self_care.advice.2"),
so a translation, a region's service names and an export all point at the same place. Only texts
change here: ids, conditions and levels are never touched, so a translated rule set decides exactly
as its source does.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Callable, Iterator, Mapping

from .model import Disposition, Question, Rule, RuleSet, SafetyNet

# The services a rule set's actions name, written `{emergency_number}` in its texts; a region file
# says what each is called in one health system (README, "Regions").
TERMS = ("emergency_number", "emergency_department", "urgent_line", "same_day_service", "doctor")
TERM = re.compile(r"\{(" + "|".join(TERMS) + r")\}")
ANY_BRACES = re.compile(r"\{([a-z_]+)\}")

_QUESTION_TEXTS = ("text", "why", "topic", "unsure_note", "unit")
_RULE_TEXTS = ("rationale", "action", "action_if_unsure")


def texts(rules: RuleSet) -> dict[str, str]:
    """key -> text, in the order a rule file holds them."""
    return dict(_walk(rules))


def _walk(rules: RuleSet) -> Iterator[tuple[str, str]]:
    yield "title", rules.title
    yield "disclaimer", rules.disclaimer
    for d in rules.dispositions:
        base = f"dispositions.{d.id}"
        yield f"{base}.label", d.label
        yield f"{base}.summary", d.summary
        for i, advice in enumerate(d.advice):
            yield f"{base}.advice.{i}", advice
        for i, net in enumerate(d.safety_net):
            yield f"{base}.safety_net.{i}", net.text
    for q in rules.questions:
        for name in _QUESTION_TEXTS:
            if (value := getattr(q, name)) is not None:
                yield f"questions.{q.id}.{name}", value
    for r in rules.rules:
        for name in _RULE_TEXTS:
            if (value := getattr(r, name)) is not None:
                yield f"rules.{r.id}.{name}", value


def rewrite(rules: RuleSet, change: Callable[[str, str], str]) -> RuleSet:
    """The rule set with every text replaced by change(key, text)."""

    def disposition(d: Disposition) -> Disposition:
        base = f"dispositions.{d.id}"
        return dataclasses.replace(
            d, label=change(f"{base}.label", d.label), summary=change(f"{base}.summary", d.summary),
            advice=tuple(change(f"{base}.advice.{i}", a) for i, a in enumerate(d.advice)),
            safety_net=tuple(SafetyNet(change(f"{base}.safety_net.{i}", n.text), n.when) for i, n in enumerate(d.safety_net)))

    def fields(kind: str, item: Question | Rule, names: tuple[str, ...]) -> dict[str, Any]:
        return {n: change(f"{kind}.{item.id}.{n}", v) for n in names if (v := getattr(item, n)) is not None}

    return dataclasses.replace(
        rules, title=change("title", rules.title), disclaimer=change("disclaimer", rules.disclaimer),
        dispositions=tuple(disposition(d) for d in rules.dispositions),
        questions=tuple(dataclasses.replace(q, **fields("questions", q, _QUESTION_TEXTS)) for q in rules.questions),
        rules=tuple(dataclasses.replace(r, **fields("rules", r, _RULE_TEXTS)) for r in rules.rules))


def fill(text: str, names: Mapping[str, str]) -> str:
    """A text with each `{term}` replaced by the region's name for it; other braces stay as written."""
    return TERM.sub(lambda m: names.get(m.group(1), m.group(0)), text)


def terms_in(text: str) -> list[str]:
    return TERM.findall(text)
