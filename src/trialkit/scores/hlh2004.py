"""HLH-2004 diagnostic criteria for haemophagocytic lymphohistiocytosis.

Source: Henter JI, Horne A, Aricó M, et al. HLH-2004: Diagnostic and therapeutic
guidelines for hemophagocytic lymphohistiocytosis. Pediatr Blood Cancer
2007;48(2):124-131, Table I (read in the verbatim reproduction of Jordan MB et
al., Blood 2011;118:4041, bloodjournal Table 2, and checked against
highlighthlh.com and JITC 2018 Table 1). The diagnosis is established when

1. a molecular diagnosis consistent with HLH is present, **or**
2. at least 5 of the 8 criteria below are fulfilled.

Criteria (Henter 2007 comparators, decision §9.2 of docs/clinical-decisions.md):

=== ================================================= =====================================
 #  criterion                                         met when
=== ================================================= =====================================
 1  fever                                             temperature ≥ 38.5 °C (see below) or a
                                                      recorded fever finding
 2  splenomegaly                                      finding
 3  cytopenias, ≥ 2 of 3 lineages                     Hb < 90 g/L (< 100 g/L in infants
                                                      < 4 weeks), platelets < 100×10⁹/L,
                                                      neutrophils < 1.0×10⁹/L
 4  hypertriglyceridaemia and/or hypofibrinogenaemia  fasting TG ≥ 3.0 mmol/L (≥ 265 mg/dL);
                                                      fibrinogen ≤ 1.5 g/L
 5  haemophagocytosis                                 marrow, spleen or lymph nodes
 6  low or absent NK-cell activity                    per the local laboratory
 7  ferritin                                          ≥ 500 µg/L
 8  sCD25 (soluble IL-2 receptor)                     ≥ 2400 U/mL
=== ================================================= =====================================

Conventions and decisions:

- **Fever**: Henter 2007 prints "fever" without a number; the default 38.5 °C is
  the HLH-94 / Jordan 2011 Table 1 value (decision §9.1), and it is a parameter.
  Met when the temperature reaches the threshold or a fever finding is true;
  not met when the finding is recorded false (a clinician's "no fever" is known
  absence, docs/fhir-input.md) and no temperature reaches the threshold.
- **Units** (decision §9.3): a threshold the source prints in two units is
  compared in the unit the laboratory reported (TG 265 mg/dL is met, although
  265 mg/dL = 2.992 mmol/L), via :func:`trialkit.units.comparable`.
- **Infants**: "< 4 weeks" is age < 28 days at the time of the haemoglobin
  sample. With the age unknown, Hb < 90 g/L is low either way, Hb ≥ 100 g/L is
  not low either way, and 90 ≤ Hb < 100 g/L leaves the lineage undecided.
- **Cytopenias**: met when two lineages are known to be low; not met when at
  most one lineage can still be low; otherwise not evaluated.
- **sCD25** (decision §9.8): 2400 is in U/mL. A value reported only in pg/mL
  (``lab.scd25_mass``) has no fixed factor to U/mL, so the criterion is not
  evaluated, unless the laboratory flags it above its upper limit **and** the
  caller passes ``accept_scd25_uln_flag=True``.
- **Missing inputs** (decision §9.9): a criterion whose inputs are missing is
  "not evaluated" (0–1), never silently "not met". The count is the range
  ``low`` (criteria met: the count when unevaluated criteria are taken as not
  met, as Henter 2007 does) to ``high`` (met + not evaluated).
- **Molecular route**: a curated boolean, reported as an item that does not
  count towards the 8. The outcome follows Kleene logic: ``met`` when the
  molecular route is true or at least 5 criteria are met; ``not_met`` when the
  molecular route is false and fewer than 5 criteria can be met; otherwise both
  remain possible.
- Not checked: that triglycerides were fasting, and the "no evidence of
  malignancy" proviso of the haemophagocytosis criterion (clinical judgement).

Rule sets (``rules=``): ``"henter2007"`` (default) as above, and
``"jordan2011"``, the strict comparators of Jordan MB, Allen CE, Weitzman S,
Filipovich AH, McClain KL. How I treat hemophagocytic lymphohistiocytosis. Blood
2011;118(15):4041-4052, Table 1 ("adapted from Henter"; read on PMC3204727):
Hb < 9 g/dL (< 10 g/dL in infants < 4 weeks), platelets < 100×10⁹/L,
neutrophils < 1×10⁹/L, TG > 265 mg/dL, fibrinogen < 150 mg/dL, ferritin
> 500 ng/mL, and "elevated sCD25", which Jordan's footnote defines as above the
age-adjusted, laboratory-specific norm (> 2 SD) rather than "the original
designation of > 2400 U/mL". Read as most reproductions print it ("> 2400 U/mL,
or elevated compared with laboratory-defined normal ranges"): met when the
value exceeds 2400 U/mL or the laboratory flags it above its upper limit (in
either unit); not met when the flag says not above and the value is not above
2400 U/mL (or is in pg/mL).

Record adapter (:func:`assess`), a trialkit convention (the sources say "at
diagnosis"): quantities are read from the 7 days up to the index time, and the
observation that meets the criterion is used if there is one, else the worst
(highest temperature, TG, ferritin, sCD25; lowest Hb, platelets, neutrophils,
fibrinogen); boolean findings from the last 30 days (or a Condition present at
the index time). With no fever finding recorded, temperatures charted in the
window stand for the fever record (all below the threshold → no fever). A
bone-marrow haemophagocytosis finding counts for criterion 5. sCD25 is read in
U/mL (``lab.scd25``) when available, else in pg/mL (``lab.scd25_mass``); the
laboratory flag is the FHIR interpretation (H, HH, HU, > / N, L, LL, LU, <) or,
without one, the value against the reported reference upper limit.
The molecular route is true when a Condition ``condition.hlh_primary`` is
present; a genomic finding in a primary-HLH gene is reported in the notes but
does not make the route true, because a :class:`~trialkit.record.GenomicFinding`
carries neither an ACMG classification nor zygosity (a heterozygous PRF1
variant is not a molecular diagnosis). No record ever makes the route false:
absence of a finding is unknown, and the protocol layer decides what an
unknown molecular route means.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from trialkit._wording import plural
from trialkit.errors import DefinitionError, NegativeAgeError, TrialkitInputError
from trialkit.record import Observation, PatientRecord
from trialkit.scores.bands import read_table, threshold
from trialkit.scores.inputs import Inputs, Measured
from trialkit.scores.result import Item, Scored, ScoreResult, span
from trialkit.units import Quantity, Threshold

__all__ = [
    "CRITERIA_REQUIRED",
    "FEVER_THRESHOLD_C",
    "FINDINGS",
    "HENTER_2007",
    "INFANT_DAYS",
    "JORDAN_2011",
    "LOOKBACK_FINDINGS",
    "LOOKBACK_VALUES",
    "MEASURED",
    "MOLECULAR_CONDITION",
    "PRIMARY_HLH_GENES",
    "RULE_SETS",
    "SCD25_MASS",
    "RuleSet",
    "above_uln",
    "assess",
    "fever_at",
    "hlh2004",
]

RuleName = Literal["henter2007", "jordan2011"]

FEVER_THRESHOLD_C = 38.5
"""°C. Henter 2007 Table I prints "fever" only; 38.5 °C is the HLH-94 and Jordan 2011 Table 1
value (docs/clinical-decisions.md §9.1)."""


def fever_at(celsius: float = FEVER_THRESHOLD_C) -> Threshold:
    """Criterion 1's temperature threshold: ≥ ``celsius`` °C (default :data:`FEVER_THRESHOLD_C`)."""
    return Threshold.of(">=", {"Cel": celsius}, "HLH-94 / Jordan 2011 Table 1 (§9.1)")


