"""The design of R-HLH (ruxolitinib first line in primary HLH), as far as it is public.

R-HLH (ClinicalTrials.gov NCT05762640; EudraCT 2021-006878-23; sponsor AP-HP, APHP200023)
is a single-arm phase 2 study whose primary endpoint is survival until haematopoietic stem
cell transplantation (HSCT). Its record says "Simon's Optimal 2-Step Design" and an
estimated enrolment of 20 patients. The public record (registry entries read on
2026-11-22) does not give p0, p1, alpha or beta.

ASSUMPTION. Among the parameters on the grid p0, p1 in steps of 0.05, alpha in {0.05, 0.10},
beta in {0.10, 0.20} whose optimal design has n = 20 (see :func:`optimal_n_candidates`),
trialkit assumes p0 = 0.70, p1 = 0.90, alpha = 0.10, beta = 0.20, giving the optimal
design 4/6, 16/20 (stop if at most 4 of the first 6 patients reach HSCT alive; promising
if more than 16 of 20 do). Reasons:

* p0: survival to HSCT under etoposide-based standard therapy. In HLH-94, 29% of
  patients died before HSCT (Trottestam H et al. Blood 2011;118:4577-4584), i.e. about
  71% survived to HSCT; HLH-2004 reduced pre-HSCT mortality to 19% with HLH-94 inclusion
  criteria (Bergsten E et al. Blood 2017;130:2728-2738). 0.70 is the grid value at the
  HLH-94 level and conservative for HLH-2004; it is the only candidate with p0 >= 0.65.
* p1 = p0 + 0.20, the difference used throughout Simon's (1989) tables.
* alpha = 0.10, beta = 0.20: the usual screening error rates for a small phase 2 study in
  a rare disease, and the only pair giving n = 20 at this p0.

Replace this assumption with the protocol's values when they become known.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from trialkit.design.simon import SimonDesign, simon_designs
from trialkit.errors import DefinitionError, DesignInputError

__all__ = [
    "R_HLH_PARAMETERS",
    "DesignParameters",
    "optimal_n_candidates",
    "r_hlh_assumed_design",
]


@dataclass(frozen=True, slots=True)
class DesignParameters:
    """Parameters of a Simon design, where they come from and whether they are assumed."""

    trial: str
    identifiers: tuple[str, ...]
    endpoint: str
    p0: float
    p1: float
    alpha: float
    beta: float
    planned_n: int
    assumption: bool
    rationale: str


R_HLH_PARAMETERS = DesignParameters(
    trial="R-HLH: ruxolitinib as first-line treatment in primary haemophagocytic "
    "lymphohistiocytosis",
    identifiers=("NCT05762640", "EudraCT 2021-006878-23", "APHP200023"),
    endpoint="survival until haematopoietic stem cell transplantation",
    p0=0.70,
    p1=0.90,
    alpha=0.10,
    beta=0.20,
    planned_n=20,
    assumption=True,
    rationale="p0, p1, alpha and beta are not in the public record; assumed from HLH-94 "
    "survival to HSCT (~71%), a 20-point improvement and screening error rates "
    "(alpha 0.10, beta 0.20); the only grid candidate with p0 >= 0.65 whose optimal "
    "design has n = 20 (see trialkit.design.r_hlh)",
)


@lru_cache(maxsize=1)
def r_hlh_assumed_design() -> SimonDesign:
    """R-HLH's optimal design under the ASSUMED parameters :data:`R_HLH_PARAMETERS`.

    Returns 4/6, 16/20 (EN(p0) 11.88, PET(p0) 0.58, actual alpha 0.090, power 0.806).
    """
    params = R_HLH_PARAMETERS
    design = simon_designs(params.p0, params.p1, params.alpha, params.beta).optimal
    if design.n != params.planned_n:
        raise DefinitionError(
            f"R-HLH assumed parameters give n={design.n}, not the planned {params.planned_n}"
        )
    return design


@dataclass(frozen=True, slots=True)
class Candidate:
    """Parameters on the search grid and the optimal design they give."""

    p0: float
    p1: float
    alpha: float
    beta: float
    design: SimonDesign


def optimal_n_candidates(
    n: int = 20,
    step: float = 0.05,
    alphas: tuple[float, ...] = (0.05, 0.10),
    betas: tuple[float, ...] = (0.10, 0.20),
    nmax: int = 100,
) -> tuple[Candidate, ...]:
    """Every grid point ``(p0, p1, alpha, beta)`` whose optimal design has exactly ``n``.

    ``p0 < p1`` run over ``step, 2 step, ..., 1 - step``. A search capped at ``n`` screens
    the grid cheaply (an optimal design with ``n`` patients is also optimal in any smaller
    search space containing it); each hit is confirmed with the full ``nmax``.
    """
    steps = round(1.0 / step)
    rates = [round(i * step, 10) for i in range(1, steps)]
    found: list[Candidate] = []
    for alpha in alphas:
        for beta in betas:
            for p0 in rates:
                for p1 in (rate for rate in rates if rate > p0):
                    try:
                        if simon_designs(p0, p1, alpha, beta, nmax=n).optimal.n != n:
                            continue
                    except DesignInputError:
                        continue
                    design = simon_designs(p0, p1, alpha, beta, nmax=nmax).optimal
                    if design.n == n:
                        found.append(Candidate(p0, p1, alpha, beta, design))
    return tuple(found)
