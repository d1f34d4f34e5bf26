"""Two operations the compiled components use at almost every event, compiled with them.

* :func:`now` reads the engine's clock natively (``Engine._now``, a native attribute),
  not through the ``now`` property.
* :class:`Driver` runs a generator as ``env.process(generator)`` does, resuming it from
  native code.

Both keep the queue's order: results are the same to the bit (``tests/test_processes.py``;
the golden file).  ``Driver`` works on a ``simpy.Environment`` too (it uses ``env.event()``
and ``env.schedule``), which its test compares with ``simpy.Process``.

History (callgrind, a one-year ``kcts_concept`` run, 2026-11-30): on SimPy's own
``Environment`` these saved 2.8% and 1.4% of the instructions, and a compiled run loop,
``timeout`` and ``succeed`` operating on SimPy's Python events saved nothing (-0.2%, +3%,
0%).  What did pay was native *events*: :mod:`shuttle_sim.engine`, a third fewer.
"""
from __future__ import annotations

from typing import Any

from simpy.events import URGENT

from .engine import Engine, Event


def now(env: Engine) -> float:
    """``env.now``, read natively rather than through a Python property."""
    return env._now


class Driver:
    """Runs a generator as ``env.process(generator)`` does, resuming it natively.

    The generator starts at an urgent event scheduled now, and every event it yields
    resumes it with the event's value (or throws a failed event's exception into it), as
    SimPy's ``Process`` does, consuming the same queue entries in the same order: the
    results are the same to the bit.  Unlike a ``Process``, a driver is not itself an
    event: nothing can wait for it or interrupt it.  For the processes that run for the
    whole horizon and that nothing waits for (a tanker's voyages, offtake nominations,
    berth outages, third-party calls).  A generator that returns schedules an event, as a
    finished ``Process`` does; one that raises stops the run with its exception.
    """

    def __init__(self, env: Any, generator: Any) -> None:
        self.env = env  # an Engine, or a simpy.Environment
        self.generator = generator
        self._send = generator.send  # bound once: a method looked up by name at every resume costs more
        self._resume = self.resume  # one bound method, appended to every event waited for
        start = env.event()  # SimPy's Initialize: triggered, urgent
        start.callbacks = [self._resume]
        start._ok = True
        start._value = None
        env.schedule(start, URGENT)

    def resume(self, event: Any) -> None:
        """The callback of every event the generator waits for.  The engine's own events
        are read natively; others (SimPy's) through the object API."""
        generator = self.generator
        while True:
            try:
                if isinstance(event, Event):
                    ev: Event = event
                    if ev._ok:
                        event = self._send(ev._value)
                    else:
                        ev._defused = True
                        event = generator.throw(_copy(ev._value))
                elif event._ok:
                    event = self._send(event._value)
                else:
                    event._defused = True
                    event = generator.throw(_copy(event._value))
            except StopIteration as stop:
                done = self.env.event()  # the finished Process's own event
                done._ok = True
                done._value = stop.value
                self.env.schedule(done)
                return
            if isinstance(event, Event):
                waiting: Event = event
                callbacks = waiting.callbacks
            else:
                callbacks = event.callbacks
            if callbacks is not None:  # not yet processed: wait for it
                callbacks.append(self._resume)
                return


def _copy(failure: Any) -> BaseException:
    """A failed event's exception, copied to be thrown in (as SimPy's ``Process`` does)."""
    exc = type(failure)(*failure.args)
    exc.__cause__ = failure
    return exc
