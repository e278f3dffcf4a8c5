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

Modules (imports run top to bottom, never back up):

* :mod:`~market.ledger._common` — the treasury name, entry kinds, tolerances, ``Accounts``;
* :mod:`~market.ledger.policy` — :class:`ExpiryPolicy`;
* :mod:`~market.ledger.audit` — :class:`LedgerAudit` and :class:`LedgerImbalanceError`;
* :mod:`~market.ledger.journal` — journal blocks and their expansion to rows;
* :mod:`~market.ledger.accounts` — account state, lookups, shared checks and recording;
* :mod:`~market.ledger.core` — :class:`CreditLedger`'s operations, audit and export.
"""

from market.ledger._common import _AUDIT_RTOL as _AUDIT_RTOL
from market.ledger._common import _OUTSIDE as _OUTSIDE
from market.ledger._common import _OVERDRAFT_RTOL as _OVERDRAFT_RTOL
from market.ledger._common import _TREASURY as _TREASURY
from market.ledger._common import ENTRY_KINDS, TREASURY
from market.ledger._common import Accounts as Accounts
from market.ledger.audit import LedgerAudit, LedgerImbalanceError
from market.ledger.core import CreditLedger
from market.ledger.journal import _Block as _Block
from market.ledger.policy import ExpiryPolicy

__all__ = [
    "ENTRY_KINDS",
    "TREASURY",
    "CreditLedger",
    "ExpiryPolicy",
    "LedgerAudit",
    "LedgerImbalanceError",
]
