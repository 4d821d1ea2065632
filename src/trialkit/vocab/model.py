"""The shape of one row of the concept vocabulary (``concepts.yaml``).

A concept is what a protocol, a score or a loader talks about (``lab.ferritin``,
``finding.splenomegaly``, ``drug.ruxolitinib``). Every standard code that means
it is written here once, with the source that was checked, so that no other
module spells a LOINC, SNOMED CT, ATC or OMOP code.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

__all__ = [
    "PROJECT_SYSTEM",
    "SYSTEMS",
    "Code",
    "Concept",
    "HalfLife",
    "History",
    "Kind",
    "MissingCode",
    "PlausibleRange",
    "ValueType",
]

#: Code system of trialkit's own concept codes: ``urn:trialkit:concept|<key>``.
PROJECT_SYSTEM = "urn:trialkit:concept"

#: Code systems a concept may carry, by short name (FHIR canonical URIs).
SYSTEMS: dict[str, str] = {
    "loinc": "http://loinc.org",
    "snomed": "http://snomed.info/sct",
    "icd10": "http://hl7.org/fhir/sid/icd-10",
    "icd10cm": "http://hl7.org/fhir/sid/icd-10-cm",
    "atc": "http://www.whocc.no/atc",
    "rxnorm": "http://www.nlm.nih.gov/research/umls/rxnorm",
    "hgnc": "http://www.genenames.org",
    "ucum": "http://unitsofmeasure.org",
    "edqm": "http://standardterms.edqm.eu",
    "v3-route": "http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration",
    "ips-absent": "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips",
    "v3-actcode": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
    "v3-rolecode": "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
    # MedDRA's canonical URI in HL7 Terminology (THO CodeSystem "mdr", 2023); the older
    # THO URIs are read too (trialkit.vocab.table._SYSTEM_ALIASES).
    "meddra": "https://www.meddra.org",
}

Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]*(\.[a-z0-9_]+)+$")]


class Kind(StrEnum):
    """What sort of clinical thing a concept is."""

    LAB = "lab"
    VITAL = "vital"
    FINDING = "finding"
    CONDITION = "condition"
    GENE = "gene"
    ALTERATION = "alteration"
    DRUG = "drug"
    DRUG_CLASS = "drug_class"
    PROCEDURE = "procedure"
    ATTESTATION = "attestation"
    ASSESSMENT = "assessment"
    ROUTE = "route"
    """A route of administration (``dosage.route`` of a drug exposure)."""
    ABSENCE = "absence"
    """A statement that a kind of history is empty: "no known allergies" (IPS, SNOMED CT)."""
    CARE_SETTING = "care_setting"
    """Where a stay takes place: in hospital, in intensive care (a FHIR Encounter's class or type,
    or the type of its Location)."""
    ADVERSE_EVENT = "adverse_event"
    """A CTCAE v5.0 adverse event term (``ae.<term key>``, the key of
    ``trialkit.scores.ctcae.TERMS``), identified by its MedDRA code."""


class History(StrEnum):
    """A kind of history that a record can state complete, so that absence there means "none".

    Drug allergies are the allergy history that criteria read (hypersensitivity
    to a study drug or its excipients).
    """

    PROBLEMS = "problems"
    """Current problems (the problem list)."""
    PAST_PROBLEMS = "past_problems"
    """Past illnesses, resolved (the history of past illness)."""
    MEDICATIONS = "medications"
    PROCEDURES = "procedures"
    ALLERGIES = "allergies"


class ValueType(StrEnum):
    """The kind of value an Observation of this concept carries."""

    QUANTITY = "quantity"
    BOOLEAN = "boolean"
    CODED = "coded"
    NONE = "none"


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Code(_Row):
    """One standard code for a concept, with where it was checked."""

    system: str = Field(description="Short system name, a key of SYSTEMS (loinc, snomed, ...).")
    code: str
    display: str = Field(description="The code system's own display name.")
    source: str = Field(description="Where the code was checked (release, page, file).")
    unit: str | None = Field(
        default=None,
        description="For a LOINC code bound to one property (mass vs molar), the UCUM unit it "
        "expects; values of this code in another dimension are refused.",
    )

    @model_validator(mode="after")
    def _known_system(self) -> Code:
        if self.system not in SYSTEMS:
            raise ValueError(f"unknown code system {self.system!r}; known: {sorted(SYSTEMS)}")
        return self

    @property
    def uri(self) -> str:
        """The FHIR canonical URI of the code system."""
        return SYSTEMS[self.system]


class MissingCode(_Row):
    """A standard code system a concept has no code in, and why.

    Either none exists (grapefruit juice is a food: no ATC code) or none could
    be verified; the reason says which, and docs/vocabulary-sources.md lists them.
    """

    system: str = Field(description="Short system name, a key of SYSTEMS.")
    reason: str = Field(min_length=1)

    @model_validator(mode="after")
    def _known_system(self) -> MissingCode:
        if self.system not in SYSTEMS:
            raise ValueError(f"unknown code system {self.system!r}; known: {sorted(SYSTEMS)}")
        return self


class PlausibleRange(_Row):
    """Values outside [low, high] (canonical unit) are refused as implausible."""

    low: float
    high: float
    source: str

    @model_validator(mode="after")
    def _ordered(self) -> PlausibleRange:
        if not self.low < self.high:
            raise ValueError(f"plausible range low={self.low} must be below high={self.high}")
        return self


class HalfLife(_Row):
    """A drug's terminal elimination half-life, for wash-outs counted in half-lives."""

    value: float = Field(gt=0)
    unit: str = Field(pattern=r"^(h|d)$", description="UCUM: h or d.")
    source: str = Field(description="The label or paper the half-life is taken from.")

    @property
    def hours(self) -> float:
        """The half-life in hours."""
        return self.value * (24.0 if self.unit == "d" else 1.0)


