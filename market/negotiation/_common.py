"""Names shared by the modules of :mod:`market.negotiation`: first movers and sides."""

from __future__ import annotations

from typing import Literal

FIRST_MOVERS = ("borrower", "lender", "random")
"""Valid values of ``first_mover``; ``"random"`` draws it with the ``rng``."""

Side = Literal["lender", "borrower"]
