"""Closed cycle: N tankers, one FCFS berth with exponential service, fixed voyage.

VALIDATION.md (machine-repair model, Mean Value Analysis): with E[S] = 1 h and a pure
delay Z = 5 h, the load rate X(N) and the berth queue wait are known exactly.  The case
runs through the project's own model: the load berth's berthing time is Exp(1 h) and
everything else at the berth is instantaneous up to 2e-9 h of cargo pumping; the voyage
(2.5 h laden + 2.5 h ballast) is the delay; the discharge port has a berth per ship.
"""

import math

import numpy as np
import pytest
from scipy import stats

from shuttle_sim.model import World

from .conftest import build, cycle_dict, port

# N: (X with one berth, berth Wq with one berth, X with two berths)
MVA = {
    1: (0.16667, 0.0, 0.16667),
    2: (0.32432, 0.1667, 0.33333),
    3: (0.47034, 0.3784, 0.49885),
    4: (0.60166, 0.6483, 0.66208),
    5: (0.71513, 0.9917, 0.82187),
    6: (0.80815, 1.4243, 0.97693),
}
WARMUP_H = 500.0
HORIZON_H = 8_000.0
REPS = 8


def closed_cycle(n: int, berths: int) -> dict:
    instant = {"transfer_rate": "1e9 t/h", "berthing": "0 h", "unberthing": "0 h"}
    return cycle_dict(
        horizon=f"{HORIZON_H} h",
        route={"distance": "25 nmi"},  # 2.5 h each way at 10 kn: Z = 5 h
        fleet={"tankers": [{"name": "T", "count": n, "cargo": "1 t", "laden_speed": "10 kn", "ballast_speed": "10 kn"}]},
        load_port=port("L", berths, **{**instant, "berthing": {"dist": "exponential", "mean": "1 h"}}),
        discharge_port=port("D", n, **instant),
    )


def replicate(n: int, berths: int):
    s = build(closed_cycle(n, berths))
    xs, wqs = [], []
    for rep in range(REPS):
        w = World(s, seed=2024, replication=rep, horizon_h=HORIZON_H)
        w.run()
        # loads completed after the warm-up; a voyage is recorded at discharge, 2.5 h
        # after the berth, so the loads of the last 2.5 h are missed: a bias of
        # 2.5 / 7500 = 0.03%, far inside the CI
        ends = [v.load_depart_h for v in w.voyages]
        xs.append(sum(1 for t in ends if t >= WARMUP_H) / (HORIZON_H - WARMUP_H))
        wqs.append(float(np.mean(w.load.queue_waits_h)))
    return np.array(xs), np.array(wqs)


def ci99(x: np.ndarray) -> tuple[float, float]:
    hw = stats.t.ppf(0.995, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
    return float(x.mean()), float(hw)


@pytest.mark.parametrize("n", [2, 4, 6])
def test_one_berth_throughput_and_wait_match_mva(n):
    x_true, wq_true, _ = MVA[n]
    xs, wqs = replicate(n, 1)
    m, hw = ci99(xs)
    assert hw < 0.02 * x_true, "the experiment is too small to test anything"
    assert abs(m - x_true) <= hw, f"X={m:.5f} +- {hw:.5f}, MVA {x_true}"
    m, hw = ci99(wqs)
    assert abs(m - wq_true) <= hw, f"Wq={m:.4f} +- {hw:.4f}, MVA {wq_true}"


def test_single_tanker_never_queues():
    xs, wqs = replicate(1, 1)
    assert wqs.max() == 0.0
    m, hw = ci99(xs)
    assert abs(m - MVA[1][0]) <= hw


@pytest.mark.parametrize("n", [4, 6])
def test_two_berths_throughput_matches_mva(n):
    xs, _ = replicate(n, 2)
    m, hw = ci99(xs)
    assert abs(m - MVA[n][2]) <= hw, f"X={m:.5f} +- {hw:.5f}, MVA {MVA[n][2]}"
