"""SimPy's event loop, compiled: ``run(env, until_h)`` does what ``env.run(until=until_h)`` does,
``timeout(env, delay_h)`` what ``env.timeout(delay_h)`` does, ``succeed(event, value)``
what ``event.succeed(value)`` does, and ``now(env)`` reads ``env.now``.

SimPy's ``Environment.run`` calls ``Environment.step`` once per event, two Python
frames around the few lines that matter (pop the next event, set the clock, call its
callbacks, crash on a failure nobody defused).  This module is one of the hot modules
compiled with mypyc (:mod:`shuttle_sim._native`): the same lines in one native loop, on
SimPy's own queue, events and stop rule, so the order of events and every result are
the same to the bit (``tests/test_eventloop.py`` checks it against ``env.run``).

It reads SimPy's private ``_queue``, ``_now`` and ``_eid`` (SimPy 4.1; ``setup.cfg``
keeps the major version), as ``Environment.step`` and ``Environment.schedule`` do.
"""

from __future__ import annotations

from heapq import heappop, heappush
from typing import Any

import simpy
from simpy.events import NORMAL, PENDING, URGENT, EventPriority, Timeout


def now(env: simpy.Environment) -> float:
    """``env.now``, read as a native call from the compiled components rather than through
    SimPy's Python property (the components ask the time ~15,000 times a simulated year)."""
    t: float = env._now  # type: ignore[attr-defined]
    return t


def timeout(env: simpy.Environment, delay_h: float) -> Timeout:
    """``env.timeout(delay_h)``: the same event, scheduled the same way, without the two
    Python frames of ``Timeout.__init__`` and ``Environment.schedule``."""
    if delay_h < 0:
        raise ValueError(f"Negative delay {delay_h}")
    ev = Timeout.__new__(Timeout)
    ev.env = env
    ev.callbacks = []
    ev._value = None
    ev._delay = delay_h  # type: ignore[attr-defined]
    ev._ok = True
    heappush(env._queue, (env._now + delay_h, NORMAL, next(env._eid), ev))  # type: ignore[attr-defined]
    return ev


def succeed(event: simpy.Event, value: Any = None) -> None:
    """``event.succeed(value)``: triggered now, as SimPy's ``Event.succeed`` schedules it."""
    if event._value is not PENDING:
        raise RuntimeError(f"{event} has already been triggered")
    event._ok = True
    event._value = value
    env = event.env
    heappush(env._queue, (env._now, NORMAL, next(env._eid), event))  # type: ignore[attr-defined]


def run(env: simpy.Environment, until_h: float) -> None:
    """Process events until the clock reaches ``until_h``: ``env.run(until=until_h)``.

    As in SimPy, a stop event is scheduled at ``until_h`` ahead of every other event at
    that time that is scheduled after it (priority *urgent*), and the loop ends when it
    comes up, the clock then reading ``until_h``; the stop event is left in the queue,
    spent, as ``env.run`` leaves it.  An event that failed and was not
    defused raises its exception (a copy, the original as its cause), as ``step`` does.
    """
    now: float = env.now
    if not until_h > now:
        raise ValueError(f"until ({until_h}) must be greater than the current simulation time")
    stop = simpy.Event(env)
    stop._ok = True
    stop._value = None
    env.schedule(stop, URGENT, until_h - now)
    queue: list[Any] = env._queue  # type: ignore[attr-defined]
    while True:
        entry = heappop(queue)
        event = entry[3]
        env._now = entry[0]  # type: ignore[attr-defined]
        if event is stop:
            # as SimPy leaves it: the stop event back in the queue, first at its time
            # and with no callbacks (a later run pops it and goes on)
            stop.callbacks = []
            env.schedule(stop, EventPriority(-1))
            return
        callbacks = event.callbacks
        event.callbacks = None
        for callback in callbacks:
            callback(event)
        if not event._ok and not hasattr(event, "_defused"):
            value = event._value
            exc = type(value)(*value.args)
            exc.__cause__ = value
            raise exc


class Driver:
    """Runs a generator as ``env.process(generator)`` does, resuming it natively.

    The generator starts at an urgent event scheduled now, and every event it yields
    resumes it with the event's value (or throws a failed event's exception into it), as
    SimPy's ``Process`` does, consuming the same queue entries in the same order: the
    results are the same to the bit.  Unlike a ``Process``, a driver is not itself an
    event: nothing can wait for it or interrupt it.  For the processes that run for the
    whole horizon and that nothing waits for (a tanker's voyages).  A generator that
    returns schedules an event, as a finished ``Process`` does; one that raises stops
    the run with its exception.
    """

    def __init__(self, env: simpy.Environment, generator: Any) -> None:
        self.env = env
        self.generator = generator
        start = simpy.Event(env)  # SimPy's Initialize: triggered, urgent
        start.callbacks = [self.resume]
        start._ok = True
        start._value = None
        env.schedule(start, URGENT)

    def resume(self, event: Any) -> None:
        """The callback of every event the generator waits for."""
        generator = self.generator
        while True:
            try:
                if event._ok:
                    event = generator.send(event._value)
                else:
                    event._defused = True
                    value = event._value
                    exc = type(value)(*value.args)
                    exc.__cause__ = value
                    event = generator.throw(exc)
            except StopIteration as stop:
                done = simpy.Event(self.env)  # the finished Process's own event
                done._ok = True
                done._value = stop.value
                self.env.schedule(done)
                return
            callbacks = event.callbacks
            if callbacks is not None:  # not yet processed: wait for it
                callbacks.append(self.resume)
                return

