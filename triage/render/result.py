"""Turning a Result into what people and programs read: a rich panel, or a JSON-ready dict.

Every form carries the disclaimer; there is no switch to leave it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

from ..core.answers import answer_text, shown_answer
from ..core.describe import describe
from ..core.logic import UNSURE, Outcome
from ..core.words import w
from ..evaluation.engine import Result

if TYPE_CHECKING:
    from pathlib import Path

    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from ..authoring.cases import CaseOutcome
    from ..batch.scorer import Summary
    from ..core.model import Question, Rule, RuleSet, Value

OUTCOME_WORDS = {True: "true", False: "false", UNSURE: "unknown (unsure)"}


def outcome_word(value: Outcome) -> str:
    return OUTCOME_WORDS.get(value, "unknown (not recorded)")


def safety_net(result: Result) -> list[str]:
    """The disposition's safety-netting, when there is somewhere more urgent to go: not on the most
    urgent result when a definite answer decided it. A line with a condition is left out where the
    answers make that condition false."""
    if result.disposition is result.ruleset.dispositions[0] and result.deciding is not None:
        return []
    return [line.text for line in result.disposition.safety_net if line.applies(result.answers)]

STYLES = {"red": "bold red", "amber": "bold dark_orange", "green": "bold green", "blue": "bold blue", "grey": "bold"}


def not_recorded(result: Result, asked: list[str] | None) -> list[str]:
    """Answers not recorded; after a questionnaire, only those it asked (the rest were not asked
    because they could not change the result, which is not the same as a blank)."""
    return [q for q in result.not_recorded if asked is None or q in asked]


def unsure_line(q: Question) -> str:
    """An unsure question as a result lists it: its text, and the rule file's note for that case."""
    return f"{q.text} {q.unsure_note}" if q.unsure_note else q.text


def not_given(result: Result, asked: list[str] | None) -> list[str]:
    """Optional yes/no questions not given; after a questionnaire, only those it skipped because they
    did not apply (their ask_when was false), since the others could not change the result."""
    if asked is None:
        return list(result.not_given)
    rules = result.ruleset
    return [q for q in result.not_given if q not in asked and (ask := rules.question(q).ask_when) is not None
            and ask.evaluate(result.answers)[0] is False]


def result_dict(result: Result, asked: list[str] | None = None) -> dict[str, Any]:
    rules = result.ruleset
    d = result.disposition

    def rule_entry(rule: Rule) -> dict[str, Any]:
        return {"rule": rule.id, "disposition": rule.disposition, "text": rule.rationale}

    return {
        "disposition": d.id,
        "label": d.label,
        "summary": d.summary,
        "action": result.action,
        "action_from": None if result.action_rule is None else {
            "rule": result.action_rule.id, "if_unsure": result.action_unsure},
        "reasons": [rule_entry(r) for r in result.fired],
        "unknown": [
            {**rule_entry(r), "if_present": rules.disposition(r.disposition).label} for r in result.unknown
        ],
        "unknown_red_flags": list(result.unknown_flags),
        "unsure": list(result.unsure),
        "unsure_notes": [{"question": q, "note": n} for q in result.unsure if (n := rules.question(q).unsure_note)],
        "not_recorded": not_recorded(result, asked),
        "not_given": not_given(result, asked),
        "raised_by_not_recorded": result.raised_by_not_recorded,
        "advice": list(d.advice),
        "safety_net": safety_net(result),
        "disclaimer": rules.disclaimer,
        **({"notice": rules.notice} if rules.notice else {}),
        "language": rules.language,
        "rules": {"id": rules.id, "version": rules.version, "sha256": rules.sha256},
    }


@dataclass(frozen=True)
class Section:
    """One part of a result as every renderer draws it: a title and its lines, each with an optional
    emphasised tail ("If this turns out to be so: ..."). An inline section is one sentence."""

    key: str
    title: str
    lines: tuple[tuple[str, str], ...]
    inline: bool = False


@dataclass(frozen=True)
class ResultView:
    """A result as people read it, the one description that the terminal panel, the playground and
    its static export draw: each draws every section, in this order."""

    label: str
    colour: str
    summary: str
    action: str | None
    sections: tuple[Section, ...]
    disclaimer: str
    version: str
    notice: str = ""  # a translation not yet reviewed says so, in one line
    language: str = "en"


