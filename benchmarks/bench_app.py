"""App responsiveness, measured side by side in one run.

1. Server side, via Streamlit's AppTest: a rerun of the Explore page when the model does
   not change (a widget interaction that plays no week) against the rerun of an empty
   Streamlit page. Target: ≤ 2×.
2. In a real browser (the system Chromium driven by Playwright against ``streamlit run``):
   from a click to the browser having handled the last websocket message of the run it
   started, for an empty page with one widget and, on Explore after a full game, the same
   widget (speed: reruns the seed & speed fragment), a tab switch (the live view's
   fragment) and opening a rules section (the sidebar's fragment); with the time to the
   first message and the message count, to show where the time goes. The clicks on both
   pages are interleaved, so a busy machine slows them alike. Skipped, with the reason,
   when no Chromium is installed.
3. Step on the default scenario: the model's ``step()`` alone and the whole Step click
   (step, derive the week's frames, rebuild the charts, render). Target: ≤ 400 ms.

Prints PASS/MISS per target; never fails on a miss.

Run: ``.venv/bin/python benchmarks/bench_app.py``
"""

from __future__ import annotations

import logging
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.testing.v1 import AppTest

from game import DEFAULT_PRESET, ComputeGame, load_scenario
from ui.serve import CHROMIUM_ARGS, IDLE_SELECTOR, find_chromium, serving

APP = str(Path(__file__).resolve().parents[1] / "app.py")
REPEATS = 25
RERUN_TARGET = 2.0
STEP_TARGET_MS = 400.0


