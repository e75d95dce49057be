"""XLSForm (ODK Collect, KoboToolbox): the rule set as a form workbook, and ODK Central's CSV export read
without a hand-written map.

yes/no questions are `select_one` with the choices yes, no and unsure (the names are triage's own
spellings, so an export needs no codes); numbers are `decimal` with a constraint for their range;
`relevant` says when a question could still matter (see skiplogic.py). Writing the workbook needs openpyxl
(`pip install 'triage[xlsform]'`).
"""

from __future__ import annotations

import io
import re

from ..core.errors import TriageError
from ..core.model import NUMBER, RuleSet
from ..read.mapfile import ColumnMap, norm
from . import skiplogic

CHOICES = "yes_no_unsure"
LABELS = {skiplogic.YES: "Yes", skiplogic.NO: "No", skiplogic.UNSURE: "Not sure"}
SURVEY = ("type", "name", "label", "hint", "relevant", "constraint", "constraint_message")


# ODK XPath: `${q}`, with the choice names (triage's own spellings) as values.
RELEVANT = skiplogic.Infix(lambda q: "${" + q + "}", str, "!=", "true()", "false()")


def relevant(expr: skiplogic.Expr) -> str:
    """An expression in ODK XPath for the `relevant` column ('' for always shown)."""
    return RELEVANT.write(expr)


def sheets(rules: RuleSet) -> dict[str, list[list[str]]]:
    """The workbook's sheets as rows of text (survey, choices, settings)."""
    survey: list[list[str]] = [list(SURVEY), ["note", "triage_disclaimer", rules.disclaimer, "", "", "", ""]]
    for q in rules.questions:
        shown = relevant(skiplogic.shown_when(q.ask_when, rules))
        if q.type == NUMBER:
            bounds = []
            if q.minimum is not None:
                bounds.append(f". >= {skiplogic.number(q.minimum)}")
            if q.maximum is not None:
                bounds.append(f". <= {skiplogic.number(q.maximum)}")
            label = skiplogic.label(q)
            message = (f"Between {skiplogic.number(q.minimum)} and {skiplogic.number(q.maximum)}" if q.minimum is not None and q.maximum is not None
                       else "Out of range" if bounds else "")
            survey.append(["decimal", q.id, label, q.why, shown, " and ".join(bounds), message])
        else:
            survey.append([f"select_one {CHOICES}", q.id, skiplogic.label(q), q.why, shown, "", ""])
    choices = [["list_name", "name", "label"]] + [[CHOICES, w, LABELS[w]] for w in LABELS]
    settings = [["form_title", "form_id", "version"], [rules.title, rules.id, rules.version]]
    return {"survey": survey, "choices": choices, "settings": settings}


def workbook(rules: RuleSet) -> bytes:
    """The XLSForm as .xlsx bytes."""
    try:
        from openpyxl import Workbook  # type: ignore[import-untyped]
    except ImportError:
        raise TriageError("writing an XLSForm needs openpyxl: pip install 'triage[xlsform]'") from None
    book = Workbook()
    first = True
    for name, rows in sheets(rules).items():
        sheet = book.active if first else book.create_sheet()
        first = False
        sheet.title = name
        for row in rows:
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # a rule file's words are data, never a spreadsheet formula
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
