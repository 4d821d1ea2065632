"""HLH treatment response (CR / PR / NR, non-active disease) as named, versioned rule sets.

Decision docs/clinical-decisions.md §9.10: every rule set here is **provisional** until
it is transcribed from its cited paper and signed off against the trial
protocol; each result names the rule set and version it used. A rule set is
data (:class:`RuleSet`): the criteria of its best category ("resolution": all
must hold), its improvement items (each marker's change from baseline), and how
many improved items make a PR. One evaluator, :func:`assess_response`, walks
every rule set.

Rule sets (what was read, and what is still MEMORY, is in each ``source``):

``hlh94-nonactive`` (v1)
    HLH-94 / HLH-2004 "non-active disease" (Henter JI et al., Pediatr Blood
    Cancer 2007;48:124-131, section "Definition of disease states"; HLH-2004
    protocol p. 24). MEMORY, not found in any searchable copy (§6.1, §10): no
    fever; no splenomegaly; Hb ≥ 90 g/L, platelets ≥ 100 ×10⁹/L, ANC ≥ 0.5
    ×10⁹/L; fasting TG < 3.0 mmol/L; ferritin < 500 µg/L; normal CSF in
    patients whose CSF was positive at diagnosis; decreasing sCD25. The
    protocol's allowance that "moderate isolated splenomegaly may persist" is
    not modelled (splenomegaly is a yes/no finding). Categories: non-active /
    active disease.
``marsh2013`` (v1)
    Marsh RA et al., *Salvage therapy of refractory HLH with alemtuzumab*,
    Pediatr Blood Cancer 2013;60(1):101-109. READ (abstract, twice: §6.2 and the
    scholars.uab.edu record): PR = "at least a 25 % improvement in two or more
    quantifiable symptoms or laboratory markers of HLH" 2 weeks after
    alemtuzumab; patients with ≥ 25 % improvement in a single marker are
    reported separately ("improvement, not PR" here). MEMORY: the marker list
    (sCD25, ferritin, TG, fibrinogen, platelets, ANC, ALT, fever,
    splenomegaly; TG and fibrinogen are taken as two markers) and CR
    (normalisation of all of them). trialkit interpretation: a marker is a
    "marker of HLH" only when abnormal at baseline, and "normal" means the
    HLH-2004 threshold is no longer met (Henter 2007 Table I: sCD25 < 2400
    U/mL, ferritin < 500 µg/L, TG < 3.0 mmol/L, fibrinogen > 1.5 g/L,
    platelets ≥ 100, ANC ≥ 1.0 ×10⁹/L) or, for ALT, at or below the
    laboratory's upper limit (``uln``).
``wang2015-joint`` / ``wang2015-separate`` (v1)
    Wang Y et al., *Multicenter study of combination DEP regimen as a salvage
    therapy for adult refractory HLH*, Blood 2015;126(19):2186-2192. Citation
    READ; criteria MEMORY (§6.3; not found in any searchable copy). CR: sCD25,
    ferritin, blood counts, TG, haemophagocytosis and CSF normalised (trialkit:
    HLH-2004 thresholds, Hb ≥ 90 g/L). PR: ≥ 2 of sCD25 decreased > 1.5-fold;
    ferritin and TG decreased > 25 %; ANC < 0.5 at baseline increased > 100 %
    to > 0.5 ×10⁹/L, or ANC 0.5–2.0 increased > 100 % to normal (trialkit:
    ≥ 2.0 ×10⁹/L, the top of that band); ALT > 400 U/L decreased > 50 %. NR:
    neither. "Ferritin and TG" is ambiguous: ``wang2015-joint`` reads it as
    one item that needs both, ``wang2015-separate`` as two items. After
    steroids a fall of TG alone is common, which makes the separate reading
    the more lenient one.

Inputs are the marker values at baseline and now, keyed by the names in
:data:`MARKERS`: a :class:`~trialkit.units.Quantity` for a laboratory marker, a
bool (present) for a finding, None when unknown. A missing value is never
taken as normal or improved: each item is then undecided, the count of
improved items is a range, and the result lists the categories still possible.
Thresholds that the source prints in two units are compared in the unit the
laboratory reported (§9.3). sCD25 in pg/mL (``lab.scd25_mass``) can be
compared with itself over time, but not with the U/mL threshold (§9.8).

The record adapter :func:`assess` cannot know when the baseline was (the start
of salvage therapy is a protocol event), so it returns nothing;
:func:`assess_between` takes the baseline time explicitly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from trialkit.errors import TrialkitInputError
from trialkit.record import Observation, PatientRecord
from trialkit.scores.hlh2004 import FEVER_THRESHOLD_C, HENTER_2007
from trialkit.scores.inputs import Evidence, Inputs
from trialkit.scores.result import Item, Scored, ScoreResult, span
from trialkit.units import Comparator, Quantity, Threshold
from trialkit.units.threshold import COMPARE
from trialkit.vocab import concept

__all__ = [
    "ACTIVE",
    "BASELINE_LOOKBACK",
    "CR",
    "CURRENT_LOOKBACK",
    "FEVER_CELSIUS",
    "IMPROVEMENT",
    "MARKERS",
    "NON_ACTIVE",
    "NR",
    "PR",
    "RULE_SETS",
    "Case",
    "Direction",
    "Falling",
    "Improvement",
    "Limit",
    "Marker",
    "Normal",
    "RuleSet",
    "UpperLimitOfNormal",
    "assess",
    "assess_between",
    "assess_response",
    "input_name",
    "limit_text",
    "percent_change",
]

CR = "CR"
PR = "PR"
IMPROVEMENT = "improvement, not PR"
NR = "NR"
NON_ACTIVE = "non-active disease"
ACTIVE = "active disease"

Value = Quantity | bool | None


class Direction(StrEnum):
    """Which way a laboratory marker moves when HLH improves."""

    FALL = "fall"
    RISE = "rise"


@dataclass(frozen=True, slots=True)
class Marker:
    """A response marker: its concepts, and the direction of improvement (None for a finding)."""

    label: str
    concepts: tuple[str, ...]
    direction: Direction | None

    @property
    def boolean(self) -> bool:
        """A finding (present / absent) rather than a quantity."""
        return self.direction is None


#: The markers a rule set can use. A finding improves when present at baseline and absent now.
MARKERS: Mapping[str, Marker] = MappingProxyType(
    {
        "scd25": Marker("sCD25", ("lab.scd25", "lab.scd25_mass"), Direction.FALL),
        "ferritin": Marker("ferritin", ("lab.ferritin",), Direction.FALL),
        "triglycerides": Marker("TG", ("lab.triglycerides",), Direction.FALL),
        "fibrinogen": Marker("fibrinogen", ("lab.fibrinogen",), Direction.RISE),
        "neutrophils": Marker("ANC", ("lab.neutrophils",), Direction.RISE),
        "platelets": Marker("platelets", ("lab.platelets",), Direction.RISE),
        "haemoglobin": Marker("Hb", ("lab.haemoglobin",), Direction.RISE),
        "alt": Marker("ALT", ("lab.alt",), Direction.FALL),
        "fever": Marker("fever", ("finding.fever",), None),
        "splenomegaly": Marker("splenomegaly", ("finding.splenomegaly",), None),
        "haemophagocytosis": Marker(
            "haemophagocytosis",
            ("finding.haemophagocytosis", "finding.haemophagocytosis_marrow"),
            None,
        ),
        "cns": Marker("CNS/CSF involvement", ("finding.cns_involvement",), None),
    }
)


@dataclass(frozen=True, slots=True)
class UpperLimitOfNormal:
    """``value op ULN``: the laboratory's upper limit of normal (given to :func:`assess_response` as ``uln``)."""

    op: Comparator


