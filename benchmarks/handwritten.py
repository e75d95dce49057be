"""What a competent analyst might write by hand for the default rule set: csv.DictReader and ifs.

No validation beyond what the criteria need, no caching. A yardstick for `triage score`, not a tool.
"""

import csv
import sys

YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}
URGENT = ["bladder_dysfunction", "bowel_incontinence", "saddle_anesthesia", "sexual_dysfunction",
          "bilateral_leg_symptoms", "progressive_weakness", "major_trauma"]
DOCTOR = ["severe_pain_unrelieved", "weight_loss", "cancer_history", "night_pain", "weakness", "numbness"]
INFECTION = ["immunosuppressed", "iv_drug_use", "recent_spinal_procedure"]


def yn(value):
    v = value.strip().lower()
    return True if v in YES else False if v in NO else None


def num(value):
    v = value.strip().replace(",", ".")
    return float(v) if v else None


with open(sys.argv[1], newline="", encoding="utf-8-sig") as f, open(sys.argv[2], "w", newline="", encoding="utf-8") as out:
    reader = csv.DictReader(f)
    writer = csv.DictWriter(out, reader.fieldnames + ["disposition", "reasons"], lineterminator="\n")
    writer.writeheader()
    for row in reader:
        a = {k: yn(row[k]) for k in URGENT + DOCTOR + INFECTION + ["fever", "osteoporosis"]}
        temp, weeks, age = num(row["temperature_c"]), num(row["duration_weeks"]), num(row["age"])
        urgent = [k for k in URGENT if a[k]]
        if a["fever"] or (temp is not None and temp >= 38):
            urgent.append("fever")
        if a["cancer_history"] and (a["weakness"] or a["numbness"]):
            urgent.append("cancer_with_deficit")
        doctor = [k for k in DOCTOR if a[k]]
        if any(a[k] for k in INFECTION):
            doctor.append("infection_risk")
        if a["osteoporosis"]:
            doctor.append("fracture_risk")
        if weeks is not None and weeks >= 6:
            doctor.append("persistent_pain")
        if age is not None and age < 18:
            doctor.append("young_age")
        if urgent:
            row["disposition"] = "urgent_care"
        elif doctor or any(v is None for v in a.values()):
            row["disposition"] = "see_doctor"
        else:
            row["disposition"] = "self_care"
        row["reasons"] = ";".join(urgent + doctor)
        writer.writerow(row)
