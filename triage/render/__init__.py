"""Results and rule sets for people: rich renderables and plain dicts for a result, a trace,
a summary or a failed case (result), the rule set as a tree (explain) and as a flowchart (diagram).
"""
