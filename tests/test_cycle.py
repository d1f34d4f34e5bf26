"""Deterministic cycle and bottlenecks: the model must hit hand calculations exactly.

Hand calculation (issue 2): 200 nmi / 12.5 kn = 16 h each way; 60,000 t / 5,000 t/h =
12 h at each end; 2 h berthing + 1 h unberthing at each end.  Cycle = 2 + 12 + 1 + 16 +
2 + 12 + 1 + 16 = 62 h.
"""

import pytest

import shuttle_sim as ss
from shuttle_sim import simulate
from shuttle_sim.model import World

from .conftest import build, cycle_dict, port

CARGO = 60_000.0
CYCLE_H = 62.0


def test_voyage_times_are_exact():
    r = simulate(build(cycle_dict()))
    assert r.kpis["voyages"] == 10  # discharge of voyage 10 ends at 9*62 + 46 = 604 h < 620 h
    for k, v in enumerate(r.voyages):
        t0 = k * CYCLE_H
        assert (v.load_arrive_h, v.load_start_h, v.load_end_h, v.load_depart_h) == (
            t0, t0 + 2, t0 + 14, t0 + 15)
        assert (v.discharge_arrive_h, v.discharge_start_h, v.discharge_end_h, v.discharge_depart_h) == (
            t0 + 31, t0 + 33, t0 + 45, t0 + 46)
        assert v.cargo_t == CARGO
        assert v.load_queue_h == v.discharge_queue_h == v.load_wait_cargo_h == 0
    # 620 h = 10 cycles exactly: voyage 11 has just reached the load port
    assert r.kpis["delivered_t"] == 10 * CARGO
    assert r.kpis["on_board_end_t"] == 0


def test_time_budget_is_exact():
    r = simulate(build(cycle_dict()))
    k = r.kpis
    assert k["tanker_sailing_laden_frac"] == pytest.approx(160 / 620, rel=1e-12)
    assert k["tanker_sailing_ballast_frac"] == pytest.approx(160 / 620, rel=1e-12)
    assert k["tanker_transferring_frac"] == pytest.approx(240 / 620, rel=1e-12)
    assert k["tanker_berthing_frac"] == pytest.approx(60 / 620, rel=1e-12)
    assert k["load_berth_transferring_frac"] == pytest.approx(120 / 620, rel=1e-12)
    assert k["load_berth_idle_frac"] == pytest.approx(1 - 150 / 620, rel=1e-12)


def test_class_hours_calls_and_berths_are_exact():
    """Two ships of class T, one berth at each end: every voyage's berths, the class's
    ship-hours and the calls completed at each port, by hand."""
    d = cycle_dict()
    d["fleet"]["tankers"][0]["count"] = 2
    d["fleet"]["arrival_spacing"] = "31 h"  # the second ship follows half a cycle behind: no queue
    r = simulate(build(d))
    k = r.kpis
    # ship 1: 10 voyages; ship 2 (from 31 h): 9 complete (its 10th discharge ends at 31 + 9*62 + 46 = 635 h)
    assert k["class[T]_voyages"] == k["voyages"] == 19
    assert (k["load_calls"], k["discharge_calls"]) == (20, 19)  # ship 2's 10th load call ends at 31 + 9*62 + 15 = 604 h
    assert k["class[T]_positioning_h"] == 31
    assert k["class[T]_sailing_laden_h"] == 10 * 16 + 10 * 16  # both ships sail laden 10 times
    assert sum(k[f"class[T]_{s}_h"] for s in ss.components.tanker.TANKER_STATES) == pytest.approx(2 * 620, rel=1e-12)
    assert {(v.load_berth, v.discharge_berth) for v in r.voyages} == {(0, 0)}


def test_fixed_formalities_add_to_the_cycle():
    d = cycle_dict(
        load_port={"arrival_formalities": "3 h", "pre_transfer": "1 h", "post_transfer": "2 h"},
        discharge_port={"post_transfer": "30 min"},
        horizon=f"{10 * (CYCLE_H + 6.5)} h",
    )
    r = simulate(build(d))
    v = r.voyages[3]
    t0 = 3 * (CYCLE_H + 6.5)
    assert v.load_arrive_h == t0
    assert v.load_berth_h == t0 + 3
    assert v.load_start_h == t0 + 3 + 2 + 1
    load_call_h = 3 + 2 + 1 + 12 + 2 + 1  # formalities, berthing, pre, loading, post, unberthing
    discharge_call_h = 2 + 12 + 0.5 + 1
    assert v.discharge_depart_h == t0 + load_call_h + 16 + discharge_call_h
    assert r.kpis["voyages"] == 10


