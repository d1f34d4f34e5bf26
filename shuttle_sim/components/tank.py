"""Tank farm: a store of crude with continuous inflows and outflows.

A coastal tank farm is filled by field supply or by ships discharging, and emptied by
ships loading or by pipeline offtake.  Every stream of oil is a :class:`Flow` with a
requested rate; between events all rates are constant, so the level is exactly
piecewise linear and the farm is advanced analytically, never stepped hour by hour.

Two boundaries change the rates actually achieved:

* **full** (level = capacity, requested inflow > outflow): the inflows are cut back in
  proportion to their requests so that they just match the outflows.  For field supply
  the cut is *deferred production*; for a ship discharging it is *waiting for ullage*.
* **empty** (level = 0, requested outflow > inflow): the outflows are cut back in
  proportion so that they just match the inflows.  For a ship loading this is *waiting
  for cargo*; for pipeline offtake it is *offtake shortfall*.

A flow with a target amount (a ship's cargo) has a ``done`` event that fires the moment
the target has moved; the farm re-plans that moment whenever any rate or the regime
changes.  Every tonne is accounted for: each flow records what it was offered
(requested rate x time) and what actually moved.
"""

from __future__ import annotations

import math

from typing import Callable, Final


from ..engine import Engine, Event
from ..processes import now as clock_now
NORMAL: Final = "normal"
FULL: Final = "full"
EMPTY: Final = "empty"


class Flow:
    """One stream of oil into (``inflow=True``) or out of a tank farm.

    Attributes
    ----------
    requested_t_per_h : float
        The rate asked for (a pump rate, a nominated offtake, the field supply).
    actual_t_per_h : float
        The rate achieved now, after any full/empty cut-back.
    offered_t, moved_t : float
        Integrals of the requested and the actual rate since the flow opened.
    starved_h : float
        Integral of ``1 - actual/requested`` while requested > 0: hours lost to the
        tank being full (inflow) or empty (outflow).
    target_t : float or None
        Amount after which the flow closes by itself and ``done`` fires.

    The accounts are brought up to date lazily: read them after touching the farm
    (``sync()``, ``level_t``, ``flows()``, ``totals()``), or at an event of the farm's own.
    """

    __slots__ = (
        "name",
        "inflow",
        "requested_t_per_h",
        "actual_t_per_h",
        "offered_t",
        "moved_t",
        "starved_h",
        "target_t",
        "done",
    )

    def __init__(self, name: str, inflow: bool, rate_t_per_h: float, target_t: float | None, done) -> None:
        self.name = name
        self.inflow = inflow
        self.requested_t_per_h = rate_t_per_h
        self.actual_t_per_h = rate_t_per_h
        self.offered_t = 0.0
        self.moved_t = 0.0
        self.starved_h = 0.0
        self.target_t = target_t
        self.done = done

    @property
    def remaining_t(self) -> float:
        return math.inf if self.target_t is None else self.target_t - self.moved_t


