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

A run with a weather or breakdown hold is slept step by step.  A hold ends on a window
of the hourly weather grid that other ships may be waiting for too (two ships leaving
into the same passage window end their runs at the same instant), and SimPy resumes
simultaneous processes in the order their timeouts were scheduled: one timeout, scheduled
earlier than the last of several, could change that order and with it which ship gets
which berth.  Runs without a hold end at sums of random draws, never together.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Final, Generator


from ..engine import Engine, Waitable
from ..processes import now as clock_now
from .timebudget import StateClock

if TYPE_CHECKING:  # the terminal and the tanker import this module; typed for the compiled reads
    from .tanker import Tanker
    from .terminal import PortCall

__all__ = ["BookedSteps"]

INF: Final = math.inf


class BookedSteps:
    """The planned steps of one uninterruptible run of a port call.

    One per ship, reused for every run (a run has at most three steps and three state
    changes: nothing is allocated per run).  :meth:`begin` starts a plan; :meth:`enter`,
    :meth:`hold` and :meth:`wait` add to it in the order the steps happen; :meth:`run`
    sleeps through them and books them.

    Parameters
    ----------
    clock : StateClock
        The ship's clock (the berth's is coupled to it while alongside).
    """

    __slots__ = ("clock", "hold_h", "rec", "t", "_times", "_states", "_n", "_next", "_hold_at", "_hold_op",
                 "_hold_wait", "_hold_weather", "_delays", "_nd")

    def __init__(self, clock: StateClock) -> None:
        self.clock = clock
        self.hold_h: dict[str, float] = {}
        self.rec: PortCall | None = None
        self.t = 0.0  # the planned time reached so far
        self._times: list[float] = []  # state changes: when, and which state (the first _n)
        self._states: list[str] = []
        self._n = 0
        self._next = 0  # the first change not yet booked
        self._hold_at = -1  # the change that begins a hold (-1: none), and the hold
        self._hold_op = ""
        self._hold_wait = 0.0
        self._hold_weather = False
        self._delays: list[float] = []  # the timeouts a step-by-step call would sleep (the first _nd)
        self._nd = 0

    def begin(self, hold_h: dict[str, float], rec: PortCall, start_h: float) -> None:
        """Start planning a run at ``start_h`` (now) of a call recorded in ``rec``, at a
        terminal whose weather holds by operation are ``hold_h``."""
        self.hold_h = hold_h
        self.rec = rec
        self.t = start_h
        self._n = self._next = self._nd = 0
        self._hold_at = -1

    def enter(self, state: str) -> None:
        """The ship enters ``state`` at the planned time reached so far."""
        i = self._n
        if i < len(self._times):
            self._times[i] = self.t
            self._states[i] = state
        else:
            self._times.append(self.t)
            self._states.append(state)
        self._n = i + 1

    def hold(self, state: str, op: str, wait_h: float, by_weather: bool) -> None:
        """A hold of ``wait_h`` before operation ``op``, charged to ``state`` (``weather``
        or ``breakdown``) and, a weather hold only, to the terminal's and the call's weather
        holds as it begins; then the wait itself."""
        self._hold_at = self._n
        self._hold_op = op
        self._hold_wait = wait_h
        self._hold_weather = by_weather
        self.enter(state)
        self.wait(wait_h)

    def manoeuvre(self, op: str, duration_h: float, start: float, by_weather: bool) -> None:
        """Berthing or unberthing (``op``) at the end of the plan: a hold until ``start``
        (its window, :meth:`Terminal._manoeuvre_start`), charged as it begins to the ship's
        ``weather`` (``by_weather``) or ``breakdown`` (the berth follows), then the manoeuvre
        for ``duration_h`` (ship state ``berthing``)."""
        if start > self.t:
            self.hold("weather" if by_weather else "breakdown", op, start - self.t, by_weather)
        if duration_h > 0:
            self.enter("berthing")
            self.wait(duration_h)

    def wait(self, delay_h: float) -> None:
        """A step of ``delay_h`` hours (> 0)."""
        i = self._nd
        if i < len(self._delays):
            self._delays[i] = delay_h
        else:
            self._delays.append(delay_h)
        self._nd = i + 1
        self.t += delay_h

    def book(self, until_h: float, through: bool = False) -> None:
        """Book the state changes planned before ``until_h`` (all of them with inf; with
        ``through``, also those planned at ``until_h``)."""
        i, n = self._next, self._n
        clock, times = self.clock, self._times
        while i < n and (times[i] < until_h or (through and times[i] == until_h)):
            clock.enter(self._states[i], times[i])
            # a weather hold only: a breakdown hold is the ship's `breakdown`, the berth's `failed`
            if i == self._hold_at and self._hold_weather:
                wait = self._hold_wait
                self.hold_h[self._hold_op] += wait
                rec = self.rec
                if rec is not None:
                    rec.weather_h += wait
            i += 1
        self._next = i

    def refund(self, now_h: float) -> None:
        """A horizon at ``now_h`` inside a weather hold already booked (in full, as it
        began): take back its hours after ``now_h`` from the terminal's holds and the
        call's weather, so that they count the hold up to the horizon, as the clocks do."""
        i = self._hold_at
        if i < 0 or i >= self._next or not self._hold_weather:
            return
        rest = self._times[i] + self._hold_wait - now_h
        if rest > 0.0:
            self.hold_h[self._hold_op] -= rest
            rec = self.rec
            if rec is not None:
                rec.weather_h -= rest

    def run(self, env: Engine, ship: Tanker) -> Generator[Waitable, Any, float]:
        """Sleep through the planned steps and book them; returns the planned end.

        While asleep the plan is ``ship.steps`` so that a horizon inside it can book its
        past changes (``Tanker.close``)."""
        now: float = clock_now(env)
        end = self.t
        nd = self._nd
        if nd == 0:
            self.book(INF)
            return end
        ship.steps = self
        delay = end - now
        if nd == 1:
            yield env.timeout(self._delays[0])
        elif now + delay == end and self._hold_at < 0:
            yield env.timeout(delay)
        else:  # one timeout would not land on the planned end to the bit, or a hold ends
            # on a weather window shared with other ships: step by step
            for k in range(nd):
                self.book(now, through=True)  # the changes at the start of this step
                d = self._delays[k]
                yield env.timeout(d)
                now += d
        ship.steps = None
        self.book(INF)
        return end
