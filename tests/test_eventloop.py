"""The compiled event loop against SimPy's own ``Environment.run``: same events, same order,
same clock at the stop, same crash on an undefused failure."""

from __future__ import annotations

import pytest
import simpy
from simpy.events import URGENT

from shuttle_sim import eventloop, load_scenario
from shuttle_sim.model import World
from shuttle_sim.results import collect
from shuttle_sim.scenarios import resolve


def _log_world(env: simpy.Environment, log: list) -> None:
    """Processes whose events tie in time and priority, an urgent event at the stop time
    scheduled before the run and one scheduled during it."""
    def proc(name, delays):
        for d in delays:
            yield env.timeout(d)
            log.append((env.now, name))

    env.process(proc("a", [1.0, 1.0, 3.0]))
    env.process(proc("b", [2.0, 3.0, 0.0]))
    early = simpy.Event(env)
    early._ok, early._value = True, None
    early.callbacks.append(lambda e: log.append((env.now, "urgent-before")))
    env.schedule(early, URGENT, 5.0)

    def late_urgent():
        yield env.timeout(4.0)
        ev = simpy.Event(env)
        ev._ok, ev._value = True, None
        ev.callbacks.append(lambda e: log.append((env.now, "urgent-during")))
        env.schedule(ev, URGENT, 1.0)

    env.process(late_urgent())


def test_same_events_same_order_same_clock():
    runs = []
    for use_loop in (False, True):
        env, log = simpy.Environment(), []
        _log_world(env, log)
        if use_loop:
            eventloop.run(env, 5.0)
        else:
            env.run(until=5.0)
        runs.append((log, env.now, len(env._queue)))
    assert runs[0] == runs[1]
    log, now, _ = runs[0]
    assert now == 5.0
    # at t=5: the urgent event scheduled before the run is processed, the one scheduled
    # during it and the ordinary timeouts due at 5 are not
    assert (5.0, "urgent-before") in log and (5.0, "urgent-during") not in log
    assert all(t < 5.0 for t, name in log if name in "ab")


def test_runs_on_where_it_stopped():
    """Two calls (the warm-up's run to W, then on) equal one."""
    env1, log1 = simpy.Environment(), []
    _log_world(env1, log1)
    env1.run(until=3.0)
    env1.run(until=8.0)
    env2, log2 = simpy.Environment(), []
    _log_world(env2, log2)
    eventloop.run(env2, 3.0)
    eventloop.run(env2, 8.0)
    assert log1 == log2 and env2.now == 8.0


def test_undefused_failure_raises_a_copy_with_the_original_as_cause():
    env = simpy.Environment()
    boom = ValueError("boom")

    def fails():
        yield env.timeout(1.0)
        raise boom

    env.process(fails())
    with pytest.raises(ValueError, match="boom") as info:
        eventloop.run(env, 10.0)
    assert info.value is not boom and info.value.__cause__ is boom
    assert env.now == 1.0


def test_until_must_be_ahead():
    env = simpy.Environment()
    with pytest.raises(ValueError, match="greater than the current"):
        eventloop.run(env, 0.0)


@pytest.mark.parametrize("name", ["kcts_concept", "caspian_network"])
def test_a_world_gives_the_same_result_either_way(name):
    s = load_scenario(resolve(name))
    results = []
    for use_loop in (False, True):
        w = World(s, seed=3, replication=1, horizon_h=2000.0)
        if use_loop:
            w.run()
        else:  # World.run with SimPy's own loop
            w.env.run(until=w.horizon_h)
            w.close()
        r = collect(w, 3, 1, w.horizon_h, 0.0)
        results.append((r.kpis, r.voyages, r.ferry_trips, {k: (t.tolist(), y.tolist()) for k, (t, y) in r.traces.items()}))
    assert results[0] == results[1]


def _driven_world(env: simpy.Environment, log: list, start) -> None:
    """Two generators started by ``start`` (env.process or Driver) beside an ordinary
    process, waiting on timeouts, on an already-processed event, on a shared event that
    fails (caught), and returning."""
    shared = env.event()

    def worker(name, delays):
        for d in delays:
            yield env.timeout(d)
            log.append((env.now, name))
        got = yield shared  # processed by the time the second worker gets here
        log.append((env.now, name, "shared", got))
        try:
            yield env.timeout(1.0) & failing
        except KeyError as e:
            log.append((env.now, name, "caught", e.args, type(e.__cause__).__name__))
        return name

    failing = env.event()

    def trigger():
        yield env.timeout(2.5)
        shared.succeed("v")
        yield env.timeout(4.0)
        failing.fail(KeyError("k"))
        log.append((env.now, "failed"))

    env.process(trigger())
    start(env, worker("a", [1.0, 1.0]))
    start(env, worker("b", [3.0, 0.0]))
    env.process(worker("c", [0.5]))


def test_driver_resumes_as_a_process_does():
    runs = []
    for start in (lambda env, g: env.process(g), eventloop.Driver):
        env, log = simpy.Environment(), []
        _driven_world(env, log, start)
        eventloop.run(env, 20.0)
        runs.append((log, env.now, [(t, p, i) for t, p, i, _ in sorted(env._queue)]))
    assert runs[0] == runs[1]
    assert any(entry[2:3] == ("caught",) for entry in runs[0][0])  # the failure reached both workers


def test_driver_lets_an_uncaught_failure_stop_the_run():
    env = simpy.Environment()

    def dies():
        yield env.timeout(1.0)
        raise RuntimeError("inside")

    eventloop.Driver(env, dies())
    with pytest.raises(RuntimeError, match="inside"):
        eventloop.run(env, 5.0)


def test_succeed_schedules_as_event_succeed_does():
    queues = []
    for use_helper in (False, True):
        env = simpy.Environment(initial_time=2.5)
        env.timeout(1.0)
        ev = env.event()
        if use_helper:
            eventloop.succeed(ev, "x")
        else:
            ev.succeed("x")
        queues.append([(t, p, i, e is ev) for t, p, i, e in env._queue])
        assert ev.triggered and ev.ok and ev.value == "x"
        with pytest.raises(RuntimeError, match="already been triggered"):
            eventloop.succeed(ev)
    assert queues[0] == queues[1]
