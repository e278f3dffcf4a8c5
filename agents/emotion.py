"""Emotional pressure: stress, performance, burnout, attrition, envy and contagion.

Pure, vectorised functions over arrays holding one entry per team (shape ``(n,)``).
Nothing here keeps state or draws random numbers except through an explicit
``rng: numpy.random.Generator`` argument. Formulas and sources are in
``MODEL-REFERENCE.md`` §1.

One weekly pressure phase, for all teams at once::

    terms = stress_terms(s, deficit, urgency, lost, envy, reclaimed, stress_params)
    s = stress_update(s, terms, contagion(s, W, contagion_params, rng))
    b = burnout_update(b, s, burnout_params)
    leavers = attrition(headcount, attrition_probability_weekly(b, envy, burnout_params), rng)
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from agents.params import BurnoutParams, ContagionParams, PerformanceParams, StressParams

__all__ = [
    "STRESS_TERMS",
    "attrition",
    "attrition_probability_weekly",
    "burnout_update",
    "clip01",
    "compute_deficit",
    "contagion",
    "contagion_bosse_treur",
    "contagion_sisa",
    "deadline_urgency",
    "normalised_envy",
    "performance_multiplier",
    "stress_terms",
    "stress_update",
    "team_performance",
]

#: Keys of the dict returned by :func:`stress_terms`, in display order.
STRESS_TERMS: tuple[str, ...] = (
    "deficit",
    "urgency",
    "lost_auction",
    "envy",
    "reclaim",
    "recovery",
)

_WEEKS_PER_MONTH = 52.0 / 12.0


def _floats(x: np.ndarray | float) -> np.ndarray:
    """Return ``x`` as a float array (no copy when it already is one)."""
    return np.asarray(x, dtype=float)


def clip01(x: np.ndarray | float) -> np.ndarray:
    """Clip values to the unit interval [0, 1].

    Args:
        x: Values of any shape.

    Returns:
        A new float array with every value in [0, 1].
    """
    return np.clip(_floats(x), 0.0, 1.0)


# --------------------------------------------------------------------------- stress


def deadline_urgency(elapsed: np.ndarray | float, deadline: np.ndarray | float) -> np.ndarray:
    """Deadline urgency u = clip01(elapsed / deadline)².

    Args:
        elapsed: Weeks elapsed on the project, shape (n,).
        deadline: Weeks allowed; ``<= 0`` or ``inf`` means "no deadline" (urgency 0).

    Returns:
        Urgency in [0, 1], shape (n,); 1 once the deadline is reached or passed.
    """
    elapsed = _floats(elapsed)
    deadline = _floats(deadline)
    has_deadline = (deadline > 0.0) & np.isfinite(deadline)
    with np.errstate(over="ignore"):
        ratio = np.divide(
            elapsed,
            deadline,
            out=np.zeros(np.broadcast(elapsed, deadline).shape),
            where=has_deadline,
        )
    return clip01(ratio) ** 2


def compute_deficit(held: np.ndarray | float, needed: np.ndarray | float) -> np.ndarray:
    """Compute deficit d = max(0, 1 − held / needed), clipped to [0, 1].

    Args:
        held: GPU tranches the team holds, shape (n,).
        needed: GPU tranches the team needs; ``<= 0`` means no need (deficit 0).

    Returns:
        Deficit in [0, 1], shape (n,): 0 when the need is met, 1 when nothing is held.
    """
    held = _floats(held)
    needed = _floats(needed)
    with np.errstate(over="ignore"):
        ratio = np.divide(
            held, needed, out=np.ones(np.broadcast(held, needed).shape), where=needed > 0.0
        )
    return clip01(1.0 - ratio)


def stress_terms(
    stress: np.ndarray,
    deficit: np.ndarray,
    urgency: np.ndarray,
    lost: np.ndarray,
    envy: np.ndarray,
    reclaimed: np.ndarray,
    p: StressParams,
) -> dict[str, np.ndarray]:
    """The separate contributions to this step's stress change, each times ``dt``.

    Returning the terms (rather than only their sum) lets the app explain why a team
    is stressed.

    Args:
        stress: Current stress s ∈ [0, 1], shape (n,).
        deficit: Compute deficit d ∈ [0, 1] (see :func:`compute_deficit`).
        urgency: Deadline urgency u ∈ [0, 1] (see :func:`deadline_urgency`).
        lost: Whether the team lost this round's auction (bool or 0/1).
        envy: Normalised envy e ∈ [0, 1] (see :func:`normalised_envy`).
        reclaimed: Reclaim shock: 1/True when the reallocation group took GPUs back
            this step, or the fraction of the team's GPUs taken (in [0, 1]).
        p: Stress coefficients.

    Returns:
        Dict with keys ``STRESS_TERMS``: "deficit" k_d·d, "urgency" k_u·u,
        "lost_auction" k_L·L, "envy" k_e·e, "reclaim" k_reclaim·r and "recovery"
        −k_r·s·(1−d) (never positive), each multiplied by ``p.dt``, shape (n,).
    """
    stress = _floats(stress)
    deficit = _floats(deficit)
    dt = p.dt
    return {
        "deficit": (p.k_deficit * dt) * deficit,
        "urgency": (p.k_urgency * dt) * _floats(urgency),
        "lost_auction": (p.k_lost * dt) * _floats(lost),
        "envy": (p.k_envy * dt) * _floats(envy),
        "reclaim": (p.k_reclaim * dt) * _floats(reclaimed),
        "recovery": (-p.k_recovery * dt) * stress * (1.0 - deficit),
    }


def stress_update(
    stress: np.ndarray,
    terms: dict[str, np.ndarray],
    contagion: np.ndarray | float = 0.0,
) -> np.ndarray:
    """New stress s ← clip01(s + Σ terms + C).

    Args:
        stress: Current stress, shape (n,).
        terms: The dict returned by :func:`stress_terms`.
        contagion: Contagion change C from network neighbours (see :func:`contagion`).

    Returns:
        The new stress in [0, 1], shape (n,).
    """
    total = _floats(stress) + _floats(contagion)
    for value in terms.values():
        total = total + value
    return clip01(total)


# ---------------------------------------------------------------------- performance


def performance_multiplier(
    stress: np.ndarray,
    peak: np.ndarray | float,
    width: np.ndarray | float,
    m_min: float,
    form: str = "inverted_u",
) -> np.ndarray:
    """Output multiplier m(s) ∈ [m_min, 1] for a given stress.

    ``"inverted_u"`` is Yerkes–Dodson: ``m = m_min + (1−m_min)·exp(−(s−s*)²/(2w²))``,
    equal to 1 at the peak s* and falling on both sides. ``"monotone"`` is the
    contested alternative where any stress hurts: ``m = m_min + (1−m_min)·(1−s)``, equal
    to 1 at s = 0 and m_min at s = 1 (``peak`` and ``width`` are ignored).

    Args:
        stress: Stress s ∈ [0, 1], shape (n,).
        peak: Stress s* of best performance, scalar or per team (n,).
        width: Width w > 0 of the inverted U, scalar or per team (n,).
        m_min: Floor of the multiplier, in [0, 1].
        form: "inverted_u" or "monotone".

    Returns:
        The multiplier, shape (n,).

    Raises:
        ValueError: If ``form`` is unknown.
    """
    stress = _floats(stress)
    if form == "inverted_u":
        width = _floats(width)
        shape = np.exp(-((stress - peak) ** 2) / (2.0 * width * width))
    elif form == "monotone":
        shape = 1.0 - clip01(stress)
    else:
        raise ValueError(f"form = {form!r} is not allowed; choose 'inverted_u' or 'monotone'")
    return m_min + (1.0 - m_min) * shape


def team_performance(
    stress: np.ndarray, is_research: np.ndarray | bool, p: PerformanceParams
) -> np.ndarray:
    """Performance multiplier for a mixed batch of research and product teams.

    Research (complex work) uses ``p.research_peak``/``p.research_width``; everything
    else uses the product peak and width.

    Args:
        stress: Stress, shape (n,).
        is_research: True for research teams, shape (n,) or a scalar.
        p: Performance parameters.

    Returns:
        The multiplier, shape (n,).
    """
    is_research = np.asarray(is_research, dtype=bool)
    peak = np.where(is_research, p.research_peak, p.product_peak)
    width = np.where(is_research, p.research_width, p.product_width)
    return performance_multiplier(stress, peak, width, p.m_min, p.form)


# ------------------------------------------------------------------ burnout, attrition


def burnout_update(
    burnout: np.ndarray, stress: np.ndarray, p: BurnoutParams, dt: float = 1.0
) -> np.ndarray:
    """Burnout b ← clip01(b + dt·[a_b·max(0, s − θ_b) − r_b·b·(1 − s)]).

    Burnout builds only while stress is above the threshold and heals in proportion
    to how calm the team is (after Homer 1985).

    Args:
        burnout: Current burnout b ∈ [0, 1], shape (n,).
        stress: Current stress s ∈ [0, 1], shape (n,).
        p: Burnout parameters.
        dt: Step length in weeks (use the same ``dt`` as the stress update).

    Returns:
        The new burnout in [0, 1], shape (n,).
    """
    burnout = _floats(burnout)
    stress = _floats(stress)
    build = p.build * np.maximum(0.0, stress - p.threshold)
    heal = p.heal * burnout * (1.0 - stress)
    return clip01(burnout + dt * (build - heal))


def attrition_probability_weekly(
    burnout: np.ndarray, envy: np.ndarray, p: BurnoutParams
) -> np.ndarray:
    """Probability that a given person leaves this week.

    The monthly hazard ``h = h0·exp(κ_b·b + κ_e·e)`` is capped at 1 and converted to a
    weekly probability ``1 − (1 − h)^(12/52)`` (the same monthly survival spread over
    52/12 weeks).

    Args:
        burnout: Burnout b ∈ [0, 1], shape (n,).
        envy: Normalised envy e ∈ [0, 1], shape (n,).
        p: Burnout parameters (h0, κ_b, κ_e).

    Returns:
        Weekly leaving probability per person, in [0, 1], shape (n,).
    """
    log_hazard = p.kappa_burnout * _floats(burnout) + p.kappa_envy * _floats(envy)
    monthly = np.minimum(p.attrition_base_monthly * np.exp(log_hazard), 1.0)
    return 1.0 - (1.0 - monthly) ** (1.0 / _WEEKS_PER_MONTH)


def attrition(headcount: np.ndarray, prob: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw how many people leave each team this week.

    Each person leaves independently with probability ``prob`` (a binomial draw per
    team through ``rng``). A team always keeps at least one person: departures are
    capped at ``headcount − 1``, so a team is never emptied by attrition (dissolving
    a team is a lifecycle decision, not a random event). Exactly one binomial draw is
    made per team, so the stream consumed does not depend on the outcome.

    Args:
        headcount: People per team, non-negative integers, shape (n,).
        prob: Weekly leaving probability per person, in [0, 1], shape (n,).
        rng: The model's random generator.

    Returns:
        Departures per team, integers in [0, max(headcount − 1, 0)], shape (n,).

    Raises:
        ValueError: If a headcount is negative or a probability is outside [0, 1].
    """
    headcount = np.asarray(headcount)
    count = headcount.astype(np.int64)
    prob = _floats(prob)
    if count.size and (count.min() < 0 or np.any(count != headcount)):
        raise ValueError(
            f"headcount = {headcount!r} is not allowed; use non-negative whole numbers"
        )
    if prob.size and not (prob.min() >= 0.0 and prob.max() <= 1.0):
        raise ValueError(f"prob = {prob!r} is out of range; allowed [0, 1]")
    leavers = rng.binomial(count, prob)
    return np.minimum(leavers, np.maximum(count - 1, 0))


