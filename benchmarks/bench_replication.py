"""Where one replication's time goes, phase by phase.

``simulate`` with a warm-up builds a world and runs it to the warm-up (its accounts
there), builds the measured world on the first one's drawn timelines and runs it to the
horizon, then collects both worlds' KPIs into the window's.  This times each phase the
same way, ``--reps`` replications of a shipped scenario (default: ``kcts_concept``'s one
year with its 30-day warm-up), the cyclic GC off as ``simulate`` has it and the finished
worlds freed as it frees them (one collection of the young generations), and prints the
mean milliseconds of each.

    python benchmarks/bench_replication.py [--scenario kcts_concept] [--reps 100]
"""

from __future__ import annotations

import argparse
import gc
import time
from pathlib import Path

from shuttle_sim import _native, load_scenario, window
from shuttle_sim.engine import scheduled_events
from shuttle_sim.model import World, simulate
from shuttle_sim.results import collect

ROOT = Path(__file__).resolve().parents[1]
PHASES = ("first world: build", "first world: run to the warm-up", "measured world: build",
          "measured world: run", "collect: measured world", "collect: warm-up and window",
          "free both worlds (as simulate)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default="kcts_concept")
    ap.add_argument("--reps", type=int, default=100)
    args = ap.parse_args()
    s = load_scenario(ROOT / "configs" / f"{args.scenario}.yaml")
    h, w = s.horizon_h, s.warmup_h
    if not w > 0:
        raise SystemExit(f"{args.scenario} has no warm-up: its replication is one world, built and run")
    simulate(s, 1, 10_000)  # imports and first-use costs out of the figures
    totals = [0.0] * len(PHASES)
    events = 0
    gc.collect()
    gc.disable()
    try:
        for r in range(args.reps):
            t = [time.perf_counter()]
            early = World(s, 1, r, h)
            t.append(time.perf_counter())
            early.run(w)
            t.append(time.perf_counter())
            world = World(s, 1, r, h, drawn=early.drawn)
            t.append(time.perf_counter())
            world.run()
            t.append(time.perf_counter())
            res = collect(world, 1, r, h, 0.0)
            t.append(time.perf_counter())
            window.measured(collect(early, 1, r, w, 0.0, closures=False), res, early, world, w)
            t.append(time.perf_counter())
            events += scheduled_events(early.env) + scheduled_events(world.env)
            del early, world, res
            gc.collect(1)  # the finished worlds are reference cycles: simulate frees them so
            t.append(time.perf_counter())
            for k in range(len(PHASES)):
                totals[k] += t[k + 1] - t[k]
    finally:
        gc.enable()
    built = "compiled" if _native.compiled_modules() else "pure Python"
    whole = sum(totals)
    print(f"{args.scenario}: {args.reps} replications ({built}), {events / args.reps:,.0f} events each;"
          f" mean ms a replication")
    for name, tot in zip(PHASES, totals):
        print(f"  {name:34} {1e3 * tot / args.reps:7.2f} ms  {tot / whole:5.1%}")
    print(f"  {'all':34} {1e3 * whole / args.reps:7.2f} ms")


if __name__ == "__main__":
    main()
