"""`triage score`: batch scoring of CSV files, through the CLI as users run it."""

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from triage import evaluate, load_rules
from triage.batch.stream import Options, score_file
from triage.cli import app

from .conftest import DEFAULT_RULES

RULES = load_rules(DEFAULT_RULES)
QIDS = [q.id for q in RULES.questions]
runner = CliRunner()


def invoke(*args, input=None):
    return runner.invoke(app, ["score", *map(str, args)], input=input, env={"NO_COLOR": "1", "COLUMNS": "120"})


def rows_of(text, delimiter=","):
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def write_csv(path, header, rows, delimiter=",", newline="\n", encoding="utf-8", bom=False):
    lines = [delimiter.join(header)] + [delimiter.join(r) for r in rows]
    data = newline.join(lines) + newline
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data.encode(encoding))
    return path


def base(**answers):
    row = {q.id: ("no" if q.type == "yesno" else "") for q in RULES.questions}
    row.update(answers)
    return [row[q] for q in QIDS]


def by_column(out_rows):
    header, *rows = out_rows
    return [dict(zip(header, r)) for r in rows]


def test_scores_rows_and_keeps_every_input_column_in_order(tmp_path):
    src = write_csv(tmp_path / "in.csv", ["id", *QIDS, "note"], [
        ["a1", *base(), "x"],
        ["a2", *base(fever="yes", night_pain="yes"), "y"],
        ["a3", *base(saddle_anesthesia="unsure"), "z"],
    ])
    result = invoke(src)
    assert result.exit_code == 0, result.stderr
    out = rows_of(result.stdout)
    assert out[0] == ["id", *QIDS, "note", "disposition", "action", "reasons", "unknown", "unsure", "not_recorded",
                      "not_given", "raised_by_not_recorded", "error", "rules_version"]
    assert [r[: len(QIDS) + 2] for r in out[1:]] == [r for r in rows_of(src.read_text())[1:]]
    got = by_column(out)
    assert [(g["disposition"], g["reasons"], g["unknown"], g["error"]) for g in got] == [
        ("self_care", "", "", ""),
        ("urgent_care", "fever;night_pain", "", ""),
        ("urgent_care", "", "saddle_anesthesia", ""),  # unsure on a cauda equina sign: urgent, same day
    ]
    assert [g["action"] for g in got] == ["", RULES.rule("fever").action, RULES.rule("saddle_anesthesia").action_if_unsure]
    assert [g["unsure"] for g in got] == ["", "", "saddle_anesthesia"]
    assert got[0]["rules_version"] == f"{RULES.version}#{RULES.sha256[:8]}"
    assert RULES.sha256 in " ".join(result.stderr.split())  # the summary names the full hash
    assert "Scored 3 rows" in result.stderr and "not a diagnosis" in result.stderr


def test_headers_match_ignoring_case_and_spaces(tmp_path):
    src = write_csv(tmp_path / "in.csv", [f"  {q.upper()} " for q in QIDS], [base(fever="Y")])
    assert by_column(rows_of(invoke(src).stdout))[0]["disposition"] == "urgent_care"


def test_missing_column_stops_before_reading_with_a_suggestion(tmp_path):
    header = ["saddle_anesthsia" if q == "saddle_anesthesia" else q for q in QIDS]
    src = write_csv(tmp_path / "in.csv", header, [base()])
    result = invoke(src)
    assert result.exit_code == 2 and result.stdout == ""
    assert "missing question column: saddle_anesthesia (did you mean 'saddle_anesthsia'?)" in result.stderr


def test_allow_missing_scores_the_absent_question_as_unknown(tmp_path):
    i = QIDS.index("urinary_retention")
    src = write_csv(tmp_path / "in.csv", QIDS[:i] + QIDS[i + 1:], [base()[:i] + base()[i + 1:]])
    result = invoke(src, "--allow-missing")
    assert result.exit_code == 0
    row = by_column(rows_of(result.stdout))[0]
    # A missing column is not recorded, like a blank cell: see a doctor at most, and said why.
    assert (row["disposition"], row["unknown"]) == ("see_doctor", "bladder_dysfunction")
    assert (row["not_recorded"], row["raised_by_not_recorded"]) == ("urinary_retention", "yes")
    assert "Scoring without columns for: urinary_retention" in result.stderr
    assert "1 row(s) were raised to a more urgent result only by answers that were not recorded" in " ".join(result.stderr.split())


