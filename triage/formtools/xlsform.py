"""XLSForm (ODK Collect, KoboToolbox): the rule set as a form workbook, and ODK Central's CSV export read
without a hand-written map.

yes/no questions are `select_one` with the choices yes, no and unsure (the names are triage's own
spellings, so an export needs no codes); numbers are `decimal` with a constraint for their range;
`relevant` says when a question could still matter (see skiplogic.py). Writing the workbook needs openpyxl
(`pip install 'redflag-triage[xlsform]'`).
"""

from __future__ import annotations

import io
import re
from typing import Mapping

from ..core.errors import Location, Problem, TriageError
from ..core.model import NUMBER, RuleSet
from ..read.mapfile import ColumnMap, norm
from . import skiplogic

CHOICES = "yes_no_unsure"


# ODK XPath: `${q}`, with the choice names (triage's own spellings) as values.
RELEVANT = skiplogic.Infix(lambda q: "${" + q + "}", str, "!=", "true()", "false()")


def relevant(expr: skiplogic.Expr) -> str:
    """An expression in ODK XPath for the `relevant` column ('' for always shown)."""
    return RELEVANT.write(expr)


def text(words: str) -> str:
    """A rule file's words as ODK shows them: `${name}` would be read as a reference to a question (or
    refused when there is none), so a word joiner, which no one sees, keeps it text."""
    return words.replace("${", "$\u2060{")


def sheets(rules: RuleSet, others: Mapping[str, tuple[str, RuleSet]] | None = None) -> dict[str, list[list[str]]]:
    """The workbook's sheets as rows of text (survey, choices, settings). With `others` (language code ->
    its name and the rule set in it), labels and hints get one column per language, `label::Español (es)`,
    as ODK reads them; the rule file's own language comes first and is the default."""
    langs = {rules.language: ("English" if rules.language == "en" else rules.language, rules)}
    langs.update(others or {})
    tagged = bool(others)
    columns = {c: f"{name} ({c})" for c, (name, _) in langs.items()}
    labels = [f"label::{columns[c]}" for c in langs] if tagged else ["label"]
    hints = [f"hint::{columns[c]}" for c in langs] if tagged else ["hint"]
    messages = [f"constraint_message::{columns[c]}" for c in langs] if tagged else ["constraint_message"]
    form_words = {c: skiplogic.answer_labels(c) for c in langs}
    survey: list[list[str]] = [["type", "name", *labels, *hints, "relevant", "constraint", *messages]]
    survey.append(["note", "triage_disclaimer", *(text(r.disclaimer) for _, r in langs.values()), *([""] * len(hints)), "", "",
                   *([""] * len(messages))])
    for q in rules.questions:
        shown = relevant(skiplogic.shown_when(q.ask_when, rules))
        words = [text(skiplogic.label(r.question(q.id))) for _, r in langs.values()]
        whys = [text(r.question(q.id).why) for _, r in langs.values()]
        if q.type == NUMBER:
            bounds = []
            if q.minimum is not None:
                bounds.append(f". >= {skiplogic.number(q.minimum)}")
            if q.maximum is not None:
                bounds.append(f". <= {skiplogic.number(q.maximum)}")
            low, high = q.minimum, q.maximum
            message = [(f["range"].format(low=skiplogic.number(low), high=skiplogic.number(high)) if low is not None and high is not None
                        else f["out_of_range"] if bounds else "") for f in form_words.values()]
            survey.append(["decimal", q.id, *words, *whys, shown, " and ".join(bounds), *message])
        else:
            survey.append([f"select_one {CHOICES}", q.id, *words, *whys, shown, "", *([""] * len(messages))])
    choices = [["list_name", "name", *labels]] + [[CHOICES, w, *(f[w] for f in form_words.values())] for w in (skiplogic.YES, skiplogic.NO, skiplogic.UNSURE)]
    settings = [["form_title", "form_id", "version"], [text(rules.title), rules.id, rules.version]]
    if tagged:
        settings = [[*settings[0], "default_language"], [*settings[1], columns[rules.language]]]
    return {"survey": survey, "choices": choices, "settings": settings}


MAX_CELL = 32_767  # characters in one spreadsheet cell: a longer text would be cut without a word


def problems(rules: RuleSet) -> list[Problem]:
    """What ODK's converter refuses, or a workbook cannot hold."""
    found = skiplogic.id_problems(rules, ("meta", "triage_disclaimer"), "XLSForm")
    for q in rules.questions:
        for field, text in (("text", q.text), ("why", q.why)):
            if len(text) > MAX_CELL:
                found.append(Problem(Location(rules.path, q.line or None, q.column or None),
                                     f"question '{q.id}': its {field} is {len(text):,} characters; a workbook cell holds "
                                     f"at most {MAX_CELL:,}"))
    if len(rules.disclaimer) > MAX_CELL:
        found.append(Problem(Location(rules.path), f"the disclaimer is longer than the {MAX_CELL:,} characters a cell holds"))
    return found


def workbook(rules: RuleSet, others: Mapping[str, tuple[str, RuleSet]] | None = None) -> bytes:
    """The XLSForm as .xlsx bytes."""
    try:
        from openpyxl import Workbook  # type: ignore[import-untyped]
        from openpyxl.cell.cell import Cell  # type: ignore[import-untyped]
    except ImportError:
        raise TriageError("writing an XLSForm needs openpyxl: pip install 'redflag-triage[xlsform]'") from None
    skiplogic.refuse(problems(rules))
    book = Workbook()
    first = True
    for name, rows in sheets(rules, others).items():
        sheet = book.active if first else book.create_sheet()
        first = False
        sheet.title = name
        for row in rows:
            cells = [Cell(sheet, value=value) for value in row]
            for cell in cells:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # a rule file's words are data, never a spreadsheet formula
            sheet.append(cells)  # cells made here: appending stays linear in the number of rows
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def column_map(rules: RuleSet, header: list[str]) -> ColumnMap:
    """How to read ODK Central's CSV export: group names prefix the question names (`group-q`; KoboToolbox
    writes `group/q`)."""
    out = ColumnMap()
    for h in header:
        name = re.split(r"[-/]", norm(h))[-1]
        if name != norm(h) and name in rules.questions_by_id:
            out.columns[norm(h)] = name
    return out
