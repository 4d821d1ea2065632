"""Operating characteristics of a two-stage design over true response rates, and their plot.

For each true response rate ``p``: the probability of early termination ``PET(p)``, the
probability of declaring the treatment promising (the power curve; its value at ``p0`` is
the actual type I error) and the expected sample size ``EN(p)`` (Simon 1989, eqs. 1-2;
see :mod:`trialkit.design.two_stage`). Exact binomial sums, no simulation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from trialkit.design.two_stage import TwoStageDesign, stage_probabilities
from trialkit.errors import DesignInputError

__all__ = [
    "MAX_GRID_POINTS",
    "OperatingPoint",
    "operating_characteristics",
    "plot_operating_characteristics",
    "response_grid",
]

MAX_GRID_POINTS = 1001
PLOT_FORMATS = {".png": "png", ".svg": "svg"}


@dataclass(frozen=True, slots=True)
class OperatingPoint:
    """Characteristics of a design at one true response rate ``p``."""

    p: float
    pet: float
    p_promising: float
    expected_n: float


def response_grid(start: float = 0.0, stop: float = 1.0, step: float = 0.05) -> tuple[float, ...]:
    """``start, start + step, ...`` up to ``stop`` (included when on the grid), in [0, 1].

    Points are rounded to 10 decimals so that 0.1 + 0.2 prints as 0.3.
    """
    for name, value in (("from", start), ("to", stop), ("step", step)):
        if not math.isfinite(value):
            raise DesignInputError(f"{name}={value!r} must be a finite number")
    if not 0.0 <= start <= 1.0 or not 0.0 <= stop <= 1.0:
        raise DesignInputError(f"the grid from={start!r} to={stop!r} must lie in [0, 1]")
    if stop < start:
        raise DesignInputError(f"to={stop!r} must not be less than from={start!r}")
    if step <= 0:
        raise DesignInputError(f"step={step!r} must be positive")
    count = math.floor((stop - start) / step + 1e-9) + 1
    if count > MAX_GRID_POINTS:
        raise DesignInputError(
            f"step={step!r} gives {count} points from {start!r} to {stop!r}; "
            f"at most {MAX_GRID_POINTS} are allowed"
        )
    return tuple(min(round(start + i * step, 10), 1.0) for i in range(count))


def operating_characteristics(
    design: TwoStageDesign, ps: Sequence[float]
) -> tuple[OperatingPoint, ...]:
    """PET, P(promising) and EN of ``design`` at each true response rate in ``ps``."""
    if len(ps) == 0:
        raise DesignInputError("the grid of response rates is empty")
    if len(ps) > MAX_GRID_POINTS:
        raise DesignInputError(f"{len(ps)} response rates given; at most {MAX_GRID_POINTS}")
    probs = stage_probabilities(design, ps)
    return tuple(
        OperatingPoint(p, pet, promising, expected)
        for p, pet, promising, expected in zip(
            probs.p, probs.pet, probs.promising, probs.expected_n, strict=True
        )
    )


def plot_operating_characteristics(
    design: TwoStageDesign,
    points: Sequence[OperatingPoint],
    path: str | Path,
    *,
    p0: float | None = None,
    p1: float | None = None,
) -> Path:
    """Write the operating-characteristic curves of ``design`` to ``path`` (PNG or SVG).

    Left axis: P(promising) and PET; right axis: EN. Dashed lines mark ``p0`` and ``p1``
    when given. The format follows the suffix; matplotlib is imported here, with the
    non-interactive Agg canvas, so that importing trialkit stays fast and needs no display.
    """
    target = Path(path)
    fmt = PLOT_FORMATS.get(target.suffix.lower())
    if fmt is None:
        raise DesignInputError(
            f"plot file {str(target)!r} must end in .png or .svg (got {target.suffix!r})"
        )
    if not points:
        raise DesignInputError("no operating points to plot")
    if not target.parent.is_dir():
        raise DesignInputError(
            f"plot file {str(target)!r}: directory {str(target.parent)!r} does not exist"
        )
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    ps = [point.p for point in points]
    figure = Figure(figsize=(7.0, 4.5), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.plot(ps, [pt.p_promising for pt in points], color="C0", label="P(promising)")
    axes.plot(ps, [pt.pet for pt in points], color="C1", label="P(early termination)")
    axes.set_xlabel("true response rate p")
    axes.set_ylabel("probability")
    axes.set_ylim(-0.02, 1.02)
    axes.grid(alpha=0.3)
    right = axes.twinx()
    right.plot(ps, [pt.expected_n for pt in points], color="C2", linestyle="-.", label="EN(p)")
    right.set_ylabel("expected sample size")
    right.set_ylim(0, design.n * 1.05)
    for value, name in ((p0, "p0"), (p1, "p1")):
        if value is not None:
            axes.axvline(value, color="grey", linestyle="--", linewidth=0.8)
            axes.annotate(name, (value, 1.0), textcoords="offset points", xytext=(3, -12))
    handles = axes.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    axes.legend(handles=handles, loc="center right", fontsize="small")
    axes.set_title(f"Two-stage design r1/n1 = {design.r1}/{design.n1}, r/n = {design.r}/{design.n}")
    # No creation date and a fixed id salt, so that the same design gives the same bytes.
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    with matplotlib.rc_context({"svg.hashsalt": "trialkit"}):
        figure.savefig(target, format=fmt, metadata=metadata)
    return target
