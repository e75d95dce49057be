"""The floor for a pure-Python pass: read every row with csv.reader and write it with csv.writer."""

import csv
import sys

with open(sys.argv[1], newline="", encoding="utf-8-sig") as f, open(sys.argv[2], "w", newline="", encoding="utf-8") as out:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(csv.reader(f))
