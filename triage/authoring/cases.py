"""Rule-set test cases: vignettes with answers and the expected result, run against the engine.

A cases file sits next to its rule file (`x.yaml` -> `x.cases.yaml`) and holds `defaults` (answers
every case starts from) and `cases`. A case's answers override the defaults; `~` removes one, so the
question counts as not answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .answerfile import read_answers
from .engine import Result, evaluate_values
from .errors import Location, Problem, did_you_mean
from .files import read_text
from .model import RuleSet, Value

CASE_KEYS = ("name", "answers", "expect")
CASE_OPTIONAL = ("fired", "unknown", "action", "unsure", "not_recorded", "not_given", "note")


@dataclass(frozen=True)
class Case:
    name: str
    values: dict[str, Value]
    expect: str
    fired: tuple[str, ...] | None
    unknown: tuple[str, ...] | None
    line: int
    action: str | None = None  # 'RULE', 'RULE if unsure', or 'advice' (the disposition's own)
    unsure: tuple[str, ...] | None = None
    not_recorded: tuple[str, ...] | None = None
    not_given: tuple[str, ...] | None = None


@dataclass(frozen=True)
class CaseOutcome:
    case: Case
    result: Result
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


def cases_path_for(rules_path: str | Path) -> Path:
    p = Path(rules_path)
    return p.with_name(p.name[: -len(p.suffix)] + ".cases" + p.suffix if p.suffix else p.name + ".cases.yaml")


def load_cases(path: str | Path, rules: RuleSet) -> list[Case]:

    from .yamlsafe import NodeReader, compose

    text, _ = read_text(path)
    reader = NodeReader(str(path))
    node = compose(text, str(path))
    from .filekinds import expect as expect_kind

    expect_kind(node, "cases", str(path))
    top = reader.mapping(node, "a cases file", ("cases",), ("defaults",)) if node is not None else None
    if node is None:
        reader.problems.append(Problem(Location(str(path)), "the file is empty; a cases file has 'cases:'"))
    reader.raise_if_errors()
    assert top is not None  # raise_if_errors raised otherwise
    defaults = read_answers(reader, top["defaults"][1], rules, "'defaults'")[0] if "defaults" in top else {}
    rule_ids = {r.id for r in rules.rules}
    cases: list[Case] = []
    for item in reader.sequence(top["cases"][1], "'cases'"):
        f = reader.mapping(item, "a case", CASE_KEYS, CASE_OPTIONAL)
        if not f or any(k not in f for k in CASE_KEYS):
            continue
        name = reader.text(f["name"][1], "a case's name") or "?"
        given, removed = read_answers(reader, f["answers"][1], rules, f"the answers of case '{name}'")
        merged = {q: v for q, v in {**defaults, **given}.items() if q not in removed}
        expect = reader.text(f["expect"][1], "'expect'")
        if expect is not None and expect not in rules.dispositions_by_id:
            reader.error(f["expect"][1], f"no disposition '{expect}'{did_you_mean(expect, rules.dispositions_by_id)}")
        flag_ids = {f"flag:{q.id}" for q in rules.questions if q.flag}
        question_ids = set(rules.question_ids)
        lists = {}
        for key, allowed, what in (("fired", rule_ids, "rule"), ("unknown", rule_ids | flag_ids, "rule"),
                                   ("unsure", question_ids, "question"), ("not_recorded", question_ids, "question"),
                                   ("not_given", {q.id for q in rules.screens}, "optional yes/no question")):
            if key in f:
                ids = tuple(reader.texts(f[key][1], f"'{key}'")) if f[key][1].tag != "tag:yaml.org,2002:null" else ()
                for one in ids:
                    if one not in allowed:
                        reader.error(f[key][1], f"no {what} '{one}'{did_you_mean(one, allowed)}")
                lists[key] = ids
        action = None
        if "action" in f:
            action = reader.text(f["action"][1], "'action'")
            rid = (action or "").removesuffix(" if unsure")
            if action is not None and action != "advice" and rid not in rule_ids:
                reader.error(f["action"][1], "'action' is a rule id (its action), 'RULE if unsure' (its action "
                             f"for an unsure answer) or 'advice' (the disposition's own){did_you_mean(rid, rule_ids)}")
        cases.append(Case(
            name, merged, expect or "?",
            lists.get("fired"), lists.get("unknown"), item.start_mark.line + 1,
            action, lists.get("unsure"), lists.get("not_recorded"), lists.get("not_given"),
        ))
    reader.raise_if_errors()
    return cases



def run_case(rules: RuleSet, case: Case) -> CaseOutcome:
    result = evaluate_values(rules, case.values)
    failures = []
    if result.disposition.id != case.expect:
        failures.append(f"expected {case.expect}, got {result.disposition.id}")
    actual = {
        "fired": [r.id for r in result.fired],
        "unknown": [r.id for r in result.unknown] + [f"flag:{q}" for q in result.unknown_flags],
        "unsure": list(result.unsure),
        "not_recorded": list(result.not_recorded),
        "not_given": list(result.not_given),
    }
    for key, got in actual.items():
        expected = getattr(case, key)
        if expected is not None and sorted(expected) != sorted(got):
            failures.append(f"expected {key} [{', '.join(sorted(expected))}], got [{', '.join(sorted(got))}]")
    if case.action is not None and case.action != action_name(result):
        failures.append(f"expected action {case.action}, got {action_name(result)}")
    return CaseOutcome(case, result, tuple(failures))


def action_name(result: Result) -> str:
    """Which action is the headline, as a cases file names it."""
    if result.action_rule is None:
        return "advice"
    return result.action_rule.id + (" if unsure" if result.action_unsure else "")


def uncovered_rules(rules: RuleSet, outcomes: list[CaseOutcome]) -> list[str]:
    """Rules that no case makes fire: nothing checks that they do what their rationale says."""
    fired = {r.id for o in outcomes for r in o.result.fired}
    return [r.id for r in rules.rules if r.id not in fired]
