"""Cost of the core model against SimPy's own floor.

For each shipped scenario: simulate Y years, count the events the engine processed, then
time a bare SimPy loop (one process yielding that many timeouts) in the same run.  The
ratio model / bare is the model's overhead over SimPy's floor (issue 17's target: <= 2x).
The model runs on :class:`shuttle_sim.engine.Engine` (SimPy's events, processes and
resources on a native queue); the bare loop is plain ``simpy.Environment``, the yardstick
the target names.  The same bare loop on the engine is printed too (``eng us/ev``).

Two further references explain the ratio:

* the *skeleton* performs the model's own mix of SimPy operations (berth requests and
  releases, timeouts, succeeded events) with no model logic; its cost per event is the
  floor for that mix;
* *bare at queue q* is the bare loop with the same number of events spread over q
  processes, q being the mean number of events pending in the model's queue: SimPy's
  heap costs O(log q) per event, which a one-process loop (q = 1) never pays.

    python benchmarks/bench_core.py [--years 20] [--repeat 5] [--instructions] [--core]

``--core`` runs the same scenarios with weather, failures and outages removed (other
traffic kept): the cost of the core model alone.

Model and bare loop are timed alternately, with the garbage collector off for both.  Costs
are the minimum of the repeats; each ratio is the median over the repeats of model / bare
of the *same* repeat (timed seconds apart), with its range, because this VM's speed drifts
by 50% over minutes and a ratio of two minima taken at different moments drifts with it.  With
``--instructions`` the same ratios are also counted in instructions executed (valgrind),
which are repeatable to the instruction.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from pathlib import Path

import simpy

from shuttle_sim import _native, load_scenario
from shuttle_sim.components.availability import Availability
from shuttle_sim.components.terminal import Berth, BerthPool
from shuttle_sim.engine import Engine, scheduled_events
from shuttle_sim.model import World

from bench_weather import without_weather_and_failures

ROOT = Path(__file__).resolve().parents[1]


def time_model(scenario, horizon_h: float) -> tuple[float, int, int]:
    t0 = time.perf_counter()
    w = World(scenario, seed=1, horizon_h=horizon_h)
    w.run()
    dt = time.perf_counter() - t0
    events = scheduled_events(w.env)  # every scheduled event, stale wake-ups too
    return dt, events, len(w.voyages)


def time_bare(n_events: int, queue: int = 1, engine: bool = False) -> float:
    """A bare loop of ``n_events`` timeouts over ``queue`` processes (``queue`` pending
    events), on ``simpy.Environment`` (or, with ``engine``, on the model's Engine)."""
    env = Engine() if engine else simpy.Environment()
    per, extra = divmod(n_events, queue)

    def loop(env, n, delay):
        for _ in range(n):
            yield env.timeout(delay)

    for i in range(queue):
        # distinct delays, so that the heap really orders the pending events
        env.process(loop(env, per + (i < extra) - 2, 1.0 + i / queue))  # + its start and end events
    t0 = time.perf_counter()
    env.run()
    return time.perf_counter() - t0


def mean_queue(scenario, horizon_h: float) -> float:
    """Mean number of events pending in the model's queue, sampled at every event (untimed)."""
    w = World(scenario, seed=1, horizon_h=horizon_h)
    env, sizes = w.env, []
    while env.peek() < horizon_h:  # one event at a time, counting the queue before each
        sizes.append(len(env._queue))
        env.step()
    return sum(sizes) / len(sizes)


def time_skeleton(scenario, horizon_h: float) -> tuple[float, int]:
    """The model's SimPy operations with no model logic: per ship, per port call, a
    berth request, five timeouts, a succeeded event (the transfer) and a release."""
    env = Engine()  # the model's engine: the floor for the model's mix of operations on it
    always = Availability.always()
    ports = [BerthPool(env, [Berth(j, always, always) for j in range(port.berths)])
             for port in (scenario.load_port, scenario.discharge_port)]

    def ship(env, k):
        yield env.timeout(k)
        while True:
            for port in ports:
                yield env.timeout(3.0)
                berth = yield port.get()
                yield env.timeout(2.0)
                yield env.timeout(2.0)
                done = env.event()
                env.timeout(10.0).callbacks.append(lambda _e, d=done: d.succeed())
                yield done
                yield env.timeout(3.0)
                yield env.timeout(1.0)
                port.put(berth)
                yield env.timeout(16.0)

    for k in range(scenario.n_tankers):
        env.process(ship(env, k))
    t0 = time.perf_counter()
    env.run(until=horizon_h)
    return time.perf_counter() - t0, scheduled_events(env)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--years", type=float, default=20.0)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--instructions", action="store_true",
                    help="also count instructions with valgrind (repeatable; slow: several minutes)")
    ap.add_argument("--core", action="store_true",
                    help="the core model alone: weather, failures and outages removed from the scenarios")
    args = ap.parse_args()
    horizon_h = args.years * 8760
    what = "core model (no weather, failures, outages)" if args.core else "shipped scenarios"
    built = "compiled with mypyc" if _native.compiled_modules() else "Python source (SHUTTLE_SIM_PURE or no build)"
    print(f"{what}, {args.years:g} simulated years; wall time, best of {args.repeat}; hot modules: {built}")
    print(f"{'scenario':16} {'voyages':>8} {'events':>9} {'ev/voy':>7} {'us/voyage':>10} {'ms/sim-yr':>10}"
          f" {'bare us/ev':>10} {'model us/ev':>11} {'ratio':>6} {'(range)':>11} {'queue':>6} {'vs bare@q':>9}"
          f" {'vs skel':>7} {'eng us/ev':>9}")
    for name in ("aktau_current", "kcts_concept"):
        s = load_scenario(ROOT / "configs" / f"{name}.yaml")
        if args.core:
            s = without_weather_and_failures(s)
        _, events, voyages = time_model(s, horizon_h)
        q = mean_queue(s, horizon_h)
        dts, bares, bares_q, skels, engs = [], [], [], [], []
        gc.disable()
        try:
            for _ in range(args.repeat):
                dts.append(time_model(s, horizon_h)[0])
                bares.append(time_bare(events))
                bares_q.append(time_bare(events, round(q)))
                skels.append(time_skeleton(s, horizon_h))
                engs.append(time_bare(events, engine=True))
        finally:
            gc.enable()
        dt, bare = min(dts), min(bares)
        ratios = sorted(m / b for m, b in zip(dts, bares))
        vs_q = statistics.median(m / b for m, b in zip(dts, bares_q))
        vs_skel = statistics.median(m / events / (t / n) for m, (t, n) in zip(dts, skels))
        print(f"{name:16} {voyages:8d} {events:9d} {events / voyages:7.1f} {1e6 * dt / voyages:10.1f}"
              f" {1e3 * dt / args.years:10.1f} {1e6 * bare / events:10.2f} {1e6 * dt / events:11.2f}"
              f" {statistics.median(ratios):6.2f} {ratios[0]:5.2f}-{ratios[-1]:<5.2f} {q:6.1f} {vs_q:9.2f}"
              f" {vs_skel:7.2f} {1e6 * min(engs) / events:9.2f}")
    if args.instructions:
        instruction_ratios(5.0, core=args.core)


