"""What the coded fields of a FHIR Encounter and AdverseEvent mean to trialkit.

The FHIR reader (:mod:`trialkit.record.fhir`) reads the dates and builds the
:class:`~trialkit.record.model.Stay` and :class:`~trialkit.record.model.AdverseEvent`;
this module holds the decisions, each with its source (docs/fhir-input.md,
"Encounter" and "AdverseEvent"):

- **Care setting.** An Encounter is a hospital stay when its ``class`` (a Coding,
  FHIR R4) is v3 ActCode IMP, ACUTE or NONAC, and an intensive care stay when its
  ``type``, or the ``type`` of a Location of the bundle it refers to, carries a
  code of ``setting.icu`` (v3 RoleCode ICU, SNOMED CT 309904001); the codes are
  the vocabulary's (``trialkit.vocab``, kind ``care_setting``). Another v3
  ActCode class (AMB, EMER, VR, ...) is not a stay; a class in another code
  system is a code trialkit does not know (the open world).
- **CTCAE grade.** The HL7 Adverse Event Clinical Research IG carries the grade
  in its ``ae-grade`` extension (R4 backport, STU1 1.0.1:
  ``http://hl7.org/fhir/uv/ae-research-backport-ig/StructureDefinition/ae-grade``;
  the R5 guide's ``.../ae-research-ig/StructureDefinition/ae-grade`` is read
  too), a CodeableConcept bound (preferred) to the THO value set
  adverse-event-clinical-research-grades: the NCI Thesaurus codes of
  :data:`GRADE_CODES`. The extension's ``value[x]`` is not restricted to a
  CodeableConcept by the definition, so a ``valueInteger`` 1 to 5 is read as the
  grade too. ``AdverseEvent.severity`` (mild / moderate / severe) is not a grade.
- **Seriousness.** ``AdverseEvent.seriousness``, FHIR R4 code system
  adverse-event-seriousness: ``serious`` / ``non-serious``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from trialkit.errors import BundleError
from trialkit.record.model import CareSetting
from trialkit.record.shapes import codes, objects, optional_object
from trialkit.vocab import Kind, Vocabulary, vocabulary

__all__ = [
    "AE_GRADE",
    "GRADE_CODES",
    "GRADE_EXTENSIONS",
    "NCI_THESAURUS",
    "SERIOUSNESS",
    "coded_pairs",
    "ctcae_term",
    "encounter_class",
    "event_grade",
    "event_seriousness",
    "setting_of",
    "unknown_class",
    "withdrawn",
]

JSON = Any

NCI_THESAURUS = "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl"

GRADE_CODES: dict[str, int] = {
    "C41338": 1,  # Grade 1 Mild Adverse Event
    "C41339": 2,  # Grade 2 Moderate Adverse Event
    "C41340": 3,  # Grade 3 Severe Adverse Event
    "C41337": 4,  # Grade 4 Life Threatening or Disabling Adverse Event
    "C48275": 5,  # Grade 5 Death Related to Adverse Event
}
"""CTCAE grades as NCI Thesaurus codes: HL7 Terminology (THO) ValueSet
adverse-event-clinical-research-grades 1.0.0 (OID 2.16.840.1.113883.11.21027),
the binding of the Adverse Event Clinical Research IG's ``ae-grade`` extension;
its grade 5 example (adverse-event-device-death) uses C48275 the same way."""

AE_GRADE = "http://hl7.org/fhir/uv/ae-research-backport-ig/StructureDefinition/ae-grade"
"""The ``ae-grade`` extension of the HL7 Adverse Event Clinical Research R4 backport IG
(STU1, 1.0.1): the CTCAE grade of an R4 AdverseEvent."""

GRADE_EXTENSIONS = frozenset(
    {AE_GRADE, "http://hl7.org/fhir/uv/ae-research-ig/StructureDefinition/ae-grade"}
)
"""The ``ae-grade`` extensions read: the R4 backport's and the R5 guide's (STU1, 1.0.1),
which define it alike."""

SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
_SERIOUS = {"serious": True, "non-serious": False}

_V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_GRADES = "1 to 5"


def encounter_class(where: str, resource: JSON) -> tuple[str, str] | None:
    """``Encounter.class`` as ``(system, code)`` (a Coding in FHIR R4), None when absent."""
    coding = optional_object(where, "class", resource.get("class"))
    if coding is None:
        return None
    system, code = coding.get("system"), coding.get("code")
    if not isinstance(system, str) or not isinstance(code, str) or not system or not code:
        raise BundleError(f"{where}: class: needs both a system and a code (a Coding)")
    return system, code


def setting_of(
    vocab: Vocabulary, pairs: list[tuple[str, str]], klass: tuple[str, str] | None
) -> CareSetting | None:
    """The care setting of an Encounter, or None when it is not a stay trialkit reads.

    ``pairs`` are the ``(system, code)`` codings of its ``type`` and of its
    Locations' ``type``: one of ``setting.icu`` makes it an intensive care stay;
    otherwise a ``class`` of ``setting.hospital`` makes it a hospital stay.
    """
    for system, code in pairs:
        found = vocab.by_code(system, code)
        if found is not None and found.key == _ICU:
            return CareSetting.ICU
    found = None if klass is None else vocab.by_code(*klass)
    if found is not None and found.key == _HOSPITAL:
        return CareSetting.HOSPITAL
    return None


def unknown_class(vocab: Vocabulary, klass: tuple[str, str]) -> bool:
    """True for an Encounter class that trialkit does not know.

    Every class of v3 ActCode is known: the inpatient ones are stays, the others
    (AMB, EMER, FLD, HH, OBSENC, PRENC, SS, VR) are not. A class in another code
    system might be a local code for an inpatient stay: it is reported.
    """
    return klass[0] != _V3_ACT_CODE and vocab.by_code(*klass) is None


_ICU = "setting.icu"
_HOSPITAL = "setting.hospital"


def coded_pairs(where: str, field: str, codeables: JSON) -> list[tuple[str, str]]:
    """The complete ``(system, code)`` codings of a list of CodeableConcepts (``Encounter.type``)."""
    pairs: list[tuple[str, str]] = []
    for index, codeable in enumerate(objects(where, field, codeables)):
        for system, code in codes(where, f"{field}[{index}]", codeable):
            if system and code:
                pairs.append((system, code))
    return pairs


def ctcae_term(vocab: Vocabulary, pairs: list[tuple[str, str]], text: str | None) -> str | None:
    """The CTCAE v5.0 term key an AdverseEvent's ``event`` names, or None.

    The first coding that is a term's MedDRA code (the vocabulary's ``ae.<key>``
    concepts), else ``event.text`` equal to the term as CTCAE v5.0 prints it, case
    aside ("Febrile neutropenia"). A coding's ``display`` is never matched: it names
    its own code, which trialkit does not know.
    """
    for system, code in pairs:
        found = vocab.by_code(system, code)
        if found is not None and found.kind is Kind.ADVERSE_EVENT:
            return found.key.removeprefix(_AE_PREFIX)
    if text is None:
        return None
    return _terms_by_text().get(text.strip().casefold())


_AE_PREFIX = "ae."


@cache
def _terms_by_text() -> dict[str, str]:
    return {
        item.display.casefold(): item.key.removeprefix(_AE_PREFIX)
        for item in vocabulary().values()
        if item.kind is Kind.ADVERSE_EVENT
    }


def event_grade(where: str, resource: JSON) -> tuple[int | None, tuple[str, ...]]:
    """The CTCAE grade of an AdverseEvent, and the grade codings trialkit does not know.

    A grade outside 1 to 5, two different grades, or a value of another type is
    an error naming the field.
    """
    found: int | None = None
    unknown: tuple[str, ...] = ()
    for index, extension in enumerate(objects(where, "extension", resource.get("extension"))):
        if extension.get("url") not in GRADE_EXTENSIONS:
            continue
        field = f"extension[{index}] (ae-grade)"
        grade, seen = _grade(where, field, extension)
        unknown += seen
        if grade is not None:
            if found is not None and found != grade:
                raise BundleError(f"{where}: {field}: a second grade ({grade}, after {found})")
            found = grade
    return found, unknown


def _grade(
    where: str, field: str, extension: dict[str, JSON]
) -> tuple[int | None, tuple[str, ...]]:
    if "valueInteger" in extension:
        value = extension["valueInteger"]
        if type(value) is not int or not 1 <= value <= 5:
            raise BundleError(
                f"{where}: {field}.valueInteger: {value!r} is not a CTCAE grade ({_GRADES})"
            )
        return value, ()
    if "valueCodeableConcept" not in extension:
        given = next((key for key in extension if key.startswith("value")), None)
        raise BundleError(
            f"{where}: {field}: the grade must be a valueCodeableConcept (NCI Thesaurus grade "
            f"code) or a valueInteger ({_GRADES}), got {given or 'no value'}"
        )
    pairs = codes(where, f"{field}.valueCodeableConcept", extension["valueCodeableConcept"])
    for system, code in pairs:
        if system == NCI_THESAURUS and code in GRADE_CODES:
            return GRADE_CODES[code], ()
    return None, tuple(f"{system}|{code}" for system, code in pairs)


def event_seriousness(where: str, resource: JSON) -> tuple[bool | None, tuple[str, ...]]:
    """``serious`` / ``non-serious`` as True / False; None (with the codings) otherwise."""
    pairs = codes(where, "seriousness", resource.get("seriousness"))
    for system, code in pairs:
        if system == SERIOUSNESS and code in _SERIOUS:
            return _SERIOUS[code], ()
    return None, tuple(f"{system}|{code}" for system, code in pairs)


def withdrawn(where: str, resource: JSON) -> bool:
    """True when a modifier extension says the resource was entered in error.

    FHIR R4 AdverseEvent has no status; the Adverse Event Clinical Research R4
    backport IG adds one as a modifier extension "because it is a status element
    that contains status entered-in-error which means that the resource should
    not be treated as valid" (its isModifierReason). A ``valueCode``
    ``entered-in-error`` in any modifier extension is read so.
    """
    return any(
        extension.get("valueCode") == "entered-in-error"
        for extension in objects(where, "modifierExtension", resource.get("modifierExtension"))
    )
