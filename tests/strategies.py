"""Hypothesis strategies shared by the test suite (STYLE §7): quantities in any allowed unit."""

from __future__ import annotations

from hypothesis import strategies as st

from trialkit.protocol.criteria import NODE_TYPES
from trialkit.units import Quantity, conversion
from trialkit.vocab import ValueType, concept, vocabulary

__all__ = ["QUANTITY_CONCEPTS", "competing_risks", "quantity_of"]

QUANTITY_CONCEPTS = tuple(
    sorted(k for k, c in vocabulary().items() if c.value_type is ValueType.QUANTITY)
)


@st.composite
def quantity_of(
    draw: st.DrawFn, key: str, low: float | None = None, high: float | None = None
) -> Quantity:
    """A plausible quantity of concept ``key`` (canonical value in [low, high]) in any allowed unit."""
    item = concept(key)
    assert item.plausible is not None
    assert item.unit is not None
    lo = item.plausible.low if low is None else max(low, item.plausible.low)
    hi = item.plausible.high if high is None else min(high, item.plausible.high)
    canonical = draw(st.floats(lo, hi, allow_nan=False, allow_infinity=False))
    unit = draw(st.sampled_from(item.units))
    scale, offset = conversion(item.unit, unit, item.molar_mass)
    return Quantity(canonical * scale + offset, unit, key)


# -- criteria trees and patient records (protocols) ----------------------------------------------
# A pool of leaves over the concepts of the data pool below, and a pool of data
# items each about one distinct thing, so that "adding data" means filling a gap.

CRITERIA_LEAVES: tuple[dict[str, object], ...] = (
    {
        "measure": "lab.ferritin",
        "op": ">=",
        "value": 500,
        "unit": "ug/L",
        "within": "7 d",
        "source": "t",
    },
    {
        "measure": "lab.platelets",
        "op": "<",
        "value": 100,
        "unit": "10*9/L",
        "within": "7 d",
        "source": "t",
    },
    {"measure": "lab.creatinine", "op": "<=", "uln": 1.5, "within": "2 d", "source": "t"},
    {
        "measure": "lab.haemoglobin",
        "op": "<",
        "by_age": [{"below": "28 d", "value": 100}, {"value": 90}],
        "unit": "g/L",
        "within": "7 d",
        "source": "t",
    },
    {"score": "hlh2004", "op": ">=", "value": 5, "source": "t"},
    {"score": "hscore", "op": ">=", "value": 200, "source": "t"},
    {"age": ">=", "value": 1, "unit": "a", "source": "t"},
    {
        "age": ">=",
        "value": 12,
        "unit": "mo",
        "at_first": "condition.acute_lymphoblastic_leukaemia",
        "source": "t",
    },
    {"sex": "female"},
    {"condition": "condition.tuberculosis"},
    {"condition": "condition.malignancy"},
    {"childbearing_potential": True},
    {"finding": "finding.splenomegaly", "within": "30 d"},
    {"attestation": "attestation.informed_consent"},
    {"drug": "drug.etoposide"},
    {"drug": "drug.methotrexate", "within": "7 d", "routes": ["route.intravenous", "route.oral"]},
    {"drug": "drug_class.corticosteroids", "longer_than": "14 d"},
    {"drug": "drug.ruxolitinib", "within": "21 d", "half_lives": 5},
    {"procedure": "procedure.hsct_allogeneic", "within": "3 mo"},
    {"gene": ["gene.jak1"], "alteration": ["mutation"], "protein_change": ["F958"]},
)


LOGIC_EXAMPLES: tuple[dict[str, object], ...] = (
    {"all_of": [{"sex": "female"}, {"childbearing_potential": True}]},
    {"any_of": [{"sex": "female"}, {"attestation": "attestation.informed_consent"}]},
    {"at_least": 1, "of": [{"sex": "male"}, {"condition": "condition.tuberculosis"}]},
    {"not": {"condition": "condition.malignancy"}},
)
"""One mapping of each logic node type."""


def node_examples() -> dict[str, dict[str, object]]:
    """One protocol-file mapping per node tag found in :data:`LOGIC_EXAMPLES` and
    :data:`CRITERIA_LEAVES` (the first of each), keyed by the tag that introduces it."""
    found: dict[str, dict[str, object]] = {}
    for mapping in (*LOGIC_EXAMPLES, *CRITERIA_LEAVES):
        tag = next(key for key in mapping if key in NODE_TYPES)
        found.setdefault(tag, mapping)
    return found


