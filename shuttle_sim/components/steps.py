"""A run of port steps that nothing can interrupt, as one timeout, booked afterwards.

Between the moment a berth is assigned and the start of the cargo transfer (hold before
berthing, berthing, pre-transfer formalities), and between the end of the transfer and
the ship's departure (post-transfer formalities, hold before unberthing, unberthing),
nothing that happens elsewhere can change what the ship does: the durations are the
ship's own draws, and the weather and breakdown timelines that decide the holds are known
for the whole run in advance.  Each such run is planned when it begins and slept through
in one timeout instead of one per step (issue 17: a third of a voyage's events), and its
state changes are booked on the ship's clock (and so on the coupled berth's) when it
ends, at the times they would have happened, as a sheltered passage books its hours.

Results stay identical to the bit: the plan computes every step's start by the same sums
the step-by-step call made (``t += d``), the draws come in the same order from the ship's
own stream, and the one timeout is used only when SimPy schedules it at exactly the
planned end (``now + (end - now) == end``, true unless the run is longer than the time
elapsed since the start of the simulation); otherwise the run is slept step by step.
A horizon inside a run books the changes before it (:meth:`BookedSteps.book`, called from
``Tanker.close``), as the step-by-step call would have made them.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Final, Generator

import simpy

from .timebudget import StateClock

if TYPE_CHECKING:  # the terminal and the tanker import this module; typed for the compiled reads
    from .tanker import Tanker
    from .terminal import PortCall

__all__ = ["BookedSteps"]

INF: Final = math.inf


class BookedSteps:
    """The planned steps of one uninterruptible run of a port call, from ``start_h``.

    Build it with :meth:`enter`, :meth:`hold` and :meth:`wait` in the order the steps
    happen; :meth:`run` sleeps through them and books them.

    Parameters
    ----------
    clock : StateClock
        The ship's clock (the berth's is coupled to it).
    hold_h : dict
        The terminal's weather holds by operation, charged as each hold begins.
    rec : PortCall
        The call's record, charged with the weather holds.
    start_h : float
        When the run begins (now).
    """

    __slots__ = ("clock", "hold_h", "rec", "t", "_times", "_states", "_ops", "_waits", "_weather", "_delays",
                 "_next")

    def __init__(self, clock: StateClock, hold_h: dict[str, float], rec: PortCall, start_h: float) -> None:
        self.clock = clock
        self.hold_h = hold_h
        self.rec = rec
        self.t = start_h  # the planned time reached so far
        self._times: list[float] = []  # state changes: when, which state, and any hold they begin
        self._states: list[str] = []
        self._ops: list[str] = []
        self._waits: list[float] = []
        self._weather: list[bool] = []
        self._delays: list[float] = []  # the timeouts a step-by-step call would have slept
        self._next = 0  # the first change not yet booked

    def enter(self, state: str) -> None:
        """The ship enters ``state`` at the planned time reached so far."""
        self._times.append(self.t)
        self._states.append(state)
        self._ops.append("")
        self._waits.append(0.0)
        self._weather.append(False)

    def hold(self, state: str, op: str, wait_h: float, by_weather: bool) -> None:
        """A hold of ``wait_h`` before operation ``op``, charged to ``state`` (``weather``
        or ``breakdown``), then the wait itself."""
        self._times.append(self.t)
        self._states.append(state)
        self._ops.append(op)
        self._waits.append(wait_h)
        self._weather.append(by_weather)
        self.wait(wait_h)

    def wait(self, delay_h: float) -> None:
        """A step of ``delay_h`` hours (> 0)."""
        self._delays.append(delay_h)
        self.t += delay_h

    def book(self, until_h: float, through: bool = False) -> None:
        """Book the state changes planned before ``until_h`` (all of them with inf; with
        ``through``, also those planned at ``until_h``)."""
        i, n = self._next, len(self._times)
        clock, times = self.clock, self._times
        while i < n and (times[i] < until_h or (through and times[i] == until_h)):
            clock.enter(self._states[i], times[i])
            op = self._ops[i]
            if op:
                wait = self._waits[i]
                self.hold_h[op] += wait
                if self._weather[i]:
                    self.rec.weather_h += wait
            i += 1
        self._next = i

    def run(self, env: simpy.Environment, ship: Tanker) -> Generator[simpy.Event, Any, float]:
        """Sleep through the planned steps and book them; returns the planned end.

        While asleep the plan is ``ship.steps`` so that a horizon inside it can book its
        past changes (``Tanker.close``)."""
        now: float = env.now
        end = self.t
        delays = self._delays
        if not delays:
            self.book(INF)
            return end
        ship.steps = self
        delay = end - now
        if len(delays) == 1 or now + delay == end:
            yield env.timeout(delay if len(delays) > 1 else delays[0])
        else:  # one timeout would not land on the planned end to the bit: step by step
            for d in delays:
                self.book(now, through=True)  # the changes at the start of this step
                yield env.timeout(d)
                now += d
        ship.steps = None
        self.book(INF)
        return end
