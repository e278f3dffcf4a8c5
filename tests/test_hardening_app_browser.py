"""The app in Chromium: names fetch nothing, uploads stay in their session and go with it.

- A sweep and a scenario whose name and description carry ``![x](http://127.0.0.1:P/...)``,
  a markdown link, a bare URL and an autolink are shown as text: the HTTP server the test
  runs on port P receives no request, and the page has no image or link pointing at it.
  (Before, Chromium fetched the image and drew the link.)
- Two browser sessions upload results files: each lands in its own private folder; closing
  a session's tab removes its folder, the other's stays; stopping the server removes all.
"""

from __future__ import annotations

import http.server
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from app_helpers import two_rule_sweep

from experiments.sweep import run_sweep
from experiments.sweep_file import sweep_from_toml
from game import load_scenario
from ui import access, uploads
from ui.serve import CHROMIUM_ARGS, IDLE_SELECTOR, find_chromium, free_port, serving

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


class Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every GET with a 1-pixel GIF and remembers the path."""

    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        Recorder.seen.append(self.path)
        body = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01"
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def sink() -> Iterator[tuple[int, list[str]]]:
    """A local HTTP server the payloads point at; yields its port and the paths it served."""
    port = free_port()
    Recorder.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield port, Recorder.seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        try:
            yield b
        finally:
            b.close()


def settle(pg, pause_ms: int = 400) -> None:
    pg.wait_for_timeout(pause_ms)
    pg.wait_for_selector(IDLE_SELECTOR, timeout=60_000)
    pg.wait_for_timeout(300)


def payloads(port: int) -> tuple[str, str]:
    """A name (at most 80 characters) and a description that would fetch or link to ``port``."""
    base = f"http://127.0.0.1:{port}"
    name = f"![x]({base}/pixel) [click]({base}/link)"
    description = (
        f"See {base}/bare and <{base}/auto> or www.example.com; "
        f'<img src="{base}/html"> :red[alarm] ![y]({base}/second)'
    )
    return name, description


def assert_nothing_points_at(pg, port: int, seen: list[str]) -> None:
    pg.wait_for_timeout(1500)  # time for any image request to arrive
    assert seen == [], seen
    assert pg.locator(f"img[src*='{port}']").count() == 0
    assert pg.locator(f"a[href*='127.0.0.1:{port}']").count() == 0
    assert pg.locator("a[href*='example.com']").count() == 0


def test_names_with_markdown_make_the_browser_fetch_nothing_and_link_nowhere(
    tmp_path, browser, sink
):
    port, seen = sink
    name, description = payloads(port)
    results = tmp_path / "results"
    results.mkdir()
    db = results / "evil.db"
    run_sweep(sweep_from_toml(two_rule_sweep(name, description, seed=9)), db)
    scenario = load_scenario("classroom").to_toml()
    scenario = scenario.replace('name = "classroom"', f"name = {name!r}")
    toml = tmp_path / "[click](http:evil).toml"
    toml.write_text(scenario.replace("description = ", f"description = {description!r}\n#", 1))
    with serving(env={access.RESULTS_ENV: str(results)}) as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1400})
        pg = context.new_page()
        pg.set_default_timeout(60_000)
        pg.goto(f"{url}/sweeps?db={db}")
        settle(pg)
        assert pg.get_by_text("Sweep:").count() >= 1  # the file did open
        body = pg.inner_text("body").replace("\u2060", "")
        assert name in body and f"{description.split(';')[0]};" in body
        assert_nothing_points_at(pg, port, seen)

        pg.goto(url)
        settle(pg)
        pg.locator("[data-testid='stSidebar'] input[type='file']").set_input_files(str(toml))
        settle(pg, 1500)
        sidebar = pg.inner_text("[data-testid='stSidebar']").replace("\u2060", "")
        assert f"Playing {name}" in sidebar and "[click](http:evil).toml" in sidebar
        assert_nothing_points_at(pg, port, seen)
        context.close()


def private_uploads(tmp: Path) -> dict[Path, Path]:
    """Every uploaded file under ``tmp``, by its session folder."""
    return {
        f.parent: f for f in tmp.glob(f"{uploads.PREFIX}*/session-*/upload-*.db") if f.is_file()
    }


def upload_in_new_session(browser, url: str, db: Path):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    pg.goto(f"{url}/sweeps")
    settle(pg)
    pg.locator("[data-testid='stMain'] input[type='file']").set_input_files(str(db))
    settle(pg, 1500)
    assert pg.get_by_text("Sweep: upload-grid").count() == 1
    return context


def wait_until(check, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.25)
    return check()


def test_each_session_uploads_privately_and_closing_it_removes_its_file(tmp_path, browser):
    db = tmp_path / "mine.db"
    text = two_rule_sweep("upload-grid", seed=9)
    run_sweep(sweep_from_toml(text), db)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    with serving(env={"TMPDIR": str(tmp), access.RESULTS_ENV: str(tmp_path)}) as url:
        first = upload_in_new_session(browser, url, db)
        (folder_a,) = private_uploads(tmp)
        second = upload_in_new_session(browser, url, db)
        found = private_uploads(tmp)
        (folder_b,) = set(found) - {folder_a}
        for folder, file in found.items():
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700
            assert stat.S_IMODE(folder.parent.stat().st_mode) == 0o700
            assert stat.S_IMODE(file.stat().st_mode) == 0o600
            assert file.read_bytes() == db.read_bytes()
        first.close()  # the tab goes: its session ends
        assert wait_until(lambda: not folder_a.exists()), "the closed session's folder stayed"
        assert folder_b.exists()
        second.close()
        assert wait_until(lambda: not folder_b.exists())
        root = folder_a.parent
    assert wait_until(lambda: not root.exists(), 10), "the server's folder outlived it"
