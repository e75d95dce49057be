"""The columns of a batch file: which holds which question, what scoring adds, and the map a form tool's export implies."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.errors import InputFileError, TriageError, did_you_mean
from ..core.model import RuleSet
from ..evaluation.engine import CELLS
from ..read.mapfile import ColumnMap, norm

# What scoring adds to each row: the result's cells (engine.CELLS, the order Result.cells() gives), then
# the row's error and the rule set's version.
ADDED = (*CELLS, "error", "rules_version")
ERROR_CELL = ADDED.index("error")


@dataclass(frozen=True)
class Layout:
    """Which column of a file holds which question, found once from its header."""

    positions: dict[str, int]  # question id -> position in the row
    missing: list[str]  # questions with no column (scored as not recorded, with --allow-missing)
    absent_screens: tuple[str, ...]  # optional yes/no questions with no column: not given
    hints: dict[str, str]  # for each absent question, " (did you mean ...?)" or ""


def layout(rules: RuleSet, header: list[str], colmap: ColumnMap, allow_missing: bool) -> Layout:
    """Match a header to the rule set's questions; refuses what would lose or misread answers."""
    _refuse_clashes(rules, header, colmap)
    positions: dict[str, int] = {}
    for pos, h in enumerate(header):
        qid = colmap.columns.get(norm(h)) or (norm(h) if norm(h) in rules.questions_by_id else None)
        if qid is None:
            continue
        if qid in positions:
            raise InputFileError(
                f"columns {header[positions[qid]]!r} and {h!r} both hold question '{qid}'; keep one"
            )
        positions[qid] = pos
    absent = [q.id for q in rules.questions if q.id not in positions]
    # An optional yes/no question may have no column (a file made before it was added): not given.
    # mutant: absent-screen
    screens = {q.id for q in rules.screens}
    missing = [q for q in absent if q not in screens]
    unmatched = [norm(h) for i, h in enumerate(header) if i not in positions.values()]
    hints = {q: did_you_mean(q, unmatched) for q in absent}
    if missing and not allow_missing:
        raise MissingColumnsError(missing, hints)
    # Even with --allow-missing, a header one edit away from a question id is almost surely that
    # question misspelt: scoring its answers as not recorded would drop them without a word.
    typos = [(h, q) for q in absent for h in unmatched if one_edit_apart(h, q)]
    if typos:
        h, q = typos[0]
        raise InputFileError(f"column {h!r} looks like question '{q}' misspelt; rename the header, or map it "
                             "with --map (a map is also how to say it is another column)")
    return Layout(positions, missing, tuple(q for q in absent if q in screens), hints)


def _refuse_clashes(rules: RuleSet, header: list[str], colmap: ColumnMap) -> None:
    clashes = [h for h in header if norm(h) in ADDED]
    if clashes:
        raise InputFileError(
            f"the input already has a column named {clashes[0]!r}, which scoring adds; rename or remove it"
        )
    retired = [h for h in header if norm(h) in rules.retired_questions and norm(h) not in colmap.columns]
    if retired:
        # Never silently ignored: a version-1 column holds answers the rules would otherwise miss.
        raise InputFileError(
            f"column {retired[0].strip()!r}: {rules.retired_hint(norm(retired[0]))}. Split it into those columns, "
            "or map it with --map if you know what it meant"
        )


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
