"""Constructed example cohorts: FHIR bundles and a subjects table that ``trialkit analyse`` reads.

``seed002`` is a nine-child cohort made to agree with the published abstract of
the Beijing ruxolitinib salvage study (seed 002, protocol ``rux-hlh-salvage``):
five EBV-related HLH, two familial, one autoinflammatory and one of unclear
cause; median age 1.7 years (9 months to 5 years); every temperature normal
within 48 h; at one week three partial responses, five improved without a
partial response, one death; median follow-up 14 months (1 week to 24 months).
Nothing in it is a real patient: the values are the project's, chosen so that
the abstract's numbers follow from the protocol's rules. The files under
``examples/cohorts/`` are these written out (a test keeps them equal).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from trialkit.testing import BundleBuilder

__all__ = ["COHORTS", "ExampleCohort", "seed002", "write_cohort"]

Bundle = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ExampleCohort:
    """A constructed cohort: its protocol, README, subjects table and bundles by subject id."""

    protocol: str
    readme: str
    subjects_csv: str
    bundles: dict[str, Bundle]


@dataclass(frozen=True, slots=True)
class _Child:
    subject_id: str
    cause: str
    birth: date
    start: date
    response: str  # "PR", "improved" or "death"
    follow_up_days: int


_CAUSES = {
    "EBV-HLH": "condition.ebv_hlh",
    "familial": "condition.hlh_primary",
    "autoinflammatory": "condition.hlh_secondary",
    "unclear": "condition.hlh",
}

_CHILDREN = (
    _Child("BCH-01", "EBV-HLH", date(2018, 2, 3), date(2019, 11, 4), "improved", 61),
    _Child("BCH-02", "EBV-HLH", date(2016, 6, 20), date(2020, 1, 13), "improved", 304),
    _Child("BCH-03", "EBV-HLH", date(2018, 9, 1), date(2020, 3, 2), "improved", 426),
    _Child("BCH-04", "EBV-HLH", date(2019, 1, 15), date(2020, 5, 18), "improved", 548),
    _Child("BCH-05", "EBV-HLH", date(2019, 10, 7), date(2020, 7, 6), "death", 7),
    _Child("BCH-06", "familial", date(2019, 5, 30), date(2020, 9, 21), "PR", 730),
    _Child("BCH-07", "familial", date(2020, 3, 11), date(2020, 12, 14), "PR", 669),
    _Child("BCH-08", "autoinflammatory", date(2018, 12, 2), date(2021, 2, 1), "PR", 182),
    _Child("BCH-09", "unclear", date(2017, 8, 14), date(2021, 4, 12), "improved", 426),
)
"""Ages at the start of ruxolitinib: 9 months (BCH-05) to 5.0 years (BCH-09), median 1.7 years
(BCH-03); follow-up 7 days (BCH-05, died) to 24 months, median 14 months (426 days)."""


def _at(day: date, offset: int, hour: int = 8) -> datetime:
    return datetime.combine(day + timedelta(days=offset), datetime.min.time()) + timedelta(
        hours=hour
    )


def _markers(b: BundleBuilder, when: datetime, values: dict[str, float]) -> None:
    units = {
        "lab.scd25": "U/mL",
        "lab.ferritin": "ug/L",
        "lab.triglycerides": "mmol/L",
        "lab.neutrophils": "10*9/L",
        "lab.alt": "U/L",
        "lab.platelets": "10*9/L",
        "lab.haemoglobin": "g/L",
    }
    for key, value in values.items():
        b.quantity(key, value, units[key], when)


_BASELINE = {
    "lab.scd25": 24000,
    "lab.ferritin": 6200,
    "lab.triglycerides": 4.1,
    "lab.neutrophils": 0.9,
    "lab.alt": 120,
    "lab.platelets": 42,
    "lab.haemoglobin": 78,
}
"""Day 0 (start of ruxolitinib): active HLH after HLH-94 (HLH-2004 abnormal values)."""

_WEEK = {
    # Wang 2015 items at day 7: sCD25 down > 1.5-fold; ferritin and TG each down > 25 %;
    # ANC (baseline 0.5-2.0) up > 100 % to normal; ALT > 400 at baseline down > 50 %.
    "PR": {  # sCD25 and ferritin + TG: two items
        "lab.scd25": 9500,
        "lab.ferritin": 2900,
        "lab.triglycerides": 2.3,
        "lab.neutrophils": 1.2,
        "lab.alt": 95,
        "lab.platelets": 88,
        "lab.haemoglobin": 92,
    },
    "improved": {  # sCD25 only: one item
        "lab.scd25": 11000,
        "lab.ferritin": 5400,
        "lab.triglycerides": 3.6,
        "lab.neutrophils": 1.1,
        "lab.alt": 110,
        "lab.platelets": 61,
        "lab.haemoglobin": 84,
    },
}


def _bundle(child: _Child) -> Bundle:
    b = BundleBuilder(
        child.subject_id, child.birth, "male" if child.subject_id[-1] in "13579" else "female"
    )
    start = child.start
    diagnosed = start - timedelta(days=28)
    b.condition("condition.hlh", diagnosed)
    if child.cause != "unclear":
        b.condition(_CAUSES[child.cause], diagnosed)
    # HLH-94 first line (etoposide, dexamethasone) from diagnosis; ruxolitinib from day 0
    b.medication("drug.etoposide", diagnosed, start - timedelta(days=1))
    b.medication("drug.dexamethasone", diagnosed, start + timedelta(days=27))
    last_day = child.follow_up_days
    b.medication("drug.ruxolitinib", start, start + timedelta(days=min(last_day, 27)))
    _markers(b, _at(start, 0, 7), _BASELINE)
    temperatures = (39.4, 38.8, 37.2, 36.9, 37.0, 36.8, 37.1, 36.9)
    for day, temperature in enumerate(temperatures):
        if child.response == "death" and day >= child.follow_up_days:
            break
        b.quantity("vital.temperature", temperature, "Cel", _at(start, day, 14))
    if child.response != "death":
        _markers(b, _at(start, 7), _WEEK[child.response])
        b.quantity("lab.ferritin", 1800, "ug/L", _at(start, last_day, 10))  # last visit
    else:
        b.adverse_event("platelet_count_decreased", _at(start, 3), grade=4, serious=True)
    if child.subject_id in {"BCH-02", "BCH-06"}:
        b.adverse_event("alanine_aminotransferase_increased", _at(start, 10), grade=2)
    bundle = b.build()
    if child.response == "death":
        patient = bundle["entry"][0]["resource"]
        patient["deceasedDateTime"] = _at(start, child.follow_up_days, 5).isoformat()
    return bundle


_README = """# Constructed cohort: ruxolitinib salvage in children (seed 002)