INFANT_DAYS = 28
"""Henter 2007 Table I: "infants < 4 weeks" → age in days < 28 at the time of the sample."""

CRITERIA_REQUIRED = 5
"""Henter 2007 Table I: "5 out of the 8 criteria"."""

CRITERIA_TOTAL = 8

PRIMARY_HLH_GENES = (
    "gene.prf1",
    "gene.unc13d",
    "gene.stx11",
    "gene.stxbp2",
    "gene.rab27a",
    "gene.lyst",
    "gene.sh2d1a",
    "gene.xiap",
)
"""Genes named for the molecular route: PRF1, UNC13D, STX11 (Henter 2007); STXBP2 (Munc18-2),
RAB27A, SH2D1A, XIAP (BIRC4) (Jordan 2011 Table 1); LYST (Chédiak-Higashi). Only reported in
the notes by the adapter (see the module docstring)."""

LOOKBACK_VALUES = timedelta(days=7)
"""trialkit convention: quantities from the 7 days up to the index time."""

LOOKBACK_FINDINGS = timedelta(days=30)
"""trialkit convention: boolean findings from the 30 days up to the index time."""


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The thresholds of one published version of the HLH-2004 criteria (``scores/data/hlh2004.yaml``)."""

    name: str
    label: str
    source: str
    haemoglobin: Threshold
    haemoglobin_infant: Threshold
    platelets: Threshold
    neutrophils: Threshold
    triglycerides: Threshold
    fibrinogen: Threshold
    ferritin: Threshold
    scd25: Threshold
    scd25_by_uln: bool
    """Jordan 2011: "elevated sCD25" means above the laboratory's norm; the flag decides."""

    def threshold(self, name: str) -> Threshold:
        """The threshold of the measured input ``name`` (:data:`MEASURED`; not temperature)."""
        found = getattr(self, name)
        if not isinstance(found, Threshold):
            raise KeyError(name)
        return found


