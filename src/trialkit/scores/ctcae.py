"""CTCAE v5.0 grading of laboratory adverse events.

Source: National Cancer Institute. *Common Terminology Criteria for Adverse
Events (CTCAE) version 5.0*, 27 November 2017 (U.S. DHHS, NIH, NCI). The grade
text of every term below was read in the copy that pharmaverse/admiral ships
with its grading rules (``data-raw/adlb_grading/ncictcaev5.json``, Apache-2.0)
and checked against docs/clinical-decisions.md §4; the thresholds are re-expressed as
data in ``ctcae_v5.yaml`` (validated at import into :data:`TERMS`), each term
naming its source. The expected grades of
admiral's ``tests/testthat/test-derive_var_atoxgr.R`` are the independent truth
of ``tests/scores/test_ctcae.py``. Febrile neutropenia is not in the admiral
file (it is not a single lab value); its v5 wording is MEMORY-confirmed in
docs/clinical-decisions.md (§4, §10) and is graded by :func:`febrile_neutropenia`.

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
  Default ``fibrinogen_abnormal="baseline"`` follows docs/clinical-decisions.md §4 ("if
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
from dataclasses import dataclass
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
_SIG_FORMAT = f".{_SIGNIFICANT}g"
_REL_TOL = 10.0**-_SIGNIFICANT  # admiral compares after signif(); equal within 1e-12 is equal


class Direction(StrEnum):
    """Which way a value is adverse."""

    LOW = "low"  # counts, haemoglobin, fibrinogen, potassium
    HIGH = "high"  # enzymes, bilirubin, creatinine, triglycerides


_LOW = Direction.LOW  # a module global is faster to read than an enum member


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


# Two numbers within a relative 1e-12 of each other are the same (math.isclose with
# _REL_TOL): a relative tolerance instead of rounding to 12 digits gives the same boundaries
# at a fraction of the cost, and _below and _beyond run in the inner loop of every range search.


def _below(a: float, b: float) -> bool:
    return a < b and not math.isclose(a, b, rel_tol=_REL_TOL)


def _beyond(value: float, limit: float, direction: Direction, inclusive: bool) -> bool:
    if math.isclose(value, limit, rel_tol=_REL_TOL):
        return inclusive
    return value < limit if direction is _LOW else value > limit


def _op(direction: Direction, inclusive: bool, holds: bool = True) -> str:
    low = direction is Direction.LOW
    if holds:
        return ("≤" if inclusive else "<") if low else ("≥" if inclusive else ">")
    return (">" if inclusive else "≥") if low else ("<" if inclusive else "≤")


def _num(x: float) -> str:
    """``x`` as compared (12 significant digits), shown with 6."""
    return f"{float(format(x, _SIG_FORMAT)):.6g}"


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


# -- rules on a reference (LLN, ULN or baseline) ---------------------------------------------
#
# A scenario holds every number a rule on a reference compares: (LLN, ULN, baseline, value),
# in the term's canonical unit, with None for a reference that is not known.

_REFERENCES: tuple[Reference, ...] = ("LLN", "ULN", "baseline")
_LLN, _ULN, _BASELINE, _VALUE = 0, 1, 2, 3  # positions in a scenario
_Scenario = Sequence[float | None]

# when -> (a, b, holds): the rule applies when _below(scenario[a], scenario[b]) is ``holds``
_CONDITIONS: dict[When, tuple[int, int, bool] | None] = {
    "always": None,
    "baseline_above_uln": (_ULN, _BASELINE, True),
    "baseline_not_above_uln": (_ULN, _BASELINE, False),
    "baseline_below_lln": (_BASELINE, _LLN, True),
    "baseline_not_below_lln": (_BASELINE, _LLN, False),
    "value_below_lln": (_VALUE, _LLN, True),
}


@dataclass(frozen=True, slots=True)
class _Scale:
    """A :class:`Multiple` rule in the plain form the range search reads (built at import)."""

    rule: Multiple
    reference: int  # position of rule.reference in a scenario
    cuts: tuple[tuple[int, float, bool], ...]  # (grade, multiple, inclusive), highest grade first
    condition: tuple[int, int, bool] | None  # rule.when (see _CONDITIONS)
    uses: tuple[int, ...]  # positions of the references the rule reads, in _REFERENCES order
    inputs: tuple[str, ...]  # the analyte and those references, as the rule's item names them

    @staticmethod
    def of(rule: Multiple, analyte: str) -> _Scale:
        reference = _REFERENCES.index(rule.reference)
        condition = _CONDITIONS[rule.when]
        compared = () if condition is None else condition[:2]
        uses = tuple(sorted({reference, *compared} - {_VALUE}))
        cuts = tuple((c.grade, c.multiple, c.inclusive) for c in rule.cuts)
        inputs = (analyte, *(_REFERENCES[i] for i in uses))
        return _Scale(rule, reference, cuts, condition, uses, inputs)

    def boost(self, flags: Mapping[str, bool | None]) -> int:
        """The rule's flag grade when its flag is recorded as present, else 0."""
        flag = self.rule.flag
        if flag is None or flags.get(flag) is not True:
            return 0
        return self.rule.flag_grade or 0


