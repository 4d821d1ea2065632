"""Hypothesis strategies for the SQL agreement tests: criteria trees and records with edges.

Extends ``tests/strategies.py``'s leaf pool (``CRITERIA_LEAVES``) with leaves
that reach every branch of every compiled walker (age bands by sex, ULN from
the cited tables, ages in months and days, diagnoses ``ever`` and ``known``,
wash-outs with and without cited half-lives, cumulative exposures, genomic
residues), and draws records whose dates sit on the edges that matter: a
birth date on 29 February, birthdays on and around the index date, values
exactly on a window's boundary (and a microsecond either side), values on a
threshold in the reported unit or in another unit, tentative, refuted and
ended diagnoses, ongoing exposures, procedures in progress. Measurements also
take the values a hostile OMOP row may hold (NaN, infinities, negative and
huge numbers, no value, no or a foreign unit), read as an OMOP reader reads
them (:func:`trialkit.record.reported.reported_measurement`), and so do the
values the drawn number makes implausible in another unit.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from hypothesis import strategies as st

from strategies import CRITERIA_LEAVES
from trialkit.protocol.window import before
from trialkit.record import (
    AlterationType,
    Condition,
    Exposure,
    GenomicFinding,
    Observation,
    PatientRecord,
    Procedure,
    Sex,
)
from trialkit.record.model import OLDEST_AGE_YEARS, UnknownCode
from trialkit.record.patient import group_observations
from trialkit.record.reported import reported_measurement
from trialkit.units import Quantity, conversion, convert
from trialkit.vocab import concept

EXTRA_LEAVES: tuple[dict[str, object], ...] = (
    {
        "measure": "lab.haemoglobin",
        "op": "<",
        "by_age": [
            {"below": "28 d", "value": 100},
            {"below": "12 a", "sex": "female", "value": 95},
            {"sex": "male", "value": 92},
            {"value": 90},
        ],
        "unit": "g/L",
        "within": "7 d",
    },
    {"measure": "lab.alt", "op": "<=", "uln": 2.5, "within": "7 d"},
    {"measure": "lab.ast", "op": ">", "uln": 3, "within": "30 d"},
    {"measure": "lab.creatinine", "op": "<=", "uln": 1.5, "within": "7 d"},
    {"measure": "vital.temperature", "op": ">=", "value": 38.5, "unit": "Cel", "within": "2 d"},
    {"measure": "lab.ferritin", "op": ">", "value": 500, "unit": "ng/mL", "within": "1 mo"},
    {"measure": "lab.creatinine", "op": "<", "value": 1.2, "unit": "mg/dL", "within": "7 d"},
    {"measure": "lab.platelets", "op": ">=", "value": 100, "unit": "10*3/uL", "within": "3 mo"},
    {"age": "<", "value": 18, "unit": "a"},
    {"age": "<=", "value": 12.5, "unit": "a"},
    {"age": ">", "value": 28, "unit": "d"},
    {"age": "<", "value": 6, "unit": "mo"},
    {"age": "<", "value": 2, "unit": "a", "at_first": "condition.acute_lymphoblastic_leukaemia"},
    {"sex": "male"},
    {"condition": "condition.tuberculosis", "ever": True},
    {"condition": "condition.acute_lymphoblastic_leukaemia"},
    {"condition": "condition.malignancy", "ever": True},
    {"childbearing_potential": True},
    {"attestation": "attestation.infection_other_than_hlh_trigger", "within": "7 d"},
    {"drug": "drug_class.corticosteroids", "within": "7 d", "routes": ["route.oral"]},
    {"procedure": "procedure.hsct_allogeneic"},
    {"finding": "finding.splenomegaly"},
    {"finding": "lab.hcg", "within": "7 d"},
    {"attestation": "attestation.informed_consent", "within": "7 d"},
    {"drug": "drug_class.corticosteroids", "within": "30 d"},
    {"drug": "drug.prednisolone", "within": "14 d", "longer_than": "7 d"},
    {"drug": "drug_class.corticosteroids", "longer_than": "2 d"},
    {"drug": "drug_class.monoclonal_antibodies", "within": "21 d", "half_lives": 5},
    {"drug": "drug.ruxolitinib", "within": "1 mo"},
    {"procedure": "procedure.hsct_allogeneic"},
    {"procedure": "procedure.hsct_allogeneic", "within": "30 d"},
    {"gene": ["gene.jak1", "gene.jak2"]},
    {"gene": ["gene.jak2"], "protein_change": ["V617F"]},
    {"gene": ["gene.crlf2"], "alteration": ["fusion", "rearrangement"]},
    {"gene": ["gene.jak1"], "protein_change": ["F958", "Y931C"]},
    {"score": "hlh2004", "op": "<", "value": 3},
    {"score": "hlh2004", "op": ">=", "value": 2},
    {"score": "hscore", "op": ">=", "value": 169},
    {"score": "hscore", "op": "<", "value": 90},
    {"score": "sofa", "op": ">=", "value": 4},
    {"score": "sofa", "op": "<", "value": 8},
    {"score": "sofa", "op": ">=", "value": 12},
    {"score": "psofa", "op": ">=", "value": 4},
    {"score": "psofa", "op": "<", "value": 8},
    {"score": "schwartz_bedside", "op": ">=", "value": 60},
    {"score": "cockcroft_gault", "op": "<", "value": 60},
    {"score": "qtc_fridericia", "op": "<=", "value": 450},
    {"score": "performance", "op": ">=", "value": 50, "karnofsky_from_age": 13},
    {"score": "performance", "op": ">=", "value": 60},
)

LEAVES = (*CRITERIA_LEAVES, *EXTRA_LEAVES)

INDEX_TIMES = (
    datetime(2024, 2, 29, 12, 0),
    datetime(2025, 3, 1, 0, 0),
    datetime(2025, 6, 15, 23, 59, 59, 999999),
    datetime(2023, 2, 28, 8, 30),
)
"""Index times: a leap day, the day after 28 February, the end of a day, an ordinary morning."""

_EDGES = ("2 d", "7 d", "14 d", "21 d", "28 d", "30 d", "1 mo", "3 mo", "1 a")
_MICRO = timedelta(microseconds=1)


def criteria_trees() -> st.SearchStrategy[dict[str, object]]:
    """Random criteria trees over :data:`LEAVES` (as ``strategies.criteria_trees``)."""
    leaves = st.sampled_from(LEAVES)

    def extend(
        children: st.SearchStrategy[dict[str, object]],
    ) -> st.SearchStrategy[dict[str, object]]:
        many = st.lists(children, min_size=1, max_size=4)
        return st.one_of(
            many.map(lambda items: {"all_of": items}),
            many.map(lambda items: {"any_of": items}),
            children.map(lambda item: {"not": item}),
            many.flatmap(
                lambda items: st.integers(1, len(items)).map(lambda k: {"at_least": k, "of": items})
            ),
        )

    return st.recursive(leaves, extend, max_leaves=6)


def times(at: datetime) -> st.SearchStrategy[datetime]:
    """A time on a window's edge (± 1 µs), at or just after the index, or any time before."""
    edges = [before(at, d) + shift for d in _EDGES for shift in (-_MICRO, timedelta(0), _MICRO)]
    edges += [at, at - _MICRO, at + _MICRO, at + timedelta(days=1)]
    spread = st.integers(0, 500 * 24).map(lambda hours: at - timedelta(hours=hours))
    return st.one_of(st.sampled_from(edges), spread)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year - years, day=28)


