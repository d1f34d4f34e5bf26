"""The event queue the model runs on: SimPy's ``Environment``, with native events and heap.

A replication is about 9,000 SimPy events, and in SimPy each costs a Python object with
an instance dictionary, a ``(time, priority, id, event)`` tuple pushed on and popped off a
``heapq`` (whose every comparison goes through Python's generic rich comparison), and a
Python-level ``step``.  Compiled with the model's hot modules, this module does the same
work natively:

* :class:`Engine` is a drop-in ``simpy.Environment``: ``now``, ``schedule``, ``step``,
  ``peek``, ``run(until)``, ``timeout``, ``event``, ``process``, ``active_process``; and
  one call SimPy lacks, ``cancel`` (a superseded timer taken off the queue instead of
  firing with nothing to do: the same results, fewer events and a shorter queue);
* :class:`Event` and :class:`Timeout` are SimPy's events as native objects (the same
  attributes and the same semantics: ``callbacks``, ``succeed``, ``fail``, ``triggered``,
  ``processed``, ``ok``, ``value``, ``defused``), each its own queue entry;
* SimPy's own events (a ``simpy.Process``, a ``simpy.Event`` created elsewhere) go on the
  same queue in an :class:`Entry`, so SimPy processes, resources and the model's native
  events mix freely.

The order is SimPy's, exactly: by time, then priority (urgent first), then the order in
which the events were scheduled.  So every result is the same to the bit as on
``simpy.Environment``: ``tests/test_engine.py`` runs random programs of SimPy operations
on both and compares them event by event, and the golden file, made on
``simpy.Environment``, pins the shipped scenarios.  ``benchmarks/bench_core.py`` measures
what it saves (docs/model.md, "The engine").
"""

from __future__ import annotations

from typing import Any, Final, Union

import simpy
from simpy import events as _simpy_events
from simpy.core import EmptySchedule, StopSimulation

__all__ = ["Engine", "Event", "Timeout", "Waitable", "scheduled_events"]

INF: Final = float("inf")
# SimPy's constants as compile-time ones (a name imported from a Python module is a
# dictionary lookup at each use in compiled code); PENDING is SimPy's own object
PENDING: Final = _simpy_events.PENDING
NORMAL: Final = 1
URGENT = 0  # used once a run; as a Final, mypyc 1.13 fails to compile its use in run()
#: the priority of an event whose callbacks a stop interrupted: first when the run resumes
#: (SimPy 4.1's ``EventPriority(-1)`` in ``Environment.step``)
RESUME: Final = -1


class Node:
    """A queue entry: its key, (time, priority, order of scheduling)."""

    def __init__(self) -> None:
        self.t = 0.0
        self.prio = 0
        self.eid = -1  # not scheduled
        self.queued = False  # in the heap now (its key must not change while it is)
        self.pos = -1  # its index in the heap while queued (so that it can be taken out)


class Entry(Node):
    """The queue entry of an event that is not one of ours (a ``simpy.Process``, ...)."""

    def __init__(self, event: object) -> None:
        super().__init__()
        self.event = event


class Event(Node):
    """``simpy.Event``, natively: triggered by :meth:`succeed` or :meth:`fail`, processed
    when the engine pops it and calls its ``callbacks`` (then set to ``None``)."""

    def __init__(self, env: Engine) -> None:
        super().__init__()
        self.env = env
        self.callbacks: Any = []  # a list until processed, then None (as SimPy)
        self._value: object = PENDING
        self._ok = True
        self._defused = False

    @property
    def triggered(self) -> bool:
        return self._value is not PENDING

    @property
    def processed(self) -> bool:
        return self.callbacks is None

    @property
    def ok(self) -> bool:
        return self._ok

    @property
    def value(self) -> object:
        if self._value is PENDING:
            raise AttributeError(f"Value of {self} is not yet available")
        return self._value

    @property
    def defused(self) -> bool:
        return self._defused

    @defused.setter
    def defused(self, value: bool) -> None:
        self._defused = True

    def succeed(self, value: object = None) -> Event:
        if self._value is not PENDING:
            raise RuntimeError(f"{self} has already been triggered")
        self._ok = True
        self._value = value
        self.env._schedule_node(self, NORMAL, 0.0)
        return self

    def trigger(self, event: Any) -> None:
        """Trigger this event with the state and value of ``event`` (SimPy's ``trigger``)."""
        if self._value is not PENDING:
            raise RuntimeError(f"{self} has already been triggered")
        self._ok = event._ok
        self._value = event._value
        self.env._schedule_node(self, NORMAL, 0.0)

    def fail(self, exception: BaseException) -> Event:
        if self._value is not PENDING:
            raise RuntimeError(f"{self} has already been triggered")
        if not isinstance(exception, BaseException):
            raise TypeError(f"{exception} is not an exception.")
        self._ok = False
        self._value = exception
        self.env._schedule_node(self, NORMAL, 0.0)
        return self

    def __and__(self, other: object) -> simpy.Condition:
        return simpy.AllOf(self.env, [self, other])  # type: ignore[arg-type, list-item]

    def __or__(self, other: object) -> simpy.Condition:
        return simpy.AnyOf(self.env, [self, other])  # type: ignore[arg-type, list-item]

    def __repr__(self) -> str:
        return f"<{type(self).__name__}() object at {id(self):#x}>"


