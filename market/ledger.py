"""The credit ledger: team budgets, payments, transfers, refunds and expiry.

A :class:`CreditLedger` holds one non-negative balance per named account (team) in a numpy
array and an append-only journal of every movement. Credits enter only by ``grant`` and
leave the accounts only by ``pay`` (to the treasury) or ``expire``; ``refund`` returns
treasury credits to an account that paid them; ``transfer`` moves credits between accounts.
At all times::

    granted + refunded == Σ balances + paid + expired

(:meth:`CreditLedger.audit` checks it). Every operation validates everything before it
changes anything, so a rejected operation leaves the ledger exactly as it was.

Operations are vectorised: ``grant``, ``pay`` and ``refund`` take arrays of accounts and
amounts (names or integer indices from :meth:`CreditLedger.index`), as the game calls them
with thousands of teams per week. The journal stores one block of arrays per call and
expands to one row per movement only on export.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ENTRY_KINDS",
    "TREASURY",
    "CreditLedger",
    "ExpiryPolicy",
    "LedgerAudit",
    "LedgerImbalanceError",
]

TREASURY = "treasury"
"""Name of the sink that payments go to (and refunds come from); not an account."""

ENTRY_KINDS = ("grant", "payment", "transfer", "expiry", "refund")
"""The kinds of journal entry, in the order of their integer codes."""

_OUTSIDE = -1  # journal endpoint: credits created (grant) or destroyed (expiry)
_TREASURY = -2  # journal endpoint: the treasury sink
_OVERDRAFT_RTOL = 1e-9  # a debit this close above the balance is taken as the whole balance
_AUDIT_RTOL = 1e-9

Accounts = str | int | np.integer | Sequence[str] | Sequence[int] | NDArray[np.integer]


class LedgerImbalanceError(RuntimeError):
    """Raised by :meth:`CreditLedger.audit` when credits are not conserved."""


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


@dataclass(frozen=True, slots=True)
class _Block:
    """One journal block: the movements made by a single call."""

    seq: int
    kind: int
    week: int
    src: NDArray[np.intp]
    dst: NDArray[np.intp]
    amount: NDArray[np.float64]
    memo: str


class CreditLedger:
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
            if np.any(bad):
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
        if np.any(over):
            i = int(np.flatnonzero(over)[0])
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
        if np.any(same):
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
        if np.any(self._balances < 0):
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
        names = self._names

        def label(i: int) -> str | None:
            if i == _OUTSIDE:
                return None
            return TREASURY if i == _TREASURY else names[i]

        rows: list[dict[str, Any]] = []
        for block in self._journal:
            if code is not None and block.kind != code:
                continue
            kind_name = ENTRY_KINDS[block.kind]
            for j in range(block.amount.size):
                rows.append(
                    {
                        "seq": block.seq + j,
                        "kind": kind_name,
                        "week": block.week,
                        "from": label(int(block.src[j])),
                        "to": label(int(block.dst[j])),
                        "amount": float(block.amount[j]),
                        "memo": block.memo,
                    }
                )
        return rows

    def entries_frame(self, kind: str | None = None) -> pd.DataFrame:
        """The journal as a pandas DataFrame with the columns of :meth:`entries`."""
        import pandas as pd

        columns = ["seq", "kind", "week", "from", "to", "amount", "memo"]
        return pd.DataFrame(self.entries(kind), columns=columns)

    # ------------------------------------------------------------------ internals

    @staticmethod
    def _kind_code(kind: str) -> int:
        if kind not in ENTRY_KINDS:
            raise ValueError(f"kind must be one of {', '.join(ENTRY_KINDS)}, got {kind!r}")
        return ENTRY_KINDS.index(kind)

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
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite, got {float(arr[~np.isfinite(arr)][0])!r}")
        if np.any(arr < 0):
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
        if np.any(over):
            i = int(np.flatnonzero(over)[0])
            more = int(over.sum()) - 1
            tail = f" (and {more} more accounts)" if more else ""
            raise ValueError(
                f"{what} of {float(totals[i])!r} from account {self._names[i]!r} exceeds its "
                f"balance {float(self._balances[i])!r}{tail}"
            )
        overshoot = totals > self._balances
        if np.any(overshoot):
            # Scale each overshooting account's debits so they sum to exactly its balance.
            scale = np.ones_like(totals)
            scale[overshoot] = self._balances[overshoot] / totals[overshoot]
            amt = amt * scale[idx]
        return amt

    def _clamp_dust(self, idx: NDArray[np.intp]) -> None:
        """Zero balances left a rounding error below zero by a debit."""
        touched = self._balances[idx]
        if np.any(touched < 0):
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
        if not np.any(keep):
            return
        if not np.all(keep):
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
