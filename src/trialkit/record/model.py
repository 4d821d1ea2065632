"""What is known about one patient: the record that scores and protocols read.

Every item keeps the id of the resource it came from and its dates, so that
any computed result can show its evidence. Times are naive ``datetime`` values
on the site's wall clock (FHIR offsets are dropped, not converted: a value
drawn at 00:30+01:00 stays on its calendar day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from trialkit._frozen import slot_init
from trialkit.units import Quantity

__all__ = [
    "EARLIEST",
    "OLDEST_AGE_YEARS",
    "AdverseEvent",
    "AlterationType",
    "CareSetting",
    "Condition",
    "Exposure",
    "GenomicFinding",
    "Observation",
    "Procedure",
    "Sex",
    "Stay",
    "UnknownCode",
    "Unusable",
    "impossible_age",
]


EARLIEST = datetime(1800, 1, 1)
"""The earliest date or time trialkit reads (FHIR dates, ``--at``).

No patient record reaches further back; a bound keeps every look-back of a
protocol (at most 200 years, ``trialkit.protocol.window``) within the calendar,
where a date in year 1 made the arithmetic overflow. A birth date of 1825 is
read (its age, 200 years, is impossible: :func:`impossible_age`).
"""

OLDEST_AGE_YEARS = 122
"""The oldest verified human age, in completed years: an age above it is impossible.

Jeanne Calment, 21 February 1875 – 4 August 1997, 122 years and 164 days, the
longest human life whose age is verified (Robine JM, Allard M. The oldest
human. Science 1998;279(5358):1834–1835; the validation reviewed again by
Robine JM et al., J Gerontol A Biol Sci Med Sci 2019;74(Suppl 1):S13–S20).
A birth date that gives more, like one after the index time, is wrong: every
rule that reads the age reads it as unknown (:func:`impossible_age`).
"""


class Sex(StrEnum):
    """Administrative sex, as FHIR ``Patient.gender``."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class AlterationType(StrEnum):
    """The kinds of genomic alteration a protocol can ask about."""

    MUTATION = "mutation"
    FUSION = "fusion"
    REARRANGEMENT = "rearrangement"
    DELETION = "deletion"
    AMPLIFICATION = "amplification"
    OVEREXPRESSION = "overexpression"


@slot_init
@dataclass(frozen=True, slots=True)
class Unusable:
    """Why a measured result has no value that can be used, and what the source reported.

    A value that is not a finite number within the concept's plausible range
    (NaN, infinity, -5 platelets), no value at all, or a unit the concept
    does not allow. FHIR input refuses such a value outright
    (:mod:`trialkit.record.fhir`); a row of an OMOP database is kept as a
    result whose value is unknown (:func:`trialkit.record.reported.reported_measurement`).
    """

    value: float | None
    unit: str | None
    reason: str


@slot_init
@dataclass(frozen=True, slots=True)
class Observation:
    """One observed value of a concept (a lab, a vital sign, a finding, an attestation).

    ``value`` is the canonical-unit number for a quantity (``quantity`` keeps the
    value as reported), a bool for a finding or attestation, or ``system|code``
    for a coded value. ``reference_low``/``reference_high`` are the reporting
    laboratory's limits in the canonical unit, when given.

    A measured result whose value cannot be used has ``value`` and
    ``quantity`` None and says why in ``unusable``: it is still the concept's
    result at its time (the latest result is unknown, never an older one),
    but no window of values holds it (:meth:`PatientRecord.window`).
    """

    concept: str
    resource: str
    time: datetime
    end: datetime | None
    value: float | bool | str | None
    quantity: Quantity | None = None
    interpretation: tuple[str, ...] = ()
    reference_low: float | None = None
    reference_high: float | None = None
    unusable: Unusable | None = None


@slot_init
@dataclass(frozen=True, slots=True)
class Condition:
    """A diagnosis with its onset and, if it ended, its abatement.

    ``abated`` is True when the resource says the condition ended, with a date
    (``abatement``) or without one (``abatementString``, ``abatementAge``, ...).
    ``recorded`` is when the resource was recorded (FHIR ``recordedDate``): its
    status and verification are not known before then.
    """

    concept: str
    resource: str
    onset: datetime
    abatement: datetime | None
    verification: str
    clinical_status: str | None
    abated: bool = False
    recorded: datetime | None = None

    def present_at(self, at: datetime) -> bool:
        """True when the condition had begun and had not abated at ``at`` (refuted never).

        A condition that ended at an unknown time (resolved, in remission or
        inactive, or an abatement without a date) is never counted as present.
        """
        if self.verification in {"refuted", "entered-in-error"}:
            return False
        ended = self.abated or self.clinical_status in {"resolved", "remission", "inactive"}
        if ended and self.abatement is None:
            return False
        return self.onset <= at and (self.abatement is None or at < self.abatement)


@slot_init
@dataclass(frozen=True, slots=True)
class Exposure:
    """A period of drug exposure from a MedicationStatement, -Request or -Administration.

    ``end`` is None while the drug is ongoing; a single administration has
    ``end == start``. ``dose`` and ``rate`` keep their reported units.
    ``route`` is the route concept key (``route.intrathecal``), None when not
    recorded or not known to the vocabulary. ``recorded`` is when the resource
    was written (a statement's ``dateAsserted``, a request's ``authoredOn``).
    """

    concept: str
    resource: str
    source: str
    start: datetime
    end: datetime | None
    status: str
    dose: Quantity | None = None
    rate: Quantity | None = None
    route: str | None = None
    recorded: datetime | None = None

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """True when the exposure touches the closed window [start, end]."""
        return self.start <= end and (self.end is None or self.end >= start)


