"""Each score's declared ``concepts`` (``ScoreSpec.concepts``) are what its adapter reads.

``protocol check`` trusts :attr:`trialkit.scores.registry.ScoreSpec.concepts` to say
which concepts a form must capture for a score. The truth here is independent of
those declarations: each adapter is run on a record that notes every concept it is
asked for (observations, diagnoses, drugs, procedures, genomic results). Adapters
read some inputs only when others are there (the diastolic pressure beside a
systolic one, the GCS components beside the eye response, FiO2 beside a blood
gas), and read a fallback only when the first choice is missing (systolic and
diastolic pressures without a mean arterial pressure), so the record is grown to a
fixed point: every concept asked in one round gets a value in the next, and the
adapter also runs with each of them left out, until no new concept is asked.
Reading the module declarations instead would compare the spec with what it was
built from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pytest

from trialkit.record import Observation, PatientRecord, Sex
from trialkit.record.model import AlterationType, Condition, Exposure, GenomicFinding, Procedure
from trialkit.scores import SCORE_SPECS
from trialkit.units import Quantity
from trialkit.vocab import Kind, ValueType, vocabulary

AT = datetime(2025, 1, 10, 12)


@dataclass(frozen=True)
class _Asking(PatientRecord):
    """A record that notes the concept of every question asked of it."""

    asked: set[str] = field(default_factory=set)

    def values(
        self, concept: str, start: datetime | None = None, end: datetime | None = None
    ) -> tuple[Observation, ...]:
        self.asked.add(concept)
        return super().values(concept, start, end)

    def latest(
        self, concept: str, at: datetime, within: timedelta | None = None
    ) -> Observation | None:
        self.asked.add(concept)
        return super().latest(concept, at, within)

    def window(self, concept: str, at: datetime, within: timedelta) -> tuple[Observation, ...]:
        self.asked.add(concept)
        return super().window(concept, at, within)

    def conditions_at(self, at: datetime, concept: str | None = None) -> tuple[Condition, ...]:
        if concept is not None:
            self.asked.add(concept)
        return super().conditions_at(at, concept)

    def exposures_to(
        self, drug: str, start: datetime | None = None, end: datetime | None = None
    ) -> tuple[Exposure, ...]:
        self.asked.add(drug)
        return super().exposures_to(drug, start, end)

    def procedures_of(
        self, concept: str, start: datetime | None = None, end: datetime | None = None
    ) -> tuple[Procedure, ...]:
        self.asked.add(concept)
        return super().procedures_of(concept, start, end)

    def alterations(
        self,
        gene: str,
        alteration: AlterationType | None = None,
        protein_change: str | None = None,
    ) -> tuple[GenomicFinding, ...]:
        self.asked.add(gene)
        return super().alterations(gene, alteration, protein_change)


def _observation(key: str) -> Observation | None:
    item = vocabulary()[key]
    time = AT - timedelta(hours=1)
    if item.value_type is ValueType.QUANTITY and item.unit is not None:
        plausible = item.plausible
        value = 1.0 if plausible is None else (plausible.low + plausible.high) / 2
        return Observation(key, f"o-{key}", time, None, value, Quantity(value, item.unit, key))
    if item.value_type is ValueType.BOOLEAN:
        return Observation(key, f"o-{key}", time, None, True)
    return None


def _asks(name: str, birth: date, keys: set[str]) -> set[str]:
    """The concepts the adapter of ``name`` asks for, on a record holding a value of ``keys``."""
    observations = {}
    for key in sorted(keys):
        made = _observation(key)
        if made is not None:
            observations[key] = (made,)
    record = _Asking("p", birth, Sex.FEMALE, observations=observations)
    SCORE_SPECS[name].adapter(record, AT)
    return record.asked


def _asked(name: str, birth: date) -> set[str]:
    """Every concept the adapter of score ``name`` asks for, grown to a fixed point."""
    asked: set[str] = set()
    while True:
        found = _asks(name, birth, asked)
        for key in asked:
            found |= _asks(name, birth, asked - {key})
        if found <= asked:
            return asked
        asked |= found


@pytest.mark.parametrize("name", sorted(SCORE_SPECS))
def test_a_score_declares_exactly_the_concepts_its_adapter_reads(name: str) -> None:
    read = _asked(name, date(1980, 5, 1)) | _asked(name, date(2016, 5, 1))
    assert set(SCORE_SPECS[name].concepts) == read


def test_every_declared_concept_is_in_the_vocabulary() -> None:
    vocab = vocabulary()
    for spec in SCORE_SPECS.values():
        for key in spec.concepts:
            assert key in vocab, (spec.name, key)
            assert vocab[key].kind is not Kind.ATTESTATION or spec.name == "performance"
