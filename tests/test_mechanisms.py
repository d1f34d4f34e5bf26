"""Each mechanism of the model on a small scenario, against a hand-computed trajectory.

The base case gives every quantity that could be swapped a distinct value, so that a
swap shows: 200 nmi at 12.5 kn laden (16 h) and 10 kn in ballast (20 h); 60,000 t
loaded at 5,000 t/h (12 h) and discharged at 4,000 t/h (15 h); berthing 2 h and
unberthing 1 h at the load port, 3 h and 0.5 h at the discharge port.  One voyage:

    load     arrive 0, berth 0, start 2, end 14, depart 15
    laden    15 -> 31
    disch.   arrive 31, berth 31, start 34, end 49, depart 49.5
    ballast  49.5 -> 69.5         (cycle 69.5 h)

Weather comes from a hindcast written by the test (calm, wind 5 m/s and Hs 0.5 m,
except the hours each case sets), so every hold is known to the hour.
"""

import csv
import datetime as dt
import zlib

import numpy as np
import pytest

import shuttle_sim as ss
from shuttle_sim import units
from shuttle_sim.model import World

from .conftest import build, cycle_dict, port

CYCLE_H = 69.5
CARGO = 60_000.0


def distinct(**top) -> dict:
    d = cycle_dict(
        load_port=port("L", 1, transfer_rate="5000 t/h", berthing="2 h", unberthing="1 h"),
        discharge_port=port("D", 1, transfer_rate="4000 t/h", berthing="3 h", unberthing="30 min"),
        fleet={"tankers": [{"name": "T", "count": 1, "cargo": "60000 t", "laden_speed": "12.5 kn",
                            "ballast_speed": "10 kn"}]},
    )
    from .conftest import merge

    return merge(d, top)


VOYAGE0 = {"load_arrive_h": 0.0, "load_berth_h": 0.0, "load_start_h": 2.0, "load_end_h": 14.0, "load_depart_h": 15.0,
           "discharge_arrive_h": 31.0, "discharge_berth_h": 31.0, "discharge_start_h": 34.0,
           "discharge_end_h": 49.0, "discharge_depart_h": 49.5}


def shifted(base: dict, dt_h: float, keys=None) -> dict:
    return {k: v + dt_h for k, v in base.items() if keys is None or k in keys}


# --------------------------------------------------------------- deterministic cycle
def test_distinct_laden_and_ballast_cycle_is_exact():
    H = 10 * CYCLE_H
    r = ss.simulate(build(distinct(horizon=f"{H} h")))
    assert r.kpis["voyages"] == 10
    for k, v in enumerate(r.voyages):
        assert {f: getattr(v, f) for f in VOYAGE0} == pytest.approx(shifted(VOYAGE0, k * CYCLE_H), rel=1e-12, abs=1e-12)
        assert v.cargo_t == CARGO
    k = r.kpis
    assert k["tanker_sailing_laden_frac"] == pytest.approx(160 / H, rel=1e-12)
    assert k["tanker_sailing_ballast_frac"] == pytest.approx(200 / H, rel=1e-12)
    assert k["tanker_transferring_frac"] == pytest.approx(270 / H, rel=1e-12)
    assert k["tanker_berthing_frac"] == pytest.approx(65 / H, rel=1e-12)
    assert k["load_berth_transferring_frac"] == pytest.approx(120 / H, rel=1e-12)
    assert k["discharge_berth_transferring_frac"] == pytest.approx(150 / H, rel=1e-12)
    assert k["load_berth_berthing_frac"] == pytest.approx(30 / H, rel=1e-12)
    assert k["discharge_berth_berthing_frac"] == pytest.approx(35 / H, rel=1e-12)
    assert k["load_berth_idle_frac"] == pytest.approx(1 - 150 / H, rel=1e-12)
    # annualised KPIs, from their definitions: a 365-day year, 42-gallon barrels
    years = H / (365 * 24)
    assert k["delivered_t"] == 10 * CARGO
    assert k["delivered_mt_per_year"] == pytest.approx(10 * CARGO / 1e6 / years, rel=1e-12)
    bbl_per_day = 10 * CARGO / 0.8 / (42 * 231 * 0.0254**3) / (H / 24)
    assert k["delivered_kbpd"] == pytest.approx(bbl_per_day / 1000, rel=1e-12)
    t = r.tankers[0]
    assert (t["voyages"], t["sailing_laden_h"], t["sailing_ballast_h"]) == (10, pytest.approx(160), pytest.approx(200))


