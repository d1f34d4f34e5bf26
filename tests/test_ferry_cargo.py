"""Ferries and the yard (issue 15, item 3): slots shared with other cargo, a yard that
counts only wagons at the port, handling by the wagon and held by the transfer limit,
draft-limited loads, and a ferry that leaves its berth when broken down too long."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shuttle_sim as ss
from shuttle_sim.components.yard import Yard
from shuttle_sim.engine import Engine
from shuttle_sim.model import World

from shuttle_sim.cli import main

from .conftest import CONFIGS
from .test_ferry import ferry_dict


# ------------------------------------------------------------------ the yard alone
def test_yard_loads_first_come_first_served_across_cargoes():
    env = Engine()
    y = Yard(env, 100)
    for kind, n in (("oil", 30), ("other", 20), ("oil", 10)):
        assert y.admit(n) is None
        y.enter(kind, n)
    assert (y.total, y.count) == (60, {"oil": 40, "other": 20})
    assert y.take(40) == {"oil": 30, "other": 10}  # the other train split at the ferry's capacity
    assert y.take(54) == {"oil": 10, "other": 10}
    assert y.total == 0 and y.take(5) == {"oil": 0, "other": 0}
    assert y.space.level == 40  # room comes back only when freed (wagons aboard)


def test_yard_counts_only_wagons_at_the_port():
    """Two tracks load two 54-wagon rakes by 1 h; the yard holds 54.  Both are sent (the
    yard at the port is empty: wagons on the rail are not in it) and are on the rail at
    5 h with the yard's room untouched.  At 11 h both reach Kuryk: the first fills the
    yard and the waiting ferry takes it at once; its room lets the second in."""
    d = ferry_dict(wagons={"count": 108}, station={"tracks": 2}, yard={"capacity_wagons": 54})
    s = ss.scenario_from_dict(d)
    w = World(s, horizon_h=200)
    w.run(5.0)
    c = w.ferry.wagon_census()
    assert c["rail_to_port"] == 108 and c["yard_loaded"] == 0
    assert w.ferry.yard.space.level == 54
    w.run(11.5)
    c = w.ferry.wagon_census()
    assert (c["ferry0_loaded"], c["yard_loaded"], c["rail_to_port"], c.get("rail_held", 0)) == (54, 54, 0, 0)
    assert w.ferry.yard.space.level == 0


def test_train_finding_the_yard_full_waits_on_the_approach():
    """Yard of 54, no ferry for 100 h: rake 1 fills the yard at 11 h; rake 2, sent at 1 h
    when the yard was empty, waits on the approach from 11 h; no third rake is sent."""
    d = ferry_dict(wagons={"count": 162}, station={"tracks": 3}, yard={"capacity_wagons": 54},
                   ferries={"arrival_spacing": "100 h", "count": 2})
    w = World(ss.scenario_from_dict(d), horizon_h=300)
    w.run(1.5)  # three rakes loaded by 1 h; the yard empty: all three sent
    assert w.ferry.wagon_census()["rail_to_port"] == 162
    w.run(12.0)
    c = w.ferry.wagon_census()
    # ferry 0 berthed at 0 and took rake 1 at 11 h; rake 2 is in the yard, rake 3 held
    assert (c["ferry0_loaded"], c["yard_loaded"], c["rail_held"]) == (54, 54, 54)
    assert w.ferry.yard.total == 54 <= 54


# ------------------------------------------------------------------ handling and weather
def test_handling_is_fixed_plus_per_wagon_and_held_by_the_transfer_limit():
    """Handling 2 h + 0.1 h per wagon moved.  The ferry waits at Kuryk from 0 h; the rake
    arrives at 11 h: 54 wagons, 2 + 5.4 = 7.4 h of handling.  Kuryk is closed (every
    operation, transfer included) from 13 h to 15 h, so the handling stops for 2 h and
    the ferry leaves at 11 + 7.4 + 2 = 20.4 h.  At Alat (no weather) it lands the 54 and
    takes no empties: 7.4 h, from 40.4 h to 47.8 h."""
    d = ferry_dict(port={"handling": "2 h", "handling_per_wagon": "0.1 h", "weather_site": "kuryk"},
                   arrival_port={"handling": "2 h", "handling_per_wagon": "0.1 h"})
    d["weather"] = {"source": "closures", "sites": {"kuryk": {"open": "13 h", "closed": "2 h"}}}
    s = ss.scenario_from_dict(d)
    w = World(s, horizon_h=60.0)
    gate = w.ferry.weather["port"]["transfer"]
    assert (gate.starts[:2], gate.ends[:2]) == ([0.0, 15.0], [13.0, 28.0])  # the hand-built storm
    w.run()
    first = w.ferry.trip_records[0]
    assert (first.leave_port_h, first.wagons, first.arrive_h) == (pytest.approx(20.4, abs=1e-9), 54,
                                                                  pytest.approx(40.4, abs=1e-9))
    assert w.ferry.handling_weather_h() == pytest.approx(2.0, abs=1e-9)
    assert w.ferry.budget_h["handling"] == pytest.approx(7.4 + 7.4, abs=1e-9)
    assert w.ferry.budget_h["weather"] == pytest.approx(2.0, abs=1e-9)
    k = ss.simulate(s, horizon_h=60.0).kpis
    assert k["ferry_handling_weather_hold_h"] == pytest.approx(2.0, abs=1e-9)


def test_empty_ferry_handles_faster_than_a_full_one():
    """Only the fixed part for a ferry that moves nothing: with no wagons at all it
    berths at 0, waits its 24 h maximum, handles 2 h and leaves at 26 h."""
    d = ferry_dict(port={"handling": "2 h", "handling_per_wagon": "0.1 h"}, station={"tank_farm": {
        "capacity": "1000 t", "initial_level": "0 t"}})
    d["supply"] = {"rate": "0 t/h"}
    w = World(ss.scenario_from_dict(d), horizon_h=30.0)
    w.run()
    assert (w.ferry.trip_records[0].leave_port_h, w.ferry.trip_records[0].wagons) == (26.0, 0)


# ------------------------------------------------------------------ draft
def test_draft_limits_the_load_by_hand():
    """Load line 3.6 m empty, 4.4 m with 54 wagons; Kuryk allows 4.35 m: 54 x 0.75 / 0.8
    = 50.6, so 50 wagons a trip; the rest wait in the yard for the next ferry."""
    d = ferry_dict(wagons={"count": 2000}, station={"tracks": 2},
                   ferries={"draft": {"light": "3.6 m", "loaded": "4.4 m"}},
                   port={"depth": {"as_of": "2025-01-01", "berth_max_draft": "4.35 m"}})
    r = ss.simulate(ss.scenario_from_dict(d), horizon_h=600)
    loads = [t.wagons for t in r.ferry_trips]
    assert loads[0] == 50 and max(loads) == 50
    assert all(t.load_limit == 50 for t in r.ferry_trips)
    assert r.kpis["ferry_draft_limited_trips"] >= len(loads)
    # no depth: never limited
    d2 = ferry_dict(wagons={"count": 2000}, station={"tracks": 2}, ferries={"draft": {"light": "3.6 m", "loaded": "4.4 m"}})
    r2 = ss.simulate(ss.scenario_from_dict(d2), horizon_h=600)
    assert max(t.wagons for t in r2.ferry_trips) == 54 and r2.kpis["ferry_draft_limited_trips"] == 0


def test_ferry_that_cannot_float_is_rejected():
    d = ferry_dict(ferries={"draft": {"light": "3.6 m", "loaded": "4.4 m"}},
                   arrival_port={"depth": {"as_of": "2025-01-01", "berth_max_draft": "3.0 m"}})
    with pytest.raises(ss.ConfigError, match=r"ferry.ferries.draft.light: expected the ferries to fit Alat "
                                             r"\(max draft 3.00 m in the horizon\), found light draft 3.6 m"):
        ss.scenario_from_dict(d)


def _kuryk_with_sea_level(tmp_path, trend: str):
    """kuryk_ferry (light draft 3.6 m; Kuryk 4.35 m as of its start, 2025-01-01; 1 yr =
    8,760 h) with the sea falling ``trend`` a year."""
    p = tmp_path / "kuryk.yaml"
    p.write_text((CONFIGS / "kuryk_ferry.yaml").read_text() + f"sea_level: {{trend_per_yr: {trend}}}\n")
    return p


def test_ferry_port_too_shallow_within_the_horizon_is_rejected(tmp_path, capsys):
    """Kuryk allows 4.35 m on day 0, deep enough; with the sea falling 0.76 m a year it
    allows 4.35 - 0.76 = 3.59 m at the end of the year, under the ferries' 3.6 m light
    draft: a validation error (as for a tanker class, components.draft.fit_problems),
    not a year of empty ferries.  Falling 0.74 m it ends at 3.61 m: accepted."""
    bad = _kuryk_with_sea_level(tmp_path, "-0.76 m")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    line = next(i for i, ln in enumerate(bad.read_text().splitlines(), 1) if "draft: {light: 3.6 m" in ln)
    assert err == [f"{bad}:{line}: ferry.ferries.draft.light: expected the ferries to fit Kuryk (max draft 3.59 m "
                   "in the horizon), found light draft 3.6 m"]
    ok = _kuryk_with_sea_level(tmp_path, "-0.74 m")
    assert main(["validate", str(ok)]) == 0
    s = ss.load_scenario(ok)
    from shuttle_sim.components.ferrydraft import FerryDrafts

    fd = FerryDrafts(s.ferry, s.start_date, -0.74)
    assert fd.max_draft_m(s.horizon_h) == pytest.approx(3.61, abs=1e-12)
    # the horizon decides, not the depth's date: 3.5 m as of 2027-01-01, two years after
    # the start, is 4.98 m on day 0 and 4.24 m at the end: it fits; 4.35 m as of a year
    # before the start (2024, 366 d) is 3.61 m on day 0 and 2.87 m at the end: it does not
    s.with_changes({"ferry.port.depth": {"as_of": "2027-01-01", "berth_max_draft": "3.5 m"}})
    with pytest.raises(ss.ConfigError, match="max draft 2.87 m in the horizon"):
        s.with_changes({"ferry.port.depth.as_of": "2024-01-01"})


def test_shipped_scenarios_fit_their_ports():
    """Every shipped scenario floats its ships at every port through its horizon."""
    from shuttle_sim.components.draft import fit_problems

    for p in sorted(CONFIGS.glob("*.yaml")):
        if p.stem != "costs":
            assert fit_problems(ss.load_scenario(p)) == [], p.name


# ------------------------------------------------------------------ leaving a berth broken down
def test_ferry_broken_down_at_a_berth_longer_than_the_limit_leaves_it():
    """One berth at Kuryk, two ferries.  The rake reaches the yard at 21 h (rail 20 h);
    ferry 0 handles from 21 h and is out of service from 24 h to 72 h (a scripted
    outage), 48 h > the 12 h limit: it stays until 36 h, is towed off and frees the
    berth.  Ferry 1 (arriving at 30 h) berths at 36 h, waits its 24 h for wagons (none
    left), handles 7 h and leaves empty at 67 h.  Ferry 0, repaired at 72 h, berths
    again and does the 4 h of handling left: it leaves with its 54 wagons at 76 h.
    Without the limit ferry 1 would have waited for the berth until 76 h."""
    brk = {"mtbf": "1e6 h", "mttr": "1 h", "leave_berth_after": "12 h"}
    d = ferry_dict(rail_to_port="20 h", ferries={"count": 2, "arrival_spacing": "30 h", "breakdowns": brk})
    d["disruptions"] = [{"target": "ferry", "index": 0, "start": "2025-01-02", "end": "2025-01-04"}]
    w = World(ss.scenario_from_dict(d), horizon_h=80.0)
    w.run()
    deps = [(t.ferry, t.leave_port_h, t.wagons) for t in w.ferry.trip_records]
    assert deps == [(1, 67.0, 0), (0, 76.0, 54)]
    assert w.ferry.left_berth_broken == 1
    assert w.ferry.budget_h["breakdown"] == pytest.approx(48.0)
    assert sum(w.ferry.budget_h.values()) == pytest.approx(2 * 80.0)
    # the same without the limit: ferry 0 keeps the berth through its repair
    d["ferry"]["ferries"]["breakdowns"] = {"mtbf": "1e6 h", "mttr": "1 h"}
    w = World(ss.scenario_from_dict(d), horizon_h=120.0)
    w.run()
    assert [(t.ferry, t.leave_port_h) for t in w.ferry.trip_records] == [(0, 76.0), (1, 107.0)]


def test_ferry_towed_off_when_ready_to_unberth_left_port_at_the_tow():
    """One ferry, rail 16 h: the rake is in the yard at 17 h, handled by 24 h, when the
    ferry breaks down until 48 h (a scripted outage); 24 h > the 12 h limit, so it is
    towed off at 36 h, waits for its repair and sails at 48 h, arriving at 68 h.  The
    record says it left Kuryk at the tow, 36 h (as a tanker's ``*_depart_h``), not at the
    repair.  Without the limit it keeps the berth and unberths (1 h) from 48 to 49 h."""
    brk = {"mtbf": "1e6 h", "mttr": "1 h", "leave_berth_after": "12 h"}
    d = ferry_dict(rail_to_port="16 h", port={"unberthing": "1 h"}, ferries={"breakdowns": brk})
    d["disruptions"] = [{"target": "ferry", "index": 0, "start": "2025-01-02", "end": "2025-01-03"}]
    w = World(ss.scenario_from_dict(d), horizon_h=70.0)
    w.run()
    t = w.ferry.trip_records[0]
    assert (t.leave_port_h, t.wagons, t.arrive_h) == (36.0, 54, 68.0)
    assert w.ferry.left_berth_broken == 1
    assert w.ferry.port_berths.count == 0  # the tow freed Kuryk's berth (the ferry is at Alat)
    assert w.ferry.budget_h["breakdown"] == 24.0
    d["ferry"]["ferries"]["breakdowns"] = {"mtbf": "1e6 h", "mttr": "1 h"}
    w = World(ss.scenario_from_dict(d), horizon_h=70.0)
    w.run()
    t = w.ferry.trip_records[0]
    assert (t.leave_port_h, t.arrive_h, w.ferry.left_berth_broken) == (49.0, 69.0, 0)


# ------------------------------------------------------------------ conservation
@st.composite
def shared_scenarios(draw):
    d = ferry_dict(
        wagons={"count": draw(st.integers(10, 300))},
        station={"rake_wagons": draw(st.integers(1, 10)), "tracks": draw(st.integers(1, 3)),
                 "tank_farm": {"capacity": "50000 t", "initial_level": f"{draw(st.floats(0, 50000))!r} t"}},
        yard={"capacity_wagons": draw(st.integers(10, 120))},
        ferries={"count": draw(st.integers(1, 3)), "capacity_wagons": draw(st.integers(1, 60)),
                 "max_wait": f"{draw(st.floats(0, 48))!r} h",
                 "breakdowns": {"clock": draw(st.sampled_from(["calendar", "operating"])),
                                "mtbf": {"dist": "exponential", "mean": "80 h"},
                                "mttr": {"dist": "exponential", "mean": "20 h"},
                                "leave_berth_after": f"{draw(st.floats(0, 30))!r} h"}},
        rail_to_port={"dist": "exponential", "mean": f"{draw(st.floats(1, 30))!r} h"},
        port={"handling": {"dist": "uniform", "low": "1 h", "high": "4 h"}, "handling_per_wagon": "0.05 h",
              "weather_site": "kuryk"},
    )
    d["ferry"]["other_cargo"] = {"wagons_per_day": draw(st.floats(1, 200)), "train_wagons": draw(st.integers(1, 10)),
                                 "rail_to_port": {"dist": "exponential", "mean": "10 h"}}
    if draw(st.booleans()):
        d["ferry"]["ferries"]["draft"] = {"light": "3 m", "loaded": "4 m"}
        d["ferry"]["port"]["depth"] = {"as_of": "2025-01-01", "berth_max_draft": f"{draw(st.floats(3, 4.5))!r} m"}
    d["weather"] = {"source": "closures", "sites": {"kuryk": {"open": {"dist": "exponential", "mean": "40 h"},
                                                              "closed": {"dist": "exponential", "mean": "8 h"}}}}
    d["supply"] = {"rate": f"{draw(st.floats(10, 3000))!r} t/h"}
    d["horizon"] = f"{draw(st.floats(100, 1200))!r} h"
    return d


@settings(max_examples=20, deadline=None)
@given(d=shared_scenarios(), seed=st.integers(0, 2**32 - 1))
def test_oil_and_other_wagons_are_conserved_and_slots_shared(d, seed):
    s = ss.scenario_from_dict(d)
    w = World(s, seed=seed)
    w.run()
    fr = w.ferry
    census = fr.wagon_census()
    assert all(v >= 0 for v in census.values())
    assert sum(census.values()) == s.ferry.wagons.count  # every oil wagon somewhere
    other = fr.other_census()
    arrived = other.pop("arrived", 0)
    assert all(v >= 0 for v in other.values())
    assert sum(other.values()) == arrived  # origin, rail, approach, yard, ferries, delivered
    assert fr.yard.total == census["yard_loaded"] + other["yard"] <= s.ferry.yard.capacity_wagons
    assert fr.yard.space.level + fr.yard.total == s.ferry.yard.capacity_wagons  # room = capacity less wagons in it
    cap = s.ferry.ferries.capacity_wagons
    for t in fr.trip_records:
        assert t.wagons + t.other_wagons <= t.load_limit <= cap  # slots shared, never exceeded
    # other wagons that left Kuryk: landed at Alat, or still aboard (a ferry loading at
    # the horizon has wagons aboard that no departure record shows yet)
    departed_other = sum(t.other_wagons for t in fr.trip_records)
    aboard_other = sum(v for k, v in other.items() if k.startswith("ferry"))
    assert other.get("delivered", 0) <= departed_other <= other.get("delivered", 0) + aboard_other
    assert sum(f.clock.totals is fr.budget_h for f in fr.ships) == s.ferry.ferries.count
    assert sum(fr.budget_h.values()) == pytest.approx(s.ferry.ferries.count * s.horizon_h, rel=1e-9)


def test_falling_sea_level_cuts_the_ferry_load_by_hand():
    """Kuryk 4.35 m as of 1 Jan 2025, the sea falling 0.2 m a year (a trend the model
    takes from the scenario's ``sea_level`` where there is one): 54 x 0.75 / 0.8 = 50.6
    -> 50 wagons on day 0, 54 x 0.55 / 0.8 = 37.1 -> 37 a year later; a depth dated a
    year before the start gives 4.15 m already on day 0."""
    import datetime as dt

    from shuttle_sim.components.ferrydraft import FerryDrafts

    d = ferry_dict(ferries={"draft": {"light": "3.6 m", "loaded": "4.4 m"}},
                   port={"depth": {"as_of": "2025-01-01", "berth_max_draft": "4.35 m"}})
    spec = ss.scenario_from_dict(d).ferry
    fd = FerryDrafts(spec, dt.date(2025, 1, 1), -0.2)
    assert (fd.load_limit(0.0), fd.load_limit(8760.0)) == (50, 37)
    assert fd.max_draft_m(8760.0) == pytest.approx(4.15, abs=1e-12)
    assert FerryDrafts(spec, dt.date(2026, 1, 1), -0.2).load_limit(0.0) == 37
    assert FerryDrafts(spec, dt.date(2025, 1, 1), 0.0).load_limit(1e6) == 50


def test_a_long_breakdown_beginning_in_a_weather_hold_before_unberthing_tows_the_ferry_off(tmp_path):
    """The ferry_dict ferry is handled 11-18 h; 20 m/s at Kuryk from 16 to 80 h is above
    its unberthing limit (15 m/s), so it is held at the berth from 18 h; it breaks down at
    24 h (out of service to 72 h), 48 h > the 12 h limit: towed off at 36 h, as during
    handling.  Weather 18-24 h, breakdown 24-72 h; the trip left Kuryk at the tow and
    crosses (20 h) after the repair: at Alat at 92 h.  Without the limit it is held until
    the wind drops at 80 h and unberths 80-81 h."""
    from .test_mechanisms import write_hindcast

    def run(breakdowns):
        d = ferry_dict(port={"unberthing": "1 h", "weather_site": "K", "limits": {"unberthing": {"max_wind": "15 m/s"}}},
                       ferries={"breakdowns": breakdowns})
        d.update(start_date="2025-01-01", disruptions=[{"target": "ferry", "index": 0, "start": "2025-01-02",
                                                        "end": "2025-01-04"}],
                 weather={"source": "hindcast",
                          "file": write_hindcast(tmp_path / "hc.csv", {"K": [(16, 80, 20.0, 0.5)]}, sites=("K",))})
        w = World(ss.scenario_from_dict(d), horizon_h=95.0)
        w.run()
        return w

    w = run({"mtbf": "1e6 h", "mttr": "1 h", "leave_berth_after": "12 h"})
    t = w.ferry.trip_records[0]
    assert (t.leave_port_h, t.wagons, t.arrive_h) == (36.0, 54, 92.0)
    assert w.ferry.left_berth_broken == 1 and w.ferry.port_berths.count == 0
    b = w.ferry.budget_h
    # handling: 7 h at Kuryk and 3 h at Alat before the horizon (95 h)
    assert (b["waiting_wagons"], b["handling"], b["weather"], b["breakdown"]) == (11.0, 7.0 + 3.0, 6.0, 48.0)
    t = run({"mtbf": "1e6 h", "mttr": "1 h"}).ferry.trip_records[0]
    assert t.leave_port_h == 81.0 and t.arrive_h != t.arrive_h  # at sea at the horizon (Alat at 101 h)


# ------------------------------------------------------------------ waiting to berth at anchorage
def test_a_ferry_broken_down_before_berthing_waits_at_anchorage_not_on_the_berth():
    """One berth at Kuryk, two ferries; ferry 0 is out of service from 0 to 48 h (a scripted
    outage), ferry 1 arrives at 5 h.  As a tanker does (steps 2b-4), ferry 0 waits for its
    repair at anchorage, not on the berth: ferry 1 berths at 5 h, takes the rake (in the
    yard at 11 h), handles 11-18 h and is at Alat at 38 h.  Ferry 0 berths at 48 h, waits
    its 24 h for wagons (none left), handles 7 h and leaves empty at 79 h, at Alat at 99 h;
    ferry 1, back at Kuryk at 65 h, queues to 79 h.  (Before, ferry 0 took the berth at
    0 h and held it broken down to 48 h while ferry 1 queued from 5 h to 55 h.)"""
    d = ferry_dict(ferries={"count": 2, "arrival_spacing": "5 h", "breakdowns": {"mtbf": "1e6 h", "mttr": "1 h"}})
    d.update(start_date="2025-01-01",
             disruptions=[{"target": "ferry", "index": 0, "start": "2025-01-01", "end": "2025-01-03"}])
    w = World(ss.scenario_from_dict(d), horizon_h=100.0)
    w.run(6.0)
    assert w.ferry.port_berths.count == 1 and w.ferry.ships[0].clock.state == "breakdown"
    w.run()
    trips = [(t.ferry, t.leave_port_h, t.wagons, t.arrive_h) for t in w.ferry.trip_records]
    assert trips == [(1, 18.0, 54, 38.0), (0, 79.0, 0, 99.0)]
    b = w.ferry.budget_h
    assert (b["breakdown"], b["queueing"], b["waiting_wagons"]) == (48.0, 14.0, 6.0 + 24.0 + 21.0)
    assert sum(b.values()) == 2 * 100.0


def test_a_berth_handed_over_when_the_berthing_window_has_closed_is_passed_on(tmp_path):
    """Two ferries, one berth; wind 17 m/s at Kuryk from 17 to 30 h closes berthing (limit
    15 m/s) but not unberthing (no limit).  Ferry 1 (arriving at 5 h) queues behind ferry
    0, which handles 11-18 h and leaves at 18 h; the berth handed over at 18 h finds the
    berthing window closed, so ferry 1 passes it on and waits at anchorage (weather)
    until 30 h, then berths: the berth stays free meanwhile.  Queueing 5-18 h, weather
    18-30 h; it then waits its 24 h for wagons and leaves empty at 30 + 24 + 7 = 61 h."""
    from .test_mechanisms import write_hindcast

    d = ferry_dict(port={"weather_site": "K", "limits": {"berthing": {"max_wind": "15 m/s"}}},
                   ferries={"count": 2, "arrival_spacing": "5 h"})
    d.update(start_date="2025-01-01",
             weather={"source": "hindcast",
                      "file": write_hindcast(tmp_path / "hc.csv", {"K": [(17, 30, 17.0, 0.5)]}, sites=("K",))})
    w = World(ss.scenario_from_dict(d), horizon_h=70.0)
    w.run(25.0)
    assert w.ferry.port_berths.count == 0 and w.ferry.ships[1].clock.state == "weather"
    w.run()
    assert [(t.ferry, t.leave_port_h, t.wagons) for t in w.ferry.trip_records] == [(0, 18.0, 54), (1, 61.0, 0)]
    b = w.ferry.budget_h
    assert (b["queueing"], b["weather"]) == (13.0, 12.0)
