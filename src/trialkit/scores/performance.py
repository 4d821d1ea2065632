"""Performance status: Karnofsky (adults, adolescents) and Lansky play-performance (children).

**Karnofsky performance status (KPS).** Karnofsky DA, Burchenal JH. *The
clinical evaluation of chemotherapeutic agents in cancer.* In: MacLeod CM (ed.),
Evaluation of Chemotherapeutic Agents. Columbia University Press, 1949:191-205.
Levels 100 to 0 in steps of 10. Wording of 100–30 READ in the CIBMTR Forms
Instruction Manual, Appendix L (docs/clinical-decisions.md §5); levels 20, 10 and 0 were
MEMORY in the reference and are now checked against three reproductions that
agree (Thorax performance-status table "Very sick; hospitalisation necessary;
active supportive treatment necessary / Moribund / Dead"; BMJ Support Palliat
Care Karnofsky table "… fatal processes progressing rapidly"; hematool.ch), not
against the 1949 chapter itself.

**Lansky play-performance scale.** Lansky SB, List MA, Lansky LL, Ritter-Sterr
C, Miller DR. *The measurement of performance in childhood cancer patients.*
Cancer 1987;60(7):1651-1656. Levels 100 to 0 in steps of 10, rated from the
parent's description of the child's play. Wording READ on the MDCalc Lansky page
(the original wording; docs/clinical-decisions.md §5) and checked again there.

**Which scale.** CIBMTR asks for Karnofsky from 16 years and Lansky from 1 to
under 16 years (docs/clinical-decisions.md §5); that is the default here
(:data:`CIBMTR_KARNOFSKY_FROM_AGE`). Protocols choose their own: HEM-iSMART-C
uses Karnofsky for patients older than 12 years and Lansky for 12 years or
less, i.e. ``performance_scale(age, karnofsky_from_age=13)`` with age in
completed years. Below 1 year the Lansky scale is returned with a note (CIBMTR
names no scale there).

Only the integer level is stored and compared (a protocol's "Karnofsky ≥ 50 %"
is level 50); the wording is display text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from trialkit.errors import NegativeAgeError, TrialkitInputError
from trialkit.record import Observation, PatientRecord
from trialkit.scores.result import Item, Scored, ScoreResult

__all__ = [
    "CIBMTR_KARNOFSKY_FROM_AGE",
    "KARNOFSKY",
    "LANSKY",
    "LANSKY_FROM_AGE",
    "PERFORMANCE_LOOKBACK",
    "Scale",
    "assess",
    "performance_scale",
    "performance_status",
    "validate_level",
    "wording",
]


class Scale(StrEnum):
    """A performance-status scale; the value is the score id and the concept suffix."""

    KARNOFSKY = "karnofsky"
    LANSKY = "lansky"


#: Karnofsky & Burchenal 1949; wording as CIBMTR Appendix L (100–30) and the
#: reproductions named in the module docstring (20–0).
KARNOFSKY: Mapping[int, str] = MappingProxyType(
    {
        100: "Normal; no complaints; no evidence of disease",
        90: "Able to carry on normal activity; minor signs or symptoms of disease",
        80: "Normal activity with effort; some signs or symptoms of disease",
        70: "Cares for self; unable to carry on normal activity or to do active work",
        60: "Requires occasional assistance, but is able to care for most of own needs",
        50: "Requires considerable assistance and frequent medical care",
        40: "Disabled; requires special care and assistance",
        30: "Severely disabled; hospitalisation indicated, although death not imminent",
        20: "Very sick; hospitalisation necessary; active supportive treatment necessary",
        10: "Moribund; fatal processes progressing rapidly",
        0: "Dead",
    }
)

#: Lansky et al. 1987 (Cancer 60:1651); wording as on the MDCalc Lansky page.
LANSKY: Mapping[int, str] = MappingProxyType(
    {
        100: "Fully active, normal",
        90: "Minor restrictions in strenuous physical activity",
        80: "Active, but tires more quickly",
        70: "Greater restriction of play and less time spent in play activity",
        60: "Up and around, but minimal active play; keeps busy with quieter activities",
        50: "Gets dressed, but lies around much of the day; no active play; "
        "able to participate in all quiet play and activities",
        40: "Mostly in bed; participates in quiet activities",
        30: "In bed; needs assistance even for quiet play",
        20: "Often sleeping; play entirely limited to very passive activities",
        10: "No play; does not get out of bed",
        0: "Unresponsive",
    }
)

_WORDING: Mapping[Scale, Mapping[int, str]] = MappingProxyType(
    {Scale.KARNOFSKY: KARNOFSKY, Scale.LANSKY: LANSKY}
)
_LABELS: Mapping[Scale, str] = MappingProxyType(
    {
        Scale.KARNOFSKY: "Karnofsky performance status",
        Scale.LANSKY: "Lansky play-performance scale",
    }
)
_SOURCES: Mapping[Scale, str] = MappingProxyType(
    {
        Scale.KARNOFSKY: "Karnofsky DA, Burchenal JH 1949 (Evaluation of Chemotherapeutic "
        "Agents, Columbia Univ Press, 191-205); wording CIBMTR FIM Appendix L",
        Scale.LANSKY: "Lansky SB et al. Cancer 1987;60:1651-1656",
    }
)

#: CIBMTR: Karnofsky from 16 years, Lansky for 1 to < 16 years (docs/clinical-decisions.md §5).
CIBMTR_KARNOFSKY_FROM_AGE = 16.0
LANSKY_FROM_AGE = 1.0
#: Adapter look-back (trialkit convention; protocols state their own screening windows).
PERFORMANCE_LOOKBACK = timedelta(days=30)


def performance_scale(
    age_years: float, karnofsky_from_age: float = CIBMTR_KARNOFSKY_FROM_AGE
) -> Scale:
    """The scale that applies at ``age_years``: Karnofsky at or above ``karnofsky_from_age``, else Lansky.

    The default is the CIBMTR rule (16 years). HEM-iSMART-C (Karnofsky for
    > 12 years, Lansky for ≤ 12 years, age in completed years) is
    ``karnofsky_from_age=13``. Raises :class:`TrialkitInputError` for a
    negative age.
    """
    if not age_years >= 0:
        raise NegativeAgeError(f"age: {age_years:g} years is negative")
    return Scale.KARNOFSKY if age_years >= karnofsky_from_age else Scale.LANSKY


def validate_level(value: float, field: str) -> int:
    """The level as an integer; :class:`TrialkitInputError` unless it is 0, 10, …, 100."""
    if not math.isfinite(value) or value != round(value) or not 0 <= value <= 100:
        raise TrialkitInputError(
            f"{field}: {value:g} is not a level of the scale (0, 10, 20, …, 100)"
        )
    level = int(value)
    if level % 10:
        raise TrialkitInputError(
            f"{field}: {value:g} is not a level of the scale (0, 10, 20, …, 100)"
        )
    return level


def wording(scale: Scale, level: float) -> str:
    """The display wording of a level (validated)."""
    return _WORDING[scale][validate_level(level, f"assessment.{scale.value}")]


def performance_status(
    level: float | None,
    scale: Scale,
    age_years: float | None = None,
    karnofsky_from_age: float = CIBMTR_KARNOFSKY_FROM_AGE,
) -> ScoreResult:
    """A recorded Karnofsky or Lansky level as a result, with its wording and age checks.

    ``level`` None gives a not-computable result naming the missing
    assessment. With ``age_years``, a note says when ``scale`` is not the one
    :func:`performance_scale` chooses for that age, and when a Lansky level is
    given for a child under 1 year.
    """
    field = f"assessment.{scale.value}"
    notes: list[str] = []
    if age_years is not None:
        expected = performance_scale(age_years, karnofsky_from_age)
        if expected is not scale:
            notes.append(
                f"recorded on the {_LABELS[scale]}, but at age {age_years:g} y the rule "
                f"(Karnofsky from {karnofsky_from_age:g} y, else Lansky) calls for the "
                f"{_LABELS[expected]}"
            )
        if scale is Scale.LANSKY and age_years < LANSKY_FROM_AGE:
            notes.append(f"age {age_years:g} y: the Lansky scale is used from 1 year (CIBMTR)")
    if level is None:
        return ScoreResult(
            scale.value,
            _LABELS[scale],
            _SOURCES[scale],
            None,
            None,
            missing=(field,),
            notes=tuple(notes),
        )
    value = validate_level(level, field)
    text = _WORDING[scale][value]
    item = Item.decided("level", value, f"{value}: {text}", (scale.value,))
    return ScoreResult(
        scale.value,
        _LABELS[scale],
        _SOURCES[scale],
        value,
        value,
        items=(item,),
        interpretation=text,
        notes=tuple(notes),
    )


def assess(record: PatientRecord, at: datetime) -> tuple[Scored, ...]:
    """The recorded performance status that applies to the patient at ``at``.

    Reads the latest ``assessment.karnofsky`` and ``assessment.lansky`` at or
    before ``at`` within :data:`PERFORMANCE_LOOKBACK` (30 days). The scale the
    CIBMTR rule chooses for the patient's age (completed years) is returned when
    recorded; otherwise the other scale's value is returned with a note that
    it does not match the age rule. Without a birth date the latest of the two
    is used, with a note. With neither recorded, the result is not computable
    and names the assessment that is missing. A protocol with another age rule
    calls :func:`performance_status` with its own ``karnofsky_from_age``.
    """
    age = record.age_years(at)
    recorded = {
        scale: record.latest(f"assessment.{scale.value}", at, PERFORMANCE_LOOKBACK)
        for scale in Scale
    }
    window = f"look-back: {PERFORMANCE_LOOKBACK.days} d"
    if age is not None:
        expected = performance_scale(age)
        chosen = expected if recorded[expected] is not None else _other(expected)
        if recorded[chosen] is None:
            chosen = expected
    else:
        found = [(o.time, scale) for scale, o in recorded.items() if o is not None]
        chosen = max(found)[1] if found else Scale.KARNOFSKY
    observation = recorded[chosen]
    result = performance_status(_level(observation), chosen, age)
    notes = [window]
    if age is None:
        notes.append("age unknown: the scale was not checked against the age rule")
        if observation is None:
            result = replace(result, missing=("assessment.karnofsky or assessment.lansky",))
    result = replace(result, notes=(*result.notes, *notes))
    evidence = {} if observation is None else {chosen.value: (observation,)}
    return (Scored(result, evidence),)


def _other(scale: Scale) -> Scale:
    return Scale.LANSKY if scale is Scale.KARNOFSKY else Scale.KARNOFSKY


def _level(observation: Observation | None) -> float | None:
    if observation is None or observation.unusable is not None:
        return None  # none recorded, or a result whose value cannot be used
    if isinstance(observation.value, bool) or not isinstance(observation.value, int | float):
        raise TrialkitInputError(
            f"{observation.resource}: {observation.concept} must be a number, "
            f"got {observation.value!r}"
        )
    return float(
        validate_level(observation.value, f"{observation.resource}: {observation.concept}")
    )