def result_view(result: Result, asked: list[str] | None = None) -> ResultView:
    rules = result.ruleset
    d = result.disposition

    def if_so(rule: Rule) -> str:
        """What to do if a rule that could not be ruled out turns out to be true."""
        return w("result.if_so", action=rule.action or rules.disposition(rule.disposition).label.lower() + ".")

    blanks = not_recorded(result, asked)
    skipped = not_given(result, asked)
    why = w("result.did_not_apply") if asked is not None else w("result.no_answer_given")
    headline = result.action
    sections = [
        Section("why", w("result.why"), tuple((r.rationale, "") for r in result.fired)),
        Section("unknown", w("result.unknown"), tuple((r.rationale, if_so(r)) for r in result.unknown)),
        Section("unsure", w("result.unsure"), tuple((unsure_line(rules.question(q)), "") for q in result.unsure)),
        Section("not_recorded", w("result.not_recorded"),
                ((w("result.no_answer_for", questions=", ".join(blanks)), ""),) if blanks else (), True),
        Section("not_given", w("result.not_asked"),
                ((w("result.skipped", questions=", ".join(skipped), why=why), ""),) if skipped else (), True),
        Section("unknown_flags", w("result.flags"), tuple(
            (w("result.flag_answer", text=rules.question(q).text, answer=shown_answer(rules.question(q), result.answers.get(q))), "")
            for q in result.unknown_flags)),
        Section("advice", w("result.what_now") if not headline else w("result.also"), tuple((a, "") for a in d.advice if a != headline)),
        Section("safety_net", w("result.safety_net"), tuple((a, "") for a in safety_net(result))),
    ]
    return ResultView(d.label, d.colour, d.summary, headline, tuple(x for x in sections if x.lines), rules.disclaimer,
                      w("result.version", id=rules.id, version=rules.version, sha=rules.sha256[:12]), rules.notice,
                      rules.language)


def result_renderable(result: Result, asked: list[str] | None = None, plain: bool = False) -> Panel | Group:
    """A rich renderable: the verdict in its colour, then why, what is uncertain, what to do. Plain, for a
    screen reader or a braille display, has no box: the verdict is a heading in words, bullets are dashes."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    view = result_view(result, asked)
    style = STYLES.get(view.colour, "bold")
    parts: list[Any] = [Text(w("result.heading") + view.label.upper(), style="bold")] if plain else []
    if view.notice:
        parts.append(Text(view.notice, style="bold"))
    parts.append(Text(view.summary))
    if view.action:
        parts.append(Text(""))
        parts.append(Text.assemble((w("result.what_now") + " ", "bold"), (view.action, style)))
    for section in view.sections:
        if section.inline:
            parts.append(Text(""))
            parts.append(Text.assemble((section.title + " ", "bold"), " ".join(text for text, _ in section.lines)))
        else:
            parts.extend(_section(section.title, [Text.assemble(text, (tail, "italic")) for text, tail in section.lines], plain))
    parts.append(Text(""))
    parts.append(Text(view.disclaimer, style="italic"))
    parts.append(Text(view.version, style="dim"))
    if plain:
        return Group(*parts)
    return Panel(Group(*parts), title=Text(view.label.upper(), style=style), border_style=style.split()[-1], expand=False)


def headline_renderable(result: Result) -> Text:
    """The result in one line or two: its label and what to do now."""
    from rich.text import Text

    d = result.disposition
    style = STYLES.get(d.colour, "bold")
    return Text.assemble("\n", (w("result.heading"), "bold"), (d.label.upper(), style), " — ", result.action or d.summary)


def box_default() -> Any:
    """rich's own table box, for the places plain mode replaces with none."""
    from rich import box

    return box.HEAVY_HEAD


def _section(title: str, lines: list[Text | str], plain: bool = False) -> list[Any]:
    """A bold title and its bullets, after a blank line; nothing for no lines."""
    from rich.table import Table
    from rich.text import Text

    if not lines:
        return []
    if plain:
        return [Text(""), Text(title, style="bold"), *(Text.assemble("- ", line) for line in lines)]
    bullets = Table.grid(padding=(0, 1))
    bullets.add_column(no_wrap=True)
    bullets.add_column()
    for line in lines:
        bullets.add_row(" •", line)
    return [Text(""), Text(title, style="bold"), bullets]


def decided_by(result: Result, qid: str, asked: list[str] | None) -> str:
    """An answer as the trace shows it: what was given, or that the question was never asked."""
    if asked is not None and qid not in asked:
        return f"not asked ({not_asked_reason(result, qid)})"
    return answer_text(result.ruleset.question(qid), result.answers.get(qid))