@pytest.mark.parametrize("column,value,message", [
    ("fever", "maybe", "column 'fever': 'maybe' is not an answer; use yes, no or unsure"),
    ("age", "forty", "column 'age': 'forty' is not a number; write a plain number from 0 to 120 years"),
    ("temperature_c", "46", "column 'temperature_c': 46 is out of range; the answer must be from 30 to 45 °C"),
])
def test_invalid_cell_is_written_with_an_error_and_exit_1(tmp_path, column, value, message):
    src = write_csv(tmp_path / "in.csv", QIDS, [base(), base(**{column: value}), base(fever="yes")])
    result = invoke(src)
    assert result.exit_code == 1
    rows = by_column(rows_of(result.stdout))
    assert len(rows) == 3
    assert (rows[1]["disposition"], rows[1]["error"]) == ("", message)
    assert rows[2]["disposition"] == "urgent_care"  # the run went on
    assert f"in.csv:3: {message}" in " ".join(result.stderr.split())


def test_short_rows_are_unknown_and_long_rows_are_errors_keeping_the_extra_cells(tmp_path):
    # The short row stops before osteoporosis: the questions after it are blank (not given, for the
    # optional yes/no ones).
    src = write_csv(tmp_path / "in.csv", QIDS, [base()[:QIDS.index("osteoporosis")], base() + ["surplus"]])
    result = invoke(src)
    short, long = by_column(rows_of(result.stdout))
    assert short["disposition"] == "see_doctor" and short["unknown"] == "fracture_risk"
    assert short["not_given"] == "pregnant;leg_swelling;limp" and short["not_recorded"] == "osteoporosis"
    assert long["disposition"] == "" and f"row has {len(QIDS) + 1} cells but the header has {len(QIDS)} (extra: 'surplus')" in long["error"]
    assert result.exit_code == 1


def test_semicolon_crlf_bom_and_decimal_comma(tmp_path):
    src = write_csv(tmp_path / "in.csv", QIDS, [base(temperature_c="38,2")], delimiter=";", newline="\r\n", bom=True)
    result = invoke(src)
    assert result.exit_code == 0, result.stderr
    out = rows_of(result.stdout, ";")
    assert out[0][0] == "age"  # no BOM leaks into the first header
    assert by_column(out)[0]["disposition"] == "urgent_care"


def test_tab_delimiter_and_overrides(tmp_path):
    src = write_csv(tmp_path / "in.tsv", QIDS, [base(night_pain="1")], delimiter="\t")
    assert by_column(rows_of(invoke(src).stdout, "\t"))[0]["reasons"] == "night_pain"
    forced = invoke(src, "--delimiter", ",")
    assert forced.exit_code == 2 and "missing question column" in forced.stderr


def test_encoding_option_and_a_helpful_error(tmp_path):
    src = write_csv(tmp_path / "in.csv", ["name", *QIDS], [["Zoë", *base()]], encoding="latin-1")
    bad = invoke(src)
    assert bad.exit_code == 2 and "--encoding latin-1" in bad.stderr and "Traceback" not in bad.stderr
    good = invoke(src, "--encoding", "latin-1")
    assert good.exit_code == 0 and "Zoë" in good.stdout


def test_formula_cells_are_escaped_unless_asked_not_to(tmp_path):
    src = write_csv(tmp_path / "in.csv", ["note", "n", *QIDS], [["=HYPERLINK(\"x\")", "-5", *base()], ["@SUM(A1)", "+3", *base()]])
    rows = by_column(rows_of(invoke(src).stdout))
    assert [(r["note"], r["n"]) for r in rows] == [("'=HYPERLINK(\"x\")", "-5"), ("'@SUM(A1)", "+3")]
    raw = by_column(rows_of(invoke(src, "--no-escape-formulas").stdout))
    assert raw[0]["note"] == "=HYPERLINK(\"x\")"


def test_output_file_is_written_atomically_and_never_over_the_input(tmp_path):
    src = write_csv(tmp_path / "in.csv", QIDS, [base()])
    out = tmp_path / "out.csv"
    result = invoke(src, "--output", out)
    assert result.exit_code == 0 and result.stdout == ""
    assert by_column(rows_of(out.read_text()))[0]["disposition"] == "self_care"
    refused = invoke(src, "-o", src)
    assert refused.exit_code == 2 and "never writes over its own input" in refused.stderr
    assert src.read_text().startswith("age,")


