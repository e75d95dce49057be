"""The whole rule set as a tree for the terminal: dispositions, their rules in plain words, why, source."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core.describe import describe, source_title
from ..core.model import RuleSet
from ..core.words import w
from .result import STYLES

if TYPE_CHECKING:
    from rich.console import Group
    from rich.tree import Tree


class _Lines:
    """A Tree's add(), drawn as indented lines with no guide characters: plain mode's tree."""

    def __init__(self, label: Any, depth: int = 0, out: list[Any] | None = None):
        from rich.text import Text

        self.depth, self.out = depth, [] if out is None else out
        self.out.append(Text.assemble("  " * depth, label))

    def add(self, label: Any) -> _Lines:
        return _Lines(label, self.depth + 1, self.out)


def explain_tree(rules: RuleSet, plain: bool = False) -> Tree | Group:
    """The rule set as a tree; plain, as indented lines that a screen reader reads without noise."""
    from rich.console import Group
    from rich.text import Text
    from rich.tree import Tree

    top = Text.assemble((rules.title, "bold"), f"  ({rules.id} {rules.version})")
    if plain:
        lines = _Lines(top)
        _fill(lines, rules)
        return Group(*lines.out)
    tree = Tree(top)
    _fill(tree, rules)
    return tree


def _fill(tree: Any, rules: RuleSet) -> None:
    from rich.text import Text

    for i, d in enumerate(rules.dispositions):
        style = STYLES.get(d.colour, "bold")
        if i == rules.default_level:
            how = w("explain.default")
        elif i == rules.cautious_level:
            how = w("explain.cautious")
        elif i == 0:
            how = w("explain.first")
        else:
            how = w("explain.other")
        branch = tree.add(Text.assemble((d.label, style), f" ({d.id}) ", (how, "italic")))
        for rule in (r for r in rules.rules if r.disposition == d.id):
            node = branch.add(Text.assemble((rule.id, "bold"), ": when ", describe(rule.when, rules)))
            node.add(Text.assemble((w("explain.why"), "cyan"), rule.rationale))
            if rule.action:
                node.add(Text.assemble((w("explain.action"), "cyan"), rule.action))
            unsure_level = rules.dispositions[rules.unsure_levels[rules.rules.index(rule)]]
            node.add(Text.assemble((w("explain.if_unsure"), "cyan"), unsure_level.label.lower(),
                                   f" — {rule.action_if_unsure}" if rule.action_if_unsure else ""))
            node.add(Text.assemble((w("explain.source"), "cyan"), source_title(rules, rule.source)))
    questions = tree.add(Text(w("explain.questions"), style="bold"))
    for q in rules.questions:
        extra = ["yes/no"] if q.type != "number" else []
        if q.flag:
            extra.append("red flag")
        if q.type == "number":
            extra.append(f"number {q.minimum:g}–{q.maximum:g}{' ' + q.unit if q.unit else ''}" if q.minimum is not None and q.maximum is not None else "number")
        if q.optional:
            extra.append("optional")
        if q.ask_when is not None:
            extra.append(f"asked when {describe(q.ask_when, rules)}, or when that is not known yet")
        questions.add(Text.assemble((q.id, "bold"), f" [{', '.join(extra)}]: ", q.text))
    tree.add(Text(rules.disclaimer, style="italic"))
