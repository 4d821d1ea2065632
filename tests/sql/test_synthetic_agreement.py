"""SQL pre-screening equals the in-memory evaluator on a 20,000-person synthetic population.

The acceptance test of population pre-screening (issue #4): ``trialkit synth``
writes 20,000 persons at a fixed seed, loaded into DuckDB; every person is
read back as a record (:func:`trialkit.synth.records_from_omop`) and screened
in memory against the five built-in protocols (:mod:`sql.synthetic`), and the
same database is pre-screened in SQL on every engine of ``ENGINES``. Every
criterion status and every verdict must be equal person by person, and the
attrition tables equal. A disagreement is reported with the person, protocol,
criterion, both values and the evaluator's reason.

The population must exercise the protocols, or agreement would prove little:
:func:`test_the_population_exercises_every_protocol` bounds the verdicts per
protocol and requires most criteria to be met, not met and unknown for
someone.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from datetime import time as clock

import duckdb
import pytest

from sql.engines import ENGINE_NAMES, engine_for
from sql.synthetic import TRUTH_CODES, Evaluated, PendingEvaluation
from trialkit.eligibility import Context, Truth, Verdict, screen
from trialkit.eligibility.sql import Attrition, Engine, Prescreening, attrition_of, prescreen
from trialkit.omop import load_folder
from trialkit.protocol.files import builtin_ids, builtin_protocol
from trialkit.synth import EXTRACTED, SynthResult, generate_omop, records_from_omop

PERSONS = 20_000
SEED = 4
AT = datetime.combine(EXTRACTED.date(), clock.max)
"""The end of the extract day: every current stay is seen."""

ENGINES = ENGINE_NAMES
"""DuckDB, PostgreSQL (``TRIALKIT_POSTGRES``) and Spark (Java) in every run.

Spark in local mode took ~1,200 s for the five protocols under load before
whole-stage code generation was turned off per engine and repeated values
were bound once (``Build.bind``); it now takes ~5 min, run alone, including
the population and the in-memory evaluation the other engines share.
"""

pytestmark = pytest.mark.engine
"""20,000 persons generated, read back and screened in memory and on every engine: minutes."""

MAX_LINES = 30
"""Lines of disagreement shown in a failure message (the total is always given)."""


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    return generate_omop(tmp_path_factory.mktemp("synthetic") / "omop", PERSONS, SEED)


@pytest.fixture(scope="module")
def synthetic_db(population: SynthResult) -> Iterator[duckdb.DuckDBPyConnection]:
    con = load_folder(population.folder)
    yield con
    con.close()


@pytest.fixture(scope="module")
def person_ids(synthetic_db: duckdb.DuckDBPyConnection) -> tuple[int, ...]:
    return tuple(int(p) for (p,) in synthetic_db.execute("SELECT person_id FROM person").fetchall())


@pytest.fixture(scope="module")
def pending(population: SynthResult, person_ids: tuple[int, ...]) -> Iterator[PendingEvaluation]:
    """The in-memory screening, started in worker processes before any engine runs."""
    evaluation = PendingEvaluation(population.folder, person_ids, AT)
    yield evaluation
    evaluation.close()


@pytest.fixture(scope="module")
def evaluated(pending: PendingEvaluation) -> dict[str, Evaluated]:
    """Every person screened in memory against every protocol, once for all engines."""
    return pending.result()


@pytest.fixture(scope="module")
def expected_attrition(evaluated: dict[str, Evaluated]) -> dict[str, Attrition]:
    """The evaluator's attrition table per protocol (``attrition_of`` its statuses)."""
    return {
        pid: attrition_of(
            {c.id: c.kind for c in builtin_protocol(pid).criteria},
            result.status_maps(),
            result.deaths(),
        )
        for pid, result in evaluated.items()
    }


@pytest.fixture(scope="module", params=ENGINES)
def engine(
    request: pytest.FixtureRequest, synthetic_db: duckdb.DuckDBPyConnection
) -> Iterator[Engine]:
    """The population on one engine (the Spark session is only started for Spark)."""
    with engine_for(request, synthetic_db) as on:
        yield on