def test_an_interrupted_run_leaves_no_output_file(tmp_path):
    from triage.read.files import atomic_output

    target = tmp_path / "out.csv"
    with pytest.raises(KeyboardInterrupt):
        with atomic_output(target, None) as out:
            out.write("half a row")
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_jsonl_output_carries_the_disclaimer(tmp_path):
    src = write_csv(tmp_path / "in.csv", ["id", *QIDS], [["p1", *base(weakness="yes")], ["p2", *base(age="x")]])
    result = invoke(src, "--format", "jsonl")
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["input"]["id"] == "p1" and first["disposition"] == "see_doctor" and first["reasons"] == ["weakness"]
    assert "not a diagnosis" in first["disclaimer"]
    assert second["disposition"] is None and "column 'age'" in second["error"]


def test_map_file_renames_columns_and_translates_codes(tmp_path):
    header = ["Q1 Bladder" if q == "urinary_retention" else q for q in QIDS]
    codes = {"no": "0", "yes": "1"}
    rows = [[codes.get(c, c) for c in base(urinary_retention="1")], [codes.get(c, c) for c in base(fever="9")]]
    src = write_csv(tmp_path / "in.csv", header, rows)
    mapping = tmp_path / "map.yaml"
    mapping.write_text('columns:\n  "Q1 Bladder": urinary_retention\nvalues:\n  "*": {1: yes, 0: no, 9: unsure}\n')
    result = invoke(src, "--map", mapping)
    assert result.exit_code == 0, result.stderr
    got = by_column(rows_of(result.stdout))
    assert (got[0]["disposition"], got[0]["reasons"]) == ("urgent_care", "bladder_dysfunction")
    assert (got[1]["disposition"], got[1]["unknown"]) == ("see_doctor", "fever")
    assert got[0]["Q1 Bladder"] == "1"  # input cells stay as they were


def test_bad_map_file_is_reported_with_its_location(tmp_path):
    src = write_csv(tmp_path / "in.csv", QIDS, [base()])
    mapping = tmp_path / "map.yaml"
    mapping.write_text("columns:\n  X: fevr\nvalues:\n  fever: {2: maybe}\n")
    result = invoke(src, "--map", mapping)
    assert result.exit_code == 2
    assert f"{mapping}:2:6: no question 'fevr'" in result.stderr
    assert f"{mapping}:4:14: code '2': 'maybe' is not an answer" in result.stderr
    mapping.write_text('values:\n  "*": {1: yes, 1: no}\n')
    twice = invoke(src, "--map", mapping)
    assert twice.exit_code == 2 and f"{mapping}:2:17: code '1' is given twice under '*:'" in twice.stderr


def test_stdin_input_and_quiet(tmp_path):
    text = ",".join(QIDS) + "\n" + ",".join(base()) + "\n"
    result = invoke("-", "--quiet", input=text)
    assert result.exit_code == 0
    assert by_column(rows_of(result.stdout))[0]["disposition"] == "self_care"
    assert "Scored" not in result.stderr and "not a diagnosis" in result.stderr


def test_existing_result_column_and_empty_file_are_refused(tmp_path):
    src = write_csv(tmp_path / "in.csv", [*QIDS, "Disposition"], [base() + ["x"]])
    assert "already has a column named 'Disposition'" in invoke(src).stderr
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    result = invoke(empty)
    assert result.exit_code == 2 and "the file is empty" in result.stderr
    assert invoke(tmp_path / "none.csv").exit_code == 2


# --- Properties ----------------------------------------------------------------------------------

cell_for = {
    "yesno": st.sampled_from(["yes", "no", "Y", "n", "TRUE", "0", "unsure", "", " No ", "don't know"]),
}


@st.composite
def response_rows(draw):
    row = []
    for q in RULES.questions:
        if q.type == "yesno":
            row.append(draw(cell_for["yesno"]))
        else:
            row.append(draw(st.one_of(st.just(""), st.integers(int(q.minimum), int(q.maximum)).map(str),
                                      st.decimals(q.minimum, q.maximum, places=1).map(lambda d: str(d).replace(".", ",")))))
    return row


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=60)
@given(st.lists(response_rows(), min_size=1, max_size=30))
def test_batch_scoring_equals_evaluate_row_for_row(rows):
    out = io.StringIO()
    data = (",".join(QIDS) + "\n" + "\n".join(",".join(f'"{c}"' for c in r) for r in rows) + "\n").encode()
    summary = score_file(RULES, io.BytesIO(data), out, Options())
    scored = by_column(rows_of(out.getvalue()))
    assert len(scored) == len(rows) and summary.errors == 0
    for cells, got in zip(rows, scored):
        expected = evaluate(RULES, dict(zip(QIDS, cells)))
        assert got["disposition"] == expected.disposition.id
        assert got["reasons"] == ";".join(r.id for r in expected.fired)
        assert got["unknown"] == ";".join(r.id for r in expected.unknown)


