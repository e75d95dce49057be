"""Batch scoring: a file of responses in, one output row per input row, memory flat.

Which column holds which question and what scoring adds (columns), turning rows into result cells
through bounded caches (scorer), streaming a file through them (stream chooses the path: a line at a time
in lines, or in blocks of rows evaluated in columns when polars is installed in blocks), the CSV, JSON lines and FHIR writers (writers), and
--jobs over byte ranges of one file (parallel).
"""
