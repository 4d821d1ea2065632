"""Adult SOFA read from a patient record: which values count, and :func:`assess`.

The worst value of each system in the 24 h before the index time; the readers
here are shared with pSOFA (:mod:`trialkit.scores.psofa`). The conventions
(the pairing of FiO2 with a blood gas, respiratory support, the drug chart
taken as complete, the estimated MAP) are told in :mod:`trialkit.scores.sofa`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from trialkit.errors import UnitError
from trialkit.record import Exposure, Observation, PatientRecord
from trialkit.scores.bands import Band
from trialkit.scores.inputs import Evidence, Inputs
from trialkit.scores.result import Item, RecordEntry, Scored
from trialkit.scores.sofa.points import (
    _NOTES,
    Infusion,
    _result,
    cardiovascular,
    cns,
    coagulation,
    liver,
    renal,
    respiration,
)
from trialkit.scores.sofa.tables import (
    CREATININE_EDGES,
    INPUT_CONCEPTS,
    MAP_LOW,
    RATE_UNIT,
    SOURCE,
    URINE_EDGES,
    VASOACTIVE_TIERS,
    _tidy,
    points_on,
)
from trialkit.units import Quantity, Threshold, commensurable, conversion
from trialkit.vocab import concept

ADULT_AGE_YEARS = 18
"""From this age (completed years) the adapter scores adult SOFA; below it, pSOFA."""

LOOKBACK = timedelta(hours=24)
"""The worst value of each system in the 24 h before the index time.

docs/clinical-decisions.md §3.1.
"""

FIO2_PAIRING = timedelta(hours=4)
"""FiO2 (and a support finding) count for a blood gas if recorded at most 4 h before it (mimic-code bg.sql)."""

CATECHOLAMINE_MINIMUM = timedelta(hours=1)
"""Vincent 1996, Table 1 footnote: adrenergic agents administered for at least 1 h."""

VENTILATION = ("procedure.mechanical_ventilation", "procedure.noninvasive_ventilation")
"""Respiratory support (§9.5): invasive first; non-invasive (incl. CPAP) unless ``invasive_only``."""

_SKIPPED_STATUS = frozenset({"entered-in-error", "cancelled", "not-done", "not-taken"})


def quantity_of(observation: Observation) -> Quantity | None:
    """The observation's quantity as reported, else its canonical value, else None."""
    if observation.quantity is not None:
        return observation.quantity
    value = observation.value
    if isinstance(value, bool) or not isinstance(value, (float, int)):
        return None
    unit = concept(observation.concept).unit
    return None if unit is None else Quantity(float(value), unit, observation.concept)


def _points_of(scorer: Callable[[Quantity], int]) -> Callable[[Observation], float]:
    def badness(observation: Observation) -> float:
        quantity = quantity_of(observation)
        return -1.0 if quantity is None else float(scorer(quantity))

    return badness


def worst_quantity(
    inputs: Inputs, name: str, key: str, scorer: Callable[[Quantity], int]
) -> Quantity | None:
    """The quantity of ``key`` scoring worst in the look-back (latest among ties), with evidence."""
    found = inputs.worst(name, key, _points_of(scorer), inputs.lookback)
    return None if found is None else quantity_of(found)


def respiratory_support(
    record: PatientRecord, at: datetime, *, invasive_only: bool, ventilation_complete: bool
) -> tuple[bool | None, tuple[RecordEntry, ...]]:
    """Whether the patient was on respiratory support at ``at``, and the entries that say so.

    A ventilation Procedure covering ``at`` (non-invasive too unless
    ``invasive_only``) means yes; else the ``finding.respiratory_support``
    recorded last in the 4 h before decides (a plain "yes" cannot say
    "invasive"); else support is unknown, or "no" when ``ventilation_complete``.
    """
    kinds = VENTILATION[:1] if invasive_only else VENTILATION
    procedures = tuple(p for kind in kinds for p in record.procedures_of(kind, at, at))
    if procedures:
        return True, procedures
    flag = record.latest("finding.respiratory_support", at, FIO2_PAIRING)
    if flag is not None and isinstance(flag.value, bool):
        if not flag.value:
            return False, (flag,)
        if not invasive_only:
            return True, (flag,)
        return (False if ventilation_complete else None), (flag,)
    return (False if ventilation_complete else None), ()


