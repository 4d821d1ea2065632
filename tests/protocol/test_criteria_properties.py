"""Property tests of the criteria language: Kleene laws and monotonicity in the data.

Kleene's strong three-valued logic (the logic of SQL NULL and CQL) must hold for
every node combination; and since unknown means "the record cannot tell yet",
filling a gap in the record may decide a criterion but never un-decide one.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from strategies import DATA_ITEMS, criteria_trees, patient_facts
from trialkit.eligibility import Context, Truth, evaluate
from trialkit.eligibility.logic import all_of, any_of, at_least, negate
from trialkit.protocol.criteria import Node
from trialkit.record import (
    AlterationType,
    Condition,
    Exposure,
    GenomicFinding,
    Observation,
    PatientRecord,
    Sex,
)
from trialkit.record.model import UnknownCode
from trialkit.record.patient import group_observations
from trialkit.units import Quantity

NODE = TypeAdapter(Node)
AT = datetime(2025, 6, 15, 12, 0)
truths = st.sampled_from(list(Truth))
U, T, F = Truth.UNKNOWN, Truth.TRUE, Truth.FALSE


# -- Kleene laws ---------------------------------------------------------------------------------
def test_kleene_truth_tables() -> None:
    assert all_of([U, F]) is F
    assert any_of([U, T]) is T
    assert all_of([U, T]) is U
    assert any_of([U, F]) is U
    assert negate(U) is U
    assert all_of([]) is T
    assert any_of([]) is F


@given(truths, truths)
def test_de_morgan(a: Truth, b: Truth) -> None:
    assert negate(all_of([a, b])) is any_of([negate(a), negate(b)])
    assert negate(any_of([a, b])) is all_of([negate(a), negate(b)])


@given(st.lists(truths, min_size=1, max_size=6), st.randoms())
def test_and_or_are_symmetric_and_at_least_generalises_them(
    values: list[Truth], rnd: object
) -> None:
    shuffled = list(values)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert all_of(values) is all_of(shuffled)
    assert any_of(values) is any_of(shuffled)
    assert at_least(1, values) is any_of(values)
    assert at_least(len(values), values) is all_of(values)


@given(st.lists(truths, min_size=1, max_size=6), st.integers(1, 6))
def test_at_least_is_monotone_in_its_count(values: list[Truth], k: int) -> None:
    order = {F: 0, U: 1, T: 2}
    if k < len(values):
        assert order[at_least(k + 1, values)] <= order[at_least(k, values)]


@given(truths)
def test_double_negation(a: Truth) -> None:
    assert negate(negate(a)) is a


# -- monotonicity in the data --------------------------------------------------------------------
def _obs(key: str, value: float, unit: str, days_ago: float = 1, **kw: object) -> Observation:
    return Observation(
        key,
        f"Observation/{key}",
        AT - timedelta(days=days_ago),
        None,
        value,
        Quantity(value, unit, key),
        **kw,  # type: ignore[arg-type]
    )


def _flag(key: str, value: bool) -> Observation:
    return Observation(key, f"Observation/{key}", AT - timedelta(days=1), None, value)


def record_of(facts: dict[str, object], items: frozenset[str]) -> PatientRecord:
    """A record holding only the facts named in ``items``."""
    f = facts
    observations: list[Observation] = []
    conditions: list[Condition] = []
    exposures: list[Exposure] = []
    procedures = []
    genomics = []
    lab = {
        "ferritin": ("lab.ferritin", "ug/L", {}),
        "platelets": ("lab.platelets", "10*9/L", {}),
        "creatinine": ("lab.creatinine", "umol/L", {"reference_high": 110.0}),
        "haemoglobin": ("lab.haemoglobin", "g/L", {}),
        "temperature": ("vital.temperature", "Cel", {}),
        "triglycerides": ("lab.triglycerides", "mmol/L", {}),
        "fibrinogen": ("lab.fibrinogen", "g/L", {}),
    }
    for name, (key, unit, extra) in lab.items():
        if name in items:
            observations.append(_obs(key, float(f[name]), unit, **extra))  # type: ignore[arg-type]
    if "splenomegaly" in items:
        observations.append(_flag("finding.splenomegaly", bool(f["splenomegaly"])))
    if "consent" in items:
        observations.append(_flag("attestation.informed_consent", bool(f["consent"])))
    if "history_reviewed" in items:
        observations.append(
            _flag("attestation.treatment_history_reviewed", bool(f["history_reviewed"]))
        )
    if "problems_stated" in items:
        observations.append(_flag("absence.problems", True))
    if "cbp" in items:
        observations.append(_flag("attestation.childbearing_potential", bool(f["cbp"])))
    for name in ("tuberculosis", "malignancy"):
        if name in items:
            onset = AT - timedelta(days=100)
            conditions.append(
                Condition(f"condition.{name}", f"Condition/{name}", onset, None, str(f[name]), None)
            )
    if "leukaemia" in items:
        onset = AT - timedelta(days=int(f["leukaemia_days_ago"]))  # type: ignore[call-overload]
        conditions.append(
            Condition(
                "condition.acute_lymphoblastic_leukaemia",
                "Condition/all",
                onset,
                None,
                "confirmed",
                None,
            )
        )
    if "etoposide" in items:
        start = AT - timedelta(days=int(f["etoposide_days_ago"]))  # type: ignore[call-overload]
        exposures.append(
            Exposure(
                "drug.etoposide",
                "MedicationStatement/eto",
                "MedicationStatement",
                start,
                start,
                "completed",
            )
        )
    if "methotrexate" in items:
        given = AT - timedelta(days=int(f["methotrexate_days_ago"]))  # type: ignore[call-overload]
        exposures.append(
            Exposure(
                "drug.methotrexate",
                "MedicationAdministration/mtx",
                "MedicationAdministration",
                given,
                given,
                "completed",
                route=None if f["methotrexate_route"] is None else str(f["methotrexate_route"]),
            )
        )
    unknown: tuple[UnknownCode, ...] = ()
    if "unrecognised_drug" in items:
        unknown = (
            UnknownCode(
                "MedicationStatement/other",
                "medication",
                ("http://www.whocc.no/atc|N02BE01",),
                "MedicationStatement",
                AT - timedelta(days=3),
                None,
            ),
        )
    if "prednisolone" in items:
        start = AT - timedelta(days=40)
        end = start + timedelta(days=int(f["prednisolone_days"]))  # type: ignore[call-overload]
        exposures.append(
            Exposure(
                "drug.prednisolone",
                "MedicationStatement/pred",
                "MedicationStatement",
                start,
                end,
                "completed",
            )
        )
    if "ruxolitinib" in items:
        end = AT - timedelta(days=int(f["ruxolitinib_days_ago"]))  # type: ignore[call-overload]
        exposures.append(
            Exposure(
                "drug.ruxolitinib",
                "MedicationStatement/rux",
                "MedicationStatement",
                end - timedelta(days=10),
                end,
                "completed",
            )
        )
    if "hsct" in items:
        when = AT - timedelta(days=int(f["hsct_days_ago"]))  # type: ignore[call-overload]
        from trialkit.record import Procedure

        procedures.append(
            Procedure("procedure.hsct_allogeneic", "Procedure/hsct", when, when, "completed")
        )
    if "genomic" in items:
        genomics.append(
            GenomicFinding(
                ("gene.jak1",),
                AlterationType.MUTATION,
                str(f["genomic"]),
                "Observation/var",
                AT - timedelta(days=5),
            )
        )
    birth = None
    if "birth_date" in items:
        birth = AT.date() - timedelta(days=int(f["birth_days"]))  # type: ignore[call-overload]
    sex = Sex(str(f["sex"])) if "sex" in items else Sex.UNKNOWN
    return PatientRecord(
        "p",
        birth,
        sex,
        observations=group_observations(observations),
        conditions=tuple(conditions),
        exposures=tuple(exposures),
        procedures=tuple(procedures),
        genomics=tuple(genomics),
        unknown_codes=unknown,
    )


subsets = st.frozensets(st.sampled_from(DATA_ITEMS))


@given(criteria_trees(), patient_facts(), subsets, subsets)
def test_adding_data_never_undecides_and_removing_never_decides(
    tree: dict[str, object], facts: dict[str, object], some: frozenset[str], more: frozenset[str]
) -> None:
    # The record's statements of absence are exceptions by design: a problem list
    # stated complete is "none" for diagnoses, an attested complete treatment history
    # "none" for drugs and procedures. Data that contradicts them is a correction, not
    # a filled gap, and is not added here (an unrecognised drug, which may be the one
    # asked, corrects a "none" to unknown).
    if "problems_stated" in some:
        more = more - {"malignancy", "tuberculosis", "leukaemia"}
    if "history_reviewed" in some and facts["history_reviewed"]:
        more = more - {
            "etoposide",
            "methotrexate",
            "unrecognised_drug",
            "prednisolone",
            "ruxolitinib",
            "hsct",
        }
    node = NODE.validate_python(tree)
    fewer = evaluate(node, Context(record_of(facts, some), AT)).truth
    richer = evaluate(node, Context(record_of(facts, some | more), AT)).truth
    if fewer is not Truth.UNKNOWN:
        assert richer is not Truth.UNKNOWN, (tree, sorted(some), sorted(more))
    if richer is Truth.UNKNOWN:
        assert fewer is Truth.UNKNOWN


@given(criteria_trees(), patient_facts(), subsets)
def test_unknown_always_names_what_is_missing(
    tree: dict[str, object], facts: dict[str, object], items: frozenset[str]
) -> None:
    outcome = evaluate(NODE.validate_python(tree), Context(record_of(facts, items), AT))
    if outcome.truth is Truth.UNKNOWN:
        assert outcome.missing
    else:
        assert not outcome.missing


@given(criteria_trees(), patient_facts(), subsets)
def test_not_is_the_negation_of_its_child(
    tree: dict[str, object], facts: dict[str, object], items: frozenset[str]
) -> None:
    context = Context(record_of(facts, items), AT)
    plain = evaluate(NODE.validate_python(tree), context).truth
    assert evaluate(NODE.validate_python({"not": tree}), context).truth is negate(plain)


def test_the_empty_record_decides_nothing_and_statements_of_absence_close_histories() -> None:
    empty = PatientRecord("p", date(2010, 1, 1), Sex.FEMALE)
    diagnosis = NODE.validate_python({"condition": "condition.malignancy"})
    assert evaluate(diagnosis, Context(empty, AT)).truth is Truth.UNKNOWN
    drug = NODE.validate_python({"drug": "drug.etoposide"})
    assert evaluate(drug, Context(empty, AT)).truth is Truth.UNKNOWN
    stated = PatientRecord(
        "p",
        date(2010, 1, 1),
        Sex.FEMALE,
        observations=group_observations([_flag("absence.problems", True)]),
    )
    assert evaluate(diagnosis, Context(stated, AT)).truth is Truth.FALSE
    assert evaluate(drug, Context(stated, AT)).truth is Truth.UNKNOWN
