"""Which question to ask next. Pure state, no terminal: the prompt loop and the tests both drive it.

Questions are asked in file order (rule authors put the urgent ones first). In the default mode a
question is asked only while its answer could still change the result: the disposition or the
headline action. To know that, each rule's possible outcomes are worked out from the answers so
far, with every question still to come free to take any answer, or none (a question that is never
asked counts as not recorded). When every possible combination gives the same disposition and the
same headline, nothing is left to ask. The reasoning over-approximates (rules are treated as if
independent), so it may ask a question that turns out not to matter, never skip one that does.
"""

from __future__ import annotations

from typing import Iterable

from ..core.answers import parse_answer
from ..core.domains import domains
from ..core.logic import COMPARISONS, CONNECTIVES, NOT_RECORDED, UNSURE, Outcome, Unknown, Value
from ..core.model import Compare, Condition, Question, RuleSet
from ..evaluation.engine import Result, contribution, evaluate_values

Possible = frozenset[Outcome]


class Session:
    def __init__(self, rules: RuleSet, ask_all: bool = False):
        self.rules = rules
        self.ask_all = ask_all
        self.answers: dict[str, Value] = {}
        self.history: list[str] = []
        self._domains = {qid: frozenset(d) for qid, d in domains(rules).items()}

    # -- what can still happen ---------------------------------------------------------------
    def _possible(self, cond: Condition, known: dict[str, Value], free: set[str]) -> Possible:
        if isinstance(cond, Compare):
            answers: Iterable[Value] = self._domains[cond.question] if cond.question in free else (known[cond.question],)
            holds = COMPARISONS[cond.op].holds
            return frozenset(holds(a, cond.value) for a in answers)
        parts = [self._possible(item, known, free) for item in cond.items]
        combine = CONNECTIVES[cond.kind].combine
        if len(parts) == 1:
            return frozenset(combine((o,)) for o in parts[0])
        acc = parts[0]
        for part in parts[1:]:
            acc = frozenset(combine((a, b)) for a in acc for b in part)
        return acc

    def _open_questions(self) -> list[Question]:
        """Unanswered questions that may still be asked: their ask_when is not false."""
        rules = self.rules
        pending = {q.id for q in rules.questions if q.id not in self.answers}
        # For ask_when, a question not yet answered is unknown (even an optional number).
        now = {**rules.complete(self.answers), **{p: NOT_RECORDED for p in pending}}
        return [q for q in rules.questions if q.id in pending
                and (q.ask_when is None or q.ask_when.evaluate(now)[0] is not False)]

    def _mattering(self, open_: list[Question]) -> set[str]:
        """Question ids whose answers could still change the disposition or the headline."""
        rules = self.rules
        free = {q.id for q in open_}
        known = rules.complete(self.answers)
        default, cautious = rules.default_level, rules.cautious_level
        outcomes = [self._possible(r.when, known, free) for r in rules.rules]
        levels = [frozenset(contribution(rules, i, o) for o in possible) for i, possible in enumerate(outcomes)]
        flag_levels = []
        for q in rules.questions:
            if q.flag:
                values = self._domains[q.id] if q.id in free else {known[q.id]}
                flag_levels.append(frozenset(cautious if v.__class__ is Unknown else default for v in values))
        every = levels + flag_levels
        best = min(min(s) for s in every) if every else default
        worst = min((max(s) for s in every), default=default)
        # mutant: headline-settled
        if best == worst and self._headline_settled(outcomes, worst):
            return set()
        out: set[str] = set()
        for rule, possible, lv in zip(rules.rules, outcomes, levels):
            if len(possible) > 1 and min(lv) <= worst:
                out.update(q for q in rule.when.questions() if q in free)
        for q, lv in zip((q for q in rules.questions if q.flag), flag_levels):
            if len(lv) > 1 and min(lv) <= worst:
                out.add(q.id)
        # Never stop while the result is open, even if the reasoning found no single question.
        out = out or {q.id for q in open_}
        # Whether a question is asked at all depends on its ask_when: those answers matter too.
        grew = True
        while grew:
            grew = False
            for q in open_:
                if q.id in out and q.ask_when is not None:
                    new = {d for d in q.ask_when.questions() if d in free} - out
                    if new:
                        out |= new
                        grew = True
        return out

    def _headline_settled(self, outcomes: list[Possible], top: int) -> bool:
        rules = self.rules
        for phase, want, level_of in ((0, True, rules.rule_levels), (1, UNSURE, rules.unsure_levels)):
            for i, rule in enumerate(rules.rules):
                has_action = rule.action if phase == 0 else rule.action_if_unsure
                if has_action and level_of[i] == top and want in outcomes[i]:
                    return outcomes[i] == {want}
        return True

    def remaining(self) -> list[Question]:
        """The questions still to ask, in order, as things stand now (the next one first)."""
        open_ = self._open_questions()
        if self.ask_all:
            return open_
        mattering = self._mattering(open_)
        return [q for q in open_ if q.id in mattering]

    def next_question(self) -> Question | None:
        rest = self.remaining()
        return rest[0] if rest else None

    def answer(self, question: Question, raw: object) -> Value:
        """Record an answer; raises AnswerError (and records nothing) when it does not fit."""
        value = parse_answer(question, raw)
        self.answers[question.id] = value
        self.history.append(question.id)
        return value

    def back(self) -> Question | None:
        """Forget the last answer so its question is asked again; None when nothing was answered."""
        if not self.history:
            return None
        qid = self.history.pop()
        del self.answers[qid]
        return self.rules.question(qid)

    @property
    def progress(self) -> tuple[int, int]:
        """(number of the question about to be asked, most questions this session can still reach)."""
        done = len(self.history)
        return done + 1, done + len(self.remaining())

    def result(self) -> Result:
        return evaluate_values(self.rules, self.answers)


def run_through(rules: RuleSet, source: dict[str, object], ask_all: bool = False) -> Session:
    """Answer a session from a mapping, as a person would; for replay and tests."""
    session = Session(rules, ask_all)
    while (q := session.next_question()) is not None:
        session.answer(q, source.get(q.id))
    return session

