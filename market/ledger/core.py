"""The :class:`CreditLedger`: grants, payments, refunds, transfers, expiry, audit and export.

Every operation validates everything before it changes anything, so a rejected operation
leaves the ledger exactly as it was. The account state, lookups and the shared low-level
checks come from :class:`market.ledger.accounts._LedgerBase`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from market.ledger._common import _AUDIT_RTOL, _OUTSIDE, _OVERDRAFT_RTOL, _TREASURY, Accounts
from market.ledger.accounts import _LedgerBase
from market.ledger.audit import LedgerAudit, LedgerImbalanceError
from market.ledger.journal import journal_rows
from market.ledger.policy import ExpiryPolicy


class CreditLedger(_LedgerBase):
    """Balances of named accounts plus an append-only journal of every credit movement.

    Example:
        >>> ledger = CreditLedger()
        >>> _ = ledger.open(["search", "chat"], initial=100.0)
        >>> ledger.pay(["search", "chat"], [30.0, 45.0], week=1)
        >>> ledger.balance("chat")
        55.0
        >>> ledger.audit().residual
        0.0
    """

    # ------------------------------------------------------------------ operations

    def grant(self, accounts: Accounts, amounts: ArrayLike, week: int, memo: str = "") -> None:
        """Create credits in accounts (budget allocation).

        Args:
            accounts: Recipient account(s); repeats are allowed and add up.
            amounts: Non-negative amount(s): a number for all, or one per account.
            week: Week of the grant (not earlier than the latest recorded week).
            memo: Free-text note stored with each entry.

        Raises:
            ValueError: For unknown accounts, bad amounts or a week in the past.
        """
        idx = self.index(accounts)
        amt = self._amounts(amounts, idx.size, "amounts")
        self._check_week(week)
        self._apply_grant(idx, amt, week, memo)

    def pay(self, accounts: Accounts, amounts: ArrayLike, week: int, memo: str = "") -> None:
        """Move credits from accounts to the treasury (auction payments).

        All-or-nothing: if any account's total debit in this call exceeds its balance,
        nothing changes. A debit within a relative 1e-9 above the balance (rounding noise)
        takes exactly the balance.

        Args:
            accounts: Paying account(s); repeats are allowed and add up.
            amounts: Non-negative amount(s): a number for all, or one per account.
            week: Week of the payment.
            memo: Free-text note stored with each entry.

        Raises:
            ValueError: For unknown accounts, bad amounts, a week in the past, or a payment
                exceeding a balance (naming the account, the amount and the balance).
        """
        idx = self.index(accounts)
        amt = self._amounts(amounts, idx.size, "amounts")
        self._check_week(week)
        amt = self._debitable(idx, amt, "payment")
        np.subtract.at(self._balances, idx, amt)
        np.add.at(self._paid_by, idx, amt)
        self._clamp_dust(idx)
        self._paid += float(amt.sum())
        self._record("payment", week, idx, np.full(idx.size, _TREASURY), amt, memo)

    def refund(self, accounts: Accounts, amounts: ArrayLike, week: int, memo: str = "") -> None:
        """Return treasury credits to accounts; an account gets back at most what it paid.

        Args:
            accounts: Refunded account(s); repeats are allowed and add up.
            amounts: Non-negative amount(s): a number for all, or one per account.
            week: Week of the refund.
            memo: Free-text note stored with each entry.

        Raises:
            ValueError: For unknown accounts, bad amounts, a week in the past, or a refund
                exceeding what the account has paid net of earlier refunds.
        """
        idx = self.index(accounts)
        amt = self._amounts(amounts, idx.size, "amounts")
        self._check_week(week)
        totals = np.bincount(idx, weights=amt, minlength=len(self._names))
        refundable = self._paid_by - self._refunded_to
        over = totals > refundable * (1 + _OVERDRAFT_RTOL) + 1e-12
        if over.any():
            i = int(over.nonzero()[0][0])
            raise ValueError(
                f"refund of {float(totals[i])!r} to account {self._names[i]!r} exceeds what it has "
                f"paid net of refunds ({float(refundable[i])!r})"
            )
        np.add.at(self._balances, idx, amt)
        np.add.at(self._refunded_to, idx, amt)
        self._refunded += float(amt.sum())
        self._record("refund", week, np.full(idx.size, _TREASURY), idx, amt, memo)

    def transfer(
        self, src: str | int, dst: str | int, amount: float, week: int, memo: str = ""
    ) -> None:
        """Move credits from one account to another (a loan, a trade, a settlement).

        Args:
            src: Paying account.
            dst: Receiving account (different from ``src``).
            amount: Non-negative amount, at most ``src``'s balance.
            week: Week of the transfer.
            memo: Free-text note.

        Raises:
            ValueError: For unknown or identical accounts, a bad amount, a week in the
                past, or an amount exceeding the balance of ``src``.
        """
        s = self.index(src)
        d = self.index(dst)
        if s.size != 1 or d.size != 1:
            raise ValueError("transfer takes one src and one dst account; use pay/grant for many")
        if s[0] == d[0]:
            raise ValueError(
                f"transfer needs two different accounts, got {self._names[s[0]]!r} twice"
            )
        amt = self._amounts(amount, 1, "amount")
        self._check_week(week)
        amt = self._debitable(s, amt, "transfer")
        self._balances[s] -= amt
        self._balances[d] += amt
        self._clamp_dust(s)
        self._record("transfer", week, s, d, amt, memo)

    def transfer_many(
        self, src: Accounts, dst: Accounts, amounts: ArrayLike, week: int, memo: str = ""
    ) -> None:
        """Move credits along many (src, dst) pairs at once (deals settled in one week).

        All-or-nothing: every paying account's total over the call is checked against its
        balance before anything moves, as in :meth:`pay`.

        Args:
            src: Paying accounts, one per pair.
            dst: Receiving accounts, one per pair, each different from its ``src``.
            amounts: Non-negative amount per pair (or one number for all).
            week: Week of the transfers.
            memo: Free-text note stored with each entry.

        Raises:
            ValueError: For unknown accounts, mismatched lengths, a pair paying itself,
                bad amounts, a week in the past, or a total exceeding a balance.
        """
        s = self.index(src)
        d = self.index(dst)
        if s.size != d.size:
            raise ValueError(f"src has {s.size} accounts but dst has {d.size}; one each per pair")
        same = s == d
        if same.any():
            raise ValueError(
                f"transfer needs two different accounts, got {self._names[s[same][0]]!r} twice"
            )
        amt = self._amounts(amounts, s.size, "amounts")
        self._check_week(week)
        amt = self._debitable(s, amt, "transfer")
        np.subtract.at(self._balances, s, amt)
        np.add.at(self._balances, d, amt)
        self._clamp_dust(s)
        self._record("transfer", week, s, d, amt, memo)

    def expire(
        self, policy: ExpiryPolicy, week: int, accounts: Accounts | None = None
    ) -> NDArray[np.float64]:
        """Apply an expiry policy to balances (all accounts, or the given ones).

        Args:
            policy: What expires.
            week: Week of the expiry.
            accounts: Accounts to expire (distinct); ``None`` means every account.

        Returns:
            The amount expired from each affected account (in the order given).

        Raises:
            ValueError: For a non-policy, unknown or repeated accounts, or a week in the past.
        """
        if not isinstance(policy, ExpiryPolicy):
            raise ValueError(f"policy must be an ExpiryPolicy, got {policy!r}")
        idx = np.arange(len(self._names)) if accounts is None else self.index(accounts)
        if np.unique(idx).size != idx.size:
            raise ValueError("accounts must not repeat in expire")
        self._check_week(week)
        amt = policy.excess(self._balances[idx])
        self._balances[idx] -= amt
        self._clamp_dust(idx)
        self._expired += float(amt.sum())
        self._record("expiry", week, idx, np.full(idx.size, _OUTSIDE), amt, f"{policy.kind}")
        return amt

    # ------------------------------------------------------------------ checks and export

    def audit(self) -> LedgerAudit:
        """Check conservation and non-negativity; return the identity's terms.

        Returns:
            The :class:`LedgerAudit` terms.

        Raises:
            LedgerImbalanceError: If a balance is negative or credits are not conserved.
        """
        if (self._balances < 0).any():
            i = int(np.argmin(self._balances))
            raise LedgerImbalanceError(
                f"account {self._names[i]!r} has a negative balance {float(self._balances[i])!r}"
            )
        total = float(self._balances.sum())
        residual = self._granted + self._refunded - total - self._paid - self._expired
        scale = max(1.0, self._granted + self._refunded)
        if abs(residual) > _AUDIT_RTOL * scale:
            raise LedgerImbalanceError(
                f"credits not conserved: granted {self._granted!r} + refunded "
                f"{self._refunded!r} != balances {total!r} + paid {self._paid!r} + expired "
                f"{self._expired!r} (residual {residual!r})"
            )
        return LedgerAudit(
            granted=self._granted,
            refunded=self._refunded,
            balances=total,
            paid=self._paid,
            expired=self._expired,
            residual=residual,
        )

    def entries(self, kind: str | None = None) -> list[dict[str, Any]]:
        """The journal as a list of rows, oldest first.

        Each row has ``seq`` (entry number), ``kind``, ``week``, ``from`` and ``to`` (account
        names, ``"treasury"``, or ``None`` for credits created by a grant or destroyed by
        expiry), ``amount`` and ``memo``. Zero-amount movements are not recorded.

        Args:
            kind: Only rows of this kind (one of :data:`ENTRY_KINDS`); ``None`` for all.

        Returns:
            The rows.

        Raises:
            ValueError: For an unknown kind.
        """
        code = self._kind_code(kind) if kind is not None else None
        return journal_rows(self._journal, self._names, code)
