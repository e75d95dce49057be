"""Writing scored rows: CSV records that read back, and the JSON lines and FHIR NDJSON formats."""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Callable

from ..core.model import RuleSet
from ..read.mapfile import norm
from .columns import ADDED

class Sink:
    """A file-like object whose writes go into the loop's output buffer, in order with the fast path."""

    __slots__ = ("write",)

    def __init__(self, write: Callable[[str], Any]):
        self.write = write


def csv_writer(out: Sink, delimiter: str) -> Callable[[list[str]], None]:
    """csv.writer's writerow, except that a cell holding a carriage return is quoted too: Python's
    writer quotes only the characters of its line terminator (here "\n"), and a lone "\r" ends a
    line for every reader, so the record would not read back."""
    plain = csv.writer(out, delimiter=delimiter, lineterminator="\n").writerow
    held = io.StringIO()
    careful = csv.writer(held, delimiter=delimiter, lineterminator="\r\n")

    def writerow(row: list[str]) -> None:
        if "\r" not in "".join(row):
            plain(row)
            return
        careful.writerow(row)
        out.write(held.getvalue()[:-2] + "\n")
        held.seek(0)
        held.truncate()

    return writerow


def fhir_writer(out: Sink, header: list[str], rules: RuleSet, width: int) -> Callable[[list[str]], None]:
    """One GuidanceResponse a line (NDJSON), naming the response by its id column if it has one."""
    from ..formtools.fhir import guidance_response

    names = [norm(h) for h in header]
    id_at = next((names.index(n) for n in ("response_id", "id", "record_id", "respondent_id", "key", "meta-instanceid") if n in names), None)

    def write_row(cells: list[str]) -> None:
        added = dict(zip(ADDED, cells[width:]))
        resource = guidance_response(rules, cells[id_at] if id_at is not None else "", added)
        out.write(json_line(resource))

    return write_row


def json_line(value: object) -> str:
    """One JSON value on one line (JSON lines, NDJSON)."""
    line = json.dumps(value, ensure_ascii=False)
    if "\u2028" in line or "\u2029" in line:
        # Valid JSON, but JavaScript and some JSON-lines readers take these for line breaks.
        line = line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return line + "\n"


def jsonl_writer(out: Sink, header: list[str], rules: RuleSet, width: int) -> Callable[[list[str]], None]:
    # Repeated headers must not overwrite each other: the second `note` becomes `note_2`, unless the
    # file has a `note_2` of its own, and so on until the name is free.
    keys: list[str] = []
    used = set(header)
    for h in header:
        key, n = h, 1
        while key in keys or (n > 1 and key in used):
            n += 1
            key = f"{h}_{n}"
        keys.append(key)
    disclaimer = rules.disclaimer

    def write_row(cells: list[str]) -> None:
        row = cells[:width]
        disposition, action, reasons, unknown, unsure, blank, not_given, raised, error, version = cells[width:]
        out.write(json_line({
            "input": dict(zip(keys, row)),
            "disposition": disposition or None,
            "action": action or None,
            "reasons": reasons.split(";") if reasons else [],
            "unknown": unknown.split(";") if unknown else [],
            "unsure": unsure.split(";") if unsure else [],
            "not_recorded": blank.split(";") if blank else [],
            "not_given": not_given.split(";") if not_given else [],
            "raised_by_not_recorded": raised == "yes",
            "error": error or None,
            "rules_version": version,
            "disclaimer": disclaimer,
        }))

    return write_row
