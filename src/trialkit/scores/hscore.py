"""HScore for reactive haemophagocytic syndrome, with the published probability band.

Source: Fardet L, Galicier L, Lambotte O, Marzac C, Aumont C, Chahwan D, Coppo P,
Hejblum G. Development and validation of the HScore, a score for the diagnosis of
reactive hemophagocytic syndrome. Arthritis Rheumatol 2014;66(9):2613-2620,
doi:10.1002/art.38690. The points table and the probability table were read in
their verbatim copy in Case Rep Rheumatol 2017:5304180, Table 3 ("copied from
Fardet et al."), and agree with PMC7589537 Table 4 and Cureus 2023 Table 1.

Points (total 0–337; band edges inclusive as printed):

======================================== =============================================
variable                                 points
======================================== =============================================
known underlying immunosuppression       0 no / 18 yes (HIV, or long-term
                                         immunosuppressive therapy)
temperature (°C)                         0 (< 38.4) / 33 (38.4–39.4) / 49 (> 39.4)
organomegaly                             0 none / 23 hepatomegaly or splenomegaly /
                                         38 both
number of cytopenias                     0 (1 lineage) / 24 (2) / 34 (3); 0 lineages → 0
ferritin (ng/mL = µg/L)                  0 (< 2000) / 35 (2000–6000) / 50 (> 6000)
triglycerides (mmol/L)                   0 (< 1.5) / 44 (1.5–4) / 64 (> 4)
fibrinogen (g/L)                         0 (> 2.5) / 30 (≤ 2.5)
AST (IU/L)                               0 (< 30) / 19 (≥ 30)
haemophagocytosis on bone-marrow aspirate 0 no / 35 yes
======================================== =============================================

Cytopenia (the table's footnote): haemoglobin ≤ 9.2 g/dL (≤ 5.71 mmol/L), leukocytes
≤ 5000/mm³, platelets ≤ 110,000/mm³, all inclusive. This is the HScore's own
definition: it counts total leukocytes, not neutrophils, and differs from HLH-2004
on every lineage.

Units: the source prints every continuous variable in one unit only, so a value in
another unit is converted with the concept's factor (decision §9.3): triglycerides
in mg/dL with the triolein molar mass of the vocabulary (885.7 g/mol), temperature
in °F affinely. Haemoglobin is compared with 9.2 g/dL, or with 5.71 mmol/L when
reported in mmol/L (the footnote prints both).

Probability (decision §9.4): no closed-form equation was published. The paper's
table gives P(HLH) at every tenth score from 90 to 250; a score in (x − 10, x] is
reported as the band "p(x − 10)–p(x) %", ≤ 90 as "< 1 %" and ≥ 250 as "> 99 %",
labelled "Fardet 2014 table". No fitted curve is offered.

The best cutoff, **169**, is a diagnostic threshold (sensitivity 93 %, specificity
86 %, 90 % correctly classified; Fardet 2014 abstract and Table 3 footnote). It is
**not** a 93 % probability: a score of 169 lies in the 161–170 band, 40–54 %.

Missing inputs give a range (an unknown temperature leaves that item 0–49). The
derivation paper's population was not read beyond its tables and abstract; the
score is computed at every age and the protocol decides whether it applies to
children.

Record adapter (:func:`assess`), a trialkit convention: quantities from the 7 days
up to the index time, worst value (highest temperature, ferritin, triglycerides,
AST; lowest fibrinogen, haemoglobin, leukocytes, platelets); findings
(``finding.known_immunosuppression``, ``finding.hepatomegaly``,
``finding.splenomegaly``, ``finding.haemophagocytosis_marrow``) from the last 30
days, or a Condition present at the index time. Only a bone-marrow finding
scores the marrow item; haemophagocytosis of unstated site does not.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from trialkit._wording import plural
from trialkit.errors import TrialkitInputError
from trialkit.record import Observation, PatientRecord
from trialkit.scores.bands import Band, band_points, bands, read_table, threshold
from trialkit.scores.inputs import Inputs, Measured
from trialkit.scores.result import Item, Scored, ScoreResult, span
from trialkit.units import Quantity, Threshold

__all__ = [
    "BEST_CUTOFF",
    "CYTOPENIA_POINTS",
    "FINDINGS",
    "LINEAGES",
    "LOOKBACK_FINDINGS",
    "LOOKBACK_VALUES",
    "MAX_SCORE",
    "MEASURED",
    "ORGANOMEGALY_POINTS",
    "PROBABILITY_TABLE",
    "SCALES",
    "Scale",
    "assess",
    "hscore",
    "probability_band",
]

SOURCE = "Fardet L et al., Arthritis Rheumatol 2014;66:2613-2620 (HScore table)"
TABLE_LABEL = "Fardet 2014 table"


@dataclass(frozen=True, slots=True)
class Scale:
    """Points of one continuous HScore variable (``scores/data/hscore.yaml``).

    ``bands`` are tried in order (most points first); a value meeting none
    scores 0. ``unit`` is the unit the source prints, the value is shown in.
    """

    name: str
    concept: str
    unit: str
    bands: tuple[Band, ...]

    @property
    def maximum(self) -> int:
        """The highest points of the variable."""
        return max(b.points for b in self.bands)

    def points(self, quantity: Quantity) -> tuple[int, float]:
        """The points of ``quantity`` and its value in :attr:`unit`."""
        return band_points(quantity, self.bands)[0], _tidy(quantity.to(self.unit))


def _scale(name: str) -> Scale:
    row = read_table("hscore")["scales"][name]
    where = f"scores/data/hscore.yaml scales.{name}"
    return Scale(name, row["concept"], row["unit"], bands(row["bands"], where))


TEMPERATURE = _scale("temperature")
FERRITIN = _scale("ferritin")
TRIGLYCERIDES = _scale("triglycerides")
FIBRINOGEN = _scale("fibrinogen")
AST = _scale("ast")

SCALES: tuple[Scale, ...] = (TEMPERATURE, FERRITIN, TRIGLYCERIDES, FIBRINOGEN, AST)

IMMUNOSUPPRESSION_POINTS = 18  # "Known underlying immunosuppression: 0 (no) or 18 (yes)"
MARROW_POINTS = 35  # "Hemophagocytosis features on bone marrow aspirate: 0 (no) or 35 (yes)"
ORGANOMEGALY_POINTS: Mapping[int, int] = {0: 0, 1: 23, 2: 38}
"""Organs enlarged (liver, spleen) → points: "0 (no), 23 (hepatomegaly or splenomegaly), or 38
(hepatomegaly and splenomegaly)"."""
CYTOPENIA_POINTS: Mapping[int, int] = {0: 0, 1: 0, 2: 24, 3: 34}
"""Lineages low → points: "0 (1 lineage), 24 (2 lineages), or 34 (3 lineages)"; 0 lineages
scores 0 (docs/clinical-decisions.md §2.1)."""

