"""Typed rows of the OMOP CDM tables that the FHIR bridge writes.

Each class holds the columns the bridge fills, named as in CDM 5.4; the other
columns of the table are NULL. ``TABLE`` names the table, and a test checks
that every field is a column of it and every required column is a field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import ClassVar

__all__ = [
    "ConceptAncestorRow",
    "ConceptRow",
    "ConditionOccurrenceRow",
    "DeathRow",
    "DrugExposureRow",
    "MeasurementRow",
    "ObservationPeriodRow",
    "ObservationRow",
    "OmopRows",
    "PersonRow",
    "ProcedureOccurrenceRow",
    "Row",
]


@dataclass(frozen=True, slots=True)
class PersonRow:
    """One PERSON row."""

    TABLE: ClassVar[str] = "person"
    person_id: int
    gender_concept_id: int
    year_of_birth: int
    month_of_birth: int
    day_of_birth: int
    birth_datetime: datetime
    race_concept_id: int
    ethnicity_concept_id: int
    person_source_value: str
    gender_source_value: str


@dataclass(frozen=True, slots=True)
class ObservationPeriodRow:
    """The span over which the person's record is taken to be complete."""

    TABLE: ClassVar[str] = "observation_period"
    observation_period_id: int
    person_id: int
    observation_period_start_date: date
    observation_period_end_date: date
    period_type_concept_id: int


@dataclass(frozen=True, slots=True)
class MeasurementRow:
    """A quantitative result, in the unit it was reported in."""

    TABLE: ClassVar[str] = "measurement"
    measurement_id: int
    person_id: int
    measurement_concept_id: int
    measurement_date: date
    measurement_datetime: datetime
    measurement_type_concept_id: int
    value_as_number: float | None
    unit_concept_id: int
    range_low: float | None
    range_high: float | None
    measurement_source_value: str
    unit_source_value: str | None
    value_source_value: str | None


@dataclass(frozen=True, slots=True)
class ConditionOccurrenceRow:
    """A diagnosis that was not refuted."""

    TABLE: ClassVar[str] = "condition_occurrence"
    condition_occurrence_id: int
    person_id: int
    condition_concept_id: int
    condition_start_date: date
    condition_start_datetime: datetime
    condition_end_date: date | None
    condition_end_datetime: datetime | None
    condition_type_concept_id: int
    condition_status_concept_id: int
    stop_reason: str | None
    condition_source_value: str
    condition_status_source_value: str


@dataclass(frozen=True, slots=True)
class DrugExposureRow:
    """A period of exposure to one drug."""

    TABLE: ClassVar[str] = "drug_exposure"
    drug_exposure_id: int
    person_id: int
    drug_concept_id: int
    drug_exposure_start_date: date
    drug_exposure_start_datetime: datetime
    drug_exposure_end_date: date
    drug_exposure_end_datetime: datetime
    verbatim_end_date: date | None
    drug_type_concept_id: int
    sig: str | None
    route_concept_id: int
    drug_source_value: str
    dose_unit_source_value: str | None


@dataclass(frozen=True, slots=True)
class ProcedureOccurrenceRow:
    """A procedure performed at a time or over a period (end NULL: still in progress)."""

    TABLE: ClassVar[str] = "procedure_occurrence"
    procedure_occurrence_id: int
    person_id: int
    procedure_concept_id: int
    procedure_date: date
    procedure_datetime: datetime
    procedure_end_date: date | None
    procedure_end_datetime: datetime | None
    procedure_type_concept_id: int
    procedure_source_value: str


@dataclass(frozen=True, slots=True)
class ObservationRow:
    """A finding, attestation, refuted diagnosis or genomic finding."""

    TABLE: ClassVar[str] = "observation"
    observation_id: int
    person_id: int
    observation_concept_id: int
    observation_date: date
    observation_datetime: datetime
    observation_type_concept_id: int
    value_as_string: str | None
    value_as_concept_id: int | None
    qualifier_source_value: str | None
    observation_source_value: str
    value_source_value: str | None


@dataclass(frozen=True, slots=True)
class DeathRow:
    """The date of death."""

    TABLE: ClassVar[str] = "death"
    person_id: int
    death_date: date
    death_datetime: datetime
    death_type_concept_id: int


@dataclass(frozen=True, slots=True)
class ConceptRow:
    """One concept: an official OMOP concept as trialkit knows it, or a local one."""

    TABLE: ClassVar[str] = "concept"
    concept_id: int
    concept_name: str
    domain_id: str
    vocabulary_id: str
    concept_class_id: str
    standard_concept: str | None
    concept_code: str
    valid_start_date: date = date(1970, 1, 1)
    valid_end_date: date = date(2099, 12, 31)
    invalid_reason: str | None = None


@dataclass(frozen=True, slots=True)
class ConceptAncestorRow:
    """An ancestor-descendant pair (a drug class and its member, or a concept and itself)."""

    TABLE: ClassVar[str] = "concept_ancestor"
    ancestor_concept_id: int
    descendant_concept_id: int
    min_levels_of_separation: int
    max_levels_of_separation: int


Row = (
    PersonRow
    | ObservationPeriodRow
    | MeasurementRow
    | ConditionOccurrenceRow
    | DrugExposureRow
    | ProcedureOccurrenceRow
    | ObservationRow
    | DeathRow
    | ConceptRow
    | ConceptAncestorRow
)


@dataclass(frozen=True, slots=True)
class OmopRows:
    """Every OMOP row of one person, and the concept rows that those rows use."""

    person: PersonRow
    observation_period: ObservationPeriodRow
    measurement: tuple[MeasurementRow, ...] = ()
    condition_occurrence: tuple[ConditionOccurrenceRow, ...] = ()
    drug_exposure: tuple[DrugExposureRow, ...] = ()
    procedure_occurrence: tuple[ProcedureOccurrenceRow, ...] = ()
    observation: tuple[ObservationRow, ...] = ()
    death: tuple[DeathRow, ...] = ()
    concept: tuple[ConceptRow, ...] = field(default=())

    def rows(self) -> tuple[Row, ...]:
        """Every row, person first and concepts last."""
        return (
            self.person,
            self.observation_period,
            *self.measurement,
            *self.condition_occurrence,
            *self.drug_exposure,
            *self.procedure_occurrence,
            *self.observation,
            *self.death,
            *self.concept,
        )
