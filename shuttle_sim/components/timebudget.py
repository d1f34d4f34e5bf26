"""Time budgets: hours spent in each state by a ship or a berth.

A :class:`StateClock` charges the time since its last change to its current state in a
shared ``totals`` dictionary (a tanker's budget, a port's berth occupancy), so that the
states always add up to the time observed.  ``totals`` holds every state the clock can
enter, at 0 to begin with (:func:`budget`): a plain dict, the fastest to update from
compiled code.

While a ship is alongside, the berth's clock is *coupled* to the ship's
(:meth:`StateClock.couple`): every change of the ship's state is also a change of the
berth's, to the berth state that goes with it (a ship stopped by its own breakdown is a
berth charged as ``failed``).  One call then keeps both budgets; :meth:`StateClock.uncouple`
ends it when the ship leaves.
"""

from __future__ import annotations

from typing import Iterable

_UNCOUPLED: dict[str, str] = {}  # the follower_state_of of a clock with no follower: never read


def budget(states: Iterable[str]) -> dict[str, float]:
    """Hours by state, each at 0: the ``totals`` of clocks that enter only ``states``."""
    return dict.fromkeys(states, 0.0)


class StateClock:
    """Charges elapsed hours to the current state in ``totals``."""

    __slots__ = ("totals", "state", "since_h", "follower", "follower_state_of")

    def __init__(self, totals: dict[str, float], state: str, now_h: float) -> None:
        self.totals = totals
        self.state = state
        self.since_h = now_h
        self.follower: StateClock | None = None
        self.follower_state_of = _UNCOUPLED

    def enter(self, state: str, now_h: float) -> None:
        """Close the current state at ``now_h`` and start ``state`` (and the follower's
        translation of it)."""
        self.totals[self.state] += now_h - self.since_h
        self.state = state
        self.since_h = now_h
        f = self.follower
        if f is not None:
            f.totals[f.state] += now_h - f.since_h
            f.state = self.follower_state_of[state]
            f.since_h = now_h

    def couple(self, follower: "StateClock", follower_state_of: dict[str, str]) -> None:
        """From now on, every :meth:`enter` of this clock also moves ``follower`` to
        ``follower_state_of[new state]`` at the same instant (the berth's clock, coupled
        to the ship's alongside).  ``follower`` keeps its current state until then."""
        self.follower = follower
        self.follower_state_of = follower_state_of

    def uncouple(self) -> None:
        """End :meth:`couple`: the follower no longer changes with this clock."""
        self.follower = None
        self.follower_state_of = _UNCOUPLED

    def move(self, hours: float, from_state: str, to_state: str) -> None:
        """Re-label ``hours`` already charged (the starved part of a transfer)."""
        self.totals[from_state] -= hours
        self.totals[to_state] += hours