_THRESHOLDS = (
    "haemoglobin",
    "haemoglobin_infant",
    "platelets",
    "neutrophils",
    "triglycerides",
    "fibrinogen",
    "ferritin",
    "scd25",
)


def _read_rule_set(name: RuleName) -> RuleSet:
    row = read_table("hlh2004")[name]
    given = row["thresholds"]
    if set(given) != set(_THRESHOLDS):
        raise DefinitionError(f"scores/data/hlh2004.yaml {name}: thresholds {sorted(given)}")
    return RuleSet(
        name=name,
        label=row["label"],
        source=row["source"],
        scd25_by_uln=bool(row["scd25_by_uln"]),
        **{t: threshold(given[t], f"scores/data/hlh2004.yaml {name}.{t}") for t in _THRESHOLDS},
    )


HENTER_2007 = _read_rule_set("henter2007")
JORDAN_2011 = _read_rule_set("jordan2011")

RULE_SETS: Mapping[str, RuleSet] = {r.name: r for r in (HENTER_2007, JORDAN_2011)}

MEASURED: tuple[Measured, ...] = (
    Measured("temperature", "vital.temperature", high=True),
    Measured("haemoglobin", "lab.haemoglobin", high=False),
    Measured("platelets", "lab.platelets", high=False),
    Measured("neutrophils", "lab.neutrophils", high=False),
    Measured("triglycerides", "lab.triglycerides", high=True),
    Measured("fibrinogen", "lab.fibrinogen", high=False),
    Measured("ferritin", "lab.ferritin", high=True),
    Measured("scd25", "lab.scd25", high=True),
)
"""The measured inputs, read from the :data:`LOOKBACK_VALUES` window by :func:`assess` and by the
SQL compiler: the value meeting its criterion if any, else the worst (the module docstring).
Their thresholds are the rule set's fields of the same name (temperature: :func:`fever_at`)."""

