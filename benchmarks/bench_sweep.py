"""Adaptive search vs the full grid through ``run_sweep`` (parallel, with a sweep directory).

For a study (default ``experiments/kcts_fleet_sizing.yaml``) and a worker count (default
2), runs the full grid and then the adaptive search, each into a fresh sweep directory,
and prints for each: replications, wall time, and the share of wall time spent outside
simulation, ``1 - (sum of replication runtimes / workers) / wall`` (scheduling, pickling,
pool start-up, writing results, costing and judging cells; idle workers count as
outside).  The study is loaded once beforehand (validating its cells is not the sweep's
cost).  One run, ratios printed; the machine is shared, so absolute times are noisy.

With ``--weather-cache`` each sweep is also run with its workers' weather cache off
(``shuttle_sim.study.tasks.WEATHERS`` of no room, set before the pool forks: every cell
draws its replications' weather again), and the ratios with/without are printed.

    PYTHONPATH=$PWD python benchmarks/bench_sweep.py [experiments/X.yaml] [--workers N] [--weather-cache]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from shuttle_sim.components.weather_cache import WeatherCache
from shuttle_sim.config.study import load_study
from shuttle_sim.study import tasks
from shuttle_sim.study.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]


def chosen(sw) -> list:
    return [(a["condition"], a["best"]["name"] if a["feasible"] else None) for a in sw.answers]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("study", nargs="?", default=str(ROOT / "experiments" / "kcts_fleet_sizing.yaml"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--weather-cache", action="store_true", help="also run without the workers' weather cache")
    args = ap.parse_args()
    s = load_study(args.study)
    print(f"{s.spec.name}: {len(s.cells)} cells, {args.workers} workers")
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        runs = [("full grid", False), ("adaptive", True)]
        if args.weather_cache:
            runs += [("full grid, no weather cache", False), ("adaptive, no weather cache", True)]
        for label, adaptive in runs:
            tasks.WEATHERS = WeatherCache(0, 0) if "no weather cache" in label else WeatherCache()
            sw = run_sweep(s, Path(tmp) / label.replace(" ", "_").replace(",", ""), args.workers, adaptive=adaptive)
            i = sw.info
            inside = i["simulation_s"] / args.workers
            print(f"  {label:27}: {i['replications']:4d} replications in {i['cells_evaluated']:2d} cells, "
                  f"wall {i['wall_s']:6.1f} s, simulation {i['simulation_s']:6.1f} s "
                  f"({inside:.1f} s per worker), outside simulation {100 * (1 - inside / i['wall_s']):.1f}% of wall; "
                  f"parent CPU {i['parent_cpu_s']:.1f} s")
            out[label] = sw
    g, a = out["full grid"], out["adaptive"]
    print(f"  adaptive / grid: replications {a.info['replications'] / g.info['replications']:.2f}, "
          f"wall {a.info['wall_s'] / g.info['wall_s']:.2f}; same answer: {chosen(a) == chosen(g)}")
    for label in ("full grid", "adaptive") if args.weather_cache else ():
        on, off = out[label].info, out[f"{label}, no weather cache"].info
        print(f"  {label}, weather cache on / off: wall {on['wall_s'] / off['wall_s']:.2f}, simulation "
              f"{on['simulation_s'] / off['simulation_s']:.2f}; same answer: {chosen(out[label]) == chosen(out[label + ', no weather cache'])}")
    for ans in g.answers:
        if ans["feasible"]:
            b = ans["best"]
            print(f"  answer: {b['overrides']}: {b['total_annual_cost_usd'] / 1e6:.1f} MUSD/yr, "
                  f"{b['cost_per_tonne_usd']:.2f} USD/t")


if __name__ == "__main__":
    main()
