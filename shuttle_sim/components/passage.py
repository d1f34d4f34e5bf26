"""A vessel at sea: passages that shelter while the sea or the vessel stops them.

Shuttle tankers and train ferries sail the same way.  A passage needs ``sailing_h``
hours of way; it pauses (the vessel shelters) whenever the sea exceeds the passage
limits or the vessel itself is broken down, and continues after.  Its end is one
O(log n) query of the combined timeline (:meth:`Availability.work_end`) and one
timeout; the hours spent sheltering are re-labelled afterwards, as the passage ends
(a callback that runs before the vessel's process resumes), or at the horizon if it
falls inside the passage, split into *weather* (as far as the sea alone explains the
stop) and *breakdown* (the rest).
"""

from __future__ import annotations

import math
from typing import Final


from ..engine import Engine, Event
from ..processes import now as clock_now
from .availability import Availability
from .timebudget import StateClock

__all__ = ["ShelteredPassage"]

NAN: Final = math.nan


class ShelteredPassage:
    """The passages of one vessel, charged to its time budget ``clock``.

    Parameters
    ----------
    env : Engine
    clock : StateClock
        The vessel's time budget; a passage enters the state it is given, and its
        sheltered hours are moved to ``weather`` and ``breakdown``.
    sea : Availability
        When the sea allows the passage.
    up : Availability
        When the vessel is not broken down.

    Attributes
    ----------
    weather_h : float
        Hours sheltered from the sea so far, over all settled passages.
    """

    __slots__ = ("env", "clock", "sea", "sea_and_up", "simple", "state", "start_h", "end_h", "weather_h")

    def __init__(self, env: Engine, clock: StateClock, sea: Availability, up: Availability) -> None:
        self.env = env
        self.clock = clock
        self.sea = sea
        self.sea_and_up: Availability = sea if up.always_up else sea & up
        self.simple = self.sea_and_up.always_up  # decided once: nothing ever stops a passage
        self.state = ""  # the passage in progress that has sheltering to settle ('' if none)
        self.start_h = NAN
        self.end_h = NAN
        self.weather_h = 0.0

    def sail(self, state: str, sailing_h: float) -> Event:
        """The timeout that ends a passage of ``sailing_h`` hours of way begun now, in
        budget state ``state`` (e.g. ``sailing_laden``)."""
        env = self.env
        now: float = clock_now(env)
        self.clock.enter(state, now)
        if self.simple or self.sea_and_up.up_until(now) >= now + sailing_h:
            return env.timeout(sailing_h)  # nothing stops this passage: no shelter to split
        end = self.sea_and_up.work_end(now, sailing_h)
        self.state, self.start_h, self.end_h = state, now, end
        ev = env.timeout(end - now)
        ev.callbacks.append(self._arrived)
        return ev

    def sail_until(self, state: str, end_h: float) -> Event:
        """The timeout of a passage begun now in budget state ``state`` that ends at
        ``end_h`` whatever way it makes: the hours the sea and the vessel allow are
        ``state``, the rest sheltering, re-labelled as :meth:`sail`'s are (``weather`` as
        far as the sea alone explains it, else ``breakdown``; exact at a horizon inside
        it).  A ferry's handling runs up to a long breakdown by it (:mod:`.ferry`)."""
        env = self.env
        now: float = clock_now(env)
        self.clock.enter(state, now)
        ev = env.timeout(end_h - now)
        if not self.simple:
            self.state, self.start_h, self.end_h = state, now, end_h
            ev.callbacks.append(self._arrived)
        return ev

    def _arrived(self, _event: Event) -> None:
        self.settle(self.end_h)

    def settle(self, now: float) -> None:
        """Re-label the hours the passage in progress has spent sheltering since it
        began (exact, also when the horizon ``now`` falls inside it); nothing to do
        when no passage with a shelter is in progress."""
        if not self.state:
            return
        state, start = self.state, self.start_h
        self.state = ""
        weather_h, other_h = self.sea.shelter_split(self.sea_and_up, start, now)
        self.clock.move(weather_h, state, "weather")
        self.clock.move(other_h, state, "breakdown")
        self.weather_h += weather_h

    def close(self) -> None:
        """End of the horizon: settle a passage in progress up to now."""
        self.settle(clock_now(self.env))
