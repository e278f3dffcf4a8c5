"""The world: the Mesa model, its state and the ten phases of a week.

- :mod:`game.world.model` — ``ComputeGame``, whose ``step()`` reads as the ten phases.
- :mod:`game.world.phases` — one module per phase, each a function returning a typed result.
- :mod:`game.world.setup` — building a lab from a scenario.
- :mod:`game.world.narration`, :mod:`game.world.recorder`, :mod:`game.world.events` — what
  a week leaves behind: sentences, metric rows and team snapshots.
- :mod:`game.world.explain` — why a team got what it got, and under other rules.
"""