def not_asked_reason(result: Result, qid: str) -> str:
    """Why the questionnaire skipped a question: its condition was false, or no answer could matter."""
    ask = result.ruleset.question(qid).ask_when
    if ask is not None and ask.evaluate(result.answers)[0] is False:
        # The true reason: it did not apply. An answer given later (--set) could still change the result.
        return f"it is asked only when {describe(ask, result.ruleset)}, which was false"
    return "could not change the result"


def not_asked(result: Result, asked: list[str] | None) -> dict[str, str]:
    """Every question a questionnaire did not ask, in question order, with its reason."""
    if asked is None:
        return {}
    return {q.id: not_asked_reason(result, q.id) for q in result.ruleset.questions if q.id not in asked}


def answers_dict(rules: RuleSet, given: Mapping[str, Value]) -> dict[str, str | int | float]:
    """The answers given, in question order: a number as a JSON number (40, 37.5), the rest as words."""
    return {q.id: _json_answer(q, given[q.id]) for q in rules.questions if q.id in given}


def _json_answer(q: Question, value: Value) -> str | int | float:
    if value.__class__ is float:
        return int(value) if value.is_integer() else value
    return answer_text(q, value)


def answers_renderable(rules: RuleSet, given: Mapping[str, Value], plain: bool = False) -> Table | Group:
    """A one-screen summary of a person's answers, to show a clinician; plain: one answer per line."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    if plain:
        return Group(Text(w("result.answers"), style="bold"),
                     *(Text(f"- {q.text} {shown_answer(q, given[q.id])}") for q in rules.questions if q.id in given))

    table = Table(title=w("result.answers"), title_justify="left", show_header=False, box=None, padding=(0, 1))
    table.add_column("question", ratio=4)
    table.add_column("answer", ratio=1, style="bold")
    for q in rules.questions:
        if q.id in given:
            table.add_row(Text(q.text), Text(shown_answer(q, given[q.id])))
    return table


def trace_renderable(result: Result, asked: list[str] | None = None, plain: bool = False) -> Group:
    """Every rule with its outcome and the answers that decided it; the deciding rule marked. After a
    questionnaire, every question it did not ask, and why."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    table = Table(title="How the result was reached", title_justify="left", show_lines=False, box=None if plain else box_default())
    table.add_column("rule")
    table.add_column("level")
    table.add_column("outcome")
    table.add_column("decided by")
    deciding = result.deciding
    for outcome in result.trace:
        word = outcome_word(outcome.value)
        style = {"true": "bold", "false": "dim"}.get(word, "yellow")
        answers = ", ".join(f"{q}={decided_by(result, q, asked)}" for q in outcome.deciders)
        marker = ("-> " if plain else "→ ") if outcome.rule is deciding else "  "
        table.add_row(marker + outcome.rule.id, outcome.rule.disposition, word, Text(answers), style=style)
    skipped = not_asked(result, asked)
    if not skipped:
        return Group(table)
    return Group(table, *_section("Not asked:", [Text(f"{q}: {why}") for q, why in skipped.items()], plain))


def trace_dict(result: Result, asked: list[str] | None = None) -> list[dict[str, Any]]:
    return [
        {
            "rule": o.rule.id,
            "disposition": o.rule.disposition,
            "outcome": outcome_word(o.value),
            "decided_by": {q: decided_by(result, q, asked) for q in o.deciders},
        }
        for o in result.trace
    ]


def changed_rules(before: Result, after: Result) -> list[tuple[str, str, str]]:
    return [
        (a.rule.id, outcome_word(b.value), outcome_word(a.value))
        for b, a in zip(before.trace, after.trace)
        if b.value is not a.value
    ]


def change_dict(before: Result, after: Result) -> dict[str, Any]:
    return {
        "disposition": before.disposition.id,
        "changed_rules": [{"rule": r, "before": b, "after": a} for r, b, a in changed_rules(before, after)],
    }


def change_renderable(before: Result, after: Result, plain: bool = False) -> Table:
    from rich.table import Table
    from rich.text import Text

    table = Table(title="What-if", title_justify="left", box=None if plain else box_default())
    table.add_column("")
    table.add_column("before")
    table.add_column("after")
    b, a = before.disposition, after.disposition
    table.add_row("result", Text(b.label), Text(a.label), style="bold")
    changed = changed_rules(before, after)
    for rule, was, now in changed:
        table.add_row(f"rule {rule}", was, now)
    if not changed:
        table.add_row("rules", "no rule changed outcome", "")
    return table


