"""Probe for tests/test_terminal.py: the merged runs of port steps (one timeout per run,
booked afterwards) against the same runs slept step by step, for horizons that fall
anywhere, including inside a run.  Prints the KPIs that differ, and how many runs were
merged, as JSON.  Run with ``SHUTTLE_SIM_PURE=1`` (the patch needs the Python source)."""

import json
import sys
from pathlib import Path

import numpy as np

import shuttle_sim as ss
from shuttle_sim import _native
from shuttle_sim.components import steps

run = steps.BookedSteps.run
merged = [0, 0]  # runs with more than one step: slept in one timeout, step by step


def counting_run(self, env, ship):
    if self._nd > 1:
        merged[0 if env.now + (self.t - env.now) == self.t else 1] += 1
    return (yield from run(self, env, ship))


def step_by_step(self, env, ship):
    now = env.now
    end = self.t
    ship.steps = self
    for d in self._delays[: self._nd]:
        self.book(now, through=True)
        yield env.timeout(d)
        now += d
    ship.steps = None
    self.book(steps.INF)
    return end


def fingerprint(scenario, seed, horizon_h):
    r = ss.simulate(scenario, seed=seed, horizon_h=horizon_h)
    return r.kpis, [tuple(v) for v in r.voyages]


name, seed = sys.argv[1], int(sys.argv[2])
s = ss.load_scenario(Path(__file__).resolve().parents[1] / "configs" / f"{name}.yaml")
# off the hour grid of the weather, and after the scenario's warm-up (a horizon must exceed it)
horizons = s.warmup_h + np.linspace(200.0, 2500.0, int(sys.argv[3])) + 0.37
steps.BookedSteps.run = counting_run
ours = [fingerprint(s, seed, h) for h in horizons]
steps.BookedSteps.run = step_by_step
reference = [fingerprint(s, seed, h) for h in horizons]
diffs = []
for h, (k1, v1), (k2, v2) in zip(horizons, ours, reference):
    diffs += [(float(h), n, k1[n], k2[n]) for n in k1 if k1[n] != k2[n]]
    if v1 != v2:
        diffs.append((float(h), "voyages", len(v1), len(v2)))
print(json.dumps({"source": _native.compiled_modules() == [], "runs": len(horizons),
                  "merged": merged[0], "stepwise": merged[1], "diffs": diffs[:5]}))
