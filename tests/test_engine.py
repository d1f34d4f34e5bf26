"""The model's engine (``shuttle_sim.engine``) against SimPy's own ``Environment``.

The engine must process events in SimPy's order exactly, for any mix of operations:
timeouts with ties, events succeeded or failed from other processes, urgent schedules
(process starts), conditions, SimPy resources, processes waiting for processes, and a
run stopped and resumed.  Random programs of such operations run on both and must
leave the same trace; the shipped scenarios' results are pinned by the golden file
(``tests/test_golden.py``), which was made on ``simpy.Environment``.
"""

from __future__ import annotations

import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from shuttle_sim.engine import Engine, Event, Timeout, _before, scheduled_events
from shuttle_sim.processes import Driver

# a program: per process, a list of (operation, argument)
OPS = st.one_of(
    st.tuples(st.just("wait"), st.integers(0, 3)),        # yield a timeout (ties on purpose)
    st.tuples(st.just("signal"), st.integers(0, 3)),      # succeed a shared event, then a new one
    st.tuples(st.just("await"), st.integers(0, 3)),       # wait for a shared event
    st.tuples(st.just("fail"), st.integers(0, 3)),        # fail a shared event (its waiters catch it)
    st.tuples(st.just("either"), st.integers(0, 3)),      # a timeout or a shared event, whichever first
    st.tuples(st.just("berth"), st.integers(0, 3)),       # hold a SimPy resource for a while
    st.tuples(st.just("spawn"), st.integers(0, 3)),       # start a child process and wait for it
)
PROGRAMS = st.lists(st.lists(OPS, max_size=12), min_size=1, max_size=6)


def trace(env, program, stops, driver=False) -> list:
    """Run ``program`` on ``env``; every step of every process logs (time, who, what)."""
    log: list = []
    shared = [env.event() for _ in range(4)]
    berth = simpy.Resource(env, capacity=1)

    def child(k):
        yield env.timeout(k)
        log.append((env.now, "child", k))
        return k

    def proc(i, ops):
        for n, (op, a) in enumerate(ops):
            try:
                if op == "wait":
                    yield env.timeout(a)
                elif op == "signal":
                    if not shared[a].triggered:
                        shared[a].succeed((i, n))
                    shared[a] = env.event()
                elif op == "await":
                    ev = shared[a]
                    got = yield ev | env.timeout(5)
                    log.append((env.now, i, "got", ev in got))
                elif op == "fail":
                    if not shared[a].triggered:
                        shared[a].fail(ValueError(f"{i}.{n}"))
                        shared[a].defused = True
                    shared[a] = env.event()
                elif op == "either":
                    yield env.timeout(a) | env.timeout(a + 0.5)
                elif op == "berth":
                    with berth.request() as req:
                        yield req
                        yield env.timeout(a)
                elif op == "spawn":
                    v = yield env.process(child(a))
                    log.append((env.now, i, "child done", v))
            except ValueError as e:
                log.append((env.now, i, "caught", str(e)))
            log.append((env.now, i, op, a))

    for i, ops in enumerate(program):
        Driver(env, proc(i, ops)) if driver and i % 2 else env.process(proc(i, ops))
    for t in stops:  # run in parts: a stop must resume exactly where it left off
        if t > env.now:
            env.run(until=t)
            log.append((env.now, "stop"))
    env.run()
    return log + [("events", scheduled_events(env))]


@settings(max_examples=150, deadline=None)
@given(PROGRAMS, st.lists(st.sampled_from([0.5, 1.0, 2.0, 3.0, 4.0, 7.0]), max_size=3), st.booleans())
def test_the_engine_processes_every_event_in_simpys_order(program, stops, driver):
    stops = sorted(stops)
    assert trace(Engine(), program, stops, driver) == trace(simpy.Environment(), program, stops, driver)