def births(at: datetime) -> st.SearchStrategy[date | None]:
    """No birth date, 29 February, a birthday near the index, a newborn, or any age.

    Also impossible ones, as a hostile record holds them (review 13, F4): after the
    index date, around the oldest verified human age (122 years: 123 is impossible)
    and 1825 (200 years).
    """
    day = at.date()
    leap = [d for d in (date(y, 2, 29) for y in range(2004, 2025, 4)) if d <= day]
    oldest = OLDEST_AGE_YEARS + 1
    around = st.tuples(st.sampled_from([1, 2, 12, 13, 18, 22, oldest]), st.integers(-2, 2)).map(
        lambda t: _years_before(day, t[0]) + timedelta(days=t[1])
    )
    newborn = st.integers(0, 70).map(lambda n: day - timedelta(days=n))
    anyone = st.integers(0, 80 * 365).map(lambda n: day - timedelta(days=n))
    unborn = st.integers(1, 6 * 365).map(lambda n: day + timedelta(days=n))
    ancient = st.just(date(1825, 1, 1))
    return st.one_of(st.none(), st.sampled_from(leap), around, newborn, anyone, unborn, ancient)


_VALUES: dict[str, tuple[float, ...]] = {
    # canonical values on and around the leaves' thresholds
    "lab.ferritin": (200.0, 499.0, 500.0, 500.0000001, 2000.0, 6000.0, 8000.0),
    "lab.platelets": (20.0, 99.0, 100.0, 110.0, 250.0),
    "lab.creatinine": (15.0, 35.36, 53.04, 90.0, 106.08, 110.0, 200.0),
    "lab.haemoglobin": (80.0, 90.0, 92.0, 92.0138, 95.0, 100.0, 120.0),
    "vital.temperature": (36.8, 38.4, 38.5, 39.4, 39.5),
    "lab.alt": (10.0, 25.0, 62.5, 100.0, 140.0),
    "lab.ast": (20.0, 30.0, 90.0, 150.0, 200.0),
    "lab.leukocytes": (2.0, 5.0, 8.0),
    "lab.neutrophils": (0.5, 1.0, 2.0),
    "lab.triglycerides": (1.0, 1.5, 2.9, 2.992, 3.0, 4.0, 4.5),
    "lab.fibrinogen": (1.0, 1.5, 2.5, 3.0),
    "lab.scd25": (1000.0, 2400.0, 5000.0),
    "vital.height": (50.0, 120.0, 178.0),
    "vital.weight": (3.5, 25.0, 70.0),
    "assessment.karnofsky": (40.0, 50.0, 60.0, 100.0),
    "assessment.lansky": (30.0, 50.0, 70.0),
    "lab.pao2": (60.0, 80.0, 92.0),
    "vital.spo2": (88.0, 92.0, 97.0, 97.5, 99.0),
    "vital.fio2": (0.21, 0.3, 0.5, 1.0),
    "vital.map": (60.0, 69.95, 70.0, 78.0),
    "lab.bilirubin_total": (15.0, 20.0, 20.5, 33.0, 102.0, 204.0, 205.0),
    "vital.urine_output_24h": (150.0, 200.0, 499.0, 500.0, 1650.0),
    "assessment.gcs_total": (3.0, 6.0, 10.0, 13.0, 15.0),
}
_REFERENCE_HIGH: dict[str, tuple[float, ...]] = {
    "lab.creatinine": (70.0, 110.0),
    "lab.alt": (40.0,),
    "lab.ast": (50.0,),
}


