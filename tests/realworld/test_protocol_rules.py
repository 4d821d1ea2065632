"""Protocol rules that an independent review found wrong on real-world input (issue 12)."""

from __future__ import annotations

from datetime import datetime

import pytest

from trialkit.eligibility import Truth, screen
from trialkit.protocol import builtin_protocol
from trialkit.record import record_from_bundle
from trialkit.testing import BundleBuilder

AT = datetime(2025, 6, 15, 12)


def _status(protocol: str, criterion: str, b: BundleBuilder) -> Truth:
    screening = screen(builtin_protocol(protocol), record_from_bundle(b.build()), AT)
    return next(r for r in screening.criteria if r.criterion.id == criterion).status


def _four_hlh_criteria(b: BundleBuilder) -> None:
    """Fever, splenomegaly, ferritin and NK function: four of HLH-2004's eight."""
    b.flag("finding.fever", True, "2025-06-14")
    b.flag("finding.splenomegaly", True, "2025-06-14")
    b.quantity("lab.ferritin", 4200, "ug/L", "2025-06-14")
    b.flag("finding.nk_activity_low", True, "2025-06-10")
    b.quantity("lab.nk_cell_activity", 4.0, "%", "2025-06-10")  # C-HLH: < 10 % of the standard


@pytest.mark.parametrize("protocol", ["r-hlh", "c-hlh"])
def test_a_marrow_aspirate_showing_haemophagocytosis_is_the_fifth_criterion(
    protocol: str,
) -> None:
    """Defect 10: the vocabulary's marrow finding is one site of HLH-2004 criterion 5."""
    b = BundleBuilder("child", "2020-01-01", "male")
    _four_hlh_criteria(b)
    b.flag("finding.haemophagocytosis_marrow", True, "2025-06-12")
    assert _status(protocol, "I2", b) is Truth.TRUE