Limit = Threshold | UpperLimitOfNormal
"""A response rule's limit: a fixed threshold (:class:`trialkit.units.Threshold`) or the ULN."""


def limit_text(limit: Limit) -> str:
    """A limit as the reasons print it: ``< 3 mmol/L / 265 mg/dL``, ``<= ULN``."""
    if isinstance(limit, UpperLimitOfNormal):
        return f"{limit.op} ULN"
    return f"{limit.comparator} " + " / ".join(f"{b.limit:g} {b.unit}" for b in limit.bounds)


@dataclass(frozen=True, slots=True)
class Normal:
    """Resolution criterion: the marker is normal now (a finding: absent; a lab: within ``limit``).

    With ``if_abnormal_at_baseline`` the criterion applies only to patients in
    whom the marker was abnormal at baseline (HLH-94 "normal CSF in patients
    whose CSF was positive at diagnosis").
    """

    marker: str
    limit: Limit | None = None
    if_abnormal_at_baseline: bool = False


@dataclass(frozen=True, slots=True)
class Falling:
    """Resolution criterion: the marker is lower now than at baseline (HLH-94 "decreasing sCD25")."""

    marker: str


@dataclass(frozen=True, slots=True)
class Case:
    """An improvement item applies when the baseline meets ``baseline_in``; then ``reaches`` must hold now."""

    baseline_in: tuple[Limit, ...] = ()
    reaches: Limit | None = None


