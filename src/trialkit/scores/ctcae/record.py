"""CTCAE v5.0 lab grades read from a patient record (:func:`assess`).

Each term grades the latest value of its concept in a look-back window, with
the laboratory's limits and the patient's baseline; febrile neutropenia reads
the ANC and the temperatures of the 24 h before. The windows are trialkit
conventions: CTCAE grades a value, not a window.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from trialkit.record import Observation, PatientRecord
from trialkit.scores.ctcae.febrile import _febrile, sustained_fever
from trialkit.scores.ctcae.grading import _grade
from trialkit.scores.ctcae.references import _BASELINE, _plan_for
from trialkit.scores.ctcae.terms import _TERMS, FibrinogenReading
from trialkit.scores.inputs import finding
from trialkit.scores.result import RecordEntry, Scored
from trialkit.units import Quantity

LOOKBACK = timedelta(days=7)
"""Look-back of :func:`assess`: the latest value of each lab in the 7 days up to ``at``
(a trialkit convention; CTCAE grades a value, not a window)."""

FEBRILE_WINDOW = timedelta(hours=24)
"""Look-back of :func:`assess` for febrile neutropenia: ANC and temperatures of the
24 h up to ``at`` (a trialkit convention: neutropenia and fever must coincide)."""


def assess(
    record: PatientRecord,
    at: datetime,
    *,
    baseline_at: datetime | None = None,
    lookback: timedelta = LOOKBACK,
    limits: Mapping[str, tuple[float | None, float | None]] | None = None,
    fibrinogen_abnormal: FibrinogenReading = "baseline",
) -> tuple[Scored, ...]:
    """CTCAE v5.0 lab grades at ``at``: one result per term with data.

    Each term grades the **latest** value of its concept in the ``lookback``
    (default 7 days) up to ``at``. LLN/ULN come from that observation's
    reference range, else from ``limits`` (concept key → (LLN, ULN), canonical
    unit). The baseline is the latest value at or before ``baseline_at``; without
    ``baseline_at``, or when ``at`` is before it (screening), the baseline is
    unknown and the liver and creatinine terms report the range the baseline
    could still give. Hypokalemia reads ``finding.hypokalaemia_symptomatic`` and
    anaemia ``finding.transfusion_indicated`` in the same look-back. Febrile
    neutropenia uses the ANC and the temperatures of the 24 h up to ``at``
    (:data:`FEBRILE_WINDOW`) and is reported when an ANC is there. A term
    without a value in its window is not reported (the tuple is empty for a
    record without labs).
    """
    found: list[Scored] = []
    fallbacks = limits or {}
    latest_note = f"in the {_span(lookback)} up to {at.isoformat()}"
    # the baseline is known from baseline_at on; before it (screening) it is unknown
    since = baseline_at if baseline_at is not None and at >= baseline_at else None
    baseline_note = None if since is None else f"at or before {since.isoformat()}"
    for item in _TERMS:
        if not item.rules:
            continue
        observed = record.latest(item.concept, at, lookback)
        if observed is None or observed.quantity is None:
            continue
        plan = _plan_for(item, fibrinogen_abnormal)
        evidence: dict[str, tuple[RecordEntry, ...]] = {item.analyte: (observed,)}
        lln, uln = _limits(observed, fallbacks.get(item.concept))
        if observed.reference_low is not None:
            evidence["LLN"] = (observed,)
        if observed.reference_high is not None:
            evidence["ULN"] = (observed,)
        baseline = None
        if since is not None:
            before = record.latest(item.concept, since)
            if before is not None and before.quantity is not None:
                baseline = before.quantity
                evidence["baseline"] = (before,)
        flags: dict[str, bool | None] = {}
        for flag in plan.flags:
            flags[flag], entries = finding(record, _FLAG_CONCEPTS[flag], at, lookback)
            if entries:
                evidence[flag] = entries
        notes = [f"latest {item.analyte} {latest_note}"]
        if _BASELINE in plan.uses:
            notes.append(
                f"baseline: latest {item.analyte} {baseline_note}"
                if baseline_note is not None
                else "baseline unknown (no baseline date given, or before it)"
            )
        result = _grade(plan, observed.quantity, lln, uln, baseline, flags, tuple(notes))
        found.append(Scored(result, evidence))
    febrile = _assess_febrile(record, at)
    if febrile is not None:
        found.append(febrile)
    return tuple(found)


_FLAG_CONCEPTS: dict[str, str] = {
    "symptomatic": "finding.hypokalaemia_symptomatic",
    "transfusion_indicated": "finding.transfusion_indicated",
}


def _span(window: timedelta) -> str:
    if window % timedelta(days=1) == timedelta(0):
        return f"{window.days} days"
    return f"{window / timedelta(hours=1):g} h"


def _limits(
    observed: Observation, fallback: tuple[float | None, float | None] | None
) -> tuple[float | None, float | None]:
    low, high = fallback or (None, None)
    return (
        observed.reference_low if observed.reference_low is not None else low,
        observed.reference_high if observed.reference_high is not None else high,
    )


def _celsius(observation: Observation) -> float:
    """A temperature's canonical value (the febrile window keeps quantities only)."""
    value = observation.value
    assert isinstance(value, int | float)
    return float(value)


def _assess_febrile(record: PatientRecord, at: datetime) -> Scored | None:
    anc = record.latest("lab.neutrophils", at, FEBRILE_WINDOW)
    if anc is None or anc.quantity is None:
        return None
    temperatures = tuple(
        o for o in record.window("vital.temperature", at, FEBRILE_WINDOW) if o.quantity is not None
    )
    evidence: dict[str, tuple[RecordEntry, ...]] = {"ANC": (anc,)}
    peak: Quantity | None = None
    sustained: bool | None = None
    if temperatures:
        evidence["temperature"] = temperatures
        hottest = max(temperatures, key=_celsius)
        peak = hottest.quantity
        readings: list[tuple[datetime, Quantity]] = []
        for o in temperatures:
            assert o.quantity is not None
            readings.append((o.time, o.quantity))
            if o.end is not None and o.end <= at:
                readings.append((o.end, o.quantity))
        sustained = sustained_fever(readings)
    note = f"ANC and temperatures of the {_span(FEBRILE_WINDOW)} up to {at.isoformat()}"
    return Scored(_febrile(anc.quantity, peak, sustained, (note,)), evidence)