def test_its_events_behave_as_simpys():
    env = Engine()
    ev = env.event()
    assert isinstance(ev, Event) and not ev.triggered and not ev.processed
    with pytest.raises(AttributeError, match="not yet available"):
        _ = ev.value
    ev.succeed(7)
    assert ev.triggered and ev.ok and ev.value == 7 and not ev.processed
    with pytest.raises(RuntimeError, match="already been triggered"):
        ev.succeed()
    with pytest.raises(RuntimeError, match="already been triggered"):
        ev.fail(ValueError())
    with pytest.raises(TypeError, match="not an exception"):
        env.event().fail("no")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Negative delay"):
        env.timeout(-1)
    t = env.timeout(2.5, "v")
    assert isinstance(t, Timeout) and t.triggered and t.value == "v"
    env.run()
    assert ev.processed and t.processed and env.now == 2.5 and env.peek() == float("inf")
    assert scheduled_events(env) == 2


def test_a_failure_nobody_defused_stops_the_run_with_its_exception():
    env = Engine()
    env.event().fail(KeyError("lost"))
    with pytest.raises(KeyError, match="lost"):
        env.run()
    env = Engine()
    ev = env.event().fail(KeyError("handled"))
    ev.defused = True
    env.run()  # nothing raised
    assert ev.defused


def test_run_until_checks_as_simpy_does():
    env = Engine(5.0)
    with pytest.raises(ValueError, match="must be greater than the current simulation time"):
        env.run(until=5.0)
    never = env.event()
    env.timeout(1)
    with pytest.raises(RuntimeError, match="was not triggered"):
        env.run(until=never)
    done = env.timeout(3, "three")
    assert env.run(until=done) == "three" and env.now == 9.0
    assert env.run(until=done) == "three"  # already processed: its value at once


def test_its_priorities_are_simpys():
    """The engine compiles SimPy's priorities in as constants: they must stay SimPy's."""
    from simpy import events

    from shuttle_sim import engine

    assert (engine.NORMAL, engine.URGENT, engine.PENDING) == (events.NORMAL, events.URGENT, events.PENDING)


@pytest.mark.parametrize("make", [Engine, simpy.Environment])
def test_an_event_scheduled_twice_is_processed_twice_as_in_simpy(make):
    """``env.schedule`` of an event already in the queue adds a second entry (SimPy's
    semantics); the first entry keeps its place: the heap is not corrupted."""
    env = make()
    log = []
    ev = env.event()
    ev.callbacks.append(lambda e: log.append(env.now))
    ev._ok, ev._value = True, None
    env.schedule(ev, delay=5)
    env.schedule(ev, delay=1)  # a second entry, earlier
    env.timeout(3).callbacks.append(lambda e: log.append(("t", env.now)))
    with pytest.raises(TypeError):  # the second processing finds callbacks None, in SimPy too
        env.run()
    assert log == [1, ("t", 3)] and env.now == 5  # at 1, the timeout at 3, then the entry at 5
    env = make()
    src = env.event()
    src.fail(ValueError("copied"))
    src.defused = True
    dst = env.event()
    dst.trigger(src)
    assert dst.triggered and not dst.ok and isinstance(dst.value, ValueError)


@pytest.mark.parametrize("make", [Engine, simpy.Environment])
def test_a_run_stopped_inside_an_events_callbacks_resumes_the_rest_first_at_the_same_time(make):
    """SimPy 4.1: a callback that stops the run (``StopSimulation``) leaves the event's
    later callbacks for the next run, which calls them first, at the same time, before
    anything else due then.  (The random programs above stop only at their ``until``
    events, whose one callback is the stop: they never reach this case.)"""
    from simpy.core import StopSimulation

    env = make()
    log = []

    def stop(e):
        log.append(("stop", env.now))
        raise StopSimulation("stopped")

    ev = env.timeout(2)
    ev.callbacks += [stop, lambda e: log.append(("rest", env.now))]
    env.timeout(2).callbacks.append(lambda e: log.append(("next", env.now)))
    env.timeout(3).callbacks.append(lambda e: log.append(("later", env.now)))
    assert env.run() == "stopped" and env.now == 2
    env.run()
    assert log == [("stop", 2), ("rest", 2), ("next", 2), ("later", 3)]


