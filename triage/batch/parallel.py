"""`triage score --jobs N`: score a large file in N worker processes, each over its own byte range.

The file is cut at record boundaries: a newline with an even number of quote characters before it
(CSV doubles quotes inside quoted cells, so parity tells inside from outside). Each worker writes its
rows to a part file; the parts are joined in order, so the output is the same as with one process.
Only files in an encoding where quote and newline are single bytes (UTF-8, Latin-1, cp1252, ASCII)
can be cut this way.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import secrets
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import IO, Any, Callable, NamedTuple

from ..core.model import RuleSet
from .columns import ADDED, resolve_map
from .scorer import Scorer, Summary
from .stream import SPLITTABLE, Options, Part, detect_delimiter, score_file
from ..core.cells import escape_formula

Buffer = Any  # a writable bytes-like object (collections.abc.Buffer from Python 3.12)

MIN_BYTES_PER_JOB = 8 << 20  # below this a worker costs more to start than it saves
_BLOCK = 1 << 20  # read in blocks this size: the cut costs no memory to speak of


def default_jobs(path: str) -> int:
    """--jobs when not given: one worker per core this process may use, for files of at least two
    workers' worth of bytes (MIN_BYTES_PER_JOB each); one process for anything smaller."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    try:
        size = os.path.getsize(path)
    except OSError:
        return 1
    return max(1, min(cores, size // MIN_BYTES_PER_JOB))


def can_split(path: str, options: Options) -> bool:
    return (path != "-" and codecs.lookup(options.encoding).name in SPLITTABLE and options.fmt in ("csv", "jsonl", "fhir")
            and options.source != "fhir")


def record_starts(path: str, parts: int) -> tuple[int, list[int], list[int]]:
    """(offset where the body starts, offsets where each part starts, lines before each part start).

    Starts are record boundaries. One pass over the file, counting quotes and newlines in C
    (`bytes.count`); between targets it does not look at each newline, only counts.
    """
    size = os.path.getsize(path)
    body: int | None = None
    starts: list[int] = []
    lines_before: list[int] = []
    targets: list[int] = []
    quotes = position = newlines = 0
    with open(path, "rb") as f:
        while block := f.read(_BLOCK):
            i = 0
            while True:
                if body is not None:
                    if not targets:
                        return body, starts, lines_before
                    jump = targets[0] - position
                    if jump >= len(block):
                        break
                    if jump > i:
                        quotes += block.count(b'"', i, jump)
                        i = jump
                j = block.find(b"\n", i)
                if j < 0:
                    break
                quotes += block.count(b'"', i, j + 1)
                i = j + 1
                if quotes % 2:
                    continue  # a newline inside a quoted cell
                if body is None:
                    body = position + i
                    step = (size - body) / parts
                    targets = [int(body + k * step) for k in range(1, parts)]
                    starts, lines_before = [body], [newlines + block.count(b"\n", 0, i)]
                elif position + i > starts[-1]:
                    starts.append(position + i)
                    lines_before.append(newlines + block.count(b"\n", 0, i))
                    targets.pop(0)
            quotes += block.count(b'"', i)
            newlines += block.count(b"\n")
            position += len(block)
    if body is None:
        return size, [size], [newlines]
    return body, starts, lines_before


class _Range(io.RawIOBase):
    """A read-only window [start, end) on a file, followed by `tail` (the part's sentinel line)."""

    def __init__(self, path: str, start: int, end: int, tail: bytes = b""):
        self.f = open(path, "rb")
        self.f.seek(start)
        self.left = end - start
        self.tail = tail

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Buffer) -> int:
        view = memoryview(buffer)
        if self.left <= 0:
            n = min(len(view), len(self.tail))
            view[:n] = self.tail[:n]
            self.tail = self.tail[n:]
            return n
        n = self.f.readinto(view[: min(len(view), self.left)]) or 0
        self.left -= n
        return n

    def close(self) -> None:
        self.f.close()
        super().close()


_DONE: Any = None  # in a worker: the bytes scored by every worker, shared with the parent's progress bar


def _worker_start(done: Any = None) -> None:
    """Workers leave signals to the parent, which stops them (pool.terminate) and cleans up; and
    they die with it, whatever kills it."""
    import signal

    global _DONE
    _DONE = done

    # Each worker scores its part in columns on one thread: the workers are the parallelism
    # (measured faster than polars' own threads in one process; docs/performance.md).
    os.environ.setdefault("POLARS_MAX_THREADS", "1")
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: Linux only; elsewhere this does nothing
    except (OSError, AttributeError):
        pass


class Job(NamedTuple):
    """What one worker is given: a byte range of the file, and where to write its scored rows."""

    rules: RuleSet
    path: str
    start: int
    end: int
    part: Part
    options: Options
    name: str
    out_path: str


def _work(job: Job) -> tuple[str, Summary]:
    part, options = job.part, job.options
    tail = (part.sentinel + "\n").encode(options.encoding) if part.sentinel else b""
    source = _Range(job.path, job.start, job.end, tail)
    try:
        # Owner-only, like every file triage writes: a part holds scored health data.
        with open(os.open(job.out_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8", newline="") as out:
            summary = score_file(job.rules, source, out, options, name=job.name, part=part, on_progress=_reporter())
    finally:
        source.close()
    return job.out_path, summary


def _reporter() -> Callable[[int], None] | None:
    """Adds this worker's progress (bytes of its part) to the shared count."""
    if _DONE is None:
        return None
    last = 0

    def report(count: int) -> None:
        nonlocal last
        with _DONE.get_lock():
            _DONE.value += count - last
        last = count

    return report


def score_parallel(
    rules: RuleSet, path: str, out: IO[str], options: Options, jobs: int, name: str,
    on_start: Callable[[Scorer], None] | None = None, min_bytes_per_job: int | None = None,
    on_parts: Callable[[int], None] | None = None, on_progress: Callable[[int], None] | None = None,
) -> Summary:
    """Score `path` with up to `jobs` processes; falls back to one when the file is small.

    `on_parts` is told how many worker processes really start (tests check that they do);
    `on_progress`, as with one process, how many bytes of the file have been scored, all parts together.
    """
    size = os.path.getsize(path)
    jobs = max(1, min(jobs, size // (min_bytes_per_job or MIN_BYTES_PER_JOB)))
    cut = _cut(path, jobs, options) if jobs > 1 else None
    if cut is None:
        # Small file, or one this cut cannot handle (lines ending in a lone CR, say): one process.
        with open(path, "rb") as f:
            return score_file(rules, f, out, options, name=name, on_start=on_start, on_progress=on_progress)
    header, delimiter, starts, line_offsets = cut
    # Check the header here, once, so a missing column stops the run before any worker starts.
    scorer = Scorer(rules, header, resolve_map(rules, header, options.colmap, options.source), options.allow_missing)
    if on_start:
        on_start(scorer)
    bounds = list(zip(starts, starts[1:] + [size]))
    encoding = options.encoding
    # A worker also holds the pages it shares with its parent: it runs with half-size caches.
    part_options = replace(options, encoding="utf-8" if encoding == "utf-8-sig" else encoding, limits=options.limits.halved())
    # The cuts are a guess from quote parity, which a quote inside an unquoted cell (`disc 5"`) fools.
    # Each part but the last is read with a sentinel line after it: the guess is verified when every
    # part ends between records (by induction from the header, each next part then starts at one).
    sentinel = f"\x1ftriage-part-end-{secrets.token_hex(16)}"
    with tempfile.TemporaryDirectory(prefix="triage-parts-") as tmp:
        work = [
            Job(rules, path, start, end, Part(header, delimiter, offset, sentinel if end < size else None), part_options,
                name, str(Path(tmp) / f"{i:04d}"))
            for i, ((start, end), offset) in enumerate(zip(bounds, line_offsets))
        ]
        if on_parts:
            on_parts(len(work))
        done = _run_workers(work, on_progress)
        if not all(summary.ended_on_boundary for _, summary in done):
            # A cut fell inside a record: score the whole file again in one process, never lose a row.
            with open(path, "rb") as f:
                return score_file(rules, f, out, options, name=name, on_progress=on_progress)
        total = _join(done, header, delimiter, out, options)
    if os.path.getsize(path) != size:
        total.input_changed = True
    return total


def _cut(path: str, jobs: int, options: Options) -> tuple[list[str], str, list[int], list[int]] | None:
    """(header, delimiter, part starts, lines before each part), or None when the file cannot be cut."""
    body, starts, line_offsets = record_starts(path, jobs)
    with open(path, "rb") as f:
        head = f.read(body)
    try:
        header_text = head.decode(options.encoding)
    except UnicodeDecodeError:
        header_text = ""  # the single-process path reports it properly
    delimiter = options.delimiter or detect_delimiter(header_text)
    header_rows = list(csv.reader(io.StringIO(header_text, newline=""), delimiter=delimiter))
    if len(header_rows) != 1 or not any(header_rows[0]) or len(starts) < 2:
        return None
    return header_rows[0], delimiter, starts, line_offsets


def _run_workers(work: list[Job], on_progress: Callable[[int], None] | None = None) -> list[tuple[str, Summary]]:
    import multiprocessing

    # Forking a process whose polars has started its thread pool can leave a worker waiting on a lock
    # that no thread will release: such a process (a library user's, say) spawns its workers instead.
    fork = "fork" in multiprocessing.get_all_start_methods() and "polars" not in sys.modules
    context = multiprocessing.get_context("fork" if fork else "spawn")
    if on_progress is None:
        with context.Pool(len(work), initializer=_worker_start) as pool:
            return pool.map(_work, work)
    done = context.Value("q", 0)
    with context.Pool(len(work), initializer=_worker_start, initargs=(done,)) as pool:
        pending = pool.map_async(_work, work)
        while not pending.ready():
            pending.wait(0.1)
            on_progress(done.value)
        results = pending.get()
        on_progress(done.value)
        return results


def _join(done: list[tuple[str, Summary]], header: list[str], delimiter: str, out: IO[str], options: Options) -> Summary:
    """The header, then each part's rows in order; their summaries added up."""
    if options.fmt == "csv":
        writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
        escaped = [escape_formula(c) for c in header] if options.escape_formulas else header
        writer.writerow(escaped + list(ADDED))
    total = Summary()
    for part_path, summary in done:
        with open(part_path, encoding="utf-8", newline="") as part_file:
            shutil.copyfileobj(part_file, out)
        os.unlink(part_path)
        total.merge(summary, options.max_reported_errors)
    return total