def median_ms(fn: Callable[[], object], repeats: int = REPEATS) -> float:
    """Median wall time of ``fn`` in milliseconds (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


# --------------------------------------------------------------------------- browser
BROWSER_REPEATS = 12
# The empty page of the browser comparison: one widget, the same one Explore has.
EMPTY_WITH_WIDGET = (
    "import streamlit as st\n"
    'st.segmented_control("Speed", ["slow", "normal", "fast"], default="normal",'
    ' key="play_speed", required=True)\n'
)
# The same widget on a page behind st.navigation with a sidebar, as the app's pages are:
# what a page of this app pays before it draws anything of its own.
EMPTY_APP_FRAME = (
    "import streamlit as st\n"
    "def page():\n"
    "    st.sidebar.markdown('sidebar')\n"
    '    st.segmented_control("Speed", ["slow", "normal", "fast"], default="normal",'
    ' key="play_speed", required=True)\n'
    "st.navigation([st.Page(page, title='Empty'), st.Page(page, title='Other', "
    "url_path='other')], position='top').run()\n"
)
# Records, in the page's own clock, every click and every websocket message handled.
RECORDER = """
(() => {
  window.__bench = {clicks: [], recvs: []};
  const Native = window.WebSocket;
  class Recording extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", () => window.__bench.recvs.push(performance.now()));
    }
  }
  window.WebSocket = Recording;
  document.addEventListener(
    "click", () => window.__bench.clicks.push(performance.now()), {capture: true});
})();
"""
QUIET_MS = 150  # no message for this long after the run's last one: the run is over


def _script_finished(payload: bytes | str) -> bool:
    if isinstance(payload, str):
        return False
    msg = ForwardMsg()
    msg.ParseFromString(payload)
    return msg.WhichOneof("type") == "script_finished"


def _open(browser: Any, url: str) -> tuple[Any, Any]:
    """A page on ``url``, idle and interactive, with its Streamlit websocket."""
    sockets: list[Any] = []
    page = browser.new_page(viewport={"width": 1400, "height": 1500})
    page.add_init_script(RECORDER)
    page.on("websocket", lambda ws: sockets.append(ws))
    page.goto(url)
    page.wait_for_selector(IDLE_SELECTOR, timeout=60_000)
    page.wait_for_timeout(2500)  # widgets ignore clicks for a moment after the first paint
    return page, sockets[-1]


def _click_to_last_message(page: Any, ws: Any, target: Any) -> tuple[float, float, int]:
    """One click: ms to the last message of its run, ms to the first, and the message count.

    The first message says when the server started answering (the rest of the run is
    the server running the script and the browser taking its messages in).
    """
    page.evaluate("() => { window.__bench.clicks = []; window.__bench.recvs = []; }")
    with ws.expect_event("framereceived", predicate=_script_finished, timeout=60_000):
        target.evaluate("element => element.click()")
    page.wait_for_function(
        f"() => window.__bench.recvs.length && "
        f"performance.now() - window.__bench.recvs.at(-1) > {QUIET_MS}"
    )
    marks = page.evaluate("() => window.__bench")
    click = marks["clicks"][0]
    return marks["recvs"][-1] - click, marks["recvs"][0] - click, len(marks["recvs"])


class Clicks:
    """Click targets on one page, taken in turn, with every measurement kept."""

    def __init__(self, page: Any, ws: Any, targets: Sequence[Any]) -> None:
        self.page, self.ws, self.targets = page, ws, targets
        self.done: list[tuple[float, float, int]] = []

    def click(self) -> None:
        target = self.targets[len(self.done) % len(self.targets)]
        self.done.append(_click_to_last_message(self.page, self.ws, target))

    def median(self, i: int = 0) -> float:
        """Median of measure ``i`` (0: to the last message, 1: to the first, 2: messages)."""
        return statistics.median(d[i] for d in self.done[2:])  # two warm-ups dropped


def browser_reruns() -> None:
    """Click-to-done times in the system Chromium: an empty page and Explore, interleaved.

    Both pages stay open in one browser and their clicks alternate (empty, Explore's
    controls, Explore's tabs, Explore's sidebar, empty, ...), so a busy machine slows
    all of them alike and the ratios stay comparable.
    """
    print("\nIn a real browser (system Chromium + Playwright, click -> last message handled)")
    chromium = find_chromium()
    if chromium is None:
        print("  skipped: no system Chromium found (apt-get install chromium)")
        return
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory() as tmp,
        sync_playwright() as p,
        serving() as explore_url,
    ):
        browser = p.chromium.launch(executable_path=chromium, args=list(CHROMIUM_ARGS))
        empty_script = Path(tmp) / "empty_page.py"
        empty_script.write_text(EMPTY_WITH_WIDGET)
        frame_script = Path(tmp) / "empty_app_frame.py"
        frame_script.write_text(EMPTY_APP_FRAME)
        with serving(empty_script) as empty_url, serving(frame_script) as frame_url:
            page, ws = _open(browser, empty_url)
            empty = Clicks(page, ws, [page.get_by_text(n, exact=True) for n in ("fast", "normal")])
            page, ws = _open(browser, frame_url)
            frame = Clicks(page, ws, [page.get_by_text(n, exact=True) for n in ("fast", "normal")])
            page, ws = _open(browser, explore_url)
            page.get_by_role("button", name="Run all 52 weeks").click()
            page.wait_for_timeout(500)
            page.wait_for_selector(IDLE_SELECTOR, timeout=60_000)
            side = page.locator("[data-testid='stSidebar']")
            rows = {
                "Explore, speed (seed & speed)": Clicks(
                    page, ws, [page.get_by_text(n, exact=True) for n in ("fast", "normal")]
                ),
                "Explore, switch tab (live view)": Clicks(
                    page, ws, [page.get_by_role("tab", name=n) for n in ("Pressure", "Market")]
                ),
                "Explore, open a rules section": Clicks(
                    page, ws, [side.get_by_text("Supply", exact=True).first] * 2
                ),
            }
            for _ in range(BROWSER_REPEATS + 2):
                empty.click()
                frame.click()
                for clicks in rows.values():
                    clicks.click()
        browser.close()
    t_empty = empty.median()
    print(
        f"  {'empty page, one widget':<33} {t_empty:7.1f} ms  (first message "
        f"{empty.median(1):5.1f} ms, {empty.median(2):3.0f} messages)"
    )
    t_frame = frame.median()
    print(
        f"  {'empty page in the app frame':<33} {t_frame:7.1f} ms  (first message "
        f"{frame.median(1):5.1f} ms, {frame.median(2):3.0f} messages)  "
        f"ratio {t_frame / t_empty:4.1f}x empty  (st.navigation + sidebar, nothing else)"
    )
    for what, clicks in rows.items():
        t = clicks.median()
        ratio = t / t_empty
        print(
            f"  {what:<33} {t:7.1f} ms  (first message {clicks.median(1):5.1f} ms, "
            f"{clicks.median(2):3.0f} messages)  ratio {ratio:4.1f}x empty "
            f"({t / t_frame:3.1f}x the frame)  target <= {RERUN_TARGET:.0f}x  "
            f"{verdict(ratio <= RERUN_TARGET)}"
        )


def main() -> None:
    logging.getLogger("streamlit").setLevel(logging.ERROR)

    empty = AppTest.from_string("import streamlit as st\n", default_timeout=30).run()
    empty_nav = AppTest.from_string(
        "import streamlit as st\n"
        "st.navigation([st.Page(lambda: None, title='Empty')], position='top').run()\n",
        default_timeout=30,
    ).run()

    explore = AppTest.from_file(APP, default_timeout=60).run()
    explore.button(key="run").click().run()  # a full 52-week game on screen
    tabs = {}
    for tab in ("Market", "Network & teams"):
        explore.session_state["explore_tab"] = tab
        explore.run()
        assert not explore.exception, explore.exception
        tabs[tab] = median_ms(explore.run)

    t_empty = median_ms(empty.run)
    t_empty_nav = median_ms(empty_nav.run)

    print(f"Explore rerun with no model change (server side, AppTest, median of {REPEATS})")
    print(f"  empty page                      {t_empty:7.1f} ms")
    print(f"  empty page behind st.navigation {t_empty_nav:7.1f} ms")
    for tab, t in tabs.items():
        ratio = t / t_empty
        print(
            f"  Explore, {tab:<22} {t:7.1f} ms   ratio {ratio:5.1f}x empty "
            f"({t / t_empty_nav:4.1f}x empty+nav)  target <= {RERUN_TARGET:.0f}x  "
            f"{verdict(ratio <= RERUN_TARGET)}"
        )

    browser_reruns()

    model = ComputeGame(load_scenario(DEFAULT_PRESET), rng=0)
    steps = []
    for _ in range(load_scenario(DEFAULT_PRESET).weeks):
        t0 = time.perf_counter()
        model.step()
        steps.append((time.perf_counter() - t0) * 1000)
    t_step = statistics.median(steps)

    clicks = []
    explore.button(key="reset").click().run()
    explore.session_state["explore_tab"] = "Market"
    for _ in range(12):
        t0 = time.perf_counter()
        explore.button(key="step").click().run()
        clicks.append((time.perf_counter() - t0) * 1000)
    t_click = statistics.median(clicks[2:])

    print(f"\nStep on the default scenario ({DEFAULT_PRESET})")
    print(
        f"  model.step()                    {t_step:7.1f} ms   target <= {STEP_TARGET_MS:.0f} ms  "
        f"{verdict(t_step <= STEP_TARGET_MS)}"
    )
    print(
        f"  Step click, rendered (AppTest)  {t_click:7.1f} ms   target <= {STEP_TARGET_MS:.0f} ms  "
        f"{verdict(t_click <= STEP_TARGET_MS)}"
    )


if __name__ == "__main__":
    main()
