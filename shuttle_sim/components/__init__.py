"""Model components, one module per physical component (tank farm, terminal, tanker,
passage, weather, ferry, ...); see docs/model.md.

This file makes ``shuttle_sim.components`` a regular package, so that ``packages = find:``
(setup.cfg) puts its modules into a wheel; without it a non-editable install had only the
compiled ones.
"""
