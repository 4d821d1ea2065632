"""Published Simon two-stage designs, reproduced exactly to the printed precision.

Every entry names the source it was read in. Before an entry was encoded, its boundaries
were checked against their own constraints (a design whose actual alpha or power violates
them would be a misquote of Simon); ``test_published_boundaries_meet_their_constraints``
keeps that check.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pytest

from trialkit.design import SimonDesign, TwoStageDesign, evaluate_design, simon_designs

# --- R package clinfun, documentation examples ---------------------------------------
# veseshan/clinfun, dev/reference/ph2simon.html (clinfun 1.1.1.9102), "Examples": output of
# ph2simon(0.2, 0.4, 0.1, 0.1), ph2simon(0.2, 0.35, 0.05, 0.05) and the same with nmax=150,
# printed by print.ph2simon with digits = 4 (four significant digits).
CLINFUN_PH2SIMON = "clinfun ph2simon() examples, dev/reference/ph2simon.html"
# veseshan/clinfun, dev/reference/twostage.admissible.html, "Examples": output of
# twostage.admissible(ph2simon(0.5, 0.7, 0.05, 0.1)), R's default 7 significant digits.
CLINFUN_ADMISSIBLE = "clinfun twostage.admissible() example, dev/reference/twostage.admissible.html"
# Qin F, Wu J, Chen F, et al. Optimal, minimax and admissible two-stage design for phase II
# oncology clinical trials. BMC Med Res Methodol 2020;20:126, table "Optimal, minimax and
# admissible design for Simon's two-stage design" (rows read from its PubMed Central
# mirror, PMC7240995). Columns: actual alpha, 1-beta, n1, r1, PET, n, r, EN, type, q range.
QIN_2020 = "Qin et al. 2020, BMC Med Res Methodol 20:126, table of Simon's designs"
# Simon R. Control Clin Trials 1989;10:1-10, table of optimal designs for alpha = 0.05,
# beta = 0.2, p1 = p0 + 0.2 (p. 4), as reprinted in the tests of the Julia package
# kkmann/BinaryTwoStageDesigns (test/test_Design.jl, test/test_simonsdesigns.jl).
SIMON_1989 = "Simon 1989 (p. 4), reprinted in kkmann/BinaryTwoStageDesigns tests"


def significant(value: float, digits: int) -> float:
    return float(f"{value:.{digits}g}")


@dataclass(frozen=True)
class ClinfunRow:
    source: str
    params: tuple[float, float, float, float, int]
    kind: str
    boundaries: tuple[int, int, int, int]
    en0: float
    pet0: float


CLINFUN_ROWS = [
    ClinfunRow(
        CLINFUN_PH2SIMON, (0.2, 0.4, 0.1, 0.1, 100), "optimal", (3, 17, 10, 37), 26.02, 0.5489
    ),
    ClinfunRow(
        CLINFUN_PH2SIMON, (0.2, 0.4, 0.1, 0.1, 100), "minimax", (3, 19, 10, 36), 28.26, 0.4551
    ),
    ClinfunRow(
        CLINFUN_PH2SIMON, (0.2, 0.35, 0.05, 0.05, 100), "optimal", (11, 53, 26, 99), 69.88, 0.6330
    ),
    ClinfunRow(
        CLINFUN_PH2SIMON, (0.2, 0.35, 0.05, 0.05, 100), "minimax", (15, 68, 25, 95), 75.44, 0.7244
    ),
    ClinfunRow(
        CLINFUN_PH2SIMON, (0.2, 0.35, 0.05, 0.05, 150), "optimal", (11, 50, 28, 109), 67.07, 0.7107
    ),
    ClinfunRow(
        CLINFUN_PH2SIMON, (0.2, 0.35, 0.05, 0.05, 150), "minimax", (15, 68, 25, 95), 75.44, 0.7244
    ),
]


@pytest.mark.parametrize("row", CLINFUN_ROWS, ids=lambda row: f"{row.params}-{row.kind}")
def test_clinfun_ph2simon_examples(row: ClinfunRow) -> None:
    result = simon_designs(*row.params)
    design: SimonDesign = getattr(result, row.kind)
    assert (design.r1, design.n1, design.r, design.n) == row.boundaries, row.source
    assert significant(design.en0, 4) == row.en0
    assert significant(design.pet0, 4) == row.pet0


def test_clinfun_twostage_admissible_example() -> None:
    # Source: CLINFUN_ADMISSIBLE. Rows: Minimax, Admissible, Optimal with qLo, qHi.
    expected = [
        ((14, 27, 32, 53), 36.11440, 0.6494460, 0.285, 1.000, "minimax"),
        ((12, 23, 34, 57), 34.51987, 0.6611803, 0.112, 0.285, "admissible"),
        ((13, 24, 36, 61), 34.01324, 0.7293719, 0.000, 0.112, "optimal"),
    ]
    result = simon_designs(0.5, 0.7, 0.05, 0.1)
    assert len(result.admissible) == len(expected)
    for item, (boundaries, en0, pet0, q_low, q_high, kind) in zip(
        result.admissible, expected, strict=True
    ):
        d = item.design
        assert (d.r1, d.n1, d.r, d.n) == boundaries
        assert significant(d.en0, 7) == en0
        assert significant(d.pet0, 7) == pet0
        assert (round(item.q_low, 3), round(item.q_high, 3)) == (q_low, q_high)
        assert item.kind == kind


def half_up(value: float, places: int) -> float:
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))


def as_printed_by_qin(value: float, places: int) -> float:
    # Qin et al.'s printed values are rounded twice, to one more decimal and then to the
    # printed one (EN 14.546 prints as 14.6, alpha 0.04550 as 0.046), and their power is
    # printed as 1 - beta with beta rounded that way (0.80151 prints as 0.801). This rule
    # reproduces every number of their table; plain rounding misses three of them.
    return half_up(half_up(value, places + 1), places)


@dataclass(frozen=True)
class QinRow:
    params: tuple[float, float, float, float]
    alpha: float
    power: float
    n1: int
    r1: int
    pet: float
    n: int
    r: int
    en: float
    kind: str
    q: tuple[float, float]


QIN_ROWS = [
    QinRow(
        (0.05, 0.25, 0.05, 0.20), 0.047, 0.812, 9, 0, 0.630, 17, 2, 12.0, "optimal", (0.000, 0.643)
    ),
    QinRow(
        (0.05, 0.25, 0.05, 0.20), 0.043, 0.801, 12, 0, 0.540, 16, 2, 13.8, "minimax", (0.643, 1.000)
    ),
    QinRow(
        (0.10, 0.30, 0.05, 0.20), 0.047, 0.805, 10, 1, 0.736, 29, 5, 15.0, "optimal", (0.000, 0.286)
    ),
    QinRow(
        (0.10, 0.30, 0.05, 0.20),
        0.040,
        0.806,
        11,
        1,
        0.697,
        27,
        5,
        15.8,
        "admissible",
        (0.286, 0.500),
    ),
    QinRow(
        (0.10, 0.30, 0.05, 0.20),
        0.036,
        0.805,
        12,
        1,
        0.659,
        26,
        5,
        16.8,
        "admissible",
        (0.500, 0.730),
    ),
    QinRow(
        (0.10, 0.30, 0.05, 0.20), 0.033, 0.802, 15, 1, 0.549, 25, 5, 19.5, "minimax", (0.730, 1.000)
    ),
    QinRow(
        (0.30, 0.50, 0.05, 0.20),
        0.050,
        0.803,
        15,
        5,
        0.722,
        46,
        18,
        23.6,
        "optimal",
        (0.000, 0.216),
    ),
    QinRow(
        (0.30, 0.50, 0.05, 0.20),
        0.044,
        0.801,
        18,
        6,
        0.722,
        42,
        17,
        24.7,
        "admissible",
        (0.216, 0.250),
    ),
    QinRow(
        (0.30, 0.50, 0.05, 0.20),
        0.046,
        0.804,
        19,
        6,
        0.666,
        39,
        16,
        25.7,
        "minimax",
        (0.250, 1.000),
    ),
    QinRow(
        (0.05, 0.25, 0.10, 0.10), 0.093, 0.903, 9, 0, 0.630, 24, 2, 14.6, "optimal", (0.000, 0.091)
    ),
    QinRow(
        (0.05, 0.25, 0.10, 0.10),
        0.083,
        0.905,
        10,
        0,
        0.599,
        22,
        2,
        14.8,
        "admissible",
        (0.091, 0.333),
    ),
    QinRow(
        (0.05, 0.25, 0.10, 0.10),
        0.078,
        0.905,
        11,
        0,
        0.569,
        21,
        2,
        15.3,
        "admissible",
        (0.333, 0.524),
    ),
    QinRow(
        (0.05, 0.25, 0.10, 0.10), 0.074, 0.903, 13, 0, 0.513, 20, 2, 16.4, "minimax", (0.524, 1.000)
    ),
]


@pytest.mark.parametrize("params", sorted({row.params for row in QIN_ROWS}))
def test_qin_2020_simon_table(params: tuple[float, float, float, float]) -> None:
    # Source: QIN_2020; the table lists each parameter set's designs from optimal to minimax.
    rows = sorted((row for row in QIN_ROWS if row.params == params), key=lambda row: row.n)
    result = simon_designs(*params)
    assert len(result.admissible) == len(rows)
    for item, row in zip(result.admissible, rows, strict=True):
        d = item.design
        assert (d.r1, d.n1, d.r, d.n) == (row.r1, row.n1, row.r, row.n)
        assert item.kind == row.kind
        assert as_printed_by_qin(d.en0, 1) == row.en
        assert as_printed_by_qin(d.pet0, 3) == row.pet
        assert as_printed_by_qin(d.alpha, 3) == row.alpha
        assert round(1.0 - as_printed_by_qin(1.0 - d.power, 3), 3) == row.power
    # Qin et al.'s q ranges are the crossings of q n + (1 - q) EN computed from EN as
    # printed (one decimal); trialkit's exact crossings differ in the third decimal.
    for upper, lower in itertools.pairwise(rows):
        crossing = (upper.en - lower.en) / ((upper.en - lower.en) + (lower.n - upper.n))
        assert round(crossing, 3) == upper.q[0] == lower.q[1]
    exact = [(round(item.q_low, 3), round(item.q_high, 3)) for item in result.admissible]
    assert exact[0][1] == 1.0 and exact[-1][0] == 0.0


SIMON_OPTIMAL = [  # Source: SIMON_1989; alpha 0.05, beta 0.2, p1 = p0 + 0.2, optimal designs.
    (0.1, (1, 10, 5, 29)),
    (0.2, (3, 13, 12, 43)),
    (0.3, (5, 15, 18, 46)),
    (0.4, (7, 16, 23, 46)),
    (0.5, (8, 15, 26, 43)),
    (0.6, (7, 11, 30, 43)),
    (0.7, (4, 6, 22, 27)),
]


@pytest.mark.parametrize(("p0", "boundaries"), SIMON_OPTIMAL)
def test_simon_1989_optimal_designs(p0: float, boundaries: tuple[int, int, int, int]) -> None:
    optimal = simon_designs(p0, round(p0 + 0.2, 2), 0.05, 0.2).optimal
    assert (optimal.r1, optimal.n1, optimal.r, optimal.n) == boundaries


PUBLISHED = [
    *((row.params[:4], row.boundaries) for row in CLINFUN_ROWS),
    ((0.5, 0.7, 0.05, 0.1), (14, 27, 32, 53)),
    ((0.5, 0.7, 0.05, 0.1), (12, 23, 34, 57)),
    ((0.5, 0.7, 0.05, 0.1), (13, 24, 36, 61)),
    *((row.params, (row.r1, row.n1, row.r, row.n)) for row in QIN_ROWS),
    *(((p0, round(p0 + 0.2, 2), 0.05, 0.2), b) for p0, b in SIMON_OPTIMAL),
]


@pytest.mark.parametrize(("params", "boundaries"), PUBLISHED)
def test_published_boundaries_meet_their_constraints(
    params: tuple[float, float, float, float], boundaries: tuple[int, int, int, int]
) -> None:
    p0, p1, alpha, beta = params
    design = evaluate_design(TwoStageDesign(*boundaries), p0, p1)
    assert design.alpha < alpha
    assert design.power > 1 - beta


def test_at_least_fifteen_published_entries_including_minimax_and_admissible() -> None:
    assert len(PUBLISHED) >= 15
    kinds = {row.kind for row in CLINFUN_ROWS} | {row.kind for row in QIN_ROWS}
    assert {"optimal", "minimax", "admissible"} <= kinds
