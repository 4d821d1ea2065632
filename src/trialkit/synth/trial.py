"""Simulated trial cohorts that follow a shipped protocol (``trialkit synth trial``).

:func:`simulate_subjects` makes ``subjects`` simulated subjects of a protocol:
a subjects table (``docs/analysis.md``: subject id, inclusion, day 1, arm,
Simon stage, last contact) and one FHIR bundle per subject (:func:`trial_files`,
:func:`write_trial`: one subject in memory at a time), written with
:class:`trialkit.record.bundle.BundleBuilder`, which ``trialkit analyse``
reads. Each subject follows the protocol's course
(:data:`trialkit.synth.trial_course.COURSES`): its assessments on the study
days its endpoints read, a response state at each, a death, a transplant, a
loss to follow-up, stays, infections and adverse events, so that every endpoint
value of the five protocols is exercised. About :data:`MISSING` of the measured
values are left out on purpose, so that unknowns occur.

Deterministic: subject ``i`` draws from its own stream,
``SeedSequence(seed, spawn_key=(i,))`` (as :mod:`trialkit.synth.generate`
does per chunk), so the same protocol, number of subjects and seed give the
same files, byte for byte. Nothing in a cohort is a real patient.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from trialkit.errors import TrialkitInputError
from trialkit.protocol import builtin_protocol
from trialkit.protocol.files import builtin_ids
from trialkit.protocol.model import SimonDesignSpec
from trialkit.record.bundle import BundleBuilder
from trialkit.synth.trial_course import (
    ACTIVE_HLH,
    AE_TERMS,
    ALT_UPPER_LIMIT,
    COURSES,
    NORMAL,
    RESPONSE_FRACTION,
    STATES,
    Course,
)
from trialkit.vocab import vocabulary

__all__ = [
    "ENROLMENT_START",
    "MISSING",
    "SIMULATED_TITLE",
    "SUBJECTS_HEADER",
    "SimulatedSubject",
    "simulate_subjects",
    "trial_files",
    "write_trial",
]

MISSING = 0.03
"""The chance that a measured value is left out of a record (so that unknowns occur)."""

ENROLMENT_START = date(2024, 1, 8)
"""The first inclusion date; subjects are included in order over two years."""

ENROLMENT_DAYS = 730

SIMULATED_TITLE = "# Simulated cohort: "
"""How a simulated cohort's README.md begins (``--force`` replaces only such a folder)."""

Bundle = dict[str, Any]

# SOFA inputs that score each number of points, one row per organ system (Vincent JL et al.,
# Intensive Care Med 1996;22:707-710, Table 1: each value lies inside its band).
_RESPIRATION = (  # (PaO2 mm[Hg], FiO2, ventilated): PaO2/FiO2 >= 400, < 400, < 300, < 200, < 100
    (95.0, 0.21, False),
    (90.0, 0.3, False),
    (75.0, 0.3, False),
    (90.0, 0.5, True),
    (70.0, 0.8, True),
)
_PLATELETS = (180.0, 120.0, 70.0, 35.0, 12.0)  # 10*9/L: >= 150, < 150, < 100, < 50, < 20
_BILIRUBIN = (12.0, 26.0, 60.0, 150.0, 260.0)  # umol/L: < 20, 20-32, 33-101, 102-204, > 204
_CREATININE = (80.0, 140.0, 230.0, 370.0, 500.0)  # umol/L: < 110, 110-170, 171-299, 300-440, > 440
_URINE = (1500.0, 1500.0, 1500.0, 400.0, 150.0)  # mL/d: < 500 is 3 points, < 200 is 4
_GCS = (15.0, 14.0, 11.0, 8.0, 5.0)  # 15, 13-14, 10-12, 6-9, < 6
_CARDIOVASCULAR = (  # (MAP mm[Hg], norepinephrine ug/kg/min or None); no dopamine: 2 is 1
    (80.0, None),
    (65.0, None),
    (65.0, None),
    (65.0, 0.05),
    (60.0, 0.2),
)
_SYSTEMS = 6


@dataclass(frozen=True, slots=True)
class SimulatedSubject:
    """One simulated subject: its row of the subjects table (CSV, no newline) and its bundle."""

    subject_id: str
    row: str
    bundle: Bundle


