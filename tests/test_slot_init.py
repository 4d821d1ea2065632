"""slot_init: the faster __init__ of frozen slotted dataclasses keeps their parameters and semantics."""

from __future__ import annotations

import dataclasses
import inspect
from datetime import datetime

import pytest

from trialkit._frozen import slot_init
from trialkit.record.model import (
    AdverseEvent,
    Condition,
    Exposure,
    GenomicFinding,
    Observation,
    Procedure,
    Stay,
    UnknownCode,
)
from trialkit.scores.result import Item, ScoreResult
from trialkit.units import Quantity

DECORATED = (
    Observation,
    Condition,
    Exposure,
    Procedure,
    GenomicFinding,
    UnknownCode,
    Stay,
    AdverseEvent,
    Quantity,
    Item,
    ScoreResult,
)


@pytest.mark.parametrize("cls", DECORATED)
def test_parameters_are_the_fields_with_their_defaults(cls: type) -> None:
    parameters = list(inspect.signature(cls).parameters.values())
    fields = dataclasses.fields(cls)
    assert [p.name for p in parameters] == [f.name for f in fields]
    for parameter, field in zip(parameters, fields, strict=True):
        expected = (
            inspect.Parameter.empty if field.default is dataclasses.MISSING else field.default
        )
        assert parameter.default == expected
        assert parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        assert parameter.annotation == field.type


def test_instances_are_frozen_equal_and_hashable() -> None:
    at = datetime(2025, 1, 1)
    quantity = Quantity(4000.0, "ug/L", "lab.ferritin")
    by_position = Observation("lab.ferritin", "Observation/1", at, None, 4000.0, quantity)
    by_name = Observation(
        concept="lab.ferritin",
        resource="Observation/1",
        time=at,
        end=None,
        value=4000.0,
        quantity=quantity,
    )
    assert by_position == by_name
    assert hash(by_position) == hash(by_name)
    assert by_position.interpretation == ()
    assert by_position.reference_low is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        by_position.value = 1.0  # type: ignore[misc]
    assert dataclasses.replace(by_position, value=5.0).value == 5.0
    with pytest.raises(TypeError):
        Quantity(1.0, "ug/L")  # type: ignore[call-arg]


def test_refuses_what_it_does_not_support() -> None:
    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        a: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Factory:
        a: list[int] = dataclasses.field(default_factory=list)

    @dataclasses.dataclass(frozen=True, slots=True)
    class PostInit:
        a: int

        def __post_init__(self) -> None:
            pass

    for cls in (NoSlots, Factory, PostInit):
        with pytest.raises(TypeError):
            slot_init(cls)
