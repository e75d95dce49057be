"""What a spreadsheet would run: every cell triage writes, from answers or from a rule file, is data."""

from __future__ import annotations

import re

_FORMULA_START = frozenset("=+-@\t\r")


_PLAIN_NUMBER = re.compile(r"[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?")


def escape_formula(cell: str) -> str:
    """OWASP CSV-injection advice: a cell a spreadsheet would run as a formula gets a leading quote."""
    if cell and cell[0] in _FORMULA_START and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell
