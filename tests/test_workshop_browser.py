"""A live workshop in a real browser: a host and three players, each in their own context.

Playwright drives the system Chromium against ``streamlit run app.py`` serving a fresh
workshops folder (what ``crunch app --workshops-dir`` sets). The host creates a 6-seat
workshop from the Host page's form and hands seats 4-6 to their bots; three players open
their links from the join sheet and bid different amounts in round 1 (the last bid closes
bidding early, as every person has bid); each sees their own result and no other team's
credits; player 2 lends to player 1 and player 1 accepts, both see the deal; the host
changes the rule, every player page shows it (announced, then in force once the host has
closed round 1 and opened round 2); a player reloads and is back in the same seat; the
projector shows round 2.

Expected values come from the engine reading the same database the server writes.
Screenshots of each step: ``test-artifacts/workshop/`` (or ``$CRUNCH_TEST_ARTIFACTS/workshop``).
Needs Chromium from the system; without it the test is skipped with that hint.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from workshop_browser import (
    ARTIFACTS,
    WAIT_MS,
    alert,
    app_server,
    choose,
    click,
    fill_number,
    keyed,
    launch,
    metric,
    metric_values,
    new_person,
    open_url,
    seat_links,
    settle,
    shot,
)

from ui.labels import mechanism_label
from ui.serve import find_chromium
from workshop import Workshop
from workshop.seat_story import seat_story

CHROMIUM = find_chromium()
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="no system Chromium found: apt-get install chromium (or set CHROMIUM=/path)",
    ),
]
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing: pip install -e '.[dev]'"
)
expect = sync_api.expect
expect.set_options(timeout=WAIT_MS)

LOG = "streamlit-workshop-browser.log"
SEATS, ROUNDS, PLAYERS = 6, 4, (1, 2, 3)
#: Rule the host switches to for round 2 (the classroom preset clears by uniform price).
NEW_RULE = "pay_as_bid"
#: Round 1 bids: seat → (tranches, credits each); all different.
BIDS = {1: (2, 60.0), 2: (1, 35.0), 3: (3, 20.0)}


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["t"][0]


def credits_text(value: float) -> str:
    return f"{value:,.0f}"


def create_workshop_in_form(host) -> None:
    """Fill the Host page's form: 6 seats, 4 rounds, long windows (no timer runs out)."""
    for key, value in (
        ("ws_new_seats", SEATS),
        ("ws_new_rounds", ROUNDS),
        ("ws_new_seed", 3),
        ("ws_new_bidding_seconds", 900),
        ("ws_new_negotiation_seconds", 900),
    ):
        box = keyed(host, key).locator("input")
        box.fill(str(value))
        box.press("Tab")
    host.get_by_role("button", name=re.compile("Create the workshop")).click()
    settle(host, 1000)


def test_a_host_and_three_players_play_a_live_workshop(tmp_path):
    folder = tmp_path / "workshops"
    folder.mkdir()
    (ARTIFACTS / LOG).unlink(missing_ok=True)
    with (
        app_server(folder, LOG) as url,
        sync_api.sync_playwright() as p,
    ):
        browser = launch(p, CHROMIUM)
        try:
            _play_the_workshop(browser, url, folder)
        finally:
            browser.close()


