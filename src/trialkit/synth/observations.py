"""Findings, attestations and genomic findings (OBSERVATION rows), as the FHIR bridge writes them.

- A yes/no finding or attestation: value 4188539 (Yes) or 4188540 (No) and
  ``value_source_value`` ``true`` / ``false``.
- A genomic finding: one row per gene, the gene's concept (an unlisted gene by
  its HGNC id), the protein change in ``value_as_string``, the alteration type
  in ``qualifier_source_value`` and the genes joined by ``::`` (5' partner
  first) in ``value_source_value``.
"""

from __future__ import annotations

import numpy as np

from trialkit.omop.concepts import NO, YES
from trialkit.synth.arrays import I64, B, Rows, code, concat, string
from trialkit.synth.clinical import observation_rows, select, when
from trialkit.synth.events_catalogue import (
    ATTESTATIONS,
    CONTRADICTED,
    FINDINGS,
    GENOMICS,
    HLH_GENES,
    Alteration,
    When,
)
from trialkit.synth.people import People

__all__ = ["GENOMIC_SHARES", "attestations", "findings", "genomics"]

_TRUE, _FALSE = string("true"), string("false")
#: Profiled among persons with leukaemia; with a second finding; HLH-like children with a gene.
GENOMIC_SHARES = {"profiled": 0.75, "second": 0.3, "hlh_child_gene": 0.4}
_SCREENING_DAY = When("end", (0.0, 1.0))


def _flags(person: I64, time: I64, key: str, yes: B) -> Rows:
    size = len(person)
    return observation_rows(
        person,
        time,
        np.full(size, code(key), dtype=np.int64),
        answer=np.where(yes, YES, NO).astype(np.int64),
        value=np.where(yes, _TRUE, _FALSE).astype(np.int64),
    )


def findings(rng: np.random.Generator, people: People, found: dict[str, B]) -> Rows:
    """Yes/no findings (and the qualitative hCG test) from the finding rules."""
    parts = []
    for rule in FINDINGS:
        index = select(rng, people, found, rule.group, rule.share, rule.ages, rule.female)
        time = when(rng, people, index, rule.when)
        parts.append(_flags(index, time, rule.key, rng.random(len(index)) < rule.yes))
    return concat(parts)


def attestations(rng: np.random.Generator, people: People, found: dict[str, B]) -> Rows:
    """Attestations on the screening day, more often for screened (HLH-like, leukaemia) persons.

    After a complete work-up (group ``worked_up``) every attestation is recorded. An
    attestation the person's recorded history contradicts (:data:`CONTRADICTED`) is No.
    """
    screened, worked_up = found["screened"], found["worked_up"]
    parts = []
    for key, screened_share, other_share, yes in ATTESTATIONS:
        chance = np.where(worked_up, 1.0, np.where(screened, screened_share, other_share))
        index = np.flatnonzero(rng.random(people.size) < chance).astype(np.int64)
        time = when(rng, people, index, _SCREENING_DAY)
        said = rng.random(len(index)) < yes
        if key in CONTRADICTED:
            said &= ~found[CONTRADICTED[key]][index]
        parts.append(_flags(index, time, key, said))
    return concat(parts)


def genomics(rng: np.random.Generator, people: People, found: dict[str, B]) -> Rows:
    """Leukaemia panels (target, resistance and other alterations) and familial HLH genes."""
    parts: list[Rows] = []
    profiled = select(rng, people, found, "leukaemia", GENOMIC_SHARES["profiled"], (0.0, 200.0))
    second = profiled[rng.random(len(profiled)) < GENOMIC_SHARES["second"]]
    weights = np.array([a.weight for a in GENOMICS])
    for index in (profiled, second):
        picked = rng.choice(len(GENOMICS), size=len(index), p=weights / weights.sum())
        time = when(rng, people, index, When("extract", (5.0, 90.0)))
        for n, alteration in enumerate(GENOMICS):
            mask = picked == n
            parts.extend(_finding(index[mask], time[mask], alteration))
    children = select(
        rng, people, found, "hlh_child", GENOMIC_SHARES["hlh_child_gene"], (0.0, 200.0)
    )
    gene_weights = np.array([g[1] for g in HLH_GENES])
    picked = rng.choice(len(HLH_GENES), size=len(children), p=gene_weights / gene_weights.sum())
    time = when(rng, people, children, When("end", (0.0, 20.0)))
    for n, (gene, _) in enumerate(HLH_GENES):
        mask = picked == n
        parts.extend(
            _finding(children[mask], time[mask], Alteration((gene,), "mutation", None, 1.0))
        )
    return concat(parts)


def _finding(person: I64, time: I64, alteration: Alteration) -> list[Rows]:
    size = len(person)
    joined = string("::".join(alteration.genes))
    kind = string(alteration.kind)
    protein = -1 if alteration.protein is None else string(alteration.protein)
    return [
        observation_rows(
            person,
            time,
            np.full(size, code(gene), dtype=np.int64),
            text=np.full(size, protein, dtype=np.int64),
            qualifier=np.full(size, kind, dtype=np.int64),
            value=np.full(size, joined, dtype=np.int64),
        )
        for gene in alteration.genes
    ]