CYTOPENIA_LIMITS: Mapping[str, Threshold] = {
    lineage: threshold(row, f"scores/data/hscore.yaml cytopenia_limits.{lineage}")
    for lineage, row in read_table("hscore")["cytopenia_limits"].items()
}
"""Footnote of the Fardet table: each lineage is low at or below (≤) its limit."""
LINEAGES: tuple[Measured, ...] = (
    Measured("haemoglobin", "lab.haemoglobin", high=False),
    Measured("leukocytes", "lab.leukocytes", high=False),
    Measured("platelets", "lab.platelets", high=False),
)
"""The cytopenia lineages, read (the worst of the :data:`LOOKBACK_VALUES` window) by
:func:`assess` and by the SQL compiler; each is low at its :data:`CYTOPENIA_LIMITS` limit."""

MEASURED: Mapping[str, Measured] = {
    **{s.name: Measured(s.name, s.concept, high=s.bands[0].threshold.upward) for s in SCALES},
    **{m.name: m for m in LINEAGES},
}
"""Every measured input by name: the scales (worse upwards when their points are) and the lineages."""
FINDINGS: Mapping[str, str] = {
    "immunosuppression": "finding.known_immunosuppression",
    "hepatomegaly": "finding.hepatomegaly",
    "splenomegaly": "finding.splenomegaly",
    "marrow_haemophagocytosis": "finding.haemophagocytosis_marrow",
}
"""The findings read (the :data:`LOOKBACK_FINDINGS` window), by input name: for :func:`assess`
and the SQL compiler."""
_CYTOPENIA_CONCEPTS = {m.name: m.concept for m in LINEAGES}

MAX_SCORE = 337
"""18 + 49 + 38 + 34 + 50 + 64 + 30 + 19 + 35."""

BEST_CUTOFF = 169
"""Fardet 2014: the best cutoff (sensitivity 93 %, specificity 86 %); not a probability."""

PROBABILITY_TABLE: tuple[tuple[int, str], ...] = (
    (90, "<1"),
    (100, "1"),
    (110, "3"),
    (120, "5"),
    (130, "9"),
    (140, "16"),
    (150, "25"),
    (160, "40"),
    (170, "54"),
    (180, "70"),
    (190, "80"),
    (200, "88"),
    (210, "93"),
    (220, "96"),
    (230, "98"),
    (240, "99"),
    (250, ">99"),
)
"""HScore → probability of haemophagocytic syndrome, % (Fardet 2014, as copied in Case Rep
Rheumatol 2017:5304180, Table 3)."""
_PROBABILITY = dict(PROBABILITY_TABLE)

