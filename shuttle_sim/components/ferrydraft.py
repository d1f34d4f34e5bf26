"""Draft-limited ferry loads: how many wagons a ferry may take on a given day.

A ferry's draft grows linearly with the loaded wagons aboard (``ferries.draft: {light,
loaded}``: empty, and with ``capacity_wagons`` wagons, all wagons taken as equally
heavy); each port may state a ``depth`` (the shallowest of its berths and its approach:
ferry berths are anonymous), moved by the scenario's sea-level trend.  A ferry leaves
the yard port loaded and berths loaded at the arrival port, so the shallower of the two
decides::

    wagons = min(capacity, floor(capacity * (depth - light) / (loaded - light)))

No load line or no depth: the capacity.  A port's allowed draft over time is the tanker
route's own :class:`~.draft.PortDrafts` (its shallowest berth: ferry berths are anonymous).
"""

from __future__ import annotations

import math

from .draft import PortDrafts

__all__ = ["FerryDrafts"]


class FerryDrafts:
    """The wagons a ferry of route ``spec`` may load at any hour.

    Parameters
    ----------
    spec : config.ferry.FerryRoute
    start_date : datetime.date or None
        Calendar date of hour 0 (the datum of the ports' ``depth``).
    trend_m_per_yr : float
        Sea-level change per year.
    """

    def __init__(self, spec, start_date, trend_m_per_yr: float = 0.0) -> None:
        self.capacity = spec.ferries.capacity_wagons
        self.line = spec.ferries.draft
        self.ports = [PortDrafts(p.depth, p.berths, start_date, trend_m_per_yr)
                      for p in (spec.port, spec.arrival_port) if p.depth is not None]

    def max_draft_m(self, t_h: float) -> float:
        """The controlling draft at hour ``t_h`` (inf with no depth stated)."""
        return min((p.shallowest_m(t_h) for p in self.ports), default=math.inf)

    def load_limit(self, t_h: float) -> int:
        """Wagons a ferry may load at hour ``t_h``."""
        cap, line = self.capacity, self.line
        if line is None or not self.ports:
            return cap
        allowed = cap * (self.max_draft_m(t_h) - line.light_m) / (line.loaded_m - line.light_m)
        return max(0, min(cap, int(math.floor(allowed + 1e-9))))
