"""Impossible measurement values in OMOP: unknown with the reason, the same in SQL and in memory.

``value_as_number`` NaN was read as "not < 100", -5 platelets made a person
eligible, ``inf`` and ``1e400`` passed; the in-memory reader of the same rows
raised. Now a value that cannot be used (absent, not finite, outside the
concept's plausible range, in a unit the concept does not allow) is the
latest result with an unknown value, on every engine: a leaf reading it is
unknown, its evidence says why, and no older value stands in for it.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sql.engines import ENGINE_NAMES, engine_for, engine_params
from trialkit.eligibility import Context, Truth, evaluate
from trialkit.eligibility.sql import Engine, compile_criteria
from trialkit.eligibility.sql.plausible import plausible_range
from trialkit.omop import concept_id, load_folder
from trialkit.protocol.criteria import Measure, Score
from trialkit.protocol.model import Criterion, CriterionKind
from trialkit.record.reported import reported_measurement
from trialkit.synth import records_from_omop
from trialkit.vocab import concept, vocabulary
from trialkit.vocab.model import ValueType

AT = datetime(2025, 6, 30, 23, 59, 59, 999999)
PLATELETS = concept_id("lab.platelets")
CREATININE = concept_id("lab.creatinine")
HEIGHT = concept_id("vital.height")
KARNOFSKY = concept_id("assessment.karnofsky")
LANSKY = concept_id("assessment.lansky")
QT = concept_id("ecg.qt_interval")
QTCF = concept_id("ecg.qtc_fridericia")
HEART_RATE = concept_id("vital.heart_rate")

# person: (value as the CSV writes it, unit), the latest platelet count, after a usable 40
ROWS: dict[int, tuple[str, str]] = {
    1: ("40", "10*9/L"),  # usable: < 100
    2: ("nan", "10*9/L"),  # was read as "not < 100"
    3: ("-5", "10*9/L"),  # was read as "< 100"
    4: ("inf", "10*9/L"),
    5: ("1e400", "10*9/L"),  # infinity once read
    6: ("1e308", "10*3/mm3"),
    7: ("", "10*9/L"),  # no value
    8: ("40", "furlong"),  # a unit the concept does not allow
    9: ("40", ""),  # no unit
    10: ("5001", "10*9/L"),  # above the plausible 5,000 x10^9/L
}
UNUSABLE = {
    2: "implausible",
    3: "implausible",
    4: "implausible",
    5: "implausible",
    6: "implausible",
    7: "no value",
    8: "unit not allowed",
    9: "unit not allowed",
    10: "implausible",
}


def _folder(root: Path) -> Path:
    folder = root / "cdm"
    folder.mkdir()
    persons = sorted(ROWS)
    (folder / "person.csv").write_text(
        "person_id,gender_concept_id,year_of_birth,month_of_birth,day_of_birth,"
        "race_concept_id,ethnicity_concept_id\n"
        + "".join(f"{p},8532,1990,1,1,0,0\n" for p in persons)
    )
    (folder / "observation_period.csv").write_text(
        "observation_period_id,person_id,observation_period_start_date,"
        "observation_period_end_date,period_type_concept_id\n"
        + "".join(f"{p},{p},2020-01-01,2025-06-30,32817\n" for p in persons)
    )
    lines = [
        "measurement_id,person_id,measurement_concept_id,measurement_date,measurement_datetime,"
        "measurement_type_concept_id,value_as_number,unit_source_value,range_high"
    ]
    for p, (value, unit) in ROWS.items():
        lines.append(
            f"{p * 10 + 1},{p},{PLATELETS},2025-06-20,2025-06-20 08:00:00,32817,40,10*9/L,"
        )
        lines.append(
            f"{p * 10 + 2},{p},{PLATELETS},2025-06-29,2025-06-29 08:00:00,32817,{value},{unit},"
        )
        # creatinine above 1.5 x the laboratory's ULN: 1e308 mg/dL overflowed once converted
        # (PostgreSQL raised where DuckDB gave infinity)
        # 0 mg/dL is plausible, but the eGFR formulas divide by it (PostgreSQL raised)
        creatinine = {6: "1e308", 7: "0"}.get(p, "2.0")
        lines.append(
            f"{p * 10 + 3},{p},{CREATININE},2025-06-29,2025-06-29 08:00:00,32817,"
            f"{creatinine},mg/dL,1.0"
        )
        lines.append(f"{p * 10 + 4},{p},{HEIGHT},2025-06-29,2025-06-29 08:00:00,32817,150,cm,")
        # An adult's Karnofsky of unknown value is the scale recorded: never Lansky instead.
        karnofsky = "nan" if p == 2 else "90"
        lines.append(
            f"{p * 10 + 5},{p},{KARNOFSKY},2025-06-29,2025-06-29 08:00:00,32817,{karnofsky},1,"
        )
        lines.append(f"{p * 10 + 6},{p},{LANSKY},2025-06-29,2025-06-29 08:00:00,32817,30,1,")
        # An ECG: QT 400 ms with a heart rate of 75 /min (QTcF 431 ms), or of 0 /min (a
        # plausible value, but RR = 60 / HR: PostgreSQL raised), then its reported QTcF 500.
        heart_rate = "0" if p == 3 else "75"
        ecg = "2025-06-29,2025-06-29 09:00:00,32817"
        lines.append(f"{p * 10 + 7},{p},{QT},{ecg},400,ms,")
        lines.append(f"{p * 10 + 8},{p},{HEART_RATE},{ecg},{heart_rate},/min,")
        lines.append(f"{p * 10 + 9},{p},{QTCF},{ecg},500,ms,")
    (folder / "measurement.csv").write_text("\n".join(lines) + "\n")
    return folder


CRITERIA = [
    Criterion(
        id="low_platelets",
        kind=CriterionKind.INCLUSION,
        text="platelets < 100 x10^9/L",
        rule=Measure.model_validate(
            {"measure": "lab.platelets", "op": "<", "value": 100, "unit": "10*9/L", "within": "7 d"}
        ),
    ),
    Criterion(
        id="renal",
        kind=CriterionKind.EXCLUSION,
        text="creatinine > 1.5 x ULN",
        rule=Measure.model_validate(
            {"measure": "lab.creatinine", "op": ">", "uln": 1.5, "within": "7 d"}
        ),
    ),
    Criterion(
        id="egfr",
        kind=CriterionKind.INCLUSION,
        text="bedside Schwartz eGFR >= 30",
        rule=Score.model_validate({"score": "schwartz_bedside", "op": ">=", "value": 30}),
    ),
    Criterion(
        id="performance",
        kind=CriterionKind.INCLUSION,
        text="performance status >= 60",
        rule=Score.model_validate({"score": "performance", "op": ">=", "value": 60}),
    ),
    Criterion(
        id="qtc",
        kind=CriterionKind.INCLUSION,
        text="QTcF < 480 ms",
        rule=Score.model_validate({"score": "qtc_fridericia", "op": "<", "value": 480}),
    ),
]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    con = load_folder(_folder(tmp_path_factory.mktemp("values")))
    yield con
    con.close()


@pytest.fixture(scope="module", params=engine_params(*ENGINE_NAMES))
def engine(request: pytest.FixtureRequest, loaded: duckdb.DuckDBPyConnection) -> Iterator[Engine]:
    with engine_for(request, loaded) as on:
        yield on


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_unusable_latest_value_is_unknown_with_its_reason_on_every_engine(
    engine: Engine, loaded: duckdb.DuckDBPyConnection
) -> None:
    compiled = compile_criteria(CRITERIA, AT)
    names, rows = engine.query(compiled.query)
    by_person = {row[names.index("person_id")]: dict(zip(names, row, strict=True)) for row in rows}
    records = records_from_omop(loaded, sorted(ROWS))
    for person, record in records.items():
        row = by_person[person]
        for criterion in CRITERIA:
            outcome = evaluate(criterion.rule, Context(record, AT))
            assert Truth.of(row[criterion.id]) is outcome.truth, (person, criterion.id, row)
        platelets = evaluate(CRITERIA[0].rule, Context(record, AT))
        if person in UNUSABLE:
            assert platelets.truth is Truth.UNKNOWN, (person, platelets.reason)
            assert row["low_platelets:unusable"] == UNUSABLE[person]
            shown = platelets.evidence[0]
            assert shown.unusable is not None and shown.resource == f"measurement/{person * 10 + 2}"
            assert UNUSABLE[person].split()[0] in platelets.reason or "cannot express" in (
                platelets.reason
            ), platelets.reason
        else:
            assert platelets.truth is Truth.TRUE and row["low_platelets:unusable"] is None
    # The creatinine of 1e308 mg/dL is unknown; the others, 2 mg/dL > 1.5 x 1 mg/dL, met.
    assert by_person[6]["renal"] is None and by_person[6]["renal:unusable"] == "implausible"
    assert {by_person[p]["renal"] for p in ROWS if p not in (6, 7)} == {True}
    # eGFR 0.413 x 150 / 2 = 31: met; unknown for 0 and for 1e308 mg/dL.
    assert by_person[6]["egfr"] is None and by_person[7]["egfr"] is None
    assert {by_person[p]["egfr"] for p in ROWS if p not in (6, 7)} == {True}
    assert by_person[2]["performance"] is None
    assert {by_person[p]["performance"] for p in ROWS if p != 2} == {True}
    assert by_person[3]["qtc"] is False  # the reported 500 ms, not QT / (60 / 0)^(1/3)
    assert {by_person[p]["qtc"] for p in ROWS if p != 3} == {True}


def _usable(key: str, value: float, unit: str) -> bool:
    return reported_measurement(key, "x", AT, value, unit).unusable is None


_QUANTITIES = sorted(k for k, c in vocabulary().items() if c.value_type is ValueType.QUANTITY)


@given(
    key=st.sampled_from(_QUANTITIES),
    data=st.data(),
    value=st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(min_value=-1e4, max_value=1e6),
    ),
)
def test_the_sql_plausible_range_is_the_readers_on_every_double(
    key: str, data: st.DataObject, value: float
) -> None:
    unit = data.draw(st.sampled_from(concept(key).units))
    found = plausible_range(key, unit)
    inside = found is not None and found[0] <= value <= found[1]
    assert inside is _usable(key, value, unit)
    if found is not None:
        low, high = found
        for edge, expected in (
            (low, True),
            (high, True),
            (math.nextafter(low, -math.inf), False),
            (math.nextafter(high, math.inf), False),
        ):
            assert _usable(key, edge, unit) is expected, (key, unit, edge)


def test_an_observation_period_ending_in_the_future_moves_the_default_index_time_with_a_warning(
    tmp_path: Path,
) -> None:
    """One period ending in 2099 moved every person's index time to 2099, silently."""
    from trialkit.cli import run
    from trialkit.synth import generate_omop

    folder = tmp_path / "omop"
    generate_omop(folder, 40, 5)

    def prescreen(name: str) -> tuple[int, dict[str, Any], str]:
        stdout, stderr = io.StringIO(), io.StringIO()
        # The smallest protocol: the index time does not depend on it (r-hlh's query takes
        # DuckDB seconds to plan).
        args = ["prescreen", "--omop", str(folder), "--protocol", "rux-hlh-salvage"]
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = run([*args, "--out", str(tmp_path / name), "--json", "--quiet"])
        return code, json.loads(stdout.getvalue() or "{}"), stderr.getvalue()

    code, summary, err = prescreen("before.csv")
    assert code == 0 and err == "", err
    assert not summary["at"].startswith("2099")
    periods = folder / "observation_period.parquet"
    con = duckdb.connect()
    try:
        con.execute(
            f"COPY (SELECT * REPLACE (CASE WHEN observation_period_id = 1 THEN DATE '2099-06-30' "
            f"ELSE observation_period_end_date END AS observation_period_end_date) "
            f"FROM read_parquet('{periods}')) TO '{tmp_path / 'p.parquet'}'"
        )
    finally:
        con.close()
    (tmp_path / "p.parquet").replace(periods)
    code, summary, err = prescreen("after.csv")
    assert code == 0, err
    assert summary["at"].startswith("2099-06-30")
    assert err == (
        "trialkit: warning: the index time defaults to the latest end of an observation "
        "period, 2099-06-30, which is in the future; give --at to screen as of another time\n"
    )
