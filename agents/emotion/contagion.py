"""Emotional contagion over the org network: Bosse–Treur (ASCRIBE) or SISa.

Stress spreads along ties between teams. The continuous Bosse–Treur model moves each
team towards the weighted stress of its neighbours; the stochastic SISa model of Hill,
Rand, Nowak & Christakis (2010) treats stress as an infection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp
from pydantic import Field

from agents.schema import Params, floats

__all__ = ["ContagionParams", "Ties", "contagion", "contagion_bosse_treur", "contagion_sisa"]


class ContagionParams(Params):
    """Emotional contagion over the org network."""

    model: Literal["bosse_treur", "sisa", "none"] = Field(
        "bosse_treur",
        description="bosse_treur: continuous (ASCRIBE); sisa: stochastic jumps "
        "(Hill et al. 2010); none: no contagion.",
    )
    expressiveness: float = Field(
        0.5, ge=0, le=1, description="Sender expressiveness ε_S: how much teams show stress."
    )
    openness: float = Field(
        0.5, ge=0, le=1, description="Receiver openness δ_R: how much teams take stress in."
    )
    amplification: float = Field(
        0.5, ge=0, le=1, description="Bosse–Treur η: weight of amplification vs absorption."
    )
    upward_bias: float = Field(
        0.6, ge=0, le=1, description="Bosse–Treur β: bias towards amplifying upwards."
    )
    rate: float = Field(0.3, ge=0, le=1, description="Speed of contagion per week (ψ).")
    sisa_spontaneous: float = Field(
        0.02, ge=0, le=1, description="SISa spontaneous stress rate a per week."
    )
    sisa_per_neighbour: float = Field(
        0.05, ge=0, le=1, description="SISa transmission rate β per stressed neighbour."
    )
    sisa_recovery: float = Field(
        0.1, ge=0, le=1, description="SISa probability g that a stressed team calms per week."
    )
    sisa_jump: float = Field(
        0.1, ge=0, le=1, description="Stress added (or removed) by one SISa transition."
    )


Matrix = sp.sparray | sp.spmatrix | np.ndarray


@dataclass(frozen=True, eq=False)
class Ties:
    """A checked channel-strength matrix, prepared once for many contagion steps.

    Build it with :meth:`of`; the org network never changes during a game, so the
    model prepares its ties once and every week's contagion skips the checks and the
    row sums.

    Attributes:
        matrix: ``(n, n)`` non-negative CSR matrix, ``matrix[R, S]`` = α_SR.
        strength: Row sums ``Σ_S α_SR`` per receiver.
    """

    matrix: sp.sparray | sp.spmatrix
    strength: np.ndarray

    @property
    def n(self) -> int:
        """Number of teams."""
        return int(self.matrix.shape[0])

    @classmethod
    def of(cls, W: Matrix | Ties, n: int | None = None) -> Ties:
        """Check ``W`` and prepare it (a :class:`Ties` is returned as it is, shape checked).

        Args:
            W: Non-negative square channel strengths (sparse CSR; others are converted).
            n: Expected number of teams (default: W's size).

        Raises:
            ValueError: If W is not square of size n or has negative strengths.
        """
        if isinstance(W, Ties):
            if n is not None and W.n != n:
                raise ValueError(
                    f"W has shape {W.matrix.shape}; allowed ({n}, {n}) to match stress"
                )
            return W
        if not (sp.issparse(W) and W.format == "csr"):
            W = sp.csr_array(W)
        size = W.shape[0] if n is None else n
        if W.shape != (size, size):
            raise ValueError(f"W has shape {W.shape}; allowed ({size}, {size}) to match stress")
        if W.nnz and W.data.min() < 0.0:
            raise ValueError("W has negative channel strengths; use values >= 0")
        return cls(W, W @ np.ones(size))


def contagion_bosse_treur(stress: np.ndarray, W: Matrix | Ties, p: ContagionParams) -> np.ndarray:
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
        W: Non-negative (n, n) channel strengths: prepared :class:`Ties`, or a matrix
            (scipy.sparse CSR; dense is converted).
        p: Contagion parameters (expressiveness, openness, amplification, upward_bias,
            rate).

    Returns:
        The stress change, shape (n,).
    """
    q = floats(stress)
    ties = Ties.of(W, q.size)
    strength = ties.strength  # Σ_S α_SR
    weighted = ties.matrix @ q  # Σ_S α_SR·q_S
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
    W: Matrix | Ties,
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
        W: Non-negative (n, n) channel strengths: prepared :class:`Ties`, or a matrix
            (scipy.sparse CSR; dense is converted).
        p: Contagion parameters (sisa_spontaneous a, sisa_per_neighbour β,
            sisa_recovery g, sisa_jump).
        rng: The model's random generator.
        threshold: Stress at which a team counts as stressed.

    Returns:
        The stress change, shape (n,): +jump, −jump or 0 per team.
    """
    s = floats(stress)
    ties = Ties.of(W, s.size)
    stressed = s >= threshold
    k_stressed = ties.matrix @ stressed.astype(float)
    p_catch = 1.0 - np.exp(-(p.sisa_spontaneous + p.sisa_per_neighbour * k_stressed))
    u = rng.random(s.size)
    catch = ~stressed & (u < p_catch)
    recover = stressed & (u < p.sisa_recovery)
    return p.sisa_jump * (catch.astype(float) - recover.astype(float))


def contagion(
    stress: np.ndarray,
    W: Matrix | Ties,
    p: ContagionParams,
    rng: np.random.Generator,
) -> np.ndarray:
    """Stress change from contagion under the model named by ``p.model``.

    Args:
        stress: Stress ∈ [0, 1], shape (n,).
        W: Non-negative (n, n) channel strengths (:class:`Ties` or a CSR matrix).
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