@pytest.mark.parametrize("pump,discharge_h", [("3000 t/h", 20.0), ("6000 t/h", 15.0)])
def test_discharge_pump_rate_caps_the_shore_rate(pump, discharge_h):
    """The ship's pumps cap the 4,000 t/h shore rate: 3,000 t/h takes 20 h; 6,000 t/h
    does not raise it (15 h).  Loading is the shore's alone (12 h)."""
    d = distinct(horizon="300 h")
    d["fleet"]["tankers"][0]["discharge_pump_rate"] = pump
    v = ss.simulate(build(d)).voyages
    cycle = CYCLE_H - 15 + discharge_h
    for k in range(3):
        assert v[k].load_end_h - v[k].load_start_h == pytest.approx(12.0, rel=1e-12)
        assert v[k].discharge_start_h == pytest.approx(34 + k * cycle, rel=1e-12)
        assert v[k].discharge_end_h == pytest.approx(34 + discharge_h + k * cycle, rel=1e-12)


def test_queue_waits_mean_and_max():
    """Three ships 4 h apart at one load berth held 15 h per call: they wait 0, 11 and
    22 h (mean 11, max 22).  At the discharge berth (also 15 h a call, cycle_dict) they
    arrive 15 h apart: no wait."""
    d = cycle_dict(horizon="60 h", fleet={"arrival_spacing": "4 h", "tankers": [
        {"name": "T", "count": 3, "cargo": "60000 t", "laden_speed": "12.5 kn", "ballast_speed": "12.5 kn"}]})
    r = ss.simulate(build(d))
    k = r.kpis
    assert [v.load_queue_h for v in r.voyages] == [0.0]  # one voyage completed by 60 h (at 46 h)
    assert k["load_queue_wait_mean_h"] == pytest.approx(11.0, rel=1e-12)
    assert k["load_queue_wait_max_h"] == pytest.approx(22.0, rel=1e-12)
    assert k["discharge_queue_wait_mean_h"] == k["discharge_queue_wait_max_h"] == 0.0
    assert k["tanker_queueing_frac"] == pytest.approx(33 / (3 * 60), rel=1e-12)


def test_supply_bound_trajectory_is_hand_computed():
    """Supply 500 t/h into an empty 200,000 t farm; one 60,000 t ship loading at
    5,000 t/h.  Voyage 0 starts loading at 2 h on 1,000 t, empties the farm at 2 + 2/9 h
    and then loads at the supply rate: done when 60,000 t have been supplied, at 120 h;
    waiting for cargo 0.9 x (120 - 20/9) = 106 h.  It is back at 168 h (120 + 1 + 16 + 2
    + 12 + 1 + 16), berths on 25,000 t at 170 h, empties it at 170 + 25,000 / 4,500 h and
    is done at 240 h: waiting 0.9 x (240 - 170 - 50/9) = 58 h.  Nothing is deferred."""
    d = cycle_dict(horizon="400 h", supply={"rate": "500 t/h"},
                   load_port=port("L", 1, capacity="200000 t", level="0 t"))
    r = ss.simulate(build(d))
    v = r.voyages
    assert [x.load_end_h for x in v[:2]] == [pytest.approx(120, rel=1e-12), pytest.approx(240, rel=1e-12)]
    assert v[0].load_wait_cargo_h == pytest.approx(106, rel=1e-9)
    assert v[1].load_wait_cargo_h == pytest.approx(58, rel=1e-9)
    assert r.kpis["deferred_t"] == 0
    assert r.kpis["supply_accepted_t"] == pytest.approx(500 * 400, rel=1e-12)


def test_offtake_bound_defers_the_difference():
    """Offtake 400 t/h < supply 1,000 t/h with a 100,000 t load farm: in steady state
    production is deferred at exactly 600 t/h (read between two horizons one period,
    60,000 / 400 = 150 h, apart)."""
    d = cycle_dict(offtake={"rate": "400 t/h"}, supply={"rate": "1000 t/h"},
                   discharge_port=port("D", 1, capacity="100000 t", level="100000 t"),
                   load_port=port("L", 1, capacity="100000 t", level="0 t"))
    s = build(d)
    a, b = (ss.simulate(s, horizon_h=h).kpis for h in (3000.0, 3150.0))
    assert (b["deferred_t"] - a["deferred_t"]) / 150 == pytest.approx(600, rel=1e-9)
    assert (b["offtake_t"] - a["offtake_t"]) / 150 == pytest.approx(400, rel=1e-9)
    assert b["load_tank_full_frac"] > 0.5 and b["discharge_berth_waiting_ullage_frac"] > 0.5


# ------------------------------------------------------------------- port weather
def write_hindcast(path, events, hours=2000, sites=("L", "D", "sea")):
    """Calm everywhere (5 m/s, Hs 0.5 m) except ``events``: {site: [(h0, h1, wind, hs)]}."""
    t0 = dt.datetime(2025, 1, 1)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["time", "site", "wind_m_per_s", "hs_m"])
        for h in range(hours):
            for s in sites:
                wind, hs = 5.0, 0.5
                for h0, h1, ew, eh in events.get(s, ()):
                    if h0 <= h < h1:
                        wind, hs = ew, eh
                w.writerow([(t0 + dt.timedelta(hours=h)).isoformat(), s, repr(wind), repr(hs)])
    return str(path)


