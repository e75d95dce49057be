"""The ground floor: the vocabulary every other wing speaks, and nothing else.

Typed errors with locations (errors), the three-valued logic and its comparisons (logic), the
validated rule-set model (model), answers as people type them (answers), conditions in plain words
(describe), which answers a question can take (domains), and what a spreadsheet would run (cells). Imports nothing from triage.
"""
