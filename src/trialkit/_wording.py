"""Counted nouns in readable text: ``1 year``, ``2 years``, ``0 lineages``."""

from __future__ import annotations

__all__ = ["plural"]


def plural(count: float, word: str, words: str | None = None) -> str:
    """``count`` and the noun agreeing with it: singular for exactly 1, else ``words``.

    ``words`` is the plural when it is not ``word + "s"``. The count is written
    with ``:g`` (``1.5 years``, ``0 years``).
    """
    shown = f"{count:g}"
    return f"{shown} {word if shown == '1' else words or word + 's'}"