@dataclass(frozen=True, slots=True)
class Improvement:
    """One PR item: every marker in ``markers`` improves by ``percent`` % (or falls ``fold``-fold).

    ``strict`` makes the change "more than" instead of "at least". ``cases``
    restrict the item to baselines in a range (none: always applies).
    ``abnormal_baseline`` counts the item only when the marker was abnormal at
    baseline, judged by the rule set's :class:`Normal` criterion for it.
    """

    name: str
    markers: tuple[str, ...]
    percent: float | None = None
    fold: float | None = None
    strict: bool = False
    cases: tuple[Case, ...] = ()
    abnormal_baseline: bool = False


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A named, versioned response definition (decision §9.10: provisional until signed off)."""

    name: str
    version: int
    title: str
    source: str
    categories: tuple[str, ...]
    resolution: tuple[Normal | Falling, ...]
    improvements: tuple[Improvement, ...] = ()
    pr_needed: int | None = None
    improvement_below_pr: bool = False

    @property
    def label(self) -> str:
        return f"HLH response ({self.name} v{self.version}, provisional)"

    def normal_for(self, marker: str) -> Normal | None:
        for criterion in self.resolution:
            if isinstance(criterion, Normal) and criterion.marker == marker:
                return criterion
        return None


_G9 = "10*9/L"
# HLH-2004 thresholds, Henter JI et al. Pediatr Blood Cancer 2007;48:124, Table I (READ via
# Jordan 2011 Table 2; docs/clinical-decisions.md §1): a value past them no longer meets the
# criterion.
_SCD25_NORMAL = Normal("scd25", HENTER_2007.scd25.negated())
_FERRITIN_NORMAL = Normal("ferritin", HENTER_2007.ferritin.negated())
_TG_NORMAL = Normal("triglycerides", HENTER_2007.triglycerides.negated())
_FIBRINOGEN_NORMAL = Normal("fibrinogen", HENTER_2007.fibrinogen.negated())
_PLATELETS_NORMAL = Normal("platelets", HENTER_2007.platelets.negated())
_ANC_NORMAL = Normal("neutrophils", HENTER_2007.neutrophils.negated())
_HB_NORMAL = Normal("haemoglobin", HENTER_2007.haemoglobin.negated())

HLH94_NONACTIVE = RuleSet(
    name="hlh94-nonactive",
    version=1,
    title="HLH-94/HLH-2004 non-active disease",
    source=(
        "Henter JI et al. Pediatr Blood Cancer 2007;48:124-131 (Definition of disease states; "
        "HLH-2004 protocol p. 24). MEMORY: criteria not verified against the text (§6.1, §10)"
    ),
    categories=(NON_ACTIVE, ACTIVE),
    resolution=(
        Normal("fever"),
        Normal("splenomegaly"),
        _HB_NORMAL,
        _PLATELETS_NORMAL,
        # HLH-94 non-active disease: ANC >= 0.5 x10^9/L (MEMORY, §6.1), not the 1.0 of HLH-2004
        Normal("neutrophils", Threshold.of(">=", {_G9: 0.5})),
        _TG_NORMAL,
        _FERRITIN_NORMAL,
        Normal("cns", if_abnormal_at_baseline=True),
        Falling("scd25"),
    ),
)

MARSH2013 = RuleSet(
    name="marsh2013",
    version=1,
    title="Marsh 2013 alemtuzumab salvage response",
    source=(
        "Marsh RA et al. Pediatr Blood Cancer 2013;60:101-109. READ (abstract): PR = >=25 % "
        "improvement in >=2 quantifiable symptoms or laboratory markers of HLH at 2 weeks; "
        "single-marker improvement reported separately. MEMORY: marker list and CR; trialkit: "
        "markers count when abnormal at baseline, normal = HLH-2004 thresholds / ALT <= ULN"
    ),
    categories=(CR, PR, IMPROVEMENT, NR),
    resolution=(
        _SCD25_NORMAL,
        _FERRITIN_NORMAL,
        _TG_NORMAL,
        _FIBRINOGEN_NORMAL,
        _PLATELETS_NORMAL,
        _ANC_NORMAL,
        Normal("alt", UpperLimitOfNormal("<=")),
        Normal("fever"),
        Normal("splenomegaly"),
    ),
    improvements=tuple(
        # Marsh 2013 abstract: "at least a 25 % improvement"
        Improvement(MARKERS[m].label, (m,), percent=25.0, abnormal_baseline=True)
        for m in (
            "scd25",
            "ferritin",
            "triglycerides",
            "fibrinogen",
            "platelets",
            "neutrophils",
            "alt",
            "fever",
            "splenomegaly",
        )
    ),
    pr_needed=2,
    improvement_below_pr=True,
)

_WANG_SOURCE = (
    "Wang Y et al. Blood 2015;126:2186-2192 (DEP salvage). Citation READ; CR/PR/NR criteria "
    "MEMORY (§6.3, §10); 'normal' = HLH-2004 thresholds (trialkit)"
)
_WANG_RESOLUTION: tuple[Normal | Falling, ...] = (
    _SCD25_NORMAL,
    _FERRITIN_NORMAL,
    _HB_NORMAL,
    _PLATELETS_NORMAL,
    _ANC_NORMAL,
    _TG_NORMAL,
    Normal("haemophagocytosis"),
    Normal("cns"),
)
# Wang 2015 (MEMORY, §6.3): sCD25 "decreased > 1.5-fold"
_WANG_SCD25 = Improvement("sCD25", ("scd25",), fold=1.5, strict=True)
_WANG_ANC = Improvement(
    "ANC",
    ("neutrophils",),
    percent=100.0,
    strict=True,
    cases=(
        # baseline < 0.5: increase > 100 % to > 0.5 x10^9/L
        Case((Threshold.of("<", {_G9: 0.5}),), Threshold.of(">", {_G9: 0.5})),
        # baseline 0.5-2.0: increase > 100 % to normal (trialkit: >= 2.0, the top of the band)
        Case(
            (Threshold.of(">=", {_G9: 0.5}), Threshold.of("<=", {_G9: 2.0})),
            Threshold.of(">=", {_G9: 2.0}),
        ),
    ),
)
# baseline ALT > 400 U/L: decrease > 50 %
_WANG_ALT = Improvement(
    "ALT", ("alt",), percent=50.0, strict=True, cases=(Case((Threshold.of(">", {"U/L": 400.0}),)),)
)

WANG2015_JOINT = RuleSet(
    name="wang2015-joint",
    version=1,
    title="Wang 2015 DEP salvage response, ferritin and TG as one item",
    source=_WANG_SOURCE + "; 'ferritin and TG' read as ONE item needing both",
    categories=(CR, PR, NR),
    resolution=_WANG_RESOLUTION,
    improvements=(
        _WANG_SCD25,
        Improvement("ferritin and TG", ("ferritin", "triglycerides"), percent=25.0, strict=True),
        _WANG_ANC,
        _WANG_ALT,
    ),
    pr_needed=2,
)

WANG2015_SEPARATE = RuleSet(
    name="wang2015-separate",
    version=1,
    title="Wang 2015 DEP salvage response, ferritin and TG as two items",
    source=_WANG_SOURCE + "; 'ferritin and TG' read as TWO items",
    categories=(CR, PR, NR),
    resolution=_WANG_RESOLUTION,
    improvements=(
        _WANG_SCD25,
        Improvement("ferritin", ("ferritin",), percent=25.0, strict=True),
        Improvement("TG", ("triglycerides",), percent=25.0, strict=True),
        _WANG_ANC,
        _WANG_ALT,
    ),
    pr_needed=2,
)

WANG2015_IMPROVEMENT = RuleSet(
    name="wang2015-improvement",
    version=1,
    title="Wang 2015 DEP salvage response with the Beijing 'improvement' below PR",
    source=(
        _WANG_SOURCE
        + "; 'ferritin and TG' read as ONE item; 'HLH improvement' below PR: counted by Zhang Q "
        "et al. Haematologica 2021 (READ, abstract) and reported by the Beijing ruxolitinib "
        "salvage study (seed 002: 'improved but did not achieve PR'); its rule is not in the "
        "abstracts: trialkit reads it as at least one Wang 2015 PR item met without PR, as "
        "Marsh 2013 counts a single-marker improvement (docs/clinical-decisions.md §6.4)"
    ),
    categories=(CR, PR, IMPROVEMENT, NR),
    resolution=_WANG_RESOLUTION,
    improvements=WANG2015_JOINT.improvements,
    pr_needed=2,
    improvement_below_pr=True,
)

#: Every rule set by name.
RULE_SETS: Mapping[str, RuleSet] = MappingProxyType(
    {
        r.name: r
        for r in (
            HLH94_NONACTIVE,
            MARSH2013,
            WANG2015_JOINT,
            WANG2015_SEPARATE,
            WANG2015_IMPROVEMENT,
        )
    }
)

#: Adapter look-back windows (trialkit conventions): the baseline work-up may precede the
#: start of therapy by days; a response value must be contemporaneous with the assessment.
BASELINE_LOOKBACK = timedelta(days=7)
CURRENT_LOOKBACK = timedelta(days=3)
#: Fever when no fever finding is recorded: a temperature >= 38.5 Cel in the 24 h before
#: the time point (decision §9.1, HLH-94 / Jordan 2011 convention; HLH-2004's threshold).
FEVER_CELSIUS = FEVER_THRESHOLD_C
_FEVER_WINDOW = timedelta(hours=24)


def input_name(marker: str, when: str) -> str:
    """The input (and evidence) name of a marker at a time point: ``ferritin (baseline)``."""
    return f"{marker} ({when})"


def percent_change(baseline: float, current: float) -> float | None:
    """(current − baseline) / baseline × 100; None when the baseline is 0."""
    if baseline == 0:
        return None
    return (current - baseline) / baseline * 100.0


def assess_response(
    rule_set: str | RuleSet,
    baseline: Mapping[str, Value],
    current: Mapping[str, Value],
    *,
    uln: Mapping[str, float] | None = None,
) -> ScoreResult:
    """The response category under ``rule_set`` from the marker values at baseline and now.

    ``uln`` gives a laboratory's upper limit of normal per marker, in the
    concept's canonical unit (ALT in U/L), for criteria stated against it. The
    result's ``low``/``high`` count the improved items (for
    ``hlh94-nonactive``, the criteria met); ``category`` is set when decided,
    else ``possible`` lists the categories still open, best first. Raises
    :class:`TrialkitInputError` for an unknown rule set or marker, a value of
    the wrong kind or concept, or a negative quantity.
    """
    rules = _rule_set(rule_set)
    _check(baseline, "baseline")
    _check(current, "current")
    limits = dict(uln or {})
    states = _Evaluator(rules, baseline, current, limits)
    resolution_counts = not rules.improvements
    items: list[Item] = []
    resolved: list[bool | None] = []
    for criterion in rules.resolution:
        state, item = states.resolution(criterion, resolution_counts)
        resolved.append(state)
        items.append(item)
    improved_items = [states.improvement(rule) for rule in rules.improvements]
    items.extend(improved_items)
    low, high, _ = span(tuple(items))
    excluded = any(s is False for s in resolved)
    # a missing input of the resolution criteria matters only while the best category is open
    relevant = [i for i in items if i.counts or not excluded]
    missing = tuple(dict.fromkeys(m for i in relevant for m in i.missing))
    if excluded:
        resolved_options: tuple[bool, ...] = (False,)
    elif all(s is True for s in resolved):
        resolved_options = (True,)
    else:
        resolved_options = (True, False)
    count_low = int(sum(i.low for i in improved_items))
    count_high = int(sum(i.high for i in improved_items))
    found = {
        _category(rules, done, count)
        for done in resolved_options
        for count in range(count_low, count_high + 1)
    }
    possible = tuple(c for c in rules.categories if c in found)
    notes = (
        f"rule set {rules.name} v{rules.version} ({rules.title}): provisional until signed off "
        f"against the protocol (docs/clinical-decisions.md §9.10)",
    )
    return ScoreResult(
        f"hlh_response.{rules.name}",
        rules.label,
        rules.source,
        low,
        high,
        items=tuple(items),
        missing=missing,
        category=possible[0] if len(possible) == 1 else None,
        possible=() if len(possible) == 1 else possible,
        notes=notes,
    )


def assess(record: PatientRecord, at: datetime) -> tuple[Scored, ...]:
    """Nothing: a response needs a baseline time, which only the protocol knows.

    The baseline of a response assessment is a protocol event (the start of
    salvage therapy, day 0 of ruxolitinib), not something a record shows, so
    :func:`~trialkit.scores.assess_all` reports no HLH response. Use
    :func:`assess_between` with the baseline time and a rule set.
    """
    return ()


def assess_between(
    record: PatientRecord,
    baseline_at: datetime,
    at: datetime,
    rule_set: str | RuleSet,
) -> tuple[Scored, ...]:
    """The response under ``rule_set`` between ``baseline_at`` and ``at``, with evidence.

    Each marker is the latest value at or before the time point: within
    :data:`BASELINE_LOOKBACK` (7 days) of ``baseline_at`` and within
    :data:`CURRENT_LOOKBACK` (3 days) of ``at``. sCD25 is read in U/mL
    (``lab.scd25``), else in pg/mL (``lab.scd25_mass``). Haemophagocytosis is
    ``finding.haemophagocytosis``, else the marrow finding. Fever is the
    recorded finding, else a temperature ≥ :data:`FEVER_CELSIUS` in the 24 h
    before the time point (all temperatures below it: no fever). The ALT upper
    limit is the laboratory's reference high of the current ALT, else of the
    baseline ALT. Evidence is keyed ``<marker> (baseline)`` / ``<marker> (current)``.
    """
    if baseline_at > at:
        raise TrialkitInputError(
            f"baseline_at: {baseline_at.isoformat()} is after the assessment time {at.isoformat()}"
        )
    rules = _rule_set(rule_set)
    evidence: Evidence = {}
    values: dict[str, dict[str, Value]] = {}
    alt_observations: list[Observation] = []
    for when, time, window in (
        ("current", at, CURRENT_LOOKBACK),
        ("baseline", baseline_at, BASELINE_LOOKBACK),
    ):
        inputs = Inputs(record, time, window)
        found: dict[str, Value] = {}
        for marker, spec in MARKERS.items():
            name = input_name(marker, when)
            if spec.boolean:
                found[marker] = _read_flag(record, inputs, name, marker, spec)
            else:
                found[marker] = _read_quantity(inputs, name, spec)
        values[when] = found
        evidence.update(inputs.evidence)
        alt = record.latest("lab.alt", time, window)
        if alt is not None:
            alt_observations.append(alt)
    highs = [o.reference_high for o in alt_observations if o.reference_high is not None]
    uln = {"alt": highs[0]} if highs else {}
    result = assess_response(rules, values["baseline"], values["current"], uln=uln)
    window_note = (
        f"look-back: baseline {BASELINE_LOOKBACK.days} d before {baseline_at.isoformat()}, "
        f"current {CURRENT_LOOKBACK.days} d before {at.isoformat()}"
    )
    result = replace(result, notes=(*result.notes, window_note))
    return (Scored(result, evidence),)


# -- evaluation ---------------------------------------------------------------------------------


class _Evaluator:
    """Decides criteria and improvement items for one rule set and one pair of time points."""

    def __init__(
        self,
        rules: RuleSet,
        baseline: Mapping[str, Value],
        current: Mapping[str, Value],
        uln: Mapping[str, float],
    ) -> None:
        self.rules = rules
        self.baseline = baseline
        self.current = current
        self.uln = uln

    # resolution ---------------------------------------------------------------------------------
    def resolution(self, criterion: Normal | Falling, counts: bool) -> tuple[bool | None, Item]:
        marker = criterion.marker
        label = MARKERS[marker].label
        b_name, c_name = input_name(marker, "baseline"), input_name(marker, "current")
        if isinstance(criterion, Falling):
            state, text, missing = self._falling(marker)
            return state, _item(
                f"{label} decreasing", state, text, (b_name, c_name), missing, counts
            )
        name = f"no {label}" if MARKERS[marker].boolean else f"{label} normal"
        if criterion.if_abnormal_at_baseline:
            before = self._normal(criterion, self.baseline.get(marker))
            if before[0] is True:
                text = f"{label}: normal at baseline, criterion does not apply"
                return True, _item(name, True, text, (b_name,), (), counts)
            state, text, missing = self._normal(criterion, self.current.get(marker), c_name)
            if state is None and before[0] is None and self.current.get(marker) is None:
                missing = (b_name, c_name)
            elif state is False and before[0] is None:
                # Abnormal now, but the criterion only applies if it was abnormal at
                # baseline, which is unknown: it may not apply at all.
                state = None
                text += "; applies only if abnormal at baseline (unknown)"
                missing = (*missing, b_name)
            return state, _item(name, state, text, (b_name, c_name), missing, counts)
        state, text, missing = self._normal(criterion, self.current.get(marker), c_name)
        return state, _item(name, state, text, (c_name,), missing, counts)

    def _normal(
        self, criterion: Normal, value: Value, name: str = ""
    ) -> tuple[bool | None, str, tuple[str, ...]]:
        marker = criterion.marker
        label = MARKERS[marker].label
        if value is None:
            return None, f"{label}: unknown", (name,) if name else ()
        if isinstance(value, bool):
            return (not value), f"{label}: {'present' if value else 'absent'}", ()
        assert criterion.limit is not None
        state = self._meets(marker, value, criterion.limit)
        if state is None:
            why, lacking = self._why_not_comparable(marker, value, name)
            return None, f"{label} {value}: {why}", lacking
        verdict = "normal" if state else "not normal"
        return state, f"{label} {value} {limit_text(criterion.limit)}: {verdict}", ()

    def _why_not_comparable(
        self, marker: str, value: Quantity, name: str
    ) -> tuple[str, tuple[str, ...]]:
        if value.concept == "lab.scd25_mass":
            why = "pg/mL has no fixed factor to the U/mL threshold (§9.8)"
            return why, (f"{name} in U/mL",) if name else ()
        why = "laboratory upper limit of normal unknown"
        return why, (f"{MARKERS[marker].label} upper limit of normal",)

    def _falling(self, marker: str) -> tuple[bool | None, str, tuple[str, ...]]:
        label = MARKERS[marker].label
        pair, reason, lacking = self._pair(marker)
        if pair is None:
            return None, f"{label}: {reason}", lacking
        before, now, unit = pair
        change = percent_change(before, now)
        shown = "" if change is None else f" ({change:+.1f} %)"
        return now < before, f"{label} {before:g} → {now:g} {unit}{shown}", ()

    # improvement --------------------------------------------------------------------------------
    def improvement(self, rule: Improvement) -> Item:
        states: list[bool | None] = []
        texts: list[str] = []
        missing: list[str] = []
        for marker in rule.markers:
            state, text, lacking = self._improved(rule, marker)
            states.append(state)
            texts.append(text)
            missing.extend(lacking)
        if any(s is False for s in states):
            state = False
            missing = []
        elif all(s is True for s in states):
            state = True
        else:
            state = None
        inputs = tuple(input_name(m, w) for m in rule.markers for w in ("baseline", "current"))
        return _item(rule.name, state, "; ".join(texts), inputs, tuple(missing), True)

    def _improved(self, rule: Improvement, marker: str) -> tuple[bool | None, str, tuple[str, ...]]:
        spec = MARKERS[marker]
        label = spec.label
        b_name, c_name = input_name(marker, "baseline"), input_name(marker, "current")
        before = self.baseline.get(marker)
        now = self.current.get(marker)
        if spec.boolean:
            if before is False:
                return False, f"{label}: absent at baseline, nothing to improve", ()
            if now is True:
                return False, f"{label}: present now", ()
            if before is True and now is False:
                return True, f"{label}: present at baseline, resolved", ()
            lacking = tuple(n for n, v in ((b_name, before), (c_name, now)) if v is None)
            return None, f"{label}: unknown", lacking
        # 1. does the item apply at this baseline (abnormal baseline, baseline band)?
        applies: bool | None = True
        open_reason: tuple[str, tuple[str, ...]] = ("", ())
        reaches: Limit | None = None
        if isinstance(before, Quantity):
            normal = self.rules.normal_for(marker) if rule.abnormal_baseline else None
            if normal is not None:
                was_normal, _, lacking = self._normal(normal, before, b_name)
                if was_normal is True:
                    return False, f"{label} {before}: normal at baseline, not a marker of HLH", ()
                if was_normal is None:
                    applies = None
                    open_reason = self._why_not_comparable(marker, before, b_name)
            if rule.cases:
                case, undecided = self._case(rule, marker, before)
                if case is None and not undecided:
                    return False, f"{label} {before}: the item does not apply at this baseline", ()
                if case is None:
                    applies = None
                    open_reason = self._why_not_comparable(marker, before, b_name)
                else:
                    reaches = case.reaches
        # 2. the change from baseline
        pair, reason, lacking = self._pair(marker)
        if pair is None:
            return None, f"{label}: {reason}", lacking
        b, c, unit = pair
        change = percent_change(b, c)
        shown = f"{label} {b:g} → {c:g} {unit}" + ("" if change is None else f" ({change:+.1f} %)")
        needed = _needed(spec.direction, rule)
        if not _changed(spec.direction, rule, b, c):
            return False, f"{shown}: not improved ({needed})", ()
        if reaches is not None and isinstance(now, Quantity):
            reached = self._meets(marker, now, reaches)
            if reached is False:
                return False, f"{shown}: {needed}, but not {limit_text(reaches)}", ()
            if reached is None:
                why, lacking = self._why_not_comparable(marker, now, c_name)
                return None, f"{shown}: {needed}; {why}", lacking
        if applies is None:
            return None, f"{shown}: {needed}; {open_reason[0]}", open_reason[1]
        target = "" if reaches is None else f", {limit_text(reaches)}"
        return True, f"{shown}: improved ({needed}{target})", ()

    def _case(self, rule: Improvement, marker: str, before: Quantity) -> tuple[Case | None, bool]:
        undecided = False
        for case in rule.cases:
            states = [self._meets(marker, before, limit) for limit in case.baseline_in]
            if all(s is True for s in states):
                return case, False
            if not any(s is False for s in states):
                undecided = True
        return None, undecided

    # values -------------------------------------------------------------------------------------
    def _pair(self, marker: str) -> tuple[tuple[float, float, str] | None, str, tuple[str, ...]]:
        """Baseline and current in the baseline's unit; else None, the reason and what is missing."""
        before = self.baseline.get(marker)
        now = self.current.get(marker)
        lacking = tuple(
            input_name(marker, w) for w, v in (("baseline", before), ("current", now)) if v is None
        )
        if lacking:
            return None, "unknown", lacking
        assert isinstance(before, Quantity)
        assert isinstance(now, Quantity)
        if before.concept != now.concept:
            why = f"{before.unit} at baseline and {now.unit} now are different assays"
            return None, why, (f"{input_name(marker, 'current')} in {before.unit}",)
        return (before.value, now.to(before.unit), before.unit), "", ()

    def _meets(self, marker: str, value: Quantity, limit: Limit) -> bool | None:
        if isinstance(limit, UpperLimitOfNormal):
            bound = self.uln.get(marker)
            if bound is None:
                return None
            return COMPARE[limit.op](_canonical(marker, value), bound)
        if value.concept == "lab.scd25_mass":
            return None
        return limit.holds(value)


