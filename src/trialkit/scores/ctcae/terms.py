"""The CTCAE v5.0 terms: the schema of ``ctcae_v5.yaml`` and its loader.

The thresholds of every graded term are data in ``ctcae_v5.yaml`` (beside this
module), validated at import into :data:`TERMS`; each term names its source
(the grade text as pharmaverse/admiral carries it, checked against
docs/clinical-decisions.md §4). How the rules are read is told in
:mod:`trialkit.scores.ctcae`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
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
from trialkit.units import Comparator, Threshold

SOURCE = (
    "NCI Common Terminology Criteria for Adverse Events (CTCAE) v5.0, 27 Nov 2017; "
    "grade text as carried by pharmaverse/admiral data-raw/adlb_grading/ncictcaev5.json"
)


class Direction(StrEnum):
    """Which way a value is adverse."""

    LOW = "low"  # counts, haemoglobin, fibrinogen, potassium
    HIGH = "high"  # enzymes, bilirubin, creatinine, triglycerides


def printed_limit(
    limits: Mapping[str, float], direction: Direction, *, inclusive: bool
) -> Threshold:
    """A limit CTCAE prints (in each of its units), beyond which a grade holds.

    Compared to 12 significant digits, as admiral compares after ``signif()``
    (:mod:`trialkit.scores.ctcae.compare`), in the reported unit when CTCAE
    prints it (docs/clinical-decisions.md §9.3).
    """
    if direction is Direction.LOW:
        comparator: Comparator = "<=" if inclusive else "<"
    else:
        comparator = ">=" if inclusive else ">"
    return Threshold.of(comparator, limits, SOURCE, digits=12)


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

    def threshold(self, direction: Direction) -> Threshold:
        """The limit as trialkit's one threshold type, compared at 12 digits as admiral does."""
        return printed_limit(self.limits, direction, inclusive=self.inclusive)


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
    origin = "trialkit/scores/ctcae/ctcae_v5.yaml"
    text = files("trialkit.scores.ctcae").joinpath("ctcae_v5.yaml").read_text(encoding="utf-8")
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
