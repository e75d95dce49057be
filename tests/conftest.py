import os
from pathlib import Path

import pytest

# Rich wraps to the terminal width; pin it so assertions do not depend on where tests run.
os.environ["COLUMNS"] = "100"
os.environ["TERMINAL_WIDTH"] = "100"
os.environ.pop("FORCE_COLOR", None)

ROOT = Path(__file__).resolve().parent.parent
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
