"""The floor for any per-row Python work: a plain loop that appends five constant cells to each row."""

import csv
import sys

ADDED = ["", "", "", "", ""]
with open(sys.argv[1], newline="", encoding="utf-8-sig") as f, open(sys.argv[2], "w", newline="", encoding="utf-8") as out:
    write = csv.writer(out, lineterminator="\n").writerow
    for row in csv.reader(f):
        write(row + ADDED)