@st.composite
def measurements(
    draw: st.DrawFn, at: datetime, recent: bool = False, key: str | None = None
) -> Observation:
    """A measurement in any allowed unit, its value on a threshold or near one.

    ``recent``: taken in the last two days, where every score's look-back reaches.
    """
    if key is None:
        key = draw(st.sampled_from(sorted(_VALUES)))
    item = concept(key)
    assert item.unit is not None
    unit = draw(st.sampled_from(item.units))
    canonical = draw(st.sampled_from(_VALUES[key]))
    scale, offset = conversion(item.unit, unit, item.molar_mass)
    reported = draw(
        st.one_of(
            st.just(canonical * scale + offset),
            st.just(round(canonical * scale + offset, 2)),
            st.just(canonical),  # the same number, read in the reported unit
        )
    )
    when = at - timedelta(hours=draw(st.integers(0, 47))) if recent else draw(times(at))
    hostile = draw(st.sampled_from(_HOSTILE))
    if hostile is not None:
        reported, unit = hostile if isinstance(hostile, tuple) else (hostile, unit)
    resource = f"Observation/{key}"
    # As an OMOP reader reads the row: a value that cannot be used (implausible, not
    # finite, absent, in a unit the concept does not allow) is a result of unknown value.
    read = reported_measurement(key, resource, when, reported, unit)
    if read.unusable is not None:
        return read
    assert reported is not None and unit is not None
    value = convert(reported, unit, item.unit, key)
    high = draw(st.one_of(st.none(), st.sampled_from(_REFERENCE_HIGH.get(key, (None,)))))
    return Observation(
        key, resource, when, None, value, Quantity(reported, unit, key), (), None, high
    )