printable = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8)


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=60)
@given(st.lists(printable, min_size=1, max_size=6, unique_by=lambda h: h.strip().lower()),
       st.lists(st.lists(printable, min_size=1, max_size=8), max_size=10))
def test_any_csv_gives_one_row_per_record_and_never_a_traceback(header, rows):
    header = [h for h in header if h.strip().lower() not in ("disposition", "reasons", "unknown", "error", "rules_version")]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(QIDS + header)
    writer.writerows(rows)
    result = runner.invoke(app, ["score", "-", "--allow-missing", "-q"], input=buf.getvalue())
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 1)
    # Every record is written, except those of only empty cells, which hold no response.
    records = [r for r in csv.reader(io.StringIO(buf.getvalue(), newline="")) if "".join(r).strip()][1:]
    out = rows_of(result.stdout)
    assert len(out) - 1 == len(records)
    disposition = out[0].index("disposition")
    assert all(r[disposition] in ("", "urgent_care", "see_doctor", "self_care") for r in out[1:])
    assert all(r[disposition] != "self_care" for r in out[1:])  # these random rows never answer every question


def test_bounded_caches_change_nothing_but_memory():
    from triage.evaluation.packed import CacheLimits

    rows = [base(**{q: v}) for q in QIDS for v in (("yes", "unsure", "") if RULES.question(q).type == "yesno" else ("1", "40", ""))]
    data = (",".join(QIDS) + "\n" + "\n".join(",".join(r) for r in rows * 3) + "\n").encode()

    def run(limits=CacheLimits()):
        out = io.StringIO()
        summary = score_file(RULES, io.BytesIO(data), out, Options(limits=limits))
        return out.getvalue(), summary

    roomy_out, roomy = run()
    tight_out, tight = run(CacheLimits(results=3, table=2, shares=2, memo=2))
    assert tight_out == roomy_out
    assert (tight.rows, tight.by_disposition, tight.fired, tight.unsure_questions, tight.not_recorded_questions) == (
        roomy.rows, roomy.by_disposition, roomy.fired, roomy.unsure_questions, roomy.not_recorded_questions)
    assert tight.rows == len(rows) * 3 and tight.unsure_questions["fever"] + tight.not_recorded_questions["fever"] == 6  # unsure and blank, three times


def test_a_version_1_bladder_column_is_refused_naming_its_replacements(tmp_path):
    src = write_csv(tmp_path / "in.csv", ["bladder_dysfunction", *QIDS], [["yes", *base()]])
    for args in ([], ["--allow-missing"]):
        result = invoke(src, *args)
        assert result.exit_code == 2 and result.stdout == ""
        assert "urinary_retention, urinary_incontinence, bladder_sensation" in " ".join(result.stderr.split())
    mapping = tmp_path / "map.yaml"
    mapping.write_text("columns:\n  bladder_dysfunction: urinary_retention\n")
    old = write_csv(tmp_path / "old.csv", ["bladder_dysfunction", *[q for q in QIDS if q != "urinary_retention"]],
                    [["yes", *[c for q, c in zip(QIDS, base()) if q != "urinary_retention"]]])
    mapped = invoke(old, "--map", mapping)
    assert mapped.exit_code == 0, mapped.stderr
    assert by_column(rows_of(mapped.stdout))[0]["disposition"] == "urgent_care"


@pytest.mark.parametrize("bad_line", [2, 51, 15001])
def test_an_undecodable_byte_is_reported_at_its_true_line_and_offset(tmp_path, bad_line):
    rows = [base() for _ in range(bad_line)]
    src = tmp_path / "in.csv"
    lines = [",".join(["name", *QIDS])] + [",".join(["x", *r]) for r in rows]
    lines[bad_line - 1] = lines[bad_line - 1].replace("x,", "caf\xe9,", 1)
    data = ("\n".join(lines) + "\n").encode("latin-1")
    src.write_bytes(data)
    result = invoke(src, "-o", tmp_path / "out.csv")
    assert result.exit_code == 2
    offset = data.index(b"\xe9")
    assert f"in.csv:{bad_line}: byte {offset} (0xe9): not valid utf-8-sig text" in result.stderr
    assert "--encoding cp1252" in result.stderr
    assert not (tmp_path / "out.csv").exists()


