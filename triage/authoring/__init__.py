"""For rule authors: lint warnings (lint), running test cases (cases) and the JSON Schema of
the rule-file format (schema). Imports core, read and evaluation.
"""
