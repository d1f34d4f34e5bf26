"""Failures by use (issue 15, item 4): a ship's failure clock in operating hours.

Hand cases for a tanker (a failure at sea and one reached while pumping) and a ferry,
the closed form E[failures] = E[operating hours] / mtbf over seeded replications, and
the calendar clock unchanged when a scenario does not opt in."""

import numpy as np
import pytest

import shuttle_sim as ss
from shuttle_sim.model import World

from .conftest import cycle_dict
from .test_ferry import ferry_dict


def test_tanker_operating_clock_by_hand():
    """The 62 h cycle (load 2-14 h, laden 15-31 h, discharge 37-49 h, ballast 50-66 h);
    a failure every 20 operating hours (fixed), 4 h to repair.  12 h pumped at Aktau +
    8 h of way: it fails at sea at 23 h and the passage ends at 15 + 16 + 4 = 35 h.  The
    next falls at 40 operating hours, reached as the discharge ends at 49 h (12 + 16 +
    12): the ship fails as it sets out at 50 h, sails at 54 h and is back at 70 h."""
    d = cycle_dict()
    d["fleet"]["tankers"][0]["breakdowns"] = {"clock": "operating", "mtbf": "20 h", "mttr": "4 h"}
    w = World(ss.scenario_from_dict(d), horizon_h=200.0)
    w.run()
    ship = w.tankers[0]
    assert ship.wear.downs[:2] == [(23.0, 27.0), (50.0, 54.0)]
    v0, v1 = w.voyages[0], w.voyages[1]
    assert (v0.load_end_h, v0.discharge_arrive_h, v0.discharge_end_h) == (14.0, 35.0, 49.0)
    assert v1.load_arrive_h == 70.0
    assert [a for a, _ in ship.wear.downs] == sorted(a for a, _ in ship.wear.downs)


def test_ferry_operating_clock_by_hand():
    """The ferry sails 18-38 h, leaves Alat at 45 h; a failure every 30 hours of way
    (fixed), 5 h to repair: 10 h into the second crossing, at 55 h; it lands at 70 h,
    waits its 24 h at Kuryk and handles 7 h, sails at 101 h and reaches 60 hours of way
    exactly as it arrives at 121 h: down until 126 h.  A calendar clock would have
    failed at 30 h and 65 h instead."""
    d = ferry_dict(ferries={"breakdowns": {"clock": "operating", "mtbf": "30 h", "mttr": "5 h"}})
    w = World(ss.scenario_from_dict(d), horizon_h=150.0)
    w.run()
    assert w.ferry.wear[0].downs[:2] == [(55.0, 60.0), (121.0, 126.0)]
    trips = w.ferry.trip_records
    assert [(t.leave_port_h, t.arrive_h) for t in trips[:2]] == [(18.0, 38.0), (101.0, 121.0)]
    assert w.ferry.failures_before(150.0) == 2


def _failures_vs_operating(d: dict, reps: int, operating, failures) -> tuple[np.ndarray, np.ndarray]:
    s = ss.scenario_from_dict(d)
    n, h = np.zeros(reps), np.zeros(reps)
    for r in range(reps):
        w = World(s, seed=11, replication=r)
        w.run()
        n[r], h[r] = failures(w), operating(w)
    return n, h


@pytest.mark.parametrize("route", ["ferry", "tanker"])
def test_failures_per_operating_hour_match_the_closed_form(route):
    """Exponential mtbf M in operating hours: failures are a Poisson process in operating
    time, so E[N(H)] = E[S(H)] / M, S(H) the operating hours by the horizon (sailed; for a
    tanker also pumped).  Checked over seeded replications to 4 standard errors of the
    paired difference, which must itself be under 5% of the expectation."""
    M = 40.0
    brk = {"clock": "operating", "mtbf": {"dist": "exponential", "mean": f"{M} h"},
           "mttr": {"dist": "exponential", "mean": "6 h"}}
    if route == "ferry":
        d = ferry_dict(wagons={"count": 300}, ferries={"count": 2, "breakdowns": brk})
        d["horizon"] = "3000 h"
        n, h = _failures_vs_operating(d, 30, lambda w: w.ferry.budget_h["sailing"],
                                      lambda w: w.ferry.failures_before(w.horizon_h))
    else:
        d = cycle_dict(horizon="3000 h")
        d["fleet"]["tankers"][0]["breakdowns"] = brk
        b = lambda w: w.tankers[0].budget_h  # noqa: E731
        n, h = _failures_vs_operating(d, 30, lambda w: b(w)["sailing_laden"] + b(w)["sailing_ballast"] + b(w)["transferring"],
                                      lambda w: w.tankers[0].wear.failures_before(w.horizon_h))
    expected = h / M
    diff = n - expected
    se = diff.std(ddof=1) / np.sqrt(len(diff))
    assert se < 0.05 * expected.mean()  # precision guard: the test can tell a wrong rate
    assert abs(diff.mean()) < 4 * se, (n.mean(), expected.mean(), se)
    # and not the calendar rate: the ships do not operate all the time
    ships = 2 if route == "ferry" else 1
    assert n.mean() < 0.95 * ships * 3000.0 / (M + 6.0)


def test_calendar_clock_is_the_default_and_unchanged():
    """``clock: calendar`` written out gives the very results of no ``clock`` key."""
    brk = {"mtbf": {"dist": "exponential", "mean": "100 h"}, "mttr": {"dist": "exponential", "mean": "10 h"}}
    a = cycle_dict(horizon="2000 h")
    a["fleet"]["tankers"][0]["breakdowns"] = brk
    b = cycle_dict(horizon="2000 h")
    b["fleet"]["tankers"][0]["breakdowns"] = {**brk, "clock": "calendar"}
    ka, kb = (ss.simulate(ss.scenario_from_dict(x), seed=5).kpis for x in (a, b))
    assert ka == kb and "tanker_failures" not in ka


def test_operating_clock_in_a_run_reports_failures():
    d = cycle_dict(horizon="2000 h")
    d["fleet"]["tankers"][0]["breakdowns"] = {"clock": "operating", "mtbf": "100 h", "mttr": "10 h"}
    k = ss.simulate(ss.scenario_from_dict(d)).kpis
    assert k["tanker_failures"] >= 1
    assert k["tanker_breakdown_frac"] > 0


def test_mtbf_must_be_positive():
    d = cycle_dict()
    d["fleet"]["tankers"][0]["breakdowns"] = {"clock": "operating", "mtbf": "0 h", "mttr": "4 h"}
    with pytest.raises(ss.ConfigError, match="mtbf with a mean > 0"):
        ss.scenario_from_dict(d)
