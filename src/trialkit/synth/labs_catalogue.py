"""What the synthetic laboratories measure, in which units, and how values are spread.

Every number here is a *plausible value* for a synthetic population, chosen by
the team (documented in :mod:`trialkit.synth`), never a clinical threshold:
no trialkit decision reads this module. Values are drawn in the concept's
canonical unit and clipped to the vocabulary's plausible range. The paediatric
creatinine, ALT and AST distributions are derived from the cited reference
intervals of :mod:`trialkit.units.reference_intervals` (median = geometric
mean of the band's limits, log-sd = ln(upper / lower) / 3.92, so that the
band is the central 95 %).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DECIMALS",
    "LABS",
    "SITES",
    "STATES",
    "Illness",
    "Lab",
    "Site",
]


@dataclass(frozen=True, slots=True)
class Lab:
    """A laboratory analyte: healthy medians (canonical unit) and log-sd.

    ``medians`` are for neonates (< 28 days), children (28 days to 17 years),
    adult women and adult men. ``caliper``: children below 19 years take the
    cited paediatric interval's distribution instead (creatinine, ALT, AST).
    ``panel`` is the chance that one blood draw includes the analyte, per
    group: ordinary inpatient, HLH-like, ICU, leukaemia. ``ranges``: whether a
    laboratory sends a reference range with the result (not for a viral load).
    """

    key: str
    medians: tuple[float, float, float, float]
    spread: float
    panel: tuple[float, float, float, float]
    caliper: bool = False
    illness: tuple[Illness, ...] = ()
    ranges: bool = True


@dataclass(frozen=True, slots=True)
class Illness:
    """A share of ordinary inpatients whose value is shifted (multiplied) by an illness."""

    share: float
    factor: float
    spread: float


def _ill(*rows: tuple[float, float, float]) -> tuple[Illness, ...]:
    return tuple(Illness(*row) for row in rows)


#: Analytes, in the order their rows are generated.
LABS: tuple[Lab, ...] = (
    Lab("lab.haemoglobin", (165, 122, 132, 148), 0.08, (0.97, 0.99, 0.99, 0.99),
        illness=_ill((0.25, 0.78, 0.10))),
    Lab("lab.platelets", (250, 300, 260, 240), 0.25, (0.97, 0.99, 0.99, 0.99),
        illness=_ill((0.06, 0.45, 0.40), (0.04, 1.6, 0.2))),
    Lab("lab.leukocytes", (15, 8.5, 7.0, 7.0), 0.28, (0.97, 0.99, 0.99, 0.99),
        illness=_ill((0.18, 1.7, 0.3))),
    Lab("lab.neutrophils", (7.0, 3.5, 4.2, 4.2), 0.40, (0.85, 0.97, 0.95, 0.97),
        illness=_ill((0.18, 1.9, 0.3), (0.02, 0.25, 0.5))),
    Lab("lab.lymphocytes", (5.0, 3.5, 1.9, 1.9), 0.35, (0.75, 0.9, 0.8, 0.9)),
    Lab("lab.creatinine", (60, 30, 66, 84), 0.15, (0.88, 0.97, 0.97, 0.97), caliper=True,
        illness=_ill((0.12, 1.9, 0.4))),
    Lab("lab.potassium", (4.8, 4.3, 4.2, 4.2), 0.07, (0.85, 0.95, 0.97, 0.9),
        illness=_ill((0.05, 1.2, 0.05), (0.05, 0.82, 0.05))),
    Lab("lab.alt", (20, 18, 18, 25), 0.35, (0.65, 0.97, 0.8, 0.95), caliper=True,
        illness=_ill((0.07, 3.0, 0.6))),
    Lab("lab.ast", (35, 32, 20, 24), 0.30, (0.6, 0.97, 0.8, 0.95), caliper=True,
        illness=_ill((0.07, 2.5, 0.6))),
    Lab("lab.bilirubin_total", (60, 7, 8, 10), 0.45, (0.55, 0.95, 0.85, 0.9),
        illness=_ill((0.05, 3.0, 0.6))),
    Lab("lab.bilirubin_direct", (4, 2.5, 2.5, 3), 0.45, (0.12, 0.4, 0.2, 0.7)),
    Lab("lab.albumin", (35, 42, 41, 43), 0.08, (0.3, 0.8, 0.6, 0.6),
        illness=_ill((0.3, 0.8, 0.1))),
    Lab("lab.ldh", (400, 250, 190, 190), 0.20, (0.2, 0.7, 0.4, 0.5),
        illness=_ill((0.1, 1.8, 0.4))),
    Lab("lab.ferritin", (150, 40, 60, 120), 0.80, (0.04, 0.8, 0.1, 0.15),
        illness=_ill((0.2, 3.0, 0.7))),
    Lab("lab.triglycerides", (1.0, 0.9, 1.2, 1.4), 0.45, (0.05, 0.6, 0.1, 0.1),
        illness=_ill((0.15, 1.8, 0.3))),
    Lab("lab.fibrinogen", (2.5, 2.8, 3.2, 3.1), 0.20, (0.08, 0.75, 0.3, 0.3),
        illness=_ill((0.2, 1.4, 0.15))),
    Lab("lab.d_dimer", (0.6, 0.3, 0.4, 0.4), 0.70, (0.04, 0.4, 0.2, 0.1),
        illness=_ill((0.3, 4.0, 0.8))),
    Lab("lab.scd25", (900, 700, 500, 500), 0.40, (0.0, 0.35, 0.0, 0.02)),
    Lab("lab.scd25_mass", (1800, 1400, 1000, 1000), 0.40, (0.0, 0.15, 0.0, 0.0)),
    Lab("lab.ebv_dna", (50, 50, 50, 50), 1.0, (0.0, 0.2, 0.0, 0.02), ranges=False),
)  # fmt: skip

#: Per group (hlh, icu, leukaemia): analytes whose healthy (median, log-sd) is replaced.
#: A group may instead scale the healthy median (``("x", factor, spread)``).
STATES: dict[str, dict[str, tuple[float, float] | tuple[str, float, float]]] = {
    "hlh": {
        "lab.haemoglobin": (85, 0.15),
        "lab.platelets": (60, 0.7),
        "lab.leukocytes": (2.8, 0.6),
        "lab.neutrophils": (1.0, 0.9),
        "lab.lymphocytes": (0.9, 0.6),
        "lab.ferritin": (3500, 1.2),
        "lab.triglycerides": (2.9, 0.45),
        "lab.fibrinogen": (1.6, 0.45),
        "lab.scd25": (4500, 0.7),
        "lab.scd25_mass": (9000, 0.7),
        "lab.ldh": (750, 0.5),
        "lab.ast": ("x", 4.0, 0.8),
        "lab.alt": ("x", 3.5, 0.8),
        "lab.bilirubin_total": ("x", 3.0, 0.8),
        "lab.bilirubin_direct": ("x", 4.0, 0.9),
        "lab.albumin": (27, 0.15),
        "lab.d_dimer": (4.5, 0.8),
        "lab.ebv_dna": (20000, 2.0),
        "lab.creatinine": ("x", 1.2, 0.3),
    },
    "icu": {
        "lab.platelets": (140, 0.55),
        "lab.bilirubin_total": ("x", 2.0, 0.8),
        "lab.creatinine": ("x", 1.7, 0.5),
        "lab.leukocytes": (12, 0.5),
        "lab.haemoglobin": (98, 0.15),
        "lab.albumin": (28, 0.15),
        "lab.ferritin": (600, 1.0),
    },
    "leukaemia": {
        "lab.haemoglobin": (95, 0.15),
        "lab.platelets": (70, 0.9),
        "lab.leukocytes": (3.5, 1.1),
        "lab.neutrophils": (0.9, 1.0),
        "lab.lymphocytes": (1.2, 0.8),
        "lab.alt": ("x", 1.8, 0.5),
        "lab.ast": ("x", 1.5, 0.4),
        "lab.ldh": (400, 0.6),
    },
}


@dataclass(frozen=True, slots=True)
class Site:
    """A hospital laboratory: its share of persons, whether it sends reference ranges, its units.

    ``units`` maps a concept to (unit, weight) pairs; a concept not listed is
    reported in its canonical unit.
    """

    name: str
    share: float
    ranges: bool
    units: dict[str, tuple[tuple[str, float], ...]]


_COUNTS = ("lab.platelets", "lab.leukocytes", "lab.neutrophils", "lab.lymphocytes")


def _all(
    keys: tuple[str, ...], *pairs: tuple[str, float]
) -> dict[str, tuple[tuple[str, float], ...]]:
    return dict.fromkeys(keys, pairs)


SITES: tuple[Site, ...] = (
    Site(
        "si",
        0.40,
        True,
        {
            **_all(_COUNTS, ("10*9/L", 1.0)),
            "lab.alt": (("U/L", 0.85), ("ukat/L", 0.15)),
            "lab.ast": (("U/L", 0.85), ("ukat/L", 0.15)),
            "lab.pao2": (("kPa", 1.0),),
        },
    ),
    Site(
        "us",
        0.30,
        True,
        {
            **_all(_COUNTS, ("10*3/uL", 1.0)),
            "lab.haemoglobin": (("g/dL", 1.0),),
            "lab.creatinine": (("mg/dL", 1.0),),
            "lab.bilirubin_total": (("mg/dL", 1.0),),
            "lab.bilirubin_direct": (("mg/dL", 1.0),),
            "lab.triglycerides": (("mg/dL", 1.0),),
            "lab.fibrinogen": (("mg/dL", 1.0),),
            "lab.ferritin": (("ng/mL", 1.0),),
            "lab.albumin": (("g/dL", 1.0),),
            "lab.potassium": (("mmol/L", 0.5), ("meq/L", 0.5)),
            "lab.d_dimer": (("ng/mL", 0.5), ("ug/mL", 0.5)),
            "vital.temperature": (("[degF]", 1.0),),
            "vital.weight": (("kg", 0.7), ("[lb_av]", 0.3)),
            "vital.height": (("cm", 0.7), ("[in_i]", 0.3)),
            "vital.fio2": (("%", 1.0),),
            "vital.urine_output_24h": (("mL/d", 1.0),),
        },
    ),
    Site(
        "fr",
        0.20,
        True,
        {
            **_all(_COUNTS, ("10*9/L", 1.0)),
            "lab.haemoglobin": (("g/dL", 1.0),),
            "lab.triglycerides": (("mmol/L", 0.5), ("g/L", 0.5)),
            "lab.d_dimer": (("ug/L", 0.5), ("ug/mL", 0.5)),
            "vital.fio2": (("%", 0.5), ("1", 0.5)),
            "vital.urine_output_24h": (("mL/d", 0.6), ("L/d", 0.4)),
        },
    ),
    Site(
        "legacy",
        0.10,
        False,
        {
            **_all(_COUNTS, ("/uL", 0.5), ("/mm3", 0.3), ("10*3/mm3", 0.2)),
            "lab.haemoglobin": (("g/dL", 0.5), ("mmol/L", 0.5)),
            "lab.creatinine": (("mg/dL", 1.0),),
            "lab.bilirubin_total": (("mg/dL", 1.0),),
            "lab.bilirubin_direct": (("mg/dL", 1.0),),
            "lab.triglycerides": (("mg/dL", 1.0),),
            "lab.fibrinogen": (("mg/dL", 1.0),),
            "lab.ferritin": (("ng/mL", 0.9), ("mg/L", 0.1)),
            "lab.alt": (("ukat/L", 1.0),),
            "lab.ast": (("ukat/L", 1.0),),
            "lab.ldh": (("ukat/L", 1.0),),
            "lab.scd25": (("kU/L", 1.0),),
            "lab.scd25_mass": (("ng/mL", 1.0),),
            "lab.ebv_dna": (("[IU]/L", 1.0),),
            "vital.height": (("cm", 0.8), ("m", 0.2)),
            "ecg.qtc_fridericia": (("ms", 0.7), ("s", 0.3)),
            "assessment.gcs_total": (("{score}", 1.0),),
        },
    ),
)

_COUNT_DECIMALS = {"10*9/L": 2, "10*3/uL": 2, "/uL": -1, "/mm3": -1, "10*3/mm3": 2}

#: Decimals a laboratory reports, per concept and unit (negative: rounded to tens, ...).
DECIMALS: dict[str, dict[str, int]] = {
    "lab.haemoglobin": {"g/L": 0, "g/dL": 1, "mmol/L": 1},
    "lab.platelets": {"10*9/L": 0, "10*3/uL": 0, "/uL": -3, "/mm3": -3, "10*3/mm3": 0},
    "lab.leukocytes": _COUNT_DECIMALS,
    "lab.neutrophils": _COUNT_DECIMALS,
    "lab.lymphocytes": _COUNT_DECIMALS,
    "lab.creatinine": {"umol/L": 0, "mg/dL": 2},
    "lab.potassium": {"mmol/L": 1, "meq/L": 1},
    "lab.alt": {"U/L": 0, "ukat/L": 2},
    "lab.ast": {"U/L": 0, "ukat/L": 2},
    "lab.ldh": {"U/L": 0, "ukat/L": 2},
    "lab.bilirubin_total": {"umol/L": 0, "mg/dL": 1},
    "lab.bilirubin_direct": {"umol/L": 1, "mg/dL": 2},
    "lab.albumin": {"g/L": 0, "g/dL": 1},
    "lab.ferritin": {"ug/L": 0, "ng/mL": 0, "mg/L": 3},
    "lab.triglycerides": {"mmol/L": 2, "mg/dL": 0, "g/L": 2},
    "lab.fibrinogen": {"g/L": 2, "mg/dL": 0},
    "lab.d_dimer": {"mg/L": 2, "ug/mL": 2, "ng/mL": 0, "ug/L": 0},
    "lab.scd25": {"U/mL": 0, "kU/L": 1},
    "lab.scd25_mass": {"pg/mL": 0, "ng/mL": 2},
    "lab.ebv_dna": {"[IU]/mL": 0, "[IU]/L": -2},
    "lab.pao2": {"mm[Hg]": 0, "kPa": 1},
    "vital.temperature": {"Cel": 1, "[degF]": 1},
    "vital.heart_rate": {"/min": 0},
    "vital.systolic_bp": {"mm[Hg]": 0},
    "vital.diastolic_bp": {"mm[Hg]": 0},
    "vital.map": {"mm[Hg]": 0},
    "vital.spo2": {"%": 0},
    "vital.fio2": {"1": 2, "%": 0},
    "vital.urine_output_24h": {"mL/d": 0, "L/d": 2},
    "vital.weight": {"kg": 1, "[lb_av]": 1},
    "vital.height": {"cm": 1, "m": 2, "[in_i]": 1},
    "assessment.gcs_total": {"1": 0, "{score}": 0},
    "assessment.gcs_eye": {"1": 0},
    "assessment.gcs_verbal": {"1": 0},
    "assessment.gcs_motor": {"1": 0},
    "assessment.karnofsky": {"1": -1},
    "assessment.lansky": {"1": -1},
    "ecg.qtc_fridericia": {"ms": 0, "s": 3},
    "ecg.qt_interval": {"ms": 0},
    "ecg.rr_interval": {"ms": 0},
    "echo.shortening_fraction": {"%": 0},
    "echo.lvef": {"%": 0},
}
