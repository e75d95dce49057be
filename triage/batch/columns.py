"""The columns of a batch file: which holds which question, what scoring adds, and the map a form tool's export implies."""

from __future__ import annotations

from ..core.errors import TriageError
from ..core.model import RuleSet
from ..read.mapfile import ColumnMap

ADDED = ("disposition", "action", "reasons", "unknown", "unsure", "not_recorded", "not_given",
         "raised_by_not_recorded", "error", "rules_version")


ERROR_CELL = ADDED.index("error")


class MissingColumnsError(TriageError):
    def __init__(self, missing: list[str], hints: dict[str, str]):
        self.missing = missing
        parts = [f"{q}{hints.get(q, '')}" for q in missing]
        super().__init__(
            f"missing question column{'s' if len(missing) > 1 else ''}: {', '.join(parts)}. "
            "Rename the header, map it with --map, or score those questions as unknown with --allow-missing"
        )


def one_edit_apart(a: str, b: str) -> bool:
    """Whether one letter added, dropped, changed or two neighbours swapped turn a into b."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = next((k for k in range(len(a)) if a[k] != b[k]), len(a))
    if len(a) < len(b):
        return a[i:] == b[i + 1:]
    return a[i + 1:] == b[i + 1:] or (i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2:] == b[i + 2:])


def resolve_map(rules: RuleSet, header: list[str], colmap: ColumnMap | None, source: str) -> ColumnMap | None:
    """The column map for a file: --map, plus for a REDCap or ODK export the one its tool implies
    (what --map says wins)."""
    if source not in ("redcap", "odk"):
        return colmap
    if source == "redcap":
        from ..formtools.redcap import column_map
    else:
        from ..formtools.xlsform import column_map
    derived = column_map(rules, header)
    if colmap is not None:
        derived.columns.update(colmap.columns)
        for qid, codes in colmap.values.items():
            derived.values[qid] = {**derived.values.get(qid, {}), **codes}
    return derived