FINDINGS: Mapping[str, str] = {
    "fever": "finding.fever",
    "splenomegaly": "finding.splenomegaly",
    "haemophagocytosis": "finding.haemophagocytosis",
    "haemophagocytosis_marrow": "finding.haemophagocytosis_marrow",
    "nk_activity_low": "finding.nk_activity_low",
}
"""The findings read (the :data:`LOOKBACK_FINDINGS` window), by input name: for :func:`assess`
and the SQL compiler."""

SCD25_MASS = "lab.scd25_mass"
"""sCD25 reported as a mass concentration (pg/mL), read when no U/mL value is (no fixed factor)."""
MOLECULAR_CONDITION = "condition.hlh_primary"
"""The diagnosis that makes the molecular route true (the module docstring)."""
_EXPECTED = {m.name: (m.concept,) for m in MEASURED} | {"scd25": ("lab.scd25", SCD25_MASS)}


def hlh2004(
    *,
    temperature: Quantity | None = None,
    fever: bool | None = None,
    splenomegaly: bool | None = None,
    haemoglobin: Quantity | None = None,
    age_days: int | None = None,
    platelets: Quantity | None = None,
    neutrophils: Quantity | None = None,
    triglycerides: Quantity | None = None,
    fibrinogen: Quantity | None = None,
    haemophagocytosis: bool | None = None,
    nk_activity_low: bool | None = None,
    ferritin: Quantity | None = None,
    scd25: Quantity | None = None,
    scd25_above_uln: bool | None = None,
    molecular: bool | None = None,
    rules: RuleName | RuleSet = "henter2007",
    fever_threshold: float = FEVER_THRESHOLD_C,
    accept_scd25_uln_flag: bool = False,
) -> ScoreResult:
    """The HLH-2004 diagnosis from its inputs; None means not known.

    ``temperature`` is the highest temperature of the period assessed, ``fever``
    a recorded fever finding; ``age_days`` is the age in days when the
    haemoglobin was drawn. ``scd25`` is a ``lab.scd25`` (U/mL) or
    ``lab.scd25_mass`` (pg/mL) quantity, ``scd25_above_uln`` whether the
    reporting laboratory flags it above its upper limit. ``molecular`` is the
    curated "molecular diagnosis consistent with HLH". See the module docstring
    for thresholds, rule sets and decisions. Returns the 8 criteria (1 met, 0
    not met, 0–1 not evaluated) plus the molecular item (``counts=False``); the
    score is the number of criteria met, as a range while any is not evaluated,
    and ``category`` is ``"met"``/``"not_met"`` or ``possible`` holds both.
    """
    rule = _rule_set(rules)
    _check_concepts(
        temperature=temperature,
        haemoglobin=haemoglobin,
        platelets=platelets,
        neutrophils=neutrophils,
        triglycerides=triglycerides,
        fibrinogen=fibrinogen,
        ferritin=ferritin,
        scd25=scd25,
    )
    if age_days is not None and age_days < 0:
        raise NegativeAgeError(f"age_days: {age_days} is negative; give the age in days")
    if not 37.0 <= fever_threshold <= 42.0:
        raise TrialkitInputError(
            f"fever_threshold: {fever_threshold:g} °C is not a fever threshold (37–42 °C)"
        )
    criteria = (
        _fever(temperature, fever, fever_threshold),
        _finding("splenomegaly", splenomegaly, "splenomegaly", "no splenomegaly"),
        _cytopenias(rule, haemoglobin, age_days, platelets, neutrophils),
        _lipids(rule, triglycerides, fibrinogen),
        _finding(
            "haemophagocytosis", haemophagocytosis, "haemophagocytosis", "no haemophagocytosis"
        ),
        _finding(
            "nk_activity",
            nk_activity_low,
            "low or absent NK-cell activity",
            "NK-cell activity not low",
            "nk_activity_low",
        ),
        _measured("ferritin", ferritin, rule.ferritin),
        _scd25(rule, scd25, scd25_above_uln, accept_scd25_uln_flag),
    )
    route = _molecular(molecular)
    low, high, missing = span(criteria)
    met = int(low)
    unevaluated = int(high - low)
    unmet = CRITERIA_TOTAL - met - unevaluated
    tally = f"{met}/{CRITERIA_TOTAL} met, {unmet} not met, {unevaluated} not evaluated"
    category: str | None
    if molecular is True:
        category, text = "met", f"molecular diagnosis consistent with HLH ({tally})"
    elif low >= CRITERIA_REQUIRED:
        category, text = "met", f"{tally}; ≥ {CRITERIA_REQUIRED} required"
    elif molecular is False and high < CRITERIA_REQUIRED:
        category, text = (
            "not_met",
            f"{tally}; ≥ {CRITERIA_REQUIRED} required; no molecular diagnosis",
        )
    else:
        category = None
        if high < CRITERIA_REQUIRED:
            text = f"{tally}: criteria route not met; molecular route not evaluated"
        else:
            text = f"{tally}; ≥ {CRITERIA_REQUIRED} required"
        if molecular is None:
            missing = (*missing, "molecular")
    notes = [f"fever threshold ≥ {fever_threshold:g} °C"]
    if fever_threshold != FEVER_THRESHOLD_C:
        notes[0] += f" (default {FEVER_THRESHOLD_C:g} °C overridden)"
    if accept_scd25_uln_flag and not rule.scd25_by_uln:
        notes.append("sCD25 in pg/mL accepted when flagged above the laboratory's upper limit")
    return ScoreResult(
        score="hlh2004",
        label=rule.label,
        source=rule.source,
        low=low,
        high=high,
        items=(*criteria, route),
        missing=missing,
        unit=f"of {CRITERIA_TOTAL} criteria",
        category=category,
        possible=() if category is not None else ("met", "not_met"),
        interpretation=text,
        notes=tuple(notes),
    )


