"""The shape of a JSON document, to test a documented example against real output."""

from __future__ import annotations


def json_keys(value: object, prefix: str = "") -> set[str]:
    """Every key path of ``value`` (``a.b.c``; list items share their list's path)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            found.add(f"{prefix}{key}")
            found |= json_keys(item, f"{prefix}{key}.")
    elif isinstance(value, list):
        for item in value:
            found |= json_keys(item, prefix)
    return found
