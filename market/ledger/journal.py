"""The ledger's append-only journal: one block of arrays per call, expanded to rows on export."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from market.ledger._common import _OUTSIDE, _TREASURY, ENTRY_KINDS, TREASURY


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


def kind_code(kind: str) -> int:
    """Integer code of a journal entry kind (its position in :data:`ENTRY_KINDS`).

    Args:
        kind: One of :data:`ENTRY_KINDS`.

    Returns:
        The code.

    Raises:
        ValueError: For an unknown kind.
    """
    if kind not in ENTRY_KINDS:
        raise ValueError(f"kind must be one of {', '.join(ENTRY_KINDS)}, got {kind!r}")
    return ENTRY_KINDS.index(kind)


def journal_rows(
    journal: Sequence[_Block], names: Sequence[str], code: int | None
) -> list[dict[str, Any]]:
    """Expand journal blocks into one row per movement, oldest first.

    Args:
        journal: The blocks, in recording order.
        names: Account names in index order.
        code: Only blocks of this kind code; ``None`` for all.

    Returns:
        The rows, as documented on :meth:`CreditLedger.entries`.
    """

    def label(i: int) -> str | None:
        if i == _OUTSIDE:
            return None
        return TREASURY if i == _TREASURY else names[i]

    rows: list[dict[str, Any]] = []
    for block in journal:
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