@dataclass(slots=True)
class _Subject:
    """One subject's drawn course: dates and the days things happen (study days of the anchor)."""

    subject_id: str
    inclusion: date
    day1: date
    anchor: str
    death: int | None
    last: int  # the last study day of follow-up (death, or last contact)
    hsct: int | None

    def date_of(self, day: int) -> date:
        if self.anchor == "day1":
            return self.day1 + timedelta(days=day - 1 if day > 0 else day)
        return self.inclusion + timedelta(days=day)

    def at(self, day: int, hour: int = 8) -> datetime:
        return datetime.combine(self.date_of(day), datetime.min.time()) + timedelta(hours=hour)

    def followed(self, day: int) -> bool:
        return day <= self.last


SUBJECTS_HEADER = "subject_id,inclusion,day1,arm,stage,last_contact"
"""The header of a simulated cohort's subjects table (``docs/analysis.md``)."""


def simulate_subjects(protocol: str, subjects: int, seed: int = 0) -> Iterator[SimulatedSubject]:
    """The ``subjects`` simulated subjects of the shipped protocol ``protocol``, one at a time.

    Raises :class:`TrialkitInputError` (at the call, before any subject) for an
    unknown protocol, fewer than one subject or a negative seed.
    """
    if protocol not in COURSES:
        known = ", ".join(sorted(builtin_ids()))
        raise TrialkitInputError(f"--protocol {protocol!r}: not a shipped protocol ({known})")
    if subjects < 1:
        raise TrialkitInputError(f"--subjects {subjects}: give at least 1 subject")
    if seed < 0:
        raise TrialkitInputError(f"--seed {seed}: give a non-negative integer")
    return _simulated(protocol, subjects, seed)


def _simulated(protocol: str, subjects: int, seed: int) -> Iterator[SimulatedSubject]:
    study = builtin_protocol(protocol)
    course = COURSES[protocol]
    arm = study.arms[0].id if study.arms else ""
    n1 = study.design.n1 if isinstance(study.design, SimonDesignSpec) else None
    width = max(3, len(str(subjects)))
    for index in range(subjects):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))
        subject_id = f"{course.prefix}-{index + 1:0{width}d}"
        subject = _draw_subject(course, subject_id, index, subjects, rng)
        bundle = _bundle(course, subject, rng)
        # a Simon design's stage 1 is its first n1 subjects, in order of inclusion
        stage = "" if n1 is None else ("1" if index < n1 else "2")
        contact = "" if subject.death is not None else subject.date_of(subject.last).isoformat()
        row = f"{subject_id},{subject.inclusion},{subject.day1},{arm},{stage},{contact}"
        yield SimulatedSubject(subject_id, row, bundle)


def trial_files(
    protocol: str, subjects: int, seed: int = 0, out: str = "DIR"
) -> Iterator[tuple[str, str]]:
    """A simulated cohort's files as (name, text): each ``<subject_id>.json`` bundle as it is
    made, then ``subjects.csv`` and ``README.md`` (whose command names the folder ``out``).
    Errors as :func:`simulate_subjects`."""
    simulated = simulate_subjects(protocol, subjects, seed)

    def files() -> Iterator[tuple[str, str]]:
        rows = [SUBJECTS_HEADER]
        for subject in simulated:
            rows.append(subject.row)
            yield f"{subject.subject_id}.json", json.dumps(subject.bundle, indent=1) + "\n"
        yield "subjects.csv", "\n".join(rows) + "\n"
        yield "README.md", _readme(protocol, subjects, seed, out)

    return files()


def write_trial(protocol: str, subjects: int, folder: str | Path, seed: int = 0) -> list[Path]:
    """Write a simulated cohort in ``folder`` (created): bundles, ``subjects.csv``, ``README.md``."""
    files = trial_files(protocol, subjects, seed, str(folder))
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files:
        path = target / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _readme(protocol: str, subjects: int, seed: int, out: str) -> str:
    return (
        f"{SIMULATED_TITLE}{protocol}, {subjects} subjects, seed {seed}\n\n"
        "A simulated cohort: no real patient. Every subject, date and value was drawn by "
        f"trialkit's trial simulator (trialkit.synth.trial) to follow protocol {protocol}'s "
        "schedule and exercise each of its endpoints; about 3 % of measured values are left "
        "out on purpose. Its numbers say nothing about the treatment.\n\n"
        "Made by:\n\n"
        f"    trialkit synth trial --protocol {protocol} --subjects {subjects} --seed {seed} "
        f"--out {out}\n\n"
        "Analyse it with:\n\n"
        f"    trialkit analyse --protocol {protocol} --cohort {out} --subjects {out}/subjects.csv "
        "--out report.html\n"
    )