def assess(
    record: PatientRecord,
    at: datetime,
    *,
    rules: RuleName | RuleSet = "henter2007",
    fever_threshold: float = FEVER_THRESHOLD_C,
    accept_scd25_uln_flag: bool = False,
) -> tuple[Scored, ...]:
    """HLH-2004 at ``at`` from a patient record, with the entries used as evidence.

    Applies at every age. Look-back: quantities from the 7 days up to ``at``
    (the one meeting the criterion if any, else the worst), findings from the
    30 days up to ``at``; see the module docstring for the molecular route.
    """
    rule = _rule_set(rules)
    inputs = Inputs(record, at, LOOKBACK_FINDINGS)
    meets: dict[str, Callable[[Observation], bool]] = {
        "temperature": _on(fever_at(fever_threshold)),
        "haemoglobin": lambda o: _hb_low(rule, _quantity(o), record.age_days(o.time)) is True,
        "scd25": lambda o: (
            rule.scd25.holds(_quantity(o)) or (rule.scd25_by_uln and above_uln(o) is True)
        ),
    }
    picked = {
        m.name: _select(inputs, m, meets.get(m.name) or _on(rule.threshold(m.name)))
        for m in MEASURED
    }
    haemoglobin, scd25 = picked["haemoglobin"], picked["scd25"]
    age_days = None if haemoglobin is None else record.age_days(haemoglobin.time)
    if scd25 is None:
        mass = Measured("scd25", SCD25_MASS, high=True)
        scd25 = _select(inputs, mass, lambda o: above_uln(o) is True)
    haemophagocytosis = inputs.flag("haemophagocytosis", FINDINGS["haemophagocytosis"])
    if haemophagocytosis is not True:
        marrow = inputs.flag("haemophagocytosis_marrow", FINDINGS["haemophagocytosis_marrow"])
        if marrow is True:
            haemophagocytosis = True
    molecular: bool | None = None
    conditions = record.conditions_at(at, MOLECULAR_CONDITION)
    if conditions:
        molecular = True
        inputs.evidence["molecular"] = conditions
    fever = inputs.flag("fever", FINDINGS["fever"])
    if fever is None and picked["temperature"] is not None:
        fever = False  # charted temperatures stand for the fever record (module docstring)
    result = hlh2004(
        temperature=_quantity_or_none(picked["temperature"]),
        fever=fever,
        splenomegaly=inputs.flag("splenomegaly", FINDINGS["splenomegaly"]),
        haemoglobin=_quantity_or_none(haemoglobin),
        age_days=age_days,
        platelets=_quantity_or_none(picked["platelets"]),
        neutrophils=_quantity_or_none(picked["neutrophils"]),
        triglycerides=_quantity_or_none(picked["triglycerides"]),
        fibrinogen=_quantity_or_none(picked["fibrinogen"]),
        haemophagocytosis=haemophagocytosis,
        nk_activity_low=inputs.flag("nk_activity_low", FINDINGS["nk_activity_low"]),
        ferritin=_quantity_or_none(picked["ferritin"]),
        scd25=_quantity_or_none(scd25),
        scd25_above_uln=None if scd25 is None else above_uln(scd25),
        molecular=molecular,
        rules=rule,
        fever_threshold=fever_threshold,
        accept_scd25_uln_flag=accept_scd25_uln_flag,
    )
    variants = [g for gene in PRIMARY_HLH_GENES for g in record.alterations(gene) if g.time <= at]
    if variants and molecular is None:
        shown = ", ".join(f"{'/'.join(g.genes)} ({g.resource})" for g in variants)
        note = (
            f"{plural(len(variants), 'genomic finding')} in primary-HLH genes: {shown}; "
            "without an ACMG classification "
            "and zygosity they do not establish the molecular route (record condition.hlh_primary)"
        )
        result = _with_note(result, note)
    return (Scored(result, dict(inputs.evidence)),)