# ----------------------------------------------------------------------------- envy


def normalised_envy(gpus_per_head: np.ndarray) -> np.ndarray:
    """Yitzhaki relative deprivation divided by the mean, in [0, 1].

    ``RD_i = (1/n)·Σ_j max(0, x_j − x_i)``; the result is ``RD_i / mean(x)``. A team
    with nothing while others hold compute scores 1, the best-off team scores 0, and
    the mean of the result equals the Gini coefficient of ``x``. Computed in
    O(n log n) through one sort and suffix sums.

    Args:
        gpus_per_head: Compute per head x ≥ 0, shape (n,).

    Returns:
        Normalised envy in [0, 1], shape (n,); all zeros when the mean is 0.

    Raises:
        ValueError: If any value is negative.
    """
    x = _floats(gpus_per_head)
    n = x.size
    if n == 0:
        return np.zeros(0)
    if x.min() < 0.0:
        raise ValueError("gpus_per_head contains negative values; use values >= 0")
    mean = x.mean()
    if mean <= 0.0:
        return np.zeros(n)
    order = np.argsort(x)
    xs = x[order]
    # Sum of the values ranked above each position; equal values add 0 either way.
    above = xs.sum() - np.cumsum(xs)
    count_above = np.arange(n - 1, -1, -1, dtype=float)
    deprivation = np.empty(n)
    deprivation[order] = (above - count_above * xs) / n
    return clip01(deprivation / mean)