# -- drawing ----------------------------------------------------------------------------------


def _chance(rng: np.random.Generator, p: float) -> bool:
    return bool(rng.random() < p)


def _between(rng: np.random.Generator, bounds: tuple[int, int]) -> int:
    return int(rng.integers(bounds[0], bounds[1] + 1))


def _log_between(rng: np.random.Generator, bounds: tuple[int, int]) -> int:
    """A day drawn log-uniformly: early days (deaths in the first week) as often as late ones."""
    low, high = np.log(bounds[0]), np.log(bounds[1] + 1)
    return min(bounds[1], int(np.exp(rng.uniform(low, high))))


def _draw_subject(
    course: Course, subject_id: str, index: int, total: int, rng: np.random.Generator
) -> _Subject:
    inclusion = ENROLMENT_START + timedelta(days=index * ENROLMENT_DAYS // total)
    day1 = inclusion + timedelta(days=_between(rng, (0, 2)))
    death = _log_between(rng, course.death_days) if _chance(rng, course.death) else None
    follow = _between(rng, course.follow_up)
    if _chance(rng, course.lost):  # lost to follow-up early
        follow = _between(rng, (1, 10))
    last = death if death is not None else follow
    hsct = None
    if _chance(rng, course.hsct):
        day = _between(rng, course.hsct_days)
        if day <= last and (death is None or day < death):
            hsct = day
    return _Subject(subject_id, inclusion, day1, course.anchor, death, last, hsct)


def _bundle(course: Course, subject: _Subject, rng: np.random.Generator) -> Bundle:
    age_days = int(rng.uniform(*course.ages) * 365.25)
    birth = subject.inclusion - timedelta(days=age_days)
    builder = BundleBuilder(subject.subject_id, birth, "female" if _chance(rng, 0.5) else "male")
    writer = _Writer(builder, subject, rng)
    diagnosed = subject.inclusion - timedelta(days=_between(rng, (2, 20)))
    for key in course.conditions:
        builder.condition(key, diagnosed)
    if _chance(rng, course.ebv):
        builder.condition("condition.ebv_hlh", diagnosed)
    baseline = _baseline_markers(rng)
    first = 1 if course.anchor == "day1" else 0
    if course.response_days:
        writer.response_course(course, baseline, first)
    if course.fever_days is not None:
        writer.fever(course.fever_days)
    if course.sofa_days:
        writer.sofa_course(course, baseline)
    if course.stays:
        writer.stays()
    if course.infections:
        writer.infections()
    if subject.hsct is not None:
        builder.procedure("procedure.hsct_allogeneic", subject.at(subject.hsct, 10))
    writer.adverse_events(course)
    if subject.death is None:  # a last visit: the record's own last contact
        writer.quantity("lab.ferritin", NORMAL["lab.ferritin"] * 2, subject.last, hour=11)
    bundle = builder.build()
    if subject.death is not None:
        bundle["entry"][0]["resource"]["deceasedDateTime"] = subject.at(
            subject.death, 5
        ).isoformat()
    return bundle


def _baseline_markers(rng: np.random.Generator) -> dict[str, float]:
    """Active HLH, each marker drawn around its typical level (log-normal, spread 0.15)."""
    return {key: value * float(np.exp(rng.normal(0.0, 0.15))) for key, value in ACTIVE_HLH.items()}


class _Writer:
    """Writes one subject's entries: values on study days, left out at :data:`MISSING`."""

    def __init__(self, builder: BundleBuilder, subject: _Subject, rng: np.random.Generator):
        self.builder = builder
        self.subject = subject
        self.rng = rng
        self.hospital: tuple[int, int | None] = (0, None)

    def quantity(self, key: str, value: float, day: int, hour: int = 8) -> None:
        if not self.subject.followed(day) or _chance(self.rng, MISSING):
            return
        item = vocabulary()[key]
        low, high = (item.plausible.low, item.plausible.high) if item.plausible else (None, None)
        if low is not None:
            value = max(value, low)
        if high is not None:
            value = min(value, high)
        decimals = 0 if abs(value) >= 100 else (1 if abs(value) >= 10 else 2)
        shown = round(value, decimals)
        reference = (None, ALT_UPPER_LIMIT) if key == "lab.alt" else None
        assert item.unit is not None
        self.builder.quantity(
            key, shown, item.unit, self.subject.at(day, hour), reference=reference
        )

    def flag(self, key: str, value: bool, day: int) -> None:
        if self.subject.followed(day) and not _chance(self.rng, MISSING):
            self.builder.flag(key, value, self.subject.at(day, 9))

    # -- HLH response -------------------------------------------------------------------------
    def response_course(self, course: Course, baseline: dict[str, float], first: int) -> None:
        """Baseline markers on the anchor's day, then a state at each assessment day that
        never gets worse (the best state drawn, reached at a drawn assessment)."""
        self._markers(baseline, first, fever=True, spleen=True)
        best = STATES[int(self.rng.choice(len(STATES), p=course.response_states))]
        reached = int(self.rng.integers(0, len(course.response_days)))
        rank = STATES.index(best)
        for number, day in enumerate(course.response_days):
            # before the best is reached, one state worse per assessment left (NR at worst)
            state = STATES[min(len(STATES) - 1, rank + max(0, reached - number))]
            self._assessment(baseline, state, day)

    def _assessment(self, baseline: dict[str, float], state: str, day: int) -> None:
        if state == "CR":
            values = {k: v * float(np.exp(self.rng.normal(0.0, 0.1))) for k, v in NORMAL.items()}
            self._markers(values, day, fever=False, spleen=False)
            self.flag("finding.haemophagocytosis", False, day)
            self.flag("finding.cns_involvement", False, day)
            return
        fractions = RESPONSE_FRACTION[state]
        values = {
            k: v * fractions.get(k, 1.0) * float(self.rng.uniform(0.92, 1.06))
            for k, v in baseline.items()
        }
        self._markers(values, day, fever=state not in ("PR",), spleen=True)

    def _markers(self, values: dict[str, float], day: int, *, fever: bool, spleen: bool) -> None:
        for key, value in values.items():
            self.quantity(key, value, day)
        temperature = float(self.rng.uniform(38.6, 39.4) if fever else self.rng.uniform(36.5, 37.4))
        self.quantity("vital.temperature", temperature, day, hour=14)
        self.flag("finding.splenomegaly", spleen, day)

    def fever(self, days: tuple[int, int]) -> None:
        """Daily temperatures; the fever resolves within 48 h for most subjects."""
        resolves = _chance(self.rng, 0.7)
        late = _between(self.rng, (days[0] + 2, days[1]))
        for day in range(days[0], days[1] + 1):
            febrile = day < 2 or (not resolves and day == late)
            value = self.rng.uniform(38.6, 39.6) if febrile else self.rng.uniform(36.4, 37.6)
            self.quantity("vital.temperature", float(value), day, hour=16)

    # -- ICU ----------------------------------------------------------------------------------
    def sofa_course(self, course: Course, baseline: dict[str, float]) -> None:
        """SOFA inputs and HLH markers at each day of ``course.sofa_days``: a baseline SOFA of
        about 10, which falls by 3 points or more at day 7 in about half of the subjects."""
        points = [int(p) for p in self.rng.choice(5, size=_SYSTEMS, p=(0.1, 0.25, 0.3, 0.25, 0.1))]
        responder = _chance(self.rng, 0.5)
        for number, day in enumerate(course.sofa_days):
            if number > 0:
                points = self._next_points(points, responder)
            self._sofa_inputs(points, day)
            recovered = responder and number > 0
            for key, value in baseline.items():
                if key == "lab.platelets":
                    continue  # the SOFA's coagulation value
                if recovered:
                    value = value + (NORMAL[key] - value) * (0.5 if number == 1 else 0.85)
                self.quantity(key, value * float(self.rng.uniform(0.92, 1.08)), day)
            temperature = (
                self.rng.uniform(36.4, 37.5) if recovered else self.rng.uniform(37.2, 39.2)
            )
            self.quantity("vital.temperature", float(temperature), day, hour=14)

    def _next_points(self, points: list[int], responder: bool) -> list[int]:
        if responder:  # at least three systems one point better (as far as they can go)
            order = [int(i) for i in self.rng.permutation(_SYSTEMS)]
            better = list(points)
            lowered = 0
            for i in order:
                if better[i] > 0 and lowered < 4:
                    better[i] -= 1
                    lowered += 1
            return better
        return [
            min(4, max(0, p + int(self.rng.integers(-1, 2)))) if i < 2 else p
            for i, p in enumerate(points)
        ]

    def _sofa_inputs(self, points: list[int], day: int) -> None:
        respiration, coagulation, liver, cardiovascular, cns, renal = points
        pao2, fio2, ventilated = _RESPIRATION[respiration]
        subject = self.subject
        if not subject.followed(day):
            return
        if ventilated:
            self.builder.procedure(
                "procedure.mechanical_ventilation", subject.at(day, 0), subject.at(day, 23)
            )
        self.quantity("vital.fio2", fio2, day, hour=7)
        self.quantity("lab.pao2", pao2, day, hour=8)
        self.quantity("lab.platelets", _PLATELETS[coagulation], day)
        self.quantity("lab.bilirubin_total", _BILIRUBIN[liver], day)
        pressure, norepinephrine = _CARDIOVASCULAR[cardiovascular]
        self.quantity("vital.map", pressure, day, hour=9)
        if norepinephrine is not None:
            self.builder.medication(
                "drug.norepinephrine",
                subject.at(day, 2),
                subject.at(day, 20),
                kind="MedicationAdministration",
                rate=(norepinephrine, "ug/kg/min"),
            )
        self.quantity("assessment.gcs_total", _GCS[cns], day, hour=10)
        self.quantity("lab.creatinine", _CREATININE[renal], day)
        self.quantity("vital.urine_output_24h", _URINE[renal], day, hour=7)

    def stays(self) -> None:
        """A hospital stay from before inclusion with an ICU stay in it; each ends by discharge,
        death, or goes on past six months (an open stay)."""
        subject = self.subject
        admitted = -_between(self.rng, (0, 4))
        icu_end: int | None = _between(self.rng, (2, 40))
        hospital_end: int | None = (icu_end or 0) + _between(self.rng, (3, 30))
        if _chance(self.rng, 0.12):  # still in hospital at six months
            hospital_end = None
            if _chance(self.rng, 0.5):
                icu_end = None
        death = subject.death
        if death is not None:
            if icu_end is None or death <= icu_end:
                icu_end = hospital_end = death
            elif hospital_end is None or death <= hospital_end:
                hospital_end = death
        last = subject.last
        if icu_end is not None and icu_end > last:
            icu_end = None
        if hospital_end is not None and hospital_end > last:
            hospital_end = None
        self.builder.stay(
            "hospital",
            subject.at(admitted, 6),
            None if hospital_end is None else subject.at(hospital_end, 12),
        )
        self.builder.stay(
            "icu",
            subject.at(0 if admitted == 0 else -1, 7),
            None if icu_end is None else subject.at(icu_end, 11),
        )
        self.hospital = (admitted, hospital_end)

    def infections(self) -> None:
        """Up to two infections in the first 28 days: in hospital from its third day (acquired
        there), or after discharge (from the community)."""
        discharged = self.hospital[1]
        for _ in range(int(self.rng.choice(3, p=(0.4, 0.4, 0.2)))):
            day = _between(self.rng, (1, 28))
            if self.subject.followed(day) and not _chance(self.rng, MISSING):
                self.builder.condition("condition.infection", self.subject.at(day, 12))
        if discharged is not None and discharged < 27 and _chance(self.rng, 0.4):
            day = _between(self.rng, (discharged + 1, 28))
            if self.subject.followed(day):
                self.builder.condition("condition.infection", self.subject.at(day, 12))

    # -- adverse events -----------------------------------------------------------------------
    def adverse_events(self, course: Course) -> None:
        """Adverse events of several CTCAE terms and grades; a few without a grade or without
        seriousness recorded."""
        for _ in range(_between(self.rng, course.adverse_events)):
            day = _between(self.rng, course.ae_days)
            if not self.subject.followed(day):
                continue
            term = AE_TERMS[int(self.rng.integers(len(AE_TERMS)))]
            grade: int | None = int(self.rng.choice(4, p=(0.35, 0.3, 0.25, 0.1))) + 1
            if _chance(self.rng, 0.08):
                grade = None
            serious: bool | None = grade is not None and grade >= 3 and _chance(self.rng, 0.6)
            if _chance(self.rng, 0.05):
                serious = None
            self.builder.adverse_event(term, self.subject.at(day, 13), grade=grade, serious=serious)
