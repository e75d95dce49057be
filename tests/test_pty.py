"""Drive the real `triage run` in a pseudo-terminal, keystroke by keystroke, as a person would."""

import os
import signal
import sys

import pytest

from .conftest import optional

pexpect = optional("pexpect", "it drives the terminal")


def spawn(no_color=True):
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    if no_color:
        env["NO_COLOR"] = "1"
    return pexpect.spawn(sys.executable, ["-m", "triage", "run"], env=env, encoding="utf-8", timeout=20,
                         dimensions=(40, 100), preexec_fn=_default_sigint)


def _default_sigint():
    # A shell that starts the test run in the background makes its children ignore SIGINT, and an
    # ignored signal stays ignored across exec: give the program the terminal a person would have.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_answers_invalid_answer_back_and_result():
    child = spawn()
    child.expect("Question 1 of at most")
    child.expect("> ")
    child.sendline("40")
    child.expect("all at once")
    child.expect("> ")
    child.sendline("n")
    child.expect("faint")
    child.expect("> ")
    child.sendline("perhaps")
    child.expect("Sorry, 'perhaps' is not an answer")
    child.expect("> ")
    child.sendline("back")
    child.expect("Going back to: Did pain in your back")
    child.expect("> ")
    child.sendline("no")
    child.expect("faint")
    child.expect("> ")
    child.sendline("?")
    child.expect("Why we ask:")
    child.expect("> ")
    child.sendline("no")
    child.expect("hard to start to pee")
    child.expect("> ")
    child.sendline("yes")
    child.expect("SEEK URGENT CARE")
    child.expect("Go to A&E now")
    child.expect("not a diagnosis")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_ctrl_c_ends_cleanly_without_traceback():
    child = spawn()
    child.expect("> ")
    child.sendline("40")
    child.expect("all at once")
    child.expect("> ")
    child.sendintr()
    child.expect("stopped before the end; no result was given")
    child.expect(pexpect.EOF)
    child.close()
    assert "Traceback" not in (child.before or "")
    assert child.exitstatus == 130


@pytest.mark.parametrize("no_color", [False, True])
def test_result_is_coloured_on_a_terminal_unless_no_color(no_color):
    child = spawn(no_color)
    for answer in ("40", "yes", "yes"):  # sudden, very bad pain with feeling faint
        child.expect("> ")
        child.sendline(answer)
    child.expect(pexpect.EOF)
    child.close()
    red = "31m" in child.before  # the urgent result is red
    assert red is not no_color
    assert "SEEK URGENT CARE" in child.before


def test_typed_markup_is_shown_as_typed_and_never_crashes():
    child = spawn()
    child.expect("> ")
    child.sendline("[/]")
    child.expect_exact("Sorry, '[/]' is not a number")
    child.expect("> ")
    child.sendline("[red]x")
    child.expect_exact("Sorry, '[red]x' is not a number")
    child.expect("> ")
    child.sendline("40")
    child.expect("all at once")
    child.expect("> ")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert "Traceback" not in (child.before or "")


def test_a_failed_save_still_shows_the_result_first(tmp_path):
    folder = tmp_path / "answers"
    folder.mkdir()
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm-256color", "NO_COLOR": "1"}
    child = pexpect.spawn(sys.executable, ["-m", "triage", "run", "--save", str(folder / "mine.yaml")], env=env,
                          encoding="utf-8", timeout=20, dimensions=(40, 100))
    child.expect("> ")
    folder.rmdir()  # the folder disappears while the person is answering
    child.sendline("40")
    child.expect("> ")
    child.sendline("yes")
    child.expect("> ")
    child.sendline("yes")  # sudden pain with feeling faint: the last question
    child.expect("SEEK URGENT CARE")
    child.expect("not a diagnosis")
    child.expect("the result above was not saved")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 3
