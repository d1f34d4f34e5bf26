"""Cargo transfer at a berth: paused while the weather, the berth or the ship stops it,
left ahead of a storm above the port's leave-berth limit, or towed off when the ship's
breakdown would keep it at the berth longer than ``breakdowns.leave_berth_after``.

Step 6 of a port call (:meth:`~shuttle_sim.components.terminal.Terminal.call`), in a
module of its own.  The transfer is a :class:`~shuttle_sim.components.tank.Flow` through
the terminal's tank farm; this object only starts and stops it (rate 0 while a gate is
down) and charges the pauses, driven by timeout callbacks rather than a process of its
own.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final


from ..engine import Event
from ..processes import now as clock_now
from .availability import Availability, common_window
from .tank import Flow
from .towoff import long_down_start

if TYPE_CHECKING:  # the terminal and the tanker import this module; typed for the compiled reads
    from .tanker import Tanker
    from .terminal import Berth, PortCall, Terminal

INF: Final = math.inf
RECHECK_MARGIN_H: Final = 1e-6  # a transfer check falls this long after the cargo's expected end


class CargoTransfer:
    """A cargo transfer at a berth, run while every gate is up and paused while one is down.

    The gates are the timelines that can stop it (the port's transfer weather, the
    berth's and the ship's own up timelines; never-down ones are left out).  The pauses
    are driven by timeout callbacks (no extra process, no condition events): at each
    stop the rate goes to 0 and the hold is charged; at the next moment all gates are
    up again, the rate is restored.  When the cargo is done, a check still pending is
    cancelled.
    """

    __slots__ = ("terminal", "ship", "berth_obj", "flow", "rate", "rec", "gates", "pending", "storm_h", "leave_at",
                 "left", "tow_at", "towed")

    def __init__(self, terminal: Terminal, ship: Tanker, berth_obj: Berth, flow: Flow, rate: float, rec: PortCall) -> None:
        self.terminal = terminal
        self.ship = ship
        self.berth_obj = berth_obj
        self.flow = flow
        self.rate = rate
        self.rec = rec
        self.gates: tuple[Availability, ...] = berth_obj.transfer_gates if ship.up.always_up else berth_obj.transfer_gates + (ship.up,)
        self.pending: Event | None = None  # the scheduled next check
        # the next storm above the leave-berth limit, and when the ship starts unberthing
        # ahead of it (the forecast is perfect that far ahead)
        stay = terminal.stay
        now: float = clock_now(terminal.env)
        self.storm_h = INF if stay.always_up else stay.up_until(now)
        self.leave_at = self.storm_h - terminal.leave_lead_h
        self.left = False  # the ship left (ahead of the storm, or towed off), the cargo unfinished
        # towed off broken down (components.towoff): when, once a long breakdown holds
        # the transfer (inf: none in sight); set while paused, cleared when work resumes
        self.tow_at = INF
        self.towed = False  # left because towed off, not ahead of a storm

    def check(self, _event=None) -> None:
        term, flow = self.terminal, self.flow
        if flow.done.triggered:  # finished at this instant, its ship not yet resumed
            return
        env = term.env
        now: float = clock_now(env)
        if now >= self.leave_at:
            self.leave()
            return
        if now >= self.tow_at:
            self.towed = True
            self.leave()
            return
        stop = INF
        for g in self.gates:
            u = g.up_until(now)
            if u < stop:
                stop = u
        if stop > now:  # all up: work until the first of them stops
            self.tow_at = INF
            self.ship.clock.enter("transferring", now)  # the berth follows
            if flow.requested_t_per_h != self.rate:
                term.tank.set_rate(flow, self.rate)
            if stop == INF and self.leave_at == INF:
                return  # nothing will stop it
            # Look no further than just past the end of the cargo at the present rate:
            # a check left pending far beyond it would sit in the event queue for days
            # and slow every other event.  Just past, so that the farm has closed the
            # cargo and the ship has cancelled this check by then; if the farm slowed
            # the cargo instead, the check re-arms.
            due = now + term.tank.eta_h(flow) + RECHECK_MARGIN_H
            if due > stop:
                due = stop
            if due > self.leave_at:
                due = self.leave_at
        else:
            if flow.requested_t_per_h != 0.0:  # (a recheck on a change of cause leaves the farm alone)
                term.tank.set_rate(flow, 0.0)
            due = common_window(self.gates, now, 0.0)  # all gates up again
            limit = self.ship.leave_berth_after_h
            if limit < INF and self.tow_at == INF:
                # a breakdown under way or beginning in this pause, longer than the limit:
                # towed off that long after it holds the ship (kept once found, so that a
                # check an ulp early does not restart the count)
                s = long_down_start(self.ship.up, now, due, limit)
                if s < INF:
                    self.tow_at = s + limit
            if due > self.tow_at:
                due = self.tow_at
            if due > self.leave_at:
                due = self.leave_at
            # The pause is charged to the first of weather, the berth's failure and the
            # ship's breakdown that is down, until that changes: the check comes back when
            # the cause ends or one before it in that order goes down (as a sheltering
            # passage is weather as far as the sea alone explains it).
            weather, berth_up, ship_up = term.weather["transfer"], self.berth_obj.up, self.ship.up
            if not weather.is_up(now):
                cause = "weather"
                change = weather.next_up(now)
            elif not berth_up.is_up(now):
                cause = "berth_failed"
                change = min(berth_up.next_up(now), weather.up_until(now))
            else:
                cause = "breakdown"
                change = min(ship_up.next_up(now), weather.up_until(now), berth_up.up_until(now))
            if change < due:
                due = change
            if cause == "weather":
                term.prepay(self.ship, self.rec, "transfer", now, due)
            if self.ship.clock.state != cause:
                self.ship.clock.enter(cause, now)  # the berth follows: weather or failed
        self.pending = env.timeout(due - now)
        self.pending.callbacks.append(self.check)

    def leave(self) -> None:
        """Stop the cargo now to leave the berth ahead of a storm or towed off: the flow
        is closed with what it has moved, and ``flow.done`` fires for the ship to leave."""
        self.left = True
        self.pending = None
        self.terminal.tank.close(self.flow)
        self.flow.done.succeed()

    def cancel(self) -> None:
        """The cargo is done: the next check, if still to come, is taken off the queue."""
        if self.pending is not None:
            self.terminal.env.cancel(self.pending)
            self.pending = None

