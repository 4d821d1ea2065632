"""Issue 12, "the classes behind them": standard codes for what the protocols read."""

from __future__ import annotations

from trialkit.protocol.files import builtin_ids
from trialkit.vocab import Kind, vocabulary
from trialkit.vocab.coverage import (
    class_member_gaps,
    concepts_read,
    missing_standard_codes,
)


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
