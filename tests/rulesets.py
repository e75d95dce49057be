"""Hypothesis strategies that build random valid rule sets, and rows of answers for them.

A differential test is only as good as its inputs: these rule sets use every feature of the format
(2-5 dispositions, yes/no and number questions, optional and required (both kinds), nested any/all/not, every
comparison, `given`, `if_unsure`, actions, flags, ask_when), and the rows every spelling, unsure and
blank answers, numbers exactly at a threshold, decimal commas, invalid cells and short rows.
"""

from __future__ import annotations

import yaml
from hypothesis import strategies as st

from triage.core.answers import NO_WORDS, UNSURE_WORDS, YES_WORDS
from triage.read.loader import parse_rules
from triage.core.logic import NUMBER_OPS

OPS = sorted(NUMBER_OPS)


def spelled(words):
    return st.sampled_from(words).flatmap(lambda w: st.sampled_from([w, w.upper(), w.title(), f" {w}\t"]))


@st.composite
def conditions(draw, questions, depth=0):
    if depth < 4 and draw(st.integers(0, 9)) < 4:
        kind = draw(st.sampled_from(["all", "any", "not"]))
        if kind == "not":
            return {"not": draw(conditions(questions, depth + 1))}
        return {kind: draw(st.lists(conditions(questions, depth + 1), min_size=1, max_size=3))}
    q = draw(st.sampled_from(questions))
    if q["type"] == "yesno":
        return {"question": q["id"], "is": draw(st.sampled_from(["yes", "no"]))}
    if q.get("optional") and draw(st.integers(0, 4)) == 0:
        return {"question": q["id"], "given": draw(st.sampled_from(["yes", "no"]))}
    return {"question": q["id"], draw(st.sampled_from(OPS)): draw(st.sampled_from(q["_thresholds"]))}


@st.composite
def rule_sets(draw):
    """(rule file text, the parsed RuleSet)."""
    n_disp = draw(st.integers(2, 5))
    dispositions = [{"id": f"d{i}", "label": f"Level {i}", "colour": "grey", "summary": f"Result {i}.",
                     "advice": [f"Advice {i}."]} for i in range(n_disp)]
    questions = []
    for i in range(draw(st.integers(1, 6))):
        q = {"id": f"q{i}", "text": f"Question {i}?", "why": "Because."}
        if draw(st.booleans()):
            q["type"] = "yesno"
            if draw(st.integers(0, 2)) == 0:
                q["optional"] = True  # a blank is not given: reads as no, never unknown
                if draw(st.booleans()):
                    q["topic"] = f"screen {i}"
        else:
            q.update(type="number", min=0, max=10, _thresholds=[0, 2.5, 5, 10])
            if draw(st.booleans()):
                q["optional"] = True
        if draw(st.integers(0, 4)) == 0:
            q["flag"] = True
        if questions and draw(st.integers(0, 3)) == 0:
            # An id that is another's with an alias prefix (fever and v_fever): no generated name in the
            # compiled SQL may be confused with a question's own column.
            other = draw(st.sampled_from(questions))["id"]
            candidate = draw(st.sampled_from(["v_", "n_", "u_", "b_", "e_", "t_"])) + other
            if all(candidate != x["id"] for x in questions):
                q["id"] = candidate
        elif draw(st.integers(0, 5)) == 0:
            # SQL words as ids: SQLite read a bare TRUE as the column "true", and renames such columns.
            candidate = draw(st.sampled_from(["true", "false", "null", "select"]))
            if all(candidate != x["id"] for x in questions):
                q["id"] = candidate
        questions.append(q)
    for i, q in enumerate(questions):
        if i and draw(st.integers(0, 3)) == 0:
            q["ask_when"] = draw(conditions(questions[:i], depth=3))
    rules = []
    for i in range(draw(st.integers(1, 6))):
        level = draw(st.integers(0, n_disp - 2))
        rule = {"id": f"r{i}", "disposition": f"d{level}", "when": draw(conditions(questions)),
                "rationale": f"Rule {i}.", "source": "s"}
        if draw(st.booleans()):
            rule["if_unsure"] = f"d{draw(st.integers(level, n_disp - 2))}"
        if draw(st.booleans()):
            # Backslashes and quotes too: SQL literals must hold them in every dialect.
            rule["action"] = draw(st.sampled_from([f"Do {i} now.", f"Open C:\\new\\t{i}", f"Say \"it's {i}\" \\",
                                                   f"'{i}' \\' done"]))
        if draw(st.booleans()):
            rule["action_if_unsure"] = f"Check {i} today."
        rules.append(rule)
    for i, d in enumerate(dispositions):
        # Safety-netting, some of it shown only where a condition could hold.
        nets = []
        for j in range(draw(st.integers(0, 2))):
            line = f"If it gets worse, see {i}.{j}."
            nets.append({"text": line, "when": draw(conditions(questions, depth=3))} if draw(st.booleans()) else line)
        if nets:
            d["safety_net"] = nets
    for q in questions:
        if q["type"] == "number" and draw(st.booleans()):
            q["unit"] = draw(st.sampled_from(["weeks", "°C", "mmHg"]))
        elif q["type"] == "yesno" and draw(st.integers(0, 3)) == 0:
            q["unsure_note"] = "Ask someone who knows."
    data = {
        "id": "generated", "title": "Generated", "version": "1", "disclaimer": "Not a diagnosis.",
        "sources": [{"id": "s", "title": "Test"}], "dispositions": dispositions,
        "questions": [{k: v for k, v in q.items() if not k.startswith("_")} for q in questions],
        "rules": rules,
    }
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return text, parse_rules(text, "generated.yaml")


def cells_for(q, valid_only=False):
    """One cell for a question, as a spreadsheet might hold it."""
    unsure = spelled(UNSURE_WORDS)
    if q.type == "yesno":
        options = [spelled(YES_WORDS), spelled(NO_WORDS), unsure, st.just("")]
        if not valid_only:
            options.append(st.just("maybe"))
        return st.one_of(*options)
    numbers = st.sampled_from([0, 2.5, 5, 10, 2.4, 2.6, 4.9, 5.1, 9.9, 7]).flatmap(
        lambda x: st.sampled_from([f"{x:g}", f"{x:g}".replace(".", ","), f" {x:g} "]))
    options = [numbers, numbers, unsure, st.just("")]
    if not valid_only:
        options += [st.just("lots"), st.just("11"), st.just("1e1")]
    return st.one_of(*options)


@st.composite
def rows_for(draw, ruleset, valid_only=False, min_size=1, max_size=12):
    """Rows of cells in question order; a short row leaves its last cells out."""
    rows = []
    for _ in range(draw(st.integers(min_size, max_size))):
        row = [draw(cells_for(q, valid_only)) for q in ruleset.questions]
        if not valid_only and len(row) > 1 and draw(st.integers(0, 5)) == 0:
            row = row[: draw(st.integers(1, len(row) - 1))]
        rows.append(row)
    return rows