def weather_run(tmp_path, events, load_limits=None, discharge_limits=None, passage_limits=None, horizon="60 h"):
    d = distinct(horizon=horizon, start_date="2025-01-01",
                 weather={"source": "hindcast", "file": write_hindcast(tmp_path / "hc.csv", events)},
                 load_port={"weather_site": "L", "limits": load_limits or {}},
                 discharge_port={"weather_site": "D", "limits": discharge_limits or {}},
                 route={"weather_site": "sea", "passage_limits": passage_limits or {}})
    return ss.simulate(build(d))


# case: (events, load limits, discharge limits, passage limits, voyage-0 times changed, KPIs)
WEATHER_CASES = {
    # berthing waits for 2 workable hours; 15 m/s is within a 15 m/s limit (inclusive); the
    # berth is taken when the window opens (4 h), the wait is at anchorage, not at the berth
    "berthing_wind_inclusive": (
        {"L": [(0, 4, 20.0, 0.5), (4, 6, 15.0, 0.5)]}, {"berthing": {"max_wind": "15 m/s"}}, None, None,
        {"load_berth_h": 4.0, "load_start_h": 6.0, "load_weather_h": 4.0, "load_end_h": 18.0},
        {"load_anchorage_weather_h": 4.0, "load_weather_hold_berthing_h": 0.0}),
    # the limit in km/h: 54 km/h is 15 m/s, not 54 kn
    "berthing_wind_in_km_per_h": (
        {"L": [(0, 4, 20.0, 0.5), (4, 6, 14.0, 0.5)]}, {"berthing": {"max_wind": "54 km/h"}}, None, None,
        {"load_start_h": 6.0, "load_weather_h": 4.0}, {}),
    # a window of 5 h: the 3 calm hours at 4-7 are not enough, 8 onwards is
    "berthing_window": (
        {"L": [(0, 4, 20.0, 0.5), (7, 8, 20.0, 0.5)]}, {"berthing": {"max_wind": "15 m/s", "window": "5 h"}}, None,
        None, {"load_berth_h": 8.0, "load_start_h": 10.0, "load_weather_h": 8.0},
        {"load_anchorage_weather_h": 8.0, "load_weather_hold_berthing_h": 0.0}),
    # a window shorter than the 2 h berthing: the berthing itself needs 2 h (4-5 is 1 h)
    "berthing_window_shorter_than_operation": (
        {"L": [(0, 4, 20.0, 0.5), (5, 6, 20.0, 0.5)]}, {"berthing": {"max_wind": "15 m/s", "window": "1 h"}}, None,
        None, {"load_start_h": 8.0, "load_weather_h": 6.0}, {}),
    # transfer pauses while Hs > 1.5 m (5-8) and resumes at 8 (1.5 m is within the limit)
    "transfer_hs_inclusive": (
        {"L": [(5, 8, 5.0, 2.0), (8, 9, 5.0, 1.5)]}, {"transfer": {"max_hs": "1.5 m"}}, None, None,
        {"load_start_h": 2.0, "load_end_h": 17.0, "load_depart_h": 18.0, "load_weather_h": 3.0},
        {"load_weather_hold_transfer_h": 3.0, "load_berth_weather_frac": 3.0 / 60, "load_berth_transferring_frac": 12 / 60}),
    # unberthing (1 h) waits from 14 to 16; 16-17 is at the limit
    "unberthing_wind": (
        {"L": [(14, 16, 25.0, 0.5), (16, 17, 15.0, 0.5)]}, {"unberthing": {"max_wind": "15 m/s"}}, None, None,
        {"load_end_h": 14.0, "load_depart_h": 17.0, "discharge_arrive_h": 33.0, "load_weather_h": 2.0},
        {"load_weather_hold_unberthing_h": 2.0}),
    # limits of one operation do not hold another: a storm during loading, berthing limit only
    "other_operations_unaffected": (
        {"L": [(5, 8, 25.0, 3.0)]}, {"berthing": {"max_wind": "15 m/s", "max_hs": "1 m"}}, None, None,
        {"load_end_h": 14.0, "load_weather_h": 0.0}, {"weather_hold_h": 0.0}),
    # the discharge port has its own site and limits: Hs 1.2 m at D 31-35 > 1 m (the ship
    # waits at anchorage 31-35 and takes the berth when the window opens)
    "discharge_berthing_hs": (
        {"D": [(31, 35, 5.0, 1.2)], "L": [(31, 35, 5.0, 3.0)]}, {"berthing": {"max_hs": "2 m"}},
        {"berthing": {"max_hs": "1 m"}}, None,
        {"discharge_berth_h": 35.0, "discharge_start_h": 38.0, "discharge_end_h": 53.0, "discharge_depart_h": 53.5,
         "discharge_weather_h": 4.0, "load_weather_h": 0.0},
        {"discharge_anchorage_weather_h": 4.0, "discharge_weather_hold_berthing_h": 0.0}),
    # the ship shelters at sea while Hs > 2 m (20-26): the laden passage ends at 37, not 31
    "sheltering_at_sea": (
        {"sea": [(20, 26, 5.0, 3.0), (26, 27, 5.0, 2.0)], "L": [(20, 26, 30.0, 3.0)]}, None, None, {"max_hs": "2 m"},
        {"load_depart_h": 15.0, "discharge_arrive_h": 37.0, "discharge_depart_h": 55.5},
        {"sea_weather_hold_h": 6.0, "tanker_weather_frac": 6.0 / 60, "tanker_sailing_laden_frac": 16.0 / 60}),
    # ... and by wind, inclusive at the limit
    "sheltering_by_wind": (
        {"sea": [(20, 23, 21.0, 0.5), (23, 24, 20.0, 0.5)]}, None, None, {"max_wind": "20 m/s"},
        {"discharge_arrive_h": 34.0}, {"sea_weather_hold_h": 3.0}),
}


