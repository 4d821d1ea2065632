"""The packaged vocabulary: complete for the issue's LOINC list, consistent, convertible."""

from __future__ import annotations

import pytest

from trialkit.errors import DefinitionError, VocabularyError
from trialkit.units import conversion
from trialkit.vocab import Kind, ValueType, concept, vocabulary
from trialkit.vocab.table import _parse

IPS_ABSENT = "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips"

# The LOINC codes the foundation must understand (issue "Foundation", item 2).
REQUIRED_LOINC = {
    "2276-4": "lab.ferritin",
    "2571-8": "lab.triglycerides",
    "3255-7": "lab.fibrinogen",
    "777-3": "lab.platelets",
    "751-8": "lab.neutrophils",
    "6690-2": "lab.leukocytes",
    "731-0": "lab.lymphocytes",
    "718-7": "lab.haemoglobin",
    "1920-8": "lab.ast",
    "1742-6": "lab.alt",
    "1975-2": "lab.bilirubin_total",
    "1968-7": "lab.bilirubin_direct",
    "2160-0": "lab.creatinine",
    "2823-3": "lab.potassium",
    "8310-5": "vital.temperature",
    "8302-2": "vital.height",
    "29463-7": "vital.weight",
    "8867-4": "vital.heart_rate",
    "2703-7": "lab.pao2",
    "3150-0": "vital.fio2",
    "59408-5": "vital.spo2",
    "8478-0": "vital.map",
    "9267-6": "assessment.gcs_eye",
    "9270-0": "assessment.gcs_verbal",
    "9268-4": "assessment.gcs_motor",
    "9187-6": "vital.urine_output_24h",
    "76039-7": "lab.scd25_mass",
}


@pytest.mark.parametrize(("code", "key"), sorted(REQUIRED_LOINC.items()))
def test_required_loinc_codes_map_to_their_concept(code: str, key: str) -> None:
    found = vocabulary().by_code("http://loinc.org", code)
    assert found is not None, f"LOINC {code} is not in the vocabulary"
    assert found.key == key


def test_every_concept_is_reachable_by_its_project_code() -> None:
    vocab = vocabulary()
    for key in vocab:
        found = vocab.by_code("urn:trialkit:concept", key)
        assert found is not None and found.key == key


def test_every_allowed_unit_converts_to_the_canonical_unit() -> None:
    for item in vocabulary().values():
        if item.value_type is not ValueType.QUANTITY:
            continue
        assert item.unit is not None
        assert item.plausible is not None, f"{item.key} has no plausible range"
        for unit in item.units:
            scale, _ = conversion(unit, item.unit, item.molar_mass)
            assert scale > 0, (item.key, unit)


def test_drug_class_members_are_drugs() -> None:
    vocab = vocabulary()
    for item in vocab.values():
        if item.kind is Kind.DRUG_CLASS:
            assert item.members, item.key
            assert all(vocab[m].kind is Kind.DRUG for m in item.members), item.key


def test_molar_masses_reproduce_the_cited_factors() -> None:
    # docs/clinical-decisions.md §7.1: TG 88.57, creatinine 88.4, bilirubin 17.1, Hb 0.6206.
    assert conversion("mmol/L", "mg/dL", concept("lab.triglycerides").molar_mass)[
        0
    ] == pytest.approx(88.57, abs=0.01)
    assert conversion("mg/dL", "umol/L", concept("lab.creatinine").molar_mass)[0] == pytest.approx(
        88.4, abs=0.01
    )
    assert conversion("mg/dL", "umol/L", concept("lab.bilirubin_total").molar_mass)[
        0
    ] == pytest.approx(17.1, abs=0.01)
    assert conversion("g/dL", "mmol/L", concept("lab.haemoglobin").molar_mass)[0] == pytest.approx(
        0.6206, abs=1e-4
    )


def test_unknown_key_is_a_vocabulary_error() -> None:
    with pytest.raises(VocabularyError, match=r"unknown concept 'lab\.nonsense'"):
        concept("lab.nonsense")


def test_duplicate_code_in_the_table_is_refused() -> None:
    text = """
- {key: lab.a, display: A, kind: lab, value_type: boolean, source: s,
   codes: [{system: loinc, code: 1-1, display: x, source: s}]}
- {key: lab.b, display: B, kind: lab, value_type: boolean, source: s,
   codes: [{system: loinc, code: 1-1, display: x, source: s}]}
"""
    with pytest.raises(DefinitionError, match="given to both"):
        _parse(text, "test")


def test_quantity_concept_without_unit_is_refused() -> None:
    with pytest.raises(DefinitionError, match="needs a canonical unit"):
        _parse("- {key: lab.a, display: A, kind: lab, value_type: quantity, source: s}", "test")


