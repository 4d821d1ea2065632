"""QT interval corrected for heart rate by Fridericia's cube-root formula (QTcF).

Fridericia LS. *Die Systolendauer im Elektrokardiogramm bei normalen Menschen
und bei Herzkranken.* Acta Med Scand 1920;53:469-486: QTcF = QT / RR^(1/3), with
QT in ms and RR in seconds; when only the heart rate is known, RR = 60 / HR
(HR in /min). Read in docs/clinical-decisions.md §5 and in ncbi-nlp/MedCalc-Bench
``calculator_implementations/qt_calculator_fredericia.py``.

- *Rounding.* None: the value is returned unrounded. MedCalc-Bench rounds RR to
  5 decimals before the cube root and the answer to 5 decimals; the difference
  is below 0.01 ms for physiological heart rates.
- *RR or heart rate.* A measured RR interval is used when given; a heart rate
  is used only without one (60/HR assumes a regular rhythm, and an ECG
  machine's RR is the interval it measured).
- *Validity.* The formula is used at every age; no age band is applied.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from trialkit.errors import TrialkitInputError
from trialkit.record import Observation, PatientRecord
from trialkit.scores.formula import N
from trialkit.scores.inputs import Evidence
from trialkit.scores.result import Item, Scored, ScoreResult
from trialkit.units import Quantity

__all__ = [
    "ECG_LOOKBACK",
    "SECONDS_PER_MINUTE",
    "assess",
    "fridericia",
    "qtc_fridericia",
    "reported_qtcf",
    "rr_from_rate",
    "rr_seconds",
]

#: RR (s) = 60 / heart rate (/min) (Fridericia 1920; docs/clinical-decisions.md §5).
SECONDS_PER_MINUTE = 60.0
#: Adapter look-back for an ECG (trialkit convention; protocols state their own screening
#: windows): the latest ECG at or before the index time and no older than 7 days.
ECG_LOOKBACK = timedelta(days=7)

_SOURCE = "Fridericia LS. Acta Med Scand 1920;53:469-486 (QTcF = QT / RR^(1/3), RR in s)"
_LABEL = "QTc (Fridericia)"
_RATE_MISSING = "RR interval or heart rate"


def fridericia(qt_ms: N, rr_s: N) -> N:
    """Fridericia 1920: QTcF (ms) = QT (ms) / RR (s)^(1/3); for the bedside and the SQL compiler."""
    return qt_ms / rr_s ** (1.0 / 3.0)


def rr_seconds(rr_ms: N) -> N:
    """An RR interval in ms as seconds."""
    return rr_ms / 1000.0


def rr_from_rate(heart_rate: N) -> N:
    """RR (s) = 60 / heart rate (/min)."""
    return SECONDS_PER_MINUTE / heart_rate


def qtc_fridericia(
    qt: Quantity | None,
    rr: Quantity | None = None,
    heart_rate: Quantity | None = None,
) -> ScoreResult:
    """QTcF in ms from a QT interval and an RR interval (preferred) or a heart rate.

    Raises :class:`TrialkitInputError` for a QT, RR or heart rate that is not
    positive. With QT or both RR and heart rate missing, the result is not
    computable and names what is missing.
    """
    missing = (("QT interval",) if qt is None else ()) + (
        (_RATE_MISSING,) if rr is None and heart_rate is None else ()
    )
    notes: list[str] = []
    if qt is None or (rr is None and heart_rate is None):
        return ScoreResult(
            "qtc_fridericia", _LABEL, _SOURCE, None, None, missing=missing, unit="ms"
        )
    qt_ms = _positive("qt", qt.to("ms"), "ms")
    if rr is not None:
        rr_s = rr_seconds(_positive("rr", rr.to("ms"), "ms"))
        rate_item = Item.decided(
            "RR", rr_s, f"RR {_shown(rr, rr_s, 's')} (measured)", ("rr",), False
        )
        if heart_rate is not None:
            notes.append("the measured RR interval was used; the heart rate was not")
    else:
        assert heart_rate is not None
        hr = _positive("heart_rate", heart_rate.to("/min"), "/min")
        rr_s = rr_from_rate(hr)
        rate_item = Item.decided(
            "RR", rr_s, f"RR = 60 / {hr:g} /min = {rr_s:.4g} s", ("heart_rate",), False
        )
    value = fridericia(qt_ms, rr_s)
    items = (Item.decided("QT", qt_ms, f"QT {_shown(qt, qt_ms, 'ms')}", ("qt",), False), rate_item)
    return ScoreResult(
        "qtc_fridericia",
        _LABEL,
        _SOURCE,
        value,
        value,
        items=items,
        unit="ms",
        notes=tuple(notes),
    )


def reported_qtcf(qtcf: Quantity) -> ScoreResult:
    """A QTcF taken as reported (by the ECG machine or reader), in ms, without recomputation."""
    value = _positive("qtc_fridericia", qtcf.to("ms"), "ms")
    item = Item.decided(
        "reported QTcF", value, f"QTcF {qtcf} as reported", ("qtc_reported",), False
    )
    return ScoreResult(
        "qtc_fridericia",
        _LABEL,
        _SOURCE,
        value,
        value,
        items=(item,),
        unit="ms",
        notes=("QTcF as reported on the ECG; not recomputed (no QT with RR or heart rate)",),
    )


def assess(record: PatientRecord, at: datetime) -> tuple[Scored, ...]:
    """QTcF from the latest ECG at or before ``at``, within :data:`ECG_LOOKBACK` (7 days).

    An ECG is the set of observations with the same time. At the latest ECG
    time, a QT interval (``ecg.qt_interval``) with an RR interval
    (``ecg.rr_interval``) or else a heart rate (``vital.heart_rate``) recorded
    at exactly the same time is recomputed with Fridericia's formula (a
    partner from the same FHIR resource, as components of one ECG Observation,
    is preferred). Only without such a pair is a reported QTcF
    (``ecg.qtc_fridericia``) of that time used as it is. An ECG time that has
    neither is skipped for the next older one, with a note. Nothing usable in
    the window gives a not-computable result naming what is missing.
    """
    qts = record.window("ecg.qt_interval", at, ECG_LOOKBACK)
    reported = record.window("ecg.qtc_fridericia", at, ECG_LOOKBACK)
    notes = [f"look-back: latest ECG within {ECG_LOOKBACK.days} d"]
    seen_qt = False
    for time in sorted({o.time for o in (*qts, *reported)}, reverse=True):
        qt = _last_at(qts, time)
        reported_at = _last_at(reported, time)
        if qt is not None and qt.quantity is not None:
            seen_qt = True
            rr = _partner(record, "ecg.rr_interval", qt)
            hr = None if rr is not None else _beating(_partner(record, "vital.heart_rate", qt))
            if rr is not None or hr is not None:
                evidence: Evidence = {"qt": (qt,)}
                if rr is not None:
                    evidence["rr"] = (rr,)
                if hr is not None:
                    evidence["heart_rate"] = (hr,)
                result = qtc_fridericia(
                    qt.quantity,
                    None if rr is None else rr.quantity,
                    None if hr is None else hr.quantity,
                )
                if reported_at is not None and reported_at.quantity is not None:
                    notes.append(
                        f"the ECG also reports QTcF {reported_at.quantity}; the value "
                        f"recomputed from QT and {'RR' if rr is not None else 'heart rate'} is used"
                    )
                    evidence["qtc_reported"] = (reported_at,)
                return (Scored(_noted(result, notes), evidence),)
        if reported_at is not None and reported_at.quantity is not None:
            result = reported_qtcf(reported_at.quantity)
            return (Scored(_noted(result, notes), {"qtc_reported": (reported_at,)}),)
        notes.append(
            f"ECG of {time.isoformat()}: QT without RR interval or heart rate at the same time; "
            f"not used"
        )
    missing = (_RATE_MISSING,) if seen_qt else ("QT interval", _RATE_MISSING)
    result = ScoreResult("qtc_fridericia", _LABEL, _SOURCE, None, None, missing=missing, unit="ms")
    return (Scored(_noted(result, notes)),)


def _last_at(observations: tuple[Observation, ...], time: datetime) -> Observation | None:
    found = [o for o in observations if o.time == time]
    return found[-1] if found else None


def _partner(record: PatientRecord, concept: str, qt: Observation) -> Observation | None:
    """An observation of ``concept`` at exactly the QT's time, preferring the QT's own resource."""
    candidates = [o for o in record.values(concept, qt.time, qt.time) if o.quantity is not None]
    if not candidates:
        return None
    base = _resource_base(qt.resource)
    same = [o for o in candidates if _resource_base(o.resource) == base]
    return (same or candidates)[-1]


def _beating(heart_rate: Observation | None) -> Observation | None:
    """The heart rate, None when it is 0: RR = 60 / HR is then no interval (as the SQL reads it).

    0 /min is within the heart rate's plausible range, and a database may hold
    it; FHIR input refuses nothing there either. Read as no heart rate, the ECG
    falls back to a reported QTcF or to the next older ECG.
    """
    if heart_rate is None or heart_rate.quantity is None:
        return heart_rate
    return heart_rate if heart_rate.quantity.to("/min") > 0 else None


def _resource_base(resource: str) -> str:
    return resource.split("#", 1)[0]


def _noted(result: ScoreResult, notes: list[str]) -> ScoreResult:
    return replace(result, notes=(*result.notes, *notes))


def _positive(field: str, value: float, unit: str) -> float:
    if not value > 0:
        raise TrialkitInputError(f"{field}: {value:g} {unit} must be positive")
    return value


def _shown(quantity: Quantity, value: float, unit: str) -> str:
    """The value as reported, and converted when the unit differs."""
    return str(quantity) if quantity.unit == unit else f"{quantity} = {value:.4g} {unit}"