@pytest.mark.parametrize("case", WEATHER_CASES)
def test_weather_holds_are_hand_computed(tmp_path, case):
    events, ll, dl, pl, times, kpis = WEATHER_CASES[case]
    r = weather_run(tmp_path, events, ll, dl, pl)
    v0 = r.voyages[0]
    assert {k: getattr(v0, k) for k in times} == pytest.approx(times, rel=1e-12, abs=1e-12)
    assert {k: r.kpis[k] for k in kpis} == pytest.approx(kpis, rel=1e-12, abs=1e-12)
    # the ship's and the berths' accounts of weather agree (two separate budgets)
    assert r.kpis["tanker_weather_frac"] * 60 == pytest.approx(r.kpis["weather_hold_h"], abs=1e-9)


def test_sheltering_on_the_ballast_passage(tmp_path):
    """Ballast 49.5 -> 69.5 h at 10 kn; Hs 2.5 m at sea 60-62 adds 2 h; laden unaffected."""
    r = weather_run(tmp_path, {"sea": [(60, 62, 5.0, 2.5)]}, passage_limits={"max_hs": "2 m"}, horizon="140 h")
    v = r.voyages
    assert v[0].discharge_arrive_h == 31.0
    assert v[1].load_arrive_h == pytest.approx(71.5, rel=1e-12)
    t = r.tankers[0]
    assert t["weather_h"] == pytest.approx(2.0, rel=1e-12)
    # ballast 49.5-71.5 (20 h sailing) and 121-140 (19 h by the horizon)
    assert t["sailing_ballast_h"] == pytest.approx(39.0, rel=1e-12)
    assert t["sailing_laden_h"] == pytest.approx(32.0, rel=1e-12)


def test_closed_fraction_of_each_operation(tmp_path):
    """closed_<op>_frac is the share of the horizon the op's limits were exceeded."""
    r = weather_run(tmp_path, {"L": [(0, 4, 20.0, 0.5), (10, 13, 5.0, 2.0)]},
                    {"berthing": {"max_wind": "15 m/s"}, "transfer": {"max_hs": "1.5 m"}})
    k = r.kpis
    assert k["load_closed_berthing_frac"] == pytest.approx(4 / 60, rel=1e-12)
    assert k["load_closed_transfer_frac"] == pytest.approx(3 / 60, rel=1e-12)
    assert k["load_closed_unberthing_frac"] == 0.0
    assert k["discharge_closed_berthing_frac"] == 0.0


# ---------------------------------------------------------------- outages, dry docks
def dock_phase(seed: int, cls: str, j: int, replication: int = 0) -> float:
    """The phase of ship ``j`` of class ``cls`` in its survey cycle, written from the
    definition of its stream (rng.py): the first uniform of ``dry_dock/<class>``, index
    ``j``, i.e. of PCG64(SeedSequence([seed, replication, crc32(name), j]))."""
    seq = np.random.SeedSequence([seed, replication, zlib.crc32(f"dry_dock/{cls}".encode()), j])
    return float(np.random.Generator(np.random.PCG64(seq)).random())


def test_dry_dock_falls_due_and_takes_its_duration():
    """Every 200 h for 50 h; one tanker, first due at its phase of the cycle: seed 5
    draws 0.3033, so 60.66 h.  Voyage 0's discharge call ends at 49.5 h (not due);
    voyage 1's at 69.5 + 49.5 = 119 h >= 60.66: dry dock 119-169, next due 260.66 h
    (one interval after it fell due, not after it was taken: that would be 319 h);
    ballast 169-189.  Voyage 2's call ends at 238.5 h (not due), voyage 3's leaves the
    discharge port at 258.5 + 49.5 = 308 h >= 260.66: dry dock 308-358."""
    d = distinct(horizon="400 h")
    d["fleet"]["tankers"][0]["dry_dock"] = {"every": "200 h", "duration": "50 h"}
    s = build(d)
    phase = dock_phase(5, "T", 0)
    assert 49.5 / 200 < phase <= 108 / 200  # the trajectory below holds for this seed's phase
    assert World(s, seed=5).tankers[0].dry_dock.next_due_h == phase * 200  # first_due_h: phase x every
    r = ss.simulate(s, seed=5)
    assert [v.load_arrive_h for v in r.voyages] == pytest.approx([0, 69.5, 189, 258.5], rel=1e-12)
    assert r.tankers[0]["off_hire_h"] == pytest.approx(100.0, rel=1e-12)
    assert r.kpis["tanker_off_hire_frac"] == pytest.approx(100 / 400, rel=1e-12)


