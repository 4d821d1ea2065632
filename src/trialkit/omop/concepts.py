"""OMOP concept ids for trialkit's concepts, and the few fixed OMOP concepts the bridge writes.

A vocabulary concept with an ``omop_concept_id`` keeps it. One without gets a
*local* concept id: OMOP reserves ids of 2,000,000,000 and above for concepts a
site defines itself. trialkit's local id of a concept is
``2_000_000_000 + (first 8 bytes of SHA-256(key), big-endian) mod 147_483_648``,
so it is stable when concepts are added, fits a 32-bit integer (at most
2,147,483,647), and a collision in the vocabulary is a definition error caught
at load. Local concepts are written with ``vocabulary_id`` ``trialkit``,
``concept_class_id`` the concept's kind, ``concept_code`` its key (keys longer
than the CDM's 50 characters are shortened to 41 characters, ``~`` and 8 hex
digits of the same hash) and ``standard_concept`` ``S``: in a database built
by the bridge they are the concepts the clinical tables use.

The fixed concepts below were checked as each ``source`` says; Athena itself
could not be reached from the project's machines.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from functools import cache

from trialkit.errors import DefinitionError, VocabularyError
from trialkit.omop.rows import ConceptAncestorRow, ConceptRow
from trialkit.vocab import Concept, Kind, vocabulary

__all__ = [
    "CONFIRMED_DIAGNOSIS",
    "EHR",
    "FEMALE",
    "FIXED_CONCEPTS",
    "LOCAL_CONCEPT_MIN",
    "LOCAL_VOCABULARY",
    "MALE",
    "NO",
    "NO_MATCHING_CONCEPT",
    "PRELIMINARY_DIAGNOSIS",
    "UNIT_CONCEPTS",
    "YES",
    "concept_id",
    "concept_key",
    "concept_row",
    "gene_concept_id",
    "local_code",
    "local_concept_id",
    "unit_concept_id",
    "unit_row",
    "unlisted_gene_row",
    "vocabulary_ancestors",
    "vocabulary_concepts",
]

#: The first concept id OMOP leaves to local (site-defined) concepts.
LOCAL_CONCEPT_MIN = 2_000_000_000
_LOCAL_SPAN = 2**31 - LOCAL_CONCEPT_MIN  # ids stay within a signed 32-bit integer
LOCAL_VOCABULARY = "trialkit"
_CODE_LENGTH = 50  # concept.concept_code and *_source_value are varchar(50)

NO_MATCHING_CONCEPT = 0
MALE = 8507
FEMALE = 8532
YES = 4188539
NO = 4188540
EHR = 32817
CONFIRMED_DIAGNOSIS = 32893
PRELIMINARY_DIAGNOSIS = 32899

_SYNTHEA = "Synthea27Nj_5.4 (OHDSI EunomiaDatasets)"

#: Fixed OMOP concepts the bridge writes, as (row, where the id was checked).
FIXED_CONCEPTS: dict[int, tuple[ConceptRow, str]] = {
    NO_MATCHING_CONCEPT: (
        ConceptRow(0, "No matching concept", "Metadata", "None", "Undefined", None, "0"),
        "CDM 5.4 Field_Level.csv conventions ('set to 0' when unmapped); name, domain and "
        "code from public OMOP test fixtures (not checked against Athena)",
    ),
    MALE: (
        ConceptRow(MALE, "MALE", "Gender", "Gender", "Gender", "S", "M"),
        f"{_SYNTHEA} PERSON.csv: gender_source_value M has gender_concept_id 8507; public "
        "OMOP concept fixtures (8507 MALE, code M)",
    ),
    FEMALE: (
        ConceptRow(FEMALE, "FEMALE", "Gender", "Gender", "Gender", "S", "F"),
        f"{_SYNTHEA} PERSON.csv: gender_source_value F has gender_concept_id 8532; public "
        "OMOP concept fixtures (8532 FEMALE, code F)",
    ),
    YES: (
        ConceptRow(YES, "Yes", "Meas Value", "SNOMED", "Qualifier Value", "S", "373066001"),
        "OMOP CDM observation-table ETL conventions ('Yes' (concept_id=4188539)); PEDSnet "
        "and other public ETLs map Y/N to 4188539/4188540; SNOMED 373066001 Yes "
        "(qualifier value)",
    ),
    NO: (
        ConceptRow(NO, "No", "Meas Value", "SNOMED", "Qualifier Value", "S", "373067005"),
        "public ETLs (PEDSnet dispense_as_written N -> 4188540 'No'; mCODE-to-OMOP "
        "comments 'No - 4188540'); SNOMED 373067005 No (qualifier value)",
    ),
    EHR: (
        ConceptRow(EHR, "EHR", "Type Concept", "Type Concept", "Type Concept", "S", "OMOP4976890"),
        "public OMOP concept inserts and data-quality reports (32817 'EHR', Type Concept); "
        "concept_code as one of them gives it",
    ),
    CONFIRMED_DIAGNOSIS: (
        ConceptRow(
            CONFIRMED_DIAGNOSIS,
            "Confirmed diagnosis",
            "Condition Status",
            "Condition Status",
            "Condition Status",
            "S",
            "Confirmed diagnosis",
        ),
        "answerdigital/oxford-omop-data-mapper condition_status_concept_id table (32893 "
        "Confirmed diagnosis); concept_code not checked",
    ),
    PRELIMINARY_DIAGNOSIS: (
        ConceptRow(
            PRELIMINARY_DIAGNOSIS,
            "Preliminary diagnosis",
            "Condition Status",
            "Condition Status",
            "Condition Status",
            "S",
            "Preliminary diagnosis",
        ),
        "answerdigital/oxford-omop-data-mapper (32899 Preliminary diagnosis); OHDSI "
        "ETL-LambdaBuilder Optum EHR ('Possible diagnosis of' -> 32899); concept_code not checked",
    ),
}

#: UCUM units (as trialkit spells them) -> (OMOP concept id, OMOP's UCUM code, name).
#: Every row read from Synthea27Nj_5.4 CONCEPT.csv (vocabulary UCUM, standard);
#: a test checks them against that file. Units not listed get unit_concept_id 0.
UNIT_CONCEPTS: dict[str, tuple[int, str, str]] = {
    "%": (8554, "%", "percent"),
    "/min": (8541, "/min", "per minute"),
    "/mm3": (8785, "/mm3", "per cubic millimeter"),
    "/uL": (8647, "/uL", "per microliter"),
    "1": (32912, "1", "Generic unit for indivisible thing"),
    "10*3/mm3": (8961, "10*3/mm3", "thousand per cubic millimeter"),
    "10*3/uL": (8848, "10*3/uL", "thousand per microliter"),
    "10*9/L": (9444, "10*9/L", "billion per liter"),
    "Cel": (586323, "Cel", "degree Celsius"),
    "U/L": (8645, "[U]/L", "unit per liter"),
    "U/mL": (8763, "[U]/mL", "unit per milliliter"),
    "[IU]/L": (8923, "[iU]/L", "international unit per liter"),
    "[IU]/mL": (8985, "[iU]/mL", "international unit per milliliter"),
    "[degF]": (9289, "[degF]", "degree Fahrenheit"),
    "[in_i]": (9327, "[in_i]", "inch (international)"),
    "cm": (8582, "cm", "centimeter"),
    "g": (8504, "g", "gram"),
    "g/L": (8636, "g/L", "gram per liter"),
    "g/dL": (8713, "g/dL", "gram per deciliter"),
    "kPa": (44777602, "kPa", "kilopascal"),
    "kg": (9529, "kg", "kilogram"),
    "m": (9546, "m", "meter"),
    "mL/(24.h)": (8930, "mL/(24.h)", "milliliter per 24 hours"),
    "mg/L": (8751, "mg/L", "milligram per liter"),
    "mg/dL": (8840, "mg/dL", "milligram per deciliter"),
    "mm[Hg]": (8876, "mm[Hg]", "millimeter mercury column"),
    "mmol/L": (8753, "mmol/L", "millimole per liter"),
    "ms": (9593, "ms", "millisecond"),
    "ng/mL": (8842, "ng/mL", "nanogram per milliliter"),
    "pg/mL": (8845, "pg/mL", "picogram per milliliter"),
    "s": (8555, "s", "second"),
    "ug/L": (8748, "ug/L", "microgram per liter"),
    "ug/mL": (8859, "ug/mL", "microgram per milliliter"),
    "ukat/L": (32995, "ukat/L", "microkatal per liter"),
    "umol/L": (8749, "umol/L", "micromole per liter"),
}

_DOMAIN: dict[Kind, str] = {
    Kind.LAB: "Measurement",
    Kind.VITAL: "Measurement",
    Kind.ASSESSMENT: "Measurement",
    Kind.FINDING: "Observation",
    Kind.ATTESTATION: "Observation",
    Kind.GENE: "Observation",
    Kind.ALTERATION: "Observation",
    Kind.CONDITION: "Condition",
    Kind.DRUG: "Drug",
    Kind.DRUG_CLASS: "Drug",
    Kind.PROCEDURE: "Procedure",
    Kind.ROUTE: "Route",
    Kind.ABSENCE: "Observation",
    # The OMOP CDM domains of a visit (VISIT_OCCURRENCE / VISIT_DETAIL) and of an adverse
    # event recorded as a condition; the bridge from a PatientRecord writes neither yet.
    Kind.CARE_SETTING: "Visit",
    Kind.ADVERSE_EVENT: "Condition",
}
_OMOP_VOCABULARY = {
    "loinc": "LOINC",
    "snomed": "SNOMED",
    "rxnorm": "RxNorm",
    "atc": "ATC",
    "icd10": "ICD10",
    "icd10cm": "ICD10CM",
    "hgnc": "HGNC",
}
#: Prefix of the local concepts of genes the vocabulary does not list (a fusion partner).
_UNLISTED_GENE = "unlisted-gene:"


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def local_concept_id(code: str) -> int:
    """The local concept id (>= 2,000,000,000) of a trialkit code."""
    return LOCAL_CONCEPT_MIN + int.from_bytes(_digest(code)[:8], "big") % _LOCAL_SPAN


def local_code(code: str) -> str:
    """``code`` as it fits a varchar(50) concept_code or source value (see the module)."""
    if len(code) <= _CODE_LENGTH:
        return code
    return f"{code[:41]}~{_digest(code).hex()[:8]}"


@cache
def _ids() -> dict[str, int]:
    ids: dict[str, int] = {}
    seen: dict[int, str] = {}
    for key, item in vocabulary().items():
        ident = item.omop_concept_id or local_concept_id(key)
        if ident in seen:
            raise DefinitionError(
                f"concepts.yaml: {key!r} and {seen[ident]!r} share OMOP concept id {ident}"
            )
        seen[ident] = key
        ids[key] = ident
    return ids


@cache
def _keys() -> dict[int, str]:
    return {ident: key for key, ident in _ids().items()}


def concept_id(key: str) -> int:
    """The OMOP concept id of vocabulary concept ``key`` (official, else local).

    A gene outside the vocabulary (kept by its code in a genomic finding) gets
    the local id of ``unlisted-gene:<code>``.
    """
    try:
        return _ids()[key]
    except KeyError:
        raise VocabularyError(f"unknown concept {key!r}") from None


def gene_concept_id(gene: str) -> int:
    """The concept id of a gene of a genomic finding: a vocabulary key or an unlisted code."""
    found = _ids().get(gene)
    return found if found is not None else local_concept_id(_UNLISTED_GENE + gene)


def concept_key(ident: int) -> str | None:
    """The vocabulary key of an OMOP concept id (official or local), or None."""
    return _keys().get(ident)


def unit_concept_id(unit: str) -> int:
    """The OMOP concept id of a UCUM unit, 0 (no matching concept) when not listed."""
    found = UNIT_CONCEPTS.get(unit)
    return NO_MATCHING_CONCEPT if found is None else found[0]


def concept_row(item: Concept) -> ConceptRow:
    """The CONCEPT row of a vocabulary concept.

    For an official id the name, vocabulary and code are those of the concept's
    first code (the one its ``omop_source`` names); ``standard_concept`` is left
    NULL, as trialkit does not hold the vocabulary's flag. The domain follows
    the concept's kind, which is where the bridge writes it; Athena's domain can
    differ (fever, a boolean finding here, is a Condition concept there).
    """
    domain = _DOMAIN[item.kind]
    if item.omop_concept_id is not None and item.codes:
        code = item.codes[0]
        return ConceptRow(
            item.omop_concept_id,
            code.display[:255],
            domain,
            _OMOP_VOCABULARY[code.system],
            item.kind.value,
            None,
            code.code,
        )
    return ConceptRow(
        _ids()[item.key],
        item.display[:255],
        domain,
        LOCAL_VOCABULARY,
        item.kind.value,
        "S",
        local_code(item.key),
    )


def unlisted_gene_row(gene: str) -> ConceptRow:
    """The local CONCEPT row of a gene outside the vocabulary."""
    return ConceptRow(
        gene_concept_id(gene),
        f"gene {gene} (not in the trialkit vocabulary)"[:255],
        "Observation",
        LOCAL_VOCABULARY,
        Kind.GENE.value,
        "S",
        local_code(gene),
    )


def unit_row(unit: str) -> ConceptRow | None:
    """The CONCEPT row of a listed UCUM unit, None for an unlisted one."""
    found = UNIT_CONCEPTS.get(unit)
    if found is None:
        return None
    ident, code, name = found
    return ConceptRow(ident, name, "Unit", "UCUM", "Unit", "S", code)


def vocabulary_concepts() -> Iterator[ConceptRow]:
    """CONCEPT rows of every vocabulary concept, fixed concept and listed unit."""
    for item in vocabulary().values():
        yield concept_row(item)
    for row, _ in FIXED_CONCEPTS.values():
        yield row
    for unit in UNIT_CONCEPTS:
        found = unit_row(unit)
        if found is not None:
            yield found


def vocabulary_ancestors() -> Iterator[ConceptAncestorRow]:
    """CONCEPT_ANCESTOR rows: each vocabulary concept to itself, each drug class to its members."""
    for key, item in vocabulary().items():
        ident = _ids()[key]
        yield ConceptAncestorRow(ident, ident, 0, 0)
        for member in item.members:
            yield ConceptAncestorRow(ident, _ids()[member], 1, 1)
