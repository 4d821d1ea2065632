"""The shipped unit answers (``units/precomputed.json``) are pint's, and cover the vocabulary."""

from __future__ import annotations

from importlib.resources import files

import pytest

from trialkit.errors import UnitError
from trialkit.units import conversion, dimension
from trialkit.units.precomputed import build, precomputed, render
from trialkit.vocab import ValueType, vocabulary


def test_the_file_is_what_pint_computes_now() -> None:
    shipped = files("trialkit.units").joinpath("precomputed.json").read_text(encoding="utf-8")
    assert shipped == render(build()), (
        "src/trialkit/units/precomputed.json is stale: uv run python -m trialkit.units"
    )


def test_every_unit_of_the_vocabulary_is_answered_without_pint() -> None:
    table = precomputed()
    for item in vocabulary().values():
        if item.value_type is not ValueType.QUANTITY or item.unit is None:
            continue
        for unit in item.units:
            assert unit in table.dimensions, f"{item.key}: {unit}"
            assert table.conversion(unit, item.unit, item.molar_mass) is not None, (
                f"{item.key}: {unit} -> {item.unit}"
            )


def test_a_unit_outside_the_table_still_goes_through_pint() -> None:
    assert "[ft_i]" not in precomputed().dimensions
    assert dimension("[ft_i]") == "[length]"
    assert conversion("[ft_i]", "cm") == pytest.approx((30.48, 0.0))
    with pytest.raises(UnitError, match="not a valid UCUM"):
        dimension("furlong")