def _merge(target: Evidence, more: Mapping[str, tuple[RecordEntry, ...]]) -> None:
    for name, entries in more.items():
        target[name] = tuple(dict.fromkeys((*target.get(name, ()), *entries)))


def worst_of(
    inputs: Inputs, candidates: Sequence[tuple[Item, Mapping[str, tuple[RecordEntry, ...]]]]
) -> Item:
    """The worst of several candidate items for one system (several blood gases in 24 h).

    The true worst lies between the highest low and the highest high; the
    evidence is that of the candidates deciding those two bounds.
    """
    low = max(item.low for item, _ in candidates)
    high = max(item.high for item, _ in candidates)
    floor_item, floor_entries = max(candidates, key=lambda c: (c[0].low, c[0].high))
    top_item, top_entries = max(candidates, key=lambda c: (c[0].high, c[0].low))
    _merge(inputs.evidence, floor_entries)
    if top_item is not floor_item:
        _merge(inputs.evidence, top_entries)
    many = f" (worst of {len(candidates)})" if len(candidates) > 1 else ""
    if low == high:
        return replace(floor_item, reason=floor_item.reason + many)
    missing = tuple(
        dict.fromkeys(m for item, _ in candidates if item.high > low for m in item.missing)
    )
    reason = (
        floor_item.reason if top_item is floor_item else f"{floor_item.reason}; {top_item.reason}"
    )
    return Item.undecided(floor_item.name, low, high, reason + many, floor_item.inputs, missing)


def read_oxygenation(
    inputs: Inputs,
    key: str,
    name: str,
    score: Callable[[Quantity, Quantity | None, bool | None], Item],
    *,
    invasive_only: bool,
    ventilation_complete: bool,
    keep: Callable[[Quantity], bool] = lambda _: True,
) -> Item | None:
    """The worst oxygenation item over the look-back, each measurement with its own FiO2 and support."""
    record = inputs.record
    candidates: list[tuple[Item, Mapping[str, tuple[RecordEntry, ...]]]] = []
    for gas in record.window(key, inputs.at, inputs.lookback):
        measure = quantity_of(gas)
        if measure is None or not keep(measure):
            continue
        fio2 = record.latest("vital.fio2", gas.time, FIO2_PAIRING)
        support, support_entries = respiratory_support(
            record,
            gas.time,
            invasive_only=invasive_only,
            ventilation_complete=ventilation_complete,
        )
        entries: dict[str, tuple[RecordEntry, ...]] = {name: (gas,)}
        if fio2 is not None:
            entries["FiO2"] = (fio2,)
        if support_entries:
            entries["respiratory support"] = support_entries
        fio2_quantity = None if fio2 is None else quantity_of(fio2)
        candidates.append((score(measure, fio2_quantity, support), entries))
    return worst_of(inputs, candidates) if candidates else None


def _rate(exposure: Exposure, name: str) -> tuple[float | None, str | None]:
    rate = exposure.rate
    if rate is None:
        return None, f"{name} ({exposure.resource}): no rate recorded; dose unknown"
    try:
        if commensurable(rate.unit, RATE_UNIT):
            scale, offset = conversion(rate.unit, RATE_UNIT)
            return _tidy(rate.value * scale + offset), None
    except UnitError:
        pass
    return None, f"{name} ({exposure.resource}): rate {rate} is not in {RATE_UNIT}; dose unknown"