def test_icd10_subcategory_matches_its_category() -> None:
    vocab = vocabulary()
    found = vocab.by_code("http://hl7.org/fhir/sid/icd-10", "A15.0")
    assert found is not None
    assert found.key == "condition.tuberculosis"
    assert vocab.by_code("http://loinc.org", "2276") is None


def test_drug_class_keys_load() -> None:
    assert concept("drug_class.strong_cyp3a4_inducers").kind is Kind.DRUG_CLASS


# Issue 12 defect 6: the route of a drug exposure, coded as hospitals send it.
@pytest.mark.parametrize(
    ("system", "code", "key"),
    [
        ("http://snomed.info/sct", "72607000", "route.intrathecal"),
        ("http://snomed.info/sct", "26643006", "route.oral"),
        ("http://snomed.info/sct", "47625008", "route.intravenous"),
        ("http://snomed.info/sct", "34206005", "route.subcutaneous"),
        ("http://snomed.info/sct", "78421000", "route.intramuscular"),
        ("http://snomed.info/sct", "6064005", "route.topical"),
        ("http://snomed.info/sct", "447694001", "route.inhalation"),
        ("http://snomed.info/sct", "127492001", "route.nasogastric"),
        ("http://standardterms.edqm.eu", "20042000", "route.intrathecal"),
        ("http://standardterms.edqm.eu", "20053000", "route.oral"),
        (
            "http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration",
            "IT",
            "route.intrathecal",
        ),
        ("http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration", "PO", "route.oral"),
    ],
)
def test_route_codes_map_to_their_route(system: str, code: str, key: str) -> None:
    found = vocabulary().by_code(system, code)
    assert found is not None and found.key == key
    assert found.kind is Kind.ROUTE


def test_routes_carry_their_omop_route_concept() -> None:
    assert concept("route.intrathecal").omop_concept_id == 4217202
    assert concept("route.oral").omop_concept_id == 4132161
    assert concept("route.intravenous").omop_concept_id == 4171047


# Issue 12, "statements of absence": IPS and SNOMED CT codes that close a kind of history.
@pytest.mark.parametrize(
    ("system", "code", "key"),
    [
        (IPS_ABSENT, "no-known-problems", "absence.problems"),
        (IPS_ABSENT, "no-known-medications", "absence.medications"),
        (IPS_ABSENT, "no-known-procedures", "absence.procedures"),
        (IPS_ABSENT, "no-known-allergies", "absence.allergies"),
        (IPS_ABSENT, "no-known-medication-allergies", "absence.medication_allergies"),
        (IPS_ABSENT, "no-known-food-allergies", "absence.food_allergies"),
        (IPS_ABSENT, "no-known-environmental-allergies", "absence.environmental_allergies"),
        ("http://snomed.info/sct", "716186003", "absence.allergies"),
        ("http://snomed.info/sct", "409137002", "absence.medication_allergies"),
        ("http://snomed.info/sct", "160245001", "absence.problems"),
        ("http://snomed.info/sct", "787481004", "absence.medications"),
        ("http://snomed.info/sct", "787480003", "absence.procedures"),
    ],
)
def test_statements_of_absence_map_to_their_history(system: str, code: str, key: str) -> None:
    found = vocabulary().by_code(system, code)
    assert found is not None and found.key == key
    assert found.kind is Kind.ABSENCE


def test_no_information_is_not_a_statement_of_absence() -> None:
    # IPS "no-allergy-info" says nothing is known: it must not close the allergy history.
    for code in ("no-allergy-info", "no-medication-info", "no-problem-info", "no-procedure-info"):
        assert vocabulary().by_code(IPS_ABSENT, code) is None


def test_nk_cell_activity_is_a_percentage_of_the_laboratory_standard() -> None:
    # Issue 12 defect 8: C-HLH's "< 10 % of the laboratory standard" needs a numeric concept.
    item = concept("lab.nk_cell_activity")
    assert item.value_type is ValueType.QUANTITY
    assert item.unit == "%"
    assert item.plausible is not None and item.plausible.low == 0


# Issue 12 defect 2: docs/fhir-input.md says a gene is reachable by its HGNC symbol.
@pytest.mark.parametrize("system", ["http://www.genenames.org", "http://www.genenames.org/geneId"])
@pytest.mark.parametrize(
    ("code", "key"),
    [
        ("JAK2", "gene.jak2"),
        ("EPOR", "gene.epor"),
        ("HGNC:3416", "gene.epor"),
        ("PAX5", "gene.pax5"),
        ("HGNC:8619", "gene.pax5"),
        ("DDX3", "gene.ddx3x"),  # a previous HGNC symbol
        ("ZNF340", "gene.zbtb46"),
        ("IGH@", "gene.igh"),
    ],
)
def test_genes_are_reachable_by_hgnc_id_and_symbol(system: str, code: str, key: str) -> None:
    found = vocabulary().by_code(system, code)
    assert found is not None and found.key == key


