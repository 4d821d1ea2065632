"""FHIR-derived patient record -> OMOP CDM 5.4 rows (pure functions; ``docs/omop.md``).

Conventions (each one a choice where OMOP leaves room):

- Concept ids: the vocabulary's ``omop_concept_id``, else trialkit's local id
  (>= 2,000,000,000, :mod:`trialkit.omop.concepts`). ``*_source_value`` holds
  the trialkit concept key (shortened to 50 characters if longer), so rows map
  back to the record.
- Row ids: ``person_id * 1,000,000 + n`` (n = 1, 2, ... per table); the
  observation period's id is the person id.
- Every ``*_type_concept_id`` is 32817 (EHR).
- PERSON: gender 8507 (male) / 8532 (female), 0 for other and unknown (the
  FHIR value kept in ``gender_source_value``); race and ethnicity 0. A record
  without a birth date cannot be written (``year_of_birth`` is required).
- OBSERVATION_PERIOD: from the first dated item of the record to the later of
  its last item and the extract time.
- MEASUREMENT (every quantity): ``value_as_number`` and ``unit_source_value``
  as reported, ``range_low``/``range_high`` converted to the reported unit,
  ``unit_concept_id`` from the UCUM table (0 if unlisted).
- CONDITION_OCCURRENCE: ``condition_status_concept_id`` 32893 (confirmed) or
  32899 (preliminary: provisional, differential, unconfirmed), the FHIR
  verification status in ``condition_status_source_value``. A condition that
  ended at an unknown time (resolved / remission / inactive, or an abatement
  without a date) has ``condition_end_date = condition_start_date`` and its
  clinical status (or ``abated``) in ``stop_reason``: read ends as exclusive,
  as the record does, and it is never present. A *refuted* condition is not a
  condition occurrence: it is an OBSERVATION of the condition's concept with
  ``value_as_concept_id`` 4188540 (No) and ``qualifier_source_value``
  ``refuted``, dated when the refutation was known: the later of its onset and
  its recording date (FHIR ``recordedDate``). OMOP has no recording date for a
  condition occurrence: a diagnosis recorded after its onset is written from
  its onset (the in-memory record ignores it until it is recorded).
- DRUG_EXPOSURE: an ongoing exposure (no end) ends at the extract time, as
  ``drug_exposure_end_date`` is required; ``verbatim_end_date`` is the end the
  source gave, NULL for an ongoing one. Dose and rate go to ``sig`` as text.
- PROCEDURE_OCCURRENCE: a procedure without an end has ``procedure_end_date``
  equal to its date, unless it is in progress (end NULL).
- OBSERVATION: a boolean finding or attestation has ``value_as_concept_id``
  4188539 (Yes) or 4188540 (No) and ``value_source_value`` ``true``/``false``.
  A genomic finding is one row per gene: ``observation_concept_id`` the gene's
  concept, ``value_as_string`` the protein change (one-letter, ``Y931C``) or
  NULL, ``qualifier_source_value`` the alteration type (``mutation``,
  ``fusion``, ...), ``value_source_value`` the finding's genes joined by
  ``::`` (5' partner first, as HGVS writes fusions).
- DEATH from ``Patient.deceasedDateTime``; a record deceased without a date
  (``deceasedBoolean`` true) cannot be written (``death_date`` is required).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

from trialkit.errors import OmopError
from trialkit.omop.concepts import (
    CONFIRMED_DIAGNOSIS,
    EHR,
    FEMALE,
    FIXED_CONCEPTS,
    MALE,
    NO,
    NO_MATCHING_CONCEPT,
    PRELIMINARY_DIAGNOSIS,
    YES,
    concept_key,
    concept_row,
    gene_concept_id,
    local_code,
    unit_concept_id,
    unit_row,
    unlisted_gene_row,
)
from trialkit.omop.rows import (
    ConceptRow,
    ConditionOccurrenceRow,
    DeathRow,
    DrugExposureRow,
    MeasurementRow,
    ObservationPeriodRow,
    ObservationRow,
    OmopRows,
    PersonRow,
    ProcedureOccurrenceRow,
)
from trialkit.omop.schema import table
from trialkit.record import (
    Condition,
    Exposure,
    GenomicFinding,
    Observation,
    PatientRecord,
    Procedure,
    Sex,
)
from trialkit.record.model import UnknownCode
from trialkit.units import Quantity, convert
from trialkit.vocab import SYSTEMS, vocabulary

__all__ = ["ROWS_PER_PERSON", "omop_rows"]

#: Row ids of one person are ``person_id * ROWS_PER_PERSON + n``.
ROWS_PER_PERSON = 1_000_000

_GENDER = {Sex.MALE: MALE, Sex.FEMALE: FEMALE}
_PRELIMINARY = frozenset({"provisional", "differential", "unconfirmed"})
_ENDED = frozenset({"resolved", "remission", "inactive"})


def omop_rows(record: PatientRecord, person_id: int, *, extracted: datetime) -> OmopRows:
    """Every OMOP row of one patient record, with the concept rows they use.

    ``extracted`` is when the data were extracted: the end of ongoing drug
    exposures and the earliest end of the observation period.
    """
    if person_id <= 0:
        raise OmopError(f"person.person_id: must be a positive integer, got {person_id}")
    builder = _Builder(record, person_id, extracted)
    return builder.build()


@dataclass
class _Builder:
    record: PatientRecord
    person_id: int
    extracted: datetime
    concepts: dict[int, ConceptRow] = field(default_factory=dict)
    times: list[datetime] = field(default_factory=list)

    def _id(self, n: int) -> int:
        if n >= ROWS_PER_PERSON:
            raise OmopError(
                f"person {self.person_id}: more than {ROWS_PER_PERSON - 1} rows in one table"
            )
        return self.person_id * ROWS_PER_PERSON + n

    def _use(self, key: str) -> int:
        item = vocabulary()[key]
        row = concept_row(item)
        self.concepts.setdefault(row.concept_id, row)
        return row.concept_id

    def _fixed(self, ident: int) -> int:
        self.concepts.setdefault(ident, FIXED_CONCEPTS[ident][0])
        return ident

    def build(self) -> OmopRows:
        person = self._person()
        measurements: list[MeasurementRow] = []
        observations: list[ObservationRow] = []
        for series in self.record.observations.values():
            for item in series:
                self.times.append(item.time)
                if isinstance(item.value, bool):
                    observations.append(self._flag(len(observations) + 1, item, item.value))
                elif isinstance(item.value, float | int):
                    measurements.append(self._measurement(len(measurements) + 1, item))
                elif item.value is None:
                    measurements.append(self._unusable(len(measurements) + 1, item))
                else:
                    observations.append(self._coded(len(observations) + 1, item, item.value))
        conditions: list[ConditionOccurrenceRow] = []
        for condition in self.record.conditions:
            self.times.append(condition.onset)
            if condition.abatement is not None:
                self.times.append(condition.abatement)
            if condition.verification == "refuted":
                observations.append(self._refuted(len(observations) + 1, condition))
            else:
                conditions.append(self._condition(len(conditions) + 1, condition))
        exposures = [self._exposure(n, e) for n, e in enumerate(self.record.exposures, 1)]
        procedures = [self._procedure(n, p) for n, p in enumerate(self.record.procedures, 1)]
        for unknown in self.record.unknown_codes:
            if unknown.start is None or unknown.field not in ("code", "medication"):
                continue
            if unknown.kind in _MEDICATIONS:
                exposures.append(self._unrecognised_drug(len(exposures) + 1, unknown))
            elif unknown.kind == "Procedure":
                procedures.append(self._unrecognised_procedure(len(procedures) + 1, unknown))
            elif unknown.kind in ("Condition", "AllergyIntolerance"):
                conditions.append(self._unrecognised_condition(len(conditions) + 1, unknown))
        for finding in self.record.genomics:
            self.times.append(finding.time)
            for gene in finding.genes:
                observations.append(self._genomic(len(observations) + 1, finding, gene))
        death = self._death()
        return OmopRows(
            person=person,
            observation_period=self._period(),
            measurement=tuple(measurements),
            condition_occurrence=tuple(conditions),
            drug_exposure=tuple(exposures),
            procedure_occurrence=tuple(procedures),
            observation=tuple(observations),
            death=death,
            concept=tuple(self.concepts[k] for k in sorted(self.concepts)),
        )

    # -- person and period ----------------------------------------------------------------------
    def _person(self) -> PersonRow:
        birth = self.record.birth_date
        if birth is None:
            raise OmopError(
                f"person.year_of_birth: patient {self.record.patient_id!r} has no birth date, "
                "which OMOP requires"
            )
        return PersonRow(
            person_id=self.person_id,
            gender_concept_id=self._fixed(_GENDER.get(self.record.sex, NO_MATCHING_CONCEPT)),
            year_of_birth=birth.year,
            month_of_birth=birth.month,
            day_of_birth=birth.day,
            birth_datetime=datetime.combine(birth, time()),
            race_concept_id=self._fixed(NO_MATCHING_CONCEPT),
            ethnicity_concept_id=self._fixed(NO_MATCHING_CONCEPT),
            person_source_value=_fit("person.person_source_value", self.record.patient_id),
            gender_source_value=self.record.sex.value,
        )

    def _period(self) -> ObservationPeriodRow:
        start = min(self.times, default=self.extracted)
        end = max([*self.times, self.extracted])
        return ObservationPeriodRow(
            observation_period_id=self.person_id,
            person_id=self.person_id,
            observation_period_start_date=start.date(),
            observation_period_end_date=end.date(),
            period_type_concept_id=self._fixed(EHR),
        )

    def _death(self) -> tuple[DeathRow, ...]:
        when = self.record.deceased
        if self.record.deceased_undated:
            raise OmopError(
                f"death.death_date: patient {self.record.patient_id!r} is recorded as deceased "
                "without a date, which OMOP requires"
            )
        if when is None:
            return ()
        self.times.append(when)
        return (DeathRow(self.person_id, when.date(), when, self._fixed(EHR)),)

    # -- observations ---------------------------------------------------------------------------
    def _measurement(self, n: int, item: Observation) -> MeasurementRow:
        quantity = item.quantity
        canonical = vocabulary()[item.concept].unit or ""
        if quantity is None:
            assert isinstance(item.value, float | int)
            quantity = Quantity(float(item.value), canonical, item.concept)
        unit = unit_row(quantity.unit)
        if unit is not None:
            self.concepts.setdefault(unit.concept_id, unit)
        return MeasurementRow(
            measurement_id=self._id(n),
            person_id=self.person_id,
            measurement_concept_id=self._use(item.concept),
            measurement_date=item.time.date(),
            measurement_datetime=item.time,
            measurement_type_concept_id=self._fixed(EHR),
            value_as_number=quantity.value,
            unit_concept_id=unit_concept_id(quantity.unit),
            range_low=_reported(item.reference_low, canonical, quantity),
            range_high=_reported(item.reference_high, canonical, quantity),
            measurement_source_value=local_code(item.concept),
            unit_source_value=_fit("measurement.unit_source_value", quantity.unit),
            value_source_value=f"{quantity.value:g}",
        )

    def _unusable(self, n: int, item: Observation) -> MeasurementRow:
        """A result whose value cannot be used, written as the source reported it."""
        found = item.unusable
        if found is None:
            raise OmopError(f"{item.resource}: {item.concept} has no value and no reason")
        unit = None if found.unit is None else unit_row(found.unit)
        if unit is not None:
            self.concepts.setdefault(unit.concept_id, unit)
        return MeasurementRow(
            measurement_id=self._id(n),
            person_id=self.person_id,
            measurement_concept_id=self._use(item.concept),
            measurement_date=item.time.date(),
            measurement_datetime=item.time,
            measurement_type_concept_id=self._fixed(EHR),
            value_as_number=found.value,
            unit_concept_id=NO_MATCHING_CONCEPT if unit is None else unit.concept_id,
            range_low=None,
            range_high=None,
            measurement_source_value=local_code(item.concept),
            unit_source_value=found.unit,
            value_source_value=None if found.value is None else f"{found.value:g}",
        )

    def _observation(
        self,
        n: int,
        concept: int,
        when: datetime,
        source: str,
        *,
        text: str | None = None,
        answer: int | None = None,
        qualifier: str | None = None,
        value: str | None = None,
    ) -> ObservationRow:
        return ObservationRow(
            observation_id=self._id(n),
            person_id=self.person_id,
            observation_concept_id=concept,
            observation_date=when.date(),
            observation_datetime=when,
            observation_type_concept_id=self._fixed(EHR),
            value_as_string=None if text is None else _fit("observation.value_as_string", text),
            value_as_concept_id=None if answer is None else self._fixed(answer),
            qualifier_source_value=qualifier,
            observation_source_value=source,
            value_source_value=None
            if value is None
            else _fit("observation.value_source_value", value),
        )

    def _flag(self, n: int, item: Observation, value: bool) -> ObservationRow:
        return self._observation(
            n,
            self._use(item.concept),
            item.time,
            local_code(item.concept),
            answer=YES if value else NO,
            value="true" if value else "false",
        )

    def _coded(self, n: int, item: Observation, value: str) -> ObservationRow:
        return self._observation(
            n, self._use(item.concept), item.time, local_code(item.concept), text=value
        )

    def _refuted(self, n: int, condition: Condition) -> ObservationRow:
        return self._observation(
            n,
            self._use(condition.concept),
            max(condition.onset, condition.recorded or condition.onset),
            local_code(condition.concept),
            answer=NO,
            qualifier="refuted",
            value="refuted",
        )

    def _genomic(self, n: int, finding: GenomicFinding, gene: str) -> ObservationRow:
        ident = gene_concept_id(gene)
        if concept_key(ident) == gene:
            self._use(gene)
        else:
            self.concepts.setdefault(ident, unlisted_gene_row(gene))
        return self._observation(
            n,
            ident,
            finding.time,
            local_code(gene),
            text=finding.protein_change,
            qualifier=finding.alteration.value,
            value="::".join(finding.genes),
        )

    # -- conditions, drugs, procedures ----------------------------------------------------------
    def _condition(self, n: int, condition: Condition) -> ConditionOccurrenceRow:
        end = condition.abatement
        stop: str | None = None
        ended = condition.abated or condition.clinical_status in _ENDED
        if end is None and ended:
            end = condition.onset
            stop = condition.clinical_status if condition.clinical_status in _ENDED else "abated"
        status = (
            PRELIMINARY_DIAGNOSIS if condition.verification in _PRELIMINARY else CONFIRMED_DIAGNOSIS
        )
        return ConditionOccurrenceRow(
            condition_occurrence_id=self._id(n),
            person_id=self.person_id,
            condition_concept_id=self._use(condition.concept),
            condition_start_date=condition.onset.date(),
            condition_start_datetime=condition.onset,
            condition_end_date=None if end is None else end.date(),
            condition_end_datetime=end,
            condition_type_concept_id=self._fixed(EHR),
            condition_status_concept_id=self._fixed(status),
            stop_reason=stop,
            condition_source_value=local_code(condition.concept),
            condition_status_source_value=_fit(
                "condition_occurrence.condition_status_source_value", condition.verification
            ),
        )

    def _exposure(self, n: int, exposure: Exposure) -> DrugExposureRow:
        self.times.append(exposure.start)
        end = exposure.end
        if end is None:
            if self.extracted < exposure.start:
                raise OmopError(
                    f"drug_exposure.drug_exposure_end_date: {exposure.resource} is ongoing and "
                    f"starts {exposure.start:%Y-%m-%d %H:%M}, after the extract time "
                    f"{self.extracted:%Y-%m-%d %H:%M}"
                )
            last = self.extracted
        else:
            self.times.append(end)
            last = end
        sig = "; ".join(
            f"{label} {amount}"
            for label, amount in (("dose", exposure.dose), ("rate", exposure.rate))
            if amount is not None
        )
        unit = exposure.dose.unit if exposure.dose is not None else None
        return DrugExposureRow(
            drug_exposure_id=self._id(n),
            person_id=self.person_id,
            drug_concept_id=self._use(exposure.concept),
            drug_exposure_start_date=exposure.start.date(),
            drug_exposure_start_datetime=exposure.start,
            drug_exposure_end_date=last.date(),
            drug_exposure_end_datetime=last,
            verbatim_end_date=None if end is None else end.date(),
            drug_type_concept_id=self._fixed(EHR),
            sig=sig or None,
            route_concept_id=self._fixed(NO_MATCHING_CONCEPT)
            if exposure.route is None
            else self._use(exposure.route),
            drug_source_value=local_code(exposure.concept),
            dose_unit_source_value=unit,
        )

    # -- resources trialkit could not read (the open world) -------------------------------------
    def _unrecognised_drug(self, n: int, unknown: UnknownCode) -> DrugExposureRow:
        assert unknown.start is not None
        self.times.append(unknown.start)
        last = unknown.end or max(self.extracted, unknown.start)
        return DrugExposureRow(
            drug_exposure_id=self._id(n),
            person_id=self.person_id,
            drug_concept_id=self._fixed(NO_MATCHING_CONCEPT),
            drug_exposure_start_date=unknown.start.date(),
            drug_exposure_start_datetime=unknown.start,
            drug_exposure_end_date=last.date(),
            drug_exposure_end_datetime=last,
            verbatim_end_date=None if unknown.end is None else unknown.end.date(),
            drug_type_concept_id=self._fixed(EHR),
            sig=None,
            route_concept_id=self._fixed(NO_MATCHING_CONCEPT),
            drug_source_value=_source(unknown),
            dose_unit_source_value=None,
        )

    def _unrecognised_procedure(self, n: int, unknown: UnknownCode) -> ProcedureOccurrenceRow:
        assert unknown.start is not None
        self.times.append(unknown.start)
        end = unknown.end or unknown.start
        return ProcedureOccurrenceRow(
            procedure_occurrence_id=self._id(n),
            person_id=self.person_id,
            procedure_concept_id=self._fixed(NO_MATCHING_CONCEPT),
            procedure_date=unknown.start.date(),
            procedure_datetime=unknown.start,
            procedure_end_date=end.date(),
            procedure_end_datetime=end,
            procedure_type_concept_id=self._fixed(EHR),
            procedure_source_value=_source(unknown),
        )

    def _unrecognised_condition(self, n: int, unknown: UnknownCode) -> ConditionOccurrenceRow:
        assert unknown.start is not None
        self.times.append(unknown.start)
        return ConditionOccurrenceRow(
            condition_occurrence_id=self._id(n),
            person_id=self.person_id,
            condition_concept_id=self._fixed(NO_MATCHING_CONCEPT),
            condition_start_date=unknown.start.date(),
            condition_start_datetime=unknown.start,
            condition_end_date=None,
            condition_end_datetime=None,
            condition_type_concept_id=self._fixed(EHR),
            condition_status_concept_id=self._fixed(CONFIRMED_DIAGNOSIS),
            stop_reason=None,
            condition_source_value=_source(unknown),
            condition_status_source_value="confirmed",
        )

    def _procedure(self, n: int, procedure: Procedure) -> ProcedureOccurrenceRow:
        self.times.append(procedure.start)
        end = procedure.end
        if end is not None:
            self.times.append(end)
        elif procedure.status != "in-progress":
            end = procedure.start
        return ProcedureOccurrenceRow(
            procedure_occurrence_id=self._id(n),
            person_id=self.person_id,
            procedure_concept_id=self._use(procedure.concept),
            procedure_date=procedure.start.date(),
            procedure_datetime=procedure.start,
            procedure_end_date=None if end is None else end.date(),
            procedure_end_datetime=end,
            procedure_type_concept_id=self._fixed(EHR),
            procedure_source_value=local_code(procedure.concept),
        )


def _reported(value: float | None, canonical: str, quantity: Quantity) -> float | None:
    """A reference limit held in the canonical unit, in the unit the value was reported in."""
    if value is None:
        return None
    if quantity.unit == canonical:
        return value
    return convert(value, canonical, quantity.unit, quantity.concept)


_MEDICATIONS = frozenset({"MedicationStatement", "MedicationRequest", "MedicationAdministration"})


def _source(unknown: UnknownCode) -> str:
    """An unrecognised resource's coding as its ``*_source_value`` (``system|code``, 50 chars).

    Its ICD-10 coding when it has one (the SQL reads ICD-10 as a complete code system,
    docs/sql.md), else its first.
    """
    icd10 = [c for c in unknown.codings if c.split("|", 1)[0] in _ICD10_URIS]
    chosen = icd10[0] if icd10 else (unknown.codings[0] if unknown.codings else "")
    return chosen[:50]


_ICD10_URIS = frozenset({SYSTEMS["icd10"], SYSTEMS["icd10cm"]})


def _fit(where: str, text: str) -> str:
    """``text`` if it fits the varchar column ``table.column``, else an error naming it."""
    name, column = where.split(".")
    found = table(name).column(column)
    limit = None if found is None else found.length
    if limit is not None and len(text) > limit:
        raise OmopError(f"{where}: {text!r} is longer than the column's {limit} characters")
    return text
