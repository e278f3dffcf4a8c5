"""The ten phases of a week, in order (DESIGN.md §3).

1. :mod:`~game.world.phases.supply` — the fleet grows, goes live, breaks, leaves.
2. :mod:`~game.world.phases.lifecycle` — projects progress, end and start; demand grows.
3. :mod:`~game.world.phases.reallocation` — the reallocation group reclaims and fast-tracks.
4. :mod:`~game.world.phases.budgets` — leadership grants credits (quarterly).
5. :mod:`~game.world.phases.bidding` — the team agents bid through their strategies.
6. :mod:`~game.world.phases.clearing` — the rule allocates the pool.
7. :mod:`~game.world.phases.negotiation` — teams lend and borrow tranches.
8. :mod:`~game.world.phases.work` — output from the GPUs held.
9. :mod:`~game.world.phases.pressure` — stress, burnout, contagion, attrition.
10. :mod:`~game.world.phases.record` — the metrics row, team snapshots and narration.

Each phase is a function that takes the state it needs and returns a small typed result.
"""
