"""The one vocabulary of conditions: every evaluator, renderer and reasoner reads its meaning here.

A condition's outcome is True, False, or an Unknown that carries its kind: UNSURE (a person said
"unsure", "don't know", ...) or NOT_RECORDED (a blank cell, a missing key). Both are unknown to the
Kleene logic; when an `any` or `all` stays unknown, "unsure" wins over "not recorded", because a
person's doubt says more than a blank cell. `not` keeps the kind.

Each comparison word (`is`, `at_least`, ..., `given`) and each connective (`all`, `any`, `not`) is
one object below that owns its meaning: its truth test, its compiled closure, its SQL, its words,
its form-tool spelling and (for a number) the comparison that is its negation. The loader, the
engine, the compiled batch path, SQL, `describe`, lint, the questionnaire and the form tools all ask
the object and never branch on its name, so a new comparison is one `register(...)` call (the tests
add one and watch every evaluator and renderer use it).
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Protocol, Sequence, Union


class Unknown:
    """An unknown outcome or answer, of one kind. There are exactly two instances."""

    __slots__ = ("kind",)

    def __init__(self, kind: str):
        self.kind = kind

    def __repr__(self) -> str:
        return self.kind.upper().replace(" ", "_")

    def __reduce__(self) -> str:
        # Pickled (for --jobs workers) as the module-level singleton, so `is` still works.
        return "UNSURE" if self.kind == "unsure" else "NOT_RECORDED"


UNSURE = Unknown("unsure")
NOT_RECORDED = Unknown("not recorded")


class _NotGiven:
    """An optional question left blank: never unknown. An optional number (also one answered
    "unsure") compares false; an optional yes/no question reads as no, so `is: no` holds."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = _NotGiven()

Outcome = Union[bool, Unknown]
# A normalised answer: yes/no -> True/False; a number -> float; or UNSURE, NOT_RECORDED, NOT_GIVEN.
Value = Union[bool, float, Unknown, _NotGiven]


def is_unknown(value: object) -> bool:
    return value.__class__ is Unknown


def unknown_of(outcomes: Iterable[Outcome]) -> Unknown:
    """The kind of an unknown made of these unknown parts: unsure wins over not recorded."""
    return UNSURE if any(o is UNSURE for o in outcomes) else NOT_RECORDED


def kleene(dominant: bool, outcomes: Iterable[Outcome]) -> Outcome:
    """Kleene any (dominant True) or all (dominant False), keeping the kind of an unknown.

    Lazy: stops at the first dominant outcome, so `outcomes` may be a generator.
    """
    unknown: Unknown | None = None
    for o in outcomes:
        if o is dominant:
            return dominant
        # mutant: kleene-kind
        if isinstance(o, Unknown) and unknown is not UNSURE:
            unknown = o
    return (not dominant) if unknown is None else unknown


def negate(outcome: Outcome) -> Outcome:
    return outcome if outcome.__class__ is Unknown else not outcome


FALSE_SQL = "FALSE"
Slots = Sequence[object]  # the compiled evaluator's answers, one slot per question (see packed.py)

# Outcomes as small integers, for evaluators that work on whole columns at once (the columnar batch
# path). The order makes Kleene `any` the maximum: a true part decides, and among unknown parts
# "unsure" wins over "not recorded", as in kleene() above.
CODED: tuple[Outcome, ...] = (False, NOT_RECORDED, UNSURE, True)
# `all` is the minimum in the order false < unsure < not recorded < true (unsure still wins among
# unknowns): that order is CODED with the two unknowns swapped, so `all` reads its parts through this.
SWAP_UNKNOWNS = (0, 2, 1, 3)
NEGATED = (3, 1, 2, 0)  # `not`: true and false change places, an unknown keeps its kind


def code_of(outcome: Outcome) -> int:
    return 3 if outcome is True else 0 if outcome is False else 2 if outcome is UNSURE else 1


class SqlTerms(Protocol):
    """What a comparison needs from the SQL compiler: a question's cell as a value, in its dialect."""

    def yesno(self, q: Any) -> str: ...  # TRUE, FALSE or NULL (unknown)
    def number(self, q: Any) -> str: ...  # the number, or NULL
    def said_unsure(self, q: Any) -> str: ...  # never NULL: the cell says "unsure"