def _applies(scale: _Scale, scenarios: Sequence[_Scenario]) -> list[bool]:
    """Whether the rule's baseline condition (``when``) holds, in each scenario."""
    if scale.condition is None:
        return [True] * len(scenarios)
    a, b, holds = scale.condition
    found: list[bool] = []
    for scenario in scenarios:
        x, y = scenario[a], scenario[b]
        assert x is not None and y is not None
        found.append(_below(x, y) == holds)
    return found


def _climb(scale: _Scale, direction: Direction, value: float, ref: float | None, boost: int) -> int:
    """The grade of a rule's cuts at reference ``ref``, whether the rule applies or not.

    ``boost`` is the rule's flag grade when its flag is recorded (else 0): with the value
    beyond the rule's lowest cut, the grade is at least that.
    """
    assert ref is not None
    for grade, multiple, inclusive in scale.cuts:
        if _beyond(value, multiple * ref, direction, inclusive):
            return max(grade, boost)
    return 0


def _times(multiple: float, name: str) -> str:
    return name if multiple == 1 else f"{multiple:g} × {name}"


def _explain(
    scale: _Scale, direction: Direction, unit: str, scenario: _Scenario, grade: int
) -> str:
    """Why a rule with every input known gives ``grade``."""
    rule = scale.rule
    lln, uln, base, value = scenario
    assert value is not None
    shown = f"{_num(value)} {unit}"
    if not _applies(scale, [scenario])[0]:
        if rule.when == "baseline_above_uln":
            return f"does not apply: baseline {_num(base or 0)} ≤ ULN {_num(uln or 0)} {unit}"
        if rule.when == "baseline_not_above_uln":
            return f"does not apply: baseline {_num(base or 0)} > ULN {_num(uln or 0)} {unit}"
        if rule.when == "baseline_below_lln":
            return f"does not apply: baseline {_num(base or 0)} ≥ LLN {_num(lln or 0)} {unit}"
        if rule.when == "baseline_not_below_lln":
            return f"does not apply: baseline {_num(base or 0)} < LLN {_num(lln or 0)} {unit}"
        return f"does not apply: {shown} ≥ LLN {_num(lln or 0)} {unit}"
    ref = scenario[scale.reference]
    assert ref is not None
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


# -- a term's rules, prepared once at import -------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Plan:
    """A term's rules under one reading of fibrinogen's "if abnormal"."""

    term: Term
    rules: tuple[Fixed | _Scale, ...]  # in the term's order, one item each
    fixed: tuple[Fixed, ...]
    scales: tuple[_Scale, ...]
    uses: tuple[int, ...]  # every reference some rule reads, in _REFERENCES order
    flags: tuple[Flag, ...]  # the clinical findings the rules read
    partners: tuple[tuple[int, ...], ...]  # per reference: what a ``when`` compares it with


