"""The ledger's account state: opening accounts, looking them up, reading balances.

:class:`_LedgerBase` holds every piece of ledger state (names, balances, per-account
payments and refunds, the journal and the running totals) together with the low-level
checks and the journal recording that every operation of :class:`CreditLedger` shares.
It knows nothing about the individual operations, which live in :mod:`market.ledger.core`.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from market.ledger._common import _OUTSIDE, _OVERDRAFT_RTOL, TREASURY, Accounts
from market.ledger.journal import _Block, kind_code


class _LedgerBase:
    """Balances of named accounts plus the journal; the state behind :class:`CreditLedger`."""

    def __init__(self) -> None:
        """Create an empty ledger (no accounts; use :meth:`open`)."""
        self._names: list[str] = []
        self._index: dict[str, int] = {}
        self._balances = np.zeros(0, dtype=np.float64)
        self._paid_by = np.zeros(0, dtype=np.float64)
        self._refunded_to = np.zeros(0, dtype=np.float64)
        self._journal: list[_Block] = []
        self._n_entries = 0
        self._week = 0
        self._granted = 0.0
        self._refunded = 0.0
        self._paid = 0.0
        self._expired = 0.0

    # ------------------------------------------------------------------ accounts

    def open(
        self, accounts: str | Iterable[str], initial: ArrayLike = 0.0, week: int | None = None
    ) -> NDArray[np.intp]:
        """Open new accounts, optionally with an initial grant.

        Args:
            accounts: A name or names of new accounts (unique, not already open, not
                ``"treasury"``).
            initial: Starting balance(s), a number or one per account; recorded as grants.
            week: Week of the initial grant; ``None`` means the latest recorded week.

        Returns:
            The integer indices of the new accounts (usable wherever accounts are taken).

        Raises:
            ValueError: For a duplicate, empty or reserved name, or a bad initial amount.
        """
        names = [accounts] if isinstance(accounts, str) else list(accounts)
        for name in names:
            if not isinstance(name, str) or not name:
                raise ValueError(f"account names must be non-empty strings, got {name!r}")
            if name == TREASURY:
                raise ValueError(f"account name {TREASURY!r} is reserved for the treasury sink")
            if name in self._index:
                raise ValueError(f"account {name!r} is already open")
        if len(set(names)) != len(names):
            dup = next(n for n in names if names.count(n) > 1)
            raise ValueError(f"account {dup!r} appears twice in accounts")
        amounts = self._amounts(initial, len(names), "initial")
        week = self._week if week is None else week
        self._check_week(week)

        start = len(self._names)
        idx = np.arange(start, start + len(names), dtype=np.intp)
        self._names.extend(names)
        self._index.update({name: int(i) for name, i in zip(names, idx, strict=True)})
        grow = np.zeros(len(names), dtype=np.float64)
        self._balances = np.concatenate([self._balances, grow])
        self._paid_by = np.concatenate([self._paid_by, grow])
        self._refunded_to = np.concatenate([self._refunded_to, grow])
        if len(names):
            self._apply_grant(idx, amounts, week, "opening balance")
        return idx

    @property
    def accounts(self) -> tuple[str, ...]:
        """Account names in index order."""
        return tuple(self._names)

    @property
    def n_accounts(self) -> int:
        """Number of open accounts."""
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        """Whether ``name`` is an open account."""
        return name in self._index

    def index(self, accounts: Accounts) -> NDArray[np.intp]:
        """Integer indices of accounts given by name or index.

        Args:
            accounts: A name, an index, or a sequence/array of either.

        Returns:
            A 1-D array of indices (length 1 for a single account).

        Raises:
            ValueError: For an unknown name or an out-of-range index.
        """
        if isinstance(accounts, str):
            accounts = [accounts]
        arr = np.asarray(accounts)
        if arr.ndim == 0:
            arr = arr.reshape(1)
        if arr.ndim != 1:
            raise ValueError(f"accounts must be a name, an index or a 1-D sequence, got {arr!r}")
        if arr.size == 0:
            return np.zeros(0, dtype=np.intp)
        if arr.dtype.kind in "iu":
            bad = (arr < 0) | (arr >= len(self._names))
            if bad.any():
                raise ValueError(
                    f"account index {int(arr[bad][0])} is out of range (0..{len(self._names) - 1})"
                )
            return arr.astype(np.intp, copy=False)
        if arr.dtype.kind in "UO":
            try:
                return np.fromiter((self._index[a] for a in arr), dtype=np.intp, count=arr.size)
            except (KeyError, TypeError):
                unknown = next(a for a in arr if not isinstance(a, str) or a not in self._index)
                raise ValueError(
                    f"unknown account {str(unknown)!r}; open it first (known: {len(self._names)})"
                ) from None
        raise ValueError(f"accounts must be names or integer indices, got dtype {arr.dtype}")

    # ------------------------------------------------------------------ reading

    def balance(self, account: str | int) -> float:
        """Current balance of one account."""
        return float(self._balances[self.index(account)[0]])

    @property
    def balances(self) -> NDArray[np.float64]:
        """Read-only view of all balances, in account-index order."""
        view = self._balances.view()
        view.flags.writeable = False
        return view

    @property
    def spent(self) -> NDArray[np.float64]:
        """Read-only per-account payments net of refunds."""
        out = self._paid_by - self._refunded_to
        out.flags.writeable = False
        return out

    @property
    def week(self) -> int:
        """The latest week recorded (operations may not go back in time)."""
        return self._week

    @property
    def n_entries(self) -> int:
        """Number of journal entries (one per non-zero movement)."""
        return self._n_entries

    # ------------------------------------------------------------------ internals

    _kind_code = staticmethod(kind_code)

    @staticmethod
    def _amounts(amounts: ArrayLike, n: int, name: str) -> NDArray[np.float64]:
        """Broadcast ``amounts`` to (n,) and check it is finite and non-negative."""
        arr = np.asarray(amounts, dtype=np.float64)
        if arr.ndim == 0:
            arr = np.full(n, float(arr))
        elif arr.shape != (n,):
            raise ValueError(
                f"{name} must be a number or {n} values (one per account), got {arr.shape}"
            )
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} must be finite, got {float(arr[~np.isfinite(arr)][0])!r}")
        if (arr < 0).any():
            raise ValueError(f"{name} must be non-negative, got {float(arr[arr < 0][0])!r}")
        return arr.copy()

    def _check_week(self, week: int) -> None:
        if isinstance(week, bool) or not isinstance(week, int | np.integer):
            raise ValueError(f"week must be an integer, got {week!r}")
        if week < self._week:
            raise ValueError(
                f"week must not go back in time: got {week}, latest recorded week is {self._week}"
            )

    def _debitable(
        self, idx: NDArray[np.intp], amt: NDArray[np.float64], what: str
    ) -> NDArray[np.float64]:
        """Check per-account debits against balances; absorb rounding overshoot.

        Returns the (possibly trimmed) amounts; raises before any state change.
        """
        totals = np.bincount(idx, weights=amt, minlength=len(self._names))
        slack = self._balances * (1 + _OVERDRAFT_RTOL) + 1e-12
        over = totals > slack
        if over.any():
            i = int(over.nonzero()[0][0])
            more = int(over.sum()) - 1
            tail = f" (and {more} more accounts)" if more else ""
            raise ValueError(
                f"{what} of {float(totals[i])!r} from account {self._names[i]!r} exceeds its "
                f"balance {float(self._balances[i])!r}{tail}"
            )
        overshoot = totals > self._balances
        if overshoot.any():
            # Scale each overshooting account's debits so they sum to exactly its balance.
            scale = np.ones_like(totals)
            scale[overshoot] = self._balances[overshoot] / totals[overshoot]
            amt = amt * scale[idx]
        return amt

    def _clamp_dust(self, idx: NDArray[np.intp]) -> None:
        """Zero balances left a rounding error below zero by a debit."""
        touched = self._balances[idx]
        if (touched < 0).any():
            self._balances[idx] = np.maximum(touched, 0.0)

    def _apply_grant(
        self, idx: NDArray[np.intp], amt: NDArray[np.float64], week: int, memo: str
    ) -> None:
        np.add.at(self._balances, idx, amt)
        self._granted += float(amt.sum())
        self._record("grant", week, np.full(idx.size, _OUTSIDE), idx, amt, memo)

    def _record(
        self,
        kind: str,
        week: int,
        src: NDArray[np.intp],
        dst: NDArray[np.intp],
        amount: NDArray[np.float64],
        memo: str,
    ) -> None:
        """Append one journal block (dropping zero movements) and advance the clock."""
        self._week = max(self._week, int(week))
        keep = amount > 0
        if not keep.any():
            return
        if not keep.all():
            src, dst, amount = src[keep], dst[keep], amount[keep]
        block = _Block(
            seq=self._n_entries,
            kind=self._kind_code(kind),
            week=int(week),
            src=np.asarray(src, dtype=np.intp).copy(),
            dst=np.asarray(dst, dtype=np.intp).copy(),
            amount=amount.copy(),
            memo=memo,
        )
        self._journal.append(block)
        self._n_entries += amount.size
