"""Issue 12, "the classes behind them": standard codes for what the protocols read."""

from __future__ import annotations

from trialkit.protocol.coverage import (
    class_member_gaps,
    concepts_read,
    missing_standard_codes,
)
from trialkit.protocol.files import builtin_ids
from trialkit.vocab import Kind, vocabulary


def test_every_concept_read_by_a_protocol_has_a_standard_code_or_says_why_not() -> None:
    undocumented = [
        f"{g.key} (read by {', '.join(g.read_by)})"
        for g in missing_standard_codes()
        if not g.documented
    ]
    assert not undocumented, undocumented


def test_every_drug_of_every_class_has_atc_and_rxnorm_or_says_why_not() -> None:
    undocumented = [f"{g.key}: {g.system}" for g in class_member_gaps() if not g.documented]
    assert not undocumented, undocumented


def test_the_walk_finds_the_concepts_of_every_protocol() -> None:
    read = concepts_read()
    assert {pid for pids in read.values() for pid in pids} == set(builtin_ids())
    # one of each node type the walk must see (measure, condition, finding, attestation,
    # drug, procedure, gene)
    for key in (
        "lab.ferritin",
        "condition.hlh_primary",
        "finding.splenomegaly",
        "attestation.informed_consent",
        "drug.ruxolitinib",
        "procedure.hsct_allogeneic",
        "gene.jak2",
    ):
        assert key in read, key


def test_attestations_and_drug_classes_need_no_code_of_their_own() -> None:
    vocab = vocabulary()
    kinds = {vocab[g.key].kind for g in missing_standard_codes()}
    assert Kind.ATTESTATION not in kinds
    assert Kind.DRUG_CLASS not in kinds


def test_a_rheumatological_diagnosis_is_read_from_its_icd10_category() -> None:
    """R-HLH E10: systemic JIA (M08.2), SLE (M32.9), Kawasaki (M30.3); not TTP or cancer."""
    vocab = vocabulary()
    who, cm = "http://hl7.org/fhir/sid/icd-10", "http://hl7.org/fhir/sid/icd-10-cm"
    for system, code in ((who, "M08.2"), (who, "M32.9"), (who, "M30.3"), (cm, "M06.1")):
        found = vocab.by_code(system, code)
        assert found is not None and found.key == "condition.rheumatologic_disorder", code
    # M31.1 thrombotic microangiopathy and M36.1 arthropathy in neoplastic disease are not.
    for code in ("M31.1", "M36.1", "M00.9"):
        found = vocab.by_code(who, code)
        assert found is None or found.key != "condition.rheumatologic_disorder", code
    assert "condition.rheumatologic_disorder" not in {g.key for g in missing_standard_codes()}


def test_severe_renal_impairment_is_read_from_the_clearance_it_is_defined_by() -> None:
    """R-HLH E7: the seed's clearance < 15 mL/min/1.73 m², not a diagnosis no code expresses."""
    assert "condition.severe_renal_impairment" not in concepts_read()
