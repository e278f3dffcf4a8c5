"""Learning bidders: what they learn in repeated auctions, and that the model owns their luck.

The repeated-auction tests play a learner against fixed truthful rivals through the real
market library (``market.clear``) week after week, feeding back what it won and paid
exactly as the model's feedback phase does.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import market
from agents.strategies import (
    BiddingParams,
    Feedback,
    Hedge,
    KellyAnticipating,
    Misreporter,
    RothErev,
    TeamView,
)
from agents.strategies.kelly import anticipating_money
from agents.strategies.learning import SHADING_GRID, won_value
from game import ComputeGame, load_scenario
from market import Pricing


def test_won_value_counts_whole_tranches_and_a_fraction_of_the_next():
    values = np.array([[10.0, 6.0, 2.0], [4.0, 0.0, 0.0]])
    np.testing.assert_allclose(won_value(values, np.array([1.5, 3.0])), [13.0, 4.0])
    np.testing.assert_allclose(won_value(values, np.array([0.0, 0.0])), [0.0, 0.0])


def _repeated_auction(learner_cls, mechanism: str, weeks: int, seed: int) -> list[float]:
    """One learner (value 10 for one tranche) against rivals bidding uniform values.

    Returns the learner's expected shading after each week.
    """
    rng = np.random.default_rng(seed)
    learner = learner_cls()
    pricing = market.MECHANISMS[mechanism].pricing
    params = BiddingParams()
    shading = []
    for _ in range(weeks):
        view = TeamView.single([10.0], 1e9, n_bidders=3, pricing=pricing, params=params)
        mine = learner.bid(view, rng)
        rivals = rng.uniform(0.0, 10.0, size=(2, 1))
        out = market.clear(mechanism, np.vstack([mine, rivals]), 1.0, rng=rng)
        learner_cls.observe_for(
            [learner],
            Feedback(view, mine, out.allocation[:1], out.payments[:1], out.price),
        )
        shading.append(learner.expected_arm(params))
    return shading


@pytest.mark.parametrize("learner_cls", [Hedge, RothErev])
def test_learners_shade_little_under_vickrey_and_clearly_under_pay_as_bid(learner_cls):
    vickrey = np.mean(
        [_repeated_auction(learner_cls, "vickrey", 600, seed)[-1] for seed in range(4)]
    )
    pay_as_bid = np.mean(
        [_repeated_auction(learner_cls, "pay_as_bid", 600, seed)[-1] for seed in range(4)]
    )
    # Truthful bidding is dominant under Vickrey: shading only loses auctions. Under
    # pay-as-bid against two rivals with U(0, 10) values the best response to value 10 is
    # a bid of about 6.7 (shading about 1/3). Learning from bandit feedback is slow: both
    # start at the grid's mean shading, 0.45.
    assert vickrey < 0.25
    assert pay_as_bid > 0.25
    assert pay_as_bid - vickrey > 0.1


def test_hedge_starts_uniform_and_moves_weight_to_what_pays():
    learner = Hedge()
    params = BiddingParams(learning_rate=0.2, exploration=0.2)
    np.testing.assert_allclose(learner.probabilities(params), 1 / len(SHADING_GRID))
    for _ in range(50):
        learner.arm, learner.prob = 3, float(learner.probabilities(params)[3])
        learner.learn(1.0, params)
    assert np.argmax(learner.probabilities(params)) == 3
    # Exploration keeps every arm possible.
    assert learner.probabilities(params).min() >= 0.2 / len(SHADING_GRID) - 1e-12


def test_roth_erev_forgets_and_experiments():
    learner = RothErev()
    params = BiddingParams(recency=0.5, experimentation=0.3)
    learner.arm = 0
    learner.learn(1.0, params)
    k = len(SHADING_GRID)
    expected = np.full(k, 0.5 + 0.3 / (k - 1))
    expected[0] = 0.5 + 0.7
    np.testing.assert_allclose(learner.scores, expected)


def test_kelly_money_solves_the_first_order_condition_for_a_linear_value():
    # U(x) = v x with v = 4 per tranche, S = 10 on sale, others bid W = 20: the best
    # response solves v S W / (w + W)^2 = 1, i.e. w = sqrt(v S W) - W = sqrt(800) - 20.
    values = np.full((1, 40), 4.0)
    money = anticipating_money(values, np.array([np.inf]), np.array([20.0]), 10.0)
    np.testing.assert_allclose(money, [np.sqrt(800.0) - 20.0], rtol=1e-6)
    # A bidder whose value is below the marginal price of the first tranche spends nothing.
    none = anticipating_money(np.full((1, 5), 1.0), np.array([np.inf]), np.array([20.0]), 10.0)
    assert none[0] == 0.0


def test_kelly_bids_less_than_a_price_taker_because_it_sees_its_own_price_effect():
    values = np.array([[9.0, 8.0, 7.0, 6.0, 5.0, 4.0]])
    view = TeamView(
        values=values,
        budget=np.array([1e9]),
        stress=np.zeros(1),
        lost_last=np.zeros(1, dtype=bool),
        spent_this_quarter=np.zeros(1),
        weeks_left_in_quarter=1,
        n_bidders=4,
        pricing=Pricing.PROPORTIONAL,
        last_price=3.0,
        supply=6.0,
    )
    kelly = KellyAnticipating().bid(view, np.random.default_rng(0)).sum()
    taker = 3.0 * 6  # a price-taker spends the price on every tranche worth at least it
    assert 0.0 < kelly < taker


def test_misreporter_inflates_only_under_rules_without_money():
    params = BiddingParams()
    need = np.array([4.0])
    free = TeamView.single([5.0] * 4, 100.0, pricing=Pricing.NONE, need=4.0, params=params)
    priced = TeamView.single([5.0] * 4, 100.0, pricing=Pricing.UNIFORM, need=4.0, params=params)
    m = Misreporter()
    rng = np.random.default_rng(3)
    reported = []
    for _ in range(30):
        m.propose_for([m], free, rng)
        reported.append(float(Misreporter.report_for([m], free, rng)[0]))
        m.arm = None
    assert max(reported) > need[0]
    assert min(reported) >= need[0]
    m.propose_for([m], priced, rng)
    assert Misreporter.report_for([m], priced, rng)[0] == need[0]


def test_misreporter_learns_to_inflate_when_inflating_wins_more():
    # Max-min fair over reported needs: 8 tranches, an honest rival needing 2 and the
    # misreporter needing 2 but valuing up to 8: every tranche it reports beyond its need
    # comes out of the leftover pool, so inflating pays (and the learner finds it).
    rng = np.random.default_rng(11)
    m = Misreporter()
    params = BiddingParams()
    view = TeamView.single([5.0] * 8, 0.0, pricing=Pricing.NONE, need=2.0, params=params)
    for _ in range(400):
        bids = m.propose_for([m], view, rng)
        asked = Misreporter.report_for([m], view, rng)
        out = market.clear(
            "max_min_fair",
            np.vstack([bids, np.zeros((1, 8))]),
            8.0,
            demand=np.array([asked[0], 2.0]),
            rng=rng,
        )
        Misreporter.observe_for(
            [m], Feedback(view, bids, out.allocation[:1], out.payments[:1], None)
        )
    assert m.expected_arm(params) > 2.2  # uniform over the grid: 1.75


def _hedge_lab(seed: int) -> ComputeGame:
    sc = load_scenario("classroom", {"lab.strategy_mix": {"hedge": 0.5, "roth_erev": 0.5}})
    return ComputeGame(sc, rng=seed)


def test_learning_runs_are_reproducible_from_the_model_seed():
    a, b, c = _hedge_lab(5), _hedge_lab(5), _hedge_lab(6)
    for _ in range(12):
        a.step()
        b.step()
        c.step()
    weights = [
        [agent.strategy.scores.copy() for agent in game.agents if hasattr(agent, "strategy")]
        for game in (a, b, c)
    ]
    assert all(np.array_equal(x, y) for x, y in zip(weights[0], weights[1], strict=True))
    assert not all(np.array_equal(x, y) for x, y in zip(weights[0], weights[2], strict=True))
    # The learners did learn something (weights moved off their start).
    assert any(w.std() > 0 for w in weights[0])


def test_why_did_it_get_this_names_the_strategy_and_what_it_learned():
    sc = load_scenario("classroom", {"lab.strategy_mix": {"hedge": 1.0}})
    game = ComputeGame(sc, rng=4).run(12)
    team = game.teams.names[0]
    first = game.explain(team, 0).text
    later = game.explain(team, 11).text
    assert "hedge strategy and has not learned anything yet" in first
    share = round(100 * (1 - game.team_agents.to_list()[0].strategy.expected_arm()))
    assert re.search(r"hedge strategy; over \d+ week\(s\) it has learned to bid about \d+%", later)
    assert f"{share}% of its value" in game.team_agents.to_list()[0].strategy.describe()


def test_the_run_summary_reports_shading_early_and_late_and_the_learners_regret():
    from game.cli import bidding_line

    truthful = ComputeGame(
        load_scenario("classroom", {"lab.strategy_mix": {"truthful": 1.0}}), rng=1
    ).run(12)
    line = bidding_line(truthful)
    assert line.startswith("bidding: mean shading 0.00 in the first 10 weeks, 0.00 in the last")
    assert "regret" not in line
    learners = ComputeGame(
        load_scenario("classroom", {"lab.strategy_mix": {"hedge": 1.0}}), rng=1
    ).run(12)
    assert "learners' regret" in bidding_line(learners)


def test_learning_state_survives_the_workshops_replay(tmp_path):
    from workshop import LOCAL_HOST, Workshop, create_workshop

    sc = load_scenario("classroom", {"lab.strategy_mix": {"hedge": 0.5, "roth_erev": 0.5}})
    created = create_workshop(tmp_path / "w.db", sc, seats=2, rounds=4, seed=9)
    w = Workshop(created.db)
    for _ in range(3):  # seat 1 plays, seat 2 stays silent (its learning bot plays)
        w.open_round(LOCAL_HOST)
        me = created.seats[0]
        w.submit_bid(me.token, [(1, w.view(me.token).values[0] * 0.7)])
        w.advance(LOCAL_HOST)

    def learned(session) -> list[np.ndarray]:
        out = []
        for agent in session.model.team_agents:
            strategy = getattr(agent.strategy, "bot", agent.strategy)
            out.append(np.array(getattr(strategy, "scores", [])))
        return out

    with w.session() as live:
        cached = learned(live)
    again = learned(w.replayed())
    assert any(s.size and s.std() > 0 for s in cached)  # they did learn
    assert all(np.array_equal(a, b) for a, b in zip(cached, again, strict=True))
