"""The columnar floor: read the file in bounded blocks of whole lines with polars and write them back.

What triage's block path does at the least (blocks of 2 MiB, every cell read as text, no rules), so
its cost is the floor that scoring in columns is compared with. Usage: polars_block_copy.py IN OUT [THREADS]
"""

import io
import os
import sys

os.environ["POLARS_MAX_THREADS"] = sys.argv[3] if len(sys.argv) > 3 else "1"
import polars as pl  # noqa: E402  # after the thread count is set

BLOCK = 2 << 20
with open(sys.argv[1], "rb") as f, open(sys.argv[2], "wb") as out:
    header = f.readline()
    out.write(header)
    rest = b""
    while True:
        data = f.read(BLOCK)
        if not data and not rest:
            break
        data = rest + data
        cut = data.rfind(b"\n") + 1 if len(data) > len(rest) else len(data)  # at the end, all that is left
        block, rest = data[:cut], data[cut:]
        if block:
            frame = pl.read_csv(io.BytesIO(header + block), infer_schema=False)
            frame.write_csv(out, include_header=False)
