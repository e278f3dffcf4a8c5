"""Learning bots in a workshop: their state is rebuilt exactly by replaying the log.

A learner's state (weights over shadings, weeks learned, regret) lives on its team's
strategy object and its luck comes from the model's generator, so the same actions
replayed from the store give the same learners — after a server restart, or in the
debrief's re-run.
"""

from __future__ import annotations

import numpy as np

from game import load_scenario
from workshop import LOCAL_HOST, Workshop, create_workshop


def _learners(session) -> list:
    return [
        agent.strategy for agent in session.model.team_agents if hasattr(agent.strategy, "scores")
    ]


def test_learning_bots_have_the_same_state_after_a_replay_of_the_log(tmp_path):
    sc = load_scenario(
        "classroom", {"lab.strategy_mix": {"hedge": 0.5, "roth_erev": 0.3, "hedge_by_unit": 0.2}}
    )
    created = create_workshop(tmp_path / "ws.db", sc, seats=2, rounds=4, seed=5)
    w = Workshop(created.db)
    for r in range(3):
        w.open_round(LOCAL_HOST)
        w.submit_bid(created.seats[0].token, [(1, 30.0 + 5 * r), (1, 10.0)])
        w.close_bidding(LOCAL_HOST)
        w.close_negotiation(LOCAL_HOST)
    with w.session() as live:
        before = _learners(live)
        assert before and all(s.weeks > 0 for s in before)  # they did learn something
        scores = [s.scores.copy() for s in before]
    replayed = _learners(Workshop(created.db).replayed())
    assert replayed == before
    for mine, theirs in zip(scores, replayed, strict=True):
        np.testing.assert_array_equal(mine, theirs.scores)
