"""The teams' credit accounts: one ledger account per team, with the expiry policy."""

from __future__ import annotations

import numpy as np

from game.scenario import GovernanceConfig
from market.ledger import CreditLedger, ExpiryPolicy

__all__ = ["Credits"]


class Credits:
    """Team credit balances backed by a :class:`market.ledger.CreditLedger`.

    Args:
        names: Team names (one account each, in team-table order).
        governance: Quarter length, expiry policy and rollover cap.
    """

    def __init__(self, names: list[str], governance: GovernanceConfig) -> None:
        self.ledger = CreditLedger()
        self.idx = self.ledger.open(names)
        self.set_policy(governance)
        self._spent_at_quarter_start = np.zeros(len(names))

    def set_policy(self, governance: GovernanceConfig) -> None:
        """Apply governance's expiry rule (at the start, and when the rules change)."""
        if governance.expiry == "rollover":
            cap = governance.rollover_cap * governance.credits_per_quarter
            self.policy = ExpiryPolicy.rollover(cap)
        else:
            self.policy = ExpiryPolicy.use_it_or_lose_it()

    @property
    def balances(self) -> np.ndarray:
        """Read-only balances per team."""
        return self.ledger.balances

    @property
    def spent_this_quarter(self) -> np.ndarray:
        """Credits each team has paid since the last grant."""
        return self.ledger.spent - self._spent_at_quarter_start

    def grant(self, amounts: np.ndarray, week: int) -> None:
        """Grant the quarter's credits and start a new quarter."""
        self.ledger.grant(self.idx, amounts, week, memo="quarterly grant")
        self._spent_at_quarter_start = np.array(self.ledger.spent)

    def expire(self, week: int) -> float:
        """Apply the expiry policy at the end of a quarter; return the credits expired."""
        return float(self.ledger.expire(self.policy, week).sum())

    def pay(self, amounts: np.ndarray, week: int) -> None:
        """Charge every team its clearing payment (zeros are fine)."""
        paying = (amounts > 0).nonzero()[0]
        if paying.size:
            self.ledger.pay(paying, amounts[paying], week, memo="clearing")

    def transfer(self, src: np.ndarray, dst: np.ndarray, amounts: np.ndarray, week: int) -> None:
        """Settle negotiated deals: each ``src[i]`` pays ``amounts[i]`` to ``dst[i]``."""
        if len(src):
            self.ledger.transfer_many(src, dst, amounts, week, memo="negotiated loan")
