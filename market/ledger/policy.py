"""Expiry rules for unspent credits: use-it-or-lose-it or rollover up to a cap."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class ExpiryPolicy:
    """What happens to unspent credits at an expiry point (e.g. the end of a budget period).

    Build one with :meth:`use_it_or_lose_it`, :meth:`rollover` or :meth:`parse`.

    Attributes:
        kind: ``"use_it_or_lose_it"`` (every balance resets to 0) or ``"rollover"`` (the part
            of a balance above ``cap`` expires).
        cap: The most an account may carry over (0 for use-it-or-lose-it; ``inf`` keeps
            everything).
    """

    kind: Literal["use_it_or_lose_it", "rollover"]
    cap: float = 0.0

    KINDS = ("use_it_or_lose_it", "rollover")

    def __post_init__(self) -> None:
        """Validate the kind and cap."""
        if self.kind not in self.KINDS:
            raise ValueError(f"kind must be one of {', '.join(self.KINDS)}, got {self.kind!r}")
        cap = float(self.cap)
        if np.isnan(cap) or cap < 0:
            raise ValueError(f"cap must be a non-negative number (inf allowed), got {self.cap!r}")
        if self.kind == "use_it_or_lose_it" and cap != 0:
            raise ValueError(f"cap must be 0 for use_it_or_lose_it, got {self.cap!r}")
        object.__setattr__(self, "cap", cap)

    @classmethod
    def use_it_or_lose_it(cls) -> ExpiryPolicy:
        """Every unspent credit expires."""
        return cls("use_it_or_lose_it", 0.0)

    @classmethod
    def rollover(cls, cap: float = float("inf")) -> ExpiryPolicy:
        """Balances carry over up to ``cap``; the excess expires."""
        return cls("rollover", cap)

    @classmethod
    def parse(cls, name: str, cap: float | None = None) -> ExpiryPolicy:
        """Build a policy from its name (as written in a scenario file).

        Args:
            name: ``"use_it_or_lose_it"`` or ``"rollover"``.
            cap: Rollover cap; ``None`` means unlimited. Ignored for use-it-or-lose-it.

        Returns:
            The policy.

        Raises:
            ValueError: For an unknown name or a bad cap.
        """
        if name == "use_it_or_lose_it":
            return cls.use_it_or_lose_it()
        if name == "rollover":
            return cls.rollover(float("inf") if cap is None else cap)
        raise ValueError(f"expiry policy must be one of {', '.join(cls.KINDS)}, got {name!r}")

    def excess(self, balances: NDArray[np.float64]) -> NDArray[np.float64]:
        """Amount of each balance that expires under this policy."""
        return np.maximum(balances - self.cap, 0.0)