# --------------------------------------------------------------------- taking events off
TIMER_OPS = st.lists(st.one_of(
    st.tuples(st.just("add"), st.integers(0, 6)),   # a timer at a delay of 0-6 (ties on purpose)
    st.tuples(st.just("cancel"), st.integers(0, 40)),  # take the k-th timer made so far off the queue
    st.tuples(st.just("run"), st.integers(1, 3)),   # run on for a while (some timers fire)
), max_size=60)


def _timers(ops, remove: bool) -> list:
    """Run the timer program; a cancel either takes the timer off the queue (``remove``)
    or leaves it to fire with its callbacks cleared (what a model on SimPy does)."""
    env = Engine()
    log: list = []
    made: list = []
    for op, k in ops:
        if op == "add":
            ev = env.timeout(k)
            i = len(made)
            ev.callbacks.append(lambda e, i=i: log.append((env.now, i)))
            made.append(ev)
        elif op == "cancel" and k < len(made):
            if remove:
                env.cancel(made[k])
            elif made[k].callbacks:
                made[k].callbacks.clear()
        elif op == "run":
            env.run(until=env.now + k)
        if remove:  # the heap's invariants hold after every operation
            q = env._queue
            assert all(node.pos == i and node.queued for i, node in enumerate(q))
            assert all(not _before(q[i], q[(i - 1) >> 1]) for i in range(1, len(q)))
    env.run()
    return log


@settings(max_examples=300, deadline=None)
@given(ops=TIMER_OPS)
def test_an_event_taken_off_the_queue_leaves_every_other_in_its_place(ops):
    """Cancelling timers at random (some already fired, some twice) gives the same trace,
    event for event, as letting them fire with nothing to do; the heap stays a heap with
    every entry knowing its place."""
    assert _timers(ops, remove=True) == _timers(ops, remove=False)
    env = Engine()
    evs = [env.timeout(k % 5) for k in range(30)]
    for k in (3, 0, 29, 17, 17, 8):
        env.cancel(evs[k])
    q = env._queue
    assert len(q) == 25 and all(node.pos == i for i, node in enumerate(q))
    assert all(not _before(q[i], q[(i - 1) >> 1]) for i in range(1, len(q)))
    # a removal whose replacement must move up: heap 1, 5, 2, 6, 7, 3 by time; taking 6
    # (index 3) off puts 3 under 5, which it must pass: 1, 3, 2, 5, 7
    env = Engine()
    evs = [env.timeout(d) for d in (1, 5, 2, 6, 7, 3)]
    assert [n.t for n in env._queue] == [1, 5, 2, 6, 7, 3]
    env.cancel(evs[3])
    assert [n.t for n in env._queue] == [1, 3, 2, 5, 7] and [n.pos for n in env._queue] == [0, 1, 2, 3, 4]
    assert evs[3].pos == -1 and not evs[3].queued
    fired: list = []
    for ev in evs:
        ev.callbacks.append(lambda e: fired.append(e.t))
    env.run()
    assert fired == [1, 2, 3, 5, 7]
    # taking off the root, and an inner entry whose replacement must move down
    # (the last case: the tail, 4, is earlier than the entry before it, 5)
    for times, gone, left in (((1, 2, 3, 4, 5, 6, 7), 0, [2, 4, 3, 7, 5, 6]),
                              ((1, 2, 3, 4, 5, 6, 7), 1, [1, 4, 3, 7, 5, 6]),
                              ((1, 2, 3, 5, 4), 0, [2, 4, 3, 5]),
                              ((1, 2, 3, 4, 5, 6, 7, 8), 1, [1, 4, 3, 8, 5, 6, 7])):  # down to the heap's end
        env = Engine()
        evs = [env.timeout(d) for d in times]
        assert [n.t for n in env._queue] == list(times)
        env.cancel(evs[gone])
        q = env._queue
        assert [n.t for n in q] == left and [n.pos for n in q] == list(range(len(left))), (times, gone)
        order: list = []
        for ev in evs:
            ev.callbacks.append(lambda e: order.append(e.t))
        env.run()
        assert order == sorted(left)
