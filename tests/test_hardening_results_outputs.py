"""Reports and CSV exports: one line for a bad target, whole files or none on a full disk.

Full disks are real: a tmpfs mounted in a private mount namespace (``unshare``), or a
file-size limit (``RLIMIT_FSIZE``) set on the real ``crunch`` process.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from experiments.report import write_report
from experiments.sweep import run_sweep
from experiments.sweep_file import load_sweep

TIMEOUT = 120

SWEEP = r"""
[sweep]
name = "outputs"
scenario = "classroom"
weeks = 2
replications = 2
seed = 13
design = "grid"

[factors]
"description" = ['$\frac{$', "plain $x$", "50$ a week"]

[outputs]
metrics = ["jain", "mean_stress"]
"""


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """A finished results file whose factor levels hold ``$`` signs (legal text)."""
    tmp = tmp_path_factory.mktemp("outputs")
    sweep_file = tmp / "sweep.toml"
    sweep_file.write_text(SWEEP)
    db = tmp / "results.db"
    assert run_sweep(load_sweep(sweep_file), db, executor="serial").ok == 6
    return db


def crunch(*args: str, cwd: Path, fsize: int | None = None) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return subprocess.run(
        [sys.executable, "-m", "crunch", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        preexec_fn=limit,
    )


def one_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


def test_a_level_with_dollar_signs_is_drawn_as_text_in_the_report(results, tmp_path):
    out = write_report(results, tmp_path / "report.html")
    html = out.read_text(encoding="utf-8")
    assert "$\\frac{$" in html and "plain $x$" in html
    assert html.count("data:image/png;base64,") >= 2


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["report", "{db}", "--out", "{dir}"], "--out '{dir}' is a directory"),
        (["results", "{db}", "--csv", "{dir}"], "--csv '{dir}' is a directory"),
        (["results", "{db}", "--weekly-csv", "{dir}"], "--weekly-csv '{dir}' is a directory"),
        (["results", "{db}", "--csv", "{db}"], "--csv '{db}' is the results file itself"),
    ],
    ids=["report-dir", "csv-dir", "weekly-dir", "csv-is-db"],
)
def test_a_bad_output_target_is_refused_in_one_line(results, tmp_path, args, expected):
    db = tmp_path / "r.db"
    shutil.copy(results, db)
    target = tmp_path / "out"
    target.mkdir()
    fill = {"db": str(db), "dir": str(target)}
    before = db.read_bytes()
    line = one_line(crunch(*[a.format(**fill) for a in args], cwd=tmp_path))
    assert expected.format(**fill) in line
    assert db.read_bytes() == before
    assert list(target.iterdir()) == []


def test_a_report_too_big_to_write_leaves_the_old_report_whole(results, tmp_path):
    db = tmp_path / "r.db"
    shutil.copy(results, db)
    old = tmp_path / "report.html"
    old.write_text("<p>the previous report</p>")
    # 40 KB: enough for SQLite's shared-memory file, not for the report.
    line = one_line(crunch("report", str(db), "--out", str(old), cwd=tmp_path, fsize=40_000))
    assert f"--out '{old}': cannot write it (File too large); nothing was written" in line
    assert old.read_text() == "<p>the previous report</p>"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.db", "report.html"]


def _can_mount_tmpfs() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
        capture_output=True,
        timeout=30,
    )
    return probe.returncode == 0


FULL_DISK = r"""
set -e
mount -t tmpfs -o size=64k tmpfs "$1"
shift
set +e
head -c 100000 /dev/zero > "$OUT/filler" 2>/dev/null  # fills it: the disk is full
"$@"
echo "exit=$?"
ls -A "$OUT"
"""


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="needs unshare and a user mount namespace")
@pytest.mark.parametrize(
    ("option", "name"),
    [("report", "report.html"), ("--csv", "runs.csv"), ("--weekly-csv", "weekly.csv")],
)
def test_a_full_disk_gives_one_line_and_no_partial_file(results, tmp_path, option, name):
    mount = tmp_path / "small"
    mount.mkdir()
    target = mount / name
    if option == "report":
        args = ["report", str(results), "--out", str(target)]
    else:
        args = ["results", str(results), option, str(target)]
    proc = subprocess.run(
        [
            "unshare",
            "-rm",
            "sh",
            "-c",
            FULL_DISK,
            "sh",
            str(mount),
            sys.executable,
            "-m",
            "crunch",
            *args,
        ],
        env={"OUT": str(mount), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert "exit=2" in proc.stdout, proc.stdout + proc.stderr
    assert proc.stdout.split("exit=2")[1].split() == ["filler"]  # no partial or temp file
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert f"'{target}': cannot write it (No space left on device); nothing was written" in lines[0]
