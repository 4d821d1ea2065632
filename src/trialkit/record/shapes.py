"""Typed access to FHIR JSON: an object, a list or a coding where the profile expects one.

A bundle is untrusted input: a list where an object belongs, or a number where a
string belongs, must end as a :class:`BundleError` that names the resource and
the field ("Observation/obs-7: component[0]: must be an object, got a string"),
never as a Python traceback. ``null`` (not valid FHIR JSON) reads as absent.
"""

from __future__ import annotations

from typing import Any

from trialkit.errors import BundleError

__all__ = ["codes", "first_code", "objects", "optional_object"]

JSON = Any


def _kind(value: JSON) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def optional_object(where: str, field: str, raw: JSON) -> dict[str, JSON] | None:
    """``raw`` as a JSON object, None when absent; an error naming ``field`` otherwise."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise BundleError(f"{where}: {field}: must be an object, got {_kind(raw)}")
    return raw


def objects(where: str, field: str, raw: JSON) -> list[dict[str, JSON]]:
    """``raw`` as a list of JSON objects ([] when absent); an error naming the bad item."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise BundleError(f"{where}: {field}: must be a list, got {_kind(raw)}")
    for item in raw:
        if not isinstance(item, dict):
            index = next(i for i, bad in enumerate(raw) if not isinstance(bad, dict))
            raise BundleError(f"{where}: {field}[{index}]: must be an object, got {_kind(item)}")
    return raw


def codes(where: str, field: str, codeable: JSON) -> list[tuple[str | None, str | None]]:
    """The ``(system, code)`` pairs of a CodeableConcept, checked for shape (not known-ness)."""
    concept = optional_object(where, field, codeable)
    if concept is None:
        return []
    pairs: list[tuple[str | None, str | None]] = []
    for index, coding in enumerate(objects(where, f"{field}.coding", concept.get("coding"))):
        system, code = coding.get("system"), coding.get("code")
        for name, value in (("system", system), ("code", code)):
            if value is not None and not isinstance(value, str):
                raise BundleError(
                    f"{where}: {field}.coding[{index}].{name}: must be a string, got {value!r}"
                )
        pairs.append((system, code))
    return pairs


def first_code(where: str, field: str, codeable: JSON) -> str | None:
    """The first code of a CodeableConcept (a status such as ``confirmed``), or None."""
    return next((code for _, code in codes(where, field, codeable) if code), None)
