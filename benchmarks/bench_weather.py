"""Cost of weather and failures: kcts_concept with them on vs off, per simulated year.

The weather series is drawn for the whole horizon, so running 1, 10 and 40 years also
shows whether the cost per simulated year grows with the length of the series (it must
not: window and work queries are O(log n), and a series is built once per replication).

A second table prices the per-site weather of issue 15 (wind-wave Hs, own storm
strength per site, berth exposure, fog and visibility limits, draft-limited cargo):
the shipped scenario against the same scenario with those features stripped (the
weather of the previous release: independent AR(1) Hs, the origin's storm everywhere,
no fog, no draft), as ``new/old`` per simulated year, for building the world (weather
series and timelines) and for the whole run.

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


def without_site_weather(s):
    """The scenario with issue 15's additions stripped: the previous release's weather."""
    d = resolved_dict(s)
    d.pop("sea_level", None)
    w = d.get("weather") or {}
    for site in (w.get("sites") or {}).values():
        ww = site.pop("wind_wave", None)
        if ww is not None:  # independent AR(1) Hs with the wind-wave relation's mean and spread
            mean = float(site["wind_mean"].split()[0])
            sd = float(site["wind_sd"].split()[0])
            base, ref_w, ref_h = (float(ww[k].split()[0]) for k in ("base", "ref_wind", "ref_hs"))
            c = (ref_h - base) / ref_w**2
            site["hs_mean"] = f"{base + c * (mean**2 + sd**2)} m"
            site["hs_sd"] = f"{c * (4 * mean**2 * sd**2 + 2 * sd**4) ** 0.5} m"
    w.pop("fog", None)
    for r in (w.get("reach") or {}).values():
        for k in ("wind_factor", "hs_factor", "correlation"):
            r.pop(k, None)
    for key in ("load_port", "discharge_port"):
        d[key].pop("berth_exposure", None)
        d[key].pop("depth", None)
        for lim in (d[key].get("limits") or {}).values():
            lim.pop("min_visibility", None)
    d["route"].get("passage_limits", {}).pop("min_visibility", None)
    for c in d["fleet"]["tankers"]:
        c.pop("draft", None)
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
    old = without_site_weather(on)
    print("\nper-site weather (issue 15): shipped kcts_concept (new) vs the same without it (old)")
    print(f"{'years':>6} {'old build':>10} {'new build':>10} {'new/old':>8} {'old run':>9} {'new run':>9} {'new/old':>8}"
          "   (ms per simulated year)")
    for years in (1, 10, 40):
        gc.disable()
        try:
            olds, news = [], []
            for _ in range(args.repeat):
                olds.append(run_s(old, years))
                news.append(run_s(on, years))
        finally:
            gc.enable()
        ob, nb = min(x[1] for x in olds), min(x[1] for x in news)
        orun, nrun = min(x[0] for x in olds), min(x[0] for x in news)
        print(f"{years:6d} {1e3 * ob / years:10.2f} {1e3 * nb / years:10.2f} {nb / ob:8.2f}"
              f" {1e3 * orun / years:9.1f} {1e3 * nrun / years:9.1f} {nrun / orun:8.2f}")
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
        print("\nper-site weather (issue 15), instructions per simulated year (M): new/old")
        print(f"{'years':>6} {'old build':>10} {'new build':>10} {'new/old':>8} {'old run':>9} {'new run':>9} {'new/old':>8}"
              f" {'old events':>11} {'new events':>11}")
        for years in (5, 20):
            ob, _ = ins.count("build-old-weather", path, years)
            nb, _ = ins.count("build", path, years)
            orun, oev = ins.count("model-old-weather", path, years)
            nrun, nev = ins.count("model", path, years)
            print(f"{years:6d} {ob / 1e6 / years:10.1f} {nb / 1e6 / years:10.1f} {nb / ob:8.2f} {orun / 1e6 / years:9.1f}"
                  f" {nrun / 1e6 / years:9.1f} {nrun / orun:8.2f} {oev:>11} {nev:>11}")


if __name__ == "__main__":
    main()
