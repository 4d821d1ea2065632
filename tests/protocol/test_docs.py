"""docs/protocol-format.md and docs/screen-json.md cannot go stale."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

from json_shape import json_keys
from trialkit.design.protocol_check import check_design
from trialkit.eligibility import Truth, screen
from trialkit.eligibility.export import SCHEMA, screening_json
from trialkit.protocol import parse_protocol
from trialkit.protocol.check import check_protocol
from trialkit.protocol.reference import (
    BEGIN,
    END,
    ENDPOINTS_BEGIN,
    ENDPOINTS_END,
    FORMS_BEGIN,
    FORMS_END,
    endpoint_node_reference,
    form_reference,
    node_reference,
)
from trialkit.record import record_from_bundle
from trialkit.testing import BundleBuilder

DOCS = Path(__file__).parents[2] / "docs"


def test_the_node_reference_is_generated_from_the_code() -> None:
    text = (DOCS / "protocol-format.md").read_text(encoding="utf-8")
    section = text[text.index(BEGIN) : text.index(END) + len(END)] + "\n"
    assert section == node_reference(), (
        "docs/protocol-format.md node reference is stale: regenerate it with "
        "uv run python -m trialkit.protocol.reference"
    )


def test_the_endpoint_node_reference_is_generated_from_the_code() -> None:
    text = (DOCS / "protocol-format.md").read_text(encoding="utf-8")
    start, end = text.index(ENDPOINTS_BEGIN), text.index(ENDPOINTS_END) + len(ENDPOINTS_END)
    assert text[start:end] + "\n" == endpoint_node_reference(), (
        "docs/protocol-format.md endpoint node reference is stale: regenerate it with "
        "uv run python -m trialkit.protocol.reference"
    )


def test_the_form_reference_is_generated_from_the_code() -> None:
    text = (DOCS / "protocol-format.md").read_text(encoding="utf-8")
    start, end = text.index(FORMS_BEGIN), text.index(FORMS_END) + len(FORMS_END)
    assert text[start:end] + "\n" == form_reference(), (
        "docs/protocol-format.md form reference is stale: regenerate it with "
        "uv run python -m trialkit.protocol.reference"
    )


def _worked_example() -> str:
    text = (DOCS / "protocol-format.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "format:" in b]
    return block


def test_the_worked_example_loads_passes_its_checks_and_screens_as_documented() -> None:
    protocol = parse_protocol(_worked_example(), "worked-example.yaml")
    assert check_protocol(protocol, extra=(check_design,)) == []
    b = BundleBuilder("p1", "2020-01-01", "female")
    record = record_from_bundle(b.build())
    result = screen(protocol, record, datetime(2025, 6, 15, 12))
    statuses = {r.criterion.id: r.status for r in result.criteria}
    assert statuses["E1"] is Truth.UNKNOWN
    assert result.next_checks[0].detail == (
        "the medication history stated complete "
        "(attestation.treatment_history_reviewed or absence.medications or absence.medication_list_complete)"
    )


def test_the_documented_screen_json_has_the_shape_of_the_real_output() -> None:
    text = (DOCS / "screen-json.md").read_text(encoding="utf-8")
    documented = json.loads(re.findall(r"```json\n(.*?)```", text, re.S)[0])
    assert documented["schema"] == SCHEMA
    protocol = parse_protocol(_worked_example(), "worked-example.yaml")
    b = BundleBuilder("p1", "2020-01-01", "female")
    b.quantity("lab.creatinine", 40, "umol/L", "2025-06-15T08:00:00", reference=(20, 60))
    real = screening_json(
        screen(protocol, record_from_bundle(b.build()), datetime(2025, 6, 15, 12))
    )
    assert json_keys(real) <= json_keys(documented), json_keys(real) - json_keys(documented)
    assert set(real) == set(documented)
