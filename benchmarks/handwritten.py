"""What a competent analyst might write by hand for the default rule set (3.0.0): csv.DictReader and ifs.

No validation beyond what the criteria need, no caching, and only the disposition (no actions, no
lists of what could not be ruled out). A yardstick for `triage score`, not a tool.
"""

import csv
import sys

YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}
UNSURE = {"unsure", "unknown", "not sure", "don't know", "dont know"}
CES = ["urinary_retention", "urinary_incontinence", "bladder_sensation", "bowel_incontinence", "saddle_anesthesia",
       "sexual_dysfunction", "bilateral_leg_symptoms", "progressive_weakness"]
RISK = ["immunosuppressed", "iv_drug_use", "recent_spinal_procedure", "recent_infection"]
DOCTOR = ["cancer_history", "severe_pain_unrelieved", "weight_loss", "night_pain", "pain_worsening", "weakness",
          "numbness", "faint"]
SCREENS = ["cannot_bear_weight", "pregnant", "leg_swelling", "limp"]  # optional: a blank reads as no


def yn(value):
    v = value.strip().lower()
    return True if v in YES else False if v in NO else "unsure" if v in UNSURE else None


def num(value):
    v = value.strip().replace(",", ".")
    try:
        return float(v)
    except ValueError:
        return None


with open(sys.argv[1], newline="", encoding="utf-8-sig") as f, open(sys.argv[2], "w", newline="", encoding="utf-8") as out:
    reader = csv.DictReader(f)
    writer = csv.DictWriter(out, reader.fieldnames + ["disposition"], lineterminator="\n")
    writer.writeheader()
    yesno = [k for k in reader.fieldnames if k not in ("respondent_id", "site", "age", "temperature_c", "duration_weeks")]
    for row in reader:
        a = {k: yn(row[k]) for k in yesno}
        for k in SCREENS:
            a[k] = a.get(k) or False
        temp, weeks, age = num(row["temperature_c"]), num(row["duration_weeks"]), num(row["age"])
        deficit = a["weakness"] is True or a["numbness"] is True
        red_pain = a["night_pain"] is True or a["severe_pain_unrelieved"] is True
        fever = a["fever"] is True or (temp is not None and temp >= 38)
        older = age is None or age >= 60
        young = age is not None and age < 18
        fall = a["recent_fall"] is True
        urgent = (
            any(a[k] is True for k in CES) or any(a[k] == "unsure" for k in CES) or a["major_trauma"] is True
            or (a["sudden_onset"] is True and a["faint"] is True) or fever
            or (deficit and (fever or a["diabetes"] is True or any(a[k] is True for k in RISK)))
            or (deficit and a["cancer_history"] is True) or (deficit and a["blood_thinners"] is True)
            or (a["sudden_onset"] is True and (older or a["blood_thinners"] is True) and red_pain)
            or (fall and (age is None or age >= 70) and (a["osteoporosis"] is True or a["immunosuppressed"] is True))
            or (fall and a["blood_thinners"] is True) or a["cannot_bear_weight"] in (True, "unsure")
            or (fever and (a["diabetes"] is True or any(a[k] is True for k in RISK)))
            or a["leg_swelling"] is True or a["iv_drug_use"] is True
            or (a["weight_loss"] is True and (red_pain or a["pain_worsening"] is True))
            or (young and any(a[k] is True for k in ("night_pain", "severe_pain_unrelieved", "weight_loss",
                                                     "pain_worsening", "weakness", "numbness", "limp")))
            or (red_pain and any(a[k] is True for k in RISK))
            or (a["diabetes"] is True and a["night_pain"] is True and a["severe_pain_unrelieved"] is True)
            or (a["cancer_history"] is True and any(a[k] is True for k in
                ("cancer_active", "night_pain", "severe_pain_unrelieved", "weight_loss", "pain_worsening")))
        )
        doctor = (
            any(a[k] is True for k in DOCTOR + RISK) or a["osteoporosis"] is True or a["pregnant"] is True
            or (a["recent_fall"] is True and (age is None or age >= 70))
            or (weeks is not None and weeks >= 6 and a["pain_improving"] is False)
            or (age is not None and age < 18) or any(v is None or v == "unsure" for v in a.values())
        )
        row["disposition"] = "urgent_care" if urgent else "see_doctor" if doctor else "self_care"
        writer.writerow(row)
