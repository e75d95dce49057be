"""Cases files: a rule set's test cases, read and checked against the rule set."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..core.errors import Location, Problem, did_you_mean
from ..core.model import RuleSet, Value
from .answerfile import read_answers

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


def cases_path_for(rules_path: str | Path) -> Path:
    p = Path(rules_path)
    return p.with_name(p.name[: -len(p.suffix)] + ".cases" + p.suffix if p.suffix else p.name + ".cases.yaml")


def load_cases(path: str | Path, rules: RuleSet) -> list[Case]:
    """Read and check a cases file; every problem is reported together, at its line and column."""
    from .filekinds import load_document

    reader, node = load_document(path, "cases")
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
