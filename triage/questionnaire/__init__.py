"""The questionnaire flow: which question comes next, and asking it in a terminal.

The session (session) decides the order and when the result is settled; the prompt (prompt) asks
one question through any console. Imports core and evaluation.
"""
