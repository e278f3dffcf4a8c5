"""Values from production: what a tranche is worth to a team is the output it buys.

The one place values come from (MODEL-REFERENCE §8). A team's *situation* this week — its
people, performance under stress and burnout, its project's state, its product's demand —
fixes its output as a function of the tranches it holds; value is that output in credits:

- research: ``λ · min(T·R(G), W)`` over a horizon of T weeks, where ``R`` is the team's own
  production function (:func:`agents.productivity.research_output` times its performance
  and, between projects, the exploration rate), ``W`` the work its project still needs
  (output beyond finishing the project is worth nothing) and ``λ`` leadership's exchange
  rate of research output into credits (``valuation.credits_per_output``);
- product: ``T · V(D, C(G))``, the value served (:func:`agents.productivity.product_value`)
  times performance; product value is in credits already.

The k-th extra tranche is worth ``Y(G + k) − Y(G + k − 1)`` over the lease it is bought
for. Product value is S-shaped in capacity (little while demand swamps capacity, steep as
latency falls, flat once served), so the raw steps can rise; :func:`ironed_steps` replaces
them by the slopes of the least concave majorant from the current holding, so bid books
stay non-increasing and a block of tranches that only pays off together is valued at its
average. Bids, the committee's reports, negotiation reservations, efficiency and output
value all use these values; strategies decide what to make of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from pydantic import Field

from agents.productivity import ProductParams, ResearchParams, product_value, research_output
from agents.schema import Params, floats

__all__ = [
    "IDLE_RESEARCH_RATE",
    "Situation",
    "ValuationParams",
    "ironed_steps",
    "marginal_values",
    "research_rate",
    "value",
]

#: Research teams between projects explore at this share of their output rate.
IDLE_RESEARCH_RATE = 0.2
#: Ironing problems up to this many chords (rows × points²) use the one-pass min-max formula.
SMALL_IRONING = 20_000


class ValuationParams(Params):
    """How output becomes credits: leadership's exchange rate."""

    credits_per_output: float = Field(
        60.0,
        gt=0,
        le=1e9,
        description="Leadership's exchange rate λ: credits per unit of research output "
        "(product value is counted in credits already). Raise it and research is worth "
        "more against product. Calibrated [D]: at 60 (with 40 credits per product user) "
        "the default market gives research 58-68% of the GPUs over a lab-2025 year "
        "(seeds 0-9), around leadership's 62% credit split; at 90 it would take 75-81%.",
    )
    credit_value: float = Field(
        1.0,
        ge=0,
        le=1e6,
        description="What a credit a team keeps is worth to it, in credits of output value "
        "(its terminal value). A team's utility is its output value plus this times the "
        "credits it keeps, so a week's utility is output value minus this times what it "
        "paid: quasi-linear, the objective truthful bidding is optimal for.",
    )


@dataclass(frozen=True)
class Situation:
    """What each team's output depends on this week besides its GPUs (arrays over teams).

    Attributes:
        research: Research teams (the rest are product teams).
        people: Headcount.
        multiplier: Performance under stress times (1 − burnout).
        active: Research teams with a running project.
        remaining: Research output the project still needs (``inf`` between projects).
        demand: Product demand, in demand units.
    """

    research: np.ndarray
    people: np.ndarray
    multiplier: np.ndarray
    active: np.ndarray
    remaining: np.ndarray
    demand: np.ndarray

    def rows(self, index: np.ndarray) -> Situation:
        """The situation of some teams only."""
        return Situation(
            self.research[index],
            self.people[index],
            self.multiplier[index],
            self.active[index],
            self.remaining[index],
            self.demand[index],
        )

    @cached_property
    def kinds(self) -> tuple[np.ndarray, Situation, np.ndarray, Situation]:
        """``(research rows, their situation, product rows, their situation)``, computed once.

        :func:`value` evaluates each kind's production on its own rows only; a week's
        situation is valued many times (bids, work, welfare), so the split is cached.
        """
        research = np.flatnonzero(self.research)
        product = np.flatnonzero(~self.research)
        return research, self.rows(research), product, self.rows(product)


def _column(x: np.ndarray, like: np.ndarray) -> np.ndarray:
    """``x`` (one value per team) shaped to broadcast against ``like`` ((n,) or (n, m))."""
    return x if like.ndim == 1 else x[:, None]


def research_rate(sit: Situation, gpus: np.ndarray, p: ResearchParams) -> np.ndarray:
    """Research output per week at ``gpus`` tranches (``(n,)`` or ``(n, m)``), all teams.

    Teams between projects explore at :data:`IDLE_RESEARCH_RATE` of their rate. Product
    teams' entries are meaningless (callers select research rows).
    """
    gpus = floats(gpus)
    rate = research_output(_column(sit.people, gpus), gpus, _column(sit.multiplier, gpus), 0.0, p)
    return rate * _column(np.where(sit.active, 1.0, IDLE_RESEARCH_RATE), gpus)


