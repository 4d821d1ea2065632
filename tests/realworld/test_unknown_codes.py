"""Codes trialkit does not know never stop a command (issue 12, defect 1 and the open world)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from trialkit.cli import run
from trialkit.eligibility import Truth, screen
from trialkit.protocol import builtin_protocol
from trialkit.record import record_from_bundle
from trialkit.testing import BundleBuilder

AT = datetime(2025, 6, 15, 12)
PAX5 = {"system": "http://www.genenames.org/geneId", "code": "HGNC:8619", "display": "PAX5"}
ETV6 = {"system": "http://www.genenames.org/geneId", "code": "HGNC:3495", "display": "ETV6"}
# A partner the vocabulary does not list, by symbol (GOLGA5::JAK2 is reported in ALL).
GOLGA5 = {"system": "http://www.genenames.org", "code": "GOLGA5", "display": "GOLGA5"}


@pytest.mark.parametrize("partner", [PAX5, ETV6, GOLGA5], ids=["PAX5", "ETV6", "GOLGA5"])
def test_a_jak2_fusion_with_an_unlisted_partner_meets_the_molecular_inclusion(
    partner: dict[str, str],
) -> None:
    b = BundleBuilder("fusion", "2015-03-01", "male")
    b.variant((partner, "gene.jak2"), "fusion", "2025-05-28")
    screening = screen(builtin_protocol("hem-ismart-c"), record_from_bundle(b.build()), AT)
    i5 = next(r for r in screening.criteria if r.criterion.id == "I5")
    assert i5.outcome.truth is Truth.TRUE, i5.outcome.reason


def test_screen_does_not_stop_on_an_unlisted_gene(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    b = BundleBuilder("fusion", "2015-03-01", "male")
    b.variant((GOLGA5, "gene.jak2"), "fusion", "2025-05-28")
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(b.build()))
    code = run(["screen", str(path), "--protocol", "hem-ismart-c", "--at", "2025-06-15", "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "GOLGA5" in out.out