LOOKBACK_VALUES = timedelta(days=7)
"""trialkit convention: quantities from the 7 days up to the index time (worst value)."""

LOOKBACK_FINDINGS = timedelta(days=30)
"""trialkit convention: boolean findings from the 30 days up to the index time."""


def probability_band(score: float) -> str:
    """The Fardet 2014 table band of a total: ``"40–54 %"`` for 161–170, ``"<1 %"`` for ≤ 90.

    A score in (x − 10, x] gets "p(x − 10)–p(x) %", ≤ 90 gets "<1 %" and ≥ 250
    gets ">99 %" (the published table lists every tenth score; no equation
    between them was published).
    """
    return _band(score)[1]


def _band(score: float) -> tuple[str, str]:
    """The band of scores and its probability: ``("161–170", "40–54 %")``."""
    if not 0 <= score <= MAX_SCORE or score != int(score):
        raise TrialkitInputError(f"score: {score!r} is not an HScore (an integer 0–{MAX_SCORE})")
    if score <= 90:
        return "≤ 90", f"{_PROBABILITY[90]} %"
    if score >= 250:
        return "≥ 250", f"{_PROBABILITY[250]} %"
    upper = math.ceil(score / 10) * 10
    lower = upper - 10
    return f"{lower + 1}–{upper}", f"{_PROBABILITY[lower]}–{_PROBABILITY[upper]} %"


def _shown(score: float) -> str:
    scores, probability = _band(score)
    return f"{score:g} → {probability} (band {scores})"


def hscore(
    *,
    immunosuppression: bool | None = None,
    temperature: Quantity | None = None,
    hepatomegaly: bool | None = None,
    splenomegaly: bool | None = None,
    haemoglobin: Quantity | None = None,
    leukocytes: Quantity | None = None,
    platelets: Quantity | None = None,
    ferritin: Quantity | None = None,
    triglycerides: Quantity | None = None,
    fibrinogen: Quantity | None = None,
    ast: Quantity | None = None,
    marrow_haemophagocytosis: bool | None = None,
) -> ScoreResult:
    """The HScore from its inputs; None means not known (the item then gives a range).

    ``temperature`` is the highest temperature of the period assessed; the
    laboratory values are the worst of the period. Returns nine items and the
    total (a range while inputs are missing) with the Fardet 2014 probability
    band of each end in ``interpretation``. See the module docstring.
    """
    quantities = {
        "temperature": temperature,
        "ferritin": ferritin,
        "triglycerides": triglycerides,
        "fibrinogen": fibrinogen,
        "ast": ast,
    }
    _check_concepts(quantities, {s.name: s.concept for s in SCALES})
    lineages = {"haemoglobin": haemoglobin, "leukocytes": leukocytes, "platelets": platelets}
    _check_concepts(lineages, _CYTOPENIA_CONCEPTS)
    items = (
        _flag("immunosuppression", immunosuppression, IMMUNOSUPPRESSION_POINTS),
        _scaled(TEMPERATURE, temperature),
        _organomegaly(hepatomegaly, splenomegaly),
        _cytopenias(lineages),
        _scaled(FERRITIN, ferritin),
        _scaled(TRIGLYCERIDES, triglycerides),
        _scaled(FIBRINOGEN, fibrinogen),
        _scaled(AST, ast),
        _flag("marrow_haemophagocytosis", marrow_haemophagocytosis, MARROW_POINTS),
    )
    low, high, missing = span(items)
    ends = _shown(low) if low == high else f"{_shown(low)} to {_shown(high)}"
    text = f"probability of haemophagocytic syndrome, {TABLE_LABEL}: {ends}"
    note = (
        f"{BEST_CUTOFF} is the published best cutoff (sensitivity 93 %, specificity 86 %), "
        f"not a 93 % probability: {_shown(BEST_CUTOFF)}"
    )
    return ScoreResult(
        score="hscore",
        label="HScore",
        source=SOURCE,
        low=low,
        high=high,
        items=items,
        missing=missing,
        interpretation=text,
        notes=(note,),
    )


