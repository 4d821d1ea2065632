"""OMOP concept ids: official ones from the vocabulary, stable local ones, the fixed and unit rows."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

import trialkit.omop
from trialkit.errors import VocabularyError
from trialkit.omop import LOCAL_CONCEPT_MIN, concept_id, concept_key
from trialkit.omop.concepts import (
    FIXED_CONCEPTS,
    UNIT_CONCEPTS,
    concept_row,
    local_code,
    local_concept_id,
    unit_concept_id,
    vocabulary_ancestors,
    vocabulary_concepts,
)
from trialkit.vocab import Kind, vocabulary


def _synthea_csv(archive: Path, name: str) -> list[dict[str, str]]:
    with zipfile.ZipFile(archive) as bundle:
        text = bundle.read(name).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def synthea_concepts(synthea_zip: Path) -> dict[int, dict[str, str]]:
    return {int(row["concept_id"]): row for row in _synthea_csv(synthea_zip, "CONCEPT.csv")}


def test_public_surface() -> None:
    assert sorted(trialkit.omop.__all__) == sorted(
        [
            "DIALECTS",
            "LOCAL_CONCEPT_MIN",
            "TABLES",
            "OmopRows",
            "concept_id",
            "concept_key",
            "connect",
            "ddl",
            "load_folder",
            "omop_rows",
            "row_counts",
            "table",
            "write_records",
            "write_rows",
        ]
    )


def test_official_ids_come_from_the_vocabulary() -> None:
    assert concept_id("lab.ferritin") == 3001122
    assert concept_key(3001122) == "lab.ferritin"
    with pytest.raises(VocabularyError, match=r"lab\.feritin"):
        concept_id("lab.feritin")


def test_local_ids_are_stable_unique_and_in_the_local_range() -> None:
    # Pinned: changing the scheme renumbers every local concept of every database built.
    assert local_concept_id("drug.ruxolitinib") == 2_070_156_681
    ids = [concept_id(key) for key in vocabulary()]
    assert len(set(ids)) == len(ids)
    for key in vocabulary():
        ident = concept_id(key)
        if vocabulary()[key].omop_concept_id is None:
            assert LOCAL_CONCEPT_MIN <= ident <= 2**31 - 1
            assert ident == local_concept_id(key)
        else:
            assert ident < LOCAL_CONCEPT_MIN
        assert concept_key(ident) == key


def test_codes_fit_varchar_50_and_stay_unique() -> None:
    codes = {local_code(key) for key in vocabulary()}
    assert len(codes) == len(vocabulary())
    assert max(len(code) for code in codes) <= 50
    long = "condition.hypersensitivity_methylprednisolone_prednisolone"
    assert local_code(long).startswith("condition.hypersensitivity_methylpredniso~")
    assert len(local_code(long)) == 50
    assert local_code("lab.ferritin") == "lab.ferritin"


def test_concept_rows_cover_the_vocabulary_and_fit_the_schema() -> None:
    rows = list(vocabulary_concepts())
    assert len({r.concept_id for r in rows}) == len(rows)
    assert len(rows) == len(vocabulary()) + len(FIXED_CONCEPTS) + len(UNIT_CONCEPTS)
    for row in rows:
        assert len(row.concept_name) <= 255
        assert len(row.concept_code) <= 50
        assert max(len(row.domain_id), len(row.vocabulary_id), len(row.concept_class_id)) <= 20
    local = concept_row(vocabulary()["drug.st_johns_wort"])  # no official OMOP id
    assert (local.vocabulary_id, local.concept_class_id, local.standard_concept) == (
        "trialkit",
        "drug",
        "S",
    )


def test_drug_classes_are_ancestors_of_their_members() -> None:
    pairs = {(a.ancestor_concept_id, a.descendant_concept_id) for a in vocabulary_ancestors()}
    for key, item in vocabulary().items():
        assert (concept_id(key), concept_id(key)) in pairs
        if item.kind is Kind.DRUG_CLASS:
            assert item.members
            for member in item.members:
                assert (concept_id(key), concept_id(member)) in pairs


def test_unit_concepts_equal_synthea_concept_rows(
    synthea_concepts: dict[int, dict[str, str]],
) -> None:
    for unit, (ident, code, name) in UNIT_CONCEPTS.items():
        row = synthea_concepts[ident]
        assert (row["vocabulary_id"], row["domain_id"], row["standard_concept"]) == (
            "UCUM",
            "Unit",
            "S",
        ), unit
        assert (row["concept_code"], row["concept_name"]) == (code, name), unit
    assert unit_concept_id("ng/mL") == 8842
    assert unit_concept_id("kU/L") == 0


def test_official_vocabulary_rows_agree_with_synthea(
    synthea_concepts: dict[int, dict[str, str]],
) -> None:
    checked = 0
    for item in vocabulary().values():
        if item.omop_concept_id is None or item.omop_concept_id not in synthea_concepts:
            continue
        row, truth = concept_row(item), synthea_concepts[item.omop_concept_id]
        assert (row.concept_name, row.vocabulary_id, row.concept_code) == (
            truth["concept_name"],
            truth["vocabulary_id"],
            truth["concept_code"],
        ), item.key
        checked += 1
    assert checked >= 30


def test_gender_ids_as_synthea_uses_them(synthea_zip: Path) -> None:
    pairs = {
        (row["gender_source_value"], int(row["gender_concept_id"]))
        for row in _synthea_csv(synthea_zip, "PERSON.csv")
    }
    assert pairs == {("M", 8507), ("F", 8532)}
    assert FIXED_CONCEPTS[8507][0].concept_code == "M"
    assert FIXED_CONCEPTS[8532][0].concept_code == "F"
