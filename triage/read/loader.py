"""Loading a rule file into a validated RuleSet, reporting every problem with file:line:column."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, TypeVar

from yaml.nodes import Node, ScalarNode, SequenceNode

from ..core.errors import InputFileError, Location, Problem, RuleFileError, did_you_mean
from ..core.logic import COMPARISONS, CONNECTIVES
from ..core.model import NUMBER, YESNO, Compare, Condition, Disposition, Join, Question, Rule, RuleSet, SafetyNet, Source
from .files import SHIPPED_DEFAULT, read_text, shipped_rules_dir

if TYPE_CHECKING:
    from .yamlsafe import NodeReader

_Item = TypeVar("_Item", Source, Disposition, Question, Rule)
Fields = dict[str, tuple[Node, Node]]

DEFAULT_RULES = SHIPPED_DEFAULT
COLOURS = ("red", "amber", "green", "blue", "grey")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_ID_HINT = "use lower-case letters, digits and '_', starting with a letter"

TOP_KEYS = ("id", "title", "version", "disclaimer", "dispositions", "questions", "rules")
TOP_OPTIONAL = ("sources", "description", "retired_questions")
DISPOSITION_KEYS = ("id", "label", "colour", "summary")
DISPOSITION_OPTIONAL = ("advice", "safety_net")
QUESTION_KEYS = ("id", "type", "text", "why")
QUESTION_OPTIONAL = ("flag", "optional", "topic", "unsure_note", "min", "max", "unit", "ask_when")
RULE_KEYS = ("id", "disposition", "when", "rationale")
RULE_OPTIONAL = ("source", "if_unsure", "action", "action_if_unsure")
SOURCE_KEYS = ("id", "title")
CONDITION_HELP = (
    "a condition is '{question: ID, is: yes}' (or is: no), '{question: ID, at_least: N}' "
    "(or above, at_most, below), '{question: ID, given: yes}' (or no) for an optional number, "
    "or 'all:', 'any:' with a list of conditions, or 'not:' with one"
)


def rules_dir() -> Path:
    """Where the shipped rule sets live: package data `triage/rules` when installed, or the
    repository's own `rules/` folder (which that package data is built from) in a source checkout."""
    found = shipped_rules_dir()
    if found is not None:
        return found
    raise InputFileError(f"the default rule set {DEFAULT_RULES} is missing from the installation")


def default_rules_path() -> Path:
    return rules_dir() / DEFAULT_RULES


def load_rules(path: str | Path | None = None, language: str | None = None, region: str | Path | None = None) -> RuleSet:
    """Load and validate a rule file; the shipped default rule set when no path is given. Its texts
    are in `language` (English when None) and name the services of `region` ("uk" when None)."""
    from .translation import localise

    return localise(load_source(path), language, region)


def load_source(path: str | Path | None = None) -> RuleSet:
    """A rule file as written: English, with its `{term}` service names not yet filled in."""
    path = default_rules_path() if path is None else Path(path)
    text, data = read_text(path)
    return parse_source(text, str(path), sha256=hashlib.sha256(data).hexdigest())


def parse_rules(text: str, filename: str = "<rules>", sha256: str | None = None, language: str | None = None,
                region: str | Path | None = None) -> RuleSet:
    from .translation import localise

    return localise(parse_source(text, filename, sha256), language, region)


def parse_source(text: str, filename: str = "<rules>", sha256: str | None = None) -> RuleSet:
    from .filekinds import read_document

    reader, node = read_document(text, filename, "rule")
    if node is None:
        raise RuleFileError([Problem(Location(filename), "the file is empty; a rule file starts with 'id:'")])
    ruleset = _Builder(reader).build(node, sha256 or hashlib.sha256(text.encode()).hexdigest())
    reader.raise_if_errors()
    assert ruleset is not None  # no errors were found, so the builder built it
    return ruleset


