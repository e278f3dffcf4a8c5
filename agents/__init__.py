"""Who plays: Mesa team agents, their bidding strategies and behaviour models.

- :mod:`agents.teams` — ``ResearchTeam``, ``ProductTeam``: Mesa agents that bid through
  their strategy object; :mod:`agents.reallocation` — the ``ReallocationGroup`` agent.
- :mod:`agents.strategies` — the bidding-strategy registry and the read-only ``TeamView``.
- :mod:`agents.table` — the teams' changing state as a struct of arrays.
- :mod:`agents.emotion`, :mod:`agents.productivity`, :mod:`agents.valuation`,
  :mod:`agents.negotiation` — pure, vectorised behaviour models over all teams, each with
  its parameter table (a pydantic model from :mod:`agents.schema`) beside it.
"""