def _plan(term: Term, reading: FibrinogenReading) -> _Plan:
    rules = term.rules if reading == "baseline" else tuple(_admiral_reading(r) for r in term.rules)
    prepared = tuple(_Scale.of(r, term.analyte) if isinstance(r, Multiple) else r for r in rules)
    scales = tuple(r for r in prepared if isinstance(r, _Scale))
    partners: list[set[int]] = [set() for _ in _REFERENCES]  # other references or _VALUE
    for s in scales:
        if s.condition is not None:
            a, b, _ = s.condition
            partners[b].add(a)
            if a != _VALUE:
                partners[a].add(b)
    return _Plan(
        term=term,
        rules=prepared,
        fixed=tuple(r for r in prepared if isinstance(r, Fixed)),
        scales=scales,
        uses=tuple(sorted({i for s in scales for i in s.uses})),
        flags=tuple(s.rule.flag for s in scales if s.rule.flag is not None),
        partners=tuple(tuple(sorted(found)) for found in partners),
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


_READINGS: tuple[FibrinogenReading, ...] = ("baseline", "value")
_PLANS: dict[tuple[str, str], _Plan] = {
    (t.key, reading): _plan(t, reading) for t in _TERMS if t.rules for reading in _READINGS
}


def _plan_for(term: Term, reading: str) -> _Plan:
    if not term.rules:
        raise TrialkitInputError(
            f"term: {term.name} needs a neutrophil count and temperatures; "
            "use febrile_neutropenia()"
        )
    if reading not in _READINGS:
        raise TrialkitInputError(f"fibrinogen_abnormal: {reading!r} must be 'baseline' or 'value'")
    return _PLANS[(term.key, reading)]


# -- exploring missing references ------------------------------------------------------------
#
# An unknown LLN, ULN or baseline is explored over every value it could take. Why a few
# samples suffice: every comparison a rule makes with a reference r is one of
#   value vs multiple × r     (its outcome can change only at r = value / multiple),
#   value vs LLN              (only at LLN = value: fibrinogen, admiral reading),
#   baseline vs ULN or LLN    (only at baseline = the limit, when that limit is known),
# and each is constant for r below the point, at it (within the 1e-12 tolerance of equality),
# and above it. So with the other references fixed, every rule's grade is constant on each
# open interval between consecutive sorted breakpoints (and on (0, first) and (last, ∞)),
# and at a breakpoint it takes the value of the inclusive or strict edge there. One sample
# inside each interval plus the breakpoints themselves therefore meets every grade the
# reference can give, inclusive edges included.
#
# Breakpoints less than one part in a million apart (_SAME_BOUNDARY) are one boundary seen
# through floating point (20 x ULN of a value converted from ukat/L against the ULN itself):
# the sliver between them is not sampled, as no laboratory reports a value inside it and its
# grade would be an artefact of the 1e-12 tolerance. Every wider interval is sampled at a
# point far outside the tolerance band of both its ends.
#
# A rule's cut points matter only where the rule applies. When its ``when`` compares the
# explored reference with a known number k (a baseline with a known ULN), it holds on one
# side of k only (k itself included, within the tolerance), so the cut points strictly on
# the other side are dropped: the rule gives 0 there whatever its cuts say, and k stays a
# breakpoint. A ``when`` that reads known numbers only holds everywhere (all cut points are
# kept) or nowhere (none are). Dropping a breakpoint that changes no grade only merges two
# intervals on which every rule gives the same grade.
#
# The one edge that moves is a baseline against a limit when both are unknown. References
# that a rule's ``when`` compares with each other and that are all unknown form a group
# (_groups): they are sampled at the same values, the union of their breakpoints, so each
# keeps its own breakpoints and inside one interval only their order decides; and they get
# as many samples per interval as the group has members, so that every order of their values
# inside one interval, ties included, is met: for a baseline b and a limit u, (s1, s2),
# (s1, s1) and (s2, s1) give b below, equal to and above u, and holding either at s1 or s2
# the other meets both sides of the comparison. Unknowns in different groups are independent,
# so the product of the per-axis samples meets every combination of regions, and a reference
# that can change the grade with the others held anywhere changes it with them held at some
# sample (_matters).


# What a search found: the grades still possible (lowest first) and the unknown references
# that could change them. A plain pair: the search builds one per rule and per term.
_Outcome = tuple[tuple[int, ...], tuple[str, ...]]


def _explore(
    plan: _Plan, scenario: _Scenario, boosts: Sequence[int], floor: int
) -> tuple[_Outcome, tuple[_Outcome, ...]]:
    """The grades possible over every value the unknown references could take.

    Returns the term's outcome (the highest grade of any rule, at least ``floor``, the
    grade of the fixed limits) and the outcome of each of ``plan.scales``. Each rule is
    graded once per scenario and that grade serves both, so the search runs once per term.
    """
    unknown = [i for i in plan.uses if scenario[i] is None]
    if not unknown:  # every reference known: one scenario, every grade decided
        grades = [column[0] for column in _columns(plan, [scenario], unknown, boosts)]
        return ((max([floor, *grades]),), ()), tuple([((g,), ()) for g in grades])
    scenarios = list(itertools.product(*_axes(plan, scenario, unknown)))
    columns = _columns(plan, scenarios, unknown, boosts)
    floors = [floor] * len(scenarios)
    term = list(map(max, floors, *columns)) if columns else floors
    rules = tuple([_outcome(scenarios, column, unknown) for column in columns])
    return _outcome(scenarios, term, unknown), rules


def _columns(
    plan: _Plan, scenarios: Sequence[_Scenario], unknown: Sequence[int], boosts: Sequence[int]
) -> list[list[int]]:
    """The grade of each rule (one column each) in each scenario (``unknown`` is explored)."""
    value = scenarios[0][_VALUE]
    assert value is not None
    direction = plan.term.direction
    columns: list[list[int]] = []
    for scale, boost in zip(plan.scales, boosts, strict=True):
        applies = _applies(scale, scenarios)
        if scale.reference not in unknown:  # the same in every scenario: the cuts give one grade
            grade = _climb(scale, direction, value, scenarios[0][scale.reference], boost)
            columns.append([grade if holds else 0 for holds in applies])
            continue
        # The cuts read the rule's own reference only: climb them once per value it takes.
        climbed: dict[float | None, int] = {}
        column: list[int] = []
        for scenario, holds in zip(scenarios, applies, strict=True):
            if not holds:
                column.append(0)
                continue
            ref = scenario[scale.reference]
            if ref not in climbed:
                climbed[ref] = _climb(scale, direction, value, ref, boost)
            column.append(climbed[ref])
        columns.append(column)
    return columns


def _axes(
    plan: _Plan, scenario: _Scenario, unknown: Sequence[int]
) -> list[tuple[float | None, ...]]:
    """The values each number of the scenario is explored at: its own, or samples if unknown."""
    axes: list[tuple[float | None, ...]] = [(known,) for known in scenario]
    for group in _groups(plan, unknown):
        points = _breakpoints(plan, scenario, group[0])
        for i in group[1:]:
            points |= _breakpoints(plan, scenario, i)
        samples = _candidates(points, per_interval=len(group))
        for i in group:
            axes[i] = samples
    return axes


def _groups(plan: _Plan, unknown: Sequence[int]) -> list[list[int]]:
    """The unknown references, grouped with those that a rule's ``when`` compares them with."""
    groups: list[list[int]] = []
    for i in unknown:
        group = [i]
        for linked in [g for g in groups if any(j in plan.partners[i] for j in g)]:
            groups.remove(linked)
            group += linked
        groups.append(group)
    return groups


def _breakpoints(plan: _Plan, scenario: _Scenario, axis: int) -> set[float]:
    """Values of reference ``axis`` at which some rule changes its grade or whether it applies,
    with the other references as in ``scenario`` (those of its group: see _axes)."""
    points: set[float] = set()
    for s in plan.scales:
        if s.reference == axis:
            points.update(_cut_points(s, scenario, axis))
    for other in plan.partners[axis]:
        known = scenario[other]
        if known is not None:  # where the comparison with it turns
            points.add(known)
    return points


def _cut_points(scale: _Scale, scenario: _Scenario, axis: int) -> list[float]:
    """Where the rule's cuts change its grade along its reference ``axis``, where it may apply."""
    value = scenario[_VALUE]
    assert value is not None
    points = [value / multiple for _, multiple, _ in scale.cuts]
    if scale.condition is None:
        return points
    a, b, holds = scale.condition
    if axis not in (a, b):  # the condition does not read the axis
        x, y = scenario[a], scenario[b]
        if x is None or y is None or _below(x, y) == holds:
            return points
        return []  # never applies
    known = scenario[b if a == axis else a]
    if known is None:  # compared with another unknown reference
        return points
    if (a == axis) != holds:  # applies above ``known`` only
        return [p for p in points if not _below(p, known)]
    return [p for p in points if not _below(known, p)]  # applies below ``known`` only


# evenly spaced samples inside an interval, for each size of a group (see _axes)
_INSIDE = {n: tuple((j + 1) / (n + 1) for j in range(n)) for n in range(1, len(_REFERENCES) + 1)}
_SAME_BOUNDARY = 1e-6  # relative gap below which two breakpoints are one boundary (see above)


def _candidates(points: Iterable[float], per_interval: int) -> tuple[float, ...]:
    """Each breakpoint and ``per_interval`` values inside each interval they bound (see above)."""
    found = sorted([p for p in points if 0 < p < math.inf])
    if not found:
        return (1.0,)  # the grade does not depend on this reference
    inside = _INSIDE[per_interval]
    samples: list[float] = []
    low = 0.0
    for high in found:  # (0, first), then between consecutive breakpoints
        if high > low * (1 + _SAME_BOUNDARY):
            for f in inside:
                samples.append(low + (high - low) * f)
        samples.append(high)
        low = high
    for f in inside:  # (last, ∞)
        samples.append(low * (1 + 2 * f))
    return tuple(samples)


def _outcome(
    scenarios: Sequence[_Scenario], grades: Sequence[int], unknown: Sequence[int]
) -> _Outcome:
    distinct = tuple(sorted(set(grades)))
    if len(distinct) == 1:
        return distinct, ()  # no unknown reference changes the grade
    if len(unknown) == 1:  # the only unknown changes it
        return distinct, (_REFERENCES[unknown[0]],)
    missing = tuple(_REFERENCES[i] for i in unknown if _matters(scenarios, grades, i))
    return distinct, missing


def _matters(scenarios: Sequence[_Scenario], grades: Sequence[int], axis: int) -> bool:
    """Whether the grade changes along ``axis`` with the other references held fixed."""
    seen: dict[tuple[float | None, ...], int] = {}
    for scenario, grade in zip(scenarios, grades, strict=True):
        rest = (*scenario[:axis], *scenario[axis + 1 :])
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
    plan = _plan_for(find_term(term), fibrinogen_abnormal)
    flags = {"symptomatic": symptomatic, "transfusion_indicated": transfusion_indicated}
    return _grade(plan, value, lln, uln, baseline, flags)


def _grade(
    plan: _Plan,
    value: Quantity,
    lln: float | None,
    uln: float | None,
    baseline: Quantity | None,
    flags: Mapping[str, bool | None],
    notes: tuple[str, ...] = (),
) -> ScoreResult:
    """:func:`grade` once the term and reading are resolved; ``notes`` follow the term's note."""
    item = plan.term
    _check("value", value, item.concept)
    _check_limit("lln", lln, item.unit)
    _check_limit("uln", uln, item.unit)
    if lln is not None and uln is not None and lln > uln:
        raise TrialkitInputError(f"lln: {lln} {item.unit} is above uln {uln} {item.unit}")
    if baseline is not None:
        _check("baseline", baseline, item.concept)
    canonical = value.to(item.unit) if plan.scales else value.value
    scenario = (lln, uln, None if baseline is None else baseline.to(item.unit), canonical)
    judged = [_fixed(r, value, item.direction) for r in plan.fixed]  # (grade, reason) each
    floor = max([found for found, _ in judged], default=0)
    boosts = [s.boost(flags) for s in plan.scales] if plan.flags else [0] * len(plan.scales)
    outcome, scaled = _explore(plan, scenario, boosts, floor)
    items = _items(plan, judged, scaled, scenario, flags)
    grades, missing = outcome
    low, high = grades[0], grades[-1]
    decided = low == high
    return ScoreResult(
        score=f"ctcae.{item.key}",
        label=f"CTCAE v5.0 {item.name} grade",
        source=SOURCE,
        low=float(low),
        high=float(high),
        items=items,
        missing=missing,
        category=f"grade {low}" if decided else None,
        possible=() if decided else tuple([f"grade {g}" for g in grades]),
        interpretation=_criterion(item, low) if decided else None,
        notes=(item.clinical, *notes),
    )


def _criterion(item: Term, grade: int) -> str:
    if grade == 0:
        return "Grade 0: no adverse event (not beyond the grade 1 limit)"
    return f"Grade {grade}: {item.criteria[grade - 1]}"


def _items(
    plan: _Plan,
    judged: Sequence[tuple[int, str]],
    scaled: Sequence[_Outcome],
    scenario: _Scenario,
    flags: Mapping[str, bool | None],
) -> tuple[Item, ...]:
    """One item per rule, in the term's order, from the fixed rules' (grade, reason) and the
    outcomes of the rules on a reference."""
    term = plan.term
    fixed, scales = iter(judged), iter(scaled)
    items: list[Item] = []
    for rule in plan.rules:
        if isinstance(rule, Fixed):
            found, reason = next(fixed)
            items.append(Item.decided(rule.name, found, reason, (term.analyte,), counts=False))
        else:
            items.append(_scale_item(term, rule, next(scales), scenario, flags))
    return tuple(items)


def _scale_item(
    item: Term,
    scale: _Scale,
    outcome: _Outcome,
    scenario: _Scenario,
    flags: Mapping[str, bool | None],
) -> Item:
    rule = scale.rule
    inputs = scale.inputs
    if rule.flag is not None and flags.get(rule.flag) is not None:
        inputs = (*inputs, rule.flag)
    grades, missing = outcome
    low, high = grades[0], grades[-1]
    unknown = [_REFERENCES[i] for i in scale.uses if scenario[i] is None]
    if not unknown:
        reason = _explain(scale, item.direction, item.unit, scenario, low)
        return Item.decided(rule.name, low, reason, inputs, counts=False)
    if low == high:
        reason = f"grade {low} whatever the {' and '.join(unknown)}"
    else:
        reason = f"{' and '.join(unknown)} unknown: grade {low}–{high} possible"
    return Item.undecided(rule.name, low, high, reason, inputs, missing, counts=False)


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
    return _febrile(anc, peak_temperature, sustained)


def _febrile(
    anc: Quantity | None,
    peak_temperature: Quantity | None,
    sustained: bool | None,
    notes: tuple[str, ...] = (),
) -> ScoreResult:
    """:func:`febrile_neutropenia`; ``notes`` follow the term's note."""
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
        source=SOURCE
        + "; febrile neutropenia v5 text MEMORY-confirmed (docs/clinical-decisions.md §10)",
        low=float(low),
        high=float(high),
        items=(anc_item, fever_item),
        missing=missing,
        category=f"grade {low}" if decided else None,
        possible=() if decided else tuple(f"grade {g}" for g in grades),
        interpretation=_criterion(item, low) if decided else None,
        notes=(item.clinical, *notes),
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
