"""UCUM parsing and unit conversion on pint, with conversion factors cached.

UCUM strings are parsed by ucumvert into one pint registry. pint is the
authority for every factor; because a clinical record converts the same few
unit pairs thousands of times, each (from, to) pair is reduced once to an affine
map ``y = scale * x + offset`` and cached, so converting a value is one
multiplication.

Loading the registry takes most of a second, so pint's answers for the units of
the vocabulary and the usual dose units are shipped
(:mod:`trialkit.units.precomputed`); the registry is loaded only for a unit or a
pair outside them.

Mass ↔ substance conversions (mg/dL ↔ mmol/L) need a molar mass, which only a
concept knows (``vocab``); :func:`conversion` takes it as an argument and never
guesses one.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Any

from trialkit.errors import UnitError
from trialkit.units.precomputed import precomputed

if TYPE_CHECKING:
    from pint import UnitRegistry

__all__ = [
    "Affine",
    "commensurable",
    "conversion",
    "dimension",
    "parse_unit",
    "pint_conversion",
    "pint_dimension",
]

Affine = tuple[float, float]
"""A conversion ``y = scale * x + offset`` as ``(scale, offset)``."""

_ANNOTATION = re.compile(r"\{[^{}]*\}")


class _Ucum:
    """One pint registry with ucumvert's UCUM definitions, and the UCUM parser over it."""

    def __init__(self) -> None:
        from pathlib import Path

        import pint
        import ucumvert
        from ucumvert.parser import get_ucum_parser, parse_ucum
        from ucumvert.ucum_pint import UcumToPintTransformer

        # What ucumvert's PintUcumRegistry sets up, in one registry: it loads a second
        # one (pint's application registry) for its parser's results.
        self.registry: UnitRegistry[Any] = pint.UnitRegistry()
        self.registry.load_definitions(Path(ucumvert.__file__).parent / "pint_ucum_defs.txt")
        self._parser = get_ucum_parser()
        self._parse = parse_ucum
        self._transform = UcumToPintTransformer(ureg=self.registry).transform

    def from_ucum(self, text: str) -> Any:
        return self._transform(self._parse(text, self._parser))


@cache
def _registry() -> _Ucum:
    return _Ucum()


def _ucum_text(ucum: str) -> str:
    """The code to parse: an annotation alone is the unity; braces elsewhere are refused."""
    text = ucum.strip()
    if _ANNOTATION.fullmatch(text):
        # A UCUM annotation alone ({score}) means the unity 1 (UCUM §4.2.3).
        text = "1"
    if not text or "{" in text or " " in text:
        raise UnitError(f"unit {ucum!r} is not a UCUM unit code")
    return text


@cache
def parse_unit(ucum: str) -> Any:
    """The pint unit quantity for a UCUM code; :class:`UnitError` if it is not UCUM.

    UCUM annotations in braces (``{1.73_m2}``) are not units and are refused here:
    a concept that needs one (eGFR per 1.73 m²) keeps it in its definition.
    """
    text = _ucum_text(ucum)
    try:
        unit = _registry().from_ucum(text)
        _ = unit.dimensionality
    except Exception:  # ucumvert raises lark and pint errors of many kinds
        raise UnitError(f"unit {ucum!r} is not a valid UCUM unit code") from None
    return unit


@cache
def dimension(ucum: str) -> str:
    """The physical dimension of a UCUM unit, as pint writes it (``1 / [length] ** 3``).

    :class:`UnitError` if ``ucum`` is not a UCUM code: this is also the check that a
    code is valid UCUM, without loading pint for the usual units.
    """
    known = precomputed().dimensions.get(_ucum_text(ucum))
    return known if known is not None else pint_dimension(ucum)


def pint_dimension(ucum: str) -> str:
    """:func:`dimension` as pint computes it (what ``precomputed.json`` stores)."""
    return str(parse_unit(ucum).dimensionality)


def commensurable(a: str, b: str) -> bool:
    """Whether two UCUM units measure the same dimension (no molar mass needed)."""
    return dimension(a) == dimension(b)


def _tidy(number: float) -> float:
    # pint's float arithmetic leaves 1.7999999999999972 for °C -> °F; 15 significant
    # digits make such factors exact again without biasing the others.
    return float(f"{float(number):.15g}")


@cache
def conversion(source: str, target: str, molar_mass: float | None = None) -> Affine:
    """The affine map from ``source`` to ``target`` units.

    ``molar_mass`` (g/mol) allows mass ↔ substance concentrations. Raises
    :class:`UnitError` when the units measure different things.
    """
    known: Affine | None = precomputed().conversion(source, target, molar_mass)
    return known if known is not None else pint_conversion(source, target, molar_mass)


def pint_conversion(source: str, target: str, molar_mass: float | None = None) -> Affine:
    """:func:`conversion` as pint computes it (what ``precomputed.json`` stores)."""
    quantity: Any = _registry().registry.Quantity
    src = parse_unit(source)
    dst = parse_unit(target)
    # A UCUM code can carry a number (mL/(24.h) parses as 1/24 mL/h): one unit of
    # the source is src.magnitude of its pint units, and the target's number divides.
    scale = float(src.magnitude) / float(dst.magnitude)
    if src.dimensionality == dst.dimensionality:
        zero = quantity(0.0, src.units).to(dst.units).magnitude
        one = quantity(1.0, src.units).to(dst.units).magnitude
        return (_tidy((one - zero) * scale), _tidy(zero))
    if molar_mass is not None:
        mass = quantity(molar_mass, "g/mol")
        for factor in (mass, 1 / mass):
            moved = quantity(1.0, src.units) * factor
            if moved.dimensionality == dst.dimensionality:
                return (_tidy(moved.to(dst.units).magnitude * scale), 0.0)
    raise UnitError(
        f"cannot convert {source!r} to {target!r}: they measure different quantities"
        + ("" if molar_mass is None else f" even with molar mass {molar_mass} g/mol")
    )