@pytest.mark.parametrize("horizon_h, cut_h", [(10 * 70.5, 0.0), (10 * 70.5 + 4, 1.0)])
def test_formalities_are_booked_by_kind(horizon_h, cut_h):
    """Fixed formalities of distinct lengths go to their own states, hour for hour.

    Load port: arrival 1 h, pre-transfer 2 h, post-transfer 4 h; discharge port: 0.5 h,
    0.25 h, 0.75 h.  Cycle = (1 + 2 + 2 + 12 + 4 + 1) + 16 + (0.5 + 2 + 0.25 + 12 + 0.75 + 1)
    + 16 = 70.5 h.  Ten cycles end as the 11th begins; a horizon 4 h later cuts the 11th
    load call inside its pre-transfer formalities (arrival 1 h, berthing 2 h, then 1 h of
    the 2 h), which the merged run of steps 3-5 books up to the horizon."""
    d = cycle_dict(
        load_port={"arrival_formalities": "1 h", "pre_transfer": "2 h", "post_transfer": "4 h"},
        discharge_port={"arrival_formalities": "30 min", "pre_transfer": "15 min", "post_transfer": "45 min"},
        horizon=f"{horizon_h} h",
    )
    k = simulate(build(d)).kpis
    assert k["voyages"] == 10
    assert k["class[T]_arrival_formalities_h"] == 10 * (1 + 0.5) + (1 if cut_h else 0)
    assert k["class[T]_pre_transfer_formalities_h"] == 10 * (2 + 0.25) + cut_h
    assert k["class[T]_post_transfer_formalities_h"] == 10 * (4 + 0.75)
    assert k["class[T]_berthing_h"] == 10 * (2 + 1 + 2 + 1) + (2 if cut_h else 0)
    assert k["tanker_pre_transfer_formalities_frac"] == (10 * 2.25 + cut_h) / horizon_h
    assert "class[T]_formalities_h" not in k and "tanker_formalities_frac" not in k
    # a berth's formalities are its ship's pre- and post-transfer formalities (no berth
    # is held during the arrival formalities at anchorage)
    assert k["load_berth_formalities_frac"] * horizon_h == pytest.approx(10 * (2 + 4) + cut_h, abs=1e-9)
    assert k["discharge_berth_formalities_frac"] * horizon_h == pytest.approx(10 * (0.25 + 0.75), abs=1e-9)
    assert sum(k[f"class[T]_{s}_h"] for s in ss.components.tanker.TANKER_STATES) == horizon_h


def throughput_t_per_h(d: dict, settle_h: float, period_h: float) -> float:
    """Delivered rate over one period of the deterministic steady state.

    The delivered amount is read from the tank accounts at two horizons one period
    apart, so the measure is exact: no counting of whole cargoes.
    """
    s = build(d)
    a = World(s, horizon_h=settle_h)
    a.run()
    b = World(s, horizon_h=settle_h + period_h)
    b.run()
    moved = [w.discharge_tank.totals()["ship_discharge_moved_t"] for w in (a, b)]
    return (moved[1] - moved[0]) / period_h


def fleet(n: int) -> dict:
    # ballast at 10 kn (20 h), laden at 12.5 kn (16 h): a swap of the two would show
    return {"tankers": [{"name": "T", "count": n, "cargo": "60000 t", "laden_speed": "12.5 kn",
                         "ballast_speed": "10 kn"}]}


# expected bounds: fleet 60000/66 per tanker (a 62 h cycle with 4 h more in ballast); a
# berth turns one ship in 2+12+1 = 15 h.
CASES = {
    # name: (scenario overrides, expected t/h)
    "fleet": (dict(fleet=fleet(2), load_port=port("L", 2), discharge_port=port("D", 2)), 2 * CARGO / (CYCLE_H + 4)),
    "load_berths": (dict(fleet=fleet(6), load_port=port("L", 1), discharge_port=port("D", 3)), CARGO / 15),
    "discharge_berths": (dict(fleet=fleet(6), load_port=port("L", 3), discharge_port=port("D", 1)), CARGO / 15),
    "supply": (dict(supply={"rate": "500 t/h"}, load_port=port("L", 1, capacity="200000 t", level="0 t")), 500.0),
    "offtake": (dict(offtake={"rate": "400 t/h"}, discharge_port=port("D", 1, capacity="100000 t", level="100000 t")),
                400.0),
}


@pytest.mark.parametrize("name", CASES)
def test_throughput_equals_the_binding_bound(name):
    over, expected = CASES[name]
    d = cycle_dict(**over)
    n = d["fleet"]["tankers"][0]["count"]
    period_h = n * CARGO / expected  # one cargo per tanker per period in steady state
    got = throughput_t_per_h(d, settle_h=5_000, period_h=period_h)
    assert got == pytest.approx(expected, rel=1e-9)

# supply- and offtake-bound trajectories by hand: tests/test_mechanisms.py