def test_each_ship_of_the_fleet_docks_at_its_own_phase():
    """Two tankers (the second 10 h behind), every 400 h for 30 h, first due at their
    own phases: seed 64 draws 0.2704 and 0.8209 (108.17 h and 328.35 h).  Tanker 0's
    voyage 1 discharge call ends at 119 h (docked to 149, next due 508.17 h: its voyage
    7, from 516.5 h, ends the call at 566 h, docked to 596 h); tanker 1's voyage 4 at
    10 + 4 x 69.5 + 49.5 = 337.5 h (docked to 367.5, next due 728.35 h)."""
    d = distinct(horizon="600 h", discharge_port={"berths": 2}, load_port={"berths": 2})
    d["fleet"]["tankers"][0].update(count=2, dry_dock={"every": "400 h", "duration": "30 h"})
    d["fleet"]["arrival_spacing"] = "10 h"
    s = build(d)
    p0, p1 = dock_phase(64, "T", 0), dock_phase(64, "T", 1)
    assert 96.5 / 400 < p0 <= 119 / 400 and 268 / 400 < p1 <= 337.5 / 400
    assert [t.dry_dock.next_due_h for t in World(s, seed=64).tankers] == [p0 * 400, p1 * 400]
    r = ss.simulate(s, seed=64)
    arr = {t: [v.load_arrive_h for v in r.voyages if v.tanker == t] for t in ("T-1", "T-2")}
    assert arr["T-1"][:8] == pytest.approx([0, 69.5, 169, 238.5, 308, 377.5, 447, 516.5], rel=1e-12)
    assert arr["T-2"][:6] == pytest.approx([10, 79.5, 149, 218.5, 288, 387.5], rel=1e-12)
    assert [t["off_hire_h"] for t in r.tankers] == pytest.approx([60.0, 30.0], rel=1e-12)


def test_scripted_tanker_outage_pauses_the_passage():
    """The tanker is out of service on 2 January (24-48 h), during its laden passage
    (15-31 h): 9 h sailed, 24 h stopped, 7 h more: it arrives at 55 h."""
    d = distinct(horizon="100 h", start_date="2025-01-01",
                 disruptions=[{"target": "tanker", "index": 0, "start": "2025-01-02", "end": "2025-01-03"}])
    r = ss.simulate(build(d))
    v = r.voyages[0]
    assert v.discharge_arrive_h == pytest.approx(55.0, rel=1e-12)
    assert r.tankers[0]["breakdown_h"] == pytest.approx(24.0, rel=1e-12)
    assert r.tankers[0]["sailing_laden_h"] == pytest.approx(16.0, rel=1e-12)


def test_scripted_berth_outage_is_not_assigned_and_pauses_a_transfer():
    """The only load berth is out of service on 1 January (0-24 h) and again on
    3 January (48-72 h).  The ship queues until 24 h, berths 24-26, loads 150,000 t at
    5,000 t/h (30 h of pumping) from 26 h: 22 h by 48, paused to 72, 8 h more: 80 h."""
    d = distinct(horizon="100 h", start_date="2025-01-01",
                 load_port={"tank_farm": {"capacity": "1e12 t", "initial_level": "5e11 t"}},
                 disruptions=[{"target": "load_berth", "index": 0, "start": "2025-01-01", "end": "2025-01-02"},
                              {"target": "load_berth", "index": 0, "start": "2025-01-03", "end": "2025-01-04"}])
    d["fleet"]["tankers"][0]["cargo"] = "150000 t"
    w = World(build(d))
    w.run()
    assert w.load.queue_waits_h == [24.0]
    r = ss.simulate(build(d))
    k = r.kpis
    # the berth is failed 0-24 (idle, out of service) and 48-72 (under a paused transfer)
    assert k["load_berth_failed_frac"] == pytest.approx(48 / 100, rel=1e-12)
    assert k["tanker_berth_failed_frac"] == pytest.approx(24 / 100, rel=1e-12)
    assert k["load_berth_transferring_frac"] == pytest.approx(30 / 100, rel=1e-12)
    assert r.tankers[0]["queueing_h"] == pytest.approx(24.0, rel=1e-12)
    v = w.voyages
    assert not v  # the discharge is still to come; read the call from the ship's budget
    assert r.tankers[0]["transferring_h"] == pytest.approx(30.0, rel=1e-12)
    # unberthed 80-81, laden 81-97, berthing at the discharge port 97-100
    assert r.tankers[0]["sailing_laden_h"] == pytest.approx(16.0, rel=1e-12)
    assert r.tankers[0]["berthing_h"] == pytest.approx(2 + 1 + 3, rel=1e-12)