_HIGH_FLAGS = frozenset({"H", "HH", "HU", ">"})
_NOT_HIGH_FLAGS = frozenset({"N", "L", "LL", "LU", "<"})


def above_uln(observation: Observation) -> bool | None:
    """Whether the laboratory reports ``observation`` above its upper limit.

    The FHIR interpretation (H, HH, HU, > ; N, L, LL, LU, <) decides; else the
    value against the reported reference upper limit; else unknown.
    """
    flags = set(observation.interpretation)
    if flags & _HIGH_FLAGS:
        return True
    if flags & _NOT_HIGH_FLAGS:
        return False
    value = _number(observation)
    if observation.reference_high is not None and value is not None:
        return value > observation.reference_high
    return None


# -- criteria ----------------------------------------------------------------------------------


def _fever(temperature: Quantity | None, fever: bool | None, threshold: float) -> Item:
    name = "fever"
    inputs = ("temperature", "fever")
    hot = None if temperature is None else fever_at(threshold).holds(temperature)
    measured = f"temperature {temperature} {'≥' if hot else '<'} {threshold:g} °C"
    if hot:
        return Item.decided(name, 1, measured, inputs)
    if fever is True:
        return Item.decided(name, 1, "fever recorded", inputs)
    if fever is False:
        shown = f"{measured}; no fever recorded" if hot is False else "no fever recorded"
        return Item.decided(name, 0, shown, inputs)
    missing = tuple(n for n, v in zip(inputs, (hot, fever), strict=True) if v is None)
    known = measured if hot is False else "no fever recorded" if fever is False else "nothing known"
    return Item.undecided(name, 0, 1, f"not evaluated: {known}", inputs, missing)


def _finding(name: str, value: bool | None, met: str, not_met: str, field: str = "") -> Item:
    field = field or name
    if value is None:
        return Item.undecided(name, 0, 1, f"not evaluated: {field} unknown", (field,), (field,))
    return Item.decided(name, int(value), met if value else not_met, (field,))


def _measured(name: str, quantity: Quantity | None, limit: Threshold) -> Item:
    if quantity is None:
        return Item.undecided(name, 0, 1, f"not evaluated: no {name}", (name,), (name,))
    met = limit.holds(quantity)
    return Item.decided(
        name, int(met), f"{name} {quantity} {'' if met else 'not '}{limit}", (name,)
    )