@pytest.fixture(scope="module")
def prescreened(engine: Engine, pending: PendingEvaluation) -> dict[str, Prescreening]:
    """The population pre-screened in SQL against every protocol (one query each).

    ``pending`` is requested so that the workers screen in memory meanwhile.
    """
    started = time.perf_counter()
    results = {pid: prescreen(engine, builtin_protocol(pid), AT) for pid in builtin_ids()}
    print(f"\n{engine.dialect}: 5 protocols pre-screened in {time.perf_counter() - started:.1f} s")
    return results


def _reasons(
    con: duckdb.DuckDBPyConnection,
    wrong: list[tuple[int, str, str, Truth | Verdict | bool, object]],
) -> list[str]:
    """Readable lines for the first disagreements, the evaluator's reason re-computed for each."""
    shown = wrong[:MAX_LINES]
    records = records_from_omop(con, sorted({w[0] for w in shown}))
    lines = []
    for person_id, protocol_id, criterion, expected, got in shown:
        record = records[person_id]
        result = screen(builtin_protocol(protocol_id), record, AT, Context(record, AT))
        reason = next(
            (c.outcome.reason for c in result.criteria if c.criterion.id == criterion),
            "criteria " + "".join(TRUTH_CODES[c.status] for c in result.criteria) + " (T/F/U)",
        )
        lines.append(
            f"person {person_id} {protocol_id} {criterion}: "
            f"evaluator {getattr(expected, 'value', expected)}, "
            f"SQL {getattr(got, 'value', got)} ({reason})"
        )
    return lines


def test_every_criterion_and_verdict_agree_person_by_person(
    prescreened: dict[str, Prescreening],
    evaluated: dict[str, Evaluated],
    synthetic_db: duckdb.DuckDBPyConnection,
    person_ids: tuple[int, ...],
) -> None:
    wrong: list[tuple[int, str, str, Truth | Verdict | bool, object]] = []
    for protocol_id, result in prescreened.items():
        expected = evaluated[protocol_id]
        assert result.compiled.criteria == expected.criteria
        rows = result.by_person()
        assert sorted(rows) == sorted(person_ids), f"{protocol_id}: other persons in SQL"
        for person_id, row in rows.items():
            statuses = expected.statuses[person_id]
            for criterion, status in zip(expected.criteria, statuses, strict=True):
                if row.criteria[criterion] is not status:
                    wrong.append(
                        (person_id, protocol_id, criterion, status, row.criteria[criterion])
                    )
            if row.verdict is not expected.verdicts[person_id]:
                wrong.append(
                    (person_id, protocol_id, "verdict", expected.verdicts[person_id], row.verdict)
                )
            if (row.deceased is not None) is not expected.deceased[person_id]:
                wrong.append(
                    (person_id, protocol_id, "deceased", expected.deceased[person_id], row.deceased)
                )
    if wrong:
        per = Counter(f"{w[1]}/{w[2]}" for w in wrong)
        head = f"{len(wrong)} disagreements ({', '.join(f'{k}: {n}' for k, n in per.items())})"
        pytest.fail("\n".join([head, *_reasons(synthetic_db, wrong)]), pytrace=False)


def test_attrition_equals_the_evaluators(
    prescreened: dict[str, Prescreening],
    evaluated: dict[str, Evaluated],
    expected_attrition: dict[str, Attrition],
) -> None:
    for protocol_id, result in prescreened.items():
        table = result.attrition
        assert table.persons == PERSONS
        assert table == expected_attrition[protocol_id], protocol_id
        assert table.deceased == sum(evaluated[protocol_id].deceased.values()) > 0
        verdicts = Counter(evaluated[protocol_id].verdicts.values())
        assert (table.eligible, table.undetermined, table.ineligible) == (
            verdicts[Verdict.ELIGIBLE],
            verdicts[Verdict.UNDETERMINED],
            verdicts[Verdict.INELIGIBLE],
        ), protocol_id


