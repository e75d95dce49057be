"""triage: red-flag symptom triage from declarative rule files.

    from triage import load_rules, evaluate
    result = evaluate(load_rules(), {"fever": "yes"})
    result.disposition.id  # 'urgent_care'

Names are resolved lazily so that `triage --version` does not pay for the engine.
"""

__version__ = "0.1.0"

__all__ = ["load_rules", "evaluate", "Result", "RuleSet", "TriageError", "RuleFileError", "AnswerError"]


def __getattr__(name: str) -> object:
    if name == "load_rules":
        from .read.loader import load_rules

        return load_rules
    if name in ("evaluate", "Result"):
        from .evaluation import engine

        return getattr(engine, name)
    if name == "RuleSet":
        from .core.model import RuleSet

        return RuleSet
    if name in ("TriageError", "RuleFileError", "AnswerError"):
        from .core import errors

        return getattr(errors, name)
    raise AttributeError(f"module 'triage' has no attribute {name!r}")