def value(
    sit: Situation,
    gpus: np.ndarray,
    weeks: float,
    research: ResearchParams,
    product: ProductParams,
    valuation: ValuationParams,
) -> np.ndarray:
    """Each team's output value in credits over ``weeks`` weeks while holding ``gpus``.

    Args:
        sit: The teams' situation.
        gpus: Tranches held (online), ``(n,)`` or a grid ``(n, m)`` of holdings to try.
        weeks: The horizon (1 for this week's value, the lease for a bid).
        research: Research production parameters.
        product: Product serving parameters (price per user is in credits).
        valuation: The exchange rate of research output.

    Returns:
        Credits, the shape of ``gpus``.
    """
    gpus = np.maximum(floats(gpus), 0.0)
    rows_r, sit_r, rows_p, sit_p = sit.kinds
    if rows_p.size == 0:
        return _research_value(sit, gpus, weeks, research, valuation)
    if rows_r.size == 0:
        return _product_value(sit, gpus, weeks, product)
    out = np.empty(gpus.shape)
    out[rows_r] = _research_value(sit_r, gpus[rows_r], weeks, research, valuation)
    out[rows_p] = _product_value(sit_p, gpus[rows_p], weeks, product)
    return out


def _research_value(
    sit: Situation, gpus: np.ndarray, weeks: float, p: ResearchParams, v: ValuationParams
) -> np.ndarray:
    """``λ · min(T·R(G), W)`` for research teams."""
    made = weeks * research_rate(sit, gpus, p)
    return v.credits_per_output * np.minimum(made, _column(sit.remaining, gpus))


def _product_value(sit: Situation, gpus: np.ndarray, weeks: float, p: ProductParams) -> np.ndarray:
    """``T · V(D, C(G)) · m`` for product teams."""
    served = product_value(_column(sit.demand, gpus), gpus * p.users_per_tranche, p)
    return weeks * served * _column(sit.multiplier, gpus)


def ironed_steps(values: np.ndarray) -> np.ndarray:
    """Steps of the least concave majorant of each row's value curve (non-increasing, >= 0).

    ``values[i, j]`` is team i's value at its ``j``-th holding on an evenly spaced grid
    starting at its current holding. Where value rises slowly and then steeply (S-shaped
    product value, possibly several times: more served users, then lower latency), the
    majorant bridges the dip with a chord, so a block of tranches that only pays off
    together is valued at its average and no later gain is lost; where the curve is
    concave it keeps its own steps. A running minimum then removes rises within rounding
    (1e-12 of the curve's scale), and steps are clipped at 0.

    Only rows whose steps rise somewhere are ironed. From the start of such a row, the
    majorant follows the curve along its concave stretch up to the point where it leaves
    for a bridge (found by binary search: along a concave stretch, a point's steepest
    chord goes to its neighbour until the bridge starts, and never again after), bridges
    to the point of steepest average rise (the tangent point), and repeats from there
    until no rise is left ahead.

    Args:
        values: ``(n, m + 1)`` values along the grid.

    Returns:
        ``(n, m)`` steps, each row non-negative and non-increasing.
    """
    values = floats(values)
    n, m1 = values.shape
    m = m1 - 1
    if m < 1:
        return np.zeros((n, 0))
    out = np.diff(values, axis=1)
    tol = 1e-12 * np.maximum(np.abs(values).max(axis=1, initial=0.0), 1.0)
    rise = np.zeros(out.shape, dtype=bool)  # rise[i, s]: step s is above step s - 1
    rise[:, 1:] = out[:, 1:] > out[:, :-1] + tol[:, None]
    rows = np.flatnonzero(rise.any(axis=1))
    if rows.size and rows.size * m1 * m1 <= SMALL_IRONING:
        out[rows] = _iron_by_min_max(values[rows])
    elif rows.size:
        out[rows] = _iron_rising_rows(values[rows], out[rows], rise[rows])
    # Rounding may leave rises within the tolerance between blocks: smooth them away.
    np.minimum.accumulate(out, axis=1, out=out)
    return np.maximum(out, 0.0)


def _iron_by_min_max(values: np.ndarray) -> np.ndarray:
    """The majorant's steps by the min-max formula, in one pass over all chords.

    The slope of the least concave majorant on step i is ``min over a <= i of max over
    b > i`` of the chord from point a to point b (the antitonic-regression formula). It
    costs rows × (m + 1)² work but few numpy calls, so it is the faster way for small books.
    """
    m1 = values.shape[1]
    m = m1 - 1
    points = np.arange(m1)
    gap = points[None, :] - points[:, None]  # gap[a, b] = b - a
    inv = np.where(gap > 0, 1.0 / np.maximum(gap, 1), 0.0)
    chords = (values[:, None, :] - values[:, :, None]) * inv + np.where(gap > 0, 0.0, -np.inf)
    # best[:, a, c]: the steepest chord from a to any point b >= c.
    best = np.maximum.accumulate(chords[:, :, ::-1], axis=2)[:, :, ::-1]
    later = np.where(points[:m, None] > points[None, :m], np.inf, 0.0)  # a > i: not a start
    return (best[:, :m, 1:] + later).min(axis=1)