def _hb_low(rule: RuleSet, haemoglobin: Quantity, age_days: int | None) -> bool | None:
    if age_days is not None:
        limit = rule.haemoglobin_infant if age_days < INFANT_DAYS else rule.haemoglobin
        return limit.holds(haemoglobin)
    if rule.haemoglobin.holds(haemoglobin):
        return True
    if not rule.haemoglobin_infant.holds(haemoglobin):
        return False
    return None


def _cytopenias(
    rule: RuleSet,
    haemoglobin: Quantity | None,
    age_days: int | None,
    platelets: Quantity | None,
    neutrophils: Quantity | None,
) -> Item:
    name = "cytopenias"
    inputs = ("haemoglobin", "age_days", "platelets", "neutrophils")
    states: dict[str, bool | None] = {
        "haemoglobin": None if haemoglobin is None else _hb_low(rule, haemoglobin, age_days),
        "platelets": None if platelets is None else rule.platelets.holds(platelets),
        "neutrophils": None if neutrophils is None else rule.neutrophils.holds(neutrophils),
    }
    values = {"haemoglobin": haemoglobin, "platelets": platelets, "neutrophils": neutrophils}
    low = [k for k, v in states.items() if v is True]
    unknown = [k for k, v in states.items() if v is None]
    shown = ", ".join(
        f"{k} {values[k]} {'low' if v else 'not low' if v is False else 'undecided'}"
        for k, v in states.items()
        if values[k] is not None
    )
    if len(low) >= 2:
        return Item.decided(name, 1, f"{len(low)} of 3 lineages low: {shown}", inputs)
    if len(low) + len(unknown) <= 1:
        return Item.decided(
            name, 0, f"at most 1 of 3 lineages low: {shown or 'none known'}", inputs
        )
    missing = [k for k in unknown if values[k] is None]
    if states["haemoglobin"] is None and haemoglobin is not None:
        missing.append("age_days")  # Hb between the adult and the infant limit
    return Item.undecided(
        name,
        0,
        1,
        f"not evaluated: {shown or 'no counts'}; {plural(len(unknown), 'lineage')} undecided",
        inputs,
        tuple(missing),
    )


def _lipids(rule: RuleSet, triglycerides: Quantity | None, fibrinogen: Quantity | None) -> Item:
    name = "hypertriglyceridaemia_or_hypofibrinogenaemia"
    inputs = ("triglycerides", "fibrinogen")
    tg = None if triglycerides is None else rule.triglycerides.holds(triglycerides)
    fib = None if fibrinogen is None else rule.fibrinogen.holds(fibrinogen)
    if tg:
        return Item.decided(name, 1, f"triglycerides {triglycerides} {rule.triglycerides}", inputs)
    if fib:
        return Item.decided(name, 1, f"fibrinogen {fibrinogen} {rule.fibrinogen}", inputs)
    if tg is False and fib is False:
        reason = f"triglycerides {triglycerides} and fibrinogen {fibrinogen} within limits"
        return Item.decided(name, 0, reason, inputs)
    missing = tuple(n for n, v in zip(inputs, (tg, fib), strict=True) if v is None)
    return Item.undecided(name, 0, 1, f"not evaluated: no {' or '.join(missing)}", inputs, missing)