class Timeout(Event):
    """``simpy.Timeout``, natively: triggered as it is created, processed ``delay`` later."""

    def __init__(self, env: Engine, delay: float, value: object = None) -> None:
        if delay < 0:
            raise ValueError(f"Negative delay {delay}")
        super().__init__(env)
        self._value = value
        self._delay = delay
        env._schedule_node(self, NORMAL, delay)

    def __repr__(self) -> str:
        return f"<Timeout({self._delay}) object at {id(self):#x}>"


#: what a model process may yield: one of our events or one of SimPy's
Waitable = Union[Event, simpy.Event]


def _before(a: Node, b: Node) -> bool:
    """``a`` is processed before ``b``."""
    if a.t != b.t:
        return a.t < b.t
    if a.prio != b.prio:
        return a.prio < b.prio
    return a.eid < b.eid


class Engine:
    """``simpy.Environment`` with a native queue (see the module's docstring)."""

    def __init__(self, initial_time: float = 0.0) -> None:
        self._now = float(initial_time)
        self._queue: list[Node] = []  # a binary heap, ordered by _before
        self._next_eid = 0
        self._active_proc: object = None

    @property
    def now(self) -> float:
        return self._now

    @property
    def active_process(self) -> object:
        return self._active_proc

    @property
    def scheduled(self) -> int:
        """How many events have been scheduled so far (SimPy's ``next(env._eid)``)."""
        return self._next_eid

    def timeout(self, delay: float = 0.0, value: object = None) -> Timeout:
        return Timeout(self, delay, value)

    def event(self) -> Event:
        return Event(self)

    def process(self, generator: Any) -> simpy.Process:
        return simpy.Process(self, generator)  # type: ignore[arg-type]

    def schedule(self, event: Any, priority: int = NORMAL, delay: float = 0.0) -> None:
        """Schedule ``event`` (ours or SimPy's) ``delay`` from now, as SimPy does."""
        if isinstance(event, Node) and not event.queued:
            self._schedule_node(event, priority, delay)
        else:  # SimPy's, or ours scheduled twice (SimPy then holds two entries): an entry
            self._schedule_node(Entry(event), priority, delay)

    def _schedule_node(self, node: Node, priority: int, delay: float) -> None:
        node.t = self._now + delay
        node.prio = priority
        node.eid = self._next_eid
        self._next_eid += 1
        node.queued = True
        q = self._queue
        q.append(node)
        pos = len(q) - 1
        t, prio, eid = node.t, node.prio, node.eid
        while pos > 0:  # sift up (the comparison of _before, inlined: this runs at every event)
            parent = (pos - 1) >> 1
            p = q[parent]
            if t < p.t or (t == p.t and (prio < p.prio or (prio == p.prio and eid < p.eid))):
                q[pos] = p
                p.pos = pos
                pos = parent
            else:
                break
        q[pos] = node
        node.pos = pos

    def cancel(self, node: Node) -> None:
        """Take ``node``, a scheduled event, off the queue: it will not be processed (its
        callbacks are never called), and every other event keeps its place in the order
        (the keys are unique, so removing one changes no other's rank).  A no-op for an
        event not in the queue (processed, or never scheduled).  SimPy has no such call:
        a model on ``simpy.Environment`` lets a superseded timer fire and ignores it,
        which gives the same results and costs an event."""
        if not node.queued:
            return
        node.queued = False
        q = self._queue
        i = node.pos
        node.pos = -1
        last = q.pop()
        if last is node:
            return
        q[i] = last
        last.pos = i
        if i > 0 and _before(last, q[(i - 1) >> 1]):
            self._sift_up(i)
        else:
            self._sift_down(i)

    def _sift_up(self, pos: int) -> None:
        q = self._queue
        node = q[pos]
        while pos > 0:
            parent = (pos - 1) >> 1
            p = q[parent]
            if not _before(node, p):
                break
            q[pos] = p
            p.pos = pos
            pos = parent
        q[pos] = node
        node.pos = pos

    def _sift_down(self, pos: int) -> None:
        """Move the entry at ``pos`` down to its place: every pop (from the root) and a
        cancel whose replacement is not earlier than its parent.  One routine for both
        costs 0.7% of a run's instructions against the pop's own inlined copy, and the
        cancel's path is then the one every event takes."""
        q = self._queue
        n = len(q)
        node = q[pos]
        while True:
            child = 2 * pos + 1
            if child >= n:
                break
            c = q[child]
            right = child + 1
            if right < n:
                r = q[right]
                if _before(r, c):
                    child = right
                    c = r
            if not _before(c, node):
                break
            q[pos] = c
            c.pos = pos
            pos = child
        q[pos] = node
        node.pos = pos

    def _pop(self) -> Node:
        q = self._queue
        last = q.pop()
        if not q:
            last.pos = -1
            return last
        top = q[0]
        top.pos = -1
        q[0] = last  # the last entry to the root, then down to its place
        self._sift_down(0)
        return top

    def peek(self) -> float:
        """The time of the next event, ``inf`` if none."""
        q = self._queue
        return q[0].t if q else INF

    def step(self) -> None:
        """Process the next event; raise ``EmptySchedule`` if there is none."""
        if not self._queue:
            raise EmptySchedule()
        node = self._pop()
        node.queued = False
        self._now = node.t
        if isinstance(node, Event):
            callbacks = node.callbacks
            node.callbacks = None
            done = 0
            try:
                for callback in callbacks:
                    done += 1
                    callback(node)
            except StopSimulation:
                node.callbacks = callbacks[done:]
                self._schedule_node(node, RESUME, 0.0)
                raise
            if not node._ok and not node._defused:
                _raise_failure(node._value)
            return
        event: Any = node.event  # type: ignore[attr-defined]
        pending: Any = event.callbacks
        event.callbacks = None
        done = 0
        try:
            for callback in pending:
                done += 1
                callback(event)
        except StopSimulation:
            event.callbacks = pending[done:]
            self._schedule_node(Entry(event), RESUME, 0.0)
            raise
        if not event._ok and not hasattr(event, "_defused"):
            _raise_failure(event._value)

    def run(self, until: Any = None) -> Any:
        """Step until ``until`` (a time, an event, or ``None``: no events left), as SimPy."""
        if until is not None:
            if not isinstance(until, (Event, simpy.Event)):
                at = float(until)
                if at <= self._now:
                    raise ValueError(f"until ({at}) must be greater than the current simulation time")
                stop = Event(self)  # before every other event at that time, as SimPy's
                stop._ok = True
                stop._value = None
                self._schedule_node(stop, URGENT, at - self._now)
                until = stop
            elif until.callbacks is None:
                return until.value
            until.callbacks.append(StopSimulation.callback)
        try:
            while True:
                self.step()
        except StopSimulation as exc:
            return exc.args[0]
        except EmptySchedule:
            if until is not None:
                raise RuntimeError(f'No scheduled events left but "until" event was not triggered: {until}') from None
        return None


def _raise_failure(value: Any) -> None:
    """A failed event nobody defused stops the run with its exception (as SimPy)."""
    exc = type(value)(*value.args)
    exc.__cause__ = value
    raise exc


def scheduled_events(env: Any) -> int:
    """Events scheduled so far on ``env``, an :class:`Engine` or a ``simpy.Environment``."""
    return env.scheduled if isinstance(env, Engine) else next(env._eid)