class TankFarm:
    """A tank farm of ``capacity_t`` tonnes starting at ``initial_t``.

    Parameters
    ----------
    env : Engine
    name : str
        Used in traces and KPI names.
    capacity_t, initial_t : float
        Capacity and initial stock in tonnes; ``0 <= initial_t <= capacity_t``.
    """

    def __init__(self, env: Engine, name: str, capacity_t: float, initial_t: float) -> None:
        if not capacity_t > 0:
            raise ValueError(f"capacity_t must be > 0, found {capacity_t}")
        if not 0 <= initial_t <= capacity_t:
            raise ValueError(f"initial_t must be in [0, {capacity_t}], found {initial_t}")
        self.env = env
        self.name = name
        self.capacity_t = float(capacity_t)
        self.initial_t = float(initial_t)
        self._level_t = float(initial_t)
        self._t_h: float = clock_now(env)  # SimPy types its clock int | float: declared, it stays an unboxed float
        self._flows: list[Flow] = []
        # the closed flows' offered and moved tonnes by name, added as each closes (the
        # flows themselves are not kept: hundreds a year, each with its event)
        self._closed_t: dict[str, float] = {}
        self._regime = NORMAL
        self._net_t_per_h = 0.0
        self._wake_event: Event | None = None  # the current wake-up; older ones, superseded, are ignored
        # called after every re-plan (the achieved rates may have changed); they may change
        # other farms, never this one (an operating policy such as OverflowSplit)
        self.on_replan: list[Callable[[], None]] = []
        self._tol_t = 1e-9 * self.capacity_t
        self.trace_t_h: list[float] = [clock_now(env)]
        self.trace_level_t: list[float] = [self._level_t]

    # ------------------------------------------------------------------ public API
    def sync(self) -> None:
        """Bring the level, every flow's accounts and the trace up to ``env.now`` (what
        every read of the farm does first): for a caller that needs them current, such
        as the end of the horizon, without reading anything."""
        self._advance()

    @property
    def level_t(self) -> float:
        """Stock now, in tonnes."""
        self._advance()
        return self._level_t

    @property
    def regime(self) -> str:
        self._advance()
        return self._regime

    def source(self, name: str, rate_t_per_h: float) -> Flow:
        """Open a continuous inflow (field supply) with no target."""
        return self._open(Flow(name, True, rate_t_per_h, None, None))

    def sink(self, name: str, rate_t_per_h: float) -> Flow:
        """Open a continuous outflow (pipeline offtake) with no target."""
        return self._open(Flow(name, False, rate_t_per_h, None, None))

    def fill(self, name: str, rate_t_per_h: float, amount_t: float) -> Flow:
        """Start putting ``amount_t`` in (a ship discharging); ``flow.done`` fires at the end."""
        return self._open(Flow(name, True, rate_t_per_h, amount_t, self.env.event()))

    def draw(self, name: str, rate_t_per_h: float, amount_t: float) -> Flow:
        """Start taking ``amount_t`` out (a ship loading); ``flow.done`` fires at the end."""
        return self._open(Flow(name, False, rate_t_per_h, amount_t, self.env.event()))

    def set_rate(self, flow: Flow, rate_t_per_h: float) -> None:
        """Change a flow's requested rate from now on (a pause is rate 0)."""
        if rate_t_per_h < 0:
            raise ValueError(f"rate must be >= 0, found {rate_t_per_h}")
        self._advance()
        flow.requested_t_per_h = rate_t_per_h
        self._replan()

    def eta_h(self, flow: Flow) -> float:
        """Hours until ``flow`` reaches its target at the rate it gets now (inf if it gets
        none, or has no target)."""
        self._advance()
        target = flow.target_t  # a local: narrowed to float, unboxed when compiled
        if target is None or flow.actual_t_per_h <= 0.0:
            return math.inf
        return (target - flow.moved_t) / flow.actual_t_per_h

    def standing_net_t_per_h(self) -> float:
        """Requested inflow less requested outflow of the flows without a target (field
        supply, pipeline offtake): how the stock moves with no ship working."""
        net = 0.0
        for f in self._flows:
            if f.target_t is None:
                net += f.requested_t_per_h if f.inflow else -f.requested_t_per_h
        return net

    def close(self, flow: Flow) -> None:
        """Stop a flow now (an interrupted transfer, a stopped supply)."""
        self._advance()
        self._retire(flow)
        self._replan()

    def flows(self) -> list[Flow]:
        """The open flows, their accounts up to now."""
        self._advance()
        return list(self._flows)

    def totals(self) -> dict[str, float]:
        """Offered and moved tonnes per flow name (``<name>_offered_t``, ``<name>_moved_t``),
        summed over the closed flows in the order they closed, then the open ones."""
        out = dict(self._closed_t)
        for f in self.flows():
            _add_flow(out, f)
        return out

    # ------------------------------------------------------------------ internals
    def _open(self, flow: Flow) -> Flow:
        if flow.requested_t_per_h < 0:
            raise ValueError(f"rate must be >= 0, found {flow.requested_t_per_h}")
        if flow.target_t is not None and not flow.target_t > 0:
            raise ValueError(f"amount must be > 0, found {flow.target_t}")
        self._advance()
        self._flows.append(flow)
        self._replan()
        return flow

    def _retire(self, flow: Flow) -> None:
        self._flows.remove(flow)
        flow.actual_t_per_h = 0.0
        _add_flow(self._closed_t, flow)  # final: a closed flow no longer moves

    def _set_rates(self) -> None:
        """Choose the regime and the achieved rate of every flow from the level now."""
        req_in = req_out = 0.0
        for f in self._flows:
            if f.inflow:
                req_in += f.requested_t_per_h
            else:
                req_out += f.requested_t_per_h
        scale_in = scale_out = 1.0
        if self._level_t >= self.capacity_t - self._tol_t and req_in > req_out:
            self._regime, scale_in = FULL, req_out / req_in
        elif self._level_t <= self._tol_t and req_out > req_in:
            self._regime, scale_out = EMPTY, req_in / req_out
        else:
            self._regime = NORMAL
        for f in self._flows:
            f.actual_t_per_h = f.requested_t_per_h * (scale_in if f.inflow else scale_out)
        self._net_t_per_h = req_in * scale_in - req_out * scale_out

    def _time_to_boundary_h(self) -> float:
        net = self._net_t_per_h
        if self._regime != NORMAL or net == 0.0:
            return math.inf
        if net > 0:
            return (self.capacity_t - self._level_t) / net
        return self._level_t / -net

    def _integrate(self, dt: float) -> None:
        if self._regime == NORMAL:  # the usual case: every flow gets its request, none starves
            for f in self._flows:
                x = f.requested_t_per_h * dt
                f.offered_t += x
                f.moved_t += x
        else:
            for f in self._flows:
                f.offered_t += f.requested_t_per_h * dt
                f.moved_t += f.actual_t_per_h * dt
                if f.requested_t_per_h > 0.0:
                    f.starved_h += dt * (1.0 - f.actual_t_per_h / f.requested_t_per_h)
        self._level_t += self._net_t_per_h * dt

    def _advance(self) -> None:
        """Bring the accounts from the last update to ``env.now`` exactly."""
        now: float = clock_now(self.env)
        dt = now - self._t_h
        if dt <= 0.0:
            return
        tb = self._time_to_boundary_h()
        if tb < dt:
            # The level reaches a boundary inside the interval: account up to it, switch
            # regime (rates are constant, so at most one switch), then the rest.
            full = self._net_t_per_h > 0
            self._integrate(tb)
            self._level_t = self.capacity_t if full else 0.0
            self._t_h += tb
            self._record()
            self._set_rates()
            self._integrate(now - self._t_h)
        else:
            self._integrate(dt)
        if self._level_t > self.capacity_t:  # float round-off only: a few ulps
            self._level_t = self.capacity_t
        elif self._level_t < 0.0:
            self._level_t = 0.0
        self._t_h = now
        self._record()

    def _record(self) -> None:
        if self.trace_t_h[-1] == self._t_h:
            self.trace_level_t[-1] = self._level_t
        else:
            self.trace_t_h.append(self._t_h)
            self.trace_level_t.append(self._level_t)

    def _replan(self) -> None:
        """Recompute rates and schedule one wake-up at the next moment they can change."""
        self._set_rates()
        now = self._t_h  # the accounts are always brought to now before a re-plan
        tb = self._time_to_boundary_h()
        if tb < math.inf and now + tb == now:
            # The boundary is closer than the clock can resolve at this time: it is
            # reached now.  Without this the wake-up would fire at the same instant
            # for ever (a Zeno loop); the level moves by less than rate x one ulp.
            self._level_t = self.capacity_t if self._net_t_per_h > 0 else 0.0
            self._record()
            self._set_rates()
            tb = self._time_to_boundary_h()
        old = self._wake_event
        if old is not None:  # superseded: off the queue (a no-op for the one firing now)
            self.env.cancel(old)
            self._wake_event = None
        next_h = tb
        any_target = False
        for f in self._flows:
            target = f.target_t
            if target is not None:
                any_target = True
                if f.actual_t_per_h > 0.0:
                    t = (target - f.moved_t) / f.actual_t_per_h
                    if t < next_h:
                        next_h = t
        for hook in self.on_replan:
            hook()
        if not any_target and not self.on_replan:
            return  # nothing waits on this farm: boundaries are handled analytically
        if next_h < math.inf:
            ev = self._wake_event = self.env.timeout(next_h if next_h > 0.0 else 0.0)
            ev.callbacks.append(self._wake)

    def _wake(self, ev) -> None:
        if ev is not self._wake_event:
            return  # superseded by a later change
        self._advance()
        now = self._t_h
        finished: list[tuple[Flow, float]] = []
        for f in self._flows:  # (a loop, not a helper per flow: this runs at every wake-up)
            target = f.target_t
            if target is not None:
                # target reached, up to round-off in the amount or in the clock at now
                rem = target - f.moved_t
                if rem <= 1e-9 * target or (f.actual_t_per_h > 0.0 and now + rem / f.actual_t_per_h == now):
                    finished.append((f, target))
        for f, target in finished:
            # close the last round-off gap so the flow moves exactly its target
            gap = target - f.moved_t
            f.moved_t = target
            self._level_t += gap if f.inflow else -gap
            self._level_t = min(max(self._level_t, 0.0), self.capacity_t)
            self._retire(f)
        if finished:
            self._record()
        self._replan()
        for f, _ in finished:
            f.done.succeed()  # no value: the flow is at hand, and as its value the pair would be a reference cycle


def _add_flow(totals: dict[str, float], f: Flow) -> None:
    """Add ``f``'s offered and moved tonnes to ``totals`` (by ``<name>_offered_t``, ``<name>_moved_t``)."""
    offered, moved = f"{f.name}_offered_t", f"{f.name}_moved_t"
    totals[offered] = totals.get(offered, 0.0) + f.offered_t
    totals[moved] = totals.get(moved, 0.0) + f.moved_t
