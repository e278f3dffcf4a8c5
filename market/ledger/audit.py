"""The conservation audit's result and the error raised when credits are not conserved."""

from __future__ import annotations

from dataclasses import dataclass


class LedgerImbalanceError(RuntimeError):
    """Raised by :meth:`CreditLedger.audit` when credits are not conserved."""


@dataclass(frozen=True, slots=True)
class LedgerAudit:
    """The terms of the conservation identity ``granted + refunded == balances + paid + expired``.

    Attributes:
        granted: Total credits ever granted.
        refunded: Total credits refunded from the treasury.
        balances: Sum of current balances.
        paid: Total credits paid to the treasury (gross, before refunds).
        expired: Total credits expired.
        residual: ``granted + refunded − balances − paid − expired`` (≈ 0).
    """

    granted: float
    refunded: float
    balances: float
    paid: float
    expired: float
    residual: float

    @property
    def net_paid(self) -> float:
        """Payments net of refunds: what the treasury holds."""
        return self.paid - self.refunded
