"""The compiled SimPy helpers against SimPy itself: a Driver resumes its generator as a
Process does (same events, same order, same queue entries left), and ``now`` is
``env.now``."""

from __future__ import annotations

import pytest
import simpy

from shuttle_sim import processes
from shuttle_sim.engine import Engine


def _driven_world(env: simpy.Environment, log: list, start) -> None:
    """Two generators started by ``start`` (env.process or Driver) beside an ordinary
    process, waiting on timeouts whose times tie, on an already-processed event, on a
    condition that fails (caught), and returning."""
    shared = env.event()
    failing = env.event()

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
    for start in (lambda env, g: env.process(g), processes.Driver):
        env, log = simpy.Environment(), []
        _driven_world(env, log, start)
        env.run(until=20.0)
        # the log, and every queue entry left (time, priority, event id: the same events
        # were scheduled in the same order)
        runs.append((log, env.now, [(t, p, i) for t, p, i, _ in sorted(env._queue)]))
    assert runs[0] == runs[1]
    assert any(entry[2:3] == ("caught",) for entry in runs[0][0])  # the failure reached both workers
    assert (3.0, "b") in runs[0][0] and (2.0, "a") in runs[0][0]


def test_driver_lets_an_uncaught_failure_stop_the_run():
    env = simpy.Environment()

    def dies():
        yield env.timeout(1.0)
        raise RuntimeError("inside")

    processes.Driver(env, dies())
    with pytest.raises(RuntimeError, match="inside"):
        env.run(until=5.0)
    assert env.now == 1.0


def test_now_is_the_engines_clock():
    env = Engine(2.5)
    seen = []

    def p():
        yield env.timeout(1.25)
        seen.append((processes.now(env), env.now))

    env.process(p())
    env.run(until=10.0)
    assert seen == [(3.75, 3.75)] and processes.now(env) == 10.0