class FrameTerms(Protocol):
    """What a comparison or connective needs from a columnar evaluator: columns of outcome codes (CODED)."""

    def answers(self, q: Any, outcome: Callable[[object], Outcome]) -> Any: ...  # q's answers through a test
    def maximum(self, parts: list[Any]) -> Any: ...
    def minimum(self, parts: list[Any]) -> Any: ...
    def table(self, part: Any, codes: Sequence[int]) -> Any: ...  # each code c of part becomes codes[c]


class FormTerms(Protocol):
    """What a comparison needs from the form tools: tests on one question, and and/or over them."""

    def test(self, question: str, kind: str, value: object = None) -> Any: ...
    def either(self, items: list[Any]) -> Any: ...


class Comparison:
    """One way of comparing a question's answer with a value in a rule file. It alone knows what it
    means: every evaluator, renderer and tool asks it, and none branches on its name."""

    key: str  # the word in the rule file
    applies_to: str  # "yesno", "number", or "optional" (optional numbers only)
    words: str  # for people, between the question and the value
    symbol: str

    @property
    def takes_number(self) -> bool:
        """Whether the rule file gives it a number (otherwise yes or no)."""
        return self.applies_to == "number"

    def holds(self, answer: object, value: Any) -> Outcome:
        """The outcome for one normalised answer (see Value); an unknown answer gives its own kind."""
        raise NotImplementedError

    def text(self, question: str, value: Any, shown: str) -> str:
        """In plain words; `shown` is the value as people read it (a number with its unit)."""
        raise NotImplementedError

    def text_negated(self, question: str, value: Any) -> str | None:
        """Its negation in plain words, where shorter than "not (...)"."""
        return None

    def slot_test(self, i: int, value: Any, optional: bool, signature_index: int) -> Callable[[Slots], Outcome]:
        """A closure over the compiled evaluator's slots (a number's slot holds its signature)."""
        raise NotImplementedError

    def sql(self, terms: SqlTerms, q: Any, value: Any) -> tuple[str, str]:
        """(value: TRUE, FALSE or NULL for unknown; unsure: never NULL, true when unknown through "unsure")."""
        raise NotImplementedError

    def form(self, terms: FormTerms, q: Any, value: Any, certain: bool) -> Any:
        """When a form could show it true (certain=False) or surely does (certain=True)."""
        raise NotImplementedError

    def frame(self, terms: FrameTerms, q: Any, value: Any) -> Any:
        """A column of outcome codes: the evaluator applies `holds` to one answer of each kind the rules
        can tell apart, so the columns mean exactly what this comparison means for one answer."""
        return terms.answers(q, lambda answer: self.holds(answer, value))

    def misfit(self, q: Any) -> str | None:
        """Why it cannot be used on question q (None when it can)."""
        raise NotImplementedError


class Is(Comparison):
    key, applies_to, words, symbol = "is", "yesno", "is", "="

    def holds(self, answer: object, value: Any) -> Outcome:
        if answer.__class__ is Unknown:
            return answer
        return (False if answer is NOT_GIVEN else answer) is value  # an optional question not given reads as no

    def text(self, question: str, value: Any, shown: str) -> str:
        return f"{question} is {'yes' if value else 'no'}"

    def text_negated(self, question: str, value: Any) -> str | None:
        return f"{question} is not {'yes' if value else 'no'}"

    def slot_test(self, i: int, value: Any, optional: bool, signature_index: int) -> Callable[[Slots], Outcome]:
        if optional:
            return lambda s: self.holds(s[i], value)
        # A plain "is yes" reads its slot as the outcome: unknowns pass through with their kind.
        if value is True:
            return lambda s: s[i]  # type: ignore[return-value]
        return lambda s: s[i] if s[i].__class__ is Unknown else s[i] is value  # type: ignore[return-value]

    def sql(self, terms: SqlTerms, q: Any, value: Any) -> tuple[str, str]:
        answer = terms.yesno(q)
        return (answer if value else f"(NOT {answer})"), terms.said_unsure(q)

    def form(self, terms: FormTerms, q: Any, value: Any, certain: bool) -> Any:
        want, other = ("yes", "no") if value else ("no", "yes")
        # Certain: the answer is `want`. Possible: it is not the opposite (blank and unsure included).
        # mutant: form-possible
        return terms.test(q.id, "is", want) if certain else terms.test(q.id, "is_not", other)

    def misfit(self, q: Any) -> str | None:
        return None if q.type == "yesno" else f"'{q.id}' is a number question; compare it with {_number_words()}"


