"""Golden transcript of a short seeded run: any change in behaviour shows up here.

If a change is intended, regenerate with ``UPDATE_GOLDEN=1 make test`` and review the
diff of ``tests/golden/`` like any other change.
"""

from __future__ import annotations

import os
from pathlib import Path

from game import ComputeGame, load_scenario

GOLDEN = Path(__file__).with_name("golden")


def transcript() -> tuple[str, str]:
    model = ComputeGame(load_scenario("classroom"), rng=2026).run(10)
    weeks = model.weeks_frame().round(6).to_csv(index=False, float_format="%.6g")
    events = "\n".join(model.events.lines()) + "\n"
    return weeks, events


def test_classroom_seed_2026_matches_the_golden_transcript():
    weeks, events = transcript()
    files = {"classroom-2026-weeks.csv": weeks, "classroom-2026-events.txt": events}
    if os.environ.get("UPDATE_GOLDEN"):
        for name, text in files.items():
            (GOLDEN / name).write_text(text)
    for name, text in files.items():
        expected = (GOLDEN / name).read_text()
        assert text == expected, f"{name} changed; if intended, regenerate with UPDATE_GOLDEN=1"