def assess(record: PatientRecord, at: datetime) -> tuple[Scored, ...]:
    """The HScore at ``at`` from a patient record, with the entries used as evidence.

    Computed at every age (see the module docstring). Look-back: the worst
    quantity of the 7 days up to ``at``; findings from the 30 days up to ``at``.
    """
    inputs = Inputs(record, at, LOOKBACK_FINDINGS)

    def worst(name: str) -> Quantity | None:
        measured = MEASURED[name]

        def badness(o: Observation) -> float:
            value = _number(o)
            if value is None or o.quantity is None:
                return -math.inf
            return value if measured.high else -value

        found = inputs.worst(name, measured.concept, badness, LOOKBACK_VALUES)
        if found is None or badness(found) == -math.inf:
            inputs.evidence.pop(name, None)
            return None
        return found.quantity

    result = hscore(
        immunosuppression=inputs.flag("immunosuppression", FINDINGS["immunosuppression"]),
        temperature=worst("temperature"),
        hepatomegaly=inputs.flag("hepatomegaly", FINDINGS["hepatomegaly"]),
        splenomegaly=inputs.flag("splenomegaly", FINDINGS["splenomegaly"]),
        haemoglobin=worst("haemoglobin"),
        leukocytes=worst("leukocytes"),
        platelets=worst("platelets"),
        ferritin=worst("ferritin"),
        triglycerides=worst("triglycerides"),
        fibrinogen=worst("fibrinogen"),
        ast=worst("ast"),
        marrow_haemophagocytosis=inputs.flag(
            "marrow_haemophagocytosis", FINDINGS["marrow_haemophagocytosis"]
        ),
    )
    return (Scored(result, dict(inputs.evidence)),)


# -- items -------------------------------------------------------------------------------------


def _flag(name: str, value: bool | None, points: int) -> Item:
    if value is None:
        return Item.undecided(name, 0, points, f"not evaluated: {name} unknown", (name,), (name,))
    return Item.decided(name, points if value else 0, "yes" if value else "no", (name,))


def _scaled(scale: Scale, quantity: Quantity | None) -> Item:
    name = scale.name
    if quantity is None:
        return Item.undecided(name, 0, scale.maximum, f"not evaluated: no {name}", (name,), (name,))
    points, value = scale.points(quantity)
    shown = f"{name} {quantity}"
    if quantity.unit != scale.unit:
        shown += f" = {value:g} {scale.unit}"
    return Item.decided(name, points, shown, (name,))


def _organomegaly(hepatomegaly: bool | None, splenomegaly: bool | None) -> Item:
    name = "organomegaly"
    inputs = ("hepatomegaly", "splenomegaly")
    states = (hepatomegaly, splenomegaly)
    enlarged = sum(1 for s in states if s is True)
    unknown = sum(1 for s in states if s is None)
    low = ORGANOMEGALY_POINTS[enlarged]
    high = ORGANOMEGALY_POINTS[enlarged + unknown]
    shown = ", ".join(
        f"{n} {'yes' if s else 'no' if s is False else 'unknown'}"
        for n, s in zip(inputs, states, strict=True)
    )
    missing = tuple(n for n, s in zip(inputs, states, strict=True) if s is None)
    if not missing:
        return Item.decided(name, low, shown, inputs)
    return Item.undecided(name, low, high, f"not evaluated: {shown}", inputs, missing)


def _cytopenias(lineages: Mapping[str, Quantity | None]) -> Item:
    name = "cytopenias"
    inputs = tuple(lineages)
    states: dict[str, bool | None] = {}
    for lineage, quantity in lineages.items():
        if quantity is None:
            states[lineage] = None
        else:
            states[lineage] = CYTOPENIA_LIMITS[lineage].holds(quantity)
    low_count = sum(1 for s in states.values() if s is True)
    unknown = sum(1 for s in states.values() if s is None)
    low = CYTOPENIA_POINTS[low_count]
    high = CYTOPENIA_POINTS[low_count + unknown]
    shown = ", ".join(
        f"{k} {lineages[k]} {'low' if s else 'not low'}" for k, s in states.items() if s is not None
    )
    reason = f"{plural(low_count, 'lineage')} low" + (f": {shown}" if shown else "")
    missing = tuple(k for k, s in states.items() if s is None)
    if not missing:
        return Item.decided(name, low, reason, inputs)
    return Item.undecided(name, low, high, f"{reason}; {unknown} unknown", inputs, missing)


# -- helpers -----------------------------------------------------------------------------------


def _tidy(value: float) -> float:
    # Conversions leave float noise (92 g/L → 9.200000000000001 g/dL, 101.12 °F →
    # 38.400000000000006 °C; the cached factors carry 12 digits). No laboratory reports 10
    # significant digits, so rounding there keeps the printed boundaries exact.
    return float(f"{value:.10g}")


def _number(observation: Observation) -> float | None:
    value = observation.value
    # (float, int): a tuple of types is checked several times faster than `int | float`
    if isinstance(value, bool) or not isinstance(value, (float, int)):
        return None
    return float(value)


def _check_concepts(given: Mapping[str, Quantity | None], expected: Mapping[str, str]) -> None:
    for field, value in given.items():
        if value is not None and value.concept != expected[field]:
            raise TrialkitInputError(
                f"{field}: a {value.concept} quantity ({value}) was given; expected {expected[field]}"
            )
