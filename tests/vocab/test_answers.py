"""Coded answers of a qualitative result: which codings say present, which absent."""

from __future__ import annotations

import pytest

from trialkit.errors import DefinitionError
from trialkit.vocab import SYSTEMS, answer_truth, answers, vocabulary
from trialkit.vocab.answers import _parse

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"

# Issue 12 defect 5 and the codes the FHIR reader has read since its first version.
EXPECTED = [
    (SNOMED, "52101004", True),  # Present
    (SNOMED, "2667000", False),  # Absent
    (SNOMED, "373066001", True),  # Yes
    (SNOMED, "373067005", False),  # No
    (SNOMED, "10828004", True),  # Positive
    (SNOMED, "260385009", False),  # Negative
    (SNOMED, "260373001", True),  # Detected
    (SNOMED, "260415000", False),  # Not detected
    (LOINC, "LA6576-8", True),  # Positive
    (LOINC, "LA6577-6", False),  # Negative
    (LOINC, "LA11882-0", True),  # Detected
    (LOINC, "LA11883-8", False),  # Not detected
]


@pytest.mark.parametrize(("system", "code", "present"), EXPECTED)
def test_answer_truth(system: str, code: str, present: bool) -> None:
    assert answer_truth(system, code) is present


def test_answer_truth_takes_a_short_system_name() -> None:
    assert answer_truth("snomed", "10828004") is True
    assert answer_truth("loinc", "LA6577-6") is False


@pytest.mark.parametrize(
    ("system", "code"),
    [
        (LOINC, "LA11884-6"),  # Indeterminate / equivocal: neither
        (SNOMED, "72607000"),  # a concept code, not an answer
        (SNOMED, "LA6576-8"),  # a LOINC answer under the wrong system
        ("http://example.org", "10828004"),
    ],
)
def test_other_codings_are_neither(system: str, code: str) -> None:
    assert answer_truth(system, code) is None


def test_every_answer_has_a_source_and_a_known_system() -> None:
    for item in answers().values():
        assert item.source.strip()
        assert item.uri in SYSTEMS.values()


def test_no_answer_is_also_a_concept_code() -> None:
    vocab = vocabulary()
    for system, code in answers():
        assert vocab.by_code(system, code) is None, (system, code)


def test_an_answer_listed_twice_is_refused() -> None:
    row = "- {system: snomed, code: '1', display: x, present: true, source: s}\n"
    with pytest.raises(DefinitionError, match="listed twice"):
        _parse(row + row, "test")


def test_an_answer_of_an_unknown_system_is_refused() -> None:
    with pytest.raises(DefinitionError, match="unknown code system"):
        _parse("- {system: nope, code: '1', display: x, present: true, source: s}\n", "test")