def _scd25(rule: RuleSet, scd25: Quantity | None, above: bool | None, accept_flag: bool) -> Item:
    name = "scd25"
    inputs = ("scd25", "scd25_above_uln")
    mass = scd25 is not None and scd25.concept == SCD25_MASS
    value_met = None if scd25 is None or mass else rule.scd25.holds(scd25)
    shown = f"sCD25 {scd25}"
    if value_met is not None:
        shown += f" {'' if value_met else 'not '}{rule.scd25}"
    flagged = {True: "above", False: "not above", None: "no flag for"}[above]
    flag_text = f"{flagged} the laboratory's upper limit"
    if rule.scd25_by_uln:
        # Jordan 2011: > 2400 U/mL, or elevated above the laboratory's (age-adjusted) norm.
        if value_met or above is True:
            return Item.decided(name, 1, f"{shown}; {flag_text}", inputs)
        if above is False and (value_met is False or mass):
            return Item.decided(name, 0, f"{shown}; {flag_text}", inputs)
        missing = tuple(n for n, v in zip(inputs, (scd25, above), strict=True) if v is None)
        return Item.undecided(name, 0, 1, f"not evaluated: {shown}; {flag_text}", inputs, missing)
    if value_met is not None:
        return Item.decided(name, int(value_met), shown, inputs)
    if scd25 is None:
        return Item.undecided(name, 0, 1, "not evaluated: no sCD25", inputs, ("scd25",))
    if accept_flag and above is True:
        reason = f"{shown} {flag_text} (flag accepted, decision §9.8)"
        return Item.decided(name, 1, reason, inputs)
    reason = (
        f"not evaluated: sCD25 reported in pg/mL: no fixed factor to U/mL ({scd25}; {flag_text})"
    )
    missing = ("scd25", "scd25_above_uln") if accept_flag and above is None else ("scd25",)
    return Item.undecided(name, 0, 1, reason, inputs, missing)


def _molecular(molecular: bool | None) -> Item:
    name = "molecular"
    if molecular is None:
        return Item.undecided(
            name, 0, 1, "not evaluated: molecular diagnosis unknown", (name,), (name,), counts=False
        )
    reason = "molecular diagnosis consistent with HLH" if molecular else "no molecular diagnosis"
    return Item.decided(name, int(molecular), reason, (name,), counts=False)


# -- helpers -----------------------------------------------------------------------------------


def _rule_set(rules: str | RuleSet) -> RuleSet:
    if isinstance(rules, RuleSet):
        return rules
    try:
        return RULE_SETS[rules]
    except KeyError:
        raise TrialkitInputError(
            f"rules: {rules!r} is not an HLH-2004 rule set; use one of {', '.join(RULE_SETS)}"
        ) from None


def _check_concepts(**given: Quantity | None) -> None:
    for field, value in given.items():
        concepts = _EXPECTED[field]
        if value is not None and value.concept not in concepts:
            raise TrialkitInputError(
                f"{field}: a {value.concept} quantity ({value}) was given; expected {' or '.join(concepts)}"
            )


def _quantity(observation: Observation) -> Quantity:
    if observation.quantity is None:  # _select only keeps observations with a quantity
        raise TrialkitInputError(f"{observation.resource}: {observation.concept} has no quantity")
    return observation.quantity


def _quantity_or_none(observation: Observation | None) -> Quantity | None:
    return None if observation is None else _quantity(observation)


def _select(
    inputs: Inputs, measured: Measured, meets: Callable[[Observation], bool]
) -> Observation | None:
    """The observation that meets the criterion (else the worst) in the value look-back."""
    window = [
        o
        for o in inputs.record.window(measured.concept, inputs.at, LOOKBACK_VALUES)
        if o.quantity is not None and _number(o) is not None
    ]
    if not window:
        return None

    def key(o: Observation) -> tuple[bool, float, datetime]:
        value = _number(o)
        assert value is not None  # the window keeps numbers only
        return (meets(o), value if measured.high else -value, o.time)

    found = max(window, key=key)
    inputs.evidence[measured.name] = (found,)
    return found


def _on(limit: Threshold) -> Callable[[Observation], bool]:
    return lambda o: limit.holds(_quantity(o))


def _number(observation: Observation) -> float | None:
    value = observation.value
    # (float, int): a tuple of types is checked several times faster than `int | float`
    if isinstance(value, bool) or not isinstance(value, (float, int)):
        return None
    return float(value)


def _with_note(result: ScoreResult, note: str) -> ScoreResult:
    return replace(result, notes=(*result.notes, note))
