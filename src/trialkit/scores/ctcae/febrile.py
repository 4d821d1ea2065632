"""CTCAE v5.0 febrile neutropenia, graded from the ANC and temperatures.

Febrile neutropenia is not in the admiral file (it is not a single lab value);
its v5 wording is MEMORY-confirmed in docs/clinical-decisions.md (§4, §10). The
limits are data in ``ctcae_v5.yaml`` (``febrile_neutropenia``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from trialkit.scores.ctcae.compare import _compared_with
from trialkit.scores.ctcae.grading import _check, _criterion
from trialkit.scores.ctcae.terms import (
    _FN,
    _FN_SUSTAINED_FOR,
    SOURCE,
    TERMS,
    Direction,
    printed_limit,
)
from trialkit.scores.result import Item, ScoreResult
from trialkit.units import Quantity

_ANC_BELOW = printed_limit(_FN.anc_below, Direction.LOW, inclusive=False)
_SINGLE_ABOVE = printed_limit(_FN.single_above, Direction.HIGH, inclusive=False)
_SUSTAINED = printed_limit(_FN.sustained_at_least, Direction.HIGH, inclusive=True)


def sustained_fever(readings: Iterable[tuple[datetime, Quantity]]) -> bool | None:
    """Whether temperatures stayed ≥ 38 °C (100.4 °F) for more than one hour.

    CTCAE v5.0 febrile neutropenia, grade 3. Readings are taken in time order; a
    run of consecutive readings all ≥ 38 °C whose first and last are more than
    1 h apart counts as sustained (trialkit convention: no reading below 38 °C
    came between them). None when there is no reading.
    """
    ordered = sorted(readings, key=lambda r: r[0])
    if not ordered:
        return None
    start: datetime | None = None
    for time, quantity in ordered:
        _check("temperature", quantity, "vital.temperature")
        if _SUSTAINED.holds(quantity):
            start = time if start is None else start
            if time - start > _FN_SUSTAINED_FOR:
                return True
        else:
            start = None
    return False


def febrile_neutropenia(
    anc: Quantity | None,
    peak_temperature: Quantity | None = None,
    *,
    sustained: bool | None = None,
) -> ScoreResult:
    """CTCAE v5.0 febrile neutropenia from the ANC and temperatures.

    Grade 3: ANC < 1000/mm³ (1.0×10⁹/L) with a single temperature > 38.3 °C
    (101 °F) or a temperature ≥ 38 °C (100.4 °F) sustained for more than one
    hour (``sustained``, see :func:`sustained_fever`). CTCAE has no grade 1 or 2:
    without neutropenia or without fever the grade is 0. Grade 4
    (life-threatening consequences; urgent intervention indicated) is a clinical
    judgement, so the laboratory grade is 3 (noted). An unknown ANC or fever
    leaves grades 0 and 3 possible, with ``missing`` "ANC" / "temperature".
    """
    return _febrile(anc, peak_temperature, sustained)


def _febrile(
    anc: Quantity | None,
    peak_temperature: Quantity | None,
    sustained: bool | None,
    notes: tuple[str, ...] = (),
) -> ScoreResult:
    """:func:`febrile_neutropenia`; ``notes`` follow the term's note."""
    item = TERMS["febrile_neutropenia"]
    if anc is not None:
        _check("anc", anc, item.concept)
    if peak_temperature is not None:
        _check("peak_temperature", peak_temperature, "vital.temperature")
    neutropenic: bool | None = None
    if anc is None:
        anc_item = Item.undecided(
            "ANC < 1000/mm3", 0, 3, "ANC unknown", ("ANC",), ("ANC",), counts=False
        )
    else:
        neutropenic, shown = _compared_with(anc, _ANC_BELOW)
        anc_item = Item.decided(
            "ANC < 1000/mm3",
            3 if neutropenic else 0,
            f"ANC {shown}",
            ("ANC",),
            counts=False,
        )
    fever_item, fever = _fever(peak_temperature, sustained)
    if neutropenic is False or fever is False:
        grades: tuple[int, ...] = (0,)
    elif neutropenic and fever:
        grades = (3,)
    else:
        grades = (0, 3)
    missing = tuple(
        name
        for name, known in (("ANC", neutropenic), ("temperature", fever))
        if known is None and len(grades) > 1
    )
    low, high = grades[0], grades[-1]
    decided = low == high
    return ScoreResult(
        score=f"ctcae.{item.key}",
        label=f"CTCAE v5.0 {item.name} grade",
        source=SOURCE
        + "; febrile neutropenia v5 text MEMORY-confirmed (docs/clinical-decisions.md §10)",
        low=float(low),
        high=float(high),
        items=(anc_item, fever_item),
        missing=missing,
        category=f"grade {low}" if decided else None,
        possible=() if decided else tuple(f"grade {g}" for g in grades),
        interpretation=_criterion(item, low) if decided else None,
        notes=(item.clinical, *notes),
    )


def _fever(peak: Quantity | None, sustained: bool | None) -> tuple[Item, bool | None]:
    name = "temperature > 38.3 °C once or >= 38 °C for > 1 h"
    reasons: list[str] = []
    single: bool | None = None
    if peak is not None:
        single, shown = _compared_with(peak, _SINGLE_ABOVE)
        reasons.append(f"peak {shown}")
    if sustained is not None:
        reasons.append("sustained ≥ 38 °C > 1 h" if sustained else "not sustained ≥ 38 °C > 1 h")
    if single or sustained:
        fever: bool | None = True
    elif single is False and sustained is False:
        fever = False
    else:
        fever = None
    if fever is None:
        reasons.append("temperature course unknown")
        found = Item.undecided(
            name, 0, 3, "; ".join(reasons), ("temperature",), ("temperature",), counts=False
        )
        return found, None
    points = 3 if fever else 0
    return Item.decided(name, points, "; ".join(reasons), ("temperature",), counts=False), fever