class Concept(_Row):
    """One row of the vocabulary."""

    key: Key
    display: str
    kind: Kind
    value_type: ValueType
    codes: tuple[Code, ...] = ()
    omop_concept_id: int | None = None
    omop_source: str | None = None
    unit: str | None = Field(default=None, description="Canonical UCUM unit.")
    units: tuple[str, ...] = Field(default=(), description="Allowed UCUM units (canonical first).")
    molar_mass: float | None = Field(
        default=None, description="g/mol, for mass <-> molar conversion."
    )
    molar_mass_source: str | None = None
    plausible: PlausibleRange | None = None
    members: tuple[str, ...] = Field(default=(), description="For a drug class: its drug keys.")
    gene: str | None = Field(default=None, description="For an alteration: the gene's concept key.")
    symbols: tuple[str, ...] = Field(
        default=(),
        description="For a gene: the HGNC approved symbol, then its HGNC previous symbols; a gene "
        "coding whose code is not an HGNC id matches on these (case-sensitive).",
    )
    aliases: tuple[str, ...] = Field(
        default=(),
        description="For a gene: HGNC alias symbols, for reference only. HGNC does not keep aliases "
        "unique (TEL, ALL, CAN ...), so they do not match.",
    )
    half_life: HalfLife | None = Field(
        default=None, description="For a drug: terminal half-life, for wash-outs in half-lives."
    )
    history: History | None = Field(
        default=None,
        description="For a condition: the history that records it when not the problem list "
        "(allergies, for a hypersensitivity).",
    )
    allergens: tuple[str, ...] = Field(
        default=(),
        description="For a hypersensitivity condition: the drugs or drug classes an "
        "AllergyIntolerance to which is this condition.",
    )
    sections: tuple[Code, ...] = Field(
        default=(),
        description="For a statement of absence: the codes of a record section (FHIR List.code) "
        "whose emptyReason 'nilknown' states it (or, with ``complete``, whose current master "
        "List states it).",
    )
    broader: tuple[str, ...] = Field(
        default=(),
        description="For a finding: broader concepts whose recorded absence is this one's "
        "absence (no hepatic failure at all: no grade 4 hepatic failure).",
    )
    complete: bool = Field(
        default=False,
        description="For a statement of absence: it is a complete list (a FHIR List with status "
        "current and mode working, with entries), not an empty one.",
    )
    closes: tuple[History, ...] = Field(
        default=(),
        description="For a statement of absence or an attestation: the histories it states "
        "complete.",
    )
    missing_codes: tuple[MissingCode, ...] = Field(
        default=(),
        description="Standard code systems this concept has no code in, each with why.",
    )
    source: str = Field(description="Where the concept and its definition come from.")
    notes: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Concept:
        if self.value_type is ValueType.QUANTITY:
            if self.unit is None:
                raise ValueError(f"{self.key}: a quantity concept needs a canonical unit")
            if not self.units or self.units[0] != self.unit:
                raise ValueError(
                    f"{self.key}: units must list the canonical unit {self.unit!r} first"
                )
        elif self.unit is not None or self.units:
            raise ValueError(f"{self.key}: only quantity concepts carry units")
        if (self.molar_mass is None) != (self.molar_mass_source is None):
            raise ValueError(f"{self.key}: molar_mass and molar_mass_source go together")
        if (self.omop_concept_id is None) != (self.omop_source is None):
            raise ValueError(f"{self.key}: omop_concept_id and omop_source go together")
        if self.members and self.kind is not Kind.DRUG_CLASS:
            raise ValueError(f"{self.key}: only a drug class has members")
        if (self.history is not None or self.allergens) and self.kind is not Kind.CONDITION:
            raise ValueError(f"{self.key}: only a condition has a history and allergens")
        if self.allergens and self.history is not History.ALLERGIES:
            raise ValueError(f"{self.key}: a condition with allergens is in the allergy history")
        if self.sections and self.kind is not Kind.ABSENCE:
            raise ValueError(f"{self.key}: only a statement of absence has sections")
        if self.closes and self.kind not in (Kind.ABSENCE, Kind.ATTESTATION):
            raise ValueError(f"{self.key}: only a statement of absence or attestation closes")
        for missing in self.missing_codes:
            if any(code.system == missing.system for code in self.codes):
                raise ValueError(f"{self.key}: has a {missing.system} code, so it is not missing")
        if (self.symbols or self.aliases) and self.kind is not Kind.GENE:
            raise ValueError(f"{self.key}: only a gene has symbols and aliases")
        return self
