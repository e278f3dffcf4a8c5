"""Auctions: mechanisms where bidders pay money.

- ``pay_as_bid`` (discriminatory; first-price sealed bid for one unit),
- ``uniform_price`` (every winner pays the highest rejected bid, or the reserve),
- ``vickrey`` (multi-unit VCG; second-price sealed bid for one unit),
- ``proportional_share`` (Kelly's divisible mechanism: share proportional to money bid).

The three indivisible auctions allocate the same way: the ``floor(supply)`` highest marginal
bids win (after the book has been trimmed to budgets and bids below the reserve dropped).
Ties are broken as if marginal bids were ordered by ``(bid desc, random key desc)`` with one
uniform key per bid from the rng; keys are only drawn for bids tied at the cut-off, which
gives the same distribution at a fraction of the cost.

Cost: one ``np.partition`` (a linear-time selection, not a sort) finds the cut-off; VCG adds
a selection of the ``k`` highest rejected bids and a running count over a small mask.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from market.book import BidBook, LazyGenerator
from market.registry import RuleResult, register

__all__ = ["pay_as_bid", "proportional_share", "uniform_price", "vickrey"]


@dataclass(frozen=True, slots=True)
class _Selection:
    """Which marginal bids won.

    Attributes:
        win: ``(n, k)`` mask of winning marginal bids.
        allocation: ``(n,)`` float units won per bidder.
        highest_rejected: Highest positive bid that did not win (0.0 if none).
        n_rejected: Number of positive bids that did not win.
    """

    win: np.ndarray
    allocation: np.ndarray
    highest_rejected: float
    n_rejected: int


def _row_sums(matrix: np.ndarray) -> np.ndarray:
    # A matrix-vector product beats ``sum(axis=1)`` several-fold on short rows.
    return matrix @ np.ones(matrix.shape[1])


def _select_winners(book: BidBook, rng: LazyGenerator) -> _Selection:
    bids = book.bids
    flat = bids.reshape(-1)
    size = flat.size
    units = book.units
    n_positive = int(np.count_nonzero(flat))
    if units >= n_positive:  # every bid is served
        win = bids > 0.0
        return _Selection(win, _row_sums(win), 0.0, 0)
    if units == 0:
        win = np.zeros(bids.shape, dtype=bool)
        return _Selection(win, np.zeros(bids.shape[0]), float(flat.max()), n_positive)
    # After partitioning, index size-units-1 holds the (units+1)-th highest bid (the highest
    # rejected) and everything to its right is >= it; their minimum is the units-th highest.
    cut = size - units
    part = np.partition(flat, cut - 1)
    highest_rejected = float(part[cut - 1])
    lowest_winning = float(part[cut:].min())
    if lowest_winning > highest_rejected:
        win = bids >= lowest_winning
    else:  # bids tied at the cut-off: the highest random keys among them win
        win = bids > lowest_winning
        need = units - int(np.count_nonzero(win))
        tied = np.flatnonzero(flat == lowest_winning)
        keys = rng.get().random(tied.size)
        chosen = tied[np.argpartition(-keys, need - 1)[:need]]
        win.reshape(-1)[chosen] = True
    return _Selection(win, _row_sums(win), highest_rejected, n_positive - units)


@register(
    "pay_as_bid",
    truthful=False,
    uses_money=True,
    divisible=False,
    description=(
        "Discriminatory auction: the highest unit bids win and each winner pays its own "
        "winning bids. With one unit this is the first-price sealed-bid auction, so bidders "
        "shade their bids below their values."
    ),
)
def pay_as_bid(book: BidBook, rng: LazyGenerator) -> RuleResult:
    """Pay-as-bid: the ``floor(supply)`` highest bids win; winners pay their own bids.

    Args:
        book: Validated book (budgets and reserve applied).
        rng: Tie-breaking randomness.

    Returns:
        ``(allocation, payments, None)``.
    """
    sel = _select_winners(book, rng)
    return sel.allocation, _row_sums(np.where(sel.win, book.bids, 0.0)), None


@register(
    "uniform_price",
    truthful=False,
    uses_money=True,
    divisible=False,
    description=(
        "Uniform-price auction: the highest unit bids win and every winning unit pays the same "
        "price, the highest rejected bid (or the reserve if higher). Truthful with one-unit "
        "demand, but bidders wanting several units gain by bidding low on later units "
        "(demand reduction)."
    ),
)
def uniform_price(book: BidBook, rng: LazyGenerator) -> RuleResult:
    """Uniform price: same winners as pay-as-bid; each unit pays p = max(highest rejected, reserve).

    The price is always a float: the highest rejected bid is the ``(S+1)``-th highest bid,
    so with zero supply it is the highest bid, and when nothing is rejected (supply covers
    every bid, or there are no bids) the price is the reserve (0.0 without a reserve).

    Args:
        book: Validated book (budgets and reserve applied).
        rng: Tie-breaking randomness.

    Returns:
        ``(allocation, payments, price)``.
    """
    sel = _select_winners(book, rng)
    price = max(sel.highest_rejected, book.reserve)
    return sel.allocation, sel.allocation * price, price


@register(
    "vickrey",
    truthful=True,
    uses_money=True,
    divisible=False,
    description=(
        "Multi-unit Vickrey (VCG) auction: the highest unit bids win and each winner pays the "
        "rival bids its units displaced (never less than the reserve). Bidding true values is "
        "a dominant strategy. With one unit this is the second-price sealed-bid auction."
    ),
)
def vickrey(book: BidBook, rng: LazyGenerator) -> RuleResult:
    """Multi-unit VCG for non-increasing marginal bids.

    A bidder winning ``q`` units pays the sum of the ``q`` highest rejected bids of its
    rivals, padded with the reserve when rivals have fewer rejected bids. This equals the
    welfare of the others without it minus their welfare with it (the seller's reserve
    counting as ``S`` rival bids at the reserve). Only the ``k`` highest rejected bids can
    matter: at most ``k - q`` of them are the winner's own, leaving at least ``q`` rivals',
    and any rival bid outside that list is no higher than every bid in it.
    Winners with no bid in that short list pay the sum of its first ``q`` entries (one
    prefix-sum lookup for all of them); only the at most ``k`` winners owning listed bids
    need a ``(those winners x 2k)`` rival mask and its running count.

    Args:
        book: Validated book (budgets and reserve applied).
        rng: Tie-breaking randomness.

    Returns:
        ``(allocation, payments, None)``.
    """
    sel = _select_winners(book, rng)
    allocation = sel.allocation
    winners = np.flatnonzero(allocation)
    payments = np.zeros(allocation.shape[0])
    if winners.size == 0:
        return allocation, payments, None
    if sel.n_rejected == 0:
        payments[winners] = allocation[winners] * book.reserve
        return allocation, payments, None
    k = book.max_units
    flat = book.bids.reshape(-1)
    rejected_at = np.flatnonzero(~sel.win.reshape(-1) & (flat > 0.0))
    rejected = flat[rejected_at]
    if rejected.size > k:
        keep = np.argpartition(rejected, rejected.size - k)[rejected.size - k :]
        rejected_at, rejected = rejected_at[keep], rejected[keep]
    order = np.argsort(-rejected)
    # The k highest rejected bids, best first, then k reserve-priced "seller" bids that pad
    # the list when fewer than q rival bids were rejected.
    values = np.concatenate([rejected[order], np.full(k, book.reserve)])
    owners = np.concatenate([rejected_at[order] // k, np.full(k, -1)])
    quantity = allocation[winners].astype(np.intp)
    # A winner none of whose own bids is in the list displaces the first q values of it.
    payments[winners] = np.concatenate([[0.0], np.cumsum(values)])[quantity]
    # The (at most k) winners owning some of the listed bids skip their own entries. A
    # winner listed twice just gets the same payment written twice.
    listed = owners[: order.size]
    mixed = listed[allocation[listed] > 0.0]
    if mixed.size:
        q_mixed = allocation[mixed][:, None]
        rival = owners[None, :] != mixed[:, None]
        displaced = rival & (np.cumsum(rival, axis=1) <= q_mixed)
        payments[mixed] = displaced @ values
    return allocation, payments, None


@register(
    "proportional_share",
    truthful=False,
    uses_money=True,
    divisible=True,
    description=(
        "Kelly's proportional share: each bidder pays its total bid and receives a divisible "
        "share of supply proportional to it (the price per unit is total money over supply, "
        "at least the reserve). Efficient when bidders take the price as given; strategic "
        "bidders keep at least 3/4 of the optimal welfare."
    ),
)
def proportional_share(book: BidBook, rng: LazyGenerator) -> RuleResult:
    """Kelly mechanism: ``x_i = w_i / max(sum w, reserve * S) * S`` where ``w_i`` = row total.

    Every bidder with a positive money bid pays it. The price is ``max(sum w / S, reserve)``;
    with zero supply nothing is allocated, nobody pays and the price is ``None``.

    Args:
        book: Validated book (budgets and reserve applied).
        rng: Unused (the rule has no randomness).

    Returns:
        ``(allocation, payments, price)``.
    """
    money = _row_sums(book.bids)
    supply = book.supply
    if supply <= 0.0:
        zeros = np.zeros(book.n_bidders)
        return zeros, zeros.copy(), None
    total = float(money.sum())
    scale = max(total, book.reserve * supply)
    if scale <= 0.0:
        zeros = np.zeros(book.n_bidders)
        return zeros, zeros.copy(), max(0.0, book.reserve)
    allocation = money / scale * supply  # money/scale <= 1: no overflow for tiny totals
    payments = np.where(allocation > 0.0, money, 0.0)
    return allocation, payments, max(total / supply, book.reserve)
