"""Streaming a CSV file through a Scorer: one output row per input row, memory flat however long the file.

score_file chooses the path: blocks of columns (blocks.py) where polars is installed and the file
is big enough, else a line at a time (lines.py). Both write the same bytes.
"""

from __future__ import annotations

import csv
import gc
import io
from typing import IO, Callable

from ..core.model import RuleSet
from .lines import BLOCK_CHARS, DELIMITERS, MAX_LINE, SPLITTABLE, Options, Part, _Stream, detect_delimiter
from .scorer import Scorer, Summary

__all__ = ["BLOCK_CHARS", "DELIMITERS", "MAX_LINE", "SPLITTABLE", "Options", "Part", "detect_delimiter", "score_file"]

def score_file(
    rules: RuleSet,
    source: IO[bytes] | io.RawIOBase,
    out: IO[str],
    options: Options,
    name: str = "<stdin>",
    on_progress: Callable[[int], None] | None = None,
    on_start: Callable[[Scorer], None] | None = None,
    part: Part | None = None,
) -> Summary:
    """Score every row of `source` into `out`. Raises for file-level problems; row problems go into rows."""
    run = _Stream(source, out, options, name, part)
    gc_was_on = gc.isenabled()
    try:
        blocks = run.blocks_wanted()
        if blocks:
            run.text._CHUNK_SIZE = 1  # type: ignore[attr-defined]  # the header alone: the blocks read the rest as bytes
        run.start(rules, on_start)
        gc.disable()  # the loop makes no reference cycles; pausing the collector saves its scans
        if blocks and (part is not None or run.last_line.endswith("\n")):
            from .blocks import BlockScorer

            BlockScorer(run, options.block_chars).run(on_progress)
        else:
            run.text._CHUNK_SIZE = 8192  # type: ignore[attr-defined]
            run.loop(on_progress)
        run.check_end()
    except (UnicodeError, csv.Error) as exc:
        raise run.file_error(exc) from None
    finally:
        run.flush()  # the rows scored before a problem, as before it
        if gc_was_on:
            gc.enable()
    return run.scorer.finish()
