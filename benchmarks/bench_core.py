"""Cost of the core model against SimPy's own floor.

For each shipped scenario: simulate Y years, count the events the engine processed, then
time a bare SimPy loop (one process yielding that many timeouts) in the same run.  The
ratio model / bare is the model's overhead over the engine's floor (target: <= 3x).
A second reference, the skeleton, performs the model's own mix of SimPy operations
(resource requests and releases, timeouts, succeeded events) with no model logic; its
cost per event is the floor for that mix.

    python benchmarks/bench_core.py [--years 20] [--repeat 5]

Model and bare loop are timed alternately, with the garbage collector off for both, and
the minimum of the repeats is kept: this VM's timings otherwise vary by 50%.
"""

from __future__ import annotations

import argparse
import gc
import time
from pathlib import Path

import simpy

from shuttle_sim import load_scenario
from shuttle_sim.model import World

ROOT = Path(__file__).resolve().parents[1]


def time_model(scenario, horizon_h: float) -> tuple[float, int, int]:
    t0 = time.perf_counter()
    w = World(scenario, seed=1, horizon_h=horizon_h)
    w.run()
    dt = time.perf_counter() - t0
    events = next(w.env._eid)  # SimPy's event counter: every scheduled event, stale wake-ups too
    return dt, events, len(w.voyages)


def time_bare(n_events: int) -> float:
    env = simpy.Environment()

    def loop(env):
        for _ in range(n_events):
            yield env.timeout(1.0)

    env.process(loop(env))
    t0 = time.perf_counter()
    env.run()
    return time.perf_counter() - t0


def time_skeleton(scenario, horizon_h: float) -> tuple[float, int]:
    """The model's SimPy operations with no model logic: per ship, per port call, a
    resource request, five timeouts, a succeeded event (the transfer) and a release."""
    env = simpy.Environment()
    ports = [simpy.Resource(env, scenario.load_port.berths), simpy.Resource(env, scenario.discharge_port.berths)]

    def ship(env, k):
        yield env.timeout(k)
        while True:
            for port in ports:
                yield env.timeout(3.0)
                with port.request() as req:
                    yield req
                    yield env.timeout(2.0)
                    yield env.timeout(2.0)
                    done = env.event()
                    env.timeout(10.0).callbacks.append(lambda _e, d=done: d.succeed())
                    yield done
                    yield env.timeout(3.0)
                    yield env.timeout(1.0)
                yield env.timeout(16.0)

    for k in range(scenario.n_tankers):
        env.process(ship(env, k))
    t0 = time.perf_counter()
    env.run(until=horizon_h)
    return time.perf_counter() - t0, next(env._eid)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--years", type=float, default=20.0)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--instructions", action="store_true",
                    help="also count instructions with valgrind (repeatable; slow: about a minute)")
    args = ap.parse_args()
    horizon_h = args.years * 8760
    print(f"{'scenario':16} {'voyages':>8} {'events':>9} {'ev/voy':>7} {'us/voyage':>10} {'ms/sim-yr':>10}"
          f" {'bare us/ev':>10} {'skel us/ev':>10} {'model us/ev':>11} {'ratio':>6} {'vs skel':>7}")
    for name in ("aktau_current", "kcts_concept"):
        s = load_scenario(ROOT / "configs" / f"{name}.yaml")
        _, events, voyages = time_model(s, horizon_h)
        dts, bares, skels = [], [], []
        gc.disable()
        try:
            for _ in range(args.repeat):
                dts.append(time_model(s, horizon_h)[0])
                bares.append(time_bare(events))
                skels.append(time_skeleton(s, horizon_h))
        finally:
            gc.enable()
        dt, bare = min(dts), min(bares)
        skel = min(x[0] / x[1] for x in skels)
        print(f"{name:16} {voyages:8d} {events:9d} {events / voyages:7.1f} {1e6 * dt / voyages:10.1f}"
              f" {1e3 * dt / args.years:10.1f} {1e6 * bare / events:10.2f} {1e6 * skel:10.2f}"
              f" {1e6 * dt / events:11.2f} {dt / bare:6.2f} {dt / events / skel:7.2f}")
    if args.instructions:
        instruction_ratios(5.0)


def instruction_ratios(years: float) -> None:
    """Model vs bare loop with the same number of events, in instructions executed."""
    import _instructions as ins

    if not ins.available():
        print("valgrind not found: no instruction counts")
        return
    print(f"\ninstructions ({years:g} yr; valgrind callgrind, the workload alone):")
    print(f"{'scenario':16} {'events':>8} {'model Minstr':>12} {'bare Minstr':>11} {'skel Minstr':>11}"
          f" {'ratio':>6} {'vs skel (per event)':>7}")
    for name in ("aktau_current", "kcts_concept"):
        path = ROOT / "configs" / f"{name}.yaml"
        model, out = ins.count("model", path, years)
        events = int(out)
        bare, _ = ins.count("bare", path, years, events)
        skel, out = ins.count("skeleton", path, years)
        skel_events = int(out)
        print(f"{name:16} {events:8d} {model / 1e6:12.1f} {bare / 1e6:11.1f} {skel / 1e6:11.1f} {model / bare:6.2f}"
              f" {(model / events) / (skel / skel_events):7.2f}")


if __name__ == "__main__":
    main()