# ------------------------------------------------------------------------ contagion


def _adjacency(W: sp.sparray | sp.spmatrix | np.ndarray, n: int) -> sp.csr_array:
    """Validate and return the channel-strength matrix as sparse CSR."""
    if not (sp.issparse(W) and W.format == "csr"):
        W = sp.csr_array(W)
    if W.shape != (n, n):
        raise ValueError(f"W has shape {W.shape}; allowed ({n}, {n}) to match stress")
    if W.nnz and W.data.min() < 0.0:
        raise ValueError("W has negative channel strengths; use values >= 0")
    return W


def contagion_bosse_treur(
    stress: np.ndarray, W: sp.sparray | sp.spmatrix | np.ndarray, p: ContagionParams
) -> np.ndarray:
    """Stress change from neighbours in the Bosse–Treur (ASCRIBE) contagion model.

    ``W[R, S]`` is the channel strength α_SR from sender S to receiver R (rows are
    receivers; the org network is symmetric). With sender expressiveness ε and
    receiver openness δ:

    - contagion strength ``γ_SR = ε·α_SR·δ``, total ``γ_R = Σ_S γ_SR``;
    - the group's state ``q* = Σ_S γ_SR·q_S / γ_R`` (γ-weighted mean of the senders);
    - ``delta = rate·γ_R/(1+γ_R)·[η·(β·(1−(1−q*)(1−q_R)) + (1−β)·q*·q_R) + (1−η)·q* − q_R]``.

    Normalisation: Bosse et al. multiply the bracket by ``ψ·γ_R``, which grows without
    bound with the number of neighbours. Here ``γ_R/(1+γ_R) < 1`` saturates it, so with
    ``rate ≤ 1`` the new state is a convex combination of q_R and a target in [0, 1]
    and stays in [0, 1]. η = 0 is pure absorption (move towards q*); η = 1 is pure
    amplification, biased upwards by β. Isolated teams (γ_R = 0) do not change.

    Args:
        stress: Stress q ∈ [0, 1], shape (n,).
        W: Non-negative (n, n) channel strengths, scipy.sparse CSR (dense is converted).
        p: Contagion parameters (expressiveness, openness, amplification, upward_bias,
            rate).

    Returns:
        The stress change, shape (n,).
    """
    q = _floats(stress)
    W = _adjacency(W, q.size)
    strength = W @ np.ones(q.size)  # Σ_S α_SR
    weighted = W @ q  # Σ_S α_SR·q_S
    gamma = (p.expressiveness * p.openness) * strength
    connected = gamma > 0.0
    q_star = np.divide(weighted, strength, out=q.copy(), where=connected)
    beta, eta = p.upward_bias, p.amplification
    amplified = beta * (1.0 - (1.0 - q_star) * (1.0 - q)) + (1.0 - beta) * q_star * q
    target = eta * amplified + (1.0 - eta) * q_star
    delta = p.rate * gamma / (1.0 + gamma) * (target - q)
    delta[~connected] = 0.0
    return delta


