"""``trialkit design``: Simon two-stage designs, operating characteristics, decisions, inference.

Human output is a rich table; ``--json`` prints stable JSON (documented in docs/design.md)
and nothing else on stdout. The design package (numpy) is imported inside the commands and
matplotlib only when a plot is asked for, so that ``trialkit --help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from trialkit.cli import app
from trialkit.cli.files import check_output, writing
from trialkit.cli.text import shown
from trialkit.errors import DesignInputError

if TYPE_CHECKING:
    from trialkit.design import SimonDesign, TwoStageDesign

__all__ = ["design_app"]

design_app = typer.Typer(
    help="Trial design statistics: Simon two-stage designs.", no_args_is_help=True
)
app.add_typer(design_app, name="design")

P0Option = Annotated[float | None, typer.Option("--p0", help="Null (uninteresting) response rate.")]
P1Option = Annotated[float | None, typer.Option("--p1", help="Alternative (target) response rate.")]
AlphaOption = Annotated[float, typer.Option("--alpha", help="Type I error bound (strict).")]
BetaOption = Annotated[float, typer.Option("--beta", help="Type II error bound (power > 1-beta).")]
NmaxOption = Annotated[
    int, typer.Option("--nmax", help="Largest total sample size searched (<= 300).")
]
KindOption = Annotated[
    str, typer.Option("--kind", help="Which computed design: optimal or minimax.")
]
R1Option = Annotated[
    int | None, typer.Option("--r1", help="Stop after stage 1 if responses <= r1.")
]
N1Option = Annotated[int | None, typer.Option("--n1", help="Stage-1 patients.")]
ROption = Annotated[int | None, typer.Option("--r", help="Promising if total responses > r.")]
NOption = Annotated[int | None, typer.Option("--n", help="Total patients (both stages).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print stable JSON on stdout.")]


def _number(value: float) -> float:
    # 12 significant digits: identical across platforms, still exact for printed tables.
    return float(f"{value:.12g}")


def _short(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _print_json(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False)


def _simon_json(design: SimonDesign) -> dict[str, Any]:
    return {
        "r1": design.r1,
        "n1": design.n1,
        "r": design.r,
        "n": design.n,
        "en0": _number(design.en0),
        "pet0": _number(design.pet0),
        "alpha": _number(design.alpha),
        "power": _number(design.power),
    }


def _boundaries_json(design: TwoStageDesign) -> dict[str, int]:
    return {"r1": design.r1, "n1": design.n1, "r": design.r, "n": design.n}


def _resolve(
    r1: int | None,
    n1: int | None,
    r: int | None,
    n: int | None,
    p0: float | None,
    p1: float | None,
    alpha: float,
    beta: float,
    nmax: int,
    kind: str,
) -> tuple[TwoStageDesign, str]:
    """The design given explicitly (``--r1 --n1 --r --n``) or computed from ``--p0 --p1``."""
    from trialkit.design import TwoStageDesign, simon_designs

    explicit = {"--r1": r1, "--n1": n1, "--r": r, "--n": n}
    if any(value is not None for value in explicit.values()):
        missing = [name for name, value in explicit.items() if value is None]
        if missing:
            raise DesignInputError(
                f"an explicit design needs --r1, --n1, --r and --n (missing {', '.join(missing)})"
            )
        assert r1 is not None and n1 is not None and r is not None and n is not None
        return TwoStageDesign(r1, n1, r, n), "explicit"
    if p0 is None or p1 is None:
        raise DesignInputError(
            "no design given: use --r1 --n1 --r --n, or --p0 and --p1 to compute one"
        )
    if kind not in ("optimal", "minimax"):
        raise DesignInputError(f"--kind {kind!r} must be 'optimal' or 'minimax'")
    result = simon_designs(p0, p1, alpha, beta, nmax)
    return (result.optimal if kind == "optimal" else result.minimax), kind


@design_app.command("simon")
def simon_command(
    p0: Annotated[float, typer.Option("--p0", help="Null (uninteresting) response rate.")],
    p1: Annotated[float, typer.Option("--p1", help="Alternative (target) response rate.")],
    alpha: AlphaOption = 0.05,
    beta: BetaOption = 0.2,
    nmax: NmaxOption = 100,
    json_output: JsonOption = False,
) -> None:
    """Simon's optimal and minimax designs and the admissible designs between them."""
    from trialkit.design import simon_designs

    result = simon_designs(p0, p1, alpha, beta, nmax)
    if json_output:
        _print_json(
            {
                "optimal": _simon_json(result.optimal),
                "minimax": _simon_json(result.minimax),
                "admissible": [_simon_json(item.design) for item in result.admissible],
            }
        )
        return
    from rich import box
    from rich.table import Table

    table = Table(
        box=box.SIMPLE_HEAD,
        title=f"Simon two-stage designs: p0={p0:g}, p1={p1:g}, alpha<{alpha:g}, "
        f"power>{1 - beta:g}, n<={nmax}",
        caption="stop if responses <= r1 of n1; promising if total > r of n. "
        "q: weight of n in q*n + (1-q)*EN(p0) (Jung et al. 2004)",
    )
    for column in ("design", "r1/n1", "r/n", "EN(p0)", "PET(p0)", "alpha", "power", "q range"):
        table.add_column(column, justify="left" if column == "design" else "right")
    for item in result.admissible:
        d = item.design
        table.add_row(
            item.kind,
            f"{d.r1}/{d.n1}",
            f"{d.r}/{d.n}",
            f"{d.en0:.2f}",
            f"{d.pet0:.3f}",
            f"{d.alpha:.4f}",
            f"{d.power:.4f}",
            f"{_short(item.q_low)}-{_short(item.q_high)}",
        )
    _console().print(table)


