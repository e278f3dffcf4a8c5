"""Stress: the weekly job demands–resources update and its drivers (MODEL-REFERENCE §1, §11).

``s ← clip01(s + dt·[(k_d·d + k_u·u + k_L·L + k_e·e + k_reclaim·r)·(1 − s) − k_r·(s − s₀)] + C)``
with d the compute deficit, u deadline urgency, L a lost auction, e normalised envy,
r the reclaim shock, s₀ the baseline stress and C contagion from neighbours
(:mod:`agents.emotion.contagion`).

Demands push stress up in proportion to the room left below 1 (saturating), and
recovery pulls it back towards the baseline whatever the demands (MODEL-REFERENCE §11).
Neither vanishes at full deficit, so stress = 1 is not absorbing: under constant drivers
with total push ``D = k_d·d + k_u·u + k_L·L + k_e·e + k_reclaim·r`` stress settles at the
fixed point ``s* = (D + k_r·s₀) / (D + k_r)``, which is below 1 whenever ``k_r > 0`` and
``s₀ < 1``. (The earlier form ``−k_r·s·(1 − d)`` switched recovery off at full deficit,
which made stress = 1 a trap.)
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from agents.schema import Params, clip01, floats

__all__ = [
    "STRESS_TERMS",
    "StressParams",
    "compute_deficit",
    "deadline_urgency",
    "stress_terms",
    "stress_update",
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


class StressParams(Params):
    """Coefficients of the weekly stress update (Demerouti et al. 2001).

    Defaults sit in MODEL-REFERENCE §1's ranges: k_d 0.1–0.3 (0.2), k_u 0.05–0.15 (0.1),
    k_L 0.05–0.2 (0.1), k_e ≈ 0.05, k_r 0.05–0.2 (0.12); the baseline s₀ ≈ 0.1 is from
    §11 (a game default, not a calibrated fact).
    """

    k_deficit: float = Field(
        0.2, ge=0, le=1, description="Stress added per unit of compute deficit d (k_d)."
    )
    k_urgency: float = Field(
        0.1, ge=0, le=1, description="Stress added per unit of deadline urgency u (k_u)."
    )
    k_lost: float = Field(
        0.1, ge=0, le=1, description="Stress added when the team lost this week's auction."
    )
    k_envy: float = Field(
        0.05, ge=0, le=1, description="Stress added per unit of envy of better-off teams."
    )
    k_recovery: float = Field(
        0.12, ge=0, le=1, description="Recovery rate k_r, applied as −k_r·(s − s₀)."
    )
    baseline: float = Field(
        0.1,
        ge=0,
        le=0.5,
        description="Baseline stress s₀ that recovery pulls back towards (with no demands "
        "stress settles here).",
    )
    k_reclaim: float = Field(
        0.15, ge=0, le=1, description="Shock of having tranches taken back by reallocation."
    )
    dt: float = Field(1.0, gt=0, le=4, description="Length of one step in weeks.")


def _shape(a: np.ndarray, b: np.ndarray) -> tuple[int, ...]:
    """The broadcast shape of two arrays (their shape when they already agree)."""
    return a.shape if a.shape == b.shape else np.broadcast_shapes(a.shape, b.shape)


def deadline_urgency(elapsed: np.ndarray | float, deadline: np.ndarray | float) -> np.ndarray:
    """Deadline urgency u = clip01(elapsed / deadline)².

    Args:
        elapsed: Weeks elapsed on the project, shape (n,).
        deadline: Weeks allowed; ``<= 0`` or ``inf`` means "no deadline" (urgency 0).

    Returns:
        Urgency in [0, 1], shape (n,); 1 once the deadline is reached or passed.
    """
    elapsed = floats(elapsed)
    deadline = floats(deadline)
    has_deadline = (deadline > 0.0) & (deadline < np.inf)
    shape = _shape(elapsed, deadline)
    with np.errstate(over="ignore"):
        ratio = np.divide(elapsed, deadline, out=np.zeros(shape), where=has_deadline)
    ratio = clip01(ratio)
    return ratio * ratio


def compute_deficit(held: np.ndarray | float, needed: np.ndarray | float) -> np.ndarray:
    """Compute deficit d = max(0, 1 − held / needed), clipped to [0, 1].

    Args:
        held: GPU tranches the team holds, shape (n,).
        needed: GPU tranches the team needs; ``<= 0`` means no need (deficit 0).

    Returns:
        Deficit in [0, 1], shape (n,): 0 when the need is met, 1 when nothing is held.
    """
    held = floats(held)
    needed = floats(needed)
    with np.errstate(over="ignore"):
        ratio = np.divide(held, needed, out=np.ones(_shape(held, needed)), where=needed > 0.0)
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
    is stressed. Every driver is scaled by the room left below full stress (1 − s), so
    demands saturate; recovery pulls towards the baseline s₀ whatever the deficit
    (MODEL-REFERENCE §11; job demands–resources, Demerouti et al. 2001).

    Args:
        stress: Current stress s ∈ [0, 1], shape (n,).
        deficit: Compute deficit d ∈ [0, 1] (see :func:`compute_deficit`).
        urgency: Deadline urgency u ∈ [0, 1] (see :func:`deadline_urgency`).
        lost: Whether the team lost this round's auction (bool or 0/1).
        envy: Normalised envy e ∈ [0, 1] (see :func:`agents.emotion.normalised_envy`).
        reclaimed: Reclaim shock: 1/True when the reallocation group took GPUs back
            this step, or the fraction of the team's GPUs taken (in [0, 1]).
        p: Stress coefficients.

    Returns:
        Dict with keys ``STRESS_TERMS``: "deficit" k_d·d·(1−s), "urgency" k_u·u·(1−s),
        "lost_auction" k_L·L·(1−s), "envy" k_e·e·(1−s), "reclaim" k_reclaim·r·(1−s)
        (each ≥ 0) and "recovery" −k_r·(s − s₀) (negative above the baseline, positive
        below it), each multiplied by ``p.dt``, shape (n,).
    """
    stress = floats(stress)
    dt = p.dt
    room = dt * (1.0 - stress)
    return {
        "deficit": (p.k_deficit * room) * floats(deficit),
        "urgency": (p.k_urgency * room) * floats(urgency),
        "lost_auction": (p.k_lost * room) * floats(lost),
        "envy": (p.k_envy * room) * floats(envy),
        "reclaim": (p.k_reclaim * room) * floats(reclaimed),
        "recovery": (-p.k_recovery * dt) * (stress - p.baseline),
    }


def stress_update(
    stress: np.ndarray,
    terms: dict[str, np.ndarray],
    contagion: np.ndarray | float = 0.0,
) -> np.ndarray:
    """New stress s ← clip01(s + Σ terms + C).

    With the terms of :func:`stress_terms` this is
    ``clip01(s + dt·[(k_d·d + k_u·u + k_L·L + k_e·e + k_reclaim·r)·(1 − s) − k_r·(s − s₀)] + C)``
    (MODEL-REFERENCE §11), whose fixed point under constant drivers is below 1.

    Args:
        stress: Current stress, shape (n,).
        terms: The dict returned by :func:`stress_terms`.
        contagion: Contagion change C from network neighbours.

    Returns:
        The new stress in [0, 1], shape (n,).
    """
    total = floats(stress) + floats(contagion)
    for value in terms.values():
        total += value
    return clip01(total)