def _canonical(marker: str, value: Quantity) -> float:
    unit = concept(MARKERS[marker].concepts[0]).unit
    assert unit is not None
    return value.to(unit)


def _changed(direction: Direction | None, rule: Improvement, before: float, now: float) -> bool:
    if rule.fold is not None:
        # falls more than (or at least) fold-fold: before > fold × now
        return before > rule.fold * now if rule.strict else before >= rule.fold * now
    assert rule.percent is not None
    if direction is Direction.FALL:
        bound = (1.0 - rule.percent / 100.0) * before
        return now < bound if rule.strict else now <= bound and now < before
    bound = (1.0 + rule.percent / 100.0) * before
    return (now > bound if rule.strict else now >= bound) and now > before


def _needed(direction: Direction | None, rule: Improvement) -> str:
    more = ">" if rule.strict else "≥"
    if rule.fold is not None:
        return f"fall {more} {rule.fold:g}-fold"
    way = "fall" if direction is Direction.FALL else "rise"
    return f"{way} {more} {rule.percent:g} %"


def _category(rules: RuleSet, resolved: bool, improved: int) -> str:
    if resolved:
        return rules.categories[0]
    if rules.pr_needed is not None and improved >= rules.pr_needed:
        return PR
    if rules.improvement_below_pr and improved >= 1:
        return IMPROVEMENT
    return rules.categories[-1]


