"""The code stays honest: ruff and mypy, configured in pyproject.toml, run with the test suite."""

import shutil
import subprocess
import sys

import pytest

from .conftest import ROOT


@pytest.mark.parametrize("tool,args", [("ruff", ["check", "triage", "tests"]), ("mypy", [])])
def test_tool_is_clean(tool, args):
    if shutil.which(tool) is None and subprocess.run([sys.executable, "-m", tool, "--version"], capture_output=True).returncode:
        pytest.skip(f"{tool} is not installed (it is in the test extra)")
    result = subprocess.run([sys.executable, "-m", tool, *args], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
