"""Third-party calls that share a terminal's berths (``port.other_traffic``).

Calls arrive as a Poisson stream (``calls_per_year``) from the terminal's
``other_traffic`` stream; each draws its berth time.  Like a tanker, a call asks for a
berth only when the port's berthing window is open (a berth handed over after the
window has closed again is passed on), and its hours of work alongside pause while the
port's transfer weather or the berth stops them (:meth:`Berth.work`).  The whole stay
is charged to the berth's ``other_traffic`` state; ``Terminal.other_calls`` counts the
calls completed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generator


from ..engine import Waitable
from ..processes import Driver
from ..processes import now as clock_now
from ..sampling import Sampler
from ..units import HOURS_PER_YEAR
from .timebudget import StateClock

if TYPE_CHECKING:
    from .terminal import Terminal

__all__ = ["arrivals", "call"]


def arrivals(term: Terminal, rng: Any) -> Generator[Waitable, Any, None]:
    """Process generator: the Poisson stream of third-party calls at ``term``."""
    ot = term.spec.other_traffic
    assert ot is not None  # started only when there is other traffic
    mean_gap_h = HOURS_PER_YEAR / ot.calls_per_year
    berth_time: Sampler = ot.berth_time.sampler
    env = term.env
    while True:
        yield env.timeout(mean_gap_h * rng.standard_exponential())
        Driver(env, call(term, berth_time.sample(rng)))  # env.process(...): nothing waits for a call


def call(term: Terminal, hours: float) -> Generator[Waitable, Any, None]:
    """Process generator of one third-party call of ``hours`` of work alongside."""
    env = term.env
    weather, window_h = term.weather["berthing"], term.berthing_window_h
    while True:
        now: float = clock_now(env)
        start = weather.window(now, window_h)
        if start > now:
            yield env.timeout(start - now)
            continue
        b = yield term.berths.get()
        t: float = clock_now(env)
        if t == now or weather.window(t, window_h) == t:
            break
        term.release(b)  # the window closed meanwhile: the next in line may use it
    b.busy = True
    now = clock_now(env)
    clock = StateClock(term.occupancy_h, "other_traffic", now)
    term.track(clock, None)
    work = b.work()
    end = now + hours if work is None else work.work_end(now, hours)
    yield env.timeout(end - now)
    clock.enter("other_traffic", clock_now(env))
    term.untrack(clock)
    term.other_calls += 1
    term.release(b)
