"""A row's answers packed into one integer, and the batch decision built from cached parts.

Batch files bring many combinations of answers that were never seen before (a third of the rows of
the benchmark file have a result of their own), so caching whole decisions is not enough. Instead:

- Each question owns a few bits of a key: bit 0 says "unsure", bit 1 "not recorded", the bits above
  say which known value (yes, no, or a number as the rules see it). Every cell spelling maps straight
  to its question's bits, already shifted, so a row's key is one `sum` in C.
- The rules are cut into groups of neighbours in file order. A group's part of the decision (which of
  its rules are true, unsure or not recorded) depends only on the bits of the questions it reads, and
  each group sees few distinct combinations, so parts are cached per group.
- The disposition, headline action and "could not be ruled out" depend on the parts only through the
  levels and actions involved, so that head is cached on those. Fired rules and the answers left
  unsure or not recorded are joined from the parts' own texts.

The decision itself is engine.choose, run on a stand-in for the row's outcomes that keeps everything
choose looks at; the differential tests check that this equals the engine on generated rule sets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable, NamedTuple, Sequence

from ..core.logic import COMPARISONS, CONNECTIVES, NOT_GIVEN, NOT_RECORDED, NUMBER_OPS, UNSURE, Outcome, Slots, Unknown, Value
from ..core.model import NUMBER, Compare, Condition, RuleSet
from .engine import choose, contribution, unknown_reads




class Compiled:
    """A rule set compiled once into closures over a flat list of answers, for scoring many rows fast.

    Each question gets a slot. A yes/no slot holds True, False, UNSURE or NOT_RECORDED (NOT_GIVEN for an
    optional one). A number slot
    holds NOT_GIVEN, UNSURE, NOT_RECORDED, or a tuple with the outcome of every comparison the rules make
    on that question: after that, no rule needs the number itself, so rows that differ only in ways no
    rule can see share one key in the result cache. Nothing here is `eval`: conditions become nested
    Python closures whose meaning comes from logic.py. Packed below builds batch decisions on these.
    """

    def __init__(self, rules: RuleSet):
        self.rules = rules
        self.index = {q.id: i for i, q in enumerate(rules.questions)}
        # Every distinct comparison on each number question, in a fixed order.
        self.number_tests: dict[str, list[tuple[str, float]]] = {q.id: [] for q in rules.questions if q.type == NUMBER}
        for rule in rules.rules:
            for c in rule.when.compares():
                if c.op in NUMBER_OPS and (c.op, c.value) not in self.number_tests[c.question]:
                    self.number_tests[c.question].append((c.op, float(c.value)))
        self.tests = [self._compile(r.when) for r in rules.rules]
        self.flagged = [(self.index[q.id], q.id) for q in rules.questions if q.flag]
        # Which slots each rule reads: what its outcome depends on, and the answers an unknown rule
        # leaves unsure or not recorded.
        self.reads = [sorted({self.index[q] for q in r.when.questions()}) for r in rules.rules]

    def signature(self, qid: str, value: Value) -> object:
        """A number as the rules see it: the outcome of each of their comparisons."""
        if value.__class__ is not float:
            return value  # not given, unsure or not recorded
        return tuple(NUMBER_OPS[op].test(value, bound) for op, bound in self.number_tests[qid])

    def _compile(self, cond: Condition) -> Callable[[Slots], Outcome]:
        if isinstance(cond, Compare):
            comparison = COMPARISONS[cond.op]
            i = self.index[cond.question]
            tests = self.number_tests.get(cond.question, [])
            k = tests.index((cond.op, float(cond.value))) if (cond.op, float(cond.value)) in tests else -1
            return comparison.slot_test(i, cond.value, self.rules.question(cond.question).optional, k)
        return CONNECTIVES[cond.kind].closure([self._compile(c) for c in cond.items])


# A question's code for an unsure and for a not-recorded answer (its two low bits; known answers are
# numbered above them): the masks below and the columnar path read them.
ANSWER_UNSURE, ANSWER_NOT_RECORDED = 1, 2
GROUP_QUESTIONS = 7  # questions a group of rules may read before a new group starts (one rule may read more)


@dataclass(frozen=True)
class CacheLimits:
    """How many entries each bounded cache may hold, so that memory stays flat however long the file.
    Passed in, not module globals: a --jobs worker runs with half of each (see halved)."""

    results: int = 8192  # batch: answers key -> result entry, in each of two generations
    table: int = 4096  # batch: per column, cell text -> answer
    shares: int = 4096  # per group of rules, its shares; and the decision heads
    memo: int = 4096  # per rule, its outcomes; per group, its summaries; the question-list texts

    def halved(self) -> CacheLimits:
        """For a --jobs worker, which also holds the pages it shares with its parent: half-size caches
        keep each under the memory budget of one process (its part repeats about as much as the whole)."""
        return replace(self, results=self.results // 2, shares=self.shares // 2)


class Share(NamedTuple):
    """One group's share of a decision, for one combination of the answers it reads."""

    fired_text: str  # its true rules, joined with ';'
    fired: tuple[int, ...]
    top_sure: int  # the most urgent level its true rules and unsure rules ask for (the default if none)
    any_blank: bool  # one of its rules is unknown only through answers not recorded
    views: tuple[int, ...]  # per possible result level: what the head needs from this group (a View id)
    unsure: int  # key bits of unsure answers read by its unknown rules
    not_recorded: int  # the same for answers not recorded