def test_gene_symbols_match_case_sensitively_and_not_by_alias() -> None:
    vocab = vocabulary()
    assert vocab.by_code("http://www.genenames.org", "jak2") is None
    # "TEL" is an HGNC alias of ETV6, not a symbol: aliases are not unique and do not match.
    assert vocab.by_code("http://www.genenames.org", "TEL") is None
    # CHS1 was the symbol of both LYST and VPS13B: an ambiguous previous symbol does not match.
    assert vocab.by_code("http://www.genenames.org", "CHS1") is None
    # A symbol is a gene code only in a gene system.
    assert vocab.by_code("http://loinc.org", "JAK2") is None


def test_every_gene_has_an_hgnc_id_and_its_approved_symbol_first() -> None:
    for item in vocabulary().values():
        if item.kind is not Kind.GENE:
            continue
        hgnc = [c for c in item.codes if c.system == "hgnc"]
        assert hgnc and hgnc[0].code.startswith("HGNC:"), item.key
        assert item.symbols and item.symbols[0] == hgnc[0].display, item.key


def test_a_symbol_given_to_two_genes_is_refused() -> None:
    text = """
- {key: gene.a, display: A, kind: gene, value_type: none, source: s, symbols: [AB]}
- {key: gene.b, display: B, kind: gene, value_type: none, source: s, symbols: [AB]}
"""
    with pytest.raises(DefinitionError, match="symbol"):
        _parse(text, "test")


# Issue 12 defect 3: a patient on posaconazole coded ATC J02AC04 must meet the strong-CYP3A4
# exclusion, so the class members need the codes hospitals send.
@pytest.mark.parametrize(
    ("system", "code", "key"),
    [
        ("http://www.whocc.no/atc", "J02AC04", "drug.posaconazole"),
        ("http://www.whocc.no/atc", "J02AC02", "drug.itraconazole"),
        ("http://www.whocc.no/atc", "N03AA02", "drug.phenobarbital"),
        ("http://www.whocc.no/atc", "N06AX25", "drug.st_johns_wort"),
        ("http://www.nlm.nih.gov/research/umls/rxnorm", "282446", "drug.posaconazole"),
        ("http://www.nlm.nih.gov/research/umls/rxnorm", "85762", "drug.ritonavir"),
        ("http://www.nlm.nih.gov/research/umls/rxnorm", "21212", "drug.clarithromycin"),
    ],
)
def test_class_member_drugs_are_reachable_by_atc_and_rxnorm(
    system: str, code: str, key: str
) -> None:
    found = vocabulary().by_code(system, code)
    assert found is not None and found.key == key


def test_a_documented_gap_cannot_hide_a_code() -> None:
    text = """
- {key: drug.a, display: A, kind: drug, value_type: none, source: s,
   codes: [{system: atc, code: X01, display: x, source: s}],
   missing_codes: [{system: atc, reason: none}]}
"""
    with pytest.raises(DefinitionError, match="not missing"):
        _parse(text, "test")


# Issue 12 defect 4: direct bilirubin in umol/L (LOINC 14629-0) must be read, not left unknown.
@pytest.mark.parametrize(
    ("code", "key", "unit"),
    [
        ("14629-0", "lab.bilirubin_direct", "umol/L"),
        ("1968-7", "lab.bilirubin_direct", "mg/dL"),
        ("14631-6", "lab.bilirubin_total", "umol/L"),
        ("14682-9", "lab.creatinine", "umol/L"),
        ("59260-0", "lab.haemoglobin", "mmol/L"),
    ],
)
def test_mass_and_molar_loinc_codes_carry_their_unit(code: str, key: str, unit: str) -> None:
    found = vocabulary().lookup("http://loinc.org", code)
    assert found is not None and found[0].key == key
    assert found[1] is not None and found[1].unit == unit


def test_icd10_d76_1_is_hlh_not_primary_hlh() -> None:
    # D76.1 covers familial and other HLH alike (ICD-10-CM inclusion terms): the umbrella only.
    vocab = vocabulary()
    for system in ("http://hl7.org/fhir/sid/icd-10", "http://hl7.org/fhir/sid/icd-10-cm"):
        umbrella = vocab.by_code(system, "D76.1")
        assert umbrella is not None and umbrella.key == "condition.hlh"
