"""Which question to ask next. Pure state, no terminal: the prompt loop and the tests both drive it.

Questions are asked in file order (rule authors put the urgent ones first). In the default mode a
question is asked only while it can still change the result: it must be unanswered, its `ask_when`
condition must not be false, and some rule that is still unknown, and more urgent than the result
already reached, must depend on it. The result already reached is the most urgent level with a true
rule, or the cautious level once an "unsure" answer that nothing still to come can settle holds it there.
Once a rule at the most urgent level is true, nothing is left to ask.
"""

from __future__ import annotations

from .answers import parse_answer
from .domains import exists
from .engine import Result, evaluate_values
from .model import PENDING, Question, RuleSet, Value


class Session:
    def __init__(self, rules: RuleSet, ask_all: bool = False):
        self.rules = rules
        self.ask_all = ask_all
        self.answers: dict[str, Value] = {}
        self.history: list[str] = []
        self._refs = {r.id: set(r.when.questions()) for r in rules.rules}

    def _relevant(self) -> set[str] | None:
        """Question ids that can still change the disposition; None means every question is fair game."""
        if self.ask_all:
            return None
        rules, level = self.rules, self.rules.level
        pending = {q.id for q in rules.questions if q.id not in self.answers}
        result = evaluate_values(rules, {**{p: PENDING for p in pending}, **self.answers})
        limit = min((level(r.disposition) for r in result.fired), default=len(rules.dispositions))
        # A rule left unknown by an "unsure" that no pending answer can settle already holds the
        # result at the cautious level; rules at or below that level can no longer change it.
        stuck = any(o.value is None and self._stuck(o.rule, pending) for o in result.trace) or any(
            q.flag and self.answers.get(q.id, PENDING) is None for q in rules.questions
        )
        if stuck:
            limit = min(limit, len(rules.dispositions) - 2)
        relevant: set[str] = set()
        for outcome in result.trace:
            if outcome.value is None and level(outcome.rule.disposition) < limit:
                relevant |= self._refs[outcome.rule.id]
        if limit == len(rules.dispositions):
            relevant |= {q.id for q in rules.questions if q.flag}
        return relevant

    def _stuck(self, rule, pending: set[str]) -> bool:
        """Whether the rule stays unknown whatever the questions still to come are answered."""
        open_ = [q for q in self._refs[rule.id] if q in pending]
        if not open_:
            return True
        return exists(
            self.rules, open_, lambda v: rule.when.evaluate(v)[0] is not None, base=self.answers, limit=5000
        ) is False

    def remaining(self) -> list[Question]:
        """The questions still to ask, in order, as things stand now (the next one first)."""
        relevant = self._relevant()
        out = []
        for q in self.rules.questions:
            if q.id in self.answers or (relevant is not None and q.id not in relevant):
                continue
            if q.ask_when is not None and q.ask_when.evaluate(self.answers)[0] is False:
                continue
            out.append(q)
        return out

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
