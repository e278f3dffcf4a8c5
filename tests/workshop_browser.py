"""Shared plumbing for the workshop browser tests (Playwright driving the system Chromium).

A server on a workshops folder, one browser context per person, and the few gestures the
workshop pages need: wait for a run to finish, fill a number box, pick a select option,
click a widget by its key, read metric values, save a screenshot.

Screenshots go to ``test-artifacts/workshop/`` (git-ignored), or to the folder named by
``CRUNCH_TEST_ARTIFACTS`` when it is set.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ui.serve import CHROMIUM_ARGS, IDLE_SELECTOR, ROOT, serving
from ui.workshop_live import WORKSHOPS_ENV

ARTIFACTS = Path(os.environ.get("CRUNCH_TEST_ARTIFACTS") or ROOT / "test-artifacts") / "workshop"
#: Generous: two cores are shared by the server, every page and other work.
WAIT_MS = 45_000
#: The app's root while its websocket is connected to the server.
CONNECTED = "[data-test-connection-state='CONNECTED']"
#: The invisible word joiner ``ui.text.md_escape`` writes after ``:`` and before ``.``.
JOINER = "\u2060"


@contextmanager
def app_server(folder: Path, log_name: str, port: int | None = None) -> Iterator[str]:
    """``streamlit run app.py`` on ``folder`` as its workshops folder (what
    ``crunch app --workshops-dir folder`` sets), on ``port`` (default: a free one); yield
    its URL. The server's output is appended to ``<ARTIFACTS>/<log_name>``; it is
    stopped (SIGTERM) when the block ends.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with (
        open(ARTIFACTS / log_name, "a") as log,
        serving(log=log, env={WORKSHOPS_ENV: str(folder)}, port=port) as url,
    ):
        yield url


def launch(playwright: Any, chromium: str) -> Any:
    """The system Chromium, headless."""
    return playwright.chromium.launch(executable_path=chromium, args=list(CHROMIUM_ARGS))


def new_person(browser: Any, width: int = 1200, height: int = 1600) -> Any:
    """A page in a browser context of its own (one person: own cookies, own session)."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    return page


def settle(pg: Any, pause_ms: int = 400) -> None:
    """Wait for the script run a gesture started to finish (and the page to paint)."""
    pg.wait_for_timeout(pause_ms)
    pg.wait_for_selector(IDLE_SELECTOR, timeout=60_000)
    pg.wait_for_timeout(200)


def connection_lost(pg: Any) -> None:
    """Wait until the page knows its server is gone (Streamlit keeps trying to reconnect)."""
    pg.wait_for_selector(f"[data-testid='stApp']:not({CONNECTED})", timeout=60_000)


def reconnected(pg: Any) -> None:
    """Wait until the page is connected again and its first run there finished."""
    pg.wait_for_selector(f"[data-testid='stApp']{CONNECTED}", timeout=90_000)
    settle(pg, 800)


def open_url(pg: Any, url: str) -> None:
    """Go to ``url`` and wait until its first run finished."""
    pg.goto(url)
    pg.wait_for_selector("[data-testid='stMain']", timeout=60_000)
    settle(pg, 800)


def shot(pg: Any, name: str, focus: Any = None) -> None:
    """Save a screenshot as ``<ARTIFACTS>/<name>.png``, scrolled to ``focus`` if given.

    Streamlit scrolls its main area itself, so the shot shows the viewport: the part the
    step is about is scrolled into view first.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if focus is not None:
        focus.first.scroll_into_view_if_needed()
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def keyed(pg: Any, key: str) -> Any:
    """The element of the widget or container with key ``key``."""
    return pg.locator(f".st-key-{key}")


def click(pg: Any, key: str) -> None:
    """Click the button with key ``key`` and wait for the run it starts."""
    # A button with a tooltip is drawn twice (one hidden copy): click the visible one.
    keyed(pg, key).locator("button").filter(visible=True).click()
    settle(pg)


def fill_number(pg: Any, key: str, value: float) -> None:
    """Type ``value`` into the number box ``key`` and commit it (Tab, outside forms too)."""
    box = keyed(pg, key).locator("input")
    box.fill(str(value))
    box.press("Tab")
    settle(pg, 300)


def choose(pg: Any, key: str, option: str) -> None:
    """Pick ``option`` (its shown text) in the select box ``key``."""
    keyed(pg, key).get_by_role("combobox").click()
    pg.get_by_role("option", name=option, exact=True).click()
    settle(pg)


def metric(pg: Any, label: str, container: str | None = None) -> Any:
    """The shown value of the metric ``label`` (inside container ``container`` if given)."""
    scope = pg if container is None else keyed(pg, container)
    card = scope.locator("[data-testid='stMetric']").filter(
        has=pg.locator("[data-testid='stMetricLabel']", has_text=label)
    )
    return card.locator("[data-testid='stMetricValue']")


def metric_values(pg: Any, container: str | None = None) -> dict[str, str]:
    """Metric label → shown value, on the whole page or inside container ``container``."""
    scope = pg if container is None else keyed(pg, container)
    out = {}
    for card in scope.locator("[data-testid='stMetric']").all():
        label = card.locator("[data-testid='stMetricLabel']").inner_text().strip()
        out[label] = card.locator("[data-testid='stMetricValue']").inner_text().strip()
    return out


def alert(pg: Any, text: str | re.Pattern[str]) -> Any:
    """The alert box (success, info, warning, error) on the page that shows ``text``.

    Toasts that repeat a message are left out. A plain ``text`` also matches where
    ``ui.text.md_escape`` put invisible word joiners into the message.
    """
    if isinstance(text, str):
        text = re.compile(f"{JOINER}?".join(map(re.escape, text)))
    return pg.locator("[data-testid='stMain'] [data-testid='stAlert']").filter(has_text=text)


def shown_text(pg: Any) -> str:
    """The main area's text as a reader sees it (invisible word joiners removed)."""
    return pg.locator("[data-testid='stMain']").inner_text().replace(JOINER, "")


def seat_links(pg: Any) -> dict[int, str]:
    """Seat number → join link, read from the host console's join sheet."""
    text = shown_text(pg)
    links = re.findall(r"Seat (\d+): [^\n]+\n+(http\S+/play\?w=\S+&t=\S+)", text)
    return {int(seat): url for seat, url in links}
