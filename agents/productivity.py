"""Compute → output: research production and product serving.

Pure, vectorised functions over arrays holding one entry per team (shape ``(n,)``).
Formulas and sources are in ``MODEL-REFERENCE.md`` §2 (and §11 for demand that
responds to service). GPU quantities are in tranches.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Field, PrivateAttr

from agents.schema import Params, WeekEvent, floats

__all__ = [
    "ProductParams",
    "ResearchParams",
    "demand_growth",
    "latency",
    "product_value",
    "research_output",
    "service_quality",
    "serving_capacity",
    "tiers_unlocked",
]

_RHO_EPS = 1e-9


class ResearchParams(Params):
    """Research output from people and GPUs (MODEL-REFERENCE §2).

    Cobb–Douglas ``R = tfp·L^alpha·G^beta`` or CES ``R = tfp·[θ·L^ρ + (1−θ)·G^ρ]^(1/ρ)``
    with ``ρ = 1 − 1/σ``; both then times the performance multiplier and (1 − burnout).
    """

    form: Literal["cobb_douglas", "ces"] = Field(
        "cobb_douglas", description="Production function: cobb_douglas or ces."
    )
    tfp: float = Field(1.0, gt=0, le=1e6, description="Total factor productivity A.")
    alpha_people: float = Field(
        0.5, ge=0, le=1, description="Cobb–Douglas output elasticity of people (a)."
    )
    beta_gpus: float = Field(
        0.3, ge=0, le=1, description="Cobb–Douglas output elasticity of GPU tranches (b)."
    )
    ces_theta: float = Field(0.5, ge=0, le=1, description="CES weight θ on people.")
    ces_sigma: float = Field(
        2.6,
        gt=0,
        le=50,
        description="CES elasticity of substitution σ (1 = Cobb–Douglas limit, < 1 "
        "complements, > 1 substitutes).",
    )


class ProductParams(Params):
    """Product serving: GPUs → capacity → latency → value; demand growth and paid tiers."""

    users_per_gpu: float = Field(
        0.001, gt=0, le=1e9, description="Serving capacity in demand units per GPU."
    )
    demand_per_person: float = Field(
        250.0,
        gt=0,
        le=1e5,
        description="Initial demand per product person, in GPUs' worth of serving load.",
    )
    service_time: float = Field(1.0, gt=0, le=1e3, description="Latency S at zero load.")
    latency_exponent: float = Field(
        0.7, ge=0.5, le=1.0, description="k in the latency curve T = S/(1−ρ)^k."
    )
    latency_tolerance: float = Field(
        10.0,
        gt=0,
        le=1e3,
        description="τ: value falls as exp(−T/τ) with latency T (in units of the unloaded "
        "latency S); 10 = serving at 90% utilisation keeps about 60% of the value.",
    )
    price_per_user: float = Field(
        40.0,
        gt=0,
        le=1e6,
        description="Credits per demand unit served per week at zero latency (product value "
        "is in credits; research output is converted at valuation.credits_per_output).",
    )
    served_value_exponent: float = Field(
        0.5,
        gt=0,
        le=1,
        description="γ: serving a share x of demand is worth x^γ of serving it all. Below 1 "
        "the first users served (the paying tiers) are worth more than the last (the free "
        "tier); 1 is linear in users served.",
    )
    demand_growth_weekly: float = Field(
        0.02,
        ge=0,
        le=0.5,
        description="Logistic growth rate of demand per week (0.02 ≈ 8–9% a month, "
        "ChatGPT's 2025 growth; MODEL-REFERENCE §2).",
    )
    demand_ceiling: float = Field(
        10.0, ge=1, le=1e6, description="Carrying capacity as a multiple of the initial demand."
    )
    churn_weekly: float = Field(
        0.02,
        ge=0,
        le=0.5,
        description="Share of demand lost per week at the worst service (quality 0); "
        "lost users come back only through growth (MODEL-REFERENCE §11).",
    )
    tier_sizes: tuple[Annotated[float, Field(ge=0, le=10)], ...] = Field(
        (0.3, 0.5, 0.8),
        description="Each paid tier's extra demand as a share of the demand when it opens, "
        "in opening order.",
    )
    tier_headroom: float = Field(
        0.15, ge=0, le=5, description="Spare capacity (share of demand) needed to open a tier."
    )
    max_utilisation: float = Field(
        0.9,
        ge=0.5,
        le=0.999,
        description="Admission control: load beyond this is turned away, not queued.",
    )
    demand_spikes: tuple[WeekEvent, ...] = Field(
        (), description="Launches: in `week`, demand jumps by `gpus` worth of serving load."
    )
    #: GPUs in a tranche (``supply.gpus_per_tranche``; the scenario sets it).
    _gpus_per_tranche: int = PrivateAttr(default=1000)

    @property
    def users_per_tranche(self) -> float:
        """Serving capacity in demand units per tranche (the unit the model holds)."""
        return self.users_per_gpu * self._gpus_per_tranche

    def users(self, gpus: float) -> float:
        """Demand units that ``gpus`` GPUs' worth of serving load stands for."""
        return gpus * self.users_per_gpu


