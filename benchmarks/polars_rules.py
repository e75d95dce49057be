"""What a user might write instead of `triage score`, with polars: the default rule set's (3.0.0)
disposition as polars expressions, every column read as text. Like handwritten.py: only the disposition,
no actions, no lists of what could not be ruled out, no validation. A yardstick, not a tool.

    python polars_rules.py IN OUT THREADS
"""

import os
import sys

os.environ["POLARS_MAX_THREADS"] = sys.argv[3] if len(sys.argv) > 3 else "1"

import polars as pl  # noqa: E402

YES = ["yes", "y", "true", "1"]
NO = ["no", "n", "false", "0"]
UNSURE = ["unsure", "unknown", "not sure", "don't know", "dont know"]
CES = ["urinary_retention", "urinary_incontinence", "bladder_sensation", "bowel_incontinence", "saddle_anesthesia",
       "sexual_dysfunction", "bilateral_leg_symptoms", "progressive_weakness"]
RISK = ["immunosuppressed", "iv_drug_use", "recent_spinal_procedure", "recent_infection"]
DOCTOR = ["cancer_history", "severe_pain_unrelieved", "weight_loss", "night_pain", "pain_worsening", "weakness",
          "numbness", "faint"]
NUMBERS = ["age", "temperature_c", "duration_weeks"]
SCREENS = ["cannot_bear_weight", "pregnant", "leg_swelling", "limp"]  # optional: a blank (or no column) reads as no


def main() -> None:
    lf = pl.scan_csv(sys.argv[1], infer_schema=False)
    names = lf.collect_schema().names()
    yesno = [c for c in names if c not in ("respondent_id", "site", *NUMBERS, *SCREENS)]
    lf = lf.with_columns([pl.lit(None, pl.String).alias(c) for c in SCREENS if c not in names])

    def norm(c: str) -> pl.Expr:
        return pl.col(c).str.strip_chars().str.to_lowercase()

    def yes(c: str) -> pl.Expr:
        return norm(c).is_in(YES).fill_null(False)

    def no(c: str) -> pl.Expr:
        return norm(c).is_in(NO).fill_null(False)

    def unsure(c: str) -> pl.Expr:
        return norm(c).is_in(UNSURE).fill_null(False)

    def num(c: str) -> pl.Expr:
        return pl.col(c).str.strip_chars().str.replace(",", ".").cast(pl.Float64, strict=False)

    deficit = yes("weakness") | yes("numbness")
    red_pain = yes("night_pain") | yes("severe_pain_unrelieved")
    fever = yes("fever") | (num("temperature_c") >= 38).fill_null(False)
    older = num("age").is_null() | (num("age") >= 60).fill_null(False)
    risk = pl.any_horizontal([yes(c) for c in RISK])
    age = num("age")
    fall = yes("recent_fall")
    young = (age < 18).fill_null(False)
    urgent = (
        pl.any_horizontal([yes(c) | unsure(c) for c in CES]) | yes("major_trauma")
        | (yes("sudden_onset") & yes("faint")) | fever
        | (deficit & (fever | yes("diabetes") | risk)) | (deficit & yes("cancer_history"))
        | (deficit & yes("blood_thinners")) | (yes("sudden_onset") & (older | yes("blood_thinners")) & red_pain)
        | (red_pain & risk)
        | (fall & (age.is_null() | (age >= 70).fill_null(False)) & (yes("osteoporosis") | yes("immunosuppressed")))
        | (fall & yes("blood_thinners")) | yes("cannot_bear_weight") | unsure("cannot_bear_weight")
        | (fever & (risk | yes("diabetes"))) | yes("leg_swelling") | yes("iv_drug_use")
        | (yes("weight_loss") & (red_pain | yes("pain_worsening")))
        | (young & pl.any_horizontal([yes(c) for c in ("night_pain", "severe_pain_unrelieved", "weight_loss",
                                                        "pain_worsening", "weakness", "numbness", "limp")]))
        | (yes("diabetes") & yes("night_pain") & yes("severe_pain_unrelieved"))
        | (yes("cancer_history") & pl.any_horizontal([yes(c) for c in ("cancer_active", "night_pain",
                                                                        "severe_pain_unrelieved", "weight_loss",
                                                                        "pain_worsening")]))
    )
    doctor = (
        pl.any_horizontal([yes(c) for c in DOCTOR + RISK]) | yes("osteoporosis") | yes("pregnant")
        | (yes("recent_fall") & (age.is_null() | (age >= 70).fill_null(False)))
        | ((num("duration_weeks") >= 6).fill_null(False) & no("pain_improving"))
        | (age < 18).fill_null(False)
        | pl.any_horizontal([~(yes(c) | no(c)) for c in yesno])
    )
    disposition = pl.when(urgent).then(pl.lit("urgent_care")).when(doctor).then(pl.lit("see_doctor")).otherwise(pl.lit("self_care"))
    lf.with_columns(disposition.alias("disposition")).sink_csv(sys.argv[2])


if __name__ == "__main__":
    main()
