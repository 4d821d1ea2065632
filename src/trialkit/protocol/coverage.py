"""Which concepts the shipped protocols read, and which of them no standard code reaches.

A hospital sends LOINC, SNOMED CT, ICD-10, ATC, RxNorm and HGNC codes, not
trialkit's own keys (issue 12). A concept that a protocol reads and that has no
standard code can only be recorded by its project code
(``urn:trialkit:concept|<key>``), so real-world data never reaches it. This
module lists those gaps; ``tests/protocol/test_coverage.py`` fails on a gap that
the vocabulary does not explain (``missing_codes``), and ``trialkit vocab
--missing-standard-codes`` prints them.

Attestations are investigator statements that no standard code expresses, and a
drug class is a list of drugs: neither needs a code of its own (the members of
a class need ATC and RxNorm codes, :func:`class_member_gaps`).

The criteria of the protocols are walked here; the inputs of the scores a
protocol names (HLH-2004, SOFA, ...) are not (the score modules read them).
The module is in the ``protocol`` layer because it reads the protocols;
``vocab``, below, knows nothing of them (``docs/architecture.md``, "Layers").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from trialkit.protocol.criteria import (
    CHILDBEARING_POTENTIAL,
    Age,
    ChildbearingPotential,
    Drug,
    Genomic,
    children,
)
from trialkit.protocol.files import builtin_ids, builtin_protocol
from trialkit.vocab import SYSTEMS, Concept, Kind, vocabulary

__all__ = [
    "DRUG_CODE_SYSTEMS",
    "STANDARD_SYSTEMS",
    "Gap",
    "class_member_gaps",
    "concepts_read",
    "missing_standard_codes",
    "rule_concepts",
]

#: Every code system of SYSTEMS is a standard one, except UCUM (units, not concepts).
STANDARD_SYSTEMS = frozenset(SYSTEMS) - {"ucum"}
#: What a drug needs: its WHO ATC code and its RxNorm ingredient code.
DRUG_CODE_SYSTEMS = ("atc", "rxnorm")
_NEEDS_NO_CODE = frozenset({Kind.ATTESTATION, Kind.DRUG_CLASS})
_CONCEPT_FIELDS = ("measure", "condition", "finding", "attestation", "drug", "procedure")


@dataclass(frozen=True, slots=True)
class Gap:
    """A concept without a code in ``system`` (None: in any standard system)."""

    key: str
    kind: Kind
    system: str | None
    reason: str | None
    read_by: tuple[str, ...]

    @property
    def documented(self) -> bool:
        """The vocabulary says why the code is missing (``missing_codes``)."""
        return self.reason is not None


def rule_concepts(node: object) -> Iterator[str]:
    """Every concept key a criteria tree reads (its nodes' concepts, routes, genes), in order.

    A ``score`` node's inputs are not here: they are the score's
    (:attr:`trialkit.scores.registry.ScoreSpec.concepts`, read by
    :func:`trialkit.protocol.reads.protocol_reads`).
    """
    for field in _CONCEPT_FIELDS:
        value = getattr(node, field, None)
        if isinstance(value, str):
            yield value
    if isinstance(node, Drug) and node.routes is not None:
        yield from node.routes
    if isinstance(node, ChildbearingPotential):
        yield CHILDBEARING_POTENTIAL
    if isinstance(node, Age) and node.at_first is not None:
        yield node.at_first
    if isinstance(node, Genomic):
        yield from node.gene
    for child in children(node):  # type: ignore[arg-type]
        yield from rule_concepts(child)


def concepts_read(protocol_ids: Iterable[str] | None = None) -> dict[str, tuple[str, ...]]:
    """Every concept key the criteria of the shipped protocols read, with the protocols."""
    found: dict[str, set[str]] = {}
    for pid in builtin_ids() if protocol_ids is None else protocol_ids:
        for criterion in builtin_protocol(pid).criteria:
            for key in rule_concepts(criterion.rule):
                found.setdefault(key, set()).add(pid)
    return {key: tuple(sorted(pids)) for key, pids in sorted(found.items())}


def _reason(item: Concept, systems: Iterable[str]) -> str | None:
    reasons = [gap.reason for gap in item.missing_codes if gap.system in systems]
    return "; ".join(reasons) if reasons else None


def missing_standard_codes(protocol_ids: Iterable[str] | None = None) -> list[Gap]:
    """The concepts read by the protocols that no standard code reaches."""
    vocab = vocabulary()
    gaps: list[Gap] = []
    for key, read_by in concepts_read(protocol_ids).items():
        item = vocab[key]
        if item.kind in _NEEDS_NO_CODE:
            continue
        if any(code.system in STANDARD_SYSTEMS for code in item.codes):
            continue
        if item.allergens and all(_coded(vocab[a]) for a in item.allergens):
            continue  # reached through an AllergyIntolerance coded with the allergen
        gaps.append(Gap(key, item.kind, None, _reason(item, STANDARD_SYSTEMS), read_by))
    return gaps


def _coded(item: Concept) -> bool:
    """A drug, or every member of a class, has a standard code."""
    vocab = vocabulary()
    items = [vocab[m] for m in item.members] if item.kind is Kind.DRUG_CLASS else [item]
    return all(any(code.system in STANDARD_SYSTEMS for code in i.codes) for i in items)


def class_member_gaps() -> list[Gap]:
    """The members of every drug class without an ATC or an RxNorm ingredient code."""
    vocab = vocabulary()
    classes: dict[str, list[str]] = {}
    for item in vocab.values():
        for member in item.members:
            classes.setdefault(member, []).append(item.key)
    gaps: list[Gap] = []
    for key, in_classes in sorted(classes.items()):
        item = vocab[key]
        for system in DRUG_CODE_SYSTEMS:
            if any(code.system == system for code in item.codes):
                continue
            gaps.append(Gap(key, item.kind, system, _reason(item, (system,)), tuple(in_classes)))
    return gaps
