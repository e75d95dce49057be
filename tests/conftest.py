import os
from pathlib import Path

import pytest

# Rich wraps to the terminal width; pin it so assertions do not depend on where tests run.
os.environ["COLUMNS"] = "100"
os.environ["TERMINAL_WIDTH"] = "100"
os.environ.pop("FORCE_COLOR", None)

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI") == "true"


def optional(module: str, why: str):
    """A module of the test extra: skipped with the reason where it is not installed, but in CI
    (CI=true) its absence fails, so a part never goes untested there without a word."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        message = f"{module} is not installed ({why}; it is in the test extra: pip install -e '.[test]')"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message, allow_module_level=True)


def needs(found: bool, what: str) -> None:
    """A program the tests need (Chromium, a JVM): skipped with the reason, failed in CI."""
    if not found:
        if IN_CI:
            pytest.fail(f"{what} (.ci/run installs it)", pytrace=False)
        pytest.skip(what, allow_module_level=True)
DEFAULT_RULES = ROOT / "rules" / "l2_l3_radiculopathy.yaml"
DEFAULT_CASES = ROOT / "rules" / "l2_l3_radiculopathy.cases.yaml"


@pytest.fixture(scope="session")
def rules():
    from triage import load_rules

    return load_rules(DEFAULT_RULES)


@pytest.fixture(scope="session")
def all_no(rules):
    """Every yes/no question answered no: the baseline self-care answer set."""
    return {q.id: "no" for q in rules.questions if q.type == "yesno"}


MINIMAL = """\
id: tiny
title: Tiny
version: "1"
disclaimer: Not a diagnosis.
dispositions:
  - {id: urgent, label: Urgent, colour: red, summary: Go now.}
  - {id: home, label: Home, colour: green, summary: Stay home.}
questions:
  - {id: pain, type: yesno, text: "Any pain?", why: Because.}
  - {id: temp, type: number, text: "Temperature?", why: Because., optional: true, min: 30, max: 45}
rules:
  - id: pain
    disposition: urgent
    when: {question: pain, is: yes}
    rationale: Pain is bad.
"""

# CI runs must not flake: the same examples every run there; locally hypothesis explores freely.
from hypothesis import settings  # noqa: E402

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