MIN_VERDICTS: dict[str, dict[Verdict, int]] = {
    "r-hlh": {Verdict.ELIGIBLE: 1, Verdict.INELIGIBLE: 15_000, Verdict.UNDETERMINED: 2_000},
    "jak-hs-icu": {Verdict.ELIGIBLE: 1, Verdict.INELIGIBLE: 4_000, Verdict.UNDETERMINED: 10_000},
    "rux-hlh-salvage": {
        Verdict.ELIGIBLE: 1,
        Verdict.INELIGIBLE: 15_000,
        Verdict.UNDETERMINED: 1_500,
    },
    "c-hlh": {Verdict.ELIGIBLE: 5, Verdict.INELIGIBLE: 15_000, Verdict.UNDETERMINED: 2_000},
    "hem-ismart-c": {Verdict.ELIGIBLE: 0, Verdict.INELIGIBLE: 17_000, Verdict.UNDETERMINED: 1},
}
"""Fewest persons per verdict the synthetic design must give (0: none required).

At seed 4 the in-memory evaluator finds (eligible / ineligible / undetermined):
R-HLH 1 / 17,3xx / 2,6xx; JAK-HS-ICU 5 / 5,467 / 14,528; RUX-HLH-salvage
2 / 18,202 / 1,796; C-HLH 7 / 17,564 / 2,429; HEM-iSMART-C 0 / 18,071 / 1,929
(2026-12-07: histories closed only by statements, routes, the allergy condition).
Eligible persons are HLH-like children with a complete work-up (R-HLH,
C-HLH), refractory HLH on ruxolitinib (RUX-HLH-salvage) and adults with HLH
in intensive care (JAK-HS-ICU); HEM-iSMART-C's 37 criteria exclude every
synthetic child with relapsed leukaemia on some recorded item, so its
verdicts are ineligible and undetermined only.
"""

NOT_EVERY_VALUE: dict[tuple[str, str], str] = {
    ("r-hlh", "I1"): "age: every synthetic person has a birth date",
    ("jak-hs-icu", "I1"): "age: every synthetic person has a birth date",
    ("rux-hlh-salvage", "I1"): "age: every synthetic person has a birth date",
    ("c-hlh", "I1"): "age: every synthetic person has a birth date",
    ("hem-ismart-c", "I1"): "age at a leukaemia diagnosis: always dated",
    ("r-hlh", "I2"): "not met needs primary HLH refuted and 4 of the 8 HLH criteria absent",
    ("c-hlh", "I2"): "not met needs primary HLH refuted and 4 of the 8 HLH criteria absent",
    ("hem-ismart-c", "E9"): "breast-feeding: only leukaemia women of 17-21 years can be",
    ("hem-ismart-c", "E27.3a"): "autologous HSCT in 1 % of leukaemia persons, rarely so recent",
    ("hem-ismart-c", "E8"): "met needs a fertile, sexually active leukaemia patient recorded as "
    "refusing contraception: about 0.5 expected at seed 4 (golden young-adult-schwartz has one)",
}
"""Criteria the population leaves without one of met / not met / unknown, and why."""


def test_the_population_exercises_every_protocol(evaluated: dict[str, Evaluated]) -> None:
    lines, lacking, too_few = [], set(), []
    for protocol_id, result in evaluated.items():
        verdicts = Counter(result.verdicts.values())
        lines.append(f"{protocol_id}: " + ", ".join(f"{v.value} {verdicts[v]}" for v in Verdict))
        for verdict, fewest in MIN_VERDICTS[protocol_id].items():
            if verdicts[verdict] < fewest:
                too_few.append((protocol_id, verdict.value, verdicts[verdict], fewest))
        for index, criterion in enumerate(result.criteria):
            seen = Counter(statuses[index] for statuses in result.statuses.values())
            lines.append(f"  {criterion}: " + " ".join(f"{t.value} {seen[t]}" for t in Truth))
            if len(seen) < len(Truth):
                lacking.add((protocol_id, criterion))
    print("\n".join(lines))
    assert not too_few, too_few
    assert lacking <= set(NOT_EVERY_VALUE), sorted(lacking - set(NOT_EVERY_VALUE))
    criteria = sum(len(r.criteria) for r in evaluated.values())
    # At seed 4: 77 of the 86 criteria are met, not met and unknown for someone.
    assert criteria - len(lacking) >= 0.85 * criteria