# ------------------------------------------------------------------------- research


def research_output(
    people: np.ndarray,
    gpus: np.ndarray,
    multiplier: np.ndarray | float,
    burnout: np.ndarray | float,
    p: ResearchParams,
) -> np.ndarray:
    """Research output per step from people and GPUs, scaled by morale.

    - ``"cobb_douglas"``: ``A·L^a·G^b·m·(1−b_burnout)`` (decreasing returns for
      a + b < 1). A team with no GPUs or no people produces nothing, also when an
      exponent is 0 (research needs both).
    - ``"ces"``: ``A·[θ·L^ρ + (1−θ)·G^ρ]^(1/ρ)·m·(1−b_burnout)`` with ``ρ = 1 − 1/σ``.
      Near σ = 1 (|ρ| < 1e-9) the Cobb–Douglas limit ``A·L^θ·G^(1−θ)`` is used. With
      complements (ρ < 0) a missing input gives 0 output; with substitutes (ρ > 0) a
      team without GPUs still produces ``A·θ^(1/ρ)·L`` from its people alone.

    Args:
        people: Headcount L ≥ 0, shape (n,).
        gpus: GPU tranches G ≥ 0 held, shape (n,).
        multiplier: Performance multiplier m(s) (see ``emotion.performance_multiplier``).
        burnout: Burnout b ∈ [0, 1].
        p: Research production parameters.

    Returns:
        Output ≥ 0, shape (n,).
    """
    L = np.maximum(floats(people), 0.0)
    G = np.maximum(floats(gpus), 0.0)
    morale = floats(multiplier) * (1.0 - floats(burnout))
    if p.form == "cobb_douglas":
        base = _cobb_douglas(L, G, p.alpha_people, p.beta_gpus)
    elif p.form == "ces":
        base = _ces(L, G, p.ces_theta, 1.0 - 1.0 / p.ces_sigma)
    else:
        raise ValueError(
            f"ResearchParams.form = {p.form!r} is not allowed; choose 'cobb_douglas' or 'ces'"
        )
    return p.tfp * base * morale


def _cobb_douglas(L: np.ndarray, G: np.ndarray, a: float, b: float) -> np.ndarray:
    """L^a·G^b, and 0 wherever an input is 0."""
    return np.where((L > 0.0) & (G > 0.0), L**a * G**b, 0.0)


def _ces(L: np.ndarray, G: np.ndarray, theta: float, rho: float) -> np.ndarray:
    """[θ·L^ρ + (1−θ)·G^ρ]^(1/ρ) with its limits at ρ → 0 and at zero inputs."""
    if abs(rho) < _RHO_EPS:
        return np.where((L > 0.0) & (G > 0.0), L**theta * G ** (1.0 - theta), 0.0)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        inner = theta * L**rho + (1.0 - theta) * G**rho
        out = inner ** (1.0 / rho)
    if rho < 0.0:
        # A missing complement makes its term infinite and the output 0.
        out = np.where((L > 0.0) & (G > 0.0), out, 0.0)
    return np.nan_to_num(out, nan=0.0, posinf=0.0)


