"""CTCAE v5.0 grading of laboratory adverse events.

Source: National Cancer Institute. *Common Terminology Criteria for Adverse
Events (CTCAE) version 5.0*, 27 November 2017 (U.S. DHHS, NIH, NCI). The grade
text of every term below was read in the copy that pharmaverse/admiral ships
with its grading rules (``data-raw/adlb_grading/ncictcaev5.json``, Apache-2.0)
and checked against clinical-scores.md §4; the thresholds are re-expressed as
data in ``ctcae_v5.yaml`` (validated at import into :data:`TERMS`), each term
naming its source. The expected grades of
admiral's ``tests/testthat/test-derive_var_atoxgr.R`` are the independent truth
of ``tests/scores/test_ctcae.py``. Febrile neutropenia is not in the admiral
file (it is not a single lab value); its v5 wording is MEMORY-confirmed in
clinical-scores.md (§4, §10) and is graded by :func:`febrile_neutropenia`.

How a grade is decided
======================
- The grade is the **highest grade whose condition holds**; grade 0 means no
  adverse event (the value is not beyond the grade 1 limit).
- **LLN/ULN** are the reporting laboratory's limits (paediatric, age-specific
  where the laboratory has them), given in the concept's canonical unit
  (``Term.unit``, the unit of ``Observation.reference_low/high``).
- **Fixed limits** that CTCAE prints in several units (Hb in g/dL, mmol/L and
  g/L; triglycerides in mg/dL and mmol/L; counts per mm³ and ×10⁹/L;
  temperature in °C and °F) are compared **in the unit the laboratory
  reported** when CTCAE prints the limit in it (decision §9.3), so 150 mg/dL and
  1.71 mmol/L (= 151.5 mg/dL) are each a boundary in their own unit.
- Values and limits are rounded to 12 significant digits before they are
  compared, so that a value exactly on a printed limit stays on it after a unit
  conversion (1500/µL = 1.5×10⁹/L); admiral does the same with ``signif()``.
- **Missing inputs are never taken as normal.** A missing LLN, ULN or baseline
  is explored over every value it could take, and the result is the set of
  grades still possible with the inputs that could change it in ``missing``:
  platelets 90×10⁹/L without an LLN is "grade 0–1; missing: LLN" (admiral
  returns no grade there), platelets 60×10⁹/L is grade 2 whatever the LLN.

Term rules and decisions
========================
- **Counts** (neutrophils, platelets, WBC, lymphocytes) and **anaemia**: fixed
  limits for grades 2–4 (anaemia 2–3), ``< LLN`` for grade 1. As in admiral, a
  value below a grade 2 limit is grade 2 even when the laboratory's LLN is lower
  still.
- **ALT / AST / blood bilirubin**: "baseline abnormal" means baseline > ULN
  (admiral's ``BNRIND`` high indicator). With a normal baseline the grade is on
  multiples of ULN; with an abnormal one on multiples of the baseline, where
  ALT/AST below 1.5 × baseline is grade 0 and any bilirubin above the baseline
  is grade 1 (admiral tests 12a, 16a, 18a). The baseline is compared with the
  current ULN. Without a baseline (a screening-time call) the result spans what
  either baseline state would give, with ``missing = ("baseline",)``.
- **Creatinine**: the larger of the ×ULN grade and the ×baseline grade
  (grade 2 > 1.5×, grade 3 > 3× baseline), whatever the baseline was (admiral
  test 26a: 42 µmol/L, ULN 40, baseline 14 → 2).
- **Fibrinogen**: absolute < 50 mg/dL (0.5 g/L) → 4, and "if abnormal" the
  decrease from baseline. CTCAE does not say which value must be abnormal.
  Default ``fibrinogen_abnormal="baseline"`` follows clinical-scores.md §4 ("if
  abnormal (at baseline)") the way the liver terms read "if baseline was
  abnormal": a baseline ≥ LLN grades on ×LLN bands; a baseline < LLN grades on
  the decrease from it (any decrease → 1, ≥ 25 % → 2, ≥ 50 % → 3, ≥ 75 % → 4;
  none → 0). Taking the larger of both rules instead would make the decrease
  rule a no-op (v ≤ f × baseline < f × LLN already fires the ×LLN band). In an
  HLH trial, where fibrinogen is often low at baseline, this keeps a stable low
  value from being reported as a grade 3 event at every visit.
  ``"value"`` is admiral's reading: ×LLN always, and the decrease too when the
  current value is < LLN (admiral test 28a).
- **Hypertriglyceridemia**: exactly 150 mg/dL (1.71 mmol/L) is grade 1, as the
  CTCAE text "150–300 mg/dL" reads (decision §9.7; admiral gives 0).
- **Hypokalemia**: < LLN–3.0 mmol/L is grade 1 unless a symptom is recorded
  (``symptomatic=True``, finding ``finding.hypokalaemia_symptomatic``) → 2
  (decision §9.7; admiral assigns 2 to every such value).

What a laboratory value cannot decide
=====================================
Grades whose CTCAE text is clinical ("transfusion indicated", "hospitalization
indicated", "life-threatening consequences; urgent intervention indicated",
death) cannot be shown by a lab value: the grade returned is the **lab grade**,
a floor that the investigator may raise (each term's ``clinical`` note says
which). Anaemia: Hb < 80 g/L is grade 3; a recorded ``transfusion_indicated``
with Hb < LLN also gives 3; grade 4 is clinical only. Febrile neutropenia from
labs and temperatures is grade 3; grade 4 is a clinical judgement.

Not verified: the MedDRA codes of the terms (two secondary sources disagree and
the CTCAE v5 spreadsheet was not opened), so ``Term.meddra`` is None; the v5
febrile neutropenia text (see above). CTCAE v6 text is deliberately not mixed in.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from importlib.resources import files
from types import MappingProxyType
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from trialkit.errors import DefinitionError, TrialkitInputError
from trialkit.record import Observation, PatientRecord
from trialkit.scores.inputs import finding
from trialkit.scores.result import Item, RecordEntry, Scored, ScoreResult
from trialkit.units import Quantity, comparable

__all__ = [
    "FEBRILE_WINDOW",
    "LOOKBACK",
    "SOURCE",
    "TERMS",
    "Cut",
    "Direction",
    "Fixed",
    "FixedCut",
    "Multiple",
    "Term",
    "assess",
    "febrile_neutropenia",
    "find_term",
    "grade",
    "sustained_fever",
]

SOURCE = (
    "NCI Common Terminology Criteria for Adverse Events (CTCAE) v5.0, 27 Nov 2017; "
    "grade text as carried by pharmaverse/admiral data-raw/adlb_grading/ncictcaev5.json"
)

LOOKBACK = timedelta(days=7)
"""Look-back of :func:`assess`: the latest value of each lab in the 7 days up to ``at``
(a trialkit convention; CTCAE grades a value, not a window)."""

FEBRILE_WINDOW = timedelta(hours=24)
"""Look-back of :func:`assess` for febrile neutropenia: ANC and temperatures of the
24 h up to ``at`` (a trialkit convention: neutropenia and fever must coincide)."""

_SIGNIFICANT = 12  # digits shown, and the relative tolerance of equality below
_REL_TOL = 10.0**-_SIGNIFICANT  # admiral compares after signif(); equal within 1e-12 is equal
_NEAR = 1e-6  # relative step used to probe either side of a boundary


class Direction(StrEnum):
    """Which way a value is adverse."""

    LOW = "low"  # counts, haemoglobin, fibrinogen, potassium
    HIGH = "high"  # enzymes, bilirubin, creatinine, triglycerides


Reference = Literal["LLN", "ULN", "baseline"]
When = Literal[
    "always",
    "baseline_above_uln",  # CTCAE "if baseline was abnormal" (liver terms)
    "baseline_not_above_uln",  # CTCAE "if baseline was normal"
    "baseline_below_lln",  # fibrinogen "if abnormal", trialkit reading
    "baseline_not_below_lln",  # fibrinogen, baseline normal (trialkit reading)
    "value_below_lln",  # fibrinogen "if abnormal", admiral reading
]
Flag = Literal["symptomatic", "transfusion_indicated"]
FibrinogenReading = Literal["baseline", "value"]
Grade = Annotated[int, Field(ge=1, le=4)]


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FixedCut(_Row):
    """A grade that holds beyond a fixed limit, printed by CTCAE in one or more units."""

    grade: Grade
    limits: dict[str, Annotated[float, Field(gt=0)]] = Field(min_length=1)
    inclusive: bool = False


class Cut(_Row):
    """A grade that holds beyond ``multiple`` × a reference (LLN, ULN or baseline)."""

    grade: Grade
    multiple: Annotated[float, Field(gt=0)]
    inclusive: bool = False


class Fixed(_Row):
    """Grades on fixed limits (highest grade first)."""

    kind: Literal["fixed"]
    name: str
    cuts: tuple[FixedCut, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> Fixed:
        _highest_first(self.name, [c.grade for c in self.cuts])
        return self


class Multiple(_Row):
    """Grades on multiples of a reference value (highest grade first).

    ``when`` restricts the rule to a baseline state; ``flag`` is a recorded
    clinical finding that, with the value beyond the rule's lowest cut, gives
    ``flag_grade`` (hypokalemia: symptomatic → 2; anaemia: transfusion indicated → 3).
    """

    kind: Literal["multiple"]
    name: str
    reference: Reference
    cuts: tuple[Cut, ...] = Field(min_length=1)
    when: When = "always"
    flag: Flag | None = None
    flag_grade: Grade | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Multiple:
        _highest_first(self.name, [c.grade for c in self.cuts])
        if (self.flag is None) != (self.flag_grade is None):
            raise ValueError(f"{self.name}: flag and flag_grade go together")
        return self


Rule = Annotated[Fixed | Multiple, Field(discriminator="kind")]


def _highest_first(name: str, grades: list[int]) -> None:
    if grades != sorted(grades, reverse=True) or len(set(grades)) != len(grades):
        raise ValueError(f"{name}: cuts must be listed highest grade first, got {grades}")


class Term(_Row):
    """One CTCAE v5.0 term graded from a laboratory value (a row of ``ctcae_v5.yaml``).

    ``unit`` is the canonical unit of ``concept`` in the trialkit vocabulary: LLN,
    ULN and baseline are compared in it. ``criteria`` is the CTCAE text of grades
    1 to 5 ("-" where CTCAE has no such grade); ``clinical`` says which grades a
    laboratory value cannot decide. ``analyte`` names the value among the inputs
    of the result's items (and its evidence).
    """

    key: Annotated[str, StringConstraints(pattern=r"^[a-z_]+$")]
    name: str
    soc: str
    concept: str
    analyte: str
    unit: str
    direction: Direction
    criteria: tuple[str, str, str, str, str]
    rules: tuple[Rule, ...]
    clinical: str
    source: str
    meddra: str | None = None


class _FebrileLimits(_Row):
    anc_below: dict[str, float]
    single_above: dict[str, float]
    sustained_at_least: dict[str, float]
    sustained_minutes: Annotated[int, Field(gt=0)]


class _Table(_Row):
    terms: tuple[Term, ...]
    febrile_neutropenia: _FebrileLimits


def _load() -> _Table:
    origin = "trialkit/scores/ctcae_v5.yaml"
    text = files("trialkit.scores").joinpath("ctcae_v5.yaml").read_text(encoding="utf-8")
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        table = _Table.model_validate(data)
    except (yaml.YAMLError, ValidationError) as error:
        raise DefinitionError(f"{origin}: {error}") from None
    keys = [t.key for t in table.terms]
    if len(set(keys)) != len(keys):
        raise DefinitionError(f"{origin}: duplicate term keys in {keys}")
    return table


_TABLE = _load()
_TERMS: tuple[Term, ...] = _TABLE.terms

TERMS: Mapping[str, Term] = MappingProxyType({t.key: t for t in _TERMS})
"""The graded terms by key (the ``<term>`` of the score id ``ctcae.<term>``)."""

_BY_NAME = {t.name.casefold(): t for t in _TERMS} | {t.key: t for t in _TERMS}

_FN = _TABLE.febrile_neutropenia
_FN_SUSTAINED_FOR = timedelta(minutes=_FN.sustained_minutes)


def find_term(name: str) -> Term:
    """The term called ``name`` (CTCAE term text, any case, or its key)."""
    found = _BY_NAME.get(name.casefold())
    if found is None:
        known = ", ".join(t.name for t in _TERMS)
        raise TrialkitInputError(f"term: {name!r} is not a graded CTCAE v5.0 term; known: {known}")
    return found


# -- comparisons -----------------------------------------------------------------------------


def _sig(x: float) -> float:
    return float(f"{x:.{_SIGNIFICANT}g}")


def _same(a: float, b: float) -> bool:
    # A relative tolerance instead of rounding to 12 digits: the same boundaries,
    # at a fraction of the cost (this runs in the inner loop of every range search).
    return math.isclose(a, b, rel_tol=_REL_TOL)


def _below(a: float, b: float) -> bool:
    return a < b and not _same(a, b)


def _beyond(value: float, limit: float, direction: Direction, inclusive: bool) -> bool:
    if _same(value, limit):
        return inclusive
    return value < limit if direction is Direction.LOW else value > limit


def _op(direction: Direction, inclusive: bool, holds: bool = True) -> str:
    low = direction is Direction.LOW
    if holds:
        return ("≤" if inclusive else "<") if low else ("≥" if inclusive else ">")
    return (">" if inclusive else "≥") if low else ("<" if inclusive else "≤")


def _num(x: float) -> str:
    return f"{_sig(x):.6g}"


def _compared(quantity: Quantity, limits: Mapping[str, float]) -> tuple[float, float, str]:
    """Value and limit in the reported unit when CTCAE prints the limit in it (§9.3)."""
    if quantity.unit in limits:
        return quantity.value, limits[quantity.unit], quantity.unit
    return comparable(quantity, limits)


def _fixed(rule: Fixed, quantity: Quantity, direction: Direction) -> tuple[int, str]:
    for cut in rule.cuts:
        value, limit, unit = _compared(quantity, cut.limits)
        if _beyond(value, limit, direction, cut.inclusive):
            op = _op(direction, cut.inclusive)
            return cut.grade, f"{_num(value)} {unit} {op} {_num(limit)} {unit} → grade {cut.grade}"
    last = rule.cuts[-1]
    value, limit, unit = _compared(quantity, last.limits)
    op = _op(direction, last.inclusive, holds=False)
    return 0, f"{_num(value)} {unit} {op} {_num(limit)} {unit}: no grade from this rule"


def _applies(rule: Multiple, value: float, refs: Mapping[str, float | None]) -> bool:
    base, uln, lln = refs["baseline"], refs["ULN"], refs["LLN"]
    if rule.when == "always":
        return True
    if rule.when == "value_below_lln":
        assert lln is not None
        return _below(value, lln)
    assert base is not None
    if rule.when in ("baseline_below_lln", "baseline_not_below_lln"):
        assert lln is not None
        below = _below(base, lln)
        return below if rule.when == "baseline_below_lln" else not below
    assert uln is not None
    above = _below(uln, base)
    return above if rule.when == "baseline_above_uln" else not above


def _multiple(
    rule: Multiple,
    direction: Direction,
    value: float,
    refs: Mapping[str, float | None],
    flags: Mapping[str, bool | None],
) -> int:
    if not _applies(rule, value, refs):
        return 0
    ref = refs[rule.reference]
    assert ref is not None
    found = next(
        (c.grade for c in rule.cuts if _beyond(value, c.multiple * ref, direction, c.inclusive)),
        0,
    )
    if found and rule.flag is not None and rule.flag_grade and flags.get(rule.flag) is True:
        found = max(found, rule.flag_grade)
    return found


def _times(multiple: float, name: str) -> str:
    return name if multiple == 1 else f"{multiple:g} × {name}"


def _explain(
    rule: Multiple,
    direction: Direction,
    value: float,
    unit: str,
    refs: Mapping[str, float | None],
    flags: Mapping[str, bool | None],
) -> str:
    """Why a rule with every input known gives its grade."""
    base, uln, lln = refs["baseline"], refs["ULN"], refs["LLN"]
    shown = f"{_num(value)} {unit}"
    if not _applies(rule, value, refs):
        if rule.when == "baseline_above_uln":
            return f"does not apply: baseline {_num(base or 0)} ≤ ULN {_num(uln or 0)} {unit}"
        if rule.when == "baseline_not_above_uln":
            return f"does not apply: baseline {_num(base or 0)} > ULN {_num(uln or 0)} {unit}"
        if rule.when == "baseline_below_lln":
            return f"does not apply: baseline {_num(base or 0)} ≥ LLN {_num(lln or 0)} {unit}"
        if rule.when == "baseline_not_below_lln":
            return f"does not apply: baseline {_num(base or 0)} < LLN {_num(lln or 0)} {unit}"
        return f"does not apply: {shown} ≥ LLN {_num(lln or 0)} {unit}"
    ref = refs[rule.reference]
    assert ref is not None
    grade = _multiple(rule, direction, value, refs, flags)
    for cut in rule.cuts:
        limit = cut.multiple * ref
        if _beyond(value, limit, direction, cut.inclusive):
            text = (
                f"{shown} {_op(direction, cut.inclusive)} {_times(cut.multiple, rule.reference)} "
                f"({_num(limit)} {unit}) → grade {cut.grade}"
            )
            if grade > cut.grade and rule.flag is not None:
                text += f"; {rule.flag.replace('_', ' ')} recorded → grade {grade}"
            return text
    last = rule.cuts[-1]
    limit = last.multiple * ref
    op = _op(direction, last.inclusive, holds=False)
    return f"{shown} {op} {_times(last.multiple, rule.reference)} ({_num(limit)} {unit}) → grade 0"


# -- exploring missing references ------------------------------------------------------------

_REFERENCES: tuple[Reference, ...] = ("LLN", "ULN", "baseline")
_COUPLED: dict[When, tuple[Reference, Reference]] = {
    "baseline_above_uln": ("baseline", "ULN"),
    "baseline_not_above_uln": ("baseline", "ULN"),
    "baseline_below_lln": ("baseline", "LLN"),
    "baseline_not_below_lln": ("baseline", "LLN"),
}


def _uses(rule: Multiple) -> frozenset[str]:
    used = {rule.reference, *_COUPLED.get(rule.when, ())}
    if rule.when == "value_below_lln":
        used.add("LLN")
    return frozenset(used)


def _breakpoints(
    rules: Sequence[Multiple], value: float, refs: Mapping[str, float | None]
) -> dict[str, set[float]]:
    """Reference values at which some rule changes its grade or applicability."""
    points: dict[str, set[float]] = {name: set() for name in _REFERENCES}
    for rule in rules:
        points[rule.reference].update(value / c.multiple for c in rule.cuts)
        if rule.when == "value_below_lln":
            points["LLN"].add(value)
    raw = {name: set(found) for name, found in points.items()}
    for rule in rules:
        pair = _COUPLED.get(rule.when)
        if pair is None:
            continue
        for a, b in (pair, pair[::-1]):
            known = refs[a]
            points[b].update(raw[a] if known is None else {known})
    return points


def _candidates(points: Iterable[float]) -> tuple[float, ...]:
    """Each breakpoint, a value just either side of it, and one far beyond both ends."""
    found = sorted(p for p in points if p > 0 and math.isfinite(p))
    if not found:
        return (1.0,)
    near = (p * f for p in found for f in (1 - _NEAR, 1.0, 1 + _NEAR))
    return tuple(sorted({found[0] / 1e3, *near, found[-1] * 1e3}))


@dataclass(frozen=True, slots=True)
class _Outcome:
    grades: tuple[int, ...]
    missing: tuple[str, ...]


def _explore(
    rules: Sequence[Rule],
    direction: Direction,
    quantity: Quantity,
    value: float,
    refs: Mapping[str, float | None],
    flags: Mapping[str, bool | None],
) -> _Outcome:
    """The grades possible over every value the unknown references could take."""
    fixed = max(
        (_fixed(r, quantity, direction)[0] for r in rules if isinstance(r, Fixed)), default=0
    )
    multiples = [r for r in rules if isinstance(r, Multiple)]
    used = frozenset().union(*(_uses(r) for r in multiples))
    unknown = [n for n in _REFERENCES if n in used and refs[n] is None]
    points = _breakpoints(multiples, value, refs)
    axes = [_candidates(points[n]) for n in unknown]
    grid: dict[tuple[float, ...], int] = {}
    for combo in itertools.product(*axes):
        scenario: dict[str, float | None] = dict(refs)
        scenario.update(zip(unknown, combo, strict=True))
        grid[combo] = max(
            [fixed, *(_multiple(r, direction, value, scenario, flags) for r in multiples)]
        )
    missing = tuple(n for i, n in enumerate(unknown) if _matters(grid, i))
    return _Outcome(tuple(sorted(set(grid.values()))), missing)


def _matters(grid: Mapping[tuple[float, ...], int], axis: int) -> bool:
    """Whether the grade changes along ``axis`` with the other unknowns held fixed."""
    seen: dict[tuple[float, ...], int] = {}
    for combo, grade in grid.items():
        rest = combo[:axis] + combo[axis + 1 :]
        if seen.setdefault(rest, grade) != grade:
            return True
    return False


# -- the pure functions ----------------------------------------------------------------------


def _check(field: str, quantity: Quantity, concept: str) -> None:
    if quantity.concept != concept:
        raise TrialkitInputError(
            f"{field}: {quantity} is a {quantity.concept} value, expected {concept}"
        )
    if not math.isfinite(quantity.value) or quantity.value < 0:
        raise TrialkitInputError(f"{field}: {quantity} must be a finite value >= 0")


def _check_limit(field: str, limit: float | None, unit: str) -> None:
    if limit is not None and (not math.isfinite(limit) or limit <= 0):
        raise TrialkitInputError(f"{field}: {limit} {unit} must be a finite value > 0")


def grade(
    term: str,
    value: Quantity,
    *,
    lln: float | None = None,
    uln: float | None = None,
    baseline: Quantity | None = None,
    symptomatic: bool | None = None,
    transfusion_indicated: bool | None = None,
    fibrinogen_abnormal: FibrinogenReading = "baseline",
) -> ScoreResult:
    """The CTCAE v5.0 grade of ``term`` (its CTCAE name or key) for one laboratory ``value``.

    ``lln``/``uln`` are the laboratory's limits in ``find_term(term).unit`` (the
    concept's canonical unit); ``baseline`` is the patient's value before
    treatment. ``symptomatic`` (hypokalemia) and ``transfusion_indicated``
    (anaemia) are recorded clinical findings; None counts as not recorded (the
    lab grade, decision §9.7). ``fibrinogen_abnormal`` chooses whose
    abnormality turns on the fibrinogen %-decrease rule (module docstring).

    The result's ``low``/``high`` are the lowest and highest grades still
    possible, ``category`` is ``"grade N"`` when decided, ``possible`` lists the
    open grades otherwise, and ``missing`` names the inputs that could decide it
    ("LLN", "ULN", "baseline"). Each item is one rule, reported beside the grade
    (``counts=False``): the grade is the highest of them, not their sum.
    """
    item = find_term(term)
    if not item.rules:
        raise TrialkitInputError(
            f"term: {item.name} needs a neutrophil count and temperatures; "
            "use febrile_neutropenia()"
        )
    if fibrinogen_abnormal not in ("baseline", "value"):
        raise TrialkitInputError(
            f"fibrinogen_abnormal: {fibrinogen_abnormal!r} must be 'baseline' or 'value'"
        )
    _check("value", value, item.concept)
    _check_limit("lln", lln, item.unit)
    _check_limit("uln", uln, item.unit)
    if lln is not None and uln is not None and lln > uln:
        raise TrialkitInputError(f"lln: {lln} {item.unit} is above uln {uln} {item.unit}")
    if baseline is not None:
        _check("baseline", baseline, item.concept)
    rules = item.rules
    if fibrinogen_abnormal == "value":
        rules = tuple(_admiral_reading(r) for r in rules)
    relative = any(isinstance(r, Multiple) for r in rules)
    canonical = value.to(item.unit) if relative else value.value
    refs: dict[str, float | None] = {
        "LLN": lln,
        "ULN": uln,
        "baseline": None if baseline is None else baseline.to(item.unit),
    }
    flags: dict[str, bool | None] = {
        "symptomatic": symptomatic,
        "transfusion_indicated": transfusion_indicated,
    }
    outcome = _explore(rules, item.direction, value, canonical, refs, flags)
    items = tuple(_rule_item(item, r, value, canonical, refs, flags) for r in rules)
    low, high = outcome.grades[0], outcome.grades[-1]
    decided = low == high
    return ScoreResult(
        score=f"ctcae.{item.key}",
        label=f"CTCAE v5.0 {item.name} grade",
        source=SOURCE,
        low=float(low),
        high=float(high),
        items=items,
        missing=outcome.missing,
        category=f"grade {low}" if decided else None,
        possible=() if decided else tuple(f"grade {g}" for g in outcome.grades),
        interpretation=_criterion(item, low) if decided else None,
        notes=(item.clinical,),
    )


_ADMIRAL_READING: dict[When, tuple[When, str]] = {
    "baseline_not_below_lln": ("always", "multiples of LLN"),
    "baseline_below_lln": ("value_below_lln", "decrease from baseline (value below LLN)"),
}


def _admiral_reading(rule: Rule) -> Rule:
    """Fibrinogen as admiral reads "if abnormal": × LLN always, % decrease if the value < LLN."""
    if not isinstance(rule, Multiple) or rule.when not in _ADMIRAL_READING:
        return rule
    when, name = _ADMIRAL_READING[rule.when]
    return rule.model_copy(update={"when": when, "name": name})


def _criterion(item: Term, grade: int) -> str:
    if grade == 0:
        return "Grade 0: no adverse event (not beyond the grade 1 limit)"
    return f"Grade {grade}: {item.criteria[grade - 1]}"


def _rule_item(
    item: Term,
    rule: Rule,
    quantity: Quantity,
    value: float,
    refs: Mapping[str, float | None],
    flags: Mapping[str, bool | None],
) -> Item:
    if isinstance(rule, Fixed):
        found, reason = _fixed(rule, quantity, item.direction)
        return Item.decided(rule.name, found, reason, (item.analyte,), counts=False)
    outcome = _explore((rule,), item.direction, quantity, value, refs, flags)
    uses = sorted(_uses(rule), key=_REFERENCES.index)
    inputs = (item.analyte, *uses)
    if rule.flag is not None and flags.get(rule.flag) is not None:
        inputs = (*inputs, rule.flag)
    low, high = outcome.grades[0], outcome.grades[-1]
    if all(refs[n] is not None for n in uses):
        reason = _explain(rule, item.direction, value, item.unit, refs, flags)
        return Item.decided(rule.name, low, reason, inputs, counts=False)
    unknown = [n for n in uses if refs[n] is None]
    if low == high:
        reason = f"grade {low} whatever the {' and '.join(unknown)}"
    else:
        reason = f"{' and '.join(unknown)} unknown: grade {low}–{high} possible"
    return Item.undecided(rule.name, low, high, reason, inputs, outcome.missing, counts=False)


def sustained_fever(readings: Iterable[tuple[datetime, Quantity]]) -> bool | None:
    """Whether temperatures stayed ≥ 38 °C (100.4 °F) for more than one hour.

    CTCAE v5.0 febrile neutropenia, grade 3. Readings are taken in time order; a
    run of consecutive readings all ≥ 38 °C whose first and last are more than
    1 h apart counts as sustained (trialkit convention: no reading below 38 °C
    came between them). None when there is no reading.
    """
    ordered = sorted(readings, key=lambda r: r[0])
    if not ordered:
        return None
    start: datetime | None = None
    for time, quantity in ordered:
        _check("temperature", quantity, "vital.temperature")
        value, limit, _ = _compared(quantity, _FN.sustained_at_least)
        if _beyond(value, limit, Direction.HIGH, inclusive=True):
            start = time if start is None else start
            if time - start > _FN_SUSTAINED_FOR:
                return True
        else:
            start = None
    return False


def febrile_neutropenia(
    anc: Quantity | None,
    peak_temperature: Quantity | None = None,
    *,
    sustained: bool | None = None,
) -> ScoreResult:
    """CTCAE v5.0 febrile neutropenia from the ANC and temperatures.

    Grade 3: ANC < 1000/mm³ (1.0×10⁹/L) with a single temperature > 38.3 °C
    (101 °F) or a temperature ≥ 38 °C (100.4 °F) sustained for more than one
    hour (``sustained``, see :func:`sustained_fever`). CTCAE has no grade 1 or 2:
    without neutropenia or without fever the grade is 0. Grade 4
    (life-threatening consequences; urgent intervention indicated) is a clinical
    judgement, so the laboratory grade is 3 (noted). An unknown ANC or fever
    leaves grades 0 and 3 possible, with ``missing`` "ANC" / "temperature".
    """
    item = TERMS["febrile_neutropenia"]
    if anc is not None:
        _check("anc", anc, item.concept)
    if peak_temperature is not None:
        _check("peak_temperature", peak_temperature, "vital.temperature")
    neutropenic: bool | None = None
    if anc is None:
        anc_item = Item.undecided(
            "ANC < 1000/mm3", 0, 3, "ANC unknown", ("ANC",), ("ANC",), counts=False
        )
    else:
        value, limit, unit = _compared(anc, _FN.anc_below)
        neutropenic = _beyond(value, limit, Direction.LOW, inclusive=False)
        op = _op(Direction.LOW, False, holds=neutropenic)
        anc_item = Item.decided(
            "ANC < 1000/mm3",
            3 if neutropenic else 0,
            f"ANC {_num(value)} {unit} {op} {_num(limit)} {unit}",
            ("ANC",),
            counts=False,
        )
    fever_item, fever = _fever(peak_temperature, sustained)
    if neutropenic is False or fever is False:
        grades: tuple[int, ...] = (0,)
    elif neutropenic and fever:
        grades = (3,)
    else:
        grades = (0, 3)
    missing = tuple(
        name
        for name, known in (("ANC", neutropenic), ("temperature", fever))
        if known is None and len(grades) > 1
    )
    low, high = grades[0], grades[-1]
    decided = low == high
    return ScoreResult(
        score=f"ctcae.{item.key}",
        label=f"CTCAE v5.0 {item.name} grade",
        source=SOURCE + "; febrile neutropenia v5 text MEMORY-confirmed (clinical-scores.md §10)",
        low=float(low),
        high=float(high),
        items=(anc_item, fever_item),
        missing=missing,
        category=f"grade {low}" if decided else None,
        possible=() if decided else tuple(f"grade {g}" for g in grades),
        interpretation=_criterion(item, low) if decided else None,
        notes=(item.clinical,),
    )


def _fever(peak: Quantity | None, sustained: bool | None) -> tuple[Item, bool | None]:
    name = "temperature > 38.3 °C once or >= 38 °C for > 1 h"
    reasons: list[str] = []
    single: bool | None = None
    if peak is not None:
        value, limit, unit = _compared(peak, _FN.single_above)
        single = _beyond(value, limit, Direction.HIGH, inclusive=False)
        reasons.append(
            f"peak {_num(value)} {unit} {_op(Direction.HIGH, False, holds=single)} "
            f"{_num(limit)} {unit}"
        )
    if sustained is not None:
        reasons.append("sustained ≥ 38 °C > 1 h" if sustained else "not sustained ≥ 38 °C > 1 h")
    if single or sustained:
        fever: bool | None = True
    elif single is False and sustained is False:
        fever = False
    else:
        fever = None
    if fever is None:
        reasons.append("temperature course unknown")
        found = Item.undecided(
            name, 0, 3, "; ".join(reasons), ("temperature",), ("temperature",), counts=False
        )
        return found, None
    points = 3 if fever else 0
    return Item.decided(name, points, "; ".join(reasons), ("temperature",), counts=False), fever


# -- the record adapter ----------------------------------------------------------------------


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
    for item in _TERMS:
        if not item.rules:
            continue
        observed = record.latest(item.concept, at, lookback)
        if observed is None or observed.quantity is None:
            continue
        evidence: dict[str, tuple[RecordEntry, ...]] = {item.analyte: (observed,)}
        lln, uln = _limits(observed, (limits or {}).get(item.concept))
        if observed.reference_low is not None:
            evidence["LLN"] = (observed,)
        if observed.reference_high is not None:
            evidence["ULN"] = (observed,)
        baseline = None
        if baseline_at is not None and at >= baseline_at:
            before = record.latest(item.concept, baseline_at)
            if before is not None and before.quantity is not None:
                baseline = before.quantity
                evidence["baseline"] = (before,)
        flags: dict[str, bool | None] = {}
        for rule in item.rules:
            if isinstance(rule, Multiple) and rule.flag is not None:
                key = _FLAG_CONCEPTS[rule.flag]
                flags[rule.flag], entries = finding(record, key, at, lookback)
                if entries:
                    evidence[rule.flag] = entries
        result = grade(
            item.name,
            observed.quantity,
            lln=lln,
            uln=uln,
            baseline=baseline,
            symptomatic=flags.get("symptomatic"),
            transfusion_indicated=flags.get("transfusion_indicated"),
            fibrinogen_abnormal=fibrinogen_abnormal,
        )
        notes = [f"latest {item.analyte} in the {_span(lookback)} up to {at.isoformat()}"]
        if any(isinstance(r, Multiple) and "baseline" in _uses(r) for r in item.rules):
            notes.append(
                f"baseline: latest {item.analyte} at or before {baseline_at.isoformat()}"
                if baseline_at is not None and at >= baseline_at
                else "baseline unknown (no baseline date given, or before it)"
            )
        found.append(Scored(replace(result, notes=(*result.notes, *notes)), evidence))
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
        hottest = max(temperatures, key=lambda o: float(o.value))
        peak = hottest.quantity
        readings: list[tuple[datetime, Quantity]] = []
        for o in temperatures:
            assert o.quantity is not None
            readings.append((o.time, o.quantity))
            if o.end is not None and o.end <= at:
                readings.append((o.end, o.quantity))
        sustained = sustained_fever(readings)
    result = febrile_neutropenia(anc.quantity, peak, sustained=sustained)
    note = f"ANC and temperatures of the {_span(FEBRILE_WINDOW)} up to {at.isoformat()}"
    return Scored(replace(result, notes=(*result.notes, note)), evidence)
