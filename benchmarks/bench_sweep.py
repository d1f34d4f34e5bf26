"""Adaptive search vs the full grid through ``run_sweep`` (parallel, with a sweep directory).

For a study (default ``experiments/kcts_fleet_sizing.yaml``) and a worker count (default
2), runs the full grid and then the adaptive search, each into a fresh sweep directory,
and prints for each: replications, wall time, and the share of wall time spent outside
simulation, ``1 - (sum of replication runtimes / workers) / wall`` (scheduling, pickling,
pool start-up, writing results, costing and judging cells; idle workers count as
outside).  The study is loaded once beforehand (validating its cells is not the sweep's
cost).  One run, ratios printed; the machine is shared, so absolute times are noisy.

    PYTHONPATH=$PWD python benchmarks/bench_sweep.py [experiments/X.yaml] [--workers N]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from shuttle_sim.config.study import load_study
from shuttle_sim.study.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]


def chosen(sw) -> list:
    return [(a["condition"], a["best"]["name"] if a["feasible"] else None) for a in sw.answers]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("study", nargs="?", default=str(ROOT / "experiments" / "kcts_fleet_sizing.yaml"))
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    s = load_study(args.study)
    print(f"{s.spec.name}: {len(s.cells)} cells, {args.workers} workers")
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, adaptive in (("full grid", False), ("adaptive", True)):
            sw = run_sweep(s, Path(tmp) / label.replace(" ", "_"), args.workers, adaptive=adaptive)
            i = sw.info
            inside = i["simulation_s"] / args.workers
            print(f"  {label:9}: {i['replications']:4d} replications in {i['cells_evaluated']:2d} cells, "
                  f"wall {i['wall_s']:6.1f} s, simulation {i['simulation_s']:6.1f} s "
                  f"({inside:.1f} s per worker), outside simulation {100 * (1 - inside / i['wall_s']):.1f}% of wall; "
                  f"parent CPU {i['parent_cpu_s']:.1f} s")
            out[label] = sw
    g, a = out["full grid"], out["adaptive"]
    print(f"  adaptive / grid: replications {a.info['replications'] / g.info['replications']:.2f}, "
          f"wall {a.info['wall_s'] / g.info['wall_s']:.2f}; same answer: {chosen(a) == chosen(g)}")
    for ans in g.answers:
        if ans["feasible"]:
            b = ans["best"]
            print(f"  answer: {b['overrides']}: {b['total_annual_cost_usd'] / 1e6:.1f} MUSD/yr, "
                  f"{b['cost_per_tonne_usd']:.2f} USD/t")


if __name__ == "__main__":
    main()
