"""The canvas every plot of :mod:`trialkit.analysis.plots` draws on, and how it is written.

matplotlib is imported inside the functions, on the non-interactive Agg canvas
(no display, no pyplot state), as :func:`trialkit.design.plot_operating_characteristics`
does, so that importing trialkit stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from trialkit.errors import TrialkitInputError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["SIZE", "new_figure", "save_figure", "style_axes", "write_figure"]

SIZE = (7.0, 4.5)
"""Width and height in inches, those of the design's operating-characteristic plot."""

SVG_SALT = "trialkit"
"""A fixed salt for the ids matplotlib writes into an SVG, so that equal figures give equal bytes."""


def new_figure(size: tuple[float, float] = SIZE) -> Figure:
    """An empty figure with constrained layout, attached to the Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def style_axes(axes: Axes, *, xlabel: str, ylabel: str, title: str | None) -> None:
    """The labels, light grid and title shared by the plots."""
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.grid(alpha=0.3)
    if title is not None:
        axes.set_title(title)


def save_figure(figure: Figure, path: str | Path) -> tuple[Path, Path]:
    """Write ``figure`` as ``<path>.png`` and ``<path>.svg``; return both paths.

    A ``.png`` or ``.svg`` suffix of ``path`` is replaced, any other suffix kept
    (``km.v2`` gives ``km.v2.png``). The SVG carries no date and a fixed id salt
    (``svg.hashsalt``), and the PNG no software tag, so that the same figure gives
    the same bytes on every run. Existing files are replaced; the folder must exist.
    """
    base = Path(path)
    if base.suffix.lower() in (".png", ".svg"):
        base = base.with_suffix("")
    if not base.name:
        raise TrialkitInputError(f"path={str(path)!r}: names no file")
    if not base.parent.is_dir():
        raise TrialkitInputError(
            f"path={str(path)!r}: the folder {str(base.parent)!r} does not exist"
        )
    png = base.with_name(base.name + ".png")
    svg = base.with_name(base.name + ".svg")
    write_figure(figure, png, svg)
    return png, svg


def write_figure(figure: Figure, png: Path, svg: Path) -> None:
    """Write ``figure`` to the two files as :func:`save_figure` does (same bytes every run)."""
    from matplotlib import rc_context

    figure.savefig(png, format="png", metadata={"Software": None})
    with rc_context({"svg.hashsalt": SVG_SALT}):
        figure.savefig(svg, format="svg", metadata={"Date": None})
