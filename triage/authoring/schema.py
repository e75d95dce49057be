"""The JSON Schema of the rule-file format, for editors (completion, validation) and for tests.

Built from the same key lists the loader uses, so the two cannot disagree about which keys exist.
"""

from __future__ import annotations

from typing import Any, Iterable

from ..core.logic import COMPARISONS
from ..read.loader import (
    COLOURS,
    DISPOSITION_KEYS,
    DISPOSITION_OPTIONAL,
    QUESTION_KEYS,
    QUESTION_OPTIONAL,
    RULE_KEYS,
    RULE_OPTIONAL,
    SOURCE_KEYS,
    TOP_KEYS,
    TOP_OPTIONAL,
)

ID = {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}
TEXT = {"type": "string", "minLength": 1}
TEXTS = {"oneOf": [TEXT, {"type": "array", "items": TEXT}]}
FLAG = {"oneOf": [{"type": "boolean"}, {"enum": ["yes", "no"]}]}


def _object(required: Iterable[str], optional: Iterable[str], properties: dict[str, Any], description: str) -> dict[str, Any]:
    assert set(properties) == set(required) | set(optional)
    return {"type": "object", "description": description, "required": list(required),
            "properties": properties, "additionalProperties": False}


def _condition() -> dict[str, Any]:
    """A condition: a comparison (each registered comparison is a property), or all/any/not."""
    comparison = {
        "type": "object",
        "description": "One question's answer compared with a value.",
        "required": ["question"],
        "properties": {
            "question": {**ID, "description": "The id of a question in this file."},
            **{c.key: (
                {"type": "number", "description": f"For number questions: the answer {c.words} this value."}
                if c.applies_to == "number" else
                {"description": ("For yes/no questions." if c.applies_to == "yesno" else
                                 "For optional number questions: whether an answer was given (yes) or not (no)."),
                 "oneOf": [{"enum": ["yes", "no"]}, {"type": "boolean"}]})
               for c in COMPARISONS.values()},
        },
        "additionalProperties": False,
        "minProperties": 2,
        "maxProperties": 2,
    }
    condition = {
        "description": "A comparison, or all/any of a list of conditions, or not of one.",
        "oneOf": [
            comparison,
            _object(["all"], [], {"all": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/condition"}}}, "Every condition is true."),
            _object(["any"], [], {"any": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/condition"}}}, "At least one condition is true."),
            _object(["not"], [], {"not": {"$ref": "#/$defs/condition"}}, "The condition is false."),
        ],
    }
    return condition


def rule_file_schema() -> dict[str, Any]:
    condition = _condition()
    disposition = _object(DISPOSITION_KEYS, DISPOSITION_OPTIONAL, {
        "id": ID, "label": TEXT, "colour": {"enum": list(COLOURS)}, "summary": TEXT,
        "advice": TEXTS,
        "safety_net": {"oneOf": [TEXT, {"type": "array", "items": {"oneOf": [TEXT, _object(("text", "when"), (), {
            "text": TEXT, "when": {"$ref": "#/$defs/condition"}},
            "A line shown only where its condition could hold (is not definitely false).")]}}]},
    }, "A possible result, most urgent first; the last is the default.")
    question = _object(QUESTION_KEYS, QUESTION_OPTIONAL, {
        "id": ID, "type": {"enum": ["yesno", "number"]}, "text": TEXT, "why": TEXT, "flag": FLAG,
        "optional": {**FLAG, "description": "A blank means 'not given': an optional number counts towards no "
                     "criterion; an optional yes/no question reads as no, is never unknown, and may have no column."},
        "topic": {**TEXT, "description": "For an optional yes/no question: what it screens for, in a few words "
                  "('pregnancy'), for the lines that say a screen was not done."},
        "unsure_note": {**TEXT, "description": "Advice added where a result lists this question as answered unsure."},
        "min": {"type": "number"}, "max": {"type": "number"}, "unit": TEXT,
        "ask_when": {"$ref": "#/$defs/condition"},
    }, "A question, asked in file order.")
    rule = _object(RULE_KEYS, RULE_OPTIONAL, {
        "id": ID, "disposition": ID, "when": {"$ref": "#/$defs/condition"}, "rationale": TEXT, "source": ID,
        "if_unsure": {**ID, "description": "The disposition when an 'unsure' answer leaves the rule unknown: from "
                      "the rule's own disposition down to the one above the default (the default for this key)."},
        "action": {**TEXT, "description": "What to do now, shown as the headline when this rule decides the result."},
        "action_if_unsure": {**TEXT, "description": "The headline when this rule's unsure state decides the result."},
    }, "A criterion: when its condition is true, the result is at least its disposition.")
    source = _object(SOURCE_KEYS, (), {"id": ID, "title": TEXT}, "Where a rule's evidence comes from.")
    top = _object(TOP_KEYS, TOP_OPTIONAL, {
        "id": ID, "title": TEXT, "version": {"type": ["string", "number"]}, "description": TEXT,
        "disclaimer": TEXT,
        "sources": {"type": "array", "items": {"$ref": "#/$defs/source"}},
        "dispositions": {"type": "array", "minItems": 2, "items": {"$ref": "#/$defs/disposition"}},
        "questions": {"type": "array", "items": {"$ref": "#/$defs/question"}},
        "rules": {"type": "array", "items": {"$ref": "#/$defs/rule"}},
        "retired_questions": {"type": "object", "description": "Question ids of an earlier version, each with the "
                              "ids that replace it: files still using them are refused with a message naming these.",
                              "additionalProperties": {"oneOf": [ID, {"type": "array", "items": ID}]}},
    }, "A triage rule set.")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:triage:rule-file",
        "title": "triage rule file",
        **top,
        "$defs": {"condition": condition, "disposition": disposition, "question": question, "rule": rule, "source": source},
    }