class View(NamedTuple):
    """What engine.choose reads from one group once the result's level is known."""

    below: tuple[int, ...]  # unknown rules more urgent than the result: "could not be ruled out"
    true_at: bool  # a true rule at the result's level
    action: int | None  # the first true rule at that level with an action
    unsure_action: int | None  # the first unsure rule whose "if unsure" level it is, with an action for it
    at: tuple[int, ...]  # unknown rules that ask for exactly the result's level
    same: tuple[int, ...] = ()  # unknown rules whose own level is the result's


class Group(NamedTuple):
    """Neighbouring rules decided together: the key bits they read, and their shares by those bits."""

    rules: range
    mask: int
    shares: dict[int, Share]


class GroupSummary(NamedTuple):
    """What a group's rules' outcomes give the decision, whatever the answers behind them."""

    fired_text: str  # its true rules, joined with ';'
    fired: tuple[int, ...]
    top_sure: int
    any_blank: bool
    views: tuple[int, ...]
    read_by_unknown: int  # key bits read by its unknown rules


class Head(NamedTuple):
    """The part of a decision that depends on the result's level: the cells as text (the writers quote)."""

    level: int
    raised: bool
    disposition: str
    action: str
    unknown: str  # rules that could not be ruled out, then flag:<question> for red flags left unknown
    raised_text: str  # "yes" or ""


class Decision(NamedTuple):
    """Everything a result row holds for a key."""

    head: Head
    fired_text: str
    fired: tuple[int, ...]
    unsure: int  # key bits: unsure answers the unknown rules read (and red flags answered unsure)
    not_recorded: int  # the same for answers not recorded


