"""The live workshop pages under a room of players, in real browser pages.

A 30-seat classroom workshop (18 research and 12 product teams, every team a seat) is
served by ``streamlit run app.py`` (its workshops folder set as ``crunch app
--workshops-dir`` does); the system Chromium, driven by Playwright, opens every seat's
Play page in a browser context of its own. Each page polls the workshop once a second
through its fragment, as in a room. Measured, in one run:

(a) Server cost per idle poll: the server process's CPU time (user + system, from
    ``/proc``) over a window where nothing changes, divided by the polls the pages sent
    in it (counted as websocket frames leaving the pages). With 1 page and with 30, next
    to the server's CPU over the same window with no page open (its own background), and
    next to the server CPU of one full rerun of the Play page by a single session (a
    widget change; what every page pays when something does change). Target: < 5 ms.
(b) Round close to every page: the benchmark closes the round through the engine, as the
    host's "Close the round now" does, and each page records (in the page, by a
    ``MutationObserver``) when it first shows it: the clock says "between rounds" and the
    round's result is drawn. Printed: the slowest page and the median, per round, with
    the close call itself. Target: the slowest page within 2 s.

Real pages rather than websocket-less sessions: the cost of a poll includes the websocket
traffic and the fragment's delta messages, and the close reaches the pages the way it
does in a room. On a small machine the 30 pages' rendering shares the CPU with the server
(printed: the cores), which makes (b) pessimistic; background-tab timer throttling is
turned off, as each player's page is in the foreground on their own device.

Prints PASS/MISS per target; never fails on a miss. Linux only (reads ``/proc``).

Usage: ``.venv/bin/python benchmarks/bench_workshop_app.py [--pages 30] [--rounds 3]``
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from game import load_scenario
from ui.serve import CHROMIUM_ARGS, IDLE_SELECTOR, find_chromium, serving
from ui.workshop_live import WORKSHOPS_ENV
from workshop import Created, Workshop, create_workshop

SEATS = 30
POLL_TARGET_MS = 5.0
CLOSE_TARGET_S = 2.0
#: Seconds after a close when a page that still does not show it is given up on.
GIVE_UP_S = 60.0
#: Seconds of idle polling measured per window.
WINDOW_S = 20.0
#: Every player's page is in the foreground on its own device: no timer throttling.
FOREGROUND_ARGS = (
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
)
#: ``--post-script-gc``: Streamlit's full ``gc.collect()`` after every script run, fragment
#: runs included (``runner.postScriptGC``), as configured or forced on or off.
GC_WORDS = {
    "config": "as .streamlit/config.toml says",
    "on": "forced on",
    "off": "forced off",
}
#: Records, in each page, when it first shows what ``window.__want`` asks for.
WATCHER = """
(() => {
  window.__want = null;
  window.__seen = null;
  const check = () => {
    const want = window.__want;
    if (!want || window.__seen !== null) return;
    const clock = document.querySelector(".st-key-play_clock");
    const main = document.querySelector("[data-testid='stMain']");
    if (clock && main && clock.textContent.includes(want.clock)
        && main.textContent.includes(want.result)) {
      window.__seen = Date.now();
    }
  };
  new MutationObserver(check).observe(document, {
    subtree: true, childList: true, characterData: true, attributes: true});
  window.__check = check;
})();
"""


def classroom30():
    """The classroom preset with 30 teams (18 research, 12 product)."""
    return load_scenario("classroom", {"lab.research_teams": 18, "lab.product_teams": 12})


def server_pid(port: int) -> int:
    """The process serving ``port`` (started by :func:`ui.serve.serving`)."""
    flag = f"--server.port={port}"
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if flag.encode() in args and b"streamlit" in args:
            return int(entry.name)
    raise RuntimeError(f"no streamlit process serves port {port}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Room:
    """Play pages in one Chromium, each counting the websocket frames it sends."""

    def __init__(self, browser: Any, base: str, created: Created) -> None:
        self.browser, self.base, self.created = browser, base, created
        self.pages: list[Any] = []
        self.sent = 0

    def _count(self, ws: Any) -> None:
        if "_stcore/stream" in ws.url:
            ws.on("framesent", lambda _frame: self._sent())

    def _sent(self) -> None:
        self.sent += 1

    def open(self, n: int) -> None:
        """Open seats' Play pages until ``n`` are open, each in its own context."""
        for link in self.created.seats[len(self.pages) : n]:
            context = self.browser.new_context(viewport={"width": 430, "height": 1200})
            page = context.new_page()
            page.set_default_timeout(120_000)
            page.add_init_script(WATCHER)
            page.on("websocket", self._count)
            url = f"{self.base}/play?w={self.created.workshop}&t={link.token}"
            page.goto(url)
            page.wait_for_selector(".st-key-play_clock", timeout=120_000)
            self.pages.append(page)
        self.idle()

    def idle(self) -> None:
        for page in self.pages:
            page.wait_for_selector(IDLE_SELECTOR, timeout=120_000)

    def wait(self, ms: float) -> None:
        """Let ``ms`` pass while Playwright keeps delivering the pages' events."""
        self.pages[0].wait_for_timeout(ms)

    def all_show(self, text: str, timeout: float = 120.0) -> None:
        """Wait until every page's clock contains ``text``."""
        deadline = time.monotonic() + timeout
        for page in self.pages:
            left = max(1.0, deadline - time.monotonic())
            page.wait_for_function(
                "t => { const c = document.querySelector('.st-key-play_clock');"
                " return c && c.textContent.includes(t); }",
                arg=text,
                timeout=left * 1000,
            )


