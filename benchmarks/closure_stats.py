"""Closure statistics of a scenario's weather, per port and month, before trusting a run.

A *closure* is a spell in which an operation's limits are exceeded (its availability
timeline is down): berthing at each port (wind and Hs at the berth, visibility), and
the passage at sea.  From ``--years`` simulated years of the scenario's weather (one
replication per year-block, streams of ``--seed``) it prints, per place:

* closed days per year, and per calendar month;
* closures per year, their mean length, and the longest one seen.

    python benchmarks/closure_stats.py configs/aktau_current.yaml [--years 200] [--seed 1] [--op berthing]

Prints a Markdown table (docs/model.md quotes it).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from shuttle_sim import load_scenario
from shuttle_sim.components.weather import Weather, _month_of_hours
from shuttle_sim.rng import Streams
from shuttle_sim.units import HOURS_PER_YEAR

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def places(s, op: str) -> list[tuple[str, str, object, object]]:
    """(label, weather site, limits, berth exposure) of every port operation and passage."""
    out = []
    for key in ("load_port", "discharge_port"):
        p = getattr(s, key)
        if p is not None and p.weather_site is not None:
            out.append((p.name, p.weather_site, getattr(p.limits, op), p.berth_exposure))
    if s.route is not None and s.route.weather_site is not None:
        out.append(("sea passage (tankers)", s.route.weather_site, s.route.passage_limits, None))
    if s.ferry is not None:
        for key in ("port", "arrival_port"):
            p = getattr(s.ferry, key)
            if p.weather_site is not None:
                out.append((p.name, p.weather_site, getattr(p.limits, op), getattr(p, "berth_exposure", None)))
        c = s.ferry.crossing
        if c.weather_site is not None:
            out.append(("sea passage (ferries)", c.weather_site, c.passage_limits, None))
    return out


def closures(avail, n_hours: int) -> list[tuple[float, float]]:
    """Down spells ``(start, end)`` of a timeline inside ``[0, n_hours)``."""
    downs, t = [], 0.0
    for a, b in zip(avail.starts, avail.ends):
        if a > t:
            downs.append((t, min(a, n_hours)))
        t = b
        if t >= n_hours:
            break
    return [(a, b) for a, b in downs if a < n_hours]


def stats(scenario, years: int, seed: int, op: str) -> list[dict]:
    """Closure statistics per place over ``years`` one-year replications."""
    n = int(HOURS_PER_YEAR)
    months = _month_of_hours(scenario.start_date, n)
    rows = {label: {"closed_h": 0.0, "count": 0, "longest_h": 0.0, "month_h": np.zeros(12)}
            for label, *_ in places(scenario, op)}
    for rep in range(years):
        w = Weather(scenario.weather, scenario.start_date, n, Streams(seed, rep))
        for label, site, limits, exposure in places(scenario, op):
            a = w.availability(site, limits.max_wind_m_per_s, limits.max_hs_m, limits.min_visibility_m, exposure)
            r = rows[label]
            for s0, s1 in closures(a, n):
                r["closed_h"] += s1 - s0
                r["count"] += 1
                r["longest_h"] = max(r["longest_h"], s1 - s0)
                np.add.at(r["month_h"], months[int(s0):int(np.ceil(s1))], 1.0)
    return [{"place": label, "closed_d_per_yr": r["closed_h"] / 24 / years, "closures_per_yr": r["count"] / years,
             "mean_h": r["closed_h"] / max(r["count"], 1), "longest_h": r["longest_h"],
             "month_d": r["month_h"] / 24 / years} for label, r in rows.items()]


def markdown(rows: list[dict], title: str) -> str:
    head = "| place | closed d/yr | closures/yr | mean h | longest h | " + " | ".join(MONTHS) + " |"
    lines = [f"**{title}**", "", head, "|" + "---|" * (5 + 12)]
    for r in rows:
        lines.append(f"| {r['place']} | {r['closed_d_per_yr']:.1f} | {r['closures_per_yr']:.1f} | {r['mean_h']:.1f} | "
                     f"{r['longest_h']:.0f} | " + " | ".join(f"{d:.1f}" for d in r["month_d"]) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenario", type=Path)
    ap.add_argument("--years", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--op", default="berthing", choices=("berthing", "transfer", "unberthing"))
    args = ap.parse_args()
    s = load_scenario(args.scenario)
    if s.weather is None:
        raise SystemExit(f"{args.scenario}: the scenario has no weather")
    title = f"{s.name}: {args.op} closures at ports, passage closures at sea ({args.years} years, seed {args.seed})"
    print(markdown(stats(s, args.years, args.seed, args.op), title))


if __name__ == "__main__":
    main()
