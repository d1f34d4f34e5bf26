"""SimPy's event loop, compiled: ``run(env, until_h)`` does what ``env.run(until=until_h)`` does,
and ``timeout(env, delay_h)`` what ``env.timeout(delay_h)`` does.

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
from simpy.events import NORMAL, URGENT, EventPriority, Timeout


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
