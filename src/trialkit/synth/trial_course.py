"""What a simulated subject of each shipped protocol goes through: a small course per protocol.

Data, not a physiology model: for each protocol the anchor its endpoints count
from, the ages of its population, the conditions at inclusion, which parts of
the schedule are recorded (SOFA inputs, the HLH markers of a response rule set,
temperatures, stays, infections, transplantation, adverse events), and the
chances of each outcome, chosen so that every endpoint value of the protocol
(``docs/protocol-format.md``, "Endpoints") is decided for most subjects and
each of its outcomes occurs in a cohort of a few dozen subjects. The chances
are team judgement for a test cohort, not clinical estimates; no trialkit
decision reads them.

Marker levels are in each concept's canonical unit (``vocab/concepts.yaml``)
and inside its plausible range: active HLH at baseline (above or below the
HLH-2004 thresholds, Henter 2007 Table I), and the fraction of the baseline
reached by each response state, set so that the rule sets of
:mod:`trialkit.scores.hlh_response` read them as that state (a partial response
halves sCD25 and ferritin and lowers TG by 40 %; an improvement lowers sCD25
only; no response changes nothing by more than 15 %).
"""

from __future__ import annotations

from dataclasses import dataclass

from trialkit.protocol.endpoints import Anchor

__all__ = [
    "ACTIVE_HLH",
    "AE_TERMS",
    "COURSES",
    "NORMAL",
    "RESPONSE_FRACTION",
    "STATES",
    "Course",
]

STATES = ("CR", "PR", "improvement", "NR")
"""Response states of a subject at an assessment day, best first (the rule sets' categories)."""

ACTIVE_HLH: dict[str, float] = {
    "lab.scd25": 12000.0,  # U/mL; HLH-2004 >= 2400
    "lab.ferritin": 5000.0,  # ug/L; HLH-2004 >= 500
    "lab.triglycerides": 3.8,  # mmol/L; HLH-2004 >= 3.0
    "lab.fibrinogen": 1.1,  # g/L; HLH-2004 <= 1.5
    "lab.neutrophils": 0.8,  # 10*9/L; HLH-2004 < 1.0 (Wang's 0.5-2.0 band)
    "lab.platelets": 45.0,  # 10*9/L; HLH-2004 < 100
    "lab.haemoglobin": 80.0,  # g/L; HLH-2004 < 90
    "lab.alt": 150.0,  # U/L; above the upper limit of normal below
    "lab.leukocytes": 2.1,  # 10*9/L
}
"""Typical marker levels of active HLH at baseline (each subject's drawn around them)."""

NORMAL: dict[str, float] = {
    "lab.scd25": 1500.0,
    "lab.ferritin": 350.0,
    "lab.triglycerides": 1.6,
    "lab.fibrinogen": 2.6,
    "lab.neutrophils": 2.6,
    "lab.platelets": 180.0,
    "lab.haemoglobin": 108.0,
    "lab.alt": 30.0,
    "lab.leukocytes": 5.5,
}
"""Marker levels past every HLH-2004 threshold: a complete response."""

ALT_UPPER_LIMIT = 40.0
"""The laboratory's upper limit of normal for ALT (U/L) sent with each ALT value."""

RESPONSE_FRACTION: dict[str, dict[str, float]] = {
    "PR": {
        "lab.scd25": 0.4,
        "lab.ferritin": 0.5,
        "lab.triglycerides": 0.6,
        "lab.fibrinogen": 1.1,
        "lab.neutrophils": 1.15,
        "lab.platelets": 1.1,
        "lab.haemoglobin": 1.05,
        "lab.alt": 0.9,
        "lab.leukocytes": 1.1,
    },
    "improvement": {"lab.scd25": 0.4},
    "NR": {},
}
"""A marker's level at an assessment as a fraction of its baseline, by state (absent: 1)."""

AE_TERMS = (
    "neutrophil_count_decreased",
    "platelet_count_decreased",
    "anemia",
    "alanine_aminotransferase_increased",
    "blood_bilirubin_increased",
    "hypertriglyceridemia",
    "hypokalemia",
    "febrile_neutropenia",
)
"""CTCAE v5.0 terms the simulated adverse events are drawn from (``ae.<term>`` concepts)."""