# -------------------------------------------------------------------------- product


def serving_capacity(gpus: np.ndarray | float, p: ProductParams) -> np.ndarray:
    """Serving capacity in demand units: ``gpus × users_per_tranche``.

    Args:
        gpus: GPU tranches held (negative counts as 0), shape (n,).
        p: Product parameters.

    Returns:
        Capacity ≥ 0, shape (n,).
    """
    return np.maximum(floats(gpus), 0.0) * p.users_per_tranche


def latency(
    demand: np.ndarray | float, capacity: np.ndarray | float, p: ProductParams
) -> np.ndarray:
    """Latency ``T = S / (1 − ρ)^k`` at utilisation ``ρ = min(demand/capacity, ρ_max)``.

    ``ρ_max`` is ``p.max_utilisation`` (admission control: load beyond it is turned
    away rather than queued, so latency stays bounded).

    Args:
        demand: Demand in demand units, shape (n,).
        capacity: Serving capacity in demand units, shape (n,).
        p: Product parameters (service_time S, latency_exponent k).

    Returns:
        Latency ≥ S, shape (n,); ``inf`` where the capacity is 0.
    """
    demand = np.maximum(floats(demand), 0.0)
    capacity = floats(capacity)
    has_capacity = capacity > 0.0
    with np.errstate(over="ignore"):
        rho = np.divide(
            demand, capacity, out=np.ones(np.broadcast(demand, capacity).shape), where=has_capacity
        )
    rho = np.minimum(rho, p.max_utilisation)
    T = p.service_time / (1.0 - rho) ** p.latency_exponent
    return np.where(has_capacity, T, np.inf)


def product_value(
    demand: np.ndarray | float, capacity: np.ndarray | float, p: ProductParams
) -> np.ndarray:
    """Value delivered per step: ``price · D · (served/D)^γ · exp(−T/τ)``.

    ``served = min(demand, capacity)``. With ``γ = p.served_value_exponent`` below 1 the
    first users served are worth more than the last (capacity goes to the paying tiers
    first, the free tier last), so value has diminishing returns in capacity like research
    output does; ``γ = 1`` is MODEL-REFERENCE §2's linear ``price · served · exp(−T/τ)``.
    Non-decreasing in capacity (more capacity serves more and lowers latency).

    Args:
        demand: Demand in demand units, shape (n,).
        capacity: Serving capacity in demand units, shape (n,).
        p: Product parameters (price_per_user, served_value_exponent, latency curve).

    Returns:
        Value ≥ 0, shape (n,); 0 where the capacity or the demand is 0.
    """
    demand = np.maximum(floats(demand), 0.0)
    capacity = np.maximum(floats(capacity), 0.0)
    served = np.minimum(demand, capacity)
    quality = np.exp(-latency(demand, capacity, p) / p.latency_tolerance)
    gamma = p.served_value_exponent
    if gamma == 1.0:
        return p.price_per_user * served * quality
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(demand > 0.0, served / demand, 0.0)
    return p.price_per_user * demand * share**gamma * quality


def service_quality(
    demand: np.ndarray | float, capacity: np.ndarray | float, p: ProductParams
) -> np.ndarray:
    """Service quality ``q = exp(−(T − S)/τ)`` from the latency at the given capacity.

    ``T`` is :func:`latency` (so ``T ≥ S``), ``S`` the latency at zero load
    (``p.service_time``) and ``τ`` the users' latency tolerance. Quality is 1 for an
    idle service and falls towards 0 as queues build; it is 0 where there is no
    capacity at all. It measures service relative to the best possible, which is what
    users react to (MODEL-REFERENCE §2 and §11: growth × exp(−T/τ)).

    Args:
        demand: Demand in demand units, shape (n,).
        capacity: Serving capacity in demand units, shape (n,).
        p: Product parameters (service_time S, latency_tolerance τ, latency curve).

    Returns:
        Quality in [0, 1], shape (n,); in (0, 1] where the capacity is positive.
    """
    excess = np.maximum(latency(demand, capacity, p) - p.service_time, 0.0)
    return np.exp(-excess / p.latency_tolerance)


