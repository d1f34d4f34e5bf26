"""Two SimPy operations the compiled components use at almost every event, compiled with them.

* :func:`now` reads ``env.now``.  From compiled code SimPy's ``now`` is a Python property:
  a Python frame for each of the ~15,000 reads a simulated year.  Read as a native call,
  the whole ``kcts_concept`` run executes 2.8% fewer instructions (callgrind).
* :class:`Driver` runs a generator as ``env.process(generator)`` does, resuming it from
  native code: 1.4% fewer instructions.

Both keep SimPy's own queue, events and order: results are the same to the bit
(``tests/test_processes.py``; the golden file).  They read SimPy's private ``_now`` and
``_queue`` entries as ``Environment`` itself does (SimPy 4.1; ``setup.cfg`` keeps the
major version).

Measured and dropped (callgrind, a one-year ``kcts_concept`` run, 2026-11-30): SimPy's
run loop, ``Environment.timeout`` and ``Event.succeed`` rewritten here ran 0.2% fewer, 3%
*more* and as many instructions.  Python 3.11 specialises SimPy's own attribute reads and
writes on its events; compiled code does the same through the generic object API.
"""

from __future__ import annotations

from typing import Any

import simpy
from simpy.events import URGENT


def now(env: simpy.Environment) -> float:
    """``env.now``, read as a native call rather than through SimPy's Python property."""
    t: float = env._now  # type: ignore[attr-defined]
    return t


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