@design_app.command("oc")
def oc_command(
    r1: R1Option = None,
    n1: N1Option = None,
    r: ROption = None,
    n: NOption = None,
    p0: P0Option = None,
    p1: P1Option = None,
    alpha: AlphaOption = 0.05,
    beta: BetaOption = 0.2,
    nmax: NmaxOption = 100,
    kind: KindOption = "optimal",
    start: Annotated[float, typer.Option("--from", help="First response rate of the grid.")] = 0.0,
    stop: Annotated[float, typer.Option("--to", help="Last response rate of the grid.")] = 1.0,
    step: Annotated[float, typer.Option("--step", help="Grid step.")] = 0.05,
    at: Annotated[
        list[float] | None, typer.Option("--at", help="Response rate(s) instead of a grid.")
    ] = None,
    plot: Annotated[str | None, typer.Option("--plot", help="Write a PNG or SVG plot.")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the --plot file if it exists.")
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Operating characteristics (PET, P(promising), EN) over true response rates."""
    from trialkit.design import (
        operating_characteristics,
        plot_operating_characteristics,
        response_grid,
    )

    if plot is not None:
        from trialkit.design.operating import PLOT_FORMATS

        if Path(plot).suffix.lower() not in PLOT_FORMATS:
            raise DesignInputError(
                f"plot file {plot!r} must end in .png or .svg (got {Path(plot).suffix!r})"
            )
        check_output(f"--plot {plot}", Path(plot), force=force)
    design, source = _resolve(r1, n1, r, n, p0, p1, alpha, beta, nmax, kind)
    ps = tuple(at) if at else response_grid(start, stop, step)
    points = operating_characteristics(design, ps)
    written = None
    if plot is not None:
        # Drawn under a hidden name, moved into place once written (cli/files.py).
        with writing(force=force) as outputs:
            target = Path(plot)
            plot_operating_characteristics(design, points, outputs.partial(target), p0=p0, p1=p1)
        written = target
    if json_output:
        _print_json(
            {
                "design": _boundaries_json(design),
                "kind": source,
                "p0": p0,
                "p1": p1,
                "points": [
                    {
                        "p": _number(pt.p),
                        "pet": _number(pt.pet),
                        "p_promising": _number(pt.p_promising),
                        "en": _number(pt.expected_n),
                    }
                    for pt in points
                ],
            }
        )
        return
    from rich.table import Table

    table = Table()
    for column in ("p", "PET", "P(promising)", "EN"):
        table.add_column(column, justify="right")
    for pt in points:
        table.add_row(f"{pt.p:g}", f"{pt.pet:.4f}", f"{pt.p_promising:.4f}", f"{pt.expected_n:.2f}")
    console = _console()
    console.print(f"Operating characteristics of {design.label()} ({source})", soft_wrap=True)
    console.print(table)
    if written is not None:
        console.print(f"plot written to {shown(written)}", soft_wrap=True)


@design_app.command("decide")
def decide_command(
    x1: Annotated[int, typer.Option("--x1", help="Responses among the n1 stage-1 patients.")],
    x2: Annotated[
        int | None, typer.Option("--x2", help="Responses among the n2 stage-2 patients.")
    ] = None,
    r1: R1Option = None,
    n1: N1Option = None,
    r: ROption = None,
    n: NOption = None,
    p0: P0Option = None,
    p1: P1Option = None,
    alpha: AlphaOption = 0.05,
    beta: BetaOption = 0.2,
    nmax: NmaxOption = 100,
    kind: KindOption = "optimal",
    json_output: JsonOption = False,
) -> None:
    """The interim decision (after stage 1) or, with --x2, the final decision."""
    from trialkit.design import decide

    design, source = _resolve(r1, n1, r, n, p0, p1, alpha, beta, nmax, kind)
    decision = decide(design, x1, x2)
    if json_output:
        _print_json(
            {
                "design": _boundaries_json(design),
                "kind": source,
                "decision": decision.outcome.value,
                "stage": decision.stage,
                "responses": decision.responses,
                "patients": decision.patients,
                "reason": decision.reason,
            }
        )
        return
    console = _console()
    console.print(f"design {design.label()} ({source}), stage {decision.stage}")
    console.print(f"decision: {decision.outcome.value.replace('_', ' ')}")
    console.print(f"reason: {decision.reason}")


@design_app.command("infer")
def infer_command(
    x1: Annotated[int, typer.Option("--x1", help="Responses among the n1 stage-1 patients.")],
    total: Annotated[
        int | None,
        typer.Option("--total", help="Responses over the whole trial (default x1 if stopped)."),
    ] = None,
    r1: R1Option = None,
    n1: N1Option = None,
    r: ROption = None,
    n: NOption = None,
    p0: P0Option = None,
    p1: P1Option = None,
    alpha: AlphaOption = 0.05,
    beta: BetaOption = 0.2,
    nmax: NmaxOption = 100,
    kind: KindOption = "optimal",
    level: Annotated[float, typer.Option("--level", help="Two-sided confidence level.")] = 0.95,
    json_output: JsonOption = False,
) -> None:
    """p-value, exact CI, UMVUE and naive proportion after a completed two-stage trial."""
    from trialkit.design import two_stage_inference

    design, source = _resolve(r1, n1, r, n, p0, p1, alpha, beta, nmax, kind)
    if p0 is None:
        raise DesignInputError("--p0 is needed for the p-value of H0: p <= p0")
    if total is None:
        if isinstance(x1, int) and 0 <= x1 <= design.r1:
            total = x1
        else:
            raise DesignInputError(
                f"--total is needed: x1={x1} exceeds r1={design.r1}, so the trial went on "
                "to stage 2"
            )
    result = two_stage_inference(design, x1, total, p0, level)
    if json_output:
        _print_json(
            {
                "design": _boundaries_json(design),
                "kind": source,
                "stage": result.stage,
                "x1": result.x1,
                "responses": result.responses,
                "patients": result.patients,
                "p0": result.p0,
                "p_value": _number(result.p_value),
                "p_value_method": result.p_value_method,
                "ci": {
                    "lower": _number(result.ci.lower),
                    "upper": _number(result.ci.upper),
                    "level": result.ci.level,
                    "method": result.ci.method,
                },
                "umvue": _number(result.umvue),
                "naive": _number(result.naive),
            }
        )
        return
    from rich.table import Table

    stopped = "stopped after stage 1" if result.stage == 1 else "completed stage 2"
    table = Table(
        title=f"Inference for {design.label()} ({source}): {result.responses}/"
        f"{result.patients} responses, {stopped}"
    )
    table.add_column("quantity")
    table.add_column("value", justify="right")
    table.add_column("method")
    table.add_row(
        f"p-value (H0: p <= {result.p0:g})", f"{result.p_value:.4g}", result.p_value_method
    )
    table.add_row(
        f"{100 * result.ci.level:g}% CI",
        f"{result.ci.lower:.4f} to {result.ci.upper:.4f}",
        result.ci.method,
    )
    table.add_row("UMVUE", f"{result.umvue:.4f}", "Jung & Kim (2004)")
    table.add_row("naive proportion", f"{result.naive:.4f}", "biased after two stages")
    _console().print(table)