def test_allow_missing_never_drops_a_misspelt_column_silently(tmp_path):
    header = ["saddle_anesthsia" if q == "saddle_anesthesia" else q for q in QIDS]
    src = write_csv(tmp_path / "in.csv", header, [base(saddle_anesthesia="yes")])
    result = invoke(src, "--allow-missing")
    assert result.exit_code == 2 and result.stdout == ""
    assert "column 'saddle_anesthsia' looks like question 'saddle_anesthesia' misspelt" in " ".join(result.stderr.split())
    mapping = tmp_path / "map.yaml"
    mapping.write_text("columns:\n  saddle_anesthsia: saddle_anesthesia\n")
    mapped = invoke(src, "--map", mapping)
    assert mapped.exit_code == 0 and by_column(rows_of(mapped.stdout))[0]["disposition"] == "urgent_care"


def test_allow_missing_still_suggests_the_nearest_header(tmp_path):
    header = ["saddle_area" if q == "saddle_anesthesia" else q for q in QIDS]
    src = write_csv(tmp_path / "in.csv", header, [base()])
    result = invoke(src, "--allow-missing")
    assert result.exit_code == 0
    assert "Scoring without columns for: saddle_anesthesia (did you mean 'saddle_area'?)" in " ".join(result.stderr.split())


def test_output_is_never_an_input_a_folder_or_a_device(tmp_path):
    import subprocess
    import sys

    src = write_csv(tmp_path / "in.csv", QIDS, [base()])
    mapping = tmp_path / "map.yaml"
    mapping.write_text("columns: {}\n")
    over_map = invoke(src, "--map", mapping, "-o", mapping)
    assert over_map.exit_code == 2 and "is one of the inputs" in over_map.stderr
    assert invoke(src, "-o", f"{tmp_path}/nodir/").exit_code == 2
    device = invoke(src, "-o", "/dev/null")
    assert device.exit_code == 2 and "not a regular file" in device.stderr
    before = src.read_bytes()
    with open(src, "rb") as stdin:
        piped = subprocess.run([sys.executable, "-m", "triage", "score", "-", "-o", str(src)], stdin=stdin,
                               capture_output=True, text=True)
    assert piped.returncode == 2 and "is one of the inputs" in piped.stderr
    assert src.read_bytes() == before


def test_a_valid_answer_that_looks_like_a_formula_is_escaped_in_every_row_alike(tmp_path):
    """A tab then yes is a valid answer and a formula start: the first row and every repeat of it (which
    reach the fast path for seen answers) are written the same, escaped; so is a quoted copy."""
    rows = [["\tyes" if q == "fever" else c for q, c in zip(QIDS, base())] for _ in range(3)]
    src = write_csv(tmp_path / "in.csv", ["note", *QIDS], [["n", *r] for r in rows] + [["=1+1", *rows[0]]])
    out = rows_of(invoke(src).stdout)
    body = out[1:]
    fever = out[0].index("fever")
    assert [r[fever] for r in body] == ["'\tyes"] * 4
    assert len({tuple(r[1:]) for r in body}) == 1 and body[-1][0] == "'=1+1"
    assert all(r[out[0].index("disposition")] == body[0][out[0].index("disposition")] for r in body)


def test_the_summary_counts_the_not_recorded_answers_the_rows_list():
    """Issue 23: the summary counted every blank cell, so pain_improving (asked only when the pain is
    older, left blank otherwise) was 'most often not recorded' in rows whose not_recorded cell was empty."""
    import random
    from collections import Counter

    rng = random.Random(5)
    rows = [[rng.choice(["no"] * 6 + ["yes", "unsure", ""]) if RULES.question(q).type == "yesno"
             else rng.choice(["", "30", "2", "unsure"]) for q in QIDS] for _ in range(3000)]
    data = (",".join(QIDS) + "\n" + "\n".join(",".join(r) for r in rows) + "\n").encode()
    out = io.StringIO()
    summary = score_file(RULES, io.BytesIO(data), out, Options())
    listed = Counter(q for r in by_column(rows_of(out.getvalue())) for q in filter(None, r["not_recorded"].split(";")))
    assert summary.not_recorded_questions == listed and sum(listed.values()) > 0