def idle_poll_cost(room: Room, pid: int, seconds: float) -> tuple[float, int]:
    """Server CPU seconds over ``seconds`` of idle polling, and the polls sent in it."""
    room.wait(1500)  # let anything under way finish
    sent0, cpu0 = room.sent, cpu_seconds(pid)
    room.wait(seconds * 1000)
    return cpu_seconds(pid) - cpu0, room.sent - sent0


def rerun_cost(room: Room, pid: int, repeats: int = 20) -> tuple[float, float]:
    """Server CPU seconds per full Play-page rerun (a widget change; the mean, as ``/proc``
    counts in 10 ms ticks) and the median wall seconds from the change to an idle page.
    The page's own polls in that time (a few, at the idle cost) are included.
    """
    page = room.pages[0]
    box = page.locator(".st-key-play_step1_units input")
    box.fill("2")
    box.press("Tab")
    room.wait(1500)
    walls = []
    cpu0 = cpu_seconds(pid)
    for i in range(repeats):
        t0 = time.perf_counter()
        box.fill(str(1 + i % 2))
        box.press("Tab")
        page.wait_for_timeout(100)
        page.wait_for_selector(IDLE_SELECTOR)
        walls.append(time.perf_counter() - t0)
    return (cpu_seconds(pid) - cpu0) / repeats, statistics.median(walls)


