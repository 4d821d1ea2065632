"""OMOP rows read back as patient records: the bridge's examples round-trip, synthetic persons screen."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, time

import duckdb
import pytest

from trialkit.cli.common import index_time
from trialkit.eligibility import Screening, screen_all
from trialkit.errors import OmopError
from trialkit.examples import EXAMPLES, INDEX_DATE, example
from trialkit.omop import write_records
from trialkit.protocol import builtin_protocols
from trialkit.record import PatientRecord, record_from_bundle
from trialkit.synth import EXTRACTED, records_from_omop

from .support import column

#: The index time of a screening of the synthetic population: the end of the extract day.
AT = datetime.combine(EXTRACTED.date(), time.max)


def _summary(results: list[Screening]) -> dict[str, tuple[str, tuple[tuple[str, str], ...]]]:
    return {
        s.protocol.id: (
            str(s.verdict),
            tuple((c.criterion.id, str(c.outcome.truth)) for c in s.criteria),
        )
        for s in results
    }


def test_every_example_screens_the_same_after_the_bridge_and_back() -> None:
    records = [record_from_bundle(example(name), name) for name in EXAMPLES]
    con, ids = write_records(records, extracted=datetime(2025, 6, 15, 12))
    back = records_from_omop(con, list(ids.values()))
    for record in records:
        at = index_time(INDEX_DATE, record)
        copy = back[ids[record.patient_id]]
        assert copy.birth_date == record.birth_date and copy.sex == record.sex
        assert sum(map(len, copy.observations.values())) == sum(
            map(len, record.observations.values())
        )
        assert _summary(screen_all(builtin_protocols(), copy, at)) == _summary(
            screen_all(builtin_protocols(), record, at)
        ), record.patient_id


def test_an_unknown_person_is_an_error(database: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(OmopError, match=r"person\.person_id: 99999999"):
        records_from_omop(database, [1, 99999999])


@pytest.fixture(scope="module")
def records(database: duckdb.DuckDBPyConnection) -> dict[int, PatientRecord]:
    """Every synthetic person (values checked against the plausible ranges on the way)."""
    ids = column(database, "SELECT person_id FROM person")
    return records_from_omop(database, [int(i) for i in ids])  # type: ignore[call-overload]


def test_every_synthetic_person_reads_back(
    database: duckdb.DuckDBPyConnection, records: dict[int, PatientRecord]
) -> None:
    assert len(records) == len(column(database, "SELECT person_id FROM person"))
    counts = dict(
        database.execute("SELECT person_id, count(*) FROM measurement GROUP BY 1").fetchall()
    )
    for person_id, record in list(records.items())[:300]:
        assert sum(map(len, record.observations.values())) >= counts.get(person_id, 0)
    assert any(r.genomics for r in records.values())
    assert any(e.end is None for r in records.values() for e in r.exposures)
    assert any(e.rate is not None for r in records.values() for e in r.exposures)
    assert any(c.verification == "refuted" for r in records.values() for c in r.conditions)


def test_screening_synthetic_persons_gives_met_not_met_and_unknown(
    database: duckdb.DuckDBPyConnection, records: dict[int, PatientRecord]
) -> None:
    # The persons the protocols are about (HLH-like, leukaemia, ICU) and 200 others.
    special = column(
        database,
        "SELECT person_id FROM condition_occurrence WHERE condition_source_value LIKE 'condition.hlh%' "
        "OR condition_source_value IN ('condition.acute_lymphoblastic_leukaemia', "
        "'condition.lymphoblastic_lymphoma') UNION SELECT person_id FROM procedure_occurrence "
        "WHERE procedure_source_value = 'procedure.icu_admission' "
        "UNION SELECT person_id FROM person WHERE person_id <= 200",
    )
    truths: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    verdicts: Counter[tuple[str, str]] = Counter()
    for person_id in sorted(special):  # type: ignore[type-var]
        for result in screen_all(builtin_protocols(), records[int(person_id)], AT):  # type: ignore[call-overload]
            verdicts[(result.protocol.id, str(result.verdict))] += 1
            for criterion in result.criteria:
                truths[(result.protocol.id, criterion.criterion.id)][
                    str(criterion.outcome.truth)
                ] += 1
    all_three = [key for key, seen in truths.items() if len(seen) == 3]
    assert len(all_three) >= 25, all_three
    for protocol in ("r-hlh", "jak-hs-icu", "rux-hlh-salvage", "c-hlh", "hem-ismart-c"):
        assert sum(1 for p, _ in all_three if p == protocol) >= 3, protocol
        assert verdicts[(protocol, "ineligible")] > 0
        assert verdicts[(protocol, "undetermined")] > 0
    assert date(2025, 6, 30) == AT.date()
