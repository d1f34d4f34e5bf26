"""A terminal's berths and the record of one port call: the bookkeeping the port call
(:mod:`.terminal`) works with, and a berth's time budget (its states, and the state it is in
while a ship alongside is in each of its own).

:class:`PortCall` is what one call by a ship records (times, waits, cargo); :class:`Berth`
is one berth with its own up timeline and transfer gates; :class:`BerthPool` hands free
berths out first come, first served.  Kept apart from :class:`~.terminal.Terminal` so that
the port call itself reads in one sitting.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any, Final, Generator

from ..engine import Engine, Event, Waitable
from ..processes import now as clock_now
from .availability import Availability
from .timebudget import StateClock

NAN: Final = math.nan
INF: Final = math.inf

#: a berth's time budget: the states its clock charges (``<port>_berth_<state>_frac``)
BERTH_STATES = (
    "berthing",
    "formalities",  # the ship's pre- and post-transfer formalities alongside
    "transferring",
    "waiting_cargo",
    "waiting_ullage",
    "weather",
    "failed",
    "other_traffic",
)
# the berth's state while the ship alongside is in a given state of its own budget: the
# berth's clock is coupled to the ship's through this map from berth assigned to unberthed
BERTH_STATE_FOR_SHIP_STATE = {
    "queueing": "berthing",  # berth assigned, ship on its way in
    "berthing": "berthing",
    "pre_transfer_formalities": "formalities",
    "post_transfer_formalities": "formalities",
    "transferring": "transferring",
    "weather": "weather",
    "breakdown": "failed",
    "berth_failed": "failed",
}


class PortCall:
    """Times (h) and amounts of one ship's call, for the voyage record."""

    __slots__ = ("arrive_h", "berth_h", "start_h", "end_h", "depart_h", "queue_h", "starved_h", "weather_h",
                 "amount_t", "berth", "anchorage_h")

    def __init__(self, arrive_h: float) -> None:
        self.arrive_h = arrive_h
        self.berth_h = self.start_h = self.end_h = self.depart_h = NAN
        self.queue_h = self.starved_h = self.weather_h = self.amount_t = 0.0
        self.anchorage_h = 0.0  # at anchorage waiting for cargo or ullage (dispatch: ready)
        self.berth = -1  # index of the berth assigned


class Berth:
    """One berth: its own up/down timeline (failures, scripted outages)."""

    __slots__ = ("index", "up", "busy", "down", "idle_clock", "transfer_gates", "_work", "_work_built")

    def __init__(self, index: int, up: Availability, transfer_weather: Availability) -> None:
        self.index = index
        self.up = up
        # what can stop a transfer here, besides the ship: the port's weather, the berth
        self.transfer_gates: tuple[Availability, ...] = tuple(g for g in (transfer_weather, up) if not g.always_up)
        self._work: Availability | None = None  # built at the first third-party call
        self._work_built = False
        self.busy = False
        self.down = False
        self.idle_clock: StateClock | None = None

    def work(self) -> Availability | None:
        """When work alongside (a third-party call's) can go on: the port's transfer
        weather and the berth both up; None if always.  Built once, when first asked."""
        if not self._work_built:
            gates = self.transfer_gates
            self._work = None if not gates else gates[0] if len(gates) == 1 else gates[0] & gates[1]
            self._work_built = True
        return self._work


class BerthPool:
    """Free berths, handed out first come first served.

    ``get()`` returns an event that fires with a berth: at once if one is free, else
    when one is released to it.  ``put(berth)`` gives a released berth straight to the
    longest-waiting request, or back to the free list.  (A ``simpy.Store`` would do the
    same with an extra event per release and a dozen Python calls per hand-over: a
    release never waits, so it needs no event.)
    """

    __slots__ = ("env", "items", "_waiting")

    def __init__(self, env: Engine, berths) -> None:
        self.env = env
        self.items: list[Berth] = list(berths)  # free berths, in the order they were freed
        self._waiting: deque[Event] = deque()

    def get(self) -> Event:
        ev = Event(self.env)
        if self.items:
            ev.succeed(self.items.pop(0))
        else:
            self._waiting.append(ev)
        return ev

    def put(self, berth: Berth) -> None:
        if self._waiting:
            self._waiting.popleft().succeed(berth)
        else:
            self.items.append(berth)


def berth_outages(env: Engine, b: Berth, pool: BerthPool, occupancy_h: dict[str, float],
                  active: dict) -> Generator[Waitable, Any, None]:
    """The process that takes berth ``b`` out of ``pool`` while its up timeline is down
    (failures, scripted outages) and puts it back after.  A berth idle when it fails is
    charged ``failed`` in ``occupancy_h`` by a clock of its own, registered in ``active``
    (the terminal's running berth clocks, closed at the horizon); a busy one is charged
    by its ship's call, and handed back by the terminal's release."""
    while True:
        down_at = b.up.up_until(clock_now(env))
        if down_at == INF:
            return
        if down_at > clock_now(env):
            yield env.timeout(down_at - clock_now(env))
        b.down = True
        if not b.busy:
            pool.items.remove(b)
            b.idle_clock = StateClock(occupancy_h, "failed", clock_now(env))
            active[b.idle_clock] = None
        up_at = b.up.next_up(clock_now(env))
        if up_at == INF:
            return
        yield env.timeout(up_at - clock_now(env))
        b.down = False
        if b.idle_clock is not None:
            b.idle_clock.enter("failed", clock_now(env))
            del active[b.idle_clock]
            b.idle_clock = None
        if not b.busy:
            pool.put(b)