class Given(Comparison):
    key, applies_to, words, symbol = "given", "optional", "was given", "given"

    def holds(self, answer: object, value: Any) -> Outcome:
        if answer.__class__ is Unknown:
            return answer
        return (answer is not NOT_GIVEN) is value

    def text(self, question: str, value: Any, shown: str) -> str:
        return f"{question} {self.words if value else 'was not given'}"

    def slot_test(self, i: int, value: Any, optional: bool, signature_index: int) -> Callable[[Slots], Outcome]:
        # mutant: compiled-given
        return lambda s: s[i] if s[i].__class__ is Unknown else (s[i] is not NOT_GIVEN) is value  # type: ignore[return-value]

    def sql(self, terms: SqlTerms, q: Any, value: Any) -> tuple[str, str]:
        given = f"({terms.number(q)} IS NOT NULL)"
        return (given if value else f"(NOT {given})"), FALSE_SQL

    def form(self, terms: FormTerms, q: Any, value: Any, certain: bool) -> Any:
        # A blank number is not yet known while a form is being filled in.
        if value:
            return terms.test(q.id, "answered") if certain else True
        return False if certain else terms.test(q.id, "blank")

    def misfit(self, q: Any) -> str | None:
        ok = q.type == "number" and q.optional
        return None if ok else f"'given' tests an optional number question; '{q.id}' is not one"


class NumberComparison(Comparison):
    """A threshold on a number: its Python test, its SQL and form-tool operator, and the comparison
    that holds exactly when it does not (for a number: `not` pushed down in form tools)."""

    applies_to = "number"

    def __init__(self, key: str, words: str, symbol: str, operator_: str, test: Callable[[float, float], bool], opposite: str):
        self.key, self.words, self.symbol, self.operator, self.test, self.opposite = key, words, symbol, operator_, test, opposite

    def __repr__(self) -> str:
        return f"NumberComparison({self.key!r})"

    def holds(self, answer: object, value: Any) -> Outcome:
        if answer.__class__ is Unknown:
            return answer
        if answer is NOT_GIVEN:
            return False
        return self.test(answer, value)  # type: ignore[arg-type]

    def text(self, question: str, value: Any, shown: str) -> str:
        return f"{question} {self.words} {shown}"

    def slot_test(self, i: int, value: Any, optional: bool, signature_index: int) -> Callable[[Slots], Outcome]:
        k = signature_index

        def number(s: Slots) -> Outcome:
            v = s[i]
            if v.__class__ is tuple:
                return v[k]  # type: ignore[no-any-return]
            return False if v is NOT_GIVEN else v  # type: ignore[return-value]

        return number

    def sql(self, terms: SqlTerms, q: Any, value: Any) -> tuple[str, str]:
        test = f"({terms.number(q)} {self.operator} {float(value)!r})"
        if q.optional:
            return f"COALESCE({test}, FALSE)", FALSE_SQL  # not given: false, never unknown
        return test, terms.said_unsure(q)

    def form(self, terms: FormTerms, q: Any, value: Any, certain: bool) -> Any:
        test = terms.test(q.id, self.operator, float(value))
        return test if certain else terms.either([terms.test(q.id, "blank"), test])

    def misfit(self, q: Any) -> str | None:
        return None if q.type == "number" else f"'{q.id}' is a yes/no question; write 'is: yes' or 'is: no'"

    def never_or_always(self, lo: float, hi: float, value: float) -> tuple[bool, bool]:
        """Whether no answer from lo to hi makes it true, and whether every one does."""
        points = [x for x in (lo, hi, value, math.nextafter(value, -math.inf), math.nextafter(value, math.inf)) if lo <= x <= hi]
        results = [self.test(x, value) for x in points]
        return not any(results), all(results)


