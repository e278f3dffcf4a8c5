"""Valuations: what the next GPU tranches are worth to each team.

A team's valuation is a decreasing marginal-value curve over tranches: the first
extra tranche is worth ``scale`` and each further one less, reaching 0 at the
team's need. :func:`research_scale` and :func:`product_scale` turn a team's
situation into that ``scale``; :func:`marginal_values` turns scale and need into
the ``(n, k)`` value book that strategies bid from. Everything is vectorised over
teams.
"""

from __future__ import annotations

import functools

import numpy as np
from pydantic import Field

from agents.productivity import (
    ProductParams,
    ResearchParams,
    product_value,
    research_output,
    serving_capacity,
)
from agents.schema import Params, floats

__all__ = [
    "ValuationParams",
    "marginal_values",
    "product_scale",
    "research_scale",
    "with_extra_experiments",
]

_MIN_NEED = 1e-9


class ValuationParams(Params):
    """How teams value tranches (credits per tranche at full urgency)."""

    research_value: float = Field(
        150.0, gt=0, le=1e9, description="Value of a needed tranche to research."
    )
    product_value: float = Field(
        100.0, gt=0, le=1e9, description="Value of a needed tranche to product."
    )
    curvature: float = Field(1.5, ge=0.1, le=10, description="How fast marginal value falls.")
    extra_value_share: float = Field(
        0.1,
        ge=0,
        le=1,
        description="Value of a tranche beyond the need (one more experiment), as a share.",
    )


def marginal_values(
    need: np.ndarray | float,
    scale: np.ndarray | float,
    k: int,
    curvature: float = 1.5,
) -> np.ndarray:
    """Marginal value of each of the next ``k`` tranches, per team.

    ``v[i, j] = scale_i · (1 − j/need_i)^curvature`` for ``j < need_i`` (j = 0 is the
    first extra tranche, worth exactly ``scale_i``) and 0 from ``j ≥ need_i`` on, so a
    team with need 0 values nothing. ``need`` may be fractional; ``max(need, 1e-9)``
    guards the division. Rows are non-negative and non-increasing. Curvature > 1 makes
    the value fall fast at first and flatten near the need (saturation), curvature 1
    is linear, curvature < 1 keeps it high until close to the need.

    Args:
        need: Tranches still needed per team, ≥ 0, shape (n,).
        scale: Value of the first extra tranche per team, ≥ 0, shape (n,) or scalar.
        k: Number of tranches (columns) to value, ≥ 0.
        curvature: Exponent of the decline, ≥ 0.

    Returns:
        Values of shape (n, k), non-negative and non-increasing along each row.

    Raises:
        ValueError: If ``k`` or ``curvature`` is negative, or a need or scale is
            negative.
    """
    if isinstance(k, bool) or int(k) != k or k < 0:
        raise ValueError(f"k = {k!r} is not allowed; use a whole number >= 0")
    if not (0.0 <= curvature < np.inf):
        raise ValueError(f"curvature = {curvature!r} is out of range; allowed [0, inf)")
    need = floats(need)
    if need.ndim == 0:
        need = need.reshape(1)
    scale = floats(scale)
    if scale.shape != need.shape:
        scale = np.broadcast_to(scale, need.shape)
    if need.size and (np.minimum.reduce(need) < 0.0 or np.minimum.reduce(scale) < 0.0):
        what = "need" if np.minimum.reduce(need) < 0.0 else "scale"
        raise ValueError(f"{what} contains negative values; use values >= 0")
    j = _columns(int(k))
    column = need[:, None]
    remaining = 1.0 - j / np.maximum(column, _MIN_NEED)
    np.maximum(remaining, 0.0, out=remaining)
    # Common exponents without the general (and much slower) power function.
    if curvature == 1.5:
        shaped = remaining * np.sqrt(remaining)
    elif curvature == 1.0:
        shaped = remaining
    elif curvature == 2.0:
        shaped = remaining * remaining
    else:
        shaped = remaining**curvature
    values = scale[:, None] * shaped
    return np.where(j < column, values, 0.0)


@functools.lru_cache(maxsize=64)
def _columns(k: int) -> np.ndarray:
    """``0, 1, ..., k-1`` as a read-only float row (shared: it never changes)."""
    j = np.arange(k, dtype=float)
    j.flags.writeable = False
    return j


@functools.lru_cache(maxsize=64)
def _decay(k: int, decay: float) -> np.ndarray:
    """``decay**j`` for ``j = 0..k-1``, read-only and shared."""
    out = decay ** _columns(k)
    out.flags.writeable = False
    return out


