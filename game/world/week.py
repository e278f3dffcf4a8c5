"""What one week did: every phase's typed result, gathered for recording and narration."""

from __future__ import annotations

from dataclasses import dataclass

from game.world.loans import Returned, Settled
from game.world.phases.bidding import BidResult
from game.world.phases.budgets import Grant
from game.world.phases.clearing import ClearingResult
from game.world.phases.lifecycle import LifecycleResult
from game.world.phases.negotiation import Loans
from game.world.phases.pressure import PressureResult
from game.world.phases.reallocation import ReallocationResult
from game.world.phases.supply import SupplyChange
from game.world.phases.work import WorkResult

__all__ = ["WeekResults"]


@dataclass(frozen=True, slots=True)
class WeekResults:
    """The results of the nine acting phases of one week, in phase order.

    Attributes:
        week: The week played.
        supply: Phase 1.
        lifecycle: Phase 2.
        reallocation: Phase 3.
        grant: Phase 4 (``None`` in weeks that start no quarter).
        bids: Phase 5.
        clearing: Phase 6.
        loans: Phase 7.
        work: Phase 8.
        pressure: Phase 9.
        term_loans: Loans agreed outside the automatic bargaining, settled this week
            (part of ``loans`` too).
        returned: Term loans that ended this week, their tranches back with the lender.
    """

    week: int
    supply: SupplyChange
    lifecycle: LifecycleResult
    reallocation: ReallocationResult
    grant: Grant | None
    bids: BidResult
    clearing: ClearingResult
    loans: Loans
    work: WorkResult
    pressure: PressureResult
    term_loans: Settled | None = None
    returned: Returned | None = None