def _play_the_workshop(browser, url: str, folder) -> None:
    # -- 1. The host creates a 6-seat workshop from the form; its console shows the sheet.
    host = new_person(browser)
    open_url(host, f"{url}/host")
    expect(host.get_by_role("heading", name="Host a workshop")).to_be_visible()
    create_workshop_in_form(host)
    expect(alert(host, re.compile(r"Workshop \w+ created"))).to_be_visible()
    links = seat_links(host)
    assert sorted(links) == list(range(1, SEATS + 1)), links
    (db,) = folder.glob("*.db")
    ws = Workshop(db)
    assert ws.rounds == ROUNDS and len(ws.seat_teams) == SEATS
    tokens = {seat: token_of(link) for seat, link in links.items()}
    teams = {seat: ws.seat(tokens[seat]).team for seat in tokens}
    assert len(set(teams.values())) == SEATS
    shot(host, "01-host-created", host.get_by_text("Join sheet"))

    # -- 2. Seats 4-6 go to their bots; the host opens round 1.
    for seat in range(len(PLAYERS) + 1, SEATS + 1):
        choose(host, "host_seat", f"{seat}: {teams[seat]}")
        click(host, "host_seat_bot")
        expect(alert(host, f"Seat {seat} ({teams[seat]}) is played by its bot")).to_be_visible()
    assert [s.mode for s in ws.status().seats] == ["human"] * 3 + ["bot"] * 3
    click(host, "host_open")
    expect(host.get_by_text("0 of 3 player seats have bid this round.")).to_be_visible()
    shot(host, "02-host-round1-open", keyed(host, "host_close_bidding"))

    # -- 3. Three players open their links; each sees their own team.
    players = {}
    for seat in PLAYERS:
        pg = new_person(browser, width=430, height=1400)  # a phone-width screen
        open_url(pg, links[seat])
        view = ws.view(tokens[seat])
        expect(pg.get_by_text(f"{teams[seat]} · {view.kind} team")).to_be_visible()
        expect(keyed(pg, "play_clock")).to_contain_text(f"Round 1 of {ROUNDS}")
        players[seat] = pg

    # -- 4. All three bid, each a different amount; the last bid closes bidding early.
    for seat in PLAYERS:
        pg, (units, price) = players[seat], BIDS[seat]
        view = ws.view(tokens[seat])
        assert units <= view.max_units and units * price <= view.budget, (seat, view.budget)
        fill_number(pg, "play_step1_units", units)
        fill_number(pg, "play_step1_price", price)
        click(pg, "play_submit_bid")
        sent = alert(pg, f"Bid sent: {units} tranche(s)")
        expect(sent).to_be_visible()
        shot(pg, f"03-player{seat}-bid", sent)
    bids = {a.seat: a.payload["steps"] for a in ws.actions() if a.kind == "bid" and a.round == 0}
    assert bids == {seat: [[u, p]] for seat, (u, p) in BIDS.items()}
    expect(host.get_by_text(f"Round 1 of {ROUNDS} · negotiating loans")).to_be_visible()
    shot(host, "04-host-bidding-closed", keyed(host, "host_close_round"))

    # -- 5. Each player sees their own result, and no other team's credits.
    budgets = {seat: credits_text(ws.view(tokens[seat]).budget) for seat in tokens}
    for seat, pg in players.items():
        last = seat_story(ws, tokens[seat]).last
        assert last is not None
        expect(keyed(pg, "play_clock")).to_contain_text("negotiation is open")
        won = metric(pg, "Tranches won", "play_result_metrics")
        expect(won).to_have_text(f"{last.won:,.0f}")
        expect(metric(pg, "Credits paid", "play_result_metrics")).to_have_text(f"{last.paid:,.1f}")
        expect(metric(pg, "Credits", "play_team_metrics")).to_have_text(budgets[seat])
        values = set(metric_values(pg).values())
        others = {budgets[s] for s in tokens if s != seat} - {budgets[seat]}
        assert not values & others, f"seat {seat} sees another team's credits"
        shot(pg, f"05-player{seat}-result", won)

    # -- 6. Player 2 lends player 1 a tranche; player 1 accepts; both see the deal.
    lender, borrower = players[2], players[1]
    assert ws.view(tokens[2]).tranches >= 1
    choose(lender, "play_offer_team", teams[1])
    lender.locator(".st-key-play_offer_direction").get_by_text("Lend tranches to them").click()
    settle(lender)
    fill_number(lender, "play_offer_units", 1)
    fill_number(lender, "play_offer_price", 15)
    fill_number(lender, "play_offer_weeks", 2)
    click(lender, "play_offer_send")
    sent = lender.get_by_text(re.compile(rf"Offer (\d+) sent to {re.escape(teams[1])}"))
    expect(sent).to_be_visible()
    offer = int(re.search(r"Offer (\d+)", sent.inner_text()).group(1))
    shot(lender, "06-player2-offer-sent", sent)
    incoming = borrower.get_by_text(f"Offer {offer} from {teams[2]}")
    expect(incoming).to_be_visible()  # through the player's poll
    shot(borrower, "07-player1-offer-received", incoming)
    click(borrower, f"play_accept_{offer}")
    borrowed = alert(borrower, f"Deal {offer}: {teams[2]} lends you 1 tranche(s)")
    lent = alert(lender, f"Deal {offer}: you lend {teams[1]} 1 tranche(s)")
    expect(borrowed).to_be_visible()
    expect(lent).to_be_visible()  # through the lender's poll
    assert [o.status for o in ws.view(tokens[1]).offers_to_me if o.id == offer] == ["accepted"]
    shot(borrower, "08-player1-deal", borrowed)
    shot(lender, "08-player2-deal", lent)

    # -- 7. The host changes the rule for round 2: every player page announces it.
    label = mechanism_label(NEW_RULE)
    choose(host, "host_rule", label)
    click(host, "host_change_rule")
    expect(host.get_by_text(f"From round 2: {label}")).to_be_visible()
    for seat, pg in players.items():
        announced = alert(pg, re.compile(rf"Rule change from the next round: .*{label}"))
        expect(announced).to_be_visible()
        shot(pg, f"09-player{seat}-rule-announced", announced)

    # -- 8. The host closes round 1 and opens round 2: the new rule is in force everywhere.
    click(host, "host_close_round")
    expect(alert(host, "Round 1 closed: the week is played")).to_be_visible()
    click(host, "host_open")
    expect(host.get_by_text(f"Allocation rule now: {label}")).to_be_visible()
    shot(host, "10-host-round2", host.get_by_text(f"Allocation rule now: {label}"))
    for seat, pg in players.items():
        expect(keyed(pg, "play_clock")).to_contain_text(f"Round 2 of {ROUNDS} · bidding is open")
        in_force = pg.get_by_text(f"Rule in force: {label}")
        expect(in_force).to_be_visible()
        shot(pg, f"11-player{seat}-round2", in_force)
    assert ws.view(tokens[1]).rule == label

    # -- 9. A player reloads: back in the same seat, with the same team and credits.
    pg = players[3]
    credits = credits_text(ws.view(tokens[3]).budget)
    pg.reload()
    settle(pg, 800)
    expect(pg.get_by_text(f"{teams[3]} · {ws.view(tokens[3]).kind} team")).to_be_visible()
    expect(keyed(pg, "play_clock")).to_contain_text(f"Round 2 of {ROUNDS}")
    expect(metric(pg, "Credits", "play_team_metrics")).to_have_text(credits)
    expect(pg.get_by_text(f"Rule in force: {label}")).to_be_visible()
    shot(pg, "12-player3-reloaded", keyed(pg, "play_clock"))

    # -- 10. The projector (the host's link, on a second tab) shows round 2.
    projector = host.context.new_page()
    open_url(projector, f"{url}/projector?w={ws.id}&t={token_of(host.url)}")
    expect(keyed(projector, "projector_clock")).to_contain_text(f"Round 2 of {ROUNDS}")
    board = keyed(projector, "projector")
    expect(metric(projector, "Rule", "projector")).to_have_text(label)
    expect(metric(projector, "Weeks played", "projector")).to_have_text("1")
    expect(board.locator("[data-testid='stVegaLiteChart'] svg.marks")).to_have_count(2)
    shot(projector, "13-projector-round2", keyed(projector, "projector_clock"))
