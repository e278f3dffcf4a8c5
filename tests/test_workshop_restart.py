"""A live workshop survives its server: stop Streamlit mid-round, start it again, reopen.

Playwright drives the system Chromium against ``streamlit run app.py`` serving a
workshops folder (what ``crunch app --workshops-dir`` sets). The host creates a 3-seat
workshop from the Host page and opens round 1; players 1 and 2 bid, player 3 does not.
The server is stopped (SIGTERM) mid-bidding and started again on the same port and folder:
the pages left open reconnect by themselves and show every seat and bid as before. The
host closes bidding, player 1 offers player 2 a loan, and the server is restarted once
more, mid-negotiation: the same links opened in new browser contexts show every seat, the
round's results and the open offer, which player 2 can still accept. Neither restart adds,
loses or changes a stored row.

Screenshots: ``test-artifacts/workshop/restart-*.png`` (or under ``$CRUNCH_TEST_ARTIFACTS``).
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
    connection_lost,
    fill_number,
    keyed,
    launch,
    metric,
    new_person,
    open_url,
    reconnected,
    seat_links,
    settle,
    shot,
)
from workshop_pages import stored

from ui.serve import find_chromium, free_port
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

LOG = "streamlit-workshop-restart.log"
ROUNDS = 3
#: Round 1 bids of seats 1 and 2 (seat 3 stays silent, so bidding stays open).
BIDS = {1: (2, 55.0), 2: (1, 30.0)}


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["t"][0]


def bid_line(units: int, price: float) -> str:
    return f"Your bid is in: {units} at up to {price:,.1f}"


def test_seats_bids_and_offers_survive_a_server_restart(tmp_path):
    folder = tmp_path / "workshops"
    folder.mkdir()
    (ARTIFACTS / LOG).unlink(missing_ok=True)
    port = free_port()
    with sync_api.sync_playwright() as p:
        browser = launch(p, CHROMIUM)
        try:
            _restart_twice(browser, folder, port)
        finally:
            browser.close()


def _restart_twice(browser, folder, port: int) -> None:
    # -- Server 1: create, open round 1, two of three players bid.
    with app_server(folder, LOG, port) as url:
        host = new_person(browser)
        open_url(host, f"{url}/host")
        for key, value in (
            ("ws_new_seats", 3),
            ("ws_new_rounds", ROUNDS),
            ("ws_new_bidding_seconds", 900),
            ("ws_new_negotiation_seconds", 900),
        ):
            box = keyed(host, key).locator("input")
            box.fill(str(value))
            box.press("Tab")
        host.get_by_role("button", name=re.compile("Create the workshop")).click()
        settle(host, 1000)
        expect(alert(host, re.compile(r"Workshop \w+ created"))).to_be_visible()
        host_link = host.url
        links = seat_links(host)
        assert sorted(links) == [1, 2, 3], links
        click(host, "host_open")
        (db,) = folder.glob("*.db")
        ws = Workshop(db)
        tokens = {seat: token_of(link) for seat, link in links.items()}
        teams = {seat: ws.seat(t).team for seat, t in tokens.items()}

        players = {}
        for seat in (1, 2, 3):
            pg = new_person(browser, width=430, height=1400)
            open_url(pg, links[seat])
            expect(pg.get_by_text(re.compile(rf"^{re.escape(teams[seat])} · "))).to_be_visible()
            players[seat] = pg
        for seat, (units, price) in BIDS.items():
            fill_number(players[seat], "play_step1_units", units)
            fill_number(players[seat], "play_step1_price", price)
            click(players[seat], "play_submit_bid")
            expect(alert(players[seat], bid_line(units, price))).to_be_visible()
        expect(host.get_by_text("2 of 3 player seats have bid this round.")).to_be_visible()
        shot(host, "restart-01-host-before", keyed(host, "host_close_bidding"))
        before = stored(db)
    # The server is stopped (SIGTERM): every page has lost its connection.
    for pg in (host, *players.values()):
        connection_lost(pg)

    # -- Server 2 (same port and folder): the open pages reconnect and show the same game.
    with app_server(folder, LOG, port) as url:
        for pg in (host, *players.values()):
            reconnected(pg)
        for seat, pg in players.items():
            expect(keyed(pg, "play_clock")).to_contain_text(f"Round 1 of {ROUNDS} · bidding")
            expect(pg.get_by_text(re.compile(rf"^{re.escape(teams[seat])} · "))).to_be_visible()
            if seat in BIDS:
                expect(alert(pg, bid_line(*BIDS[seat]))).to_be_visible()
            else:
                expect(alert(pg, "Your bid is in")).to_have_count(0)
                expect(keyed(pg, "play_submit_bid")).to_contain_text("Send my bid")
            shot(pg, f"restart-02-player{seat}-reconnected", keyed(pg, "play_clock"))
        expect(host.get_by_text("2 of 3 player seats have bid this round.")).to_be_visible()
        assert stored(db) == before, "the restart changed what is stored"

        # Bidding closes; player 1 offers player 2 a loan (left open).
        click(host, "host_close_bidding")
        expect(host.get_by_text(f"Round 1 of {ROUNDS} · negotiating loans")).to_be_visible()
        lender = players[1]
        expect(keyed(lender, "play_offer_team")).to_be_visible()
        choose(lender, "play_offer_team", teams[2])
        fill_number(lender, "play_offer_units", 1)
        fill_number(lender, "play_offer_price", 12)
        click(lender, "play_offer_send")
        sent = lender.get_by_text(re.compile(rf"Offer (\d+) sent to {re.escape(teams[2])}"))
        expect(sent).to_be_visible()
        offer = int(re.search(r"Offer (\d+)", sent.inner_text()).group(1))
        expect(players[2].get_by_text(f"Offer {offer} from {teams[1]}")).to_be_visible()
        results = {seat: seat_story(ws, t).last for seat, t in tokens.items()}
        before = stored(db)
        for pg in players.values():
            pg.context.close()
        host.context.close()

    # -- Server 3: the same links, opened afresh, show every seat, result and the offer.
    with app_server(folder, LOG, port) as url:
        assert stored(db) == before, "the restart changed what is stored"
        assert urlsplit(links[1]).netloc == urlsplit(url).netloc  # the very same links
        host = new_person(browser)
        open_url(host, host_link)
        expect(host.get_by_text(f"Round 1 of {ROUNDS} · negotiating loans")).to_be_visible()
        expect(host.get_by_text("2 of 3 player seats have bid this round.")).to_be_visible()
        shot(host, "restart-03-host-after", keyed(host, "host_close_round"))
        players = {}
        for seat in (1, 2, 3):
            pg = new_person(browser, width=430, height=1400)
            open_url(pg, links[seat])
            expect(pg.get_by_text(re.compile(rf"^{re.escape(teams[seat])} · "))).to_be_visible()
            expect(keyed(pg, "play_clock")).to_contain_text("negotiation is open")
            last = results[seat]
            won = metric(pg, "Tranches won", "play_result_metrics")
            expect(won).to_have_text(f"{last.won:,.0f}")
            expect(metric(pg, "Credits paid", "play_result_metrics")).to_have_text(
                f"{last.paid:,.1f}"
            )
            players[seat] = pg
        silent = players[3]
        expect(silent.get_by_text("Your bot played this round")).to_be_visible()
        mine = players[1].get_by_text(f"Offer {offer} (open): you lend {teams[2]} 1 tranche(s)")
        expect(mine).to_be_visible()
        incoming = players[2].get_by_text(f"Offer {offer} from {teams[1]}")
        expect(incoming).to_be_visible()
        shot(players[1], "restart-04-player1-offer-kept", mine)
        shot(players[2], "restart-04-player2-offer-kept", incoming)

        # The offer is live, not just drawn: player 2 accepts it, both see the deal.
        click(players[2], f"play_accept_{offer}")
        deal = f"Deal {offer}: {teams[1]} lends you 1 tranche(s)"
        expect(alert(players[2], deal)).to_be_visible()
        lent = alert(players[1], f"Deal {offer}: you lend {teams[2]} 1 tranche(s)")
        expect(lent).to_be_visible()
        shot(players[1], "restart-05-player1-deal", lent)
