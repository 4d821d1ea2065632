"""The scores a protocol criterion can compare: the one list of their names.

A ``score`` node (:class:`trialkit.protocol.criteria.Score`) names one of
:data:`SCORE_SPECS`; the protocol format's list of score names, the readable
rule, the bedside evaluator and the SQL compiler's table of compiled scores
all read it from here, so that a score is added in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from trialkit.record import PatientRecord
from trialkit.scores import hlh2004, hscore, performance, psofa, qtc, renal, sofa
from trialkit.scores.result import Scored
from trialkit.scores.sofa.record import VENTILATION

__all__ = ["SCORE_SPECS", "ScoreAdapter", "ScoreSpec"]

ScoreAdapter = Callable[[PatientRecord, datetime], tuple[Scored, ...]]
"""A record adapter: the scores computed from a record as of an index time."""


@dataclass(frozen=True, slots=True)
class ScoreSpec:
    """A score a criterion can compare with a threshold.

    ``adapter`` computes it from a record (it may return other scores too);
    ``results`` are the result ids (:attr:`ScoreResult.score`) that count as
    this score (``performance`` is Karnofsky or Lansky); ``reads_age`` says
    whether an item, a limit, a band or the scale depends on the age, so that
    the score is unknown when the birth date gives an impossible age at the
    index time, as an ``age`` node is. ``concepts`` are every concept the
    adapter reads from a record (alternatives included: sCD25 in U/mL or pg/mL,
    the GCS total or its components), which ``trialkit protocol check`` asks the
    protocol's forms to capture; ``tests/scores/test_score_concepts.py`` checks
    them against what the adapter asks a record for.
    """

    name: str
    label: str
    """How a readable rule names the score (with its unit)."""
    adapter: ScoreAdapter
    results: tuple[str, ...]
    reads_age: bool
    concepts: tuple[str, ...]


def _sofa(record: PatientRecord, at: datetime) -> tuple[Scored, ...]:
    # A protocol that names SOFA means adult SOFA at any age (its own age
    # criterion decides who may enter); the scores report picks SOFA or pSOFA by age.
    return (sofa.sofa_from_record(record, at),)


def _psofa(record: PatientRecord, at: datetime) -> tuple[Scored, ...]:
    scored = psofa.psofa_from_record(record, at)
    return () if scored is None else (scored,)


def _spec(
    name: str,
    label: str,
    adapter: ScoreAdapter,
    *,
    reads_age: bool,
    concepts: tuple[str, ...],
    results: tuple[str, ...] | None = None,
) -> tuple[str, ScoreSpec]:
    return name, ScoreSpec(
        name, label, adapter, results or (name,), reads_age, tuple(dict.fromkeys(concepts))
    )


_HLH2004 = (
    *(m.concept for m in hlh2004.MEASURED),
    hlh2004.SCD25_MASS,
    *hlh2004.FINDINGS.values(),
    hlh2004.MOLECULAR_CONDITION,
    *hlh2004.PRIMARY_HLH_GENES,  # reported in the notes (a variant without its classification)
)
_HSCORE = (*(m.concept for m in hscore.MEASURED.values()), *hscore.FINDINGS.values())
_ORGAN_FAILURE = (
    # SOFA and pSOFA (trialkit.scores.sofa.record, psofa): the worst single values, then the
    # respiratory ratio (PaO2 with the FiO2 beside it; pSOFA also SpO2), the support
    # (ventilation procedures, else the finding), the vasopressors, the MAP estimated from
    # the systolic and diastolic pressures, and the GCS from its components.
    *sofa.INPUT_CONCEPTS.values(),
    "lab.pao2",
    "vital.fio2",
    *VENTILATION,
    "finding.respiratory_support",
    *sofa.VASOACTIVE_TIERS,
    "vital.systolic_bp",
    "vital.diastolic_bp",
    "assessment.gcs_eye",
    "assessment.gcs_verbal",
    "assessment.gcs_motor",
)
_PSOFA = (*(c for c in _ORGAN_FAILURE if c != sofa.INPUT_CONCEPTS["urine output"]), "vital.spo2")
_RENAL = ("lab.creatinine", "vital.height", "vital.weight")  # renal.assess
_QTC = (
    "ecg.qt_interval",
    "ecg.qtc_fridericia",
    "ecg.rr_interval",
    "vital.heart_rate",
)  # qtc.assess
_PERFORMANCE = tuple(f"assessment.{scale.value}" for scale in performance.Scale)


SCORE_SPECS: Mapping[str, ScoreSpec] = MappingProxyType(
    dict(
        [
            _spec(
                "hlh2004",
                "HLH-2004 criteria met (of 8)",
                hlh2004.assess,
                reads_age=True,
                concepts=_HLH2004,
            ),
            _spec("hscore", "HScore", hscore.assess, reads_age=False, concepts=_HSCORE),
            _spec("sofa", "SOFA score", _sofa, reads_age=False, concepts=_ORGAN_FAILURE),
            _spec("psofa", "pSOFA score", _psofa, reads_age=True, concepts=_PSOFA),
            _spec(
                "schwartz_bedside",
                "bedside Schwartz eGFR (mL/min/1.73 m²)",
                renal.assess,
                reads_age=True,
                concepts=_RENAL,
            ),
            _spec(
                "cockcroft_gault",
                "Cockcroft–Gault creatinine clearance (mL/min)",
                renal.assess,
                reads_age=True,
                concepts=_RENAL,
            ),
            _spec(
                "qtc_fridericia",
                "QTc Fridericia (ms)",
                qtc.assess,
                reads_age=False,
                concepts=_QTC,
            ),
            _spec(
                "performance",
                "Karnofsky / Lansky performance status",
                performance.assess,
                reads_age=True,
                concepts=_PERFORMANCE,
                results=("karnofsky", "lansky"),
            ),
        ]
    )
)
"""Every score a criterion can name, by name, in the order the protocol format lists them."""