_HOSTILE: tuple[float | tuple[float | None, str | None] | None, ...] = (
    *(None,) * 12,
    math.nan,
    math.inf,
    -math.inf,
    float("1e400"),
    -5.0,
    0.0,
    1e308,
    -1e-300,
    (None, None),
    (40.0, None),
    (40.0, "furlong"),
    (math.nan, "furlong"),
)
"""What an OMOP row may hold instead of the drawn value (None: the drawn value, most often):
NaN, the infinities (1e400 is one), negative and huge numbers, no value, no unit, a unit
the concept does not allow."""

_FLAGS = (
    "finding.splenomegaly",
    "finding.fever",
    "finding.haemophagocytosis",
    "finding.haemophagocytosis_marrow",
    "finding.nk_activity_low",
    "finding.known_immunosuppression",
    "finding.hepatomegaly",
    "finding.respiratory_support",
    "lab.hcg",
    "attestation.informed_consent",
    "attestation.treatment_history_reviewed",
    "attestation.problem_list_reviewed",
    "absence.problems",
    "absence.medications",
    "absence.past_illnesses",
    "attestation.childbearing_potential",
    "attestation.infection_other_than_hlh_trigger",
    "condition.infection",
    "condition.tuberculosis",
)
_CONDITIONS = (
    "condition.tuberculosis",
    "condition.malignancy",
    "condition.acute_lymphoblastic_leukaemia",
    "finding.splenomegaly",
)
_DRUGS = (
    "drug.etoposide",
    "drug.prednisolone",
    "drug.dexamethasone",
    "drug.ruxolitinib",
    "drug.blinatumomab",
    "drug.rituximab",
    "drug.gemtuzumab_ozogamicin",
    "drug.dopamine",
    "drug.dobutamine",
    "drug.epinephrine",
    "drug.norepinephrine",
)
_RATES = (
    None,
    Quantity(0.05, "ug/kg/min", "drug.norepinephrine"),
    Quantity(0.1, "ug/kg/min", "drug.norepinephrine"),
    Quantity(0.12, "ug/kg/min", "drug.norepinephrine"),
    Quantity(5.0, "ug/kg/min", "drug.dopamine"),
    Quantity(15.0, "ug/kg/min", "drug.dopamine"),
    Quantity(20.0, "ug/kg/min", "drug.dopamine"),
    Quantity(6.0, "ug/kg/h", "drug.norepinephrine"),  # 0.1 ug/kg/min
    Quantity(5.0, "mg/h", "drug.dopamine"),  # not weight-based: rate unknown
)


@st.composite
def flags(draw: st.DrawFn, at: datetime) -> Observation:
    """A yes/no observation (finding, qualitative lab, attestation)."""
    key = draw(st.sampled_from(_FLAGS))
    return Observation(key, f"Observation/{key}", draw(times(at)), None, draw(st.booleans()))