@slot_init
@dataclass(frozen=True, slots=True)
class Procedure:
    """A procedure (transplant, radiotherapy, surgery, ventilation, dialysis) and its dates."""

    concept: str
    resource: str
    start: datetime
    end: datetime | None
    status: str

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """True when the procedure touches the closed window [start, end]."""
        last = self.end or self.start
        if self.status == "in-progress" and self.end is None:
            last = end
        return self.start <= end and last >= start


class CareSetting(StrEnum):
    """Where a stay takes place (the vocabulary's ``setting.<value>`` concepts).

    ``HOSPITAL``: an inpatient stay, a FHIR Encounter whose ``class`` is v3 ActCode
    IMP (inpatient encounter) or its specialisations ACUTE and NONAC (HL7
    Terminology, ValueSet v3-ActInpatientEncounterCode). ``ICU``: a stay in
    intensive care, an Encounter coded with v3 RoleCode ``ICU`` or SNOMED CT
    309904001 Intensive care unit (environment), in its ``type`` or in the
    ``type`` of its Location (docs/fhir-input.md, Encounter). A stay in intensive
    care is also time in hospital: a hospital length of stay spans both settings.
    """

    HOSPITAL = "hospital"
    ICU = "icu"


@slot_init
@dataclass(frozen=True, slots=True)
class Stay:
    """One stay in a care setting: a FHIR Encounter, with its period.

    ``end`` is None when the record gives no end: the stay goes on (``status``
    in-progress, onleave, arrived, triaged) or its status is unknown; a finished
    stay always has its end. ``discharge`` is
    ``Encounter.hospitalization.dischargeDisposition`` as ``system|code`` (its
    first coding), when given; it is kept as sent, not looked up.
    """

    setting: CareSetting
    resource: str
    start: datetime
    end: datetime | None
    status: str
    discharge: str | None = None


@slot_init
@dataclass(frozen=True, slots=True)
class AdverseEvent:
    """An adverse event (FHIR AdverseEvent, actuality ``actual``) with its CTCAE term and grade.

    ``term`` is the key of the CTCAE v5.0 term in ``trialkit.scores.ctcae.TERMS``
    (``febrile_neutropenia``) when a coding of ``event`` is the term's MedDRA
    lowest level term, or, failing a known coding, when ``event.text`` is the
    term as CTCAE v5.0 prints it (case aside); None otherwise, the codings kept
    in ``codings`` for reporting. ``grade`` is the CTCAE grade, 1 to 5, from the
    HL7 Adverse Event Clinical Research IG's ``ae-grade`` extension, None when
    not given (``AdverseEvent.severity``, mild / moderate / severe, is not a
    grade and is not read as one). ``onset`` is ``AdverseEvent.date`` (when the
    event occurred), else ``detected``, else ``recordedDate``. ``serious`` is
    ``seriousness`` (serious / non-serious), None when absent.
    """

    resource: str
    term: str | None
    codings: tuple[str, ...]
    text: str | None
    grade: int | None
    onset: datetime
    serious: bool | None


@slot_init
@dataclass(frozen=True, slots=True)
class GenomicFinding:
    """A somatic or germline alteration found in a gene.

    ``genes`` lists the gene concept keys (two for a fusion, 5' partner first);
    ``protein_change`` is the one-letter short form (``Y931C``), or None.
    """

    genes: tuple[str, ...]
    alteration: AlterationType
    protein_change: str | None
    resource: str
    time: datetime


@slot_init
@dataclass(frozen=True, slots=True)
class UnknownCode:
    """A resource (or a coded field of one) skipped because none of its codings is known.

    ``kind`` is the resource type; ``start`` and ``end`` its dates when it has
    them (a medication's period, a condition's onset), so that a criterion can
    tell whether an unrecognised drug, procedure or condition might fall in its
    window (the open world: such a resource leaves a "none recorded" unknown).
    """

    resource: str
    field: str
    codings: tuple[str, ...]
    kind: str = ""
    start: datetime | None = None
    end: datetime | None = None


def impossible_age(birth: date, at: date) -> str | None:
    """Why the age on ``at`` of someone born on ``birth`` cannot be, or None when it can.

    trialkit's one definition of a possible age, read by the scores
    (:func:`trialkit.scores.assess_all`), the screening evaluator and the SQL
    compiler (``trialkit.eligibility.sql.build.impossible_age``): from 0 (born
    on ``at``) to :data:`OLDEST_AGE_YEARS` completed years.
    """
    if at < birth:
        return f"birthDate {birth} gives an impossible age on {at} (born after it)"
    years = birth_age(birth, at)[0]
    if years > OLDEST_AGE_YEARS:
        return (
            f"birthDate {birth} gives an impossible age on {at} ({years} years; the oldest "
            f"verified human age is {OLDEST_AGE_YEARS} years, Robine & Allard 1998)"
        )
    return None


def birth_age(birth: date, at: date) -> tuple[int, int]:
    """Completed years and days of life at ``at`` (a birthday on 29 February is reached on 1 March)."""
    years = at.year - birth.year - ((at.month, at.day) < (birth.month, birth.day))
    return years, (at - birth).days
