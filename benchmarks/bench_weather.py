"""Cost of weather and failures: kcts_concept with them on vs off, per simulated year.

The weather series is drawn for the whole horizon, so running 1, 10 and 40 years also
shows whether the cost per simulated year grows with the length of the series (it must
not: window and work queries are O(log n), and a series is built once per replication).

    python benchmarks/bench_weather.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import time
from pathlib import Path

from shuttle_sim import load_scenario, scenario_from_dict
from shuttle_sim.config.schema import resolved_dict
from shuttle_sim.model import World

ROOT = Path(__file__).resolve().parents[1]


def without_weather_and_failures(s):
    d = resolved_dict(s)
    d.pop("weather", None)
    d.pop("disruptions", None)
    for key in ("load_port", "discharge_port"):
        for k in ("weather_site", "berth_failures", "limits"):
            d[key].pop(k, None)
    for k in ("weather_site", "passage_limits"):
        d["route"].pop(k, None)
    for k in ("supply", "offtake"):
        d[k].pop("outages", None)
    for c in d["fleet"]["tankers"]:
        c.pop("breakdowns", None)
        c.pop("dry_dock", None)
    return scenario_from_dict(d)


def run_s(scenario, years: float) -> tuple[float, float]:
    """Total seconds, and the part spent building the world (weather, timelines)."""
    t0 = time.perf_counter()
    w = World(scenario, seed=1, horizon_h=years * 8760)
    t1 = time.perf_counter()
    w.run()
    return time.perf_counter() - t0, t1 - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--instructions", action="store_true",
                    help="also count instructions with valgrind (repeatable; slow: a few minutes)")
    args = ap.parse_args()
    on = load_scenario(ROOT / "configs" / "kcts_concept.yaml")
    off = without_weather_and_failures(on)
    print(f"{'years':>6} {'off ms/yr':>10} {'on ms/yr':>10} {'build ms/yr':>11} {'on/off':>7}")
    for years in (1, 10, 40):
        gc.disable()
        try:
            offs, ons = [], []
            for _ in range(args.repeat):
                offs.append(run_s(off, years))
                ons.append(run_s(on, years))
        finally:
            gc.enable()
        t_off = min(x[0] for x in offs)
        t_on, build = min(ons)
        print(f"{years:6d} {1e3 * t_off / years:10.1f} {1e3 * t_on / years:10.1f} {1e3 * build / years:11.1f}"
              f" {t_on / t_off:7.2f}")
    if args.instructions:
        import _instructions as ins

        if not ins.available():
            print("valgrind not found: no instruction counts")
            return
        path = ROOT / "configs" / "kcts_concept.yaml"
        print("\ninstructions (valgrind callgrind, the workload alone):")
        print(f"{'years':>6} {'off Minstr/yr':>14} {'on Minstr/yr':>13} {'on/off':>7}")
        for years in (5, 20):
            off, _ = ins.count("model-off", path, years)
            on, _ = ins.count("model", path, years)
            print(f"{years:6d} {off / 1e6 / years:14.1f} {on / 1e6 / years:13.1f} {on / off:7.2f}")


if __name__ == "__main__":
    main()
