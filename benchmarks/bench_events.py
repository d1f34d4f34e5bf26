"""Event census: which component schedules how many events per voyage, and how many of them
are taken off the queue before they fire (superseded timers, cancelled checks).

Fewer events per port call is where a replication's time can still be cut (docs/model.md,
"Speed"); this says where the events come from.  It runs one world of a shipped scenario
in the pure-Python build (``SHUTTLE_SIM_PURE=1``, set here before the package is
imported: a compiled engine cannot be instrumented) and counts, at every scheduling, the
first frame outside the engine and the process driver, i.e. the component that asked.
The counts are the same in the compiled build (the same source, the same events).

    python benchmarks/bench_events.py [--scenario kcts_concept] [--years 1] [--seed 1] [--replication 0]
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
from pathlib import Path

os.environ["SHUTTLE_SIM_PURE"] = "1"

ROOT = Path(__file__).resolve().parents[1]
INNER = ("engine.py", "processes.py")  # frames of the queue itself, skipped to find the asker


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default="kcts_concept")
    ap.add_argument("--years", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--replication", type=int, default=0)
    args = ap.parse_args()

    from shuttle_sim import engine, load_scenario
    from shuttle_sim.model import World
    from shuttle_sim.units import HOURS_PER_YEAR

    scheduled: collections.Counter = collections.Counter()
    cancelled: collections.Counter = collections.Counter()
    site_of: dict[int, str] = {}
    schedule, cancel = engine.Engine._schedule_node, engine.Engine.cancel

    def asker() -> str:
        f = sys._getframe(2)
        while f is not None and f.f_code.co_filename.endswith(INNER):
            f = f.f_back
        if f is None:
            return "(engine)"
        return f"{Path(f.f_code.co_filename).name}:{f.f_code.co_name}"

    def counted_schedule(self, node, priority, delay):
        site = asker()
        scheduled[site] += 1
        site_of[id(node)] = site
        return schedule(self, node, priority, delay)

    def counted_cancel(self, node):
        if getattr(node, "queued", False):
            cancelled[site_of.get(id(node), "(unknown)")] += 1
        return cancel(self, node)

    engine.Engine._schedule_node = counted_schedule
    engine.Engine.cancel = counted_cancel
    s = load_scenario(ROOT / "configs" / f"{args.scenario}.yaml")
    w = World(s, args.seed, args.replication, args.years * HOURS_PER_YEAR)
    w.run()
    voyages = max(len(w.voyages), 1)
    total, gone = sum(scheduled.values()), sum(cancelled.values())
    print(f"{args.scenario}, {args.years:g} yr (no warm-up), seed {args.seed}, replication {args.replication}: "
          f"{len(w.voyages)} voyages, {total:,} events scheduled ({total / voyages:.1f} a voyage), "
          f"{gone:,} taken off the queue unfired ({gone / voyages:.1f} a voyage)")
    print(f"  {'scheduled by':48} {'events':>8} {'a voyage':>9} {'unfired':>8}")
    for site, n in scheduled.most_common():
        print(f"  {site:48} {n:8,} {n / voyages:9.2f} {cancelled.get(site, 0):8,}")


if __name__ == "__main__":
    main()
