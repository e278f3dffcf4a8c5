"""``crunch run --out``: a bad folder is one line before the run; the files land all or nothing.

Every test runs the real CLI in a subprocess. The full disk is a real 1 MiB tmpfs (root
only, unmounted afterwards); the interrupted run is a real SIGINT.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILES = ["events.csv", "scenario.toml", "teams.csv", "weeks.csv"]


def crunch_run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crunch", "run", "--quiet", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def one_line(done: subprocess.CompletedProcess[str], status: int) -> str:
    assert done.returncode == status, (done.returncode, done.stderr[-2000:])
    err = done.stderr.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err[-2000:]
    return err


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def tmpfs(tmp_path) -> Iterator[Callable[[str, str], Path]]:
    """Mount small tmpfs file systems under tmp_path (root only); unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted: list[Path] = []

    def mount(name: str, options: str) -> Path:
        where = tmp_path / name
        where.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(where)
        return where

    yield mount
    for where in reversed(mounted):
        subprocess.run(["umount", "-l", str(where)], check=False)


# ----------------------------------------------------------------- refused before the run


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d: (d / "afile").write_text("x") and str(d / "afile"), "is not a folder"),
        (lambda d: "/dev/null", "'/dev/null' is not a folder"),
        (
            lambda d: (d / "afile").write_text("x") and str(d / "afile" / "sub"),
            "goes through",
        ),
        (lambda d: "", "--out '': give a folder"),
        (lambda d: "   ", "--out '   ': give a folder"),
        (lambda d: "/proc/crunch-nope/run", "cannot be written: No such file or directory"),
    ],
    ids=["existing-file", "dev-null", "file-slash-sub", "empty", "blank", "proc"],
)
def test_an_out_that_cannot_be_a_folder_is_one_line_and_exit_2(tmp_path, make, expected):
    out = make(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    err = one_line(crunch_run("--weeks", "2", "--out", out), 2)
    assert expected in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_folder_where_scenario_toml_should_go_leaves_no_csv_behind(tmp_path):
    (tmp_path / "scenario.toml").mkdir()
    err = one_line(crunch_run("--weeks", "2", "--out", str(tmp_path)), 2)
    assert "scenario.toml' exists and is not a file" in err
    assert [p.name for p in tmp_path.iterdir()] == ["scenario.toml"]


def test_a_read_only_file_system_is_refused_before_the_run(tmpfs):
    ro = tmpfs("ro", "ro,size=1m")
    err = one_line(crunch_run("--weeks", "2", "--out", str(ro / "run")), 2)
    assert "cannot be written: Read-only file system" in err


# ----------------------------------------------------------------- all or nothing


def test_a_full_disk_leaves_nothing_and_says_so_in_one_line(tmpfs):
    disk = tmpfs("full", "size=1m")
    args = ["--weeks", "52", "--set", "lab.research_teams=100", "--out", str(disk / "run")]
    err = one_line(crunch_run(*args), 1)
    assert "No space left on device; nothing was written" in err
    assert list(disk.iterdir()) == []


def test_a_full_disk_puts_back_the_previous_run(tmpfs):
    disk = tmpfs("full", "size=1m")
    out = disk / "run"
    assert crunch_run("--scenario", "classroom", "--weeks", "2", "--out", str(out)).returncode == 0
    before = snapshot(out)
    assert sorted(before) == FILES
    err = one_line(
        crunch_run("--weeks", "52", "--set", "lab.research_teams=100", "--out", str(out)), 1
    )
    assert "nothing was written" in err
    assert snapshot(out) == before


def test_an_interrupted_run_leaves_no_folder_behind(tmp_path):
    out = tmp_path / "new" / "run"
    child = subprocess.Popen(
        [sys.executable, "-m", "crunch", "run", "--quiet", "--weeks", "1000", "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not (out.is_dir() and any(out.glob(".crunch-run-*"))):
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the run never claimed its folder"
            time.sleep(0.05)
        time.sleep(0.5)  # into the weeks
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 130, err
    assert err.strip() == "crunch run: interrupted"
    assert not (tmp_path / "new").exists()


def test_a_run_writes_all_four_files_into_new_folders_and_replaces_them_later(tmp_path):
    out = tmp_path / "a" / "b"
    assert crunch_run("--scenario", "classroom", "--weeks", "2", "--out", str(out)).returncode == 0
    first = snapshot(out)
    assert sorted(first) == FILES
    (out / "notes.txt").write_text("mine")
    done = crunch_run("--scenario", "classroom", "--weeks", "3", "--out", str(out))
    assert done.returncode == 0, done.stderr
    second = snapshot(out)
    assert sorted(second) == sorted([*FILES, "notes.txt"])
    assert second["weeks.csv"] != first["weeks.csv"] and second["notes.txt"] == b"mine"