class Packed:
    def __init__(self, rules: RuleSet, compiled: Compiled | None = None, limits: CacheLimits | None = None):
        self.rules = rules
        self.limits = limits or CacheLimits()
        self.compiled = compiled or Compiled(rules)
        c = self.compiled
        self.shift: list[int] = []
        self.width: list[int] = []
        self.values: list[list[object]] = []  # per question: code -> value as the compiled tests read it
        self.codes: list[dict[object, int]] = []  # per question: value -> code (unshifted)
        # Per question: code -> one answer (a Value) with that code, for evaluators that apply a
        # comparison's own test to each kind of answer (the columnar path); None for unused codes.
        self.answers: list[list[object]] = []
        at = 0
        for q in rules.questions:
            yesno: list[object] = [True, False, NOT_GIVEN] if q.optional else [True, False]
            known = list(zip(yesno, yesno)) if q.type != NUMBER else _signatures(c, q.id)
            bits = 2 + max(1, (len(known) - 1).bit_length())
            codes: dict[object, int] = {UNSURE: ANSWER_UNSURE, NOT_RECORDED: ANSWER_NOT_RECORDED}
            values: list[object] = [None] * (1 << bits)
            answers = values[:]
            values[ANSWER_UNSURE] = answers[ANSWER_UNSURE] = UNSURE
            values[ANSWER_NOT_RECORDED] = answers[ANSWER_NOT_RECORDED] = NOT_RECORDED
            for n, (v, answer) in enumerate(known):
                codes[v] = n << 2
                values[n << 2], answers[n << 2] = v, answer
            self.shift.append(at)
            self.width.append(bits)
            self.codes.append(codes)
            self.values.append(values)
            self.answers.append(answers)
            at += bits
        self.unsure_mask = sum(1 << s for s in self.shift)
        self.not_recorded_mask = self.unsure_mask << 1
        self.question_ids = [q.id for q in rules.questions]
        self.rule_ids = [r.id for r in rules.rules]
        flagged = [i for i, _ in c.flagged]
        self.flag_mask = self._mask(flagged)
        self.flag_unknown_bits = self.flag_mask & (self.unsure_mask | self.not_recorded_mask)
        # Per optional yes/no question: its field in the key, and the field's bits when it was not given.
        self.screens = [(((1 << self.width[i]) - 1) << self.shift[i], self.code(i, NOT_GIVEN), q.id)
                        for i, q in enumerate(rules.questions) if q.optional and q.type != NUMBER]
        self.groups = self._groups()
        self.rule_masks = [self._mask(r) for r in c.reads]
        self.rule_memo: list[dict[int, Outcome]] = [{} for _ in c.reads]
        # Per group: its rules' outcomes -> their summary (at most 4 ** rules in the group; few occur).
        self.summaries: list[dict[tuple[Outcome, ...], GroupSummary]] = [
            {} for _ in self.groups]
        self.flag_unsure = self.flag_mask & self.unsure_mask
        self.flag_not_recorded = self.flag_mask & self.not_recorded_mask
        self.default, self.cautious = rules.default_level, rules.cautious_level
        self.heads: dict[tuple[int, ...], Head] = {}
        self.view_ids: list[dict[View, int]] = [{} for _ in self.groups]
        self.view_info: list[list[View]] = [[] for _ in self.groups]
        self.texts: dict[int, str] = {}

    def _mask(self, slots: Sequence[int]) -> int:
        return sum(((1 << self.width[i]) - 1) << self.shift[i] for i in set(slots))

    def _groups(self) -> list[Group]:
        groups: list[Group] = []
        start, read = 0, set[int]()
        for i, slots in enumerate(self.compiled.reads):
            if i > start and len(read | set(slots)) > GROUP_QUESTIONS:
                groups.append(Group(range(start, i), self._mask(sorted(read)), {}))
                start, read = i, set()
            read |= set(slots)
        if self.compiled.reads:
            groups.append(Group(range(start, len(self.compiled.reads)), self._mask(sorted(read)), {}))
        return groups

    def code(self, slot: int, value: object) -> int:
        """A value's bits in the key, already shifted."""
        return self.codes[slot][value] << self.shift[slot]

    def slots(self, key: int) -> list[object]:
        """The answers a key stands for, as the compiled tests read them (question order)."""
        return [values[(key >> s) & ((1 << w) - 1)] for values, s, w in zip(self.values, self.shift, self.width)]

    def not_given(self, key: int) -> list[str]:
        """The optional yes/no questions a key leaves not given, in question order."""
        return [q for mask, code, q in self.screens if key & mask == code]

    def questions_in(self, bits: int) -> list[str]:
        """Question ids whose unsure (or, shifted down, not-recorded) bit is set, in question order."""
        return [q for q, s in zip(self.question_ids, self.shift) if bits >> s & 1]

    def text(self, bits: int) -> str:
        """Question ids of the unsure bits (or not-recorded bits shifted down one), joined with ';'."""
        found = self.texts.get(bits)
        if found is None:
            if len(self.texts) >= self.limits.memo:
                self.texts.clear()
            found = self.texts[bits] = ";".join(self.questions_in(bits))
        return found

    def share(self, g: int, key: int) -> Share:
        """Group g's part for a key (cached by the caller). Each rule's outcome is remembered on the
        few answers it reads, and the summary of the group on its rules' outcomes, so a combination
        of answers never seen before costs a few look-ups; only the unsure and not-recorded bits are the key's."""
        outcomes = []
        for i in self.groups[g].rules:
            k = key & self.rule_masks[i]
            memo = self.rule_memo[i]
            o = memo.get(k)
            if o is None:
                if len(memo) >= self.limits.memo:
                    memo.clear()
                o = memo[k] = self.compiled.tests[i](self._slots_for(i, key))
            outcomes.append(o)
        summaries = self.summaries[g]
        found = summaries.get(tuple(outcomes))
        if found is None:
            if len(summaries) >= self.limits.memo:
                summaries.clear()
            found = summaries[tuple(outcomes)] = self._summary(g, outcomes)
        read = found.read_by_unknown
        return Share(found.fired_text, found.fired, found.top_sure, found.any_blank, found.views,
                     key & read & self.unsure_mask, key & read & self.not_recorded_mask)

    def _slots_for(self, rule: int, key: int) -> list[object]:
        """The answers rule `rule` reads, decoded from the key (the other slots are left None)."""
        slots: list[object] = [None] * len(self.values)
        for j in self.compiled.reads[rule]:
            slots[j] = self.values[j][(key >> self.shift[j]) & ((1 << self.width[j]) - 1)]
        return slots

    def _summary(self, g: int, values: list[Outcome]) -> GroupSummary:
        """What a group's rules' outcomes give the decision: fired text and ids, the most urgent level
        they ask for, whether one is unknown only through blanks, the head's view per level, and the
        key bits read by its unknown rules."""
        rules, reads = self.rules, self.compiled.reads
        levels, unsure_levels = rules.rule_levels, rules.unsure_levels
        span = self.groups[g].rules
        outcomes = dict(zip(span, values))
        fired = tuple(i for i in span if outcomes[i] is True)
        unknown = [i for i in span if outcomes[i].__class__ is Unknown]
        read_by_unknown = self._mask(sorted(unknown_reads([reads[i] for i in span], values, ())))
        top_sure = min([levels[i] for i in fired] + [unsure_levels[i] for i in unknown if outcomes[i] is UNSURE],
                       default=self.default)
        views = []
        for top in range(self.default + 1):
            view = View(
                # mutant: group-below
                tuple(i for i in unknown if levels[i] < top),
                any(levels[i] == top for i in fired),
                next((i for i in fired if levels[i] == top and rules.rules[i].action), None),
                next((i for i in unknown if outcomes[i] is UNSURE and unsure_levels[i] == top
                      and rules.rules[i].action_if_unsure), None),
                tuple(i for i in unknown if contribution(rules, i, outcomes[i]) == top),
                tuple(i for i in unknown if levels[i] == top),
            )
            ids = self.view_ids[g]
            if view not in ids:
                ids[view] = len(self.view_info[g])
                self.view_info[g].append(view)
            views.append(ids[view])
        return GroupSummary(";".join(self.rule_ids[i] for i in fired), fired, top_sure,
                            any(outcomes[i] is NOT_RECORDED for i in unknown), tuple(views), read_by_unknown)

    def _head(self, level: int, top_sure: int, views: Sequence[View], flags: tuple[str, ...] = ()) -> Head:
        """The head of a decision, put together from each group's view at the result's level."""
        rules = self.rules
        h = next((v.action for v in views if v.action is not None), None)
        headline = None if h is None else rules.rules[h].action
        if h is None:
            h = next((v.unsure_action for v in views if v.unsure_action is not None), None)
            headline = None if h is None else rules.rules[h].action_if_unsure
        # As engine.could_not_rule_out: more urgent; setting the level when nothing is true at it;
        # at the level and before the headline's rule.
        listed = {i for v in views for i in v.below}
        if not any(v.true_at for v in views):
            listed.update(i for v in views for i in v.at)
        if h is not None:
            listed.update(i for v in views for i in v.same if i < h)
        unknown = sorted(listed)
        return Head(level, top_sure > level, rules.dispositions[level].id, headline or "",
                    ";".join([self.rule_ids[i] for i in unknown] + [f"flag:{q}" for q in flags]),
                    "yes" if top_sure > level else "")

    def _exact_head(self, key: int) -> Head:
        """For a row with a red-flag question left unknown: engine.choose on every rule's outcome."""
        slots = self.slots(key)
        outcomes = [test(slots) for test in self.compiled.tests]
        flagged = [(i, q) for i, q in self.compiled.flagged if slots[i].__class__ is Unknown]
        c = choose(self.rules, outcomes, lambda: [slots[i] for i, _ in flagged],  # type: ignore[misc]
                   lambda: tuple(q for _, q in flagged))
        views = [View(c.unknown, False, None, None, ())]
        if c.action is not None:
            views.append(View((), True, c.action[0], None, ()) if not c.action[1]
                         else View((), True, None, c.action[0], ()))
        head = self._head(c.level, c.level + c.raised, views, c.unknown_flags)
        return head

    def decide(self, key: int) -> Decision:
        """Everything a result row holds for a key: head, fired text and ids, unsure and not-recorded bits."""
        parts = []
        top_sure = self.default
        not_recorded_rules = False
        unsure = key & self.flag_unsure
        not_recorded = key & self.flag_not_recorded
        fired: tuple[int, ...] = ()
        texts = []
        for g, group in enumerate(self.groups):
            memo = group.shares
            k = key & group.mask
            p = memo.get(k)
            if p is None:
                if len(memo) >= self.limits.shares:
                    memo.clear()
                p = memo[k] = self.share(g, key)
            parts.append(p)
            if p.top_sure < top_sure:
                top_sure = p.top_sure
            if p.any_blank:
                not_recorded_rules = True
            # mutant: key-unsure
            unsure |= p.unsure
            not_recorded |= p.not_recorded
            if p.fired:
                texts.append(p.fired_text)
                fired += p.fired
        if top_sure == self.default and key & self.flag_unknown_bits:
            head = self._exact_head(key)
        else:
            top = min(top_sure, self.cautious) if not_recorded_rules else top_sure
            head_key = (top, top_sure, *[p.views[top] for p in parts])
            head = self.heads.get(head_key)  # type: ignore[assignment]
            if head is None:
                if len(self.heads) >= self.limits.shares:
                    self.heads.clear()
                info = self.view_info
                head = self.heads[head_key] = self._head(top, top_sure, [info[g][v] for g, v in enumerate(head_key[2:])])
        return Decision(head, ";".join(texts), fired, unsure, not_recorded)


def _signatures(c: Compiled, qid: str) -> list[tuple[object, object]]:
    """Every way the rules can see a number, each with one answer seen that way: not given, or the
    outcomes of their comparisons at each bound, just below and just above it (each comparison is a
    threshold, so these cover them all)."""
    bounds = sorted({b for _, b in c.number_tests[qid]})
    points = [0.0] + [x for b in bounds for x in (math.nextafter(b, -math.inf), b, math.nextafter(b, math.inf))]
    found: list[tuple[object, object]] = [(NOT_GIVEN, NOT_GIVEN)]
    for x in points:
        sig = c.signature(qid, x)
        if all(sig != known for known, _ in found):
            found.append((sig, x))
    return found