@pytest.mark.parametrize("tanker_down, berth_down, breakdown_h, berth_failed_h", [
    (("2025-01-02", "2025-01-03"), ("2025-01-03", "2025-01-04"), 24.0, 24.0),  # breakdown 24-48, then the berth 48-72
    (("2025-01-02", "2025-01-04"), ("2025-01-02", "2025-01-03"), 24.0, 24.0),  # both from 24: the berth's to 48
])
def test_a_transfer_pause_is_charged_to_each_cause_while_it_holds(tanker_down, berth_down, breakdown_h, berth_failed_h):
    """The ship loads 150,000 t at 5,000 t/h from 2 h (30 h of pumping): 22 h by 24 h,
    paused to 72 h, 8 h more to 80 h.  The pause has two causes one after the other, the
    berth's failure first where both hold: each is charged its own hours (the pause used
    to be charged whole to the cause found as it began: 48 h of one)."""
    d = distinct(horizon="100 h", start_date="2025-01-01",
                 load_port={"tank_farm": {"capacity": "1e12 t", "initial_level": "5e11 t"}},
                 disruptions=[{"target": "tanker", "index": 0, "start": tanker_down[0], "end": tanker_down[1]},
                              {"target": "load_berth", "index": 0, "start": berth_down[0], "end": berth_down[1]}])
    d["fleet"]["tankers"][0]["cargo"] = "150000 t"
    r = ss.simulate(build(d))
    t = r.tankers[0]
    assert t["transferring_h"] == pytest.approx(30.0, rel=1e-12)
    assert (t["breakdown_h"], t["berth_failed_h"]) == pytest.approx((breakdown_h, berth_failed_h), rel=1e-12)
    assert t["sailing_laden_h"] == pytest.approx(16.0, rel=1e-12)  # unberthed 80-81, at sea 81-97
    # the berth follows the ship: 'failed' under a broken-down ship as under its own failure
    assert r.kpis["load_berth_failed_frac"] == pytest.approx((breakdown_h + berth_failed_h) / 100, rel=1e-12)


def test_scripted_supply_and_offtake_factors():
    """Supply x1.5 on 2-3 January (24-72 h) and x0.25 on 6 January (120-144 h),
    offtake stopped on 4 January (72-96 h)."""
    d = distinct(horizon="200 h", start_date="2025-01-01", supply={"rate": "100 t/h"}, offtake={"rate": "80 t/h"},
                 disruptions=[{"target": "supply", "start": "2025-01-02", "end": "2025-01-04", "factor": 1.5},
                              {"target": "supply", "start": "2025-01-06", "end": "2025-01-07", "factor": 0.25},
                              {"target": "offtake", "start": "2025-01-04", "end": "2025-01-05", "factor": 0.0}])
    k = ss.simulate(build(d)).kpis
    assert k["supply_extra_t"] == pytest.approx(0.5 * 100 * 48, rel=1e-12)
    assert k["supply_lost_to_outages_t"] == pytest.approx(0.75 * 100 * 24, rel=1e-12)
    assert k["supply_offered_t"] == pytest.approx(100 * 200 + 0.5 * 100 * 48 - 0.75 * 100 * 24, rel=1e-12)
    assert k["offtake_stopped_t"] == pytest.approx(80 * 24, rel=1e-12)
    assert k["offtake_nominated_t"] == pytest.approx(80 * (200 - 24), rel=1e-12)


def test_breakdowns_are_charged_exactly_the_ships_down_hours():
    """With instantaneous port calls, one ship's every hour down falls in a passage or
    a call, and stops it: its breakdown hours are exactly the down hours of its own
    timeline up to the horizon, and its voyages take that much longer."""
    fast = {"transfer_rate": "1e9 t/h", "berthing": "0 h", "unberthing": "0 h"}
    d = distinct(horizon="3000 h", load_port=fast, discharge_port=fast)
    d["fleet"]["tankers"][0]["cargo"] = "1 t"  # 1e-9 h of pumping a call
    d["fleet"]["tankers"][0]["breakdowns"] = {"mtbf": {"dist": "exponential", "mean": "100 h"},
                                               "mttr": {"dist": "gamma", "mean": "20 h", "cv": 0.5}}
    s = build(d)
    for rep in range(3):
        w = World(s, seed=4, replication=rep)
        w.run()
        down_h = 3000 - w.tankers[0].up.up_hours(0, 3000)
        assert down_h > 200  # the timeline has breakdowns to charge
        r = ss.simulate(s, seed=4, replication=rep)
        assert r.tankers[0]["breakdown_h"] == pytest.approx(down_h, rel=1e-9)
        sail_h = r.tankers[0]["sailing_laden_h"] + r.tankers[0]["sailing_ballast_h"]
        assert sail_h == pytest.approx(3000 - down_h, abs=1e-6)


