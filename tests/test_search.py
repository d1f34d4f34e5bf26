"""Adaptive search on toy evaluators with known answers, and its agreement with the full grid."""

import numpy as np
import pandas as pd
import pytest

from shuttle_sim.study.search import CellRun, full_grid, search, settle
from shuttle_sim.study.design import grid

from .test_targets import T

FACTORS = {"ships": list(range(1, 9)), "berths": [1, 2, 3, 4]}
TARGET = [T("delivered_mt_per_year", "at_least", 10.0, 0.8)]


def toy(noise_sd: float):
    """Throughput min(5 ships, 4 berths) Mt/yr plus noise; cost 3/ship + 2/berth.
    Replication r draws the same normal deviates in every cell (common random numbers)."""
    calls = []

    def evaluate(cell, reps):
        calls.append((cell.name, reps))
        s, b = cell["ships"], cell["berths"]
        z = np.array([np.random.default_rng([11, r]).standard_normal(2) for r in reps]).reshape(-1, 2)
        return pd.DataFrame({"delivered_mt_per_year": min(5.0 * s, 4.0 * b) + noise_sd * z[:, 0],
                             "total_annual_cost_usd": 3.0 * s + 2.0 * b + 0.01 * z[:, 1]},
                            index=pd.Index(list(reps), name="replication"))
    evaluate.calls = calls
    return evaluate


def test_deterministic_toy_known_answer():
    # feasible iff min(5s, 4b) >= 10 in 80% of years: s >= 2 and b >= 3; cheapest s2 b3 (cost 12)
    ev = toy(0.0)
    out = search(FACTORS, "ships", ev, TARGET, 0.9, "total_annual_cost_usd", n_min=10, n_max=40)
    assert out["answer"]["best"]["overrides"] == {"ships": 2, "berths": 3}
    ref = full_grid(FACTORS, toy(0.0), TARGET, 0.9, "total_annual_cost_usd", n=40)
    assert ref["answer"]["best"]["overrides"] == {"ships": 2, "berths": 3}
    assert out["replications"] < ref["replications"] / 2
    # bisection: at most ceil(log2(9)) + 1 step-up cells per line of 8 levels
    assert out["cells_evaluated"] <= 4 * 5
    assert out["cells_evaluated"] + len(out["skipped"]) == 32
    for c in out["skipped"]:  # what monotonicity infers of a skipped cell is what the grid finds
        feasible = ref["runs"][c["name"]].verdict == "feasible"
        assert feasible == c["inferred"].startswith("feasible")


def test_stochastic_toy_agrees_with_full_grid():
    targets = TARGET + [T("delivered_mt_per_year", "mean_at_least", 11.0)]
    out = search(FACTORS, "ships", toy(0.5), targets, 0.9, "total_annual_cost_usd", n_min=10, n_max=60)
    ref = full_grid(FACTORS, toy(0.5), targets, 0.9, "total_annual_cost_usd", n=60)
    # mean 12 needs s >= 3 (15) and b >= 3 (12): s3 b3 at cost 15
    assert ref["answer"]["best"]["overrides"] == {"ships": 3, "berths": 3}
    assert out["answer"]["best"]["overrides"] == ref["answer"]["best"]["overrides"]
    assert out["replications"] < ref["replications"] / 3


def test_steps_up_while_cost_falls():
    def evaluate(cell, reps):
        s = cell["ships"]
        thr = 5.0 * s
        deferral = 50.0 * max(0.0, 20.0 - thr)  # deferred production dominates a small fleet
        return pd.DataFrame({"delivered_mt_per_year": [thr] * len(reps),
                             "total_annual_cost_usd": [3.0 * s + deferral] * len(reps)})
    f = {"ships": list(range(1, 9))}
    out = search(f, "ships", evaluate, TARGET, 0.9, "total_annual_cost_usd", n_min=10, n_max=40)
    ref = full_grid(f, evaluate, TARGET, 0.9, "total_annual_cost_usd", n=40)
    assert ref["answer"]["best"]["overrides"] == {"ships": 4}  # 12 + 0 beats s2 (506) and s3 (34)
    assert out["answer"]["best"]["overrides"] == {"ships": 4}


def test_settle_stops_when_decided_and_at_the_cap():
    cell = next(grid({"ships": [3], "berths": [3]}))
    ev = toy(0.0)
    r = settle(CellRun(cell), ev, TARGET, 0.9, n_min=10, n_max=80)
    # 12 Mt/yr every year: met once 0.8**n <= 0.1 / looks (looks = 1 + log2(80/10) = 4), i.e. n >= 17;
    # the pilot of 10 is undecided, the next look is at max(2 x 10, 17) = 20, where it is met
    assert r.verdict == "feasible" and r.n == 20
    assert [list(reps) for _, reps in ev.calls][0] == list(range(10))  # replications in order, no gaps
    assert sum(len(reps) for _, reps in ev.calls) == r.n
    # a target sitting on the edge (P(Y >= 11.16) = 0.8 exactly) stays open: stops at the cap
    r2 = settle(CellRun(cell), toy(1.0), [T("delivered_mt_per_year", "at_least", 12.0 - 0.8416, 0.8)], 0.9, 10, 30)
    assert r2.n == 30 and r2.verdict == "undecided"


def test_settle_looks_next_where_its_slowest_target_would_settle():
    """Two undecided targets after the pilot of 10, one expected to settle at 69
    replications, the other at 119 (each as ``assess`` sizes it at the look's Bonferroni
    confidence): the next look is at 119, not 69 (which would only settle the first)."""
    from shuttle_sim.study.search import _looks
    from shuttle_sim.study.targets import assess_cell

    cell = next(grid({"ships": [3], "berths": [3]}))
    targets = [T("delivered_mt_per_year", "mean_at_least", 11.8), T("total_annual_cost_usd", "mean_at_most", 15.003)]
    ev = toy(0.5)
    pilot = assess_cell(ev(cell, range(10)), targets, 1 - 0.1 / _looks(10, 400))
    assert [(a.verdict, a.replications_to_settle) for a in pilot] == [("undecided", 69), ("undecided", 119)]
    ev = toy(0.5)
    settle(CellRun(cell), ev, targets, 0.9, n_min=10, n_max=400)
    assert [(reps.start, reps.stop) for _, reps in ev.calls][:2] == [(0, 10), (10, 119)]


def test_steps_up_to_the_last_level_while_cost_keeps_falling():
    """Every level feasible and each dearer in ships but cheaper overall (deferral falls
    faster than the fleet's cost rises): the step-up runs to the last level, 4 ships."""
    def evaluate(cell, reps):
        s = cell["ships"]
        return pd.DataFrame({"delivered_mt_per_year": [20.0] * len(reps),
                             "total_annual_cost_usd": [3.0 * s + 40.0 / s] * len(reps)})
    out = search({"ships": [1, 2, 3, 4]}, "ships", evaluate, TARGET, 0.9, "total_annual_cost_usd", n_min=10, n_max=40)
    assert out["answer"]["best"]["overrides"] == {"ships": 4}  # 12 + 10 = 22 < 9 + 13.3 < 6 + 20 < 3 + 40
    assert out["skipped"] == [] and out["cells_evaluated"] == 4


def test_axis_must_be_a_factor():
    with pytest.raises(ValueError, match="monotone factor"):
        search(FACTORS, "tankage", toy(0), TARGET, 0.9, "total_annual_cost_usd")