def summary_renderable(summary: Summary, rules: RuleSet, quiet: bool = False, plain: bool = False) -> Group:
    """The end-of-batch report for stderr: counts, shares, top rules, most-unknown questions, disclaimer."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    parts: list[Any] = []
    if not quiet:
        parts.append(Text(w("summary.scored", rows=f"{summary.rows:,}", id=rules.id, version=rules.version, sha=rules.sha256),
                          style="bold"))
        table = Table(box=None if plain else box_default())
        table.add_column(w("summary.result"))
        table.add_column(w("summary.rows"), justify="right")
        table.add_column(w("summary.share"), justify="right")
        table.add_column("")
        total = summary.rows or 1
        for d in rules.dispositions:
            n = summary.by_disposition.get(d.id, 0)
            table.add_row(Text(d.label, style=STYLES.get(d.colour, "")), f"{n:,}", f"{n / total:.1%}", "" if plain else "█" * round(20 * n / total))
        table.add_row(Text(w("summary.error"), style="bold magenta"), f"{summary.errors:,}",
                      f"{summary.errors / total:.1%}", "" if plain else "█" * round(20 * summary.errors / total))
        parts.append(table)
        if summary.blank_lines:
            parts.append(Text(f"{summary.blank_lines:,} blank line(s) were skipped: they hold no response."))
        rule_order = {r.id: i for i, r in enumerate(rules.rules)}
        question_order = {q.id: i for i, q in enumerate(rules.questions)}
        for title, counter, order in ((w("summary.fired"), summary.fired, rule_order),
                                      (w("summary.unsure"), summary.unsure_questions, question_order),
                                      (w("summary.blank"), summary.not_recorded_questions, question_order)):
            if counter:
                # Ties in the rule file's order, not in the order the counts happened to be added.
                top = sorted(counter.items(), key=lambda kv: (-kv[1], order.get(kv[0], len(order)), kv[0]))[:5]
                parts.append(Text(f"{title}: " + ", ".join(f"{k} ({v:,})" for k, v in top)))
        for q in rules.screens:
            if q.id in summary.absent_screens:
                parts.append(Text(w("summary.absent", screen=q.screen, rows=f"{summary.rows:,}", id=q.id)))
            elif summary.not_given_questions.get(q.id):
                parts.append(Text(w("summary.blank_cell", screen=q.screen, rows=f"{summary.not_given_questions[q.id]:,}", id=q.id)))
        if summary.raised_by_not_recorded:
            parts.append(Text(w("summary.raised", rows=f"{summary.raised_by_not_recorded:,}")))
    if summary.input_changed:
        parts.append(Text("The input file changed size while it was read (is something still writing it?): "
                          "the output holds the rows seen, which may not be all of them.", style="bold magenta"))
    if summary.errors:
        parts.append(Text(f"{summary.errors:,} row(s) had errors and were written with an empty disposition:", style="bold magenta"))
        for line in summary.first_errors:
            parts.append(Text("  " + line))
        if summary.errors > len(summary.first_errors):
            parts.append(Text(f"  … and {summary.errors - len(summary.first_errors):,} more; see the 'error' column."))
    if rules.notice:
        parts.append(Text(rules.notice, style="bold"))
    parts.append(Text(rules.disclaimer, style="italic"))
    return Group(*parts)


def case_failure_renderable(outcome: CaseOutcome, cases_path: Path | str) -> Group:
    """A failed case: where it is, the answers, expected against actual, and the trace."""
    from rich.console import Group
    from rich.text import Text

    case, result = outcome.case, outcome.result
    rules = result.ruleset
    answers = ", ".join(f"{q}={answer_text(rules.question(q), v)}" for q, v in case.values.items())
    return Group(
        Text(f"FAILED {cases_path}:{case.line}: {case.name}", style="bold red"),
        Text(f"  answers: {answers or '(none)'}"),
        *(Text(f"  {failure}") for failure in outcome.failures),
        Text(f"  actual: {result.disposition.id}; fired [{', '.join(r.id for r in result.fired)}]; "
             f"unknown [{', '.join(r.id for r in result.unknown)}]"),
        trace_renderable(result),
    )