def close_to_pages(room: Room, ws: Workshop, host: str, round_no: int) -> tuple[list[float], float]:
    """Seconds from the close of round ``round_no`` (0-based) to each page showing it.

    Returns:
        Per page, and the close call itself (the engine's work, included in the former).
    """
    want = {
        "clock": f"Round {round_no + 1} of {ws.rounds} · between rounds",
        "result": f"Your result (week {round_no + 1},",
    }
    for page in room.pages:
        page.evaluate("w => { window.__seen = null; window.__want = w; }", want)
    t0 = time.time()
    ws.close_bidding(host)
    ws.close_negotiation(host)
    closed = time.time() - t0
    seen = []
    deadline = time.monotonic() + GIVE_UP_S
    for n, page in enumerate(room.pages, start=1):
        try:
            page.wait_for_function(
                "() => { window.__check(); return window.__seen !== null; }",
                timeout=max(1.0, deadline - time.monotonic()) * 1000,
            )
        except Exception:  # Playwright's timeout: report what the page shows
            shown = page.locator("[data-testid='stMain']").inner_text(timeout=5000)
            print(f"  page {n} did not show the close within {GIVE_UP_S:.0f} s; it shows:")
            print("    " + " | ".join(shown.split("\n")[:12])[:900])
            seen.append(math.inf)
            continue
        seen.append(page.evaluate("() => window.__seen") / 1000 - t0)
    return seen, closed


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def run(pages: int, rounds: int, window: float, gc: str = "config") -> None:
    chromium = find_chromium()
    if chromium is None:
        print("skipped: no system Chromium found (apt-get install chromium)")
        return
    from playwright.sync_api import sync_playwright

    print(
        f"{pages} Play pages of a {SEATS}-seat classroom workshop, one browser context each, "
        f"in one headless Chromium; {os.cpu_count()} cores shared by server and browser; "
        f"Streamlit's post-script garbage collection: {GC_WORDS[gc]}.\n"
    )
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        folder = Path(tmp)
        created = create_workshop(
            folder / "room.db",
            classroom30(),
            seats=SEATS,
            rounds=rounds + 2,
            seed=1,
            bidding_seconds=3600,
            negotiation_seconds=3600,
        )
        ws, host = Workshop(created.db), created.host_token
        ws.open_round(host)
        browser = p.chromium.launch(
            executable_path=chromium, args=[*CHROMIUM_ARGS, *FOREGROUND_ARGS]
        )
        args = [] if gc == "config" else [f"--runner.postScriptGC={str(gc == 'on').lower()}"]
        with serving(env={WORKSHOPS_ENV: str(folder)}, args=args) as base:
            pid = server_pid(int(base.rsplit(":", 1)[1]))
            room = Room(browser, base, created)
            time.sleep(2)
            background, _ = idle_poll_cost(_NoPages(), pid, window)
            room.open(1)
            one_cpu, one_polls = idle_poll_cost(room, pid, window)
            rerun_cpu, rerun_wall = rerun_cost(room, pid)
            room.open(pages)
            room.wait(3000)
            many_cpu, many_polls = idle_poll_cost(room, pid, window)

            closes = []
            for r in range(rounds):
                if r > 0:
                    ws.open_round(host)
                    room.all_show(f"Round {r + 1} of {ws.rounds} · bidding is open")
                    room.idle()
                    room.wait(2000)
                closes.append(close_to_pages(room, ws, host, r))
        browser.close()

    per = {
        "no page (server background)": (background, 0),
        "1 page": (one_cpu, one_polls),
        f"{pages} pages": (many_cpu, many_polls),
    }
    print(f"(a) server CPU while idle pages poll, over {window:.0f} s windows")
    print(f"{'':>30} {'CPU ms':>9} {'polls':>7} {'ms/poll':>9} {'net ms/poll':>12}")
    bg_rate = background / window
    for what, (cpu, polls) in per.items():
        if not polls:
            print(f"{what:>30} {cpu * 1e3:>9.1f} {polls:>7} {'—':>9} {'—':>12}")
            continue
        per_poll = cpu * 1e3 / polls
        net = (cpu - bg_rate * window) * 1e3 / polls
        print(f"{what:>30} {cpu * 1e3:>9.1f} {polls:>7} {per_poll:>9.2f} {net:>12.2f}")
    print(
        f"{'1 full Play-page rerun':>30} {rerun_cpu * 1e3:>9.1f} {'':>7} {rerun_cpu * 1e3:>9.2f}"
        f" {'':>12}   (mean CPU; wall {rerun_wall * 1e3:.0f} ms, single session)"
    )
    # Judged on the room (most polls, least tick noise), background included.
    poll_ms = many_cpu * 1e3 / max(many_polls, 1)
    print(
        f"idle poll with {pages} pages: {poll_ms:.2f} ms = {poll_ms / (rerun_cpu * 1e3):.2f}x a "
        f"full rerun   < {POLL_TARGET_MS:g} ms {verdict(poll_ms < POLL_TARGET_MS)}\n"
    )

    print(f"(b) host closes the round -> every one of {pages} pages shows it")
    print(f"{'round':>6} {'close call ms':>14} {'median page s':>14} {'slowest page s':>15}")
    slowest = 0.0
    for r, (seen, closed) in enumerate(closes, start=1):
        slowest = max(slowest, max(seen))
        print(f"{r:>6} {closed * 1e3:>14.0f} {statistics.median(seen):>14.2f} {max(seen):>15.2f}")
    print(
        f"slowest page over all rounds: {slowest:.2f} s   <= {CLOSE_TARGET_S:g} s "
        f"{verdict(slowest <= CLOSE_TARGET_S)}"
    )


class _NoPages:
    """A room with no page (the server's own background CPU is measured)."""

    sent = 0

    @staticmethod
    def wait(ms: float) -> None:
        time.sleep(ms / 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=SEATS, help=f"player pages (<= {SEATS})")
    parser.add_argument("--rounds", type=int, default=3, help="round closes timed")
    parser.add_argument("--window", type=float, default=WINDOW_S, help="idle window, seconds")
    parser.add_argument(
        "--post-script-gc",
        choices=tuple(GC_WORDS),
        default="config",
        help="Streamlit's runner.postScriptGC: as .streamlit/config.toml says, or forced",
    )
    args = parser.parse_args()
    if not 1 <= args.pages <= SEATS:
        parser.error(f"--pages {args.pages}: must be between 1 and {SEATS}")
    run(args.pages, args.rounds, args.window, args.post_script_gc)


if __name__ == "__main__":
    main()