def contagion_sisa(
    stress: np.ndarray,
    W: sp.sparray | sp.spmatrix | np.ndarray,
    p: ContagionParams,
    rng: np.random.Generator,
    threshold: float = 0.5,
) -> np.ndarray:
    """Stress change in the SISa model of Hill, Rand, Nowak & Christakis (2010).

    A team is "stressed" when its stress is at least ``threshold``, else "calm". A calm
    team becomes stressed with probability ``1 − exp(−(a + β·k))`` and then gains
    ``sisa_jump``; a stressed team calms with probability ``g`` and loses
    ``sisa_jump``. ``k`` is the channel-strength-weighted number of stressed
    neighbours (the plain count for a 0/1 adjacency). Exactly one uniform draw per
    team is made, so the stream consumed does not depend on the state. The change is
    not clipped; :func:`stress_update` clips the result.

    Args:
        stress: Stress ∈ [0, 1], shape (n,).
        W: Non-negative (n, n) channel strengths, scipy.sparse CSR (dense is converted).
        p: Contagion parameters (sisa_spontaneous a, sisa_per_neighbour β,
            sisa_recovery g, sisa_jump).
        rng: The model's random generator.
        threshold: Stress at which a team counts as stressed.

    Returns:
        The stress change, shape (n,): +jump, −jump or 0 per team.
    """
    s = _floats(stress)
    W = _adjacency(W, s.size)
    stressed = s >= threshold
    k_stressed = W @ stressed.astype(float)
    p_catch = 1.0 - np.exp(-(p.sisa_spontaneous + p.sisa_per_neighbour * k_stressed))
    u = rng.random(s.size)
    catch = ~stressed & (u < p_catch)
    recover = stressed & (u < p.sisa_recovery)
    return p.sisa_jump * (catch.astype(float) - recover.astype(float))


def contagion(
    stress: np.ndarray,
    W: sp.sparray | sp.spmatrix | np.ndarray,
    p: ContagionParams,
    rng: np.random.Generator,
) -> np.ndarray:
    """Stress change from contagion under the model named by ``p.model``.

    Args:
        stress: Stress ∈ [0, 1], shape (n,).
        W: Non-negative (n, n) channel strengths, scipy.sparse CSR.
        p: Contagion parameters; ``p.model`` is "bosse_treur", "sisa" or "none".
        rng: The model's random generator (only "sisa" draws from it).

    Returns:
        The stress change, shape (n,); zeros for "none".
    """
    if p.model == "bosse_treur":
        return contagion_bosse_treur(stress, W, p)
    if p.model == "sisa":
        return contagion_sisa(stress, W, p, rng)
    if p.model == "none":
        return np.zeros(np.shape(stress))
    raise ValueError(
        f"ContagionParams.model = {p.model!r} is not allowed; "
        "choose 'bosse_treur', 'sisa' or 'none'"
    )
