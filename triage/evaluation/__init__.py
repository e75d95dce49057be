"""Evaluation: from a rule set and answers to a result, three ways that must agree.

The reference engine (engine), the packed batch evaluator that decides on a key of bits with the
rule set compiled to closures (packed), and the rule set as one SQL SELECT (sql). Imports only core.
"""