def instruction_ratios(years: float, core: bool = False) -> None:
    """Model vs bare loop with the same number of events, in instructions executed."""
    import _instructions as ins

    if not ins.available():
        print("valgrind not found: no instruction counts")
        return
    print(f"\ninstructions ({years:g} yr; valgrind callgrind, the workload alone):")
    print(f"{'scenario':16} {'events':>8} {'model Minstr':>12} {'bare Minstr':>11} {'ratio':>6}"
          f" {'queue':>6} {'bare@q Minstr':>13} {'vs bare@q':>9} {'vs skel':>7}")
    for name in ("aktau_current", "kcts_concept"):
        path = ROOT / "configs" / f"{name}.yaml"
        s = load_scenario(path)
        if core:
            s = without_weather_and_failures(s)
        q = mean_queue(s, years * 8760)
        model, out = ins.count("model-off" if core else "model", path, years)
        events = int(out)
        bare, _ = ins.count("bare", path, years, events)
        bare_q, _ = ins.count("bare", path, years, events, round(q))
        skel, out = ins.count("skeleton", path, years)
        skel_events = int(out)
        print(f"{name:16} {events:8d} {model / 1e6:12.1f} {bare / 1e6:11.1f} {model / bare:6.2f}"
              f" {q:6.1f} {bare_q / 1e6:13.1f} {model / bare_q:9.2f} {(model / events) / (skel / skel_events):7.2f}")


if __name__ == "__main__":
    main()
