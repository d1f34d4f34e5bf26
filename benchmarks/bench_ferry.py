"""Cost of the train-ferry network: caspian_network.yaml per simulated year, and its
growth with the wagon fleet (target: none; wagons are counts, not processes).

The route's throughput also changes with the fleet, so the table shows events and
ferry trips per year beside the time: the cost should follow the events (rakes, trips),
not the number of wagons.

    python benchmarks/bench_ferry.py [--years 5] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import time
from pathlib import Path

from shuttle_sim import load_scenario, scenario_from_dict
from shuttle_sim.config.schema import resolved_dict
from shuttle_sim.engine import scheduled_events
from shuttle_sim.model import World

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--years", type=float, default=5.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    base = load_scenario(ROOT / "configs" / "caspian_network.yaml")
    print(f"caspian_network.yaml, {args.years:g} yr runs")
    print(f"{'wagons':>8} {'ms/sim-yr':>10} {'events/yr':>10} {'us/event':>9} {'trips/yr':>9} {'ferry Mt/yr':>11}")
    for wagons in (500, 1500, 5000, 20000):
        d = resolved_dict(base)
        d["ferry"]["wagons"]["count"] = wagons
        s = scenario_from_dict(d)
        best, w = float("inf"), None
        gc.disable()
        try:
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                w = World(s, seed=1, horizon_h=args.years * 8760)
                w.run()
                best = min(best, time.perf_counter() - t0)
        finally:
            gc.enable()
        events = scheduled_events(w.env)
        mt = w.ferry.delivered_wagons * s.ferry.wagons.tonnes_per_wagon_t / 1e6 / args.years
        print(f"{wagons:8d} {1e3 * best / args.years:10.1f} {events / args.years:10.0f} {1e6 * best / events:9.2f}"
              f" {len(w.ferry.trip_records) / args.years:9.0f} {mt:11.2f}")


if __name__ == "__main__":
    main()