def read_infusions(inputs: Inputs) -> tuple[tuple[Infusion, ...], tuple[Infusion, ...], list[str]]:
    """Vasoactive infusions touching the look-back: (given ≥ 1 h, running < 1 h at ``at``, notes).

    An infusion still running at the index time that has not yet lasted 1 h
    may still count; one that stopped before lasting 1 h (or a bolus) does not.
    """
    certain: list[Infusion] = []
    possible: list[Infusion] = []
    notes: list[str] = []
    at = inputs.at
    for drug in VASOACTIVE_TIERS:
        name = drug.removeprefix("drug.")
        used: list[Exposure] = []
        for exposure in inputs.record.exposures_to(drug, at - inputs.lookback, at):
            if exposure.status in _SKIPPED_STATUS or exposure.start > at:
                continue
            running = exposure.end is None or exposure.end > at
            stop = at if running or exposure.end is None else exposure.end
            rate, why = _rate(exposure, name)
            infusion = Infusion(drug, rate)
            if stop - exposure.start >= CATECHOLAMINE_MINIMUM:
                certain.append(infusion)
            elif running:
                possible.append(infusion)
            else:
                notes.append(f"{name} ({exposure.resource}) lasted < 1 h: not counted")
                continue
            used.append(exposure)
            if why is not None:
                notes.append(why)
        if used:
            inputs.evidence[name] = tuple(used)
    return tuple(certain), tuple(possible), notes


def read_cardiovascular(inputs: Inputs, map_low: Threshold) -> tuple[Item, list[str]]:
    """The cardiovascular item from the worst MAP and the infusions of the look-back."""

    def scorer(pressure: Quantity) -> int:
        return points_on(pressure, (Band(1, map_low),))[0]

    pressure = worst_quantity(inputs, "MAP", INPUT_CONCEPTS["MAP"], scorer)
    estimated = False
    if pressure is None:
        pressure = _estimated_map(inputs, scorer)
        estimated = pressure is not None
    certain, possible, notes = read_infusions(inputs)
    item = cardiovascular(pressure, certain, map_low)
    if possible:
        maybe = cardiovascular(pressure, certain + possible, map_low)
        if maybe.high > item.high:
            item = Item.undecided(
                item.name,
                item.low,
                maybe.high,
                f"{item.reason}; an infusion running < 1 h at the index time may still count",
                item.inputs,
                (*item.missing, "infusion duration"),
            )
    if estimated:
        item = replace(item, reason=item.reason.replace("MAP ", "MAP (SBP + 2 DBP)/3 ", 1))
    return item, notes


def _estimated_map(inputs: Inputs, scorer: Callable[[Quantity], int]) -> Quantity | None:
    record = inputs.record
    best: tuple[int, datetime, Quantity, tuple[Observation, Observation]] | None = None
    for systolic in record.window("vital.systolic_bp", inputs.at, inputs.lookback):
        diastolic = record.values("vital.diastolic_bp", systolic.time, systolic.time)
        sbp = quantity_of(systolic)
        dbp = None if not diastolic else quantity_of(diastolic[-1])
        if sbp is None or dbp is None:
            continue
        mmhg = [q.value if q.unit == "mm[Hg]" else q.to("mm[Hg]") for q in (sbp, dbp)]
        estimate = Quantity(round((mmhg[0] + 2 * mmhg[1]) / 3, 1), "mm[Hg]", "vital.map")
        key = (scorer(estimate), systolic.time)
        if best is None or key >= best[:2]:
            best = (*key, estimate, (systolic, diastolic[-1]))
    if best is None:
        return None
    inputs.evidence["MAP"] = best[3]
    return best[2]


