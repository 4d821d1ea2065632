"""SQL pre-screening agrees with bedside screening on every golden patient, criterion by criterion.

Every golden bundle (``tests/protocol/golden``) is read into a record, written
through the FHIR → OMOP bridge into one DuckDB database (one person each;
each patient also dead by the index time, or with impossible measurement
values as an OMOP row may hold them, as further persons),
and screened in SQL against every protocol at the case's index time, on every
engine of ``ENGINES`` (each holding a copy of that database, see
:func:`sql.engines.engine_of`); each criterion's status, the verdict and the
attrition table must equal the in-memory evaluator's
(``trialkit.eligibility.screen``) for every person, not only the protocol's
own cases.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

import duckdb
import pytest

from sql.engines import engine_for, engine_params
from trialkit.eligibility import Screening, screen
from trialkit.eligibility.sql import (
    Engine,
    Prescreening,
    attrition_of,
    prescreen,
)
from trialkit.protocol.files import builtin_ids, builtin_protocol
from trialkit.record import PatientRecord, record_from_bundle
from trialkit.record.model import OLDEST_AGE_YEARS
from trialkit.record.reported import reported_measurement

GOLDEN = Path(__file__).parents[1] / "protocol" / "golden"

ENGINES = ("duckdb", "postgres", "spark")
"""The engines the golden agreement runs on (names of :data:`sql.engines.ENGINE_NAMES`)."""


@dataclass(frozen=True)
class Golden:
    person_id: int
    protocol: str
    case: str
    at: datetime
    record: PatientRecord


def _at(text: str) -> datetime:
    if "T" in text:
        return datetime.fromisoformat(text)
    return datetime.combine(date.fromisoformat(text), time.max)


def _cases() -> Iterator[Golden]:
    for person_id, path in enumerate(sorted(GOLDEN.glob("*/*.json")), 1):
        case = json.loads(path.read_text(encoding="utf-8"))
        record = record_from_bundle(case["bundle"], str(path))
        yield Golden(person_id, case["protocol"], case["case"], _at(case["at"]), record)


GOLDEN_CASES = tuple(_cases())
AT = GOLDEN_CASES[0].at


def _died(cases: tuple[Golden, ...]) -> Iterator[Golden]:
    """Each eligible golden patient again, dead before, at and just after the index time.

    Death makes any patient ineligible (:class:`trialkit.eligibility.Death`):
    the evaluator reads ``PatientRecord.deceased``, the SQL the DEATH row the
    bridge writes from it.
    """
    person_id = len(cases)
    for case in cases:
        if screen(builtin_protocol(case.protocol), case.record, AT).verdict.value != "eligible":
            continue
        for label, when in (
            ("died-before", AT - timedelta(days=2)),
            ("died-at", AT),
            ("died-after", AT + timedelta(microseconds=1)),
        ):
            person_id += 1
            record = replace(case.record, deceased=when)
            yield Golden(person_id, case.protocol, f"{case.case}+{label}", AT, record)


HOSTILE: tuple[float | tuple[float | None, str | None] | None, ...] = (
    math.nan,
    math.inf,
    -math.inf,
    -5.0,
    1e308,
    None,
    (40.0, "furlong"),
    (40.0, None),
)
"""Values an OMOP row may hold that FHIR input refuses: NaN, the infinities, a negative count,
1e308 (which overflows once converted: PostgreSQL raised where DuckDB gave infinity), no value,
a unit the concept does not allow, no unit."""


def _spoiled(record: PatientRecord, which: str, shift: int) -> PatientRecord | None:
    """``record`` with the latest (or earliest) measurement of each concept replaced by a
    :data:`HOSTILE` value, read as an OMOP reader reads it (None: nothing to replace)."""
    observations = dict(record.observations)
    count = shift
    for key, series in record.observations.items():
        numbers = [i for i, o in enumerate(series) if o.quantity is not None]
        if not numbers or (which == "earliest" and len(numbers) < 2):
            continue
        index = numbers[-1] if which == "latest" else numbers[0]
        found = series[index]
        assert found.quantity is not None
        hostile = HOSTILE[count % len(HOSTILE)]
        count += 1
        value, unit = hostile if isinstance(hostile, tuple) else (hostile, found.quantity.unit)
        read = reported_measurement(key, found.resource, found.time, value, unit)
        observations[key] = (*series[:index], read, *series[index + 1 :])
    if count == shift:
        return None
    return replace(record, observations=observations)


def _hostile(cases: tuple[Golden, ...]) -> Iterator[Golden]:
    """Each golden patient again with impossible measurement values (:data:`HOSTILE`).

    Once with the latest result of every measured concept replaced (a criterion
    reading it is unknown, never decided by the value nor by an older one), once
    with the earliest of those measured twice or more (the latest decides as
    before; a score's window leaves the bad one out).
    """
    person_id = len(cases)
    for which in ("latest", "earliest"):
        for shift, case in enumerate(GOLDEN_CASES):
            record = _spoiled(case.record, which, shift)
            if record is None:
                continue
            person_id += 1
            yield Golden(person_id, case.protocol, f"{case.case}+{which}-hostile", AT, record)


def _unborn_or_ancient(cases: tuple[Golden, ...]) -> Iterator[Golden]:
    """Each eligible golden patient again, with a birth date giving an impossible age.

    Born the day after the index date, or 123 years before it (above the oldest
    verified human age, :data:`trialkit.record.model.OLDEST_AGE_YEARS`), and, as a
    check of the edge, one day later (122 years: possible). No rule decides from an
    impossible age, in SQL as in the evaluator (review 13, F4).
    """
    person_id = len(cases)
    day = AT.date()
    oldest = day.replace(year=day.year - OLDEST_AGE_YEARS - 1)
    for case in GOLDEN_CASES:
        if screen(builtin_protocol(case.protocol), case.record, AT).verdict.value != "eligible":
            continue
        for label, birth in (
            ("born-after", day + timedelta(days=1)),
            ("born-123-years", oldest),
            ("born-122-years", oldest + timedelta(days=1)),
        ):
            person_id += 1
            record = replace(case.record, birth_date=birth)
            yield Golden(person_id, case.protocol, f"{case.case}+{label}", AT, record)


_LIVING_AND_DEAD = GOLDEN_CASES + tuple(_died(GOLDEN_CASES))
_HOSTILE_VALUES = _LIVING_AND_DEAD + tuple(_hostile(_LIVING_AND_DEAD))
CASES = _HOSTILE_VALUES + tuple(_unborn_or_ancient(_HOSTILE_VALUES))


@pytest.fixture(scope="module", params=engine_params(*ENGINES))
def engine(
    request: pytest.FixtureRequest, golden_db: duckdb.DuckDBPyConnection
) -> Iterator[Engine]:
    """The golden database on one engine (the Spark session is only started for Spark).

    PostgreSQL's copy is the run's one (``golden_pg``), which its own tests read too.
    """
    if request.param == "postgres":
        yield request.getfixturevalue("golden_pg")
        return
    with engine_for(request, golden_db) as on:
        yield on


@pytest.fixture(scope="module")
def screened(engine: Engine) -> dict[str, Prescreening]:
    """Every golden person screened in SQL against every protocol (one query per protocol)."""
    return {pid: prescreen(engine, builtin_protocol(pid), AT) for pid in builtin_ids()}


@pytest.fixture(scope="module")
def expected() -> dict[str, list[Screening]]:
    """Every golden person screened by the in-memory evaluator, by protocol (in ``CASES`` order)."""
    return {
        pid: [screen(builtin_protocol(pid), c.record, AT) for c in CASES] for pid in builtin_ids()
    }


def test_every_golden_case_is_a_person_screened_at_one_index_time() -> None:
    assert len(GOLDEN_CASES) >= 50
    assert [c.person_id for c in CASES] == list(range(1, len(CASES) + 1))
    assert sum(c.record.died_by(AT) for c in CASES) >= 10
    unusable = [
        o.unusable.reason
        for c in CASES
        for series in c.record.observations.values()
        for o in series
        if o.unusable is not None
    ]
    assert len(unusable) >= 200
    for kind in ("implausible", "not a finite number", "no value", "cannot express"):
        assert any(kind in reason for reason in unusable), kind
    assert {c.protocol for c in CASES} == set(builtin_ids())
    assert any(c.record.birth_date is None for c in CASES)
    impossible = [c for c in CASES if c.record.age_problem(AT) is not None]
    assert len(impossible) >= 10
    assert {c.at for c in CASES} == {AT}, "group the cases by index time"


@pytest.mark.parametrize("protocol_id", builtin_ids())
def test_sql_agrees_with_the_evaluator_on_every_golden_patient(
    protocol_id: str,
    screened: dict[str, Prescreening],
    expected: dict[str, list[Screening]],
) -> None:
    result = screened[protocol_id]
    rows = result.by_person()
    assert set(rows) == {c.person_id for c in CASES}
    wrong = []
    for case, bedside in zip(CASES, expected[protocol_id], strict=True):
        got = rows[case.person_id]
        for outcome in bedside.criteria:
            cid = outcome.criterion.id
            if got.criteria[cid] is not outcome.status:
                wrong.append(
                    f"{case.protocol}/{case.case} {cid}: evaluator {outcome.status.value} "
                    f"({outcome.outcome.reason}), SQL {got.criteria[cid].value}"
                )
        if got.verdict is not bedside.verdict:
            wrong.append(f"{case.protocol}/{case.case}: verdict {bedside.verdict} vs {got.verdict}")
        died = None if bedside.death is None else bedside.death.time
        if got.deceased != died:
            wrong.append(f"{case.protocol}/{case.case}: deceased {died} vs {got.deceased}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("protocol_id", builtin_ids())
def test_attrition_in_sql_equals_the_evaluators(
    protocol_id: str,
    screened: dict[str, Prescreening],
    expected: dict[str, list[Screening]],
) -> None:
    result = screened[protocol_id]
    statuses = [{r.criterion.id: r.status for r in e.criteria} for e in expected[protocol_id]]
    deaths = [e.death is not None for e in expected[protocol_id]]
    table = result.attrition
    assert table == attrition_of(result.compiled.kinds, statuses, deaths)
    assert table.deceased == sum(deaths) > 0
    assert table.persons == len(CASES)
    assert [r.criterion for r in table.rows] == list(result.compiled.criteria)
    verdicts = [e.verdict.value for e in expected[protocol_id]]
    assert table.eligible == verdicts.count("eligible")
    assert table.undetermined == verdicts.count("undetermined")
    assert table.ineligible == verdicts.count("ineligible")
