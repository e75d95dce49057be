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
CASE_OPTIONAL = ("fired", "unknown", "note")


@dataclass(frozen=True)
class Case:
    name: str
    values: dict[str, Value]
    expect: str
    fired: tuple[str, ...] | None
    unknown: tuple[str, ...] | None
    line: int


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
    top = reader.mapping(node, "a cases file", ("cases",), ("defaults",)) if node is not None else None
    if node is None:
        reader.problems.append(Problem(Location(str(path)), "the file is empty; a cases file has 'cases:'"))
    reader.raise_if_errors()
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
        if expect is not None and expect not in rules._by_id["dispositions"]:
            reader.error(f["expect"][1], f"no disposition '{expect}'{did_you_mean(expect, rules._by_id['dispositions'])}")
        lists = {}
        for key in ("fired", "unknown"):
            if key in f:
                ids = tuple(reader.texts(f[key][1], f"'{key}'")) if f[key][1].tag != "tag:yaml.org,2002:null" else ()
                for rid in ids:
                    if rid not in rule_ids:
                        reader.error(f[key][1], f"no rule '{rid}'{did_you_mean(rid, rule_ids)}")
                lists[key] = ids
        cases.append(Case(
            name, merged, expect or "?",
            lists.get("fired"), lists.get("unknown"), item.start_mark.line + 1,
        ))
    reader.raise_if_errors()
    return cases



def run_case(rules: RuleSet, case: Case) -> CaseOutcome:
    result = evaluate_values(rules, case.values)
    failures = []
    if result.disposition.id != case.expect:
        failures.append(f"expected {case.expect}, got {result.disposition.id}")
    for key, actual in (("fired", result.fired), ("unknown", result.unknown)):
        expected = getattr(case, key)
        got = sorted(r.id for r in actual)
        if expected is not None and sorted(expected) != got:
            failures.append(f"expected {key} [{', '.join(sorted(expected))}], got [{', '.join(got)}]")
    return CaseOutcome(case, result, tuple(failures))


def uncovered_rules(rules: RuleSet, outcomes: list[CaseOutcome]) -> list[str]:
    """Rules that no case makes fire: nothing checks that they do what their rationale says."""
    fired = {r.id for o in outcomes for r in o.result.fired}
    return [r.id for r in rules.rules if r.id not in fired]
