"""Column arrays shared by the generator: type aliases, time units, rows of one table.

Times are int64 seconds since 1970-01-01 (naive wall clock); :data:`NA_TIME`
is the missing time (NumPy's NaT, which DuckDB reads as NULL). Concepts are
small integer *codes* into :func:`codes`; fixed strings (``true``,
``refuted``, alteration types, protein changes) are codes into
:func:`strings`, with ``-1`` for NULL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from trialkit.omop.concepts import concept_id, gene_concept_id, local_code
from trialkit.vocab import vocabulary

__all__ = [
    "DAY",
    "F64",
    "HOUR",
    "I8",
    "I16",
    "I64",
    "MINUTE",
    "NA_TIME",
    "YEAR",
    "B",
    "Rows",
    "code",
    "codes",
    "concat",
    "lognormal",
    "registered_strings",
    "string",
]

I8 = NDArray[np.int8]
I16 = NDArray[np.int16]
I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
B = NDArray[np.bool_]

MINUTE = 60
HOUR = 3600
DAY = 86_400
YEAR = 365.25 * DAY
NA_TIME = int(np.iinfo(np.int64).min)

#: Genes outside the vocabulary that synthetic genomic findings use, by HGNC id:
#: ETV6 (HGNC:3495), RUNX1 (HGNC:10471), NRAS (HGNC:7989); ids as listed in the
#: MII modul-mtb gene-panel FHIR ValueSets (read with the search tool).
UNLISTED_GENES = ("HGNC:3495", "HGNC:10471", "HGNC:7989")


@cache
def codes() -> tuple[tuple[str, ...], NDArray[np.int64], NDArray[np.object_]]:
    """Every concept code: its key, its OMOP concept id and its ``*_source_value``."""
    keys = (*vocabulary().keys(), *UNLISTED_GENES)
    ids = np.array([gene_concept_id(k) if k in UNLISTED_GENES else concept_id(k) for k in keys])
    sources = np.array([local_code(k) for k in keys], dtype=object)
    return keys, ids.astype(np.int64), sources


@cache
def _code_index() -> dict[str, int]:
    return {key: n for n, key in enumerate(codes()[0])}


def code(key: str) -> int:
    """The code of a concept key (or unlisted gene)."""
    return _code_index()[key]


_STRINGS: list[str] = []
_STRING_INDEX: dict[str, int] = {}


def string(text: str) -> int:
    """The code of a fixed string, registered on first use (catalogues register at import)."""
    found = _STRING_INDEX.get(text)
    if found is None:
        found = len(_STRINGS)
        _STRINGS.append(text)
        _STRING_INDEX[text] = found
    return found


def registered_strings() -> tuple[str, ...]:
    """Every fixed string registered so far, by code."""
    return tuple(_STRINGS)


def lognormal(rng: np.random.Generator, median: Any, spread: Any, size: int | None = None) -> F64:
    """Log-normal draws with the given median and log-sd (arrays broadcast)."""
    shape = np.broadcast(np.asarray(median), np.asarray(spread)).shape if size is None else size
    return np.asarray(median * np.exp(rng.standard_normal(shape) * spread), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Rows:
    """Rows of one table for one chunk: the person (index in the chunk), a time, and columns."""

    person: I64
    time: I64
    columns: dict[str, NDArray[Any]]

    def __len__(self) -> int:
        return len(self.person)


def concat(parts: Sequence[Rows]) -> Rows:
    """One ``Rows`` of several parts with the same columns (none: empty)."""
    kept = [p for p in parts if len(p)]
    if not kept:
        return parts[0] if parts else Rows(np.zeros(0, np.int64), np.zeros(0, np.int64), {})
    names = kept[0].columns.keys()
    return Rows(
        np.concatenate([p.person for p in kept]),
        np.concatenate([p.time for p in kept]),
        {name: np.concatenate([p.columns[name] for p in kept]) for name in names},
    )
