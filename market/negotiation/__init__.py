"""Bilateral negotiation over GPU loans and trades: alternating offers with concession tactics.

A *lender* (a team with surplus GPUs) and a *borrower* (a team short of them) haggle over
the price per unit of a fixed number of units. Each side has a private reservation price —
the lender's opportunity cost (its minimum) and the borrower's marginal value (its
maximum) — and concedes over time along a Faratin, Sierra & Jennings (1998) curve
(MODEL-REFERENCE §5)::

    α(t) = κ + (1 − κ)·(t / t_max)^(1/β)
    offer(t) = anchor + α(t)·(reservation − anchor)

Anchors (the price each side would ideally get) come from a price range ``[open_low,
open_high]`` both sides know, like the issue domain in Faratin et al.: the borrower's anchor
is ``open_low`` (default 0: "lend them to me for free") and the lender's is ``open_high``
(default twice the larger reservation, so neither opening offer is acceptable by
construction). An anchor on the wrong side of its owner's reservation is moved onto it.
The game anchors both to the market: ``open_low`` and ``open_high`` lie a spread below and
above the last clearing price (:mod:`game.world.phases.negotiation`).

Protocol (rounds ``t = 0, 1, 2, ...`` on a shared clock; the first mover moves at even
rounds). On its turn at round ``t`` a side

1. walks away if ``t > t_max`` (its deadline has passed);
2. otherwise accepts the standing offer (made by the other side at ``t − 1``) if it is at
   least as good as the offer it would make now; the deal is struck at the standing price;
3. otherwise makes its own offer ``offer(t)``.

At ``t = t_max`` a side's own offer is its reservation, so a side accepts anything within
its reservation on its last turn. Every deal price lies in ``[lender reservation, borrower
reservation]``, so there is never a deal without a zone of agreement. Offers depend only on
the clock, so :func:`negotiate_batch` evaluates thousands of negotiations at once with
exactly the results of :func:`negotiate`.

Also here: the Rubinstein (1982) first-proposer share and the Nash bargaining price.

Modules (imports run top to bottom, never back up):

* :mod:`~market.negotiation._common` — ``FIRST_MOVERS`` and the ``Side`` type;
* :mod:`~market.negotiation.tactics` — the concession curve (:func:`concession`);
* :mod:`~market.negotiation.profiles` — :class:`NegotiatorProfile` and :func:`stressed`;
* :mod:`~market.negotiation.theory` — :func:`rubinstein_share`, :func:`nash_bargaining_price`
  (and :func:`nash_bargaining_prices` over arrays);
* :mod:`~market.negotiation.results` — :class:`NegotiationResult`, :class:`NegotiationBatch`,
  :class:`NegotiationTranscripts`;
* :mod:`~market.negotiation.schedule` — anchors, offer schedules and shared argument checks;
* :mod:`~market.negotiation.single` — :func:`negotiate`;
* :mod:`~market.negotiation.batch` — :func:`negotiate_batch` (and
  :func:`negotiate_batch_detailed`, with the opening offers and who walked away).
"""

from market.negotiation._common import FIRST_MOVERS
from market.negotiation._common import Side as Side
from market.negotiation.batch import negotiate_batch, negotiate_batch_detailed
from market.negotiation.profiles import NegotiatorProfile, stressed
from market.negotiation.results import (
    NegotiationBatch,
    NegotiationResult,
    NegotiationTranscripts,
)
from market.negotiation.schedule import _anchors as _anchors
from market.negotiation.schedule import _check_units as _check_units
from market.negotiation.schedule import _first_movers as _first_movers
from market.negotiation.schedule import _schedule as _schedule
from market.negotiation.single import _params as _params
from market.negotiation.single import negotiate
from market.negotiation.tactics import _alpha as _alpha
from market.negotiation.tactics import concession
from market.negotiation.theory import (
    nash_bargaining_price,
    nash_bargaining_prices,
    rubinstein_share,
)

__all__ = [
    "FIRST_MOVERS",
    "NegotiationBatch",
    "NegotiationResult",
    "NegotiationTranscripts",
    "NegotiatorProfile",
    "concession",
    "nash_bargaining_price",
    "nash_bargaining_prices",
    "negotiate",
    "negotiate_batch",
    "negotiate_batch_detailed",
    "rubinstein_share",
    "stressed",
]