# ------------------------------------------------------------------ other traffic
def test_other_traffic_rate_and_berth_time():
    """Poisson calls at 300 a year, 10 h each, at a port with berths to spare: the
    calls finished by H are Poisson with mean 300 x (H - 10) / 8,760 (a 365-day year);
    each holds a berth exactly 10 h.  The tanker (20,000 nmi each way, the loader's
    bound is 21,600 nmi) holds at most one of the 20 berths, so calls never queue."""
    H = 5 * 8760.0
    d = distinct(horizon=f"{H} h", route={"distance": "20000 nmi"},
                 load_port={"berths": 20, "other_traffic": {"calls_per_year": 300, "berth_time": "10 h"}})
    s = build(d)
    calls, expected = [], 300 * (H - 10) / 8760
    for rep in range(8):
        k = ss.simulate(s, seed=6, replication=rep).kpis
        n = k["load_other_traffic_calls"]
        calls.append(n)
        held = k["load_berth_other_traffic_frac"] * 20 * H
        assert n * 10 <= held + 1e-6 <= (n + 20) * 10  # finished calls, plus those under way at H
        assert k["discharge_other_traffic_calls"] == 0
    se = np.sqrt(expected / len(calls))  # Poisson
    assert se < 0.01 * expected
    assert abs(np.mean(calls) - expected) <= 4 * se, (np.mean(calls), expected)


def test_other_traffic_queues_with_the_tankers():
    """One berth, other traffic 10 h a call: every ship's queue wait at the berth is
    the remaining time of the third-party call in front of it (never more than 10 h
    per call ahead), and the ship and the call never hold the berth together."""
    d = distinct(horizon="2000 h", load_port={"other_traffic": {"calls_per_year": 2000, "berth_time": "10 h"}})
    r = ss.simulate(build(d), seed=3)
    k = r.kpis
    assert k["load_other_traffic_calls"] > 100
    assert k["load_queue_wait_mean_h"] > 0
    busy = k["load_berth_other_traffic_frac"] + sum(
        k[f"load_berth_{s}_frac"] for s in ("berthing", "formalities", "transferring", "waiting_cargo"))
    assert busy <= 1 + 1e-12 and k["load_berth_idle_frac"] >= -1e-12


def test_tank_level_kpis_by_hand():
    """The BTC stop of test_weather (hand-computed there): the load farm is full from
    220 h to 276 h and lies between 32,000 t (after each load) and 100,000 t; the
    discharge farm is full from 102 h until the ship's discharge ends at 260 h and never
    below its initial 50,000 t.  Neither is ever empty; the means are the exact
    integrals of the traces."""
    from shuttle_sim.stats import level_stats

    from .test_weather import btc_stop

    r = ss.simulate(build(btc_stop()))
    k = r.kpis
    assert k["load_tank_full_frac"] == pytest.approx(56 / 300, rel=1e-9)
    assert k["discharge_tank_full_frac"] == pytest.approx(158 / 300, rel=1e-9)
    assert (k["load_tank_level_min_t"], k["load_tank_level_max_t"]) == (pytest.approx(32_000), pytest.approx(100_000))
    assert (k["discharge_tank_level_min_t"], k["discharge_tank_level_max_t"]) == (50_000, pytest.approx(100_000))
    assert k["load_tank_empty_frac"] == k["discharge_tank_empty_frac"] == 0
    for role in ("load", "discharge"):
        t, y = r.traces[f"{role}_tank"]
        assert k[f"{role}_tank_level_mean_t"] == pytest.approx(level_stats(t, y, 100_000)["mean_t"], rel=1e-12)
    # stock changes: load 50,000 -> 100,000 - 4 h x 4,500 t/h (loading 276-280 h) + 20 h
    # x 500 t/h = 92,000 t; discharge 50,000 -> 100,000 - 36 h x 500 t/h = 82,000 t at
    # 296 h, then the fourth cargo (296-300 h, +4,500 t/h): 100,000 t
    assert k["load_stock_change_t"] == pytest.approx(42_000, rel=1e-9)
    assert k["discharge_stock_change_t"] == pytest.approx(50_000, rel=1e-9)


