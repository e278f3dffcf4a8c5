"""Who plays: Mesa team agents, their bidding strategies and behaviour models.

- :mod:`agents.teams` — ``ResearchTeam``, ``ProductTeam``, ``ReallocationGroup`` (Mesa agents).
- :mod:`agents.strategies` — the bidding-strategy registry.
- :mod:`agents.emotion`, :mod:`agents.productivity`, :mod:`agents.valuation` — pure,
  vectorised behaviour models over all teams.
"""
