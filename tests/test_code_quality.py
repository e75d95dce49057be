"""The code stays honest: ruff and mypy, configured in pyproject.toml, run with the test suite."""

import shutil
import subprocess
import sys

import pytest

from .conftest import ROOT, needs


@pytest.mark.parametrize("tool,args", [("ruff", ["check", "triage", "tests"]), ("mypy", [])])
def test_tool_is_clean(tool, args):
    needs(shutil.which(tool) is not None or not subprocess.run([sys.executable, "-m", tool, "--version"], capture_output=True).returncode,
          f"{tool} is not installed (it is in the test extra: pip install -e '.[test]')")
    result = subprocess.run([sys.executable, "-m", tool, *args], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_function_is_short():
    """Small functions with one job each: none reaches 60 lines (nested functions count in their own right)."""
    import ast

    long = []
    for path in sorted((ROOT / "triage").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 >= 60:
                long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)")
    assert long == []


@pytest.mark.parametrize("in_ci,outcome", [(True, "Failed"), (False, "Skipped")])
def test_a_missing_optional_part_skips_with_its_reason_but_fails_in_ci(monkeypatch, in_ci, outcome):
    from . import conftest

    monkeypatch.setattr(conftest, "IN_CI", in_ci)
    with pytest.raises(BaseException) as caught:
        conftest.optional("triage_no_such_module", "a reason")
    assert type(caught.value).__name__ == outcome and "a reason" in str(caught.value)
    with pytest.raises(BaseException) as caught:
        conftest.needs(False, "no such program")
    assert type(caught.value).__name__ == outcome