def demand_growth(
    demand: np.ndarray | float,
    base_demand: np.ndarray | float,
    capacity: np.ndarray | float,
    p: ProductParams,
) -> np.ndarray:
    """One weekly step of demand that responds to service (MODEL-REFERENCE §2, §11).

    ``D ← D + g·D·max(0, 1 − D/K)·q − churn·(1 − q)·D`` with the service quality
    ``q = exp(−(T − S)/τ)`` of the current demand at the given capacity (see
    :func:`service_quality`): logistic growth (carrying capacity
    ``K = demand_ceiling × base_demand``) slowed by poor service, and churn of up to
    ``churn_weekly`` of the users per week as service worsens. With perfect service
    (q = 1) this is plain logistic growth and demand never falls; with no capacity
    (q = 0) demand only shrinks, by ``churn_weekly`` a week. Nothing remembers the users
    lost: once service recovers, demand comes back only at the logistic growth rate,
    never all at once. The growth rate follows ChatGPT's 2025 user growth (≈ 8–9% a
    month); users reacting to latency follows the exp(−T/τ) value curve of §2.

    Args:
        demand: Current demand ≥ 0, shape (n,).
        base_demand: Each team's reference (initial) demand > 0, shape (n,).
        capacity: Serving capacity this week in demand units (see
            :func:`serving_capacity`), shape (n,).
        p: Product parameters (demand_growth_weekly g, demand_ceiling, churn_weekly and
            the latency curve).

    Returns:
        The next step's demand ≥ 0, shape (n,).
    """
    demand = np.maximum(floats(demand), 0.0)
    q = service_quality(demand, capacity, p)
    ceiling = p.demand_ceiling * floats(base_demand)
    room = np.divide(
        demand, ceiling, out=np.ones(np.broadcast(demand, ceiling).shape), where=ceiling > 0.0
    )
    growth = p.demand_growth_weekly * demand * np.maximum(0.0, 1.0 - room) * q
    churn = p.churn_weekly * (1.0 - q) * demand
    return demand + growth - churn


def tiers_unlocked(
    capacity: np.ndarray | float,
    demand: np.ndarray | float,
    tiers_open: np.ndarray | int,
    p: ProductParams,
) -> tuple[np.ndarray, np.ndarray]:
    """Open the next paid tier where there is spare capacity; at most one per step.

    Tier number ``tiers_open`` (0-based: the next one) opens only when
    ``capacity ≥ demand·(1 + tier_headroom)`` and not every tier is open yet. Opening
    it multiplies the team's demand by ``1 + tier_sizes[tiers_open]``.

    Args:
        capacity: Serving capacity in demand units, shape (n,).
        demand: Current demand, shape (n,).
        tiers_open: Number of tiers already open per team, integers ≥ 0, shape (n,).
        p: Product parameters (tier_sizes, tier_headroom).

    Returns:
        ``(tiers_open, new_demand)``: the updated tier count (int64) and demand, (n,).
    """
    capacity = floats(capacity)
    demand = floats(demand)
    opened = np.asarray(tiers_open).astype(np.int64)
    sizes = np.asarray((*p.tier_sizes, 0.0), dtype=float)
    n_tiers = len(p.tier_sizes)
    can_open = (opened < n_tiers) & (capacity >= demand * (1.0 + p.tier_headroom))
    next_size = sizes[np.clip(opened, 0, n_tiers)]
    new_demand = np.where(can_open, demand * (1.0 + next_size), demand)
    return opened + can_open, new_demand