@dataclass(frozen=True)
class Connective:
    """`all`, `any` or `not`: how parts combine, in Python, in SQL, in words and in form tools."""

    key: str
    words: str  # joins parts in plain words
    sql_word: str  # joins parts in SQL (NOT is a prefix)
    combine: Callable[[Iterable[Outcome]], Outcome]
    dominant: bool | None  # the outcome that decides alone (None for not)

    def sql(self, parts: list[tuple[str, str]]) -> tuple[str, str]:
        """(value, unsure) from the parts' (value, unsure); unsure wins over not recorded, as in kleene."""
        if self.dominant is None:
            value, unsure = parts[0]
            return f"({self.sql_word}{value})", unsure
        value = "(" + self.sql_word.join(v for v, _ in parts) + ")"
        unsure_parts = [u for _, u in parts if u != FALSE_SQL]
        if not unsure_parts:
            return value, FALSE_SQL
        return value, f"({value} IS NULL AND ({' OR '.join(unsure_parts)}))"

    def closure(self, parts: list[Callable[[Slots], Outcome]]) -> Callable[[Slots], Outcome]:
        if self.dominant is None:
            inner = parts[0]
            # mutant: compiled-not
            return lambda s: negate(inner(s))
        combine = self.combine
        return lambda s: combine(part(s) for part in parts)

    def vector(self, codes: Sequence[int]) -> int:
        """Its meaning on outcome codes (CODED): `any` the maximum, `all` the minimum with unsure winning,
        `not` a table. The tests hold this equal to `combine` on every combination of outcomes."""
        if self.dominant is None:
            return NEGATED[codes[0]]
        if self.dominant:
            return max(codes)
        return SWAP_UNKNOWNS[min(SWAP_UNKNOWNS[c] for c in codes)]

    def frame(self, terms: FrameTerms, parts: list[Any]) -> Any:
        """The same meaning as vector, over columns of outcome codes."""
        if self.dominant is None:
            return terms.table(parts[0], NEGATED)
        if self.dominant:
            return terms.maximum(parts)
        return terms.table(terms.minimum([terms.table(p, SWAP_UNKNOWNS) for p in parts]), SWAP_UNKNOWNS)

    def flips(self) -> bool:
        """Whether it turns "could be true" into "surely true" for its part (form tools)."""
        return self.dominant is None


CONNECTIVES = {
    "all": Connective("all", " and ", " AND ", lambda parts: kleene(False, parts), False),
    "any": Connective("any", " or ", " OR ", lambda parts: kleene(True, parts), True),
    "not": Connective("not", "not ", "NOT ", lambda parts: negate(next(iter(parts))), None),
}

COMPARISONS: dict[str, Comparison] = {}
NUMBER_OPS: dict[str, NumberComparison] = {}  # the number comparisons, by key
FORM_OPS: dict[str, NumberComparison] = {}  # the same, by their form-tool operator


def register(comparison: Comparison) -> Comparison:
    """Add a comparison to the vocabulary: the loader, every evaluator, renderer and tool then know it."""
    COMPARISONS[comparison.key] = comparison
    if isinstance(comparison, NumberComparison):
        NUMBER_OPS[comparison.key] = comparison
        FORM_OPS[comparison.operator] = comparison
    return comparison


def unregister(key: str) -> None:
    comparison = COMPARISONS.pop(key)
    if isinstance(comparison, NumberComparison):
        del NUMBER_OPS[key], FORM_OPS[comparison.operator]


def _number_words() -> str:
    keys = list(NUMBER_OPS)
    return ", ".join(keys[:-1]) + f" or {keys[-1]}" if len(keys) > 1 else "".join(keys)


for _c in (
    Is(),
    NumberComparison("at_least", "is at least", "≥", ">=", operator.ge, "below"),
    NumberComparison("above", "is more than", ">", ">", operator.gt, "at_most"),
    NumberComparison("at_most", "is at most", "≤", "<=", operator.le, "above"),
    NumberComparison("below", "is less than", "<", "<", operator.lt, "at_least"),
    Given(),
):
    register(_c)


def compare(op: str, answer: object, value: object) -> Outcome:
    """The outcome of one comparison for one normalised answer (see Value)."""
    return COMPARISONS[op].holds(answer, value)