def test_each_ports_other_traffic_has_its_own_stream():
    """Identical third-party traffic at both ports (berths to spare) must not be the same
    draws: the streams are named per port.  And changing one port's traffic leaves the
    other's calls as they were (common random numbers)."""
    ot = {"calls_per_year": 500, "berth_time": {"dist": "exponential", "mean": "10 h"}}
    d = distinct(horizon="4000 h", load_port={"berths": 10, "other_traffic": ot},
                 discharge_port={"berths": 10, "other_traffic": ot})
    same = []
    for seed in range(3):
        k = ss.simulate(build(d), seed=seed).kpis
        same.append(k["load_other_traffic_calls"] == k["discharge_other_traffic_calls"]
                    and k["load_berth_other_traffic_frac"] == k["discharge_berth_other_traffic_frac"])
    assert not any(same)
    d2 = distinct(horizon="4000 h", load_port={"berths": 10, "other_traffic": ot},
                  discharge_port={"berths": 10, "other_traffic": {**ot, "calls_per_year": 50}})
    a, b = ss.simulate(build(d), seed=1).kpis, ss.simulate(build(d2), seed=1).kpis
    assert a["load_other_traffic_calls"] == b["load_other_traffic_calls"]
    assert a["load_berth_other_traffic_frac"] == b["load_berth_other_traffic_frac"]


def test_dry_dock_due_exactly_at_the_end_of_a_voyage_is_taken_then():
    """First due exactly at 49.5 h, the very moment voyage 0 leaves the discharge port:
    seed 9 draws phase 0.4766, and an interval of 49.5 / 0.4766 = 103.87 h puts the first
    due date there exactly (checked).  Docked 49.5-59.5, ballast to 79.5; next due
    153.37 h, taken when voyage 2's discharge call ends at 149 + 49.5 = 198.5 h; next due
    257.23 h, taken at 278 h (to 288 h): 30 h off hire by 300 h."""
    phase = dock_phase(9, "T", 0)
    every_h = 49.5 / phase
    assert 79.5 < every_h <= 114.25  # the trajectory below holds for this interval
    d = distinct(horizon="300 h")
    d["fleet"]["tankers"][0]["dry_dock"] = {"every": f"{every_h!r} h", "duration": "10 h"}
    s = build(d)
    assert s.fleet.tankers[0].dry_dock.every_h == every_h
    assert World(s, seed=9).tankers[0].dry_dock.next_due_h == 49.5  # exactly, not just after
    r = ss.simulate(s, seed=9)
    assert [v.load_arrive_h for v in r.voyages] == pytest.approx([0, 79.5, 149, 228.5], rel=1e-12)
    assert r.tankers[0]["off_hire_h"] == pytest.approx(30.0, rel=1e-12)


def test_berthing_waits_for_weather_and_ship_together(tmp_path):
    """Berthing of 6 h needs the weather (wind > 15 m/s 0-20 h and 40-50 h) and the ship
    (out of service on 2 January, 24-48 h) both workable for 6 h: 20-24 is too short for
    the ship, 48-50 for the weather: it takes the berth when that window opens and berths
    50-56 h, loading from 56 h."""
    d = distinct(horizon="120 h", start_date="2025-01-01",
                 weather={"source": "hindcast", "file": write_hindcast(
                     tmp_path / "hc.csv", {"L": [(0, 20, 20.0, 0.5), (40, 50, 20.0, 0.5)]})},
                 load_port={"weather_site": "L", "berthing": "6 h", "limits": {"berthing": {"max_wind": "15 m/s"}}},
                 disruptions=[{"target": "tanker", "index": 0, "start": "2025-01-02", "end": "2025-01-03"}])
    v = ss.simulate(build(d)).voyages[0]
    assert (v.load_berth_h, v.load_start_h, v.load_end_h) == (50.0, 56.0, 68.0)


def test_a_one_site_hindcast(tmp_path):
    from shuttle_sim.components.weather import read_hindcast

    hc = read_hindcast(write_hindcast(tmp_path / "one.csv", {"L": [(3, 4, 9.5, 1.25)]}, hours=48, sites=("L",)))
    assert hc.sites == ("L",) and len(hc.times) == 48
    assert hc.wind_m_per_s["L"][3] == 9.5 and hc.hs_m["L"][3] == 1.25 and hc.wind_m_per_s["L"][4] == 5.0


def test_voyage_records_have_exactly_the_declared_fields():
    from shuttle_sim.components.records import Voyage

    r = ss.simulate(build(distinct(horizon="100 h")))
    assert len(set(Voyage._fields)) == len(Voyage._fields)
    assert type(r.voyages[0]) is Voyage
    assert r.voyages[0]._asdict().keys() == set(Voyage._fields)
    assert len(r.voyages[0]) == len(Voyage._fields)


def test_without_arrival_spacing_the_fleet_arrives_together():
    d = distinct(horizon="100 h", load_port={"berths": 2}, discharge_port={"berths": 2})
    d["fleet"]["tankers"][0]["count"] = 2
    r = ss.simulate(build(d), seed=5, replication=2)
    assert [v.load_arrive_h for v in r.voyages] == [0.0, 0.0]
    assert [v.discharge_depart_h for v in r.voyages] == [49.5, 49.5]
    assert (r.seed, r.replication, r.horizon_h, r.scenario_name) == (5, 2, 100.0, "cycle")