A constructed cohort of nine children, made to agree with the published abstract of the
Beijing ruxolitinib salvage study (seed 002); no real patient: every value is trialkit's,
chosen so that the abstract's numbers follow from the protocol's rules (protocol
rux-hlh-salvage, rule set wang2015-improvement, provisional).

`trialkit analyse --protocol rux-hlh-salvage --cohort examples/cohorts/rux-hlh-salvage
--subjects examples/cohorts/rux-hlh-salvage/subjects.csv --out report.html` should give, at
one week: PR 3/9 (33.3 %), improved without PR 5/9 (55.6 %), death 1/9 (11.1 %); EBV-HLH
0/5 versus other causes 3/4 with a PR, Fisher's exact test two-sided P = 0.048.

Written by `uv run python -m trialkit.example_cohorts examples/cohorts` (trialkit.example_cohorts);
a test keeps these files equal to it.
"""


def seed002() -> ExampleCohort:
    """The constructed nine-child cohort of seed 002 (protocol ``rux-hlh-salvage``)."""
    lines = ["subject_id,inclusion,day1,arm,last_contact,cause"]
    for child in _CHILDREN:
        last = child.start + timedelta(days=child.follow_up_days)
        lines.append(
            f"{child.subject_id},{child.start},{child.start},ruxolitinib,{last},{child.cause}"
        )
    return ExampleCohort(
        "rux-hlh-salvage",
        _README,
        "\n".join(lines) + "\n",
        {child.subject_id: _bundle(child) for child in _CHILDREN},
    )


COHORTS = {"rux-hlh-salvage": seed002}
"""Every constructed cohort, by the protocol it is made for."""


def write_cohort(cohort: ExampleCohort, folder: str | Path) -> list[Path]:
    """Write ``cohort`` as ``README.md``, ``subjects.csv`` and ``<subject_id>.json`` in ``folder``."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    files = {"README.md": cohort.readme, "subjects.csv": cohort.subjects_csv}
    for subject_id, bundle in cohort.bundles.items():
        files[f"{subject_id}.json"] = json.dumps(bundle, indent=2) + "\n"
    written = []
    for name, text in files.items():
        path = target / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # uv run python -m trialkit.example_cohorts examples/cohorts
    import sys

    root = Path(sys.argv[1] if len(sys.argv) > 1 else "examples/cohorts")
    for protocol, make in COHORTS.items():
        for path in write_cohort(make(), root / protocol):
            print(path)
