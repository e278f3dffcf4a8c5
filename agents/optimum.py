"""The welfare optimum of a week: the most output value the usable tranches could buy.

The yardstick of allocative efficiency: every team's value curve (from
:mod:`agents.valuation`) is ironed and the best steps are shared greedily.
"""

from __future__ import annotations

import numpy as np

from agents.productivity import ProductParams, ResearchParams
from agents.valuation import Situation, ValuationParams, ironed_steps, value

__all__ = ["OPTIMUM_MAX_POINTS", "OPTIMUM_SLACK", "welfare_optimum"]

#: :func:`welfare_optimum` first follows each curve this many tranches past twice the fair share.
OPTIMUM_SLACK = 4
#: :func:`welfare_optimum` values each curve at most at this many points; longer curves are
#: valued in blocks of tranches (ironing costs points², so an enormous fleet cannot blow up).
OPTIMUM_MAX_POINTS = 1024


def welfare_optimum(
    sit: Situation,
    usable: float,
    research: ResearchParams,
    product: ProductParams,
    valuation: ValuationParams,
    *,
    horizon_units: int,
) -> float:
    """The most output value this week's usable tranches could buy, shared optimally.

    Greedy on the ironed steps of every team's value curve from zero: the ``floor(usable)``
    best steps win (a concave relaxation, so this is never below the best whole-tranche
    split). Curves are first followed to about twice the fair share of the usable
    tranches; a team whose every evaluated step would win is followed twice as far, and
    so on up to ``horizon_units`` tranches (a team the optimum would give more is valued
    at that many). Beyond :data:`OPTIMUM_MAX_POINTS` tranches a curve is valued in equal
    blocks of tranches (the steps of the ironed block curve, shared greedily by the block
    and pro rata for a last part block), so memory and time stay bounded however large
    the fleet grows; below it the result is exact as described.

    Args:
        sit: The teams' situation.
        usable: Online tranches to share.
        research: Research production parameters.
        product: Product serving parameters.
        valuation: The exchange rate of research output.
        horizon_units: Longest holding to evaluate per team.

    Returns:
        The optimal output value this week, in credits.
    """
    n = sit.research.shape[0]
    units = int(np.floor(usable + 1e-9))
    if n == 0:
        return 0.0
    if units <= 0:  # what the teams produce with no GPUs at all (people alone, CES σ > 1)
        return float(value(sit, np.zeros(n), 1.0, research, product, valuation).sum())
    base = 0.0  # what the teams produce with no GPUs, read off the first curves
    cap_units = max(1, min(units, int(horizon_units)))
    # Curves longer than OPTIMUM_MAX_POINTS are followed in blocks of `block` tranches: a
    # step is then a block's value, and `units` tranches buy units / block blocks.
    block = max(1, -(-cap_units // OPTIMUM_MAX_POINTS))
    cap = -(-cap_units // block)
    budget = units / block  # blocks the usable tranches buy (whole ones, then a fraction)
    whole = int(np.floor(budget + 1e-9))
    frac = budget - whole if block > 1 else 0.0
    steps = np.zeros((n, cap))
    reach = np.zeros(n, dtype=np.int64)  # how far each row's curve has been followed
    grow = np.arange(n)
    h = min(cap, -(-(int(np.ceil(2.0 * units / n)) + OPTIMUM_SLACK) // block))
    while True:
        grid = np.broadcast_to(np.arange(h + 1, dtype=float) * block, (grow.size, h + 1))
        part = sit if grow.size == n else sit.rows(grow)
        curve = value(part, grid, 1.0, research, product, valuation)
        if grow.size == n:
            base = float(curve[:, 0].sum())
        steps[grow, :h] = ironed_steps(curve)
        reach[grow] = h
        flat = steps[:, : reach.max()].ravel()  # steps not yet followed are 0: leave them out
        if whole >= flat.size:
            threshold, best = 0.0, float(flat.sum())
        else:
            ranked = np.partition(flat, flat.size - whole - 1 if frac else flat.size - whole)
            top = ranked[flat.size - whole :] if whole else ranked[:0]
            threshold = ranked[flat.size - whole] if whole else ranked[-1]
            best = float(top.sum())
            if frac:  # part of the best block left over
                nxt = ranked[flat.size - whole - 1]
                best += frac * float(nxt)
                threshold = nxt
        last = steps[np.arange(n), reach - 1]
        grow = np.flatnonzero((reach < cap) & (last > 0.0) & (last >= threshold))
        if grow.size == 0:
            return base + best
        h = min(cap, 2 * h)