@st.composite
def conditions(draw: st.DrawFn, at: datetime) -> Condition:
    """A diagnosis: confirmed, tentative or refuted; ongoing, ended, or ended at an unknown time."""
    key = draw(st.sampled_from(_CONDITIONS))
    onset = draw(times(at))
    verification = draw(
        st.sampled_from(["confirmed", "provisional", "differential", "unconfirmed", "refuted"])
    )
    ending = draw(st.sampled_from(["ongoing", "ended", "resolved", "abated"]))
    abatement = None
    if ending == "ended":
        abatement = max(onset, draw(times(at)))
    status = "resolved" if ending == "resolved" else None
    return Condition(
        key, f"Condition/{key}", onset, abatement, verification, status, ending == "abated"
    )


@st.composite
def exposures(draw: st.DrawFn, at: datetime) -> Exposure:
    """A single administration, a course that ended, or an ongoing exposure."""
    key = draw(st.sampled_from(_DRUGS))
    start = draw(times(at))
    kind = draw(st.sampled_from(["single", "course", "ongoing", "ends-on-edge"]))
    if kind == "single":
        end: datetime | None = start
    elif kind == "course":
        end = start + timedelta(hours=draw(st.integers(1, 40 * 24)))
    elif kind == "ends-on-edge":
        end = max(start, draw(times(at)))
    else:
        end = None
    rate = draw(st.sampled_from(_RATES))
    route = draw(st.sampled_from([None, "route.oral", "route.intravenous", "route.intrathecal"]))
    return Exposure(
        key,
        f"MedicationStatement/{key}",
        "MedicationStatement",
        start,
        end,
        "active",
        None,
        rate,
        route,
    )


@st.composite
def unrecognised(draw: st.DrawFn, at: datetime) -> UnknownCode:
    """A dated medication, procedure, diagnosis or allergy coded with a code nobody knows."""
    kind = draw(
        st.sampled_from(["MedicationStatement", "Procedure", "Condition", "AllergyIntolerance"])
    )
    start = draw(times(at))
    end = None
    if kind == "Procedure":
        end = start
    elif kind == "MedicationStatement" and draw(st.booleans()):
        end = start + timedelta(hours=draw(st.integers(0, 40 * 24)))
    field = "medication" if kind.startswith("Medication") else "code"
    codings = draw(
        st.sampled_from(
            [
                ("urn:local|x",),
                ("http://hl7.org/fhir/sid/icd-10|J01.0",),
                ("http://snomed.info/sct|999999", "http://hl7.org/fhir/sid/icd-10-cm|C83.30"),
            ]
        )
    )
    return UnknownCode(f"{kind}/other", field, codings, kind, start, end)


_PROCEDURES = (
    "procedure.hsct_allogeneic",
    "procedure.mechanical_ventilation",
    "procedure.noninvasive_ventilation",
)


@st.composite
def procedures(draw: st.DrawFn, at: datetime) -> Procedure:
    """A transplant or a ventilation: done at a time, over hours or days, or still in progress."""
    key = draw(st.sampled_from(_PROCEDURES))
    start = draw(times(at))
    kind = draw(st.sampled_from(["completed", "span", "in-progress"]))
    end = None
    if kind == "span":
        end = start + timedelta(hours=draw(st.integers(0, 40 * 24)))
    status = "in-progress" if kind == "in-progress" else "completed"
    return Procedure(key, f"Procedure/{key}", start, end, status)


