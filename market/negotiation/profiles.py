"""Negotiator profiles: one side's private parameters, and how stress changes them."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class NegotiatorProfile:
    """One side's private negotiation parameters.

    Attributes:
        reservation: Per-unit price limit: the lender's minimum acceptable price (its
            opportunity cost) or the borrower's maximum (its marginal value). Non-negative.
        kappa: Initial concession α(0), in ``[0, 1]`` (0: open at the anchor).
        beta: Concession shape, positive (< 1 Boulware, > 1 Conceder).
        t_max: Deadline in rounds, an integer >= 1; the side walks away after it.
    """

    reservation: float
    kappa: float = 0.0
    beta: float = 1.0
    t_max: int = 10

    def __post_init__(self) -> None:
        """Validate every field."""
        if not (math.isfinite(self.reservation) and self.reservation >= 0):
            raise ValueError(
                f"reservation must be a finite non-negative price, got {self.reservation!r}"
            )
        if not 0 <= self.kappa <= 1:
            raise ValueError(f"kappa must be in [0, 1], got {self.kappa!r}")
        if not (math.isfinite(self.beta) and self.beta > 0):
            raise ValueError(f"beta must be positive and finite, got {self.beta!r}")
        if isinstance(self.t_max, bool) or int(self.t_max) != self.t_max or self.t_max < 1:
            raise ValueError(f"t_max must be an integer >= 1 (rounds), got {self.t_max!r}")
        object.__setattr__(self, "reservation", float(self.reservation))
        object.__setattr__(self, "kappa", float(self.kappa))
        object.__setattr__(self, "beta", float(self.beta))
        object.__setattr__(self, "t_max", int(self.t_max))


def stressed(
    profile: NegotiatorProfile,
    stress: float,
    *,
    max_shortening: float = 0.5,
    max_beta_factor: float = 3.0,
) -> NegotiatorProfile:
    """The profile of a negotiator under stress: a shorter deadline and a larger β.

    "Stress shortens t_max and raises β" (MODEL-REFERENCE §5): a stressed team has less
    patience and concedes faster. With stress ``s``::

        t_max' = max(1, ceil(t_max · (1 − max_shortening · s)))
        β'     = β · (1 + (max_beta_factor − 1) · s)

    Both are monotone in ``s``; ``s = 0`` returns an equal profile.

    Args:
        profile: The calm profile.
        stress: Stress level in ``[0, 1]``.
        max_shortening: Share of the deadline lost at full stress, in ``[0, 1]``.
        max_beta_factor: Multiplier on β at full stress, ``>= 1``.

    Returns:
        A new profile (reservation and κ unchanged).

    Raises:
        ValueError: For arguments outside those ranges.
    """
    if not 0 <= stress <= 1:
        raise ValueError(f"stress must be in [0, 1], got {stress!r}")
    if not 0 <= max_shortening <= 1:
        raise ValueError(f"max_shortening must be in [0, 1], got {max_shortening!r}")
    if not (math.isfinite(max_beta_factor) and max_beta_factor >= 1):
        raise ValueError(f"max_beta_factor must be >= 1, got {max_beta_factor!r}")
    # Round before ceil so that e.g. 10 * (1 - 0.3) = 7.000000000000001 gives 7, not 8.
    t_max = max(1, math.ceil(round(profile.t_max * (1 - max_shortening * stress), 9)))
    beta = profile.beta * (1 + (max_beta_factor - 1) * stress)
    return replace(profile, t_max=t_max, beta=beta)
