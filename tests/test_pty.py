"""Drive the real `triage run` in a pseudo-terminal, keystroke by keystroke, as a person would."""

import io
import os
import re
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


def _answer_everything(args, tmp_path):
    """Answer the whole questionnaire as a person would: no to every yes/no question, 40 to every number."""
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm-256color", "NO_COLOR": "1"}
    child = pexpect.spawn(sys.executable, ["-m", "triage", "run", *args], env=env, encoding="utf-8", timeout=20,
                          dimensions=(40, 100), cwd=str(tmp_path))
    prompts = 0
    while child.expect(["> ", pexpect.EOF]) == 0:
        prompts += 1
        child.sendline("40" if "(a number" in child.before else "no")
    screen = child.before
    child.close()
    assert child.exitstatus == 0, screen
    return prompts, re.sub(r"\r|\x1b\[[0-9;]*m", "", screen)


def _panel(screen):
    """The result panel's lines, from its top border to its bottom one."""
    lines = screen.splitlines()
    top = next(i for i, line in enumerate(lines) if line.startswith("╭"))
    bottom = next(i for i in range(top, len(lines)) if lines[i].startswith("╰"))
    return lines[top:bottom + 1]


def test_a_saved_session_replays_to_the_same_result_screen_and_the_trace_names_every_question_not_asked(tmp_path):
    """Issue 23: a replay showed 23 'not recorded' questions the live session had deliberately not asked,
    and the trace said temperature_c 'could not change the result' when its condition was false."""
    _, live = _answer_everything(["--save", "mine.yaml", "--trace"], tmp_path)
    saved = (tmp_path / "mine.yaml").read_text()
    assert "temperature_c: not asked" in saved and "blood_thinners: not asked" in saved
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    replay = pexpect.run(f"{sys.executable} -m triage run --answers mine.yaml", env=env, encoding="utf-8",
                         cwd=str(tmp_path), dimensions=(40, 100))
    replay = re.sub(r"\r|\x1b\[[0-9;]*m", "", replay)
    assert _panel(replay) == _panel(live)
    assert "Not recorded" not in "\n".join(_panel(live))
    assert "temperature_c: it is asked only when fever is not no, which was false" in live
    assert "blood_thinners: could not change the result" in live
    assert "diabetes: could not change the result" in live


def test_the_result_headline_is_the_last_thing_on_screen_after_a_long_questionnaire(tmp_path):
    """Issue 23: after 27 questions in a 100x40 terminal, the result's first lines scrolled off under the
    answer list. The headline is repeated last, so the end of the screen always says what to do."""
    _, live = _answer_everything([], tmp_path)
    last = [line for line in live.splitlines() if line.strip()][-1]
    assert last.startswith("Result: SEE A DOCTOR — Book a routine appointment"), last


def test_score_shows_its_progress_bar_with_two_jobs(tmp_path):
    """Issue 23: a 23 MB file scored with --jobs (two workers by default) showed a blank screen for 45 s."""
    from .test_parallel import make_file

    src = tmp_path / "big.csv"
    make_file(src, 50_000)
    assert src.stat().st_size > 4 << 20  # the bar's own threshold
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm-256color", "NO_COLOR": "1"}
    child = pexpect.spawn(sys.executable, ["-m", "triage", "score", str(src), "--jobs", "2", "-o", str(tmp_path / "out.csv")],
                          env=env, encoding="utf-8", timeout=60, dimensions=(40, 100))
    child.expect("Scoring")
    child.expect(r"Scoring[^\r]*?(?:[1-9]\d*\.\d|0\.[1-9])/\d+\.\d MB")  # and it moves: some bytes are scored
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1  # the file's rows with age 'old' are error rows, on purpose


BOX_DRAWING = re.compile("[\u2500-\u257f\u2580-\u259f]")  # box drawing and block elements


def spawn_with(*args, env_extra=None):
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm-256color", "NO_COLOR": "1", **(env_extra or {})}
    return pexpect.spawn(sys.executable, ["-m", "triage", "run", *args], env=env, encoding="utf-8", timeout=20,
                         dimensions=(40, 100), preexec_fn=_default_sigint)


# What the person in the Spanish run answers, by question: words they would type, never English.
SPANISH_PLAN = {"age": "72", "fever": "no sé", "temperature_c": "37,5", "weakness": "sí", "recent_fall": "sí",
                "cannot_bear_weight": "no", "osteoporosis": "no sé"}


def test_a_person_typing_only_spanish_gets_the_english_result_with_no_box_drawing(tmp_path):
    """Issue 21: `run --lang es --plain` completed in Spanish words, including "atrás" and "por qué";
    the saved answers, in the files' English spellings, replay in English to the same result; and
    the whole screen stream holds no box-drawing character."""
    from triage import load_rules

    spanish = load_rules(None, "es")
    by_text = {q.text: q for q in spanish.questions}
    saved = tmp_path / "respuestas.yaml"
    child = spawn_with("--lang", "es", "--plain", "--save", str(saved))
    child.logfile_read = stream = io.StringIO()  # every character the terminal was sent
    went_back = asked_why = False
    # Plain: each question is one line, with its choices spelled out after it.
    while child.expect([r"Pregunta \d+ de \d+ como mucho: ([^\r\n]+?) Responde [^\r\n]+ salir para terminar\.\r\n",
                        r"Resultado: ([^\r\n]+)\r\n"]) == 0:
        q = by_text[child.match.group(1).strip()]
        child.expect("> ")
        if q.id == "faint" and not went_back:
            child.sendline("atrás")
            went_back = True
            child.expect("Volvemos a:")
            continue
        if q.id == "faint" and not asked_why:
            child.sendline("por qué")
            asked_why = True
            child.expect("Por qué preguntamos:")
            child.expect("> ")
        child.sendline(SPANISH_PLAN.get(q.id, "no"))
    label = child.match.group(1).strip()
    child.expect(pexpect.EOF)
    screen = child.before
    child.close()
    assert child.exitstatus == 0 and went_back and asked_why
    import json as _json

    from typer.testing import CliRunner

    from triage.cli import app

    replay = CliRunner().invoke(app, ["run", "--answers", str(saved), "--format", "json"])
    english = _json.loads(replay.stdout)
    assert label == spanish.disposition(english["disposition"]).label.upper()
    for reason in english["reasons"]:
        assert spanish.rule(reason["rule"]).rationale in screen
    assert "Traducción aún no revisada" in screen
    assert saved.read_text(encoding="utf-8").count(": unsure") == 2  # files keep the English spellings
    assert "Pregunta 1 de" in stream.getvalue() and not BOX_DRAWING.search(stream.getvalue())


@pytest.mark.parametrize("how", [["--plain"], []])
def test_plain_mode_draws_no_box_on_a_terminal(how):
    """--plain, or TERM=dumb without it: headings in words, no box drawing anywhere on the screen."""
    child = spawn_with(*how, env_extra={} if how else {"TERM": "dumb"})
    child.logfile_read = stream = io.StringIO()
    for answer in ("40", "yes", "yes"):
        child.expect("> ")
        child.sendline(answer)
    child.expect(pexpect.EOF)
    child.close()
    screen = stream.getvalue()
    assert child.exitstatus == 0
    assert "Result: SEEK URGENT CARE" in screen and "Answer yes / no / unsure." in screen
    assert not BOX_DRAWING.search(screen), BOX_DRAWING.search(screen)