def criteria_trees() -> st.SearchStrategy[dict[str, object]]:
    """Random criteria trees (as protocol-file mappings) over :data:`CRITERIA_LEAVES`."""
    leaves = st.sampled_from(CRITERIA_LEAVES)

    def extend(
        children: st.SearchStrategy[dict[str, object]],
    ) -> st.SearchStrategy[dict[str, object]]:
        many = st.lists(children, min_size=1, max_size=4)
        return st.one_of(
            many.map(lambda items: {"all_of": items}),
            many.map(lambda items: {"any_of": items}),
            children.map(lambda item: {"not": item}),
            many.flatmap(
                lambda items: st.integers(1, len(items)).map(lambda k: {"at_least": k, "of": items})
            ),
        )

    return st.recursive(leaves, extend, max_leaves=8)


DATA_ITEMS = (
    "birth_date",
    "sex",
    "ferritin",
    "platelets",
    "creatinine",
    "haemoglobin",
    "temperature",
    "triglycerides",
    "fibrinogen",
    "splenomegaly",
    "consent",
    "history_reviewed",
    "problems_stated",
    "cbp",
    "tuberculosis",
    "malignancy",
    "leukaemia",
    "etoposide",
    "methotrexate",
    "unrecognised_drug",
    "prednisolone",
    "ruxolitinib",
    "hsct",
    "genomic",
)
"""Each item is one distinct fact about the patient (see ``patient_facts``)."""


@st.composite
def patient_facts(draw: st.DrawFn) -> dict[str, object]:
    """A value for every item of :data:`DATA_ITEMS` (a record uses a subset of them)."""
    return {
        "birth_days": draw(st.integers(10, 30 * 365)),  # born before any observation
        "sex": draw(st.sampled_from(["female", "male"])),
        "ferritin": draw(st.sampled_from([200.0, 499.0, 500.0, 8000.0])),
        "platelets": draw(st.sampled_from([20.0, 99.0, 100.0, 250.0])),
        "creatinine": draw(st.sampled_from([40.0, 90.0, 200.0])),
        "haemoglobin": draw(st.sampled_from([80.0, 95.0, 120.0])),
        "temperature": draw(st.sampled_from([36.8, 38.5, 39.5])),
        "triglycerides": draw(st.sampled_from([1.0, 3.0, 4.5])),
        "fibrinogen": draw(st.sampled_from([1.0, 1.5, 3.0])),
        "splenomegaly": draw(st.booleans()),
        "consent": draw(st.booleans()),
        "history_reviewed": draw(st.booleans()),
        "cbp": draw(st.booleans()),
        "methotrexate_route": draw(st.sampled_from([None, "route.oral", "route.intrathecal"])),
        "methotrexate_days_ago": draw(st.integers(0, 10)),
        "tuberculosis": draw(st.sampled_from(["confirmed", "refuted"])),
        "malignancy": draw(st.sampled_from(["confirmed", "refuted"])),
        "leukaemia_days_ago": draw(st.integers(1, 3000)),
        "etoposide_days_ago": draw(st.integers(1, 400)),
        "prednisolone_days": draw(st.integers(1, 30)),
        "ruxolitinib_days_ago": draw(st.integers(0, 40)),
        "hsct_days_ago": draw(st.integers(1, 200)),
        "genomic": draw(st.sampled_from(["F958V", "V617F", "Y931C"])),
    }


# -- competing-risks data (trialkit.analysis) ----------------------------------------------------
# Times on a coarse grid so that ties (between causes, and between events and
# censorings) are the rule rather than the exception.


@st.composite
def competing_risks(
    draw: st.DrawFn, causes: int = 3, max_size: int = 40
) -> tuple[list[float], list[int], list[int]]:
    """``(times, events, groups)`` of 1 to ``max_size`` subjects: event 0 is a censoring,
    1..``causes`` a cause; times on a grid of halves in [0, 10]; groups 1 or 2."""
    size = draw(st.integers(1, max_size))
    times = draw(st.lists(st.integers(0, 20), min_size=size, max_size=size))
    events = draw(st.lists(st.integers(0, causes), min_size=size, max_size=size))
    groups = draw(st.lists(st.integers(1, 2), min_size=size, max_size=size))
    return [t / 2 for t in times], events, groups
