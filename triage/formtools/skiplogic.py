"""What the form tools need from a rule set: when each question is shown, and the answer codes.

triage asks a question when its `ask_when` is true **or not known yet** (an unsure or missing answer
never hides a question). Form tools evaluate plain true/false expressions, where an empty answer is
just empty. So each `ask_when` is turned into "could still be true": `not` is pushed down to the
comparisons (De Morgan), a comparison is possibly true when its question is blank or unsure or it
holds, and definitely true only when it holds. The result is a tree of and/or over five kinds of test
on one question, which fhir.py, redcap.py and xlsform.py each write in their own syntax.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Union

from ..core.errors import Location, Problem, RuleFileError
from ..core.logic import COMPARISONS, CONNECTIVES, FORM_OPS
from ..core.model import Condition, Join, Question, RuleSet

# Answer codes, per tool. yes/no questions are single-choice questions with a third answer, unsure:
# a yes/no field cannot say "I don't know", and a blank must stay "not recorded", a different thing.
YES, NO, UNSURE = "yes", "no", "unsure"


@dataclass(frozen=True)
class Test:
    """One question: `is` (the answer is `value`), `is_not` (it is anything else, blank included),
    `blank` (no answer), `answered`, or a number comparison `op` (>=, >, <=, <) that holds."""

    question: str
    kind: str
    value: object = None


@dataclass(frozen=True)
class Tree:
    kind: str  # "and" or "or"
    items: tuple[Expr, ...]


Expr = Union[Test, Tree, bool]

def plain_text(q: Question) -> str:
    """A question's text as a form shows it: the rule file's words only (lint warns about a text that
    carries the terminal's own hints, such as "Enter to skip")."""
    return q.text.strip()


@functools.lru_cache(maxsize=8)
def answer_labels(language: str) -> Mapping[str, str]:
    """The three answers as a form shows them in a language ("Sí", "No", "No sé"), and its range messages
    (with {low} and {high} to fill in), from its interface words."""
    from ..core.words import speaking, w
    from ..read.translation import interface_words

    with speaking(language, interface_words(language)):
        return {YES: w("form.yes"), NO: w("form.no"), UNSURE: w("form.unsure"), "range": w("form.range"),
                "out_of_range": w("form.out_of_range")}


def label(q: Question) -> str:
    """A question's text for a form: plain, with its unit if the text does not say it."""
    text = plain_text(q)
    return f"{text} ({q.unit})" if q.unit and q.unit not in text else text


def shown_when(cond: Condition | None, rules: RuleSet) -> Expr:
    """When a form should show a question with this ask_when: whenever it could still be true."""
    return True if cond is None else _holds(cond, rules, certain=False)


def _or(items: list[Expr]) -> Expr:
    if any(i is True for i in items):
        return True
    items = [i for i in items if i is not False]
    return False if not items else items[0] if len(items) == 1 else Tree("or", tuple(items))


def _and(items: list[Expr]) -> Expr:
    if any(i is False for i in items):
        return False
    items = [i for i in items if i is not True]
    return True if not items else items[0] if len(items) == 1 else Tree("and", tuple(items))


def _holds(cond: Condition, rules: RuleSet, certain: bool) -> Expr:
    """When cond could be true (certain=False) or surely is (certain=True). A `not` swaps the two:
    "not c" could be true exactly when c is not surely true."""
    if isinstance(cond, Join):
        connective = CONNECTIVES[cond.kind]
        if connective.flips():
            return _not(_holds(cond.items[0], rules, not certain))
        parts = [_holds(c, rules, certain) for c in cond.items]
        return _and(parts) if connective.dominant is False else _or(parts)
    expr: Expr = COMPARISONS[cond.op].form(TERMS, rules.question(cond.question), cond.value, certain)
    return expr


class _Terms:
    """How a comparison writes its form-tool tests (logic.FormTerms)."""

    def test(self, question: str, kind: str, value: object = None) -> Expr:
        return Test(question, kind, value)

    def either(self, items: list[Expr]) -> Expr:
        return _or(items)


TERMS = _Terms()
# The tests that are not a number comparison, and each one's negation.
_NEGATION = {"is": "is_not", "is_not": "is", "blank": "answered", "answered": "blank"}


def _not(expr: Expr) -> Expr:
    if isinstance(expr, bool):
        return not expr
    if isinstance(expr, Tree):
        parts = [_not(i) for i in expr.items]
        return _or(parts) if expr.kind == "and" else _and(parts)
    return _negate_test(expr)


def _negate_test(t: Test) -> Expr:
    if t.kind in _NEGATION:
        return Test(t.question, _NEGATION[t.kind], t.value)
    opposite = COMPARISONS[FORM_OPS[t.kind].opposite]
    return _or([Test(t.question, "blank"), Test(t.question, opposite.operator, t.value)])  # type: ignore[attr-defined]


def render(expr: Expr, test: Callable[[Test], str], and_: str, or_: str, true: str, false: str) -> str:
    """An expression in a tool's syntax: `test` writes one test; and/or are bracketed where nested."""
    if expr is True:
        return true
    if expr is False:
        return false
    if isinstance(expr, Test):
        return test(expr)
    assert isinstance(expr, Tree)
    joiner = and_ if expr.kind == "and" else or_
    return joiner.join(f"({render(i, test, and_, or_, true, false)})" if isinstance(i, Tree)
                       else render(i, test, and_, or_, true, false) for i in expr.items)


def number(x: float) -> str:
    """A bound as a form tool writes it: 38 for 38.0, every digit otherwise."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


@dataclass(frozen=True)
class Infix:
    """A tool whose conditions compare variables with quoted values, joined by and/or (REDCap's
    branching logic, ODK's XPath): how it names a question, spells an answer and says "not equal"."""

    var: Callable[[str], str]
    code: Callable[[str], str]  # yes, no or unsure -> the value the tool stores
    not_equal: str
    true: str
    false: str

    def write(self, expr: Expr) -> str:
        """The expression in this syntax ('' for always shown)."""
        def test(t: Test) -> str:
            var, ne = self.var(t.question), self.not_equal
            if t.kind in ("is", "is_not"):
                return f"{var} {'=' if t.kind == 'is' else ne} '{self.code(str(t.value))}'"
            if t.kind in ("blank", "answered"):
                return f"{var} {'=' if t.kind == 'blank' else ne} ''"
            op = ne if t.kind == "!=" else t.kind  # a comparison's operator, in this tool's spelling
            return f"({var} {ne} '' and {var} {op} {number(float(t.value))})"  # type: ignore[arg-type]
        return "" if expr is True else render(expr, test, " and ", " or ", self.true, self.false)


def evaluate(expr: Expr, answers: dict[str, object]) -> bool:
    """The expression on form answers (yes/no/unsure as words, numbers as floats, None when blank):
    what a form tool computes, for tests that compare it with the questionnaire."""
    if isinstance(expr, bool):
        return expr
    if isinstance(expr, Tree):
        results = [evaluate(i, answers) for i in expr.items]
        return all(results) if expr.kind == "and" else any(results)
    value = answers.get(expr.question)
    if expr.kind == "blank":
        return value is None
    if expr.kind == "answered":
        return value is not None
    if expr.kind == "is":
        return value == expr.value
    if expr.kind == "is_not":
        return value != expr.value
    if not isinstance(value, float):
        return False
    return FORM_OPS[expr.kind].test(value, float(expr.value))  # type: ignore[arg-type]


def id_problems(rules: RuleSet, reserved: Iterable[str], tool: str, longest: int | None = None) -> list[Problem]:
    """Question ids that a tool reserves, adds itself or cannot hold, each at the question's line."""
    taken = set(reserved)
    found = []
    for q in rules.questions:
        where = Location(rules.path, q.line or None, q.column or None)
        if q.id in taken:
            found.append(Problem(where, f"question id '{q.id}' is reserved by {tool} (or added by triage's export); rename it"))
        elif longest is not None and len(q.id) > longest:
            found.append(Problem(where, f"question id '{q.id}' is longer than the {longest} characters {tool} allows"))
    return found


def refuse(problems: list[Problem]) -> None:
    """Export nothing that the tool would reject or misread: every problem at its line."""
    if problems:
        raise RuleFileError(problems)