def read_gcs(inputs: Inputs) -> float | None:
    """The lowest-scoring GCS of the look-back: a total, or eye + verbal + motor taken together."""
    record = inputs.record
    scored: list[tuple[float, datetime, float, tuple[Observation, ...]]] = []
    for total in record.window(INPUT_CONCEPTS["GCS"], inputs.at, inputs.lookback):
        quantity = quantity_of(total)
        if quantity is not None:
            scored.append((cns(quantity.value).low, total.time, quantity.value, (total,)))
    for eye in record.window("assessment.gcs_eye", inputs.at, inputs.lookback):
        verbal = record.values("assessment.gcs_verbal", eye.time, eye.time)
        motor = record.values("assessment.gcs_motor", eye.time, eye.time)
        parts = [quantity_of(o) for o in (eye, *verbal[-1:], *motor[-1:])]
        if len(parts) == 3 and all(p is not None for p in parts):
            value = sum(p.value for p in parts if p is not None)
            scored.append((cns(value).low, eye.time, value, (eye, verbal[-1], motor[-1])))
    if not scored:
        return None
    worst = max(scored, key=lambda s: (s[0], s[1]))
    inputs.evidence["GCS"] = worst[3]
    return worst[2]


def _item_points(item: Item) -> int:
    assert item.points is not None  # single-value systems are decided
    return int(item.points)


def sofa_from_record(
    record: PatientRecord,
    at: datetime,
    *,
    invasive_only: bool = False,
    ventilation_complete: bool = False,
) -> Scored:
    """Adult SOFA from a record: the worst value of each system in the 24 h before ``at``.

    Computed whatever the patient's age (a protocol may ask for adult SOFA in
    adolescents); :func:`assess` applies the age rule. ``invasive_only``
    narrows respiratory support to invasive ventilation; ``ventilation_complete``
    takes the record as listing every ventilation, so that none recorded means
    no support.
    """
    inputs = Inputs(record, at, LOOKBACK)
    breathing = read_oxygenation(
        inputs,
        "lab.pao2",
        "PaO2",
        respiration,
        invasive_only=invasive_only,
        ventilation_complete=ventilation_complete,
    )
    platelets = worst_quantity(
        inputs, "platelets", INPUT_CONCEPTS["platelets"], lambda q: _item_points(coagulation(q))
    )
    bilirubin = worst_quantity(
        inputs, "bilirubin", INPUT_CONCEPTS["bilirubin"], lambda q: _item_points(liver(q))
    )
    creatinine = worst_quantity(
        inputs,
        "creatinine",
        INPUT_CONCEPTS["creatinine"],
        lambda q: points_on(q, CREATININE_EDGES)[0],
    )
    urine = worst_quantity(
        inputs,
        "urine output",
        INPUT_CONCEPTS["urine output"],
        lambda q: points_on(q, URINE_EDGES)[0],
    )
    circulation, notes = read_cardiovascular(inputs, MAP_LOW)
    items = (
        breathing or respiration(None, None, None),
        coagulation(platelets),
        liver(bilirubin),
        circulation,
        cns(read_gcs(inputs)),
        renal(creatinine, urine),
    )
    conventions = (
        "Worst value of each system in the 24 h before the index time; FiO2 recorded at most "
        "4 h before the blood gas.",
        "A vasoactive drug absent from the record counts as not given (the ICU drug chart is "
        "taken as complete).",
    )
    result = _result("sofa", "SOFA", SOURCE, items, _NOTES + conventions + tuple(notes))
    return Scored(result, dict(inputs.evidence))


def assess(record: PatientRecord, at: datetime) -> tuple[Scored, ...]:
    """Adult SOFA when the patient is 18 or older at ``at``, or of unknown age; else nothing.

    Children get pSOFA instead (:mod:`trialkit.scores.psofa`): adult MAP and
    creatinine limits misgrade them (Matics 2017). A record without a birth
    date still gets adult SOFA, because the ICU protocol that uses SOFA
    (jak-hs-icu, seed 001) enrols adults and pSOFA cannot be banded without an
    age.
    """
    age = record.age_years(at)
    if age is not None and age < ADULT_AGE_YEARS:
        return ()
    return (sofa_from_record(record, at),)