def _item(
    name: str,
    state: bool | None,
    reason: str,
    inputs: tuple[str, ...],
    missing: tuple[str, ...],
    counts: bool,
) -> Item:
    if state is None:
        return Item.undecided(name, 0, 1, reason, inputs, missing, counts)
    return Item.decided(name, 1 if state else 0, reason, inputs, counts)


def _rule_set(rule_set: str | RuleSet) -> RuleSet:
    if isinstance(rule_set, RuleSet):
        return rule_set
    found = RULE_SETS.get(rule_set)
    if found is None:
        raise TrialkitInputError(
            f"rule_set: unknown HLH response rule set {rule_set!r}; known: {', '.join(RULE_SETS)}"
        )
    return found


def _check(values: Mapping[str, Value], field: str) -> None:
    for marker, value in values.items():
        spec = MARKERS.get(marker)
        if spec is None:
            raise TrialkitInputError(
                f"{field}: unknown marker {marker!r}; known: {', '.join(MARKERS)}"
            )
        if value is None:
            continue
        if spec.boolean:
            if not isinstance(value, bool):
                raise TrialkitInputError(f"{field}.{marker}: {value!r} must be true, false or None")
            continue
        if not isinstance(value, Quantity):
            raise TrialkitInputError(f"{field}.{marker}: {value!r} must be a Quantity or None")
        if value.concept not in spec.concepts:
            raise TrialkitInputError(
                f"{field}.{marker}: a quantity of {value.concept} cannot be {spec.label} "
                f"({', '.join(spec.concepts)})"
            )
        if not value.value >= 0:
            raise TrialkitInputError(f"{field}.{marker}: {value} is negative")


# -- record reading -----------------------------------------------------------------------------


def _read_quantity(inputs: Inputs, name: str, spec: Marker) -> Quantity | None:
    for key in spec.concepts:
        found = inputs.quantity(name, key)
        if found is not None:
            return found
    return None


def _read_flag(
    record: PatientRecord, inputs: Inputs, name: str, marker: str, spec: Marker
) -> bool | None:
    for key in spec.concepts:
        found = inputs.flag(name, key)
        if found is not None:
            return found
    if marker == "fever":
        temperatures = record.window("vital.temperature", inputs.at, _FEVER_WINDOW)
        numbers = [(float(t.value), t) for t in temperatures if isinstance(t.value, int | float)]
        if numbers:
            highest, hottest = max(numbers, key=lambda pair: pair[0])
            inputs.evidence[name] = (hottest,)
            return highest >= FEVER_CELSIUS
    return None
