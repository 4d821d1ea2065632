"""The packaged example patients are screened as their names say, against their own protocol."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from trialkit.eligibility import screen
from trialkit.examples import EXAMPLES, INDEX_DATE, example
from trialkit.protocol import builtin_protocol
from trialkit.record import record_from_bundle

EXPECTED = {"eligible": "eligible", "ineligible": "ineligible", "missing": "undetermined"}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_verdict_matches_its_name(name: str) -> None:
    protocol_id, _, kind = name.rpartition("-")
    at = datetime.combine(date.fromisoformat(INDEX_DATE), time.max)
    result = screen(builtin_protocol(protocol_id), record_from_bundle(example(name)), at)
    failing = [
        (r.criterion.id, r.status.value, r.outcome.reason)
        for r in result.criteria
        if r.passes is not True
    ]
    assert result.verdict.value == EXPECTED[kind], failing
