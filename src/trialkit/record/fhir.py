"""FHIR R4 Bundle (JSON) → :class:`PatientRecord`.

The accepted input (the "FHIR input profile") is documented for integrators in
``docs/fhir-input.md``; this module is its executable definition. Structural
problems (not JSON, not a Bundle, a dated resource without a date, a unit that
cannot express the concept, an implausible value) raise :class:`BundleError`
or its siblings with the resource and the field named. Codes that trialkit does
not know are not fatal: the resource is skipped and listed in
``PatientRecord.unknown_codes``.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from trialkit._files import read_regular
from trialkit.errors import BundleError, TrialkitInputError, UnitError
from trialkit.record.events import (
    coded_pairs,
    ctcae_term,
    encounter_class,
    event_grade,
    event_seriousness,
    setting_of,
    unknown_class,
    withdrawn,
)
from trialkit.record.genomics import GENOMIC_VARIANT_CODES, read_variant, variant_not_found
from trialkit.record.model import (
    EARLIEST,
    AdverseEvent,
    Condition,
    Exposure,
    Observation,
    Procedure,
    Sex,
    Stay,
    UnknownCode,
)
from trialkit.record.patient import PatientRecord, group_observations
from trialkit.record.shapes import codes, first_code, objects, optional_object
from trialkit.units import (
    Quantity,
    check_unit,
    commensurable,
    conversion,
    dimension,
    to_canonical,
)
from trialkit.vocab import Code, Concept, Kind, ValueType, answer_truth, concept, vocabulary

__all__ = ["MAX_BUNDLE_BYTES", "parse_bundle", "read_bundle", "record_from_bundle"]

MAX_BUNDLE_BYTES = 256 * 2**20
"""The largest bundle file read (one patient's bundle is kilobytes to a few megabytes)."""

UCUM = "http://unitsofmeasure.org"
_SKIPPED_STATUS = frozenset({"entered-in-error", "cancelled", "not-done"})
# An Observation "registered" exists but has no result yet (FHIR R4 observation-status).
_SKIPPED_OBSERVATION_STATUS = _SKIPPED_STATUS | {"registered"}
# Condition.abatement[x] forms that say the condition ended without giving a date
# (abatementBoolean is STU3's shape; true means abated).
_UNDATED_ABATEMENT = ("abatementString", "abatementAge", "abatementRange", "abatementPeriod")
# A List (a record section) whose emptyReason is "nil known" states that its history is
# empty (FHIR R4 list-empty-reason); the other reasons (not asked, withheld, ...) close nothing.
_LIST_EMPTY = ("http://terminology.hl7.org/CodeSystem/list-empty-reason", "nilknown")
# Where a statement of absence carries its date, by resource type.
_STATEMENT_DATES = (
    "recordedDate",
    "dateAsserted",
    "date",
    "effectiveDateTime",
    "effectivePeriod.start",
    "onsetDateTime",
    "onsetPeriod.start",
    "performedDateTime",
    "performedPeriod.start",
    "authoredOn",
)
# When a medication resource was written: nothing it says is known before then.
_RECORDED = {
    "MedicationStatement": "dateAsserted",
    "MedicationRequest": "authoredOn",
}
# FHIR R4 Encounter.status (required binding, encounter-status). A planned, cancelled or
# erroneous encounter is no stay; the others began (arrived and triaged: the patient is there).
_ENCOUNTER_STATUS = frozenset(
    {
        "planned",
        "arrived",
        "triaged",
        "in-progress",
        "onleave",
        "finished",
        "cancelled",
        "entered-in-error",
        "unknown",
    }
)
_NO_STAY = frozenset({"planned", "cancelled", "entered-in-error"})
# When an adverse event happened: AdverseEvent.date ("when the event occurred"), else when it
# was detected, else when it was recorded (FHIR R4 AdverseEvent; the later two are later bounds).
_AE_DATES = ("date", "detected", "recordedDate")
# effective[x] and performed[x]: the dateTime, instant and Period forms.
_DATED_FIELDS = {
    stem: (f"{stem}DateTime", f"{stem}Instant", f"{stem}Period")
    for stem in ("effective", "performed")
}
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$")

JSON = Any
_EXPECTED_VALUE = {
    ValueType.QUANTITY: "a valueQuantity",
    ValueType.BOOLEAN: "a valueBoolean or a present/absent valueCodeableConcept",
    ValueType.CODED: "a valueCodeableConcept or a valueString",
    ValueType.NONE: "no value",
}


def read_bundle(path: str | Path) -> PatientRecord:
    """Load a FHIR R4 Bundle from a JSON file: a regular file of :data:`MAX_BUNDLE_BYTES` at most."""
    file = Path(path)
    return parse_bundle(read_regular(file, MAX_BUNDLE_BYTES, BundleError), origin=str(file))


def parse_bundle(text: str | bytes, origin: str = "bundle") -> PatientRecord:
    """Load a FHIR R4 Bundle from JSON text."""
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise BundleError(f"{origin}: not valid JSON ({error})") from None
    return record_from_bundle(data, origin=origin)


def parse_datetime(value: JSON, where: str) -> datetime:
    """A FHIR date or dateTime as a naive wall-clock datetime (the offset is dropped)."""
    parsed = _datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise _not_a_datetime(where, value)
    return parsed


def _time_of(where: str, field: str, value: JSON) -> datetime:
    """:func:`parse_datetime` of ``field``, naming the place only when the value is bad."""
    parsed = _datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise _not_a_datetime(f"{where}: {field}", value)
    return parsed


def _not_a_datetime(where: str, value: JSON) -> BundleError:
    if isinstance(value, str) and _DATETIME.match(value) and _parsed(value) is not None:
        return BundleError(
            f"{where}: {value!r} is before {EARLIEST:%Y-%m-%d}, the earliest date trialkit reads"
        )
    return BundleError(
        f"{where}: {value!r} is not a full FHIR date or dateTime (YYYY-MM-DD[Thh:mm[:ss][±hh:mm]])"
    )


@lru_cache(maxsize=8192)
def _datetime(value: str) -> datetime | None:
    """The date-time, or None when malformed or before :data:`EARLIEST` (the caller says which)."""
    # A bundle repeats the same few timestamps many times; parse each once.
    if not _DATETIME.match(value):
        return None
    parsed = _parsed(value)
    return parsed if parsed is not None and parsed >= EARLIEST else None


def _parsed(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is None else parsed.replace(tzinfo=None)


def record_from_bundle(data: JSON, origin: str = "bundle") -> PatientRecord:
    """Build the record from a parsed Bundle (a dict)."""
    if not isinstance(data, dict):
        raise BundleError(f"{origin}: expected a JSON object (a FHIR Bundle)")
    kind = data.get("resourceType")
    if kind != "Bundle":
        raise BundleError(f"{origin}: resourceType is {kind!r}, expected 'Bundle'")
    entries = data.get("entry")
    if not isinstance(entries, list):
        raise BundleError(f"{origin}: Bundle.entry must be a list of entries")
    return _Reader(origin).read(entries)


class _Reader:
    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.vocab = vocabulary()
        self.observations: list[Observation] = []
        self.conditions: list[Condition] = []
        self.exposures: list[Exposure] = []
        self.procedures: list[Procedure] = []
        self.stays: list[Stay] = []
        self.adverse_events: list[AdverseEvent] = []
        self.locations: dict[str, tuple[str, JSON]] = {}
        self.genomics: list[Any] = []
        self.unknown: list[UnknownCode] = []
        self.medications: dict[str, JSON] = {}
        self.patient: JSON = None
        self.patient_where = ""

    # -- driver ---------------------------------------------------------------------------------
    def read(self, entries: list[JSON]) -> PatientRecord:
        # Two parallel lists rather than a pair per entry: fewer objects for the collector.
        places: list[str] = []
        resources: list[dict[str, JSON]] = []
        # FHIR: ids are unique within a bundle; two resources under one id would
        # leave one of them to be picked silently.
        seen: dict[tuple[str, JSON], int] = {}
        for index, entry in enumerate(entries):
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if not isinstance(resource, dict):
                raise BundleError(f"{self.origin}: Bundle.entry[{index}] has no resource object")
            kind = resource.get("resourceType")
            if not isinstance(kind, str):
                raise BundleError(
                    f"{self.origin}: Bundle.entry[{index}]: resourceType: must be a string, "
                    f"got {kind!r}"
                )
            ident = resource.get("id")
            where = f"{kind}/{ident}" if ident else f"Bundle.entry[{index}] ({kind})"
            if ident:
                key = ident if type(ident) is str else repr(ident)  # an id may be any JSON
                first = seen.setdefault((kind, key), index)
                if first != index:
                    raise BundleError(
                        f"{where}: a second resource with this id (Bundle.entry[{first}] and "
                        f"Bundle.entry[{index}]); ids must be unique within a bundle"
                    )
            if kind == "Medication":
                full_url = entry.get("fullUrl")
                if full_url is not None and not isinstance(full_url, str):
                    raise BundleError(f"{where}: fullUrl: must be a string, got {full_url!r}")
                for ref in (f"Medication/{ident}" if ident else None, full_url):
                    if ref:
                        self.medications[ref] = resource
            elif kind == "Location":
                full_url = entry.get("fullUrl")
                for ref in (f"Location/{ident}" if ident else None, full_url):
                    if isinstance(ref, str) and ref:
                        self.locations[ref] = (where, resource)
            places.append(where)
            resources.append(resource)
        for where, resource in zip(places, resources, strict=True):
            try:
                self._dispatch(where, resource)
            except TrialkitInputError as error:
                if str(error).startswith(where):
                    raise
                raise type(error)(f"{where}: {error}") from None
        return self._build()

    def _dispatch(self, where: str, resource: JSON) -> None:
        kind = resource.get("resourceType")
        if kind == "Patient":
            if self.patient is not None:
                raise BundleError(
                    f"{where}: a bundle describes one patient; found a second Patient"
                )
            self.patient, self.patient_where = resource, where
        elif kind == "Observation":
            if not self._plain_quantity(where, resource):
                self._observation(where, resource)
        elif kind == "Condition":
            self._condition(where, resource)
        elif kind in {"MedicationStatement", "MedicationRequest", "MedicationAdministration"}:
            self._medication(where, kind, resource)
        elif kind == "Procedure":
            self._procedure(where, resource)
        elif kind == "AllergyIntolerance":
            self._allergy(where, resource)
        elif kind == "List":
            self._list(where, resource)
        elif kind == "Encounter":
            self._encounter(where, resource)
        elif kind == "AdverseEvent":
            self._adverse_event(where, resource)

    def _build(self) -> PatientRecord:
        if self.patient is None:
            raise BundleError(f"{self.origin}: the bundle has no Patient resource")
        patient, where = self.patient, self.patient_where
        birth: date | None = None
        if "birthDate" in patient:
            birth = parse_datetime(patient["birthDate"], f"{where}: birthDate").date()
            if "T" in patient["birthDate"]:
                raise BundleError(f"{where}: birthDate must be a date, not a dateTime")
        gender = patient.get("gender", "unknown")
        try:
            sex = Sex(gender)
        except ValueError:
            raise BundleError(
                f"{where}: gender {gender!r} is not one of female, male, other, unknown"
            ) from None
        deceased = patient.get("deceasedDateTime")
        died = patient.get("deceasedBoolean", False)
        if type(died) is not bool:
            raise BundleError(f"{where}: deceasedBoolean must be true or false, got {died!r}")
        if died and deceased is not None:
            raise BundleError(f"{where}: give deceasedBoolean or deceasedDateTime, not both")
        return PatientRecord(
            patient_id=str(patient.get("id", "")),
            birth_date=birth,
            sex=sex,
            observations=group_observations(self.observations),
            conditions=tuple(self.conditions),
            exposures=tuple(self.exposures),
            procedures=tuple(self.procedures),
            genomics=tuple(self.genomics),
            unknown_codes=tuple(self.unknown),
            deceased=parse_datetime(deceased, f"{where}: deceasedDateTime") if deceased else None,
            deceased_undated=died,
            stays=tuple(self.stays),
            adverse_events=tuple(self.adverse_events),
        )

    # -- codes ----------------------------------------------------------------------------------
    def _concept(self, where: str, field: str, codeable: JSON) -> Concept | None:
        found = self._coding(where, field, codeable)
        return None if found is None else found[0]

    def _coding(self, where: str, field: str, codeable: JSON) -> tuple[Concept, Code | None] | None:
        codings = codeable.get("coding") if isinstance(codeable, dict) else None
        if not isinstance(codings, list) or not codings:
            raise BundleError(f"{where}: {field}.coding must list at least one coding")
        for coding in codings:
            if not isinstance(coding, dict):
                raise BundleError(f"{where}: {field}.coding entries must be objects")
            system, code = coding.get("system"), coding.get("code")
            if not isinstance(system, str) or not isinstance(code, str):
                raise BundleError(f"{where}: {field}.coding needs both a system and a code")
            found = self.vocab.lookup(system, code)
            if found is not None:
                return found
        seen = tuple(f"{coding['system']}|{coding['code']}" for coding in codings)
        self.unknown.append(UnknownCode(where, field, seen, _resource_type(where)))
        return None

    def _dated_unknown(self, start: datetime, end: datetime | None) -> None:
        """Give the unknown code just recorded the resource's dates (open world windows)."""
        last = self.unknown[-1]
        self.unknown[-1] = UnknownCode(
            last.resource, last.field, last.codings, last.kind, start, end
        )

    def _statement(self, where: str, item: Concept, resource: JSON) -> None:
        """A statement of absence ("no known medications"), kept as a dated observation."""
        time = _first_time(where, resource, _STATEMENT_DATES)
        if time is None:
            raise BundleError(
                f"{where}: a statement of absence ({item.display}) needs a date: give "
                "recordedDate, dateAsserted, date or effective[x]"
            )
        self.observations.append(Observation(item.key, where, time, None, True))

    # -- resources ------------------------------------------------------------------------------
    def _plain_quantity(self, where: str, resource: JSON) -> bool:
        """Read the common result in one pass; False (having changed nothing) when it is not one.

        The common result, most of a bundle: a status that is read, a first coding the
        vocabulary knows, an ``effectiveDateTime``, a ``valueQuantity`` with a plain number
        in a UCUM unit the concept allows, a plausible value, no component or
        interpretation, and at most one plainly well-formed reference range. Every other
        Observation, and every error, takes :meth:`_observation`, which builds the same
        entry from the same resource or raises naming the field.
        """
        status = resource.get("status")
        if (
            type(status) is not str
            or not status
            or status in _SKIPPED_OBSERVATION_STATUS
            or "component" in resource
            or "interpretation" in resource
        ):
            return False
        code = resource.get("code")
        codings = code.get("coding") if type(code) is dict else None
        if type(codings) is not list or not codings or type(codings[0]) is not dict:
            return False
        raw = resource.get("valueQuantity")
        if type(raw) is not dict:
            return False
        unit = raw["code"] if "code" in raw else raw.get("unit")
        number: JSON = raw.get("value")
        if (
            type(unit) is not str
            or type(number) not in _PLAIN_NUMBERS
            or raw.get("comparator") is not None
            or raw.get("system") not in _UCUM_OR_ABSENT
        ):
            return False
        system, value_code = codings[0].get("system"), codings[0].get("code")
        if type(system) is not str or type(value_code) is not str:
            return False
        plan = _PLAIN_UNITS.get((system, value_code, unit))
        if plan is None:
            plan = self._plain_unit(system, value_code, unit)
            if plan is None:
                return False
        item, same_unit, lowest, highest = plan
        stamp = resource.get("effectiveDateTime")
        time = _datetime(stamp) if type(stamp) is str else None
        if time is None:
            return False
        low = high = None
        ranges = resource.get("referenceRange")
        if ranges is not None:
            if type(ranges) is not list or len(ranges) != 1 or type(ranges[0]) is not dict:
                return False
            bound_low = _bound_key(ranges[0].get("low"))
            bound_high = _bound_key(ranges[0].get("high"))
            if bound_low is None or bound_high is None:
                return False
            try:
                low, high = _canonical_range(item.key, bound_low, bound_high)
            except TrialkitInputError:
                return False
            if low is not None and high is not None and low > high:
                return False
        value = float(number)
        if same_unit:
            # to_canonical's identity conversion and its plausibility check
            if not lowest <= value <= highest:
                return False
            canonical = value
        else:
            try:
                canonical = to_canonical(item, value, unit)
            except TrialkitInputError:
                return False
        self.observations.append(
            Observation(
                item.key,
                where,
                time,
                None,
                canonical,
                Quantity(value, unit, item.key),
                (),
                low,
                high,
            )
        )
        return True

    def _plain_unit(self, system: str, code: str, unit: str) -> _PlainUnit | None:
        """The concept of a coding when ``unit`` is one it takes as a quantity, else None.

        With it: whether ``unit`` converts to the canonical unit as the identity, and the
        plausible range (infinite when the concept has none). Remembered in
        ``_PLAIN_UNITS`` only for an allowed unit: the table stays within the
        vocabulary's codes and their allowed units, whatever the bundles send.
        """
        found = self.vocab.lookup(system, code)
        if found is None:
            return None
        item, row = found
        if item.value_type is not ValueType.QUANTITY or item.unit is None:
            return None
        try:
            check_unit(item, unit)
            if row is not None and row.unit is not None and not commensurable(row.unit, unit):
                return None
            same_unit = unit == item.unit or conversion(unit, item.unit, item.molar_mass) == (
                1.0,
                0.0,
            )
        except TrialkitInputError:
            return None
        bounds = item.plausible
        plan = (
            item,
            same_unit,
            -math.inf if bounds is None else bounds.low,
            math.inf if bounds is None else bounds.high,
        )
        _PLAIN_UNITS[(system, code, unit)] = plan
        return plan

    def _observation(self, where: str, resource: JSON) -> None:
        status = _status(where, resource)
        if status in _SKIPPED_OBSERVATION_STATUS:
            return
        code = resource.get("code")
        time, end = _effective(where, resource, "effective")
        components = objects(where, "component", resource.get("component"))
        if not components:
            found = self._coding(where, "code", code)
            if found is not None:
                self._value(where, found, resource, time, end)
            return
        # Only a panel or a variant has components; check for a variant only then.
        if _is_variant(where, code):
            if not variant_not_found(where, resource):
                self.genomics.append(read_variant(where, resource, time, self.vocab))
            return
        found = _maybe(self, where, code)
        if found is not None:
            self._value(where, found, resource, time, end)
        for index, component in enumerate(components):
            part = f"{where}#component[{index}]"
            component_found = self._coding(part, "code", component.get("code"))
            if component_found is not None:
                self._value(part, component_found, component, time, end)

    def _value(
        self,
        where: str,
        found: tuple[Concept, Code | None],
        holder: JSON,
        time: datetime,
        end: datetime | None,
    ) -> None:
        item, code = found
        interpretations = holder.get("interpretation")
        flags = () if interpretations is None else _flags(where, interpretations)
        kind = item.value_type
        quantity: Quantity | None = None
        value: float | bool | str
        low = high = None
        if "valueQuantity" in holder:
            if kind is not ValueType.QUANTITY:
                raise BundleError(
                    f"{where}: valueQuantity given for {item.display} ({item.key}), "
                    f"which takes a {kind.value} value"
                )
            raw = _daily_total(where, holder["valueQuantity"], item, time, end)
            quantity, value = _quantity(where, "valueQuantity", raw, item)
            if (
                code is not None
                and code.unit is not None
                and not commensurable(code.unit, quantity.unit)
            ):
                raise BundleError(
                    f"{where}: valueQuantity unit {quantity.unit!r} is of the wrong dimension "
                    f"for {code.system.upper()} {code.code} ({code.display}, in {code.unit})"
                )
            low, high = _reference_range(where, holder, item)
        elif "valueBoolean" in holder:
            flag = holder["valueBoolean"]
            if not _yes_no(item) or not isinstance(flag, bool):
                raise BundleError(
                    f"{where}: valueBoolean {flag!r} does not fit {item.key} ({kind.value})"
                )
            value = flag
        elif "valueCodeableConcept" in holder:
            coded = _coded(
                where,
                holder["valueCodeableConcept"],
                ValueType.BOOLEAN if _yes_no(item) else kind,
            )
            if coded is None:
                # An answer that is neither present nor absent (equivocal, or a code
                # trialkit does not know): the value stays unknown, and is reported.
                seen = tuple(
                    f"{system}|{code}"
                    for system, code in codes(
                        where, "valueCodeableConcept", holder["valueCodeableConcept"]
                    )
                )
                self.unknown.append(
                    UnknownCode(
                        where, "valueCodeableConcept", seen, _resource_type(where), time, end
                    )
                )
                return
            value = coded
        elif "valueString" in holder and kind is ValueType.CODED:
            value = str(holder["valueString"])
        elif "dataAbsentReason" in holder:
            return
        else:
            given = next((k for k in holder if k.startswith("value")), None)
            if given is not None:
                raise BundleError(
                    f"{where}: {given}: not read for {item.display} ({item.key}), "
                    f"which takes {_EXPECTED_VALUE[kind]}"
                )
            raise BundleError(f"{where}: no value (value[x]) for {item.display} ({item.key})")
        self.observations.append(
            Observation(item.key, where, time, end, value, quantity, flags, low, high)
        )

    def _condition(self, where: str, resource: JSON) -> None:
        verification = (
            first_code(where, "verificationStatus", resource.get("verificationStatus"))
            or "confirmed"
        )
        if verification == "entered-in-error":
            return
        item = self._concept(where, "code", resource.get("code"))
        onset = _first_time(
            where,
            resource,
            ("onsetDateTime", "onsetPeriod.start", "onsetPeriod.end", "recordedDate"),
        )
        if item is not None and item.kind is Kind.ABSENCE:
            if verification != "refuted":
                self._statement(where, item, resource)
            return
        if item is None:
            if onset is not None:
                self._dated_unknown(onset, None)
            return
        if onset is None:
            raise BundleError(
                f"{where}: a Condition needs onsetDateTime, onsetPeriod.start or recordedDate"
            )
        abatement = _first_time(
            where, resource, ("abatementDateTime", "abatementPeriod.start", "abatementPeriod.end")
        )
        abated = (
            abatement is not None
            or resource.get("abatementBoolean") is True
            or any(resource.get(key) is not None for key in _UNDATED_ABATEMENT)
        )
        self.conditions.append(
            Condition(
                item.key,
                where,
                onset,
                abatement,
                verification,
                first_code(where, "clinicalStatus", resource.get("clinicalStatus")),
                abated,
                _first_time(where, resource, ("recordedDate",)),
            )
        )

    def _medication(self, where: str, kind: str, resource: JSON) -> None:
        status = _status(where, resource)
        if status == "entered-in-error":
            return
        codeable = resource.get("medicationCodeableConcept")
        if codeable is None:
            reference = optional_object(
                where, "medicationReference", resource.get("medicationReference")
            )
            ref = None if reference is None else reference.get("reference")
            medication = self.medications.get(ref) if isinstance(ref, str) else None
            if medication is None:
                raise BundleError(
                    f"{where}: needs medicationCodeableConcept, or a medicationReference "
                    f"to a Medication in the bundle (medicationReference.reference is {ref!r})"
                )
            codeable = medication.get("code")
        item = self._concept(where, "medication", codeable)
        if item is not None and item.kind is Kind.ABSENCE:
            # A statement of absence whatever its status (IPS sends it as not-taken too).
            self._statement(where, item, resource)
            return
        if status in _SKIPPED_STATUS or status == "not-taken":
            if item is None:
                self.unknown.pop()  # a medication not taken is not an unrecognised one
            return
        if item is None:
            # Never stops the bundle: an unrecognised medication is reported, dated if it can be.
            with contextlib.suppress(TrialkitInputError):
                self._dated_unknown(*_medication_period(where, kind, resource))
            return
        stamp = _RECORDED.get(kind)
        recorded = None if stamp is None else _first_time(where, resource, (stamp,))
        start, end = _medication_period(where, kind, resource)
        dosage, field = _dosage(where, kind, resource)
        if kind == "MedicationAdministration":
            held = dosage or {}
            dose = _drug_quantity(where, "dosage.dose", held.get("dose"), item)
            rate = _drug_quantity(where, "dosage.rateQuantity", held.get("rateQuantity"), item)
        else:
            dose, rate = _dose_and_rate(where, field, dosage, item)
        route = self._route(where, field, dosage, start, end)
        self.exposures.append(
            Exposure(item.key, where, kind, start, end, status, dose, rate, route, recorded)
        )

    def _route(
        self,
        where: str,
        field: str,
        dosage: dict[str, JSON] | None,
        start: datetime,
        end: datetime | None,
    ) -> str | None:
        """The route concept of a dosage (``dosage.route``), None when absent or unknown."""
        raw = None if dosage is None else dosage.get("route")
        if raw is None:
            return None
        found = self._concept(where, f"{field}.route", raw)
        if found is None:
            self._dated_unknown(start, end)
            return None
        if found.kind is not Kind.ROUTE:
            raise BundleError(
                f"{where}: {field}.route: {found.display} ({found.key}) is not a route of "
                "administration"
            )
        return found.key

    def _procedure(self, where: str, resource: JSON) -> None:
        status = _status(where, resource)
        if status == "entered-in-error":
            return
        item = self._concept(where, "code", resource.get("code"))
        if item is not None and item.kind is Kind.ABSENCE:
            # A statement of absence whatever its status (IPS sends it as not-done too).
            self._statement(where, item, resource)
            return
        if status in _SKIPPED_STATUS:
            if item is None:
                self.unknown.pop()  # a procedure not done is not an unrecognised one
            return
        if item is None:
            with contextlib.suppress(TrialkitInputError):
                done, end = _effective(where, resource, "performed")
                self._dated_unknown(done, end or done)
            return
        start, end = _effective(where, resource, "performed")
        self.procedures.append(Procedure(item.key, where, start, end, status))

    def _allergy(self, where: str, resource: JSON) -> None:
        """An AllergyIntolerance: a drug allergy is the hypersensitivity conditions it is.

        A statement of absence ("no known allergies") closes the allergy history.
        An allergy to a drug that no criterion names is read and kept out of the
        record; one to a substance trialkit does not know is listed as unknown.
        """
        verification = (
            first_code(where, "verificationStatus", resource.get("verificationStatus"))
            or "confirmed"
        )
        if verification == "entered-in-error":
            return
        item = self._concept(where, "code", resource.get("code"))
        if item is not None and item.kind is Kind.ABSENCE:
            if verification != "refuted":
                self._statement(where, item, resource)
            return
        onset = _first_time(where, resource, ("onsetDateTime", "onsetPeriod.start", "recordedDate"))
        if item is None:
            if onset is not None:
                self._dated_unknown(onset, None)
            return
        if onset is None:
            raise BundleError(
                f"{where}: an AllergyIntolerance needs onsetDateTime, onsetPeriod.start or "
                "recordedDate"
            )
        if item.kind is Kind.CONDITION:
            keys: tuple[str, ...] = (item.key,)
        elif item.kind in (Kind.DRUG, Kind.DRUG_CLASS):
            keys = self.vocab.allergy_conditions(item.key)
        else:
            raise BundleError(
                f"{where}: code: {item.display} ({item.key}) is not a substance or an allergy"
            )
        status = first_code(where, "clinicalStatus", resource.get("clinicalStatus"))
        recorded = _first_time(where, resource, ("recordedDate",))
        for key in keys:
            self.conditions.append(
                Condition(key, where, onset, None, verification, status, False, recorded)
            )

    def _encounter(self, where: str, resource: JSON) -> None:
        """An Encounter: a hospital or intensive care stay (:mod:`trialkit.record.events`).

        Other encounters (ambulatory, emergency, virtual, ...) are not read. A class
        in a code system trialkit does not know is an unknown code (the open world).
        """
        status = _status(where, resource)
        if status not in _ENCOUNTER_STATUS:
            raise BundleError(
                f"{where}: status {status!r} is not a FHIR R4 Encounter status "
                f"({', '.join(sorted(_ENCOUNTER_STATUS))})"
            )
        if status in _NO_STAY:
            return
        klass = encounter_class(where, resource)
        pairs = coded_pairs(where, "type", resource.get("type"))
        for index, place in enumerate(objects(where, "location", resource.get("location"))):
            field = f"location[{index}].location"
            reference = optional_object(where, field, place.get("location"))
            target = None if reference is None else reference.get("reference")
            found = self.locations.get(target) if isinstance(target, str) else None
            if found is not None:
                pairs += coded_pairs(found[0], "type", found[1].get("type"))
        setting = setting_of(self.vocab, pairs, klass)
        if setting is None:
            if klass is None or not unknown_class(self.vocab, klass):
                return
            self.unknown.append(
                UnknownCode(where, "class", (f"{klass[0]}|{klass[1]}",), "Encounter")
            )
            with contextlib.suppress(TrialkitInputError):
                self._dated_unknown(*self._stay_period(where, resource))
            return
        start, end = self._stay_period(where, resource)
        if end is None and status == "finished":
            raise BundleError(
                f"{where}: period.end is required for a finished stay (the discharge); "
                "an ongoing stay is in-progress"
            )
        hospitalization = optional_object(where, "hospitalization", resource.get("hospitalization"))
        discharge = next(
            (
                f"{system}|{code}"
                for system, code in codes(
                    where,
                    "hospitalization.dischargeDisposition",
                    (hospitalization or {}).get("dischargeDisposition"),
                )
                if system and code
            ),
            None,
        )
        self.stays.append(Stay(setting, where, start, end, status, discharge))

    @staticmethod
    def _stay_period(where: str, resource: JSON) -> tuple[datetime, datetime | None]:
        period = optional_object(where, "period", resource.get("period"))
        if period is None or "start" not in period:
            raise BundleError(f"{where}: no date: give period.start (the admission)")
        return _period(where, "period", period)

    def _adverse_event(self, where: str, resource: JSON) -> None:
        """An AdverseEvent (actuality ``actual``): its CTCAE term, grade, onset and seriousness.

        A potential event (a near miss) is not read; one whose modifier extension says
        entered-in-error is skipped. An event none of whose codings is a CTCAE term
        trialkit knows is kept (``term`` None) and its codings listed as unknown.
        """
        if withdrawn(where, resource):
            return
        actuality = resource.get("actuality")
        if actuality == "potential":
            return
        if actuality not in (None, "actual"):
            raise BundleError(f"{where}: actuality {actuality!r} is not actual or potential")
        onset = _first_time(where, resource, _AE_DATES)
        if onset is None:
            raise BundleError(
                f"{where}: no date: give date (when the adverse event occurred), detected or "
                "recordedDate"
            )
        event = optional_object(where, "event", resource.get("event")) or {}
        pairs: list[tuple[str, str]] = []
        for index, (system, code) in enumerate(codes(where, "event", event)):
            if not system or not code:
                raise BundleError(f"{where}: event.coding[{index}] needs both a system and a code")
            pairs.append((system, code))
        text = event.get("text")
        if text is not None and not isinstance(text, str):
            raise BundleError(f"{where}: event.text: must be a string, got {text!r}")
        if text is None:
            first = objects(where, "event.coding", event.get("coding"))[:1]
            display = first[0].get("display") if first else None
            text = display if isinstance(display, str) else None
        term = ctcae_term(self.vocab, pairs, event.get("text"))
        codings = tuple(f"{system}|{code}" for system, code in pairs)
        if term is None and codings:
            self.unknown.append(UnknownCode(where, "event", codings, "AdverseEvent", onset))
        grade, unknown_grade = event_grade(where, resource)
        if unknown_grade:
            self.unknown.append(
                UnknownCode(where, "extension (ae-grade)", unknown_grade, "AdverseEvent", onset)
            )
        serious, unknown_seriousness = event_seriousness(where, resource)
        if unknown_seriousness:
            self.unknown.append(
                UnknownCode(where, "seriousness", unknown_seriousness, "AdverseEvent", onset)
            )
        self.adverse_events.append(AdverseEvent(where, term, codings, text, grade, onset, serious))

    def _list(self, where: str, resource: JSON) -> None:
        """A record section as a List: empty (``emptyReason`` nil known) or complete.

        FHIR R4 List: an empty list with emptyReason ``nilknown`` states its
        history empty; a list with entries whose status is ``current`` and mode
        ``working`` is "the master list, maintained in an ongoing fashion", which
        states its history complete. Any other list (a snapshot, retired, or empty
        for another reason: not asked, withheld) states nothing.
        """
        if _LIST_EMPTY in codes(where, "emptyReason", resource.get("emptyReason")):
            complete = False
        elif (
            resource.get("status") == "current"
            and resource.get("mode") == "working"
            and objects(where, "entry", resource.get("entry"))
        ):
            complete = True
        else:
            return
        for system, code in codes(where, "code", resource.get("code")):
            item = self.vocab.section_absence(str(system), str(code), complete)
            if item is not None:
                self._statement(where, item, resource)
                return


# -- small readers ------------------------------------------------------------------------------
def _maybe(reader: _Reader, where: str, code: JSON) -> tuple[Concept, Code | None] | None:
    # A panel (blood pressure, GCS) may carry a code trialkit does not need; only
    # its components matter then, so an unknown panel code is not reported.
    for system, value in codes(where, "code", code):
        found = reader.vocab.lookup(str(system), str(value))
        if found is not None:
            return found
    return None


def _medication_period(where: str, kind: str, resource: JSON) -> tuple[datetime, datetime | None]:
    """The exposure period of a medication resource (a single administration: start = end)."""
    if kind == "MedicationRequest":
        instructions = objects(where, "dosageInstruction", resource.get("dosageInstruction"))
        return _request_period(where, resource, instructions)
    start, end = _effective(where, resource, "effective")
    if kind == "MedicationAdministration" and end is None:
        end = start
    return start, end


def _dosage(where: str, kind: str, resource: JSON) -> tuple[dict[str, JSON] | None, str]:
    """The (first) dosage of a medication resource and its field name."""
    if kind == "MedicationRequest":
        instructions = objects(where, "dosageInstruction", resource.get("dosageInstruction"))
        return (instructions[0] if instructions else None), "dosageInstruction[0]"
    if kind == "MedicationAdministration":
        return optional_object(where, "dosage", resource.get("dosage")), "dosage"
    dosages = objects(where, "dosage", resource.get("dosage"))
    return (dosages[0] if dosages else None), "dosage[0]"


def _yes_no(item: Concept) -> bool:
    """Whether an Observation of ``item`` says yes or no: a finding, or a diagnosis observed
    present or absent (an Observation coded with a condition's code)."""
    return item.value_type is ValueType.BOOLEAN or (
        item.value_type is ValueType.NONE and item.kind is Kind.CONDITION
    )


# A volume over a collection period read as a daily total: the periods mimic-code's SOFA
# accepts for a 24-hour urine output (22 to 30 hours, scaled to 24; MIT-LCP/mimic-code,
# mimic-iv/concepts/measurement/urine_output_rate.sql).
_DAILY_PERIOD_HOURS = (22.0, 30.0)


def _daily_total(
    where: str, raw: JSON, item: Concept, start: datetime, end: datetime | None
) -> JSON:
    """``raw`` as given, or a volume over ``effectivePeriod`` as a per-day rate (mL -> mL/d)."""
    if not isinstance(raw, dict) or item.unit is None or not item.unit.endswith("/d"):
        return raw
    unit = raw["code"] if "code" in raw else raw.get("unit")
    value = raw.get("value")
    if not isinstance(unit, str) or isinstance(value, bool) or not isinstance(value, int | float):
        return raw
    try:
        volume = commensurable(f"{unit}/d", item.unit) and not commensurable(unit, item.unit)
    except TrialkitInputError:
        return raw
    if not volume:
        return raw
    hours = None if end is None else (end - start).total_seconds() / 3600
    low, high = _DAILY_PERIOD_HOURS
    if hours is None or not low <= hours <= high:
        span = "no effectivePeriod end" if hours is None else f"a period of {hours:g} h"
        raise BundleError(
            f"{where}: valueQuantity: a volume in {unit!r} with {span} cannot be read as "
            f"{item.display}: give the total of a {low:g}-{high:g} h period (effectivePeriod) "
            f"or a rate in {item.unit}"
        )
    return {**raw, "value": value * 24.0 / hours, "code": f"{unit}/d", "unit": f"{unit}/d"}


def _resource_type(where: str) -> str:
    """The resource type in a place name: ``Condition/c-1``, ``Bundle.entry[3] (Condition)``."""
    if where.startswith("Bundle.entry["):
        return where.rsplit("(", 1)[-1].rstrip(")")
    return where.split("/", 1)[0].split("#", 1)[0]


def _is_variant(where: str, code: JSON) -> bool:
    return any(pair in GENOMIC_VARIANT_CODES for pair in codes(where, "code", code))


def _status(where: str, resource: JSON) -> str:
    status = resource.get("status")
    if not isinstance(status, str) or not status:
        raise BundleError(f"{where}: status is required")
    return status


def _period(where: str, field: str, period: dict[str, JSON]) -> tuple[datetime, datetime | None]:
    start = parse_datetime(period["start"], f"{where}: {field}.start")
    end = parse_datetime(period["end"], f"{where}: {field}.end") if "end" in period else None
    if end is not None and end < start:
        raise BundleError(f"{where}: {field}.end is before its start")
    return start, end


def _effective(where: str, resource: JSON, stem: str) -> tuple[datetime, datetime | None]:
    date_time, instant, period_field = _DATED_FIELDS[stem]
    if date_time in resource:
        return _time_of(where, date_time, resource[date_time]), None
    if instant in resource:
        return _time_of(where, instant, resource[instant]), None
    period = optional_object(where, period_field, resource.get(period_field))
    if period is not None and "start" in period:
        return _period(where, period_field, period)
    raise BundleError(f"{where}: no date: give {stem}DateTime or {stem}Period.start")


def _request_period(
    where: str, resource: JSON, instructions: list[dict[str, JSON]]
) -> tuple[datetime, datetime | None]:
    # Several instructions are successive steps (a taper): the request spans all their
    # bounds, and is ongoing when any step has no end.
    starts: list[datetime] = []
    ends: list[datetime | None] = []
    for index, instruction in enumerate(instructions):
        field = f"dosageInstruction[{index}].timing"
        timing = optional_object(where, field, instruction.get("timing")) or {}
        repeat = optional_object(where, f"{field}.repeat", timing.get("repeat")) or {}
        field = f"{field}.repeat.boundsPeriod"
        bounds = optional_object(where, field, repeat.get("boundsPeriod"))
        if bounds is not None and "start" in bounds:
            start, end = _period(where, field, bounds)
            starts.append(start)
            ends.append(end)
    if starts:
        last = None if None in ends else max(end for end in ends if end is not None)
        return min(starts), last
    if "authoredOn" in resource:
        return parse_datetime(resource["authoredOn"], f"{where}: authoredOn"), None
    raise BundleError(
        f"{where}: no date: give dosageInstruction[].timing.repeat.boundsPeriod or authoredOn"
    )


def _first_time(where: str, resource: JSON, paths: tuple[str, ...]) -> datetime | None:
    for path in paths:
        head, _, tail = path.partition(".")
        value = resource.get(head)
        if tail:
            holder = optional_object(where, head, value)
            value = None if holder is None else holder.get(tail)
        if value is not None:
            return parse_datetime(value, f"{where}: {path}")
    return None


def _unit_code(where: str, field: str, raw: JSON) -> str:
    system = raw.get("system")
    if system is not None and system != UCUM:
        raise BundleError(f"{where}: {field}.system must be {UCUM} (UCUM), got {system!r}")
    unit = raw["code"] if "code" in raw else raw.get("unit")
    if not isinstance(unit, str):
        raise BundleError(f"{where}: {field}.code (a UCUM unit) is required")
    return unit


def _number(where: str, field: str, raw: JSON) -> float:
    value = raw.get("value") if isinstance(raw, dict) else None
    # (float, int): a tuple of types is checked several times faster than `int | float`
    if isinstance(value, bool) or not isinstance(value, (float, int)):
        raise BundleError(f"{where}: {field}.value must be a number, got {value!r}")
    comparator = raw.get("comparator")
    if comparator is not None:
        # "<0.1" read as 0.1 could pass or fail a threshold wrongly: refuse, never guess.
        raise BundleError(
            f"{where}: {field}.comparator: the value is a bound ({comparator!r} {value:g}), "
            "not a measurement, and cannot be compared with a threshold; send the measured "
            "value, or no value with dataAbsentReason"
        )
    return float(value)


def _quantity(where: str, field: str, raw: JSON, item: Concept) -> tuple[Quantity, float]:
    if not isinstance(raw, dict):
        raise BundleError(f"{where}: {field} must be an object")
    value = _number(where, field, raw)
    unit = _unit_code(where, field, raw)
    try:
        canonical = to_canonical(item, value, unit)
    except TrialkitInputError:
        # The place is named only for a refused value: formatting it for every value
        # would cost more than the conversion.
        canonical = to_canonical(item, value, unit, f"{where}: {field}")
    return Quantity(value, unit, item.key), canonical


def _reference_range(where: str, holder: JSON, item: Concept) -> tuple[float | None, float | None]:
    ranges = objects(where, "referenceRange", holder.get("referenceRange"))
    if not ranges:
        return None, None
    # A laboratory sends the same range with every result of a test: a well-formed
    # range is converted once; anything else goes through the checked reading,
    # which raises the error naming the field.
    low, high = _bound_key(ranges[0].get("low")), _bound_key(ranges[0].get("high"))
    if low is not None and high is not None:
        try:
            canonical = _canonical_range(item.key, low, high)
        except TrialkitInputError:
            pass
        else:
            if None in canonical or canonical[0] <= canonical[1]:  # type: ignore[operator]
                return canonical
    return _checked_range(where, ranges[0], item)


def _checked_range(
    where: str, reference: dict[str, JSON], item: Concept
) -> tuple[float | None, float | None]:
    bounds: list[float | None] = []
    given: list[str] = []
    for side in ("low", "high"):
        raw = reference.get(side)
        if raw is None:
            bounds.append(None)
            continue
        field = f"referenceRange[0].{side}"
        value = _number(where, field, raw)
        unit = _unit_code(where, field, raw)
        if side == "high" and value <= 0 and item.plausible is not None and item.plausible.low >= 0:
            # An upper limit of normal of zero or less is no limit: every grade and
            # "x ULN" threshold computed from it would divide by it or be meaningless.
            raise BundleError(
                f"{where}: {field}: {value:g} {unit} is not an upper limit of normal "
                "(it must be above 0)"
            )
        bounds.append(to_canonical(item, value, unit, f"{where}: {field}"))
        given.append(f"{value:g} {unit}")
    low, high = bounds
    if low is not None and high is not None and low > high:
        raise BundleError(f"{where}: referenceRange[0]: low {given[0]} is above high {given[1]}")
    return low, high


def _bound_key(raw: JSON) -> tuple[float, str] | tuple[()] | None:
    """A range bound as ``(value, unit)``, ``()`` when absent, None when not plainly well formed.

    Plainly well formed: a JSON object with a non-zero float or int value (exact types:
    bools and subclasses take the checked reading; 0.0 and -0.0 would be one key but
    not one value), a string unit, no comparator and no system other than UCUM.
    """
    if raw is None:
        return ()
    if type(raw) is not dict:
        return None
    value = raw.get("value")
    unit = raw["code"] if "code" in raw else raw.get("unit")
    if (
        type(value) not in _PLAIN_NUMBERS
        or not value
        or type(unit) is not str
        or raw.get("comparator") is not None
        or raw.get("system") not in _UCUM_OR_ABSENT
    ):
        return None
    return float(value), unit


_PLAIN_NUMBERS = frozenset({float, int})
_UCUM_OR_ABSENT = (None, UCUM)
# (system, code, UCUM unit) -> the concept, for the codings and units of plain results
# (see _Reader._plain_quantity); only allowed pairs are entered, so the table is bounded.
_PlainUnit = tuple[Concept, bool, float, float]  # concept, identity conversion, plausible range
_PLAIN_UNITS: dict[tuple[str, str, str], _PlainUnit] = {}


@lru_cache(maxsize=4096)
def _canonical_range(
    key: str, low: tuple[float, str] | tuple[()], high: tuple[float, str] | tuple[()]
) -> tuple[float | None, float | None]:
    item = concept(key)
    return (
        to_canonical(item, *low) if low else None,
        to_canonical(item, *high) if high else None,
    )


def _flags(where: str, raw: JSON) -> tuple[str, ...]:
    return tuple(
        flag
        for index, interpretation in enumerate(objects(where, "interpretation", raw))
        for _, flag in codes(where, f"interpretation[{index}]", interpretation)
        if flag
    )


def _coded(where: str, codeable: JSON, kind: ValueType) -> bool | str | None:
    """A coded value: a present/absent answer (None when not one trialkit reads), or a code."""
    pairs = codes(where, "valueCodeableConcept", codeable)
    if not pairs:
        raise BundleError(f"{where}: valueCodeableConcept.coding must list at least one coding")
    if kind is ValueType.BOOLEAN:
        for system, code in pairs:
            if system is not None and code is not None:
                truth = answer_truth(system, code)
                if truth is not None:
                    return truth
        return None
    if kind is ValueType.CODED:
        system, code = pairs[0]
        return f"{system}|{code}"
    raise BundleError(f"{where}: valueCodeableConcept does not fit a {kind.value} value")


def _drug_quantity(where: str, field: str, raw: JSON, item: Concept) -> Quantity | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise BundleError(f"{where}: {field} must be an object")
    value = _number(where, field, raw)
    unit = _unit_code(where, field, raw)
    try:
        dimension(unit)  # valid UCUM (pint only for a unit outside the usual ones)
    except UnitError as error:
        raise UnitError(f"{where}: {field}: {error}") from None
    if value < 0:
        raise BundleError(f"{where}: {field}.value {value:g} must not be negative")
    return Quantity(value, unit, item.key)


def _dose_and_rate(
    where: str, field: str, dosage: dict[str, JSON] | None, item: Concept
) -> tuple[Quantity | None, Quantity | None]:
    steps = objects(where, f"{field}.doseAndRate", (dosage or {}).get("doseAndRate"))
    first: Mapping[str, JSON] = steps[0] if steps else {}
    dose = _drug_quantity(
        where, f"{field}.doseAndRate[0].doseQuantity", first.get("doseQuantity"), item
    )
    rate = _drug_quantity(
        where, f"{field}.doseAndRate[0].rateQuantity", first.get("rateQuantity"), item
    )
    return dose, rate
