"""Constants and type aliases shared by the modules of :mod:`market.ledger`.

Holds the public names of the treasury sink and the journal entry kinds, the private journal
endpoint codes and tolerances, and the :data:`Accounts` alias for the account arguments the
ledger takes (a name, an index, or a sequence/array of either).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

TREASURY = "treasury"
"""Name of the sink that payments go to (and refunds come from); not an account."""

ENTRY_KINDS = ("grant", "payment", "transfer", "expiry", "refund")
"""The kinds of journal entry, in the order of their integer codes."""

_OUTSIDE = -1  # journal endpoint: credits created (grant) or destroyed (expiry)
_TREASURY = -2  # journal endpoint: the treasury sink
_OVERDRAFT_RTOL = 1e-9  # a debit this close above the balance is taken as the whole balance
_AUDIT_RTOL = 1e-9

Accounts = str | int | np.integer | Sequence[str] | Sequence[int] | NDArray[np.integer]