class _Builder:
    def __init__(self, reader: NodeReader):
        self.r = reader
        self.questions: dict[str, Question] = {}
        self.broken: set[str] = set()  # ids whose definitions had errors: already reported once

    def build(self, node: Node, sha256: str) -> RuleSet | None:
        r = self.r
        top = r.mapping(node, "the rule file", TOP_KEYS, TOP_OPTIONAL)
        if top is None:
            return None

        def get(key: str) -> Node | None:
            return top[key][1] if key in top else None

        sources = [s for s, _ in self._list(get("sources"), "source", self._source)]
        dispositions_read = self._list(get("dispositions"), "disposition", self._disposition)
        dnode = get("dispositions")
        if isinstance(dnode, SequenceNode) and len(dispositions_read) < 2:
            r.error(dnode, "give at least two dispositions, most urgent first; the last is the default")
        built = self._list(get("questions"), "question", self._question)
        self.questions = {q.id: q for q, _ in built}
        # ask_when and safety-net conditions refer to questions, so they are read once all are known.
        questions = [self._ask_when(q, n) for q, n in built]
        self.questions = {q.id: q for q in questions}
        dispositions = [self._safety_net(d, n) for d, n in dispositions_read]
        self.source_ids = {s.id for s in sources}
        self.disposition_ids = [d.id for d in dispositions]
        rules = []
        for rule, rnode in self._list(get("rules"), "rule", self._rule):
            if dispositions and rule.disposition == dispositions[-1].id:
                r.error(rnode, f"rule '{rule.id}' leads to '{rule.disposition}', the default (last) disposition, "
                        "which is what remains when no rule holds; point it at a more urgent one")
            elif rule.if_unsure is not None:
                self._check_if_unsure(rule, rnode)
            rules.append(rule)
        values = {key: r.text(top[key][1], f"'{key}'") or "" for key in ("id", "title", "version", "disclaimer") if key in top}
        retired = self._retired(get("retired_questions"))
        if values.get("id") and not _ID.match(values["id"]):
            r.error(top["id"][1], f"rule set id '{values['id']}' is not allowed; {_ID_HINT}")
        if r.problems and any(p.severity == "error" for p in r.problems):
            return None
        return RuleSet(
            id=values["id"], title=values["title"], version=values["version"], disclaimer=values["disclaimer"],
            dispositions=tuple(dispositions), questions=tuple(questions), rules=tuple(rules),
            sources=tuple(sources), path=r.filename, sha256=sha256, retired_questions=retired,
        )

    def _retired(self, node: Node | None) -> dict[str, tuple[str, ...]]:
        """Question ids of an earlier version, each with the questions that replace it."""
        out: dict[str, tuple[str, ...]] = {}
        for old, (key, value) in (self.r.mapping(node, "'retired_questions'", (), None) or {}).items() if node else ():
            if old in self.questions:
                self.r.error(key, f"'{old}' is a question of this rule set; only ids no longer used can be retired")
                continue
            new = tuple(self.r.texts(value, f"the replacements of '{old}'"))
            for qid in new:
                if qid not in self.questions:
                    self.r.error(value, f"no question '{qid}'{did_you_mean(qid, self.questions)}")
            out[old] = new
        return out

    def _check_if_unsure(self, rule: Rule, node: Node) -> None:
        """An unsure answer may raise a rule's result from one above the default up to its own level."""
        ids = self.disposition_ids
        if rule.if_unsure not in ids or rule.disposition not in ids:
            return
        low, high, chosen = ids.index(rule.disposition), len(ids) - 2, ids.index(rule.if_unsure)
        if not low <= chosen <= high:
            allowed = ", ".join(ids[low:high + 1])
            where = next(v for k, v in node.value if getattr(k, "value", None) == "if_unsure")
            self.r.error(where, f"rule '{rule.id}': if_unsure '{rule.if_unsure}' must be between the rule's own "
                         f"disposition and the one above the default: one of {allowed}")

    def _list(self, node: Node | None, what: str, build: Callable[[Node], _Item | None]) -> list[tuple[_Item, Node]]:
        """(item, its node) for each item of a list, refusing duplicate ids with a pointer to the first."""
        if node is None:
            return []
        out: list[tuple[_Item, Node]] = []
        seen: dict[str, int] = {}
        for item in self.r.sequence(node, f"'{what}s'"):
            built = build(item)
            if built is None:
                continue
            if built.id in seen:
                self.r.error(item, f"duplicate {what} id '{built.id}' (first on line {seen[built.id]}); ids must be unique")
                continue
            seen[built.id] = item.start_mark.line + 1
            out.append((built, item))
        return out

    def _id(self, fields: Fields, what: str) -> str | None:
        if "id" not in fields:
            return None
        node = fields["id"][1]
        value = self.r.text(node, f"the {what} id")
        if value is not None and not _ID.match(value):
            self.r.error(node, f"{what} id '{value}' is not allowed; {_ID_HINT}")
            return None
        return value

    def _source(self, node: Node) -> Source | None:
        f = self.r.mapping(node, "a source", SOURCE_KEYS, ())
        if not f or len(f) < len(SOURCE_KEYS):
            return None
        sid, title = self._id(f, "source"), self.r.text(f["title"][1], "a source's title")
        return Source(sid, title) if sid and title else None

    def _disposition(self, node: Node) -> Disposition | None:
        r = self.r
        f = r.mapping(node, "a disposition", DISPOSITION_KEYS, DISPOSITION_OPTIONAL)
        if not f or any(k not in f for k in DISPOSITION_KEYS):
            return None
        did = self._id(f, "disposition")
        colour = r.text(f["colour"][1], "'colour'")
        if colour is not None and colour not in COLOURS:
            r.error(f["colour"][1], f"colour '{colour}' is not one of {', '.join(COLOURS)}{did_you_mean(colour, COLOURS)}")
        label, summary = r.text(f["label"][1], "'label'"), r.text(f["summary"][1], "'summary'")
        advice = tuple(r.texts(f["advice"][1], "'advice'")) if "advice" in f else ()
        if did is None or label is None or summary is None or colour is None:
            return None
        return Disposition(did, label, colour, summary, advice)  # safety_net: read once questions are known

    def _question(self, node: Node) -> Question | None:
        r = self.r
        f = r.mapping(node, "a question", QUESTION_KEYS, QUESTION_OPTIONAL)
        if not f or any(k not in f for k in QUESTION_KEYS):
            return None
        qid = self._id(f, "question")
        if qid is None and "id" in f:
            raw = f["id"][1]
            if isinstance(raw, ScalarNode):  # a misspelt id: its uses are not reported again
                self.broken.add(str(raw.value))
        qtype = r.text(f["type"][1], "'type'")
        if qtype is not None and qtype not in (YESNO, NUMBER):
            r.error(f["type"][1], f"type '{qtype}' is not known; write 'yesno' or 'number'{did_you_mean(qtype, (YESNO, NUMBER))}")
            qtype = None
        text, why = r.text(f["text"][1], "'text'"), r.text(f["why"][1], "'why'")
        flag = r.flag(f["flag"][1], "'flag'") if "flag" in f else False
        optional = r.flag(f["optional"][1], "'optional'") if "optional" in f else False
        lo = r.number(f["min"][1], "'min'") if "min" in f else None
        hi = r.number(f["max"][1], "'max'") if "max" in f else None
        unit = r.text(f["unit"][1], "'unit'") if "unit" in f else None
        topic = r.text(f["topic"][1], "'topic'") if "topic" in f else None
        unsure_note = r.text(f["unsure_note"][1], "'unsure_note'") if "unsure_note" in f else None
        if "topic" in f and not (qtype == YESNO and optional):
            r.error(f["topic"][0], "'topic' names what an optional yes/no question screens for (\"pregnancy was not "
                                   "screened\"); it only applies to yes/no questions with optional: true")
        if qtype == YESNO:
            for key in ("min", "max", "unit"):
                if key in f:
                    r.error(f[key][0], f"'{key}' only applies to number questions; remove it or use type: number")
        if lo is not None and hi is not None and lo > hi:
            r.error(f["min"][1], f"min ({lo:g}) is larger than max ({hi:g})")
        if qid is None or qtype is None or text is None or why is None or flag is None or optional is None:
            if qid is not None:
                self.broken.add(qid)
            return None
        mark = node.start_mark
        return Question(qid, qtype, text, why, bool(flag), bool(optional), topic, lo, hi, unit, None, mark.line + 1,
                        mark.column + 1, unsure_note)

    def _safety_net(self, d: Disposition, node: Node) -> Disposition:
        """Each line is a text, or `{text: ..., when: condition}` for a line shown only where the
        condition could hold (it is not definitely false for the answers)."""
        r = self.r
        found = next((v for k, v in getattr(node, "value", []) if getattr(k, "value", None) == "safety_net"), None)
        if found is None:
            return d
        items: list[SafetyNet] = []
        for item in [found] if isinstance(found, ScalarNode) else r.sequence(found, "'safety_net'"):
            if isinstance(item, ScalarNode):
                text = r.text(item, "a safety_net line")
                if text:
                    items.append(SafetyNet(text))
                continue
            f = r.mapping(item, "a safety_net line", ("text", "when"), ())
            if not f or "text" not in f or "when" not in f:
                continue
            text = r.text(f["text"][1], "'text'")
            when = self._condition(f["when"][1], f"the condition of a safety_net line of '{d.id}'")
            if text and when is not None:
                items.append(SafetyNet(text, when))
        return replace(d, safety_net=tuple(items))

    def _ask_when(self, q: Question, node: Node) -> Question:
        for key_node, value_node in getattr(node, "value", []):
            if getattr(key_node, "value", None) == "ask_when":
                cond = self._condition(value_node, f"ask_when of question '{q.id}'")
                if cond is not None and q.id in cond.questions():
                    self.r.error(value_node, f"question '{q.id}' cannot depend on its own answer")
                return replace(q, ask_when=cond)
        return q

    def _rule(self, node: Node) -> Rule | None:
        r = self.r
        f = r.mapping(node, "a rule", RULE_KEYS, RULE_OPTIONAL)
        if not f or any(k not in f for k in RULE_KEYS):
            return None
        rid = self._id(f, "rule")
        disp_node = f["disposition"][1]
        disposition = r.text(disp_node, "'disposition'")
        if disposition is not None and self.disposition_ids and disposition not in self.disposition_ids:
            r.error(disp_node, f"no disposition '{disposition}'{did_you_mean(disposition, self.disposition_ids)}; "
                    f"use one of: {', '.join(self.disposition_ids)}")
            disposition = None
        when = self._condition(f["when"][1], f"the condition of rule '{rid}'")
        rationale = r.text(f["rationale"][1], "'rationale'")
        source = None
        if "source" in f:
            source = r.text(f["source"][1], "'source'")
            if source is not None and source not in self.source_ids:
                r.error(f["source"][1], f"no source '{source}' in 'sources:'{did_you_mean(source, self.source_ids)}")
        if_unsure = None
        if "if_unsure" in f:
            if_unsure = r.text(f["if_unsure"][1], "'if_unsure'")
            if if_unsure is not None and self.disposition_ids and if_unsure not in self.disposition_ids:
                r.error(f["if_unsure"][1], f"no disposition '{if_unsure}'{did_you_mean(if_unsure, self.disposition_ids)}")
                if_unsure = None
        action = r.text(f["action"][1], "'action'") if "action" in f else None
        action_if_unsure = r.text(f["action_if_unsure"][1], "'action_if_unsure'") if "action_if_unsure" in f else None
        if rid is None or disposition is None or when is None or rationale is None:
            return None
        return Rule(rid, disposition, when, rationale, source, node.start_mark.line + 1, node.start_mark.column + 1,
                    if_unsure, action, action_if_unsure)

    def _condition(self, node: Node, what: str) -> Condition | None:
        r = self.r
        f = r.mapping(node, what, (), None)
        if f is None:
            return None
        keys = set(f)
        if len(keys) == 1 and keys <= {"all", "any"}:
            (key,) = keys
            items = [self._condition(n, what) for n in r.sequence(f[key][1], f"'{key}:'")]
            if not items:
                r.error(f[key][1], f"'{key}:' needs at least one condition")
            if any(i is None for i in items) or not items:
                return None
            return Join(key, tuple(items))  # type: ignore[arg-type]
        if keys == {"not"}:
            inner = self._condition(f["not"][1], what)
            return Join("not", (inner,)) if inner is not None else None
        ops = keys - {"question"}
        if "question" in keys and len(ops) > 1 and ops <= set(COMPARISONS):
            r.error(node, f"{what}: one comparison per condition; to combine "
                          f"{' and '.join(sorted(ops))}, write 'all:' with one condition for each")
            return None
        if "question" not in keys or len(keys) != 2:
            if keys & set(CONNECTIVES) and len(keys) > 1:
                r.error(node, f"{what}: '{'/'.join(sorted(keys & set(CONNECTIVES)))}' must be alone in its condition; {CONDITION_HELP}")
            else:
                r.error(node, f"{what}: {CONDITION_HELP}")
            return None
        qnode = f["question"][1]
        qid = r.text(qnode, "'question'")
        q = self.questions.get(qid) if qid else None
        if qid and q is None and qid not in self.broken:
            r.error(qnode, f"no question '{qid}'{did_you_mean(qid, self.questions)}")
            return None
        (op,) = ops
        vnode = f[op][1]
        comparison = COMPARISONS.get(op)
        if comparison is None:
            r.error(f[op][0], f"unknown comparison '{op}'{did_you_mean(op, COMPARISONS)}; {CONDITION_HELP}")
            return None
        misfit = comparison.misfit(q) if q is not None else None
        if misfit:
            r.error(f[op][0], misfit)
            return None
        if not comparison.takes_number:
            value = r.scalar(vnode) if hasattr(vnode, "style") else None
            value = {"yes": True, "no": False}.get(value.strip().lower(), value) if isinstance(value, str) else value
            if not isinstance(value, bool):
                r.error(vnode, f"after '{op}:' write yes or no")
                return None
            return Compare(q.id, op, value) if q else None
        number = r.number(vnode, f"the value after '{op}:'")
        if number is None or q is None:
            return None
        return Compare(q.id, op, number)