def _iron_rising_rows(values: np.ndarray, steps: np.ndarray, rise: np.ndarray) -> np.ndarray:
    """The majorant's steps for rows that rise somewhere (see :func:`ironed_steps`)."""
    r, m1 = values.shape
    m = m1 - 1
    cols = np.arange(m)
    # next_rise[i, c]: the first step index >= c that rises (m when none does).
    first = np.where(rise, cols[None, :], m)
    next_rise = np.full((r, m1), m)
    next_rise[:, :m] = np.minimum.accumulate(first[:, ::-1], axis=1)[:, ::-1]
    last_rise = m - 1 - np.argmax(rise[:, ::-1], axis=1)
    # Chords from point a to every point b: (values[b] - values[a]) * inv[a, b] + neg[a, b].
    gap = np.arange(1, m1)[None, :] - np.arange(m1)[:, None]
    inv = np.where(gap > 0, 1.0 / np.maximum(gap, 1), 0.0)
    neg = np.where(gap > 0, 0.0, -np.inf)

    def chords(rows: np.ndarray, a: np.ndarray) -> np.ndarray:
        v = values[rows]
        return (v[:, 1:] - v[np.arange(rows.size), a][:, None]) * inv[a] + neg[a]

    out = steps.copy()
    start = np.zeros(r, dtype=np.int64)
    pending = np.arange(r)
    while pending.size:
        j = start[pending]
        # The bridge leaves the concave stretch from j to the next rise at some point p in
        # [j, rise - 1]: the first point whose steepest chord skips its neighbour.
        lo, hi = j.copy(), np.maximum(next_rise[pending, j + 1] - 1, j)
        while (open_ := np.flatnonzero(lo < hi)).size:
            mid = (lo[open_] + hi[open_]) // 2
            leaves = chords(pending[open_], mid).argmax(axis=1) != mid
            hi[open_] = np.where(leaves, mid, hi[open_])
            lo[open_] = np.where(leaves, lo[open_], mid + 1)
        chord = chords(pending, lo)
        tangent = chord.argmax(axis=1) + 1  # a point index in 1..m
        slope = chord[np.arange(pending.size), tangent - 1]
        block = (cols[None, :] >= lo[:, None]) & (cols[None, :] < tangent[:, None])
        out[pending] = np.where(block, slope[:, None], out[pending])
        start[pending] = tangent
        # Past its last rise a row is concave and keeps its own steps.
        pending = pending[(tangent < m) & (tangent < last_rise[pending])]
    return out


def marginal_values(
    sit: Situation,
    gpus: np.ndarray,
    k: int,
    weeks: float,
    research: ResearchParams,
    product: ProductParams,
    valuation: ValuationParams,
    *,
    lookahead: int = 0,
) -> np.ndarray:
    """The value of each of the next ``k`` tranches over a lease of ``weeks`` weeks.

    ``v[i, j]`` is what team i's (j+1)-th extra tranche adds to its output value while it
    holds ``gpus[i]`` already, ironed so each row is non-negative and non-increasing (a bid
    book). For product teams the ironing looks ``lookahead`` tranches past the ``k`` it
    prices, so a team whose value only pays off once its capacity covers its demand sees
    that payoff even when it lies beyond the tranches it may bid for this week. Research
    output is concave in GPUs (Cobb–Douglas with b <= 1, or CES), so research rows need no
    look ahead and are only ironed over their ``k`` steps.

    Args:
        sit: The teams' situation.
        gpus: Tranches each team holds now.
        k: Tranches to value (columns).
        weeks: The lease a won tranche is held for.
        research: Research production parameters.
        product: Product serving parameters.
        valuation: The exchange rate of research output.
        lookahead: Extra tranches the ironing considers beyond ``k``.

    Returns:
        ``(n, k)`` values in credits.

    Raises:
        ValueError: If ``k`` or ``lookahead`` is not a whole number >= 0.
    """
    for name, number in (("k", k), ("lookahead", lookahead)):
        if isinstance(number, bool) or int(number) != number or number < 0:
            raise ValueError(f"{name} = {number!r} is not allowed; use a whole number >= 0")
    k, lookahead = int(k), int(lookahead)
    gpus = floats(gpus)
    rows_r, sit_r, rows_p, sit_p = sit.kinds
    out = np.empty((gpus.shape[0], k))
    if rows_r.size:
        grid = gpus[rows_r, None] + np.arange(k + 1, dtype=float)
        out[rows_r] = ironed_steps(_research_value(sit_r, grid, weeks, research, valuation))
    if rows_p.size:
        grid = gpus[rows_p, None] + np.arange(k + lookahead + 1, dtype=float)
        out[rows_p] = ironed_steps(_product_value(sit_p, grid, weeks, product))[:, :k]
    return out
