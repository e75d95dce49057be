"""REDCap: the rule set as a data dictionary, and a REDCap export read without a hand-written map.

yes/no questions are radio fields coded 1 Yes, 0 No, 9 Unsure: REDCap's own yesno field type has no
"don't know", and a blank must stay "not recorded". Numbers are text fields with number validation and
the question's range. Branching logic says when a question could still matter (see skiplogic.py).
"""

from __future__ import annotations

import csv
import io
import re

from ..core.cells import escape_formula
from ..core.errors import InputFileError, Problem
from ..core.model import NUMBER, RuleSet
from ..read.mapfile import ColumnMap, norm
from . import skiplogic

COLUMNS = (
    "Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
    "Choices, Calculations, OR Slider Labels", "Field Note", "Text Validation Type OR Show Slider Number",
    "Text Validation Min", "Text Validation Max", "Identifier?", "Branching Logic (Show field only if...)",
    "Required Field?", "Custom Alignment", "Question Number (surveys only)", "Matrix Group Name",
    "Matrix Ranking?", "Field Annotation",
)
RULE_TEXT = ("Field Label", "Field Note")  # the columns that hold a rule file's own words
CODES = {skiplogic.YES: "1", skiplogic.NO: "0", skiplogic.UNSURE: "9"}
LABELS = {skiplogic.YES: "Yes", skiplogic.NO: "No", skiplogic.UNSURE: "Unsure"}
# Columns REDCap adds to exports: kept as they are, never scored.
SYSTEM_COLUMNS = ("record_id", "redcap_event_name", "redcap_data_access_group", "redcap_survey_identifier")


# Branching logic: `[field] = '1'`, `<>` for "not equal".
BRANCHING = skiplogic.Infix(lambda q: f"[{q}]", CODES.__getitem__, "<>", "1 = 1", "1 = 0")


def branching(expr: skiplogic.Expr) -> str:
    """An expression in REDCap's branching-logic syntax ('' for always shown)."""
    return BRANCHING.write(expr)


def form_name(rules: RuleSet) -> str:
    return re.sub(r"[^a-z0-9_]", "_", rules.id.lower())


def problems(rules: RuleSet) -> list[Problem]:
    """What would make the dictionary invalid in REDCap, or its export misread by `score --from redcap`."""
    reserved = (*SYSTEM_COLUMNS, "redcap_repeat_instrument", "redcap_repeat_instance", "triage_disclaimer", "submit",
                "new", f"{form_name(rules)}_complete")
    return skiplogic.id_problems(rules, reserved, "REDCap", longest=100)


def dictionary(rules: RuleSet) -> str:
    """The REDCap data dictionary (CSV) of one instrument named after the rule set. Every text cell is
    formula-escaped: a researcher opens this file in a spreadsheet before uploading it."""
    # One language per dictionary: REDCap's multi-language module adds the others inside REDCap.
    labels = LABELS if rules.language == "en" else skiplogic.answer_labels(rules.language)
    skiplogic.refuse(problems(rules))
    form = form_name(rules)
    rows: list[dict[str, str]] = [
        {"Variable / Field Name": "record_id", "Field Type": "text", "Field Label": "Record ID"},
        {"Variable / Field Name": "triage_disclaimer", "Field Type": "descriptive", "Field Label": rules.disclaimer},
    ]
    for q in rules.questions:
        row = {"Variable / Field Name": q.id, "Field Label": skiplogic.label(q), "Field Note": q.why,
               "Branching Logic (Show field only if...)": branching(skiplogic.shown_when(q.ask_when, rules)),
               "Field Annotation": f"@triage {rules.id} {rules.version}"}
        if q.type == NUMBER:
            row.update({"Field Type": "text", "Text Validation Type OR Show Slider Number": "number"})
            if q.minimum is not None:
                row["Text Validation Min"] = skiplogic.number(q.minimum)
            if q.maximum is not None:
                row["Text Validation Max"] = skiplogic.number(q.maximum)
        else:
            row.update({"Field Type": "radio",
                        "Choices, Calculations, OR Slider Labels": " | ".join(f"{CODES[w]}, {labels[w]}" for w in CODES)})
        rows.append(row)
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        # The rule file's words are escaped; triage's own cells (an @annotation, codes, logic) are not.
        writer.writerow({**{k: escape_formula(v) if k in RULE_TEXT else v for k, v in row.items()}, "Form Name": form})
    return out.getvalue()


def column_map(rules: RuleSet, header: list[str]) -> ColumnMap:
    """How to read a REDCap export of the instrument (raw codes or labels, variable names or field labels
    as headers). Refuses what would be scored wrongly: repeating instances and checkbox columns."""
    names = [norm(h) for h in header]
    clash = next((p for p in problems(rules)), None)
    if clash is not None:
        # A question named record_id would be scored from REDCap's record ids.
        raise InputFileError(f"{clash.location}: {clash.message}; a REDCap export of this rule set cannot be read")
    if "redcap_repeat_instrument" in names or "redcap_repeat_instance" in names:
        raise InputFileError("this REDCap export has repeating instruments (redcap_repeat_instrument): one row per "
                             "instance cannot be told from one row per person. Export the triage instrument alone, "
                             "without repeating instances, or remove those rows and columns")
    for h in names:
        base, sep, _ = h.partition("___")
        if sep and base in rules.questions_by_id:
            raise InputFileError(f"column {h!r} is a checkbox column of '{base}'; triage's instrument has radio "
                                 "buttons (1 Yes, 0 No, 9 Unsure): build the instrument from `triage export --to redcap`")
    out = ColumnMap()
    by_label = {norm(skiplogic.label(q)): q.id for q in rules.questions}
    for h in names:
        if h not in rules.questions_by_id and h in by_label:
            out.columns[h] = by_label[h]  # a label export with field labels as headers
    out.values["*"] = {CODES[skiplogic.UNSURE]: skiplogic.UNSURE}  # 1 and 0 are already yes and no; labels are words
    return out
