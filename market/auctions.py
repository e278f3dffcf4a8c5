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
from market.registry import Example, Pricing, RuleResult, register

__all__ = ["pay_as_bid", "proportional_share", "uniform_price", "vickrey"]

# A shared book: bidder 0 bids 9 then 4, bidder 1 bids 7 then 6, bidder 2 bids 5 for one unit.
_BOOK = ((9.0, 4.0), (7.0, 6.0), (5.0, 0.0))


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
        tied = (flat == lowest_winning).nonzero()[0]
        keys = rng.get().random(tied.size)
        chosen = tied[np.argpartition(-keys, need - 1)[:need]]
        win.reshape(-1)[chosen] = True
    return _Selection(win, _row_sums(win), highest_rejected, n_positive - units)


@register(
    "pay_as_bid",
    label="Pay as bid",
    pricing=Pricing.DISCRIMINATORY,
    truthful=False,
    divisible=False,
    formula=(
        r"x_i = \#\{k : b_{ik} \text{ among the } S \text{ highest bids}\},\qquad "
        r"p_i = \sum_{k \le x_i} b_{ik}"
    ),
    reading=(
        "Each team pays exactly what it bid for each tranche it won. Bidding your true value "
        "earns you nothing, so everybody shades: with n bidders and one unit the equilibrium "
        "bid is (n−1)/n of the value."
    ),
    source=(
        "Vickrey (1961), *J. Finance* 16; Ausubel, Cramton, Pycia, Rostek & Weretka (2014), "
        "*Rev. Econ. Stud.* 81."
    ),
    examples=(
        Example(
            _BOOK,
            3,
            allocation=(1, 2, 0),
            payments=(9, 13, 0),
            note="The three highest bids are 9 (b0), 7 and 6 (b1); 5 and 4 are rejected. "
            "Each winner pays its own winning bids: b0 9, b1 7 + 6 = 13.",
        ),
        Example(
            _BOOK,
            3,
            reserve=5.5,
            allocation=(1, 2, 0),
            payments=(9, 13, 0),
            note="Reserve 5.5 drops 4 and 5: the remaining 9, 7, 6 all win at their bids.",
        ),
        Example(
            _BOOK,
            2.7,
            allocation=(1, 1, 0),
            payments=(9, 7, 0),
            note="Fractional supply 2.7 means 2 whole units: 9 and 7 win.",
        ),
    ),
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
    label="Uniform price",
    pricing=Pricing.UNIFORM,
    truthful=False,
    divisible=False,
    formula=r"p^\ast = \max\left(b_{(S+1)},\ r\right),\qquad p_i = p^\ast\, x_i",
    reading=(
        "The S highest unit bids win and every winning tranche costs the same price: the "
        "highest losing bid b₍S+1₎, or the reserve r if that is higher. Teams wanting several "
        "tranches gain by bidding low on their later ones (demand reduction)."
    ),
    source=(
        "Ausubel et al. (2014), *Rev. Econ. Stud.* 81; Krishna, *Auction Theory* (2010), ch. 12."
    ),
    examples=(
        Example(
            _BOOK,
            3,
            allocation=(1, 2, 0),
            payments=(5, 10, 0),
            price=5.0,
            note="Winners as pay-as-bid; the highest rejected bid is 5, so every unit costs 5.",
        ),
        Example(
            _BOOK,
            3,
            reserve=5.5,
            allocation=(1, 2, 0),
            payments=(5.5, 11, 0),
            price=5.5,
            note="Reserve 5.5 drops 5 and 4; nothing is rejected, so the price is the reserve.",
        ),
        Example(
            _BOOK,
            1,
            allocation=(1, 0, 0),
            payments=(7, 0, 0),
            price=7.0,
            note="Supply 1: only 9 wins; the highest rejected bid is 7.",
        ),
    ),
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
    label="Vickrey (VCG)",
    pricing=Pricing.VCG,
    truthful=True,
    divisible=False,
    formula=r"p_i = W_{-i}(\text{without } i) - W_{-i}(\text{with } i)",
    reading=(
        "Winners are the S highest unit bids; each team pays the value its tranches took away "
        "from the others (the rival bids it displaced). Bidding your true values is a dominant "
        "strategy, so nobody needs to guess what others do."
    ),
    source="Vickrey (1961); Clarke (1971), *Public Choice* 11; Groves (1973), *Econometrica* 41.",
    examples=(
        Example(
            _BOOK,
            3,
            allocation=(1, 2, 0),
            payments=(5, 9, 0),
            note="Winners 9 | 7, 6; rejected 5 (b2), 4 (b0). b0 displaces the best rival "
            "rejected bid, 5; b1 the two best, 5 + 4 = 9. By VCG: others' welfare without b1 "
            "is 9 + 5 + 4 = 18, with b1 9, so b1 pays 9.",
        ),
        Example(
            _BOOK,
            3,
            reserve=4.5,
            allocation=(1, 2, 0),
            payments=(5, 9.5, 0),
            note="Reserve 4.5 drops the 4: b0 pays 5; b1 pays 5 + the reserve 4.5 (the "
            "seller keeps a unit worth 4.5) = 9.5.",
        ),
        Example(
            (9.0, 7.0, 5.0),
            1,
            allocation=(1, 0, 0),
            payments=(7, 0, 0),
            note="One unit: the second-price auction; 9 wins and pays 7.",
        ),
    ),
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
    winners = allocation.nonzero()[0]
    payments = np.zeros(allocation.shape[0])
    if winners.size == 0:
        return allocation, payments, None
    if sel.n_rejected == 0:
        payments[winners] = allocation[winners] * book.reserve
        return allocation, payments, None
    k = book.max_units
    flat = book.bids.reshape(-1)
    rejected_at = (~sel.win.reshape(-1) & (flat > 0.0)).nonzero()[0]
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
    label="Proportional share (Kelly)",
    pricing=Pricing.PROPORTIONAL,
    truthful=False,
    divisible=True,
    formula=(
        r"x_i = \frac{w_i}{\sum_j w_j}\, S,\qquad "
        r"p = \max\left(\frac{\sum_j w_j}{S},\ r\right)"
    ),
    reading=(
        "Each team names a budget w; the pool is split in proportion to the money. Simple and "
        "divisible; strategic teams still keep at least 3/4 of the best possible welfare."
    ),
    source=(
        "Kelly (1997), *Eur. Trans. Telecomm.* 8; Johari & Tsitsiklis (2004), "
        "*Math. Oper. Res.* 29."
    ),
    examples=(
        Example(
            _BOOK,
            3,
            allocation=(39 / 31, 39 / 31, 15 / 31),
            payments=(13, 13, 5),
            price=31 / 3,
            note="Money bids are the row totals 13, 13, 5 (sum 31); shares w/31 x 3; everyone "
            "pays its own total; the price is 31/3 per unit.",
        ),
        Example(
            _BOOK,
            3,
            reserve=8,
            allocation=(1.125, 0, 0),
            payments=(9, 0, 0),
            price=8.0,
            note="Reserve 8 leaves only b0's 9; reserve x S = 24 > 9, so b0 gets 9/24 x 3 = "
            "1.125 units and the price is the reserve.",
        ),
    ),
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
