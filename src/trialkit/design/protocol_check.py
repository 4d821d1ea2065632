"""Checking a protocol's stated Simon design against the exact search (used by ``protocol check``).

A protocol file states p0, p1, alpha, beta and the boundaries r1/n1, r/n; the
boundaries must be the design of the stated variant (optimal, minimax or one
of the admissible designs) that :func:`trialkit.design.simon_designs` finds
for those parameters. A mismatch is a misquote, as Simon's tables are
sometimes misquoted in secondary sources.
"""

from __future__ import annotations

from trialkit.design.simon import simon_designs
from trialkit.errors import DesignInputError
from trialkit.protocol.check import Problem
from trialkit.protocol.model import Protocol, SimonDesignSpec

__all__ = ["check_design"]


def check_design(protocol: Protocol) -> list[Problem]:
    """A problem when the protocol's Simon boundaries are not the searched design."""
    spec = protocol.design
    if not isinstance(spec, SimonDesignSpec):
        return []
    try:
        designs = simon_designs(spec.p0, spec.p1, spec.alpha, spec.beta, nmax=max(100, spec.n))
    except DesignInputError as error:
        return [Problem("error", "design", str(error))]
    stated = (spec.r1, spec.n1, spec.r, spec.n)
    if spec.variant == "admissible":
        found = [(a.design.r1, a.design.n1, a.design.r, a.design.n) for a in designs.admissible]
        if stated in found:
            return []
        expected = "one of " + ", ".join(f"{r1}/{n1}, {r}/{n}" for r1, n1, r, n in found)
    else:
        design = designs.optimal if spec.variant == "optimal" else designs.minimax
        if stated == (design.r1, design.n1, design.r, design.n):
            return []
        expected = f"{design.r1}/{design.n1}, {design.r}/{design.n}"
    return [
        Problem(
            "error",
            "design",
            f"the {spec.variant} design for p0 {spec.p0:g}, p1 {spec.p1:g}, alpha "
            f"{spec.alpha:g}, beta {spec.beta:g} is r1/n1, r/n = {expected}; the file states "
            f"{spec.r1}/{spec.n1}, {spec.r}/{spec.n}",
        )
    ]
