"""Time budgets: hours spent in each state by a ship or a berth.

A :class:`StateClock` charges the time since its last change to its current state in a
shared ``totals`` dictionary (a tanker's budget, a port's berth occupancy), so that the
states always add up to the time observed.
"""

from __future__ import annotations

from collections import defaultdict


class StateClock:
    """Charges elapsed hours to the current state in ``totals``."""

    __slots__ = ("totals", "state", "since_h")

    def __init__(self, totals: defaultdict, state: str, now_h: float) -> None:
        self.totals = totals
        self.state = state
        self.since_h = now_h

    def enter(self, state: str, now_h: float) -> None:
        """Close the current state at ``now_h`` and start ``state``."""
        self.totals[self.state] += now_h - self.since_h
        self.state = state
        self.since_h = now_h

    def move(self, hours: float, from_state: str, to_state: str) -> None:
        """Re-label ``hours`` already charged (the starved part of a transfer)."""
        self.totals[from_state] -= hours
        self.totals[to_state] += hours