def research_scale(
    people: np.ndarray,
    gpus: np.ndarray,
    multiplier: np.ndarray | float,
    burnout: np.ndarray | float,
    urgency: np.ndarray | float,
    p: ResearchParams,
    *,
    phase_weight: np.ndarray | float = 1.0,
    value_per_output: float = 1.0,
    tranche: float = 1.0,
) -> np.ndarray:
    """Value of the first extra tranche to a research team.

    ``scale = value_per_output · [R(G + tranche) − R(G)] / tranche · (1 + u) · phase_weight``
    where R is :func:`agents.productivity.research_output` at the team's people,
    morale and burnout. Deadline urgency u ∈ [0, 1] can at most double the value;
    ``phase_weight`` lets the project lifecycle weight it (e.g. 1 while running, less
    while winding down, 0 when finished). Increasing in urgency and phase weight.

    Args:
        people: Headcount, shape (n,).
        gpus: Tranches held now, shape (n,).
        multiplier: Performance multiplier m(s).
        burnout: Burnout b ∈ [0, 1].
        urgency: Deadline urgency u ∈ [0, 1] (``emotion.deadline_urgency``).
        p: Research production parameters.
        phase_weight: Lifecycle weight ≥ 0, scalar or (n,).
        value_per_output: Credits per unit of research output.
        tranche: Size of one tranche in the units of ``gpus``.

    Returns:
        Scale ≥ 0, shape (n,).
    """
    gpus = floats(gpus)
    gain = research_output(people, gpus + tranche, multiplier, burnout, p) - research_output(
        people, gpus, multiplier, burnout, p
    )
    weight = (1.0 + floats(urgency)) * floats(phase_weight)
    return np.maximum(value_per_output * gain / tranche * weight, 0.0)


def product_scale(
    demand: np.ndarray,
    gpus: np.ndarray,
    p: ProductParams,
    *,
    weight: np.ndarray | float = 1.0,
    horizon: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Value per extra tranche to a product team.

    ``scale = weight · [V(D, C(G + h)) − V(D, C(G))] / h`` with V
    :func:`agents.productivity.product_value`, C
    :func:`agents.productivity.serving_capacity` and ``h = horizon`` tranches: the
    extra value from serving more users at lower latency, averaged over the next h
    tranches. Product value is S-shaped in capacity (almost nothing while demand
    swamps capacity, then a steep gain as latency falls), so the first tranche alone
    can look worthless to a badly short team; pass ``horizon = need`` to value the
    whole shortfall. Non-negative because V does not fall with capacity.

    Args:
        demand: Current demand, shape (n,).
        gpus: Tranches held now, shape (n,).
        p: Product parameters.
        weight: Extra weight ≥ 0 (e.g. a strategic priority), scalar or (n,).
        horizon: Tranches h > 0 to average the gain over, scalar or (n,).

    Returns:
        Scale ≥ 0, shape (n,).
    """
    gpus = floats(gpus)
    horizon = floats(horizon)
    if horizon.size and horizon.min() <= 0.0:
        raise ValueError("horizon contains values <= 0; use a number of tranches > 0")
    now = product_value(demand, serving_capacity(gpus, p), p)
    more = product_value(demand, serving_capacity(gpus + horizon, p), p)
    return np.maximum((more - now) / horizon * floats(weight), 0.0)


def with_extra_experiments(
    values: np.ndarray, scale: np.ndarray | float, share: float, decay: float = 0.85
) -> np.ndarray:
    """Add the value of compute beyond the need: "infinite demand within the walls".

    Every team can always run one more experiment or serve one more user, so beyond
    its need a tranche keeps a small value: ``share · scale · decay^j`` for the
    (j+1)-th extra tranche. The result is the elementwise maximum of the two curves,
    so rows stay non-negative and non-increasing.

    Args:
        values: ``(n, k)`` marginal values from :func:`marginal_values`.
        scale: Value of the first extra tranche per team, shape (n,) or scalar.
        share: Value of the first tranche beyond the need, as a share of ``scale``, in [0, 1].
        decay: Factor by which each further extra tranche is worth less, in (0, 1].

    Raises:
        ValueError: If ``share`` or ``decay`` is out of range.
    """
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"share = {share!r} is out of range; allowed [0, 1]")
    if not 0.0 < decay <= 1.0:
        raise ValueError(f"decay = {decay!r} is out of range; allowed (0, 1]")
    values = floats(values)
    if share == 0.0 or values.size == 0:
        return values
    tail = share * np.asarray(scale, dtype=float).reshape(-1, 1) * _decay(values.shape[1], decay)
    return np.maximum(values, tail)
