"""Kleene's strong three-valued logic: true, false, unknown.

The logic of SQL ``NULL`` and of HL7 CQL, so that the bedside evaluator and the
SQL compiler give the same answer from the same criteria tree: unknown ∧ false
is false, unknown ∨ true is true, ¬unknown is unknown (Kleene 1952,
*Introduction to Metamathematics*, §64).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

__all__ = ["Truth", "all_of", "any_of", "at_least", "negate"]


class Truth(StrEnum):
    """A criterion's status: ``met``, ``not_met`` or ``unknown`` (the public JSON values)."""

    TRUE = "met"
    FALSE = "not_met"
    UNKNOWN = "unknown"

    @staticmethod
    def of(value: bool | None) -> Truth:
        """True/False/None as a truth value."""
        if value is None:
            return Truth.UNKNOWN
        return Truth.TRUE if value else Truth.FALSE


def negate(value: Truth) -> Truth:
    """¬: unknown stays unknown."""
    if value is Truth.UNKNOWN:
        return value
    return Truth.FALSE if value is Truth.TRUE else Truth.TRUE


def all_of(values: Iterable[Truth]) -> Truth:
    """∧ over any number of values: false wins, then unknown (true for none)."""
    items = list(values)
    return at_least(len(items), items)


def any_of(values: Iterable[Truth]) -> Truth:
    """∨ over any number of values: true wins, then unknown (false for none)."""
    return at_least(1, list(values))


def at_least(count: int, values: list[Truth]) -> Truth:
    """At least ``count`` of ``values`` true: true when enough are, false when too few can be."""
    true = values.count(Truth.TRUE)
    possible = true + values.count(Truth.UNKNOWN)
    if true >= count:
        return Truth.TRUE
    if possible < count:
        return Truth.FALSE
    return Truth.UNKNOWN
