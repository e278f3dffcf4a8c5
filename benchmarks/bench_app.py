"""App responsiveness, measured side by side in one run via Streamlit's AppTest.

1. Rerun of the Explore page when the model does not change (a widget interaction that
   plays no week) against the rerun of an empty Streamlit page. Target: ≤ 2×.
2. Step on the default scenario: the model's ``step()`` alone and the whole Step click
   (step, derive the week's frames, rebuild the charts, render). Target: ≤ 400 ms.

AppTest runs the scripts in-process (no browser, no websocket), so these are the
server-side costs a user waits for. Prints PASS/MISS per target; never fails on a miss.

Run: ``.venv/bin/python benchmarks/bench_app.py``
"""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from streamlit.testing.v1 import AppTest

from game import DEFAULT_PRESET, ComputeGame, load_scenario

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

    print(f"Explore rerun with no model change (AppTest, median of {REPEATS})")
    print(f"  empty page                      {t_empty:7.1f} ms")
    print(f"  empty page behind st.navigation {t_empty_nav:7.1f} ms")
    for tab, t in tabs.items():
        ratio = t / t_empty
        print(
            f"  Explore, {tab:<22} {t:7.1f} ms   ratio {ratio:5.1f}x empty "
            f"({t / t_empty_nav:4.1f}x empty+nav)  target <= {RERUN_TARGET:.0f}x  "
            f"{verdict(ratio <= RERUN_TARGET)}"
        )

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
