"""Writing a patient as a FHIR bundle: the inverse of :mod:`trialkit.record.fhir`.

:class:`BundleBuilder` writes bundles in trialkit's FHIR input profile
(``docs/fhir-input.md``) from short Python calls, choosing each concept's
standard code from the vocabulary, so that fixtures never spell a code. Users
reach it as :class:`trialkit.testing.BundleBuilder`; it lives in the record
layer so that the simulated trial cohorts of :mod:`trialkit.synth.trial` can
write their bundles with it too.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from trialkit.record.events import AE_GRADE, GRADE_CODES, NCI_THESAURUS, SERIOUSNESS
from trialkit.record.genomics import ALTERATION_SYSTEM
from trialkit.units import commensurable
from trialkit.vocab import PROJECT_SYSTEM, SYSTEMS, Concept, concept

__all__ = ["BundleBuilder"]

JSONObject = dict[str, Any]
_PREFERRED = ("loinc", "snomed", "rxnorm", "atc", "hgnc", "icd10")


def _when(value: date | datetime | str) -> str:
    return value if isinstance(value, str) else value.isoformat()


def coding_for(item: Concept, unit: str | None = None) -> JSONObject:
    """The standard coding a hospital would send for ``item`` (project code if none)."""
    for system in _PREFERRED:
        for code in item.codes:
            if code.system != system:
                continue
            if unit is not None and code.unit is not None and not commensurable(code.unit, unit):
                continue
            return {"system": SYSTEMS[system], "code": code.code, "display": code.display}
    return {"system": PROJECT_SYSTEM, "code": item.key, "display": item.display}


def _code_of(item: Concept, system: str) -> JSONObject:
    """The first code of ``item`` in ``system`` (a short name of ``SYSTEMS``) as a coding."""
    code = next(c for c in item.codes if c.system == system)
    return {"system": SYSTEMS[system], "code": code.code, "display": code.display}


# The resource type, code field and date field of a statement of absence, by history.
_ABSENCE_RESOURCE = {
    "problems": ("Condition", "code", "recordedDate"),
    "medications": ("MedicationStatement", "medicationCodeableConcept", "dateAsserted"),
    "procedures": ("Procedure", "code", "performedDateTime"),
    "allergies": ("AllergyIntolerance", "code", "recordedDate"),
}


class BundleBuilder:
    """Builds one patient's FHIR R4 collection Bundle."""

    def __init__(
        self,
        patient_id: str = "patient-1",
        birth_date: date | str | None = "2015-01-01",
        gender: str = "female",
    ) -> None:
        self.patient_id = patient_id
        patient: JSONObject = {"resourceType": "Patient", "id": patient_id, "gender": gender}
        if birth_date is not None:
            patient["birthDate"] = _when(birth_date)
        self.entries: list[JSONObject] = [patient]
        self._count = 0

    def _id(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}-{self._count}"

    def _add(self, resource: JSONObject) -> str:
        self.entries.append(resource)
        return f"{resource['resourceType']}/{resource['id']}"

    def _subject(self) -> JSONObject:
        return {"reference": f"Patient/{self.patient_id}"}

    def quantity(
        self,
        key: str,
        value: float,
        unit: str,
        at: date | datetime | str,
        *,
        reference: tuple[float | None, float | None] | None = None,
        interpretation: str | None = None,
    ) -> str:
        """An Observation with a valueQuantity (a lab or a vital sign)."""
        item = concept(key)
        resource: JSONObject = {
            "resourceType": "Observation",
            "id": self._id("obs"),
            "status": "final",
            "code": {"coding": [coding_for(item, unit)]},
            "subject": self._subject(),
            "effectiveDateTime": _when(at),
            "valueQuantity": {
                "value": value,
                "unit": unit,
                "system": "http://unitsofmeasure.org",
                "code": unit,
            },
        }
        if reference is not None:
            bounds: JSONObject = {}
            for side, bound in zip(("low", "high"), reference, strict=True):
                if bound is not None:
                    bounds[side] = {
                        "value": bound,
                        "system": "http://unitsofmeasure.org",
                        "code": unit,
                    }
            resource["referenceRange"] = [bounds]
        if interpretation is not None:
            resource["interpretation"] = [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                            "code": interpretation,
                        }
                    ]
                }
            ]
        return self._add(resource)

    def flag(self, key: str, value: bool, at: date | datetime | str) -> str:
        """An Observation with a valueBoolean (a finding or an attestation)."""
        return self._add(
            {
                "resourceType": "Observation",
                "id": self._id("obs"),
                "status": "final",
                "code": {"coding": [coding_for(concept(key))]},
                "subject": self._subject(),
                "effectiveDateTime": _when(at),
                "valueBoolean": value,
            }
        )

    def condition(
        self,
        key: str,
        onset: date | datetime | str,
        abatement: date | datetime | str | None = None,
        verification: str = "confirmed",
        recorded: date | datetime | str | None = None,
    ) -> str:
        """A Condition with its onset (and abatement, and the date it was recorded)."""
        resource: JSONObject = {
            "resourceType": "Condition",
            "id": self._id("cond"),
            "code": {"coding": [coding_for(concept(key))]},
            "subject": self._subject(),
            "onsetDateTime": _when(onset),
            "verificationStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                        "code": verification,
                    }
                ]
            },
        }
        if abatement is not None:
            resource["abatementDateTime"] = _when(abatement)
        if recorded is not None:
            resource["recordedDate"] = _when(recorded)
        return self._add(resource)

    def medication(
        self,
        key: str,
        start: date | datetime | str,
        end: date | datetime | str | None = None,
        *,
        kind: str = "MedicationStatement",
        status: str | None = None,
        rate: tuple[float, str] | None = None,
        dose: tuple[float, str] | None = None,
        route: str | None = None,
    ) -> str:
        """A MedicationStatement or MedicationAdministration over [start, end].

        ``route`` is a route concept key (``route.intrathecal``), sent as ``dosage.route``.
        """
        period: JSONObject = {"start": _when(start)}
        if end is not None:
            period["end"] = _when(end)
        resource: JSONObject = {
            "resourceType": kind,
            "id": self._id("med"),
            "status": status or ("completed" if kind == "MedicationAdministration" else "active"),
            "medicationCodeableConcept": {"coding": [coding_for(concept(key))]},
            "subject": self._subject(),
            "effectivePeriod": period,
        }

        def ucum(pair: tuple[float, str]) -> JSONObject:
            return {"value": pair[0], "system": "http://unitsofmeasure.org", "code": pair[1]}

        dosage: JSONObject = {}
        if route is not None:
            dosage["route"] = {"coding": [coding_for(concept(route))]}
        if kind == "MedicationAdministration":
            if dose is not None:
                dosage["dose"] = ucum(dose)
            if rate is not None:
                dosage["rateQuantity"] = ucum(rate)
            if dosage:
                resource["dosage"] = dosage
        else:
            if dose is not None or rate is not None:
                step: JSONObject = {}
                if dose is not None:
                    step["doseQuantity"] = ucum(dose)
                if rate is not None:
                    step["rateQuantity"] = ucum(rate)
                dosage["doseAndRate"] = [step]
            if dosage:
                resource["dosage"] = [dosage]
        return self._add(resource)

    def allergy(
        self, key: str, onset: date | datetime | str, verification: str = "confirmed"
    ) -> str:
        """An AllergyIntolerance to a drug (or a hypersensitivity condition) since ``onset``."""
        return self._add(
            {
                "resourceType": "AllergyIntolerance",
                "id": self._id("allergy"),
                "code": {"coding": [coding_for(concept(key))]},
                "patient": self._subject(),
                "onsetDateTime": _when(onset),
                "verificationStatus": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/"
                            "allergyintolerance-verification",
                            "code": verification,
                        }
                    ]
                },
            }
        )

    def absence(self, key: str, at: date | datetime | str) -> str:
        """A statement of absence (``absence.medications``: "no known medications") at ``at``.

        Sent as the IPS does: on the resource type of its history, coded with the
        statement's standard code.
        """
        kind, field, date_field = _ABSENCE_RESOURCE[key.split(".", 1)[1].split("_")[-1]]
        resource: JSONObject = {
            "resourceType": kind,
            "id": self._id("none"),
            field: {"coding": [coding_for(concept(key))]},
            date_field: _when(at),
        }
        if kind in ("MedicationStatement", "Procedure"):
            resource["status"] = "active" if kind == "MedicationStatement" else "completed"
        resource["patient" if kind == "AllergyIntolerance" else "subject"] = self._subject()
        return self._add(resource)

    def procedure(
        self,
        key: str,
        start: date | datetime | str,
        end: date | datetime | str | None = None,
        status: str = "completed",
    ) -> str:
        """A Procedure performed at a time or over a period."""
        resource: JSONObject = {
            "resourceType": "Procedure",
            "id": self._id("proc"),
            "status": status,
            "code": {"coding": [coding_for(concept(key))]},
            "subject": self._subject(),
        }
        if end is None:
            resource["performedDateTime"] = _when(start)
        else:
            resource["performedPeriod"] = {"start": _when(start), "end": _when(end)}
        return self._add(resource)

    def stay(
        self,
        setting: str,
        start: date | datetime | str,
        end: date | datetime | str | None = None,
        status: str | None = None,
        discharge: tuple[str, str] | None = None,
    ) -> str:
        """An inpatient Encounter: ``setting`` ``hospital`` (class IMP) or ``icu`` (class IMP,
        typed intensive care unit). Without ``end`` the stay is in progress."""
        item = concept(f"setting.{setting}")
        resource: JSONObject = {
            "resourceType": "Encounter",
            "id": self._id("enc"),
            "status": status or ("in-progress" if end is None else "finished"),
            "class": _code_of(concept("setting.hospital"), "v3-actcode"),
            "subject": self._subject(),
            "period": {"start": _when(start)},
        }
        if setting == "icu":
            resource["type"] = [{"coding": [_code_of(item, "v3-rolecode")]}]
        if end is not None:
            resource["period"]["end"] = _when(end)
        if discharge is not None:
            system, code = discharge
            resource["hospitalization"] = {
                "dischargeDisposition": {"coding": [{"system": system, "code": code}]}
            }
        return self._add(resource)

    def adverse_event(
        self,
        term: str,
        onset: date | datetime | str,
        grade: int | None = None,
        serious: bool | None = None,
    ) -> str:
        """An AdverseEvent of a CTCAE term (its key: ``febrile_neutropenia``) coded in MedDRA,
        with its grade in the HL7 AE Clinical Research IG's ``ae-grade`` extension."""
        resource: JSONObject = {
            "resourceType": "AdverseEvent",
            "id": self._id("ae"),
            "actuality": "actual",
            "subject": self._subject(),
            "event": {"coding": [_code_of(concept(f"ae.{term}"), "meddra")]},
            "date": _when(onset),
        }
        if grade is not None:
            code = next(c for c, g in GRADE_CODES.items() if g == grade)
            resource["extension"] = [
                {
                    "url": AE_GRADE,
                    "valueCodeableConcept": {"coding": [{"system": NCI_THESAURUS, "code": code}]},
                }
            ]
        if serious is not None:
            resource["seriousness"] = {
                "coding": [{"system": SERIOUSNESS, "code": "serious" if serious else "non-serious"}]
            }
        return self._add(resource)

    def variant(
        self,
        genes: tuple[str | JSONObject, ...],
        alteration: str,
        at: date | datetime | str,
        protein_change: str | None = None,
    ) -> str:
        """A genomic variant Observation (gene components, alteration type, protein change).

        A gene is a concept key, or a coding as sent (a gene outside the vocabulary).
        """
        components: list[JSONObject] = []
        for gene in genes:
            coding = gene if isinstance(gene, dict) else coding_for(concept(gene))
            components.append(
                {
                    "code": {"coding": [{"system": "http://loinc.org", "code": "48018-6"}]},
                    "valueCodeableConcept": {"coding": [coding]},
                }
            )
        components.append(
            {
                "code": {"coding": [{"system": PROJECT_SYSTEM, "code": "genomic.alteration_type"}]},
                "valueCodeableConcept": {
                    "coding": [{"system": ALTERATION_SYSTEM, "code": alteration}]
                },
            }
        )
        if protein_change is not None:
            components.append(
                {
                    "code": {"coding": [{"system": "http://loinc.org", "code": "48005-3"}]},
                    "valueString": protein_change,
                }
            )
        return self._add(
            {
                "resourceType": "Observation",
                "id": self._id("var"),
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "69548-6"}]},
                "subject": self._subject(),
                "effectiveDateTime": _when(at),
                "component": components,
            }
        )

    def resource(self, resource: JSONObject) -> str:
        """Any resource as a hospital sends it (the caller writes its codes); gets an id if none."""
        resource = dict(resource)
        resource.setdefault("id", self._id(str(resource.get("resourceType", "r")).lower()))
        return self._add(resource)

    def build(self) -> JSONObject:
        """The Bundle as a JSON-ready dict."""
        return {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {"fullUrl": f"urn:trialkit:{r['resourceType']}/{r['id']}", "resource": r}
                for r in self.entries
            ],
        }