@dataclass(frozen=True, slots=True)
class Course:
    """One protocol's simulated course. Days are study days of ``anchor``; chances in [0, 1].

    ``prefix`` starts the subject ids; ``ages`` in years; ``conditions`` are
    diagnosed before inclusion (``condition.ebv_hlh`` too with chance ``ebv``);
    ``follow_up`` is the last contact of a subject who lives, ``death`` the chance
    of dying (on a day of ``death_days``), ``lost`` of being lost in the first ten
    days. ``sofa_days``: SOFA inputs and laboratory values; ``response_days``: the
    HLH markers at each (baseline on the anchor's day), in a state drawn from
    ``response_states`` (chances of CR, PR, improvement, NR); ``fever_days``: daily
    temperatures; ``stays`` and ``infections``: hospital and ICU stays and
    infections in the first 28 days; ``hsct``: the chance of a transplant on a day
    of ``hsct_days``; ``adverse_events``: how many, on days of ``ae_days``.
    """

    prefix: str
    anchor: Anchor
    ages: tuple[float, float]
    conditions: tuple[str, ...]
    follow_up: tuple[int, int]
    death: float
    death_days: tuple[int, int]
    """Drawn log-uniformly (:func:`trialkit.synth.trial._log_between`)."""
    lost: float = 0.05
    ebv: float = 0.0
    sofa_days: tuple[int, ...] = ()
    response_days: tuple[int, ...] = ()
    response_states: tuple[float, float, float, float] = (0.25, 0.3, 0.25, 0.2)
    fever_days: tuple[int, int] | None = None
    stays: bool = False
    infections: bool = False
    hsct: float = 0.0
    hsct_days: tuple[int, int] = (0, 0)
    adverse_events: tuple[int, int] = (0, 3)
    ae_days: tuple[int, int] = (1, 28)


COURSES: dict[str, Course] = {
    "r-hlh": Course(
        prefix="RHLH",
        anchor="day1",
        ages=(0.2, 15.0),
        conditions=("condition.hlh",),
        follow_up=(30, 540),
        death=0.15,
        death_days=(3, 120),
        hsct=0.7,
        hsct_days=(40, 150),
        adverse_events=(0, 3),
        ae_days=(1, 60),
    ),
    "jak-hs-icu": Course(
        prefix="JAK",
        anchor="inclusion",
        ages=(20.0, 82.0),
        conditions=("condition.hlh_secondary",),
        follow_up=(150, 400),
        death=0.3,
        death_days=(2, 120),
        sofa_days=(0, 7, 28),
        stays=True,
        infections=True,
        adverse_events=(0, 4),
        ae_days=(0, 35),
    ),
    "rux-hlh-salvage": Course(
        prefix="RUX",
        anchor="inclusion",
        ages=(0.7, 5.5),
        conditions=("condition.hlh",),
        ebv=0.55,
        follow_up=(7, 730),
        death=0.15,
        death_days=(3, 300),
        response_days=(7,),
        fever_days=(0, 7),
        adverse_events=(0, 3),
        ae_days=(0, 90),
    ),
    "c-hlh": Course(
        prefix="CHLH",
        anchor="day1",
        ages=(0.2, 17.0),
        conditions=("condition.hlh",),
        follow_up=(60, 400),
        death=0.2,
        death_days=(5, 110),
        response_days=(14, 21, 28),
        hsct=0.55,
        hsct_days=(35, 180),
        adverse_events=(0, 4),
        ae_days=(1, 150),
    ),
    "hem-ismart-c": Course(
        prefix="HEM",
        anchor="day1",
        ages=(1.0, 18.0),
        conditions=("condition.acute_lymphoblastic_leukaemia",),
        follow_up=(28, 365),
        death=0.1,
        death_days=(10, 200),
        adverse_events=(0, 5),
        ae_days=(1, 90),
    ),
}
"""The course of each shipped protocol, by protocol id."""
