"""Genomic findings in a FHIR Bundle: variant Observations with gene components.

The profile follows the shape of the HL7 Genomics Reporting IG "Variant"
observation, reduced to what eligibility needs: the gene(s), the kind of
alteration and the protein change. The LOINC codes used are the IG's:
69548-6 Genetic variant assessment (the observation), 48018-6 Gene studied [ID]
(one component per gene; a fusion lists both partners, 5' first), 48005-3 Amino
acid change (pHGVS). The alteration type is trialkit's own small code system
(``urn:trialkit:alteration-type``), because no single standard value set covers
mutation, fusion, rearrangement, deletion, amplification and overexpression.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from trialkit.errors import BundleError
from trialkit.record.model import AlterationType, GenomicFinding
from trialkit.record.shapes import codes, objects
from trialkit.vocab import PROJECT_SYSTEM, Kind, Vocabulary, vocabulary

__all__ = [
    "ALTERATION_SYSTEM",
    "GENOMIC_VARIANT_CODES",
    "gene_label",
    "normalise_protein_change",
    "read_variant",
    "variant_not_found",
]

LOINC = "http://loinc.org"
ALTERATION_SYSTEM = "urn:trialkit:alteration-type"
GENOMIC_VARIANT_CODES = frozenset({(LOINC, "69548-6"), (PROJECT_SYSTEM, "genomic.variant")})
_GENE_STUDIED = "48018-6"
_PROTEIN_CHANGE = "48005-3"
_HGNC_SYSTEMS = frozenset({"http://www.genenames.org", "http://www.genenames.org/geneId"})
# The IG's variant value (LOINC answer list LL1971-2) other than Present (LA9633-4):
# Absent, No call, Indeterminate. Such an observation reports no alteration.
_NOT_FOUND = frozenset({(LOINC, "LA9634-2"), (LOINC, "LA18198-4"), (LOINC, "LA11884-6")})

_THREE_LETTER = {
    "Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Gln": "Q", "Glu": "E",
    "Gly": "G", "His": "H", "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F",
    "Pro": "P", "Ser": "S", "Thr": "T", "Trp": "W", "Tyr": "Y", "Val": "V", "Ter": "*",
}  # fmt: skip
_SUBSTITUTION = re.compile(r"^(?:p\.)?\(?([A-Z][a-z]{2}|[A-Z*])(\d+)([A-Z][a-z]{2}|[A-Z*])\)?$")


def normalise_protein_change(text: str) -> str:
    """A protein change in one-letter short form: ``p.Tyr931Cys``, ``p.(Y931C)`` → ``Y931C``.

    Changes other than a single substitution (frameshifts, in-frame indels) are
    kept as written without the ``p.`` prefix.
    """
    stripped = text.strip()
    match = _SUBSTITUTION.match(stripped)
    if match is None:
        return stripped.removeprefix("p.")
    before, position, after = match.groups()
    return f"{_THREE_LETTER.get(before, before)}{position}{_THREE_LETTER.get(after, after)}"


def gene_label(gene: str) -> str:
    """A finding's gene for display: the concept's display, or the code as sent when unlisted."""
    item = vocabulary().get(gene)
    return gene if item is None else item.display


def variant_not_found(where: str, resource: Any) -> bool:
    """Whether a variant Observation's value says Absent, No call or Indeterminate."""
    value = resource.get("valueCodeableConcept")
    return any(pair in _NOT_FOUND for pair in codes(where, "valueCodeableConcept", value))


def read_variant(where: str, resource: Any, time: datetime, vocab: Vocabulary) -> GenomicFinding:
    """One genomic finding from a variant Observation."""
    genes: list[str] = []
    alteration: AlterationType | None = None
    protein: str | None = None
    for index, component in enumerate(objects(where, "component", resource.get("component"))):
        field = f"component[{index}]"
        kinds = set(codes(where, f"{field}.code", component.get("code")))
        if (LOINC, _GENE_STUDIED) in kinds:
            genes.append(_gene(where, field, component, vocab))
        elif (LOINC, _PROTEIN_CHANGE) in kinds:
            protein = normalise_protein_change(_text(where, field, component))
        elif (PROJECT_SYSTEM, "genomic.alteration_type") in kinds:
            raw = _text(where, field, component)
            try:
                alteration = AlterationType(raw)
            except ValueError:
                allowed = ", ".join(a.value for a in AlterationType)
                raise BundleError(
                    f"{where}: {field} alteration type {raw!r}; use one of {allowed}"
                ) from None
    if not genes:
        raise BundleError(
            f"{where}: a variant Observation needs a gene component (LOINC {_GENE_STUDIED})"
        )
    if alteration is None:
        raise BundleError(
            f"{where}: a variant Observation needs an alteration type component "
            f"({PROJECT_SYSTEM}|genomic.alteration_type)"
        )
    return GenomicFinding(tuple(genes), alteration, protein, where, time)


def _text(where: str, field: str, component: Any) -> str:
    if isinstance(component.get("valueString"), str):
        return str(component["valueString"])
    value = component.get("valueCodeableConcept")
    for _, code in codes(where, f"{field}.valueCodeableConcept", value):
        if code:
            return code
    raise BundleError(f"{where}: {field} needs valueString or valueCodeableConcept")


def _gene(where: str, field: str, component: Any, vocab: Vocabulary) -> str:
    pairs = codes(where, f"{field}.valueCodeableConcept", component.get("valueCodeableConcept"))
    for system, code in pairs:
        if system in _HGNC_SYSTEMS:
            system = "http://www.genenames.org"
        found = vocab.by_code(str(system), str(code))
        if found is not None and found.kind is Kind.GENE:
            return found.key
    # A gene outside the vocabulary (a fusion partner such as PAX5) is kept by
    # its code: the finding still counts for the partner that protocols name.
    for _, code in pairs:
        if code:
            return code
    raise BundleError(f"{where}: {field} needs a valueCodeableConcept with the gene's HGNC code")
