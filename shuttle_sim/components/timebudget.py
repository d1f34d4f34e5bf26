"""Time budgets: hours spent in each state by a ship or a berth.

A :class:`StateClock` charges the time since its last change to its current state in a
shared ``totals`` dictionary (a tanker's budget, a port's berth occupancy), so that the
states always add up to the time observed.  ``totals`` holds every state the clock can
enter, at 0 to begin with (:func:`budget`): a plain dict, the fastest to update from
compiled code.

While a ship is alongside, the berth's clock *follows* the ship's: every change of the
ship's state is also a change of the berth's, translated by a map (a ship stopped by its
own breakdown is a berth charged as ``failed``).  One call then keeps both budgets.
"""

from __future__ import annotations

from typing import Iterable

_NO_MAP: dict[str, str] = {}  # the map of a clock that leads no follower: never read


def budget(states: Iterable[str]) -> dict[str, float]:
    """Hours by state, each at 0: the ``totals`` of clocks that enter only ``states``."""
    return dict.fromkeys(states, 0.0)


class StateClock:
    """Charges elapsed hours to the current state in ``totals``."""

    __slots__ = ("totals", "state", "since_h", "follower", "follow_map")

    def __init__(self, totals: dict[str, float], state: str, now_h: float) -> None:
        self.totals = totals
        self.state = state
        self.since_h = now_h
        self.follower: StateClock | None = None
        self.follow_map = _NO_MAP

    def enter(self, state: str, now_h: float) -> None:
        """Close the current state at ``now_h`` and start ``state`` (and the follower's
        translation of it)."""
        self.totals[self.state] += now_h - self.since_h
        self.state = state
        self.since_h = now_h
        f = self.follower
        if f is not None:
            f.totals[f.state] += now_h - f.since_h
            f.state = self.follow_map[state]
            f.since_h = now_h

    def lead(self, follower: "StateClock | None", state_map: dict[str, str] | None = None) -> None:
        """From now on ``follower`` changes state whenever this clock does, to
        ``state_map[new state]``; ``lead(None)`` ends it."""
        self.follower = follower
        self.follow_map = _NO_MAP if state_map is None else state_map

    def move(self, hours: float, from_state: str, to_state: str) -> None:
        """Re-label ``hours`` already charged (the starved part of a transfer)."""
        self.totals[from_state] -= hours
        self.totals[to_state] += hours
