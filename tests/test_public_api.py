"""The public surface is what it should be (STYLE §4), and the docs keep up with the code."""

from __future__ import annotations

import json
import re
from importlib import import_module
from pathlib import Path

import pytest

import trialkit
import trialkit.design
from trialkit.record import parse_bundle
from trialkit.scores.export import SCHEMA

DOCS = Path(__file__).parents[1] / "docs"


def test_package_exports() -> None:
    assert sorted(trialkit.__all__) == sorted(
        [
            "PatientRecord",
            "Protocol",
            "ProtocolError",
            "Quantity",
            "Screening",
            "Verdict",
            "builtin_protocol",
            "builtin_protocols",
            "load_protocol",
            "screen",
            "screen_all",
            "ScoreResult",
            "Scored",
            "TrialkitError",
            "TrialkitInputError",
            "__version__",
            "assess_all",
            "concept",
            "parse_bundle",
            "read_bundle",
            "record_from_bundle",
            "vocabulary",
        ]
    )
    for name in trialkit.__all__:
        assert hasattr(trialkit, name)


def test_design_exports_are_each_modules_own() -> None:
    # trialkit.design imports its names on first use: each must come from its module.
    design = trialkit.design
    assert sorted(design._MODULE) == sorted(design.__all__)
    for name, module in design._MODULE.items():
        assert getattr(design, name) is getattr(import_module(f"trialkit.design.{module}"), name)
        assert name in dir(design)
    with pytest.raises(AttributeError, match="no attribute 'simon_design'"):
        _ = design.simon_design


def test_fhir_input_doc_example_is_a_valid_bundle() -> None:
    text = (DOCS / "fhir-input.md").read_text()
    blocks = re.findall(r"```json\n(.*?)```", text, flags=re.S)
    assert blocks, "docs/fhir-input.md must end with a complete JSON example"
    record = parse_bundle(blocks[-1])
    assert record.observations
    assert record.conditions
    assert record.exposures
    assert record.procedures
    assert record.genomics
    json.loads(blocks[-1])


def test_scores_json_doc_names_the_schema_and_every_score_id() -> None:
    text = (DOCS / "scores-json.md").read_text()
    assert SCHEMA in text
    from trialkit.examples import EXAMPLES, example
    from trialkit.scores import assess_all

    ids = set()
    for name in EXAMPLES:
        record = trialkit.record_from_bundle(example(name))
        from trialkit.cli.common import index_time

        for scored in assess_all(record, index_time("2025-06-15", record)):
            ids.add(scored.result.score.split(".")[0])
    for score_id in ids:
        assert f"`{score_id}" in text, (
            f"score id {score_id!r} is not documented in docs/scores-json.md"
        )


def test_cli_reference_is_current() -> None:
    from trialkit.cli.reference import reference

    assert (DOCS / "cli.md").read_text() == reference(), (
        "docs/cli.md is stale: uv run python -m trialkit.cli.reference > docs/cli.md"
    )
