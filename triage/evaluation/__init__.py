"""Evaluation: from a rule set and answers to a result, four ways that must agree.

The reference engine (engine), the packed batch evaluator that decides on a key of bits with the
rule set compiled to closures (packed), the rule set as one SQL SELECT (sql), and the rule set as
polars expressions over columns of answer codes (columnar; polars is imported only there, and only
by `score`). Imports only core.
"""
