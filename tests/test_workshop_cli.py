"""`crunch workshop`: new, status, advance, export, replay, debrief and sheet.

The commands run in-process through ``crunch.cli.main`` (and ``new --json`` once as a real
subprocess) against real SQLite files; the scripted session is the debrief tests' one.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from test_workshop_debrief import ROUNDS, SEATS, play_session

from crunch.cli import main
from game.world.recorder import TEAM_COLUMNS, WEEK_COLUMNS
from workshop import LOCAL_HOST, AccessError, Workshop, create_workshop
from workshop.export import FILES

CRUNCH = Path(sys.executable).with_name("crunch")
URL = re.compile(r"http://localhost:8501/play\?w=(\w+)&t=([A-Za-z0-9_-]{43})")


def crunch(*args: object) -> int:
    return main([str(a) for a in args])


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("crunch workshop: error: ")
    return err


@pytest.fixture(scope="module")
def played(tmp_path_factory):
    return play_session(tmp_path_factory.mktemp("cli") / "ws.db")


# ---------------------------------------------------------------------- new
def test_new_json_in_a_subprocess_prints_one_object_with_working_links(tmp_path):
    db = tmp_path / "ws.db"
    cmd = [str(CRUNCH), "workshop", "new", "--scenario", "classroom", "--seats", "3"]
    cmd += ["--rounds", "2", "--db", str(db), "--base-url", "http://10.0.0.5:8501", "--json"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert set(body) == {"workshop", "db", "host", "seats"}
    assert body["db"] == str(db)
    assert body["host"].startswith(f"http://10.0.0.5:8501/host?w={body['workshop']}&t=")
    assert [s["seat"] for s in body["seats"]] == [1, 2, 3]
    w = Workshop(db)
    assert w.id == body["workshop"]
    for s in body["seats"]:
        assert set(s) == {"seat", "team", "url"}
        assert s["url"].startswith(f"http://10.0.0.5:8501/play?w={w.id}&t=")
        token = s["url"].rsplit("t=", 1)[1]
        assert w.seat(token).team == s["team"]
    assert w.is_host(body["host"].rsplit("t=", 1)[1])


def test_new_prints_the_host_link_and_one_link_per_seat_with_its_team(tmp_path, capsys):
    db = tmp_path / "ws.db"
    assert crunch("workshop", "new", "--scenario", "classroom", "--seats", 4, "--rounds", 3,
                  "--db", db, "--seed", 7, "--set", "lab.research_teams=6") == 0  # fmt: skip
    out = capsys.readouterr().out
    w = Workshop(db)
    assert w.seed == 7 and w.scenario.lab.research_teams == 6 and w.rounds == 3
    links = URL.findall(out)
    assert len(links) == 4 and {wid for wid, _ in links} == {w.id}
    for (_, token), line in zip(links, [x for x in out.splitlines() if "/play?" in x], strict=True):
        assert w.seat(token).team in line.split()
    assert f"/host?w={w.id}&t=" in out


def test_new_sheet_holds_one_qr_code_per_seat_with_its_team_and_link(tmp_path, capsys):
    sheet = tmp_path / "seats.html"
    assert crunch("workshop", "new", "--scenario", "classroom", "--seats", 3, "--rounds", 2,
                  "--db", tmp_path / "ws.db", "--sheet", sheet, "--json") == 0  # fmt: skip
    body = json.loads(capsys.readouterr().out)
    page = sheet.read_text()
    assert page.count("<svg") == 3
    for s in body["seats"]:
        assert s["team"] in page and s["url"].replace("&", "&amp;") in page


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seats", "9"], "--seats 9 is more than the 8 teams of classroom"),
        (["--seats", "2", "--set", "nope.key=1"], "unknown key 'nope.key'"),
        (["--seats", "2", "--set", "lab.research_teams"], "expected key=value"),
        (["--seats", "2", "--rounds", "0"], "rounds = 0 is not allowed"),
    ],
)
def test_bad_input_to_new_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, args, message):
    base = ["workshop", "new", "--scenario", "classroom", "--db", tmp_path / "ws.db"]
    rounds = [] if "--rounds" in args else ["--rounds", "2"]
    assert crunch(*base, *rounds, *args, "--sheet", tmp_path / "s.html") == 2
    err = one_line_error(capsys)
    assert message in err
    assert "lab.research_teams=" in err or "seats" not in message
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------- status and advance
def test_status_shows_round_phase_timer_and_who_has_bid(tmp_path, capsys):
    created = create_workshop(tmp_path / "ws.db", "classroom", seats=3, rounds=2, seed=1)
    w = Workshop(created.db)
    assert crunch("workshop", "status", "--db", created.db) == 0
    assert "waiting for the host to open round 1 of 2" in capsys.readouterr().out
    w.open_round(LOCAL_HOST)
    first = created.seats[0]
    w.submit_bid(first.token, [(1, 10.0)])
    assert crunch("workshop", "status", "--db", created.db) == 0
    out = capsys.readouterr().out
    assert re.search(r"round 1 of 2, bidding, [23]:\d\d left; 0 week\(s\) played", out), out
    rows = {line.split()[1]: line.split()[-1] for line in out.splitlines()[2:]}
    assert rows == {s.team: ("yes" if s is first else "no") for s in created.seats}
    w.pause(LOCAL_HOST)
    assert crunch("workshop", "status", "--db", created.db, "--workshop", w.id) == 0
    assert "round 1 of 2, bidding, paused" in capsys.readouterr().out


def test_advance_closes_rounds_prints_them_and_refuses_a_finished_workshop(tmp_path, capsys):
    created = create_workshop(tmp_path / "ws.db", "classroom", seats=2, rounds=3, seed=2)
    assert crunch("workshop", "advance", "--db", created.db, "--rounds", 2) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("round 1 of 3 closed (week 0): rule Uniform price, price ")
    assert out[1].startswith("round 2 of 3 closed (week 1)")
    assert "0 seat(s) played by people, 2 by bots" in out[1]
    assert Workshop(created.db).status().week == 2
    assert crunch("workshop", "advance", "--db", created.db, "--rounds", 5) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [out[0], "the workshop is finished: all 3 rounds played"]
    assert out[0].startswith("round 3 of 3 closed")
    log = len(Workshop(created.db).actions())
    assert crunch("workshop", "advance", "--db", created.db) == 2
    assert "the workshop is finished: all 3 rounds played" in one_line_error(capsys)
    assert len(Workshop(created.db).actions()) == log


# ---------------------------------------------------------------------- export and replay
def test_export_and_replay_write_byte_identical_tables(played, tmp_path, capsys):
    created, w = played
    exported, replayed = tmp_path / "export", tmp_path / "replay"
    assert crunch("workshop", "export", "--db", created.db, "--out", exported) == 0
    assert crunch("workshop", "replay", "--db", created.db, "--out", replayed, "--quiet") == 0
    assert sorted(p.name for p in exported.iterdir()) == sorted(FILES)
    for name in FILES:
        assert (exported / name).read_bytes() == (replayed / name).read_bytes(), name
    assert f"wrote {', '.join(FILES)} to {exported}/" in capsys.readouterr().out
    weeks = pd.read_csv(exported / "weeks.csv")
    assert list(weeks.columns) == list(WEEK_COLUMNS) and len(weeks) == ROUNDS
    assert list(pd.read_csv(exported / "teams.csv").columns) == list(TEAM_COLUMNS)
    actions = pd.read_csv(exported / "actions.csv", keep_default_na=False)
    assert list(actions.columns) == ["id", "round", "kind", "seat", "payload"]
    log = w.actions()
    assert actions["id"].tolist() == [a.id for a in log]
    assert [json.loads(p) for p in actions["payload"]] == [a.payload for a in log]
    assert (exported / "scenario.toml").read_text() == w.scenario.to_toml()


def test_replay_rebuilds_the_game_from_the_log_alone(played, tmp_path):
    created, w = played
    assert crunch("workshop", "replay", "--db", created.db, "--out", tmp_path, "--quiet") == 0
    with w.session() as s:
        held = s.model.teams_frame()
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "teams.csv"), held, check_dtype=False)


# ---------------------------------------------------------------------- debrief
def test_debrief_writes_a_self_contained_page_with_seats_and_counterfactual(
    played, tmp_path, capsys
):
    created, _ = played
    out = tmp_path / "report.html"
    assert crunch("workshop", "debrief", "--db", created.db, "--out", out) == 0
    assert "against vickrey" in capsys.readouterr().out
    page = out.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<script" not in page and "<link" not in page
    assert page.count('src="data:image/png;base64,') >= 2
    assert '<h2 id="counterfactual">The same session under' in page and "vickrey" in page
    for s in created.seats:
        assert f'<tr class="seat"><td class="l">{s.team}</td>' in page
    # Only the seated teams are highlighted in the team table.
    assert len(re.findall(r'<tr class="seat"><td class="l">', page)) == SEATS


def test_debrief_with_an_unknown_rule_is_exit_2_and_writes_nothing(played, tmp_path, capsys):
    created, _ = played
    out = tmp_path / "report.html"
    assert crunch("workshop", "debrief", "--db", created.db, "--out", out, "--rule", "dutch") == 2
    assert "mechanism 'dutch' is unknown" in one_line_error(capsys)
    assert not out.exists()


# ---------------------------------------------------------------------- bad databases
@pytest.mark.parametrize(
    "command",
    [
        ["status"],
        ["advance"],
        ["export", "--out", "OUT"],
        ["replay", "--out", "OUT"],
        ["debrief", "--out", "OUT/r.html"],
        ["sheet", "--out", "OUT/s.html", "--reissue"],
    ],
)
def test_a_foreign_or_missing_file_is_refused_in_one_line(tmp_path, capsys, command):
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n")
    args = [str(a).replace("OUT", str(tmp_path / "out")) for a in command]
    assert crunch("workshop", args[0], "--db", text, *args[1:]) == 2
    assert f"{text} is not a workshop database" in one_line_error(capsys)
    assert crunch("workshop", args[0], "--db", tmp_path / "missing.db", *args[1:]) == 2
    assert "no such workshop database" in one_line_error(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


# ---------------------------------------------------------------------- sheet
def test_sheet_needs_reissue_and_then_replaces_every_link(tmp_path, capsys):
    created = create_workshop(tmp_path / "ws.db", "classroom", seats=3, rounds=2, seed=3)
    w = Workshop(created.db)
    sheet = tmp_path / "seats.html"
    assert crunch("workshop", "sheet", "--db", created.db, "--out", sheet) == 2
    assert "links are shown only once" in one_line_error(capsys)
    assert not sheet.exists()
    for s in created.seats:
        assert w.seat(s.token).seat == s.seat  # still valid: nothing was reissued
    assert crunch("workshop", "sheet", "--db", created.db, "--out", sheet, "--reissue") == 0
    printed = URL.findall(capsys.readouterr().out)
    page = sheet.read_text()
    assert page.count("<svg") == 3
    assert len(printed) == 3
    for s, (_, token) in zip(created.seats, printed, strict=True):
        with pytest.raises(AccessError):
            w.seat(s.token)
        assert w.seat(token).team == s.team
        assert s.team in page and f"t={token}" in page


def test_a_file_with_several_workshops_needs_the_workshop_id(tmp_path, capsys):
    first = create_workshop(tmp_path / "ws.db", "classroom", seats=2, rounds=2)
    second = create_workshop(tmp_path / "ws.db", "classroom", seats=3, rounds=2)
    assert crunch("workshop", "status", "--db", first.db) == 2
    err = one_line_error(capsys)
    assert "holds several workshops" in err and "--workshop ID" in err
    assert crunch("workshop", "status", "--db", first.db, "--workshop", second.workshop) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"workshop {second.workshop} (classroom)")
    assert all(s.team in out for s in second.seats)
