"""The app in a real browser: Playwright drives the system Chromium against `streamlit run`.

A new user's first session: open the app, step and play the default scenario, click a
team in the org network, download the weeks table, switch the allocation rule and see
the difference, then compare two rule sets. Screenshots of every stage are saved in
``test-artifacts/`` (git-ignored).

Needs Chromium from the system (``apt-get install chromium``); Playwright never
downloads a browser here. Without it the test is skipped with that hint.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from game import ComputeGame, load_scenario
from game.run_metrics import RUN_METRICS
from ui import network_view
from ui.serve import CHROMIUM_ARGS, IDLE_SELECTOR, ROOT, find_chromium, serving

ARTIFACTS = ROOT / "test-artifacts"
IDLE = IDLE_SELECTOR
CHROMIUM = find_chromium()
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="no system Chromium found: apt-get install chromium (or set CHROMIUM=/path)",
    ),
]
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing: pip install -e '.[dev]'"
)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    ARTIFACTS.mkdir(exist_ok=True)
    with open(ARTIFACTS / "streamlit-browser.log", "w") as log, serving(log=log) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, server):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1500}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    pg.goto(server)
    settle(pg)
    yield pg
    context.close()


def settle(pg, pause_ms: int = 400) -> None:
    """Wait for the script run a click started to finish (and the page to paint)."""
    pg.wait_for_timeout(pause_ms)
    pg.wait_for_selector(IDLE, timeout=60_000)
    pg.wait_for_timeout(200)


def shot(pg, name: str) -> None:
    pg.screenshot(path=str(ARTIFACTS / f"browser-{name}.png"))


def week_shown(pg) -> int:
    text = pg.get_by_text(re.compile(r"\d+ of \d+ weeks played")).first.inner_text()
    return int(re.search(r"(\d+) of", text).group(1))


def kpi(pg, label: str) -> str:
    card = pg.locator("[data-testid='stMetric']").filter(has_text=label).first
    return card.locator("[data-testid='stMetricValue']").inner_text().strip()


def test_a_new_user_plays_inspects_switches_rules_and_compares(page):
    pg = page
    expect = sync_api.expect
    expect(pg.get_by_role("heading", name="Explore")).to_be_visible()
    expect(pg.get_by_text("0 of 52 weeks played", exact=True)).to_be_visible()
    shot(pg, "01-start")

    # Step one week, then play a few more.
    pg.get_by_role("button", name="Step").click()
    settle(pg)
    expect(pg.get_by_text("1 of 52 weeks played", exact=True)).to_be_visible()
    pg.get_by_role("button", name="Play").click()
    settle(pg)
    deadline = time.monotonic() + 30
    while week_shown(pg) < 4 and time.monotonic() < deadline:
        pg.wait_for_timeout(300)
    assert week_shown(pg) >= 4, "play did not advance the game"
    pg.get_by_role("button", name="Pause").click()
    settle(pg, 1200)
    paused_at = week_shown(pg)
    pg.wait_for_timeout(2000)
    assert week_shown(pg) == paused_at, "the game kept playing after Pause"
    shot(pg, "02-played")

    # Click a team in the org network (on the canvas, at the node's drawn position).
    pg.get_by_role("tab", name="Network & teams").click()
    settle(pg, 1500)
    chart = pg.locator(".st-key-org_network")
    chart.scroll_into_view_if_needed()
    canvas = chart.locator("canvas").first
    box = canvas.bounding_box()
    graph = ComputeGame(load_scenario(), rng=0).network.graph  # the app's default game
    x, y = network_view.pixel_position(
        network_view.layout(graph)["Sora"], box["width"], box["height"]
    )
    pg.mouse.click(box["x"] + x, box["y"] + y)
    settle(pg, 1000)
    expect(pg.get_by_role("combobox", name="Team")).to_have_value("Sora")
    expect(pg.get_by_text("Sora · product team")).to_be_visible()
    expect(pg.get_by_text(re.compile(r"Week \d+: Sora bid"))).to_be_visible()
    shot(pg, "03-team-clicked")

    # Download the weeks table.
    pg.get_by_role("tab", name="Downloads").click()
    settle(pg)
    with pg.expect_download() as info:
        pg.get_by_role("button", name="weeks.csv").click()
    download = info.value
    assert download.suggested_filename == f"lab-2025-seed0-week{paused_at}-weeks.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text())))
    expected = list(ComputeGame(load_scenario(), rng=0).run(1).weeks_frame().columns)
    assert rows[0] == expected
    assert len(rows) == 1 + paused_at
    shot(pg, "04-downloads")

    # Play the default to the end, then switch the allocation rule and see the difference.
    pg.get_by_role("button", name="Run all 52 weeks").click()
    settle(pg)
    expect(pg.get_by_text("52 of 52 weeks played", exact=True)).to_be_visible()
    efficiency = RUN_METRICS["efficiency"].label
    market_efficiency = kpi(pg, efficiency)
    pg.get_by_role("combobox", name="Allocation rule").click()
    pg.get_by_role("option", name="Leadership committee").click()
    pg.get_by_role("button", name="Apply rules").click()
    settle(pg)
    expect(pg.get_by_text("0 of 52 weeks played", exact=True)).to_be_visible()
    pg.get_by_role("button", name="Run all 52 weeks").click()
    settle(pg)
    expect(pg.get_by_text("52 of 52 weeks played", exact=True)).to_be_visible()
    pg.get_by_role("tab", name="Market").click()
    settle(pg)
    expect(pg.get_by_text("No clearing price")).to_be_visible()
    committee_efficiency = kpi(pg, efficiency)
    assert committee_efficiency != market_efficiency
    shot(pg, "05-committee")

    # Compare the two rules on the same seeds.
    pg.get_by_role("link", name="Compare").click()
    settle(pg)
    expect(pg.get_by_role("heading", name="Compare")).to_be_visible()
    pg.get_by_role("spinbutton", name="Seeds").fill("2")
    pg.get_by_role("spinbutton", name="Weeks").fill("8")
    pg.get_by_role("button", name="Compare").click()
    settle(pg, 800)
    expect(pg.get_by_text("2 seeds × 8 weeks each.")).to_be_visible()
    # A starts as the Explore rules (now the committee), B as the market.
    expect(pg.get_by_text(re.compile(r"Leadership committee · one market"))).to_be_visible()
    expect(pg.get_by_text(re.compile(r"Uniform price · one market"))).to_be_visible()
    expect(pg.get_by_text(re.compile(r"one dot per seed"))).to_be_attached()
    shot(pg, "06-compare")