@st.composite
def taken_together(draw: st.DrawFn, at: datetime) -> list[Observation]:
    """Values recorded at one time: GCS components, or a systolic and diastolic pressure."""
    time = at - timedelta(hours=draw(st.integers(0, 30)))
    if draw(st.booleans()):
        parts = {
            "assessment.gcs_eye": draw(st.integers(1, 4)),
            "assessment.gcs_verbal": draw(st.integers(1, 5)),
            "assessment.gcs_motor": draw(st.integers(1, 6)),
        }
        unit = "1"
    else:
        parts = {
            "vital.systolic_bp": draw(st.sampled_from([80, 90, 110])),
            "vital.diastolic_bp": draw(st.sampled_from([40, 59, 60, 65])),
        }
        unit = "mm[Hg]"
    keys = draw(st.lists(st.sampled_from(sorted(parts)), min_size=1, unique=True))
    return [
        Observation(
            k, "Observation/set", time, None, float(parts[k]), Quantity(float(parts[k]), unit, k)
        )
        for k in keys
    ]


@st.composite
def genomic_findings(draw: st.DrawFn, at: datetime) -> GenomicFinding:
    """A mutation, fusion or other alteration, with a protein change near the leaves' patterns."""
    genes = draw(st.sampled_from([("gene.jak1",), ("gene.jak2",), ("gene.p2ry8", "gene.crlf2")]))
    alteration = draw(st.sampled_from(list(AlterationType)))
    change = draw(st.sampled_from([None, "F958V", "F958", "F9581", "V617F", "Y931C", "Y931"]))
    return GenomicFinding(genes, alteration, change, "Observation/variant", draw(times(at)))


_ECG = {
    "ecg.qt_interval": (380.0, 420.0, 450.0, 0.45),
    "ecg.rr_interval": (600.0, 1000.0, 1.0),
    "vital.heart_rate": (60.0, 75.0, 150.0),
    "ecg.qtc_fridericia": (430.0, 450.0, 470.0),
}


@st.composite
def electrocardiograms(draw: st.DrawFn, at: datetime) -> list[Observation]:
    """Some of QT, RR, heart rate and reported QTcF recorded at one time (one ECG)."""
    time = draw(times(at))
    found = []
    for key in draw(st.lists(st.sampled_from(sorted(_ECG)), min_size=1, max_size=4)):
        value = draw(st.sampled_from(_ECG[key]))
        unit = "s" if value < 10 else concept(key).unit
        assert unit is not None
        canonical = convert(value, unit, concept(key).unit or unit, key)
        found.append(
            Observation(key, "Observation/ecg", time, None, canonical, Quantity(value, unit, key))
        )
    return found


@st.composite
def records(draw: st.DrawFn, at: datetime) -> PatientRecord:
    """A patient record about ``at``, with a few entries of every kind (each may be absent)."""
    few = {"min_size": 0, "max_size": 4}
    observations = draw(st.lists(measurements(at), **few))
    complete = draw(st.booleans())  # a full work-up: every score input of the last two days
    keys = (
        sorted(_VALUES)
        if complete
        else draw(st.lists(st.sampled_from(sorted(_VALUES)), unique=True, max_size=14))
    )
    for key in keys:
        observations.append(draw(measurements(at, recent=True, key=key)))
    if complete:
        recent = at - timedelta(hours=draw(st.integers(0, 47)))
        for key in _FLAGS:
            observations.append(
                Observation(key, f"Observation/{key}", recent, None, draw(st.booleans()))
            )
    observations += draw(st.lists(flags(at), **few))
    for ecg in draw(st.lists(electrocardiograms(at), max_size=2)):
        observations += ecg
    for group in draw(st.lists(taken_together(at), max_size=3)):
        observations += group
    return PatientRecord(
        "p",
        draw(births(at)),
        draw(st.sampled_from(list(Sex))),
        observations=group_observations(observations),
        conditions=tuple(draw(st.lists(conditions(at), **few))),
        exposures=tuple(draw(st.lists(exposures(at), **few))),
        procedures=tuple(draw(st.lists(procedures(at), max_size=3))),
        genomics=tuple(draw(st.lists(genomic_findings(at), max_size=2))),
        unknown_codes=tuple(draw(st.lists(unrecognised(at), max_size=2))),
        deceased=draw(st.one_of(st.none(), st.none(), times(at))),
    )
