"""Parameters of the behaviour models: frozen, validated dataclasses.

Each dataclass maps one-to-one onto a section of the scenario file; the defaults are
the [D] values of ``MODEL-REFERENCE.md`` (game defaults, not calibrated facts). Every
field is checked in ``__post_init__``; a bad value raises ``ValueError`` naming the
field, the value and the allowed range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BiddingParams",
    "BurnoutParams",
    "ContagionParams",
    "PerformanceParams",
    "ProductParams",
    "ResearchParams",
    "StressParams",
]


def _number(obj: object, field: str, value: Any) -> float:
    """Return ``value`` as a finite float or raise a one-line ``ValueError``."""
    owner = type(obj).__name__
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{owner}.{field} = {value!r} is not a number; a finite number is allowed")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{owner}.{field} = {value!r} is not finite; a finite number is allowed")
    return number


def _check(
    obj: object,
    field: str,
    lo: float,
    hi: float = math.inf,
    *,
    lo_open: bool = False,
    hi_open: bool = False,
) -> None:
    """Check that ``obj.field`` lies in the interval [lo, hi] (ends open if asked)."""
    value = getattr(obj, field)
    number = _number(obj, field, value)
    too_low = number <= lo if lo_open else number < lo
    too_high = number >= hi if hi_open else number > hi
    if too_low or too_high:
        left = "(" if lo_open else "["
        right = ")" if hi_open or math.isinf(hi) else "]"
        high = "inf" if math.isinf(hi) else f"{hi:g}"
        raise ValueError(
            f"{type(obj).__name__}.{field} = {value!r} is out of range; "
            f"allowed {left}{lo:g}, {high}{right}"
        )


def _check_choice(obj: object, field: str, choices: tuple[str, ...]) -> None:
    """Check that ``obj.field`` is one of ``choices``."""
    value = getattr(obj, field)
    if value not in choices:
        raise ValueError(
            f"{type(obj).__name__}.{field} = {value!r} is not allowed; "
            f"choose one of {', '.join(repr(c) for c in choices)}"
        )


@dataclass(frozen=True, slots=True)
class StressParams:
    """Coefficients of the weekly stress update (job demands–resources view).

    ``s ← clip01(s + dt·[k_d·d + k_u·u + k_L·L + k_e·e + k_reclaim·r − k_r·s·(1−d)] + C)``.

    Attributes:
        k_deficit: stress added per unit of compute deficit d ∈ [0, 1]; allowed [0, 1].
        k_urgency: stress added per unit of deadline urgency u ∈ [0, 1]; allowed [0, 1].
        k_lost: stress added when the team lost this round's auction; allowed [0, 1].
        k_envy: stress added per unit of normalised envy e ∈ [0, 1]; allowed [0, 1].
        k_recovery: recovery rate k_r, applied as −k_r·s·(1−d); allowed [0, 1].
        k_reclaim: shock when the reallocation group takes GPUs back; allowed [0, 1].
        dt: length of one step in weeks, multiplies every term; allowed (0, 52].
    """

    k_deficit: float = 0.2
    k_urgency: float = 0.1
    k_lost: float = 0.1
    k_envy: float = 0.05
    k_recovery: float = 0.12
    k_reclaim: float = 0.15
    dt: float = 1.0

    def __post_init__(self) -> None:
        """Validate every field."""
        for name in ("k_deficit", "k_urgency", "k_lost", "k_envy", "k_recovery", "k_reclaim"):
            _check(self, name, 0.0, 1.0)
        _check(self, "dt", 0.0, 52.0, lo_open=True)


@dataclass(frozen=True, slots=True)
class PerformanceParams:
    """Performance under pressure: Yerkes–Dodson inverted U or a monotone decline.

    Attributes:
        form: "inverted_u" (peak at a moderate stress) or "monotone" (calm is best).
        research_peak: stress s* at which research teams perform best; allowed [0, 1].
        research_width: width w of the research inverted U; allowed (0, 1].
        product_peak: stress s* at which product teams perform best; allowed [0, 1].
        product_width: width w of the product inverted U; allowed (0, 1].
        m_min: the multiplier's floor, reached far from the peak; allowed [0, 1].
    """

    form: str = "inverted_u"
    research_peak: float = 0.35
    research_width: float = 0.2
    product_peak: float = 0.55
    product_width: float = 0.3
    m_min: float = 0.1

    def __post_init__(self) -> None:
        """Validate every field."""
        _check_choice(self, "form", ("inverted_u", "monotone"))
        _check(self, "research_peak", 0.0, 1.0)
        _check(self, "research_width", 0.0, 1.0, lo_open=True)
        _check(self, "product_peak", 0.0, 1.0)
        _check(self, "product_width", 0.0, 1.0, lo_open=True)
        _check(self, "m_min", 0.0, 1.0)


@dataclass(frozen=True, slots=True)
class BurnoutParams:
    """Burnout dynamics (after Homer 1985) and the attrition hazard.

    ``b ← clip01(b + dt·[build·max(0, s − threshold) − heal·b·(1 − s)])``; monthly hazard
    ``h = attrition_base_monthly·exp(kappa_burnout·b + kappa_envy·e)``.

    Attributes:
        threshold: stress above which burnout builds (θ_b); allowed [0, 1].
        build: burnout build rate a_b per unit of stress above the threshold; allowed [0, 1].
        heal: burnout healing rate r_b, applied as −r_b·b·(1 − s); allowed [0, 1].
        attrition_base_monthly: base monthly leaving probability h0; allowed [0, 1].
        kappa_burnout: log-hazard increase per unit of burnout (ln 3 triples it at b = 1);
            allowed [0, 10].
        kappa_envy: log-hazard increase per unit of normalised envy; allowed [0, 10].
    """

    threshold: float = 0.65
    build: float = 0.05
    heal: float = 0.03
    attrition_base_monthly: float = 0.01
    kappa_burnout: float = math.log(3.0)
    kappa_envy: float = 0.5

    def __post_init__(self) -> None:
        """Validate every field."""
        for name in ("threshold", "build", "heal", "attrition_base_monthly"):
            _check(self, name, 0.0, 1.0)
        _check(self, "kappa_burnout", 0.0, 10.0)
        _check(self, "kappa_envy", 0.0, 10.0)


@dataclass(frozen=True, slots=True)
class ContagionParams:
    """Emotional contagion over the org network.

    Attributes:
        model: "bosse_treur" (ASCRIBE, continuous), "sisa" (Hill et al. 2010, stochastic
            jumps) or "none".
        expressiveness: sender expressiveness ε_S (Bosse–Treur); allowed [0, 1].
        openness: receiver openness δ_R (Bosse–Treur); allowed [0, 1].
        amplification: η, the weight of amplification vs absorption; allowed [0, 1].
        upward_bias: β, the bias towards amplifying upwards (more stress); allowed [0, 1].
        rate: speed factor ψ of the Bosse–Treur update per step; allowed [0, 1].
        sisa_spontaneous: SISa spontaneous stress rate a per step; allowed [0, 1].
        sisa_per_neighbour: SISa transmission rate β per stressed neighbour; allowed [0, 1].
        sisa_recovery: SISa probability g that a stressed team calms per step; allowed [0, 1].
        sisa_jump: stress added (or removed) by one SISa transition; allowed [0, 1].
    """

    model: str = "bosse_treur"
    expressiveness: float = 0.5
    openness: float = 0.5
    amplification: float = 0.5
    upward_bias: float = 0.6
    rate: float = 0.3
    sisa_spontaneous: float = 0.02
    sisa_per_neighbour: float = 0.05
    sisa_recovery: float = 0.1
    sisa_jump: float = 0.1

    def __post_init__(self) -> None:
        """Validate every field."""
        _check_choice(self, "model", ("bosse_treur", "sisa", "none"))
        for name in (
            "expressiveness",
            "openness",
            "amplification",
            "upward_bias",
            "rate",
            "sisa_spontaneous",
            "sisa_per_neighbour",
            "sisa_recovery",
            "sisa_jump",
        ):
            _check(self, name, 0.0, 1.0)


@dataclass(frozen=True, slots=True)
class ResearchParams:
    """Research output from people and GPUs.

    Cobb–Douglas ``R = tfp·L^alpha·G^beta`` or CES
    ``R = tfp·[θ·L^ρ + (1−θ)·G^ρ]^(1/ρ)`` with ``ρ = 1 − 1/σ``; both then times the
    performance multiplier and (1 − burnout).

    Attributes:
        form: "cobb_douglas" or "ces".
        tfp: total factor productivity A; allowed [0, inf).
        alpha_people: Cobb–Douglas exponent on people a; allowed [0, 1].
        beta_gpus: Cobb–Douglas exponent on GPU tranches b; allowed [0, 1].
        ces_theta: CES weight θ on people; allowed [0, 1].
        ces_sigma: CES elasticity of substitution σ (1 = Cobb–Douglas limit, < 1
            complements, > 1 substitutes); allowed (0, 100].
    """

    form: str = "cobb_douglas"
    tfp: float = 1.0
    alpha_people: float = 0.5
    beta_gpus: float = 0.3
    ces_theta: float = 0.5
    ces_sigma: float = 2.6

    def __post_init__(self) -> None:
        """Validate every field."""
        _check_choice(self, "form", ("cobb_douglas", "ces"))
        _check(self, "tfp", 0.0)
        _check(self, "alpha_people", 0.0, 1.0)
        _check(self, "beta_gpus", 0.0, 1.0)
        _check(self, "ces_theta", 0.0, 1.0)
        _check(self, "ces_sigma", 0.0, 100.0, lo_open=True)


@dataclass(frozen=True, slots=True)
class ProductParams:
    """Product serving: GPUs → capacity → latency → value, demand growth and tiers.

    Attributes:
        users_per_tranche: serving capacity in demand units per GPU tranche; allowed (0, inf).
        service_time: latency S at zero load; allowed (0, inf).
        latency_exponent: k in ``T = S/(1−ρ)^k``; allowed [0.5, 1].
        latency_tolerance: τ in ``exp(−T/τ)``, how much latency users tolerate;
            allowed (0, inf).
        price_per_user: value per demand unit served at zero latency; allowed [0, inf).
        demand_growth_weekly: logistic growth rate of demand per week; allowed [0, 1].
        demand_ceiling: logistic carrying capacity as a multiple of the base demand;
            allowed [1, inf).
        tier_sizes: each paid tier's demand as a fraction of the demand at opening, in
            opening order; each allowed [0, 10].
        tier_headroom: spare capacity (fraction of demand) needed before the next tier
            opens; allowed [0, 10].
        max_utilisation: admission control: load beyond this is turned away rather than
            queued, so latency stays bounded; allowed [0.5, 0.999].
    """

    users_per_tranche: float = 1.0
    service_time: float = 1.0
    latency_exponent: float = 0.7
    latency_tolerance: float = 4.0
    price_per_user: float = 1.0
    demand_growth_weekly: float = 0.02
    demand_ceiling: float = 10.0
    tier_sizes: tuple[float, ...] = (0.3, 0.5, 0.8)
    tier_headroom: float = 0.15
    max_utilisation: float = 0.9

    def __post_init__(self) -> None:
        """Validate every field (``tier_sizes`` may be given as any sequence)."""
        _check(self, "max_utilisation", 0.5, 0.999)
        _check(self, "users_per_tranche", 0.0, lo_open=True)
        _check(self, "service_time", 0.0, lo_open=True)
        _check(self, "latency_exponent", 0.5, 1.0)
        _check(self, "latency_tolerance", 0.0, lo_open=True)
        _check(self, "price_per_user", 0.0)
        _check(self, "demand_growth_weekly", 0.0, 1.0)
        _check(self, "demand_ceiling", 1.0)
        _check(self, "tier_headroom", 0.0, 10.0)
        sizes = self.tier_sizes
        if isinstance(sizes, str | bytes) or not hasattr(sizes, "__iter__"):
            raise ValueError(
                f"ProductParams.tier_sizes = {sizes!r} is not a sequence; "
                "a list of numbers in [0, 10] is allowed"
            )
        sizes = tuple(sizes)
        for size in sizes:
            number = _number(self, "tier_sizes", size)
            if not 0.0 <= number <= 10.0:
                raise ValueError(
                    f"ProductParams.tier_sizes contains {size!r}; each size must be in [0, 10]"
                )
        object.__setattr__(self, "tier_sizes", tuple(float(s) for s in sizes))


@dataclass(frozen=True, slots=True)
class BiddingParams:
    """Knobs shared by the bidding strategies.

    Attributes:
        shade: bid-shading factor; None means (n−1)/n for n bidders (the first-price
            equilibrium with uniform values), a number forces that factor; allowed
            None or [0, 1].
        fever: auction-fever strength, bids scale by (1 + fever·stress·(1 + lost_last));
            allowed [0, 10].
        joy_of_winning: bonus w added to every positive bid (Ku et al. 2005);
            allowed [0, inf).
        pace_smoothing: λ, how much of the budget pacer's correction is held back each
            week (0 = full correction, 1 = never pace); allowed [0, 1].
    """

    shade: float | None = None
    fever: float = 0.5
    joy_of_winning: float = 0.0
    pace_smoothing: float = 0.5

    def __post_init__(self) -> None:
        """Validate every field."""
        if self.shade is not None:
            _check(self, "shade", 0.0, 1.0)
        _check(self, "fever", 0.0, 10.0)
        _check(self, "joy_of_winning", 0.0)
        _check(self, "pace_smoothing", 0.0, 1.0)
