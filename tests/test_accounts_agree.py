"""Independent accounts of the same hours agree (charged-when-begun against accrued).

The model keeps several accounts of one quantity, updated at different moments by
different code:

* a port's weather holds by operation (``Terminal.hold_h``, charged in full as each hold
  *begins*) against its berths' ``weather`` occupancy (accrued up to the horizon);
* the ports' anchorage weather (``Terminal.anchorage_weather_h``, charged as each wait
  begins) against the ships' ``anchorage_weather`` budget (accrued);
* the dispatch waits (``Terminal.dispatch_waits_h``, one per admitted call) against the
  ships' ``anchorage_cargo``/``anchorage_ullage``/``anchorage_programme`` budget;
* the queue waits (``Terminal.queue_waits_h``, one per completed call) against the ships'
  ``queueing`` budget and the voyage records' ``*_queue_h``;
* the voyage records' ``*_weather_h`` against the port accounts they are part of;
* the ferries' budget against their trip records and their passages' sheltered hours.

A charged-when-begun account takes back, at the horizon, the unfinished part of a hold in
progress then (``Terminal.close``, ``BookedSteps.refund``): the two are *equal* at any
horizon, also one inside a hold (which a warm-up's end is as much as the run's end).  The random
scenarios add the port-call policies (``dispatch``, ``leave_berth``, ``departure:
passage_window``, ``leave_berth_after``) to ``rich_scenarios``, so that every path that
charges a hold is exercised.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shuttle_sim as ss
from shuttle_sim.components.tanker import TANKER_STATES
from shuttle_sim.model import World
from shuttle_sim.results import collect

from .conftest import build
from .strategies import rich_scenarios
from .test_ferry import ferry_scenarios

TOL = 1e-6
ANCHORAGE_DISPATCH = ("anchorage_cargo", "anchorage_ullage", "anchorage_programme")


@st.composite
def policy_scenarios(draw):
    """``rich_scenarios`` with, each maybe: ``dispatch: ready`` (and a programme),
    ``leave_berth`` limits low enough to act, ``route.departure: passage_window`` with
    or without a forecast horizon, and ``leave_berth_after`` on the breakdowns."""
    d = draw(rich_scenarios())
    if draw(st.booleans()):  # every step of a call fixed: the budgets then follow from the records
        for key in ("load_port", "discharge_port"):
            for x in ("arrival_formalities", "berthing", "pre_transfer", "post_transfer", "unberthing"):
                d[key][x] = f"{draw(st.floats(0, 5))!r} h"
    for key in ("load_port", "discharge_port"):
        if draw(st.booleans()):
            ds = {"policy": draw(st.sampled_from(["free", "ready"]))}
            if draw(st.booleans()):
                ds["programme"] = {"cargoes": [draw(st.integers(0, 6))] * 12}
            d[key]["dispatch"] = ds
        if draw(st.booleans()):
            d[key]["leave_berth"] = {"max_wind": f"{draw(st.floats(10, 30))!r} m/s", "lead": draw(
                st.floats(0, 6).map(lambda v: f"{v!r} h"))}
    if "passage_limits" in d["route"] and draw(st.booleans()):
        d["route"]["departure"] = "passage_window"
        if draw(st.booleans()):
            d["route"]["forecast_horizon"] = f"{draw(st.floats(1, 48))!r} h"
    for c in d["fleet"]["tankers"]:
        if "breakdowns" in c:
            c["breakdowns"]["clock"] = draw(st.sampled_from(["calendar", "operating"]))
            if draw(st.booleans()):
                c["breakdowns"]["leave_berth_after"] = f"{draw(st.floats(0, 30))!r} h"
    return d


def _run(s, seed):
    w = World(s, seed=seed)
    w.run()
    return w, collect(w, seed, 0, w.horizon_h, 0.0)


def check_accounts(s, w, r):
    k = r.kpis
    ships, ports = w.tankers, (("load", w.load), ("discharge", w.discharge))
    fleet = {state: sum(t.budget_h[state] for t in ships) for state in TANKER_STATES}
    # calls: a voyage record is made as its discharge call ends
    assert w.discharge.ship_calls == len(r.voyages)
    assert 0 <= w.load.ship_calls - len(r.voyages) <= len(ships)
    anchorage_total = 0.0
    for role, term in ports:
        assert len(term.queue_waits_h) == term.ship_calls
        # weather holds by operation (charged as they begin, the rest of one in progress
        # taken back at the horizon) against the berths' weather hours (accrued): equal,
        # also with a ship in a weather hold alongside at the horizon
        holds = sum(term.hold_h.values())
        berth_weather = term.occupancy_h["weather"]
        assert holds == pytest.approx(berth_weather, abs=TOL), (role, dict(term.hold_h), berth_weather)
        assert k[f"{role}_weather_hold_h"] == berth_weather
        # the records' weather is part of the port's: holds at the berth and at anchorage
        rec_weather = sum(getattr(v, f"{role}_weather_h") for v in r.voyages)
        assert rec_weather <= holds + term.anchorage_weather_h + TOL, role
        # queue waits: the records' are the port's for the calls they cover
        rec_queue = sum(getattr(v, f"{role}_queue_h") for v in r.voyages)
        assert rec_queue <= sum(term.queue_waits_h) + TOL
        if role == "discharge":  # the same calls: each record's wait is the KPI's
            assert [v.discharge_queue_h for v in r.voyages] == term.queue_waits_h
        # dispatch waits (recorded at admission) against the records'
        rec_anch = sum(getattr(v, f"{role}_anchorage_{'cargo' if role == 'load' else 'ullage'}_h") for v in r.voyages)
        assert rec_anch <= sum(term.dispatch_waits_h) + TOL
        anchorage_total += term.anchorage_weather_h
    # the closure records against the closed fractions (the same timelines, two codes)
    for role, _ in ports:
        for op in ("berthing", "transfer", "unberthing"):
            spells = [c for c in r.weather_closures if c.port == role and c.operation == op]
            assert all(0 <= c.start_h < c.end_h <= w.horizon_h for c in spells)
            assert sum(c.end_h - c.start_h for c in spells) == pytest.approx(
                k[f"{role}_closed_{op}_frac"] * w.horizon_h, abs=TOL)
    # anchorage weather (charged as each wait begins, the rest taken back at the horizon)
    # against the ships' budget (accrued): equal
    assert anchorage_total == pytest.approx(fleet["anchorage_weather"], abs=TOL)
    # queueing: every completed call's wait is in the ships' budget
    assert sum(sum(term.queue_waits_h) for _, term in ports) <= fleet["queueing"] + TOL
    # dispatch waits (recorded at admission) against the ships' anchorage hours
    waits = sum(sum(term.dispatch_waits_h) for _, term in ports)
    assert waits <= sum(fleet[x] for x in ANCHORAGE_DISPATCH) + TOL
    if not any(t.clock.state in ANCHORAGE_DISPATCH for t in ships):
        assert waits == pytest.approx(sum(fleet[x] for x in ANCHORAGE_DISPATCH), abs=TOL)
    # a ship's port weather is the berths' weather (the coupled clocks) plus its sea weather
    assert fleet["weather"] == pytest.approx(
        w.load.occupancy_h["weather"] + w.discharge.occupancy_h["weather"] + k["sea_weather_hold_h"], abs=TOL)


QUIET = ("sailing_ballast", "off_hire", "positioning")  # no port call in progress, every call recorded


def quiet_times(r, n_ships: int, horizon_h: float) -> list[float]:
    """Moments at which, by the records of a run to ``horizon_h``, every ship is between
    the end of a voyage (or its start) and its next arrival at the load port."""
    by_ship: dict = {}
    for v in r.voyages:
        by_ship.setdefault(v.tanker, []).append(v)
    if len(by_ship) < n_ships:
        return []
    spans = []
    for vs in by_ship.values():
        vs.sort(key=lambda v: v.voyage)
        ends = [v.discharge_depart_h for v in vs]
        starts = [v.load_arrive_h for v in vs[1:]] + [horizon_h]
        spans.append(list(zip(ends, starts)))
    common = spans[0]
    for other in spans[1:]:
        common = [(max(a, c), min(b, d)) for a, b in common for c, d in other if min(b, d) > max(a, c)]
    return [(a + b) / 2 for a, b in common if b - a > 1e-3][-2:]


def check_quiet(s, w, r):
    """Every call recorded, none in progress: each account equals its records exactly."""
    ships = w.tankers
    assert w.load.ship_calls == w.discharge.ship_calls == len(r.voyages)
    for role, term in (("load", w.load), ("discharge", w.discharge)):
        rec = lambda f: sum(getattr(v, f) for v in r.voyages)  # noqa: E731
        assert rec(f"{role}_weather_h") == pytest.approx(sum(term.hold_h.values()) + term.anchorage_weather_h,
                                                          abs=TOL), (role, dict(term.hold_h), term.anchorage_weather_h)
        assert term.occupancy_h["weather"] == pytest.approx(sum(term.hold_h.values()), abs=TOL), role
        assert rec(f"{role}_queue_h") == pytest.approx(sum(term.queue_waits_h), abs=TOL)
        anch = f"{role}_anchorage_{'cargo' if role == 'load' else 'ullage'}_h"
        assert rec(anch) == pytest.approx(sum(term.dispatch_waits_h), abs=TOL)
    load_rate = s.load_port.transfer_rate_t_per_h
    L, D = s.load_port, s.discharge_port
    # fixed step durations: every call's steps are the voyage count times them (a storm
    # departure or a tow adds a berthing, and perhaps an unberthing and formalities)
    fixed = all(getattr(p, x).is_fixed for p in (L, D)
                for x in ("arrival_formalities", "berthing", "pre_transfer", "post_transfer", "unberthing"))
    again = w.load.storm_departures + w.load.left_berth_broken + w.discharge.storm_departures \
        + w.discharge.left_berth_broken
    per_voyage = {
        "arrival_formalities": L.arrival_formalities.mean_h + D.arrival_formalities.mean_h,
        "berthing": L.berthing.mean_h + L.unberthing.mean_h + D.berthing.mean_h + D.unberthing.mean_h,
        "pre_transfer_formalities": L.pre_transfer.mean_h + D.pre_transfer.mean_h,
        "post_transfer_formalities": L.post_transfer.mean_h + D.post_transfer.mean_h,
    }
    for t in ships:
        vs = [v for v in r.voyages if v.tanker == t.name]
        b = t.budget_h
        if fixed and again == 0:
            for state, h in per_voyage.items():
                assert b[state] == pytest.approx(len(vs) * h, rel=1e-12, abs=TOL), (t.name, state)
        # every laden passage done: its hours of way, the sheltering moved out of them
        assert b["sailing_laden"] == pytest.approx(len(vs) * t.laden_h, abs=TOL), t.name
        # transferring is the time at the requested rate (the farm's slowing is waiting_*)
        dis_rate = s.discharge_port.transfer_rate_t_per_h
        if t.spec.discharge_pump_rate_t_per_h is not None:
            dis_rate = min(dis_rate, t.spec.discharge_pump_rate_t_per_h)
        cargo = sum(v.cargo_t for v in vs)
        assert b["transferring"] == pytest.approx(cargo / load_rate + cargo / dis_rate, rel=1e-9, abs=TOL), t.name
        both = lambda f: sum(getattr(v, f"load_{f}") + getattr(v, f"discharge_{f}") for v in vs)  # noqa: E731
        port_weather = b["weather"] - t.passage.weather_h + b["anchorage_weather"]
        assert port_weather == pytest.approx(both("weather_h"), abs=TOL), (t.name, port_weather)
        assert b["queueing"] == pytest.approx(both("queue_h"), abs=TOL), t.name
        assert b["waiting_cargo"] == pytest.approx(sum(v.load_wait_cargo_h for v in vs), abs=TOL), t.name
        assert b["waiting_ullage"] == pytest.approx(sum(v.discharge_wait_ullage_h for v in vs), abs=TOL), t.name
        assert sum(b[x] for x in ANCHORAGE_DISPATCH) == pytest.approx(
            sum(v.load_anchorage_cargo_h + v.discharge_anchorage_ullage_h for v in vs), abs=TOL), t.name


@settings(max_examples=80, deadline=None)
@given(d=policy_scenarios(), seed=st.integers(0, 2**32 - 1))
def test_tanker_accounts_agree(d, seed):
    s = build(d)
    w, r = _run(s, seed)
    check_accounts(s, w, r)
    # again at moments when no ship is in a port call: every account equals its records
    for T in quiet_times(r, len(w.tankers), w.horizon_h):
        q = World(s, seed=seed)  # the same timelines, run to T (as the warm-up's world)
        q.run(T)
        if all(t.clock.state in QUIET for t in q.tankers):
            check_quiet(s, q, collect(q, seed, 0, T, 0.0, closures=False))


# ------------------------------------------------------------------ ferries
@st.composite
def ferry_weather_scenarios(draw):
    """``test_ferry.ferry_scenarios`` with closures at sea and at both ports (limits on
    berthing, handling and unberthing, each maybe), and maybe breakdowns that tow a
    ferry off its berth."""
    d = draw(ferry_scenarios())
    closures = lambda: {"open": {"dist": "exponential", "mean": f"{draw(st.floats(5, 80))!r} h"},  # noqa: E731
                        "closed": {"dist": "exponential", "mean": f"{draw(st.floats(1, 20))!r} h"}}
    d["weather"] = {"source": "closures", "sites": {x: closures() for x in ("p", "a", "s")}}
    f = d["ferry"]
    f["crossing"] = {**f["crossing"], "weather_site": "s", "passage_limits": {"max_hs": "1 m"}}
    for key, site in (("port", "p"), ("arrival_port", "a")):
        # fixed handling, so that the trip records give every call's hours of work
        f[key] = {**f[key], "berthing": "1 h", "unberthing": "1 h", "handling": f"{draw(st.floats(1, 12))!r} h",
                  "handling_per_wagon": f"{draw(st.floats(0, 0.2))!r} h"}
        if draw(st.booleans()):  # a closed site stops every operation there (closures source)
            f[key]["weather_site"] = site
    if draw(st.booleans()):
        br = {"mtbf": {"dist": "exponential", "mean": f"{draw(st.floats(20, 300))!r} h"},
              "mttr": {"dist": "exponential", "mean": f"{draw(st.floats(1, 40))!r} h"}}
        br["clock"] = draw(st.sampled_from(["calendar", "operating"]))
        if draw(st.booleans()):
            br["leave_berth_after"] = f"{draw(st.floats(0, 30))!r} h"
        f["ferries"] = {**f["ferries"], "breakdowns": br}
    if draw(st.booleans()):
        f["ferries"] = {**f["ferries"], "dry_dock": {"every": f"{draw(st.floats(50, 1000))!r} h",
                                                     "duration": f"{draw(st.floats(0, 60))!r} h"}}
    if draw(st.booleans()):  # a load line and a depth that may limit the load
        f["ferries"] = {**f["ferries"], "draft": {"light": "3 m", "loaded": "5 m"}}
        trend = draw(st.floats(-3, 0)) if draw(st.booleans()) else None
        # deep enough for the light ferries at the end of the horizon (else a config error)
        fall_m = -trend * float(d["horizon"].split()[0]) / 8760 if trend is not None else 0.0
        f["port"]["depth"] = {"as_of": "2025-01-01", "berth_max_draft": f"{draw(st.floats(3.01, 5.5)) + fall_m!r} m"}
        if trend is not None:
            d["sea_level"] = {"trend_per_yr": f"{trend!r} m"}
    if draw(st.booleans()):
        f["other_cargo"] = {"wagons_per_day": draw(st.floats(1, 100)), "train_wagons": draw(st.integers(1, min(20, f["yard"]["capacity_wagons"]))),
                            "rail_to_port": "5 h"}
    return d


def check_ferry(s, w):
    fr, sp = w.ferry, s.ferry
    b = fr.budget_h
    crossing_h = sp.crossing.distance_nmi / sp.ferries.speed_kn
    assert sum(b.values()) == pytest.approx(sp.ferries.count * w.horizon_h, abs=TOL)
    # the budget's weather is every hour sheltered at sea and in handling (the passages'
    # own accounts) plus the holds before berthing and unberthing at a port with weather
    sheltered = sum(f.sea.weather_h for f in fr.ships) + fr.handling_weather_h()
    assert b["weather"] >= sheltered - TOL
    if sp.port.weather_site is None and sp.arrival_port.weather_site is None:
        assert b["weather"] == pytest.approx(sheltered, abs=TOL)
    # crossings: each record took at least its sailing time; the fleet's sailing hours are
    # the crossings completed (out and back) plus at most one under way per ferry
    lo = hi = 0.0
    for f in fr.ships:
        trips = [t for t in fr.trip_records if t.ferry == f.i]
        arrived = sum(1 for t in trips if not math.isnan(t.arrive_h))
        assert 0 <= len(trips) - arrived <= 1
        lo += (arrived + max(len(trips) - 1, 0)) * crossing_h
        hi += (2 * arrived + 1) * crossing_h
    assert lo - TOL <= b["sailing"] <= hi + TOL
    for t in fr.trip_records:
        assert t.wagons + t.other_wagons <= t.load_limit <= sp.ferries.capacity_wagons
        if not math.isnan(t.arrive_h):
            assert t.arrive_h - t.leave_port_h >= crossing_h * (1 - 1e-12) - TOL
    # handling hours (the budget's, pauses excluded) against the work the trip records
    # imply: the yard port's call of every crossing and the arrival port's of every
    # crossing followed by another are done; at most one call per ferry is under way
    hp, wp = sp.port.handling.mean_h, sp.port.handling_per_wagon_h
    ha, wa = sp.arrival_port.handling.mean_h, sp.arrival_port.handling_per_wagon_h
    cap = sp.ferries.capacity_wagons
    done = open_ = 0.0
    for f in fr.ships:
        trips = [t for t in fr.trip_records if t.ferry == f.i]
        landed = 0
        for j, t in enumerate(trips):
            done += hp + wp * (landed + t.wagons + t.other_wagons)
            if j + 1 < len(trips):
                done += ha + wa * (t.wagons + t.other_wagons + t.empties_back)
            landed = t.empties_back
        last = trips[-1] if trips else None
        if last is not None and not math.isnan(last.arrive_h):  # its arrival call, maybe done
            open_ += ha + wa * (last.wagons + last.other_wagons + cap)
        open_ += hp + wp * (cap + cap)
    assert done - TOL <= b["handling"] <= done + open_ + TOL, (done, b["handling"], open_)
    # oil wagons landed at the arrival port came on crossings that arrived; the rest of
    # those recorded are still aboard
    assert fr.crossed_wagons <= sum(t.wagons for t in fr.trip_records if not math.isnan(t.arrive_h))
    aboard = sum(fr.moving[f"ferry{f.i}_loaded"] for f in fr.ships)
    assert fr.crossed_wagons <= sum(t.wagons for t in fr.trip_records) <= fr.crossed_wagons + aboard
    # per ferry: a crossing back between two crossings out; at most max_wait at the yard
    # per call; with no tow, one berthing and one unberthing (1 h each) per port call
    n_calls = 0
    manoeuvres_lo = manoeuvres_hi = 0.0
    for f in fr.ships:
        trips = [t for t in fr.trip_records if t.ferry == f.i]
        for a, b_ in zip(trips, trips[1:]):
            assert b_.leave_port_h - a.arrive_h >= crossing_h * (1 - 1e-12) - TOL
        n_calls += len(trips) + 1
        done = 2 * len(trips) + 2 * max(len(trips) - 1, 0)
        manoeuvres_lo += done
        manoeuvres_hi += done + 4
    assert b["waiting_wagons"] <= n_calls * sp.ferries.max_wait_h + TOL
    # draft-limited trips are counted as the yard call begins, recorded as the ferry leaves
    limited = sum(1 for t in fr.trip_records if t.load_limit < sp.ferries.capacity_wagons)
    assert limited <= fr.draft_limited_trips <= limited + sp.ferries.count
    if fr.left_berth_broken == 0:
        assert manoeuvres_lo - TOL <= b["berthing"] <= manoeuvres_hi + TOL, (manoeuvres_lo, b["berthing"])


@settings(max_examples=60, deadline=None)
@given(d=ferry_weather_scenarios(), seed=st.integers(0, 2**32 - 1))
def test_ferry_accounts_agree(d, seed):
    s = ss.scenario_from_dict(d)
    w = World(s, seed=seed)
    w.run()
    check_ferry(s, w)


# ------------------------------------------------------------------ a warm-up window
def check_window(s, r):
    """The accounts of a result measured over [warm-up, horizon] (``shuttle_sim.window``)
    agree as those of a whole run do: every tanker-hour of the window in one state, the
    ships' weather against the berths' and the sea's, and the per-call means against the
    voyages completed in the window."""
    k, W, H = r.kpis, r.warmup_h, r.horizon_h
    span, n = H - W, len(r.tankers)
    for t in r.tankers:
        assert sum(v for key, v in t.items() if key.endswith("_h")) == pytest.approx(span, abs=TOL), t["tanker"]
    assert k["voyages"] == len(r.voyages) == sum(t["voyages"] for t in r.tankers)
    assert k["discharge_calls"] == len(r.voyages)
    assert k["tanker_weather_frac"] * n * span == pytest.approx(k["weather_hold_h"], abs=TOL)
    for state in ("queueing", "weather", "transferring", "anchorage_weather"):
        assert k[f"tanker_{state}_frac"] * n * span == pytest.approx(sum(t[f"{state}_h"] for t in r.tankers), abs=TOL)
    waits = [v.discharge_queue_h for v in r.voyages]
    assert k["discharge_queue_wait_mean_h"] == pytest.approx(sum(waits) / len(waits) if waits else 0.0, abs=TOL)
    assert k["discharge_queue_wait_max_h"] == pytest.approx(max(waits, default=0.0), abs=TOL)
    for role, spec in (("load", s.load_port), ("discharge", s.discharge_port)):
        busy = sum(k[f"{role}_berth_{x}_frac"] for x in ("berthing", "formalities", "transferring", "waiting_cargo",
                                                       "waiting_ullage", "weather", "failed", "other_traffic"))
        assert busy <= 1 + 1e-9 and k[f"{role}_berth_idle_frac"] == pytest.approx(1 - busy, abs=1e-9)
        assert k[f"{role}_weather_hold_h"] == pytest.approx(k[f"{role}_berth_weather_frac"] * spec.berths * span,
                                                            abs=TOL)


@settings(max_examples=25, deadline=None)
@given(d=policy_scenarios(), seed=st.integers(0, 2**32 - 1), frac=st.floats(0.05, 0.6))
def test_window_accounts_agree(d, seed, frac):
    hours = float(d["horizon"].split()[0])
    d["warmup"] = f"{hours * frac!r} h"
    s = build(d)
    check_window(s, ss.simulate(s, seed=seed))


def test_ferry_handling_stopped_by_the_port_before_a_long_breakdown_is_weather(tmp_path):
    """Found by ``check_ferry``'s handling bound.  The ferry_dict ferry berths at 0 h, its
    54 wagons reach the yard at 11 h and it starts 20 h of handling; the port's transfer
    limit (15 m/s) is exceeded 20-24 h; the ferry is out of service 24-72 h (scripted),
    longer than ``leave_berth_after`` (12 h), so it is towed off at 36 h.  Handling
    works 11-20 h (9 h), is stopped by the weather 20-24 h (4 h) and by the breakdown
    from 24 h.  The 20-24 h hours used to be charged as handling: the handling ran to
    the breakdown in one timeout (meant for round-off only)."""
    from .test_ferry import ferry_dict
    from .test_mechanisms import write_hindcast

    d = ferry_dict(port={"handling": "20 h", "weather_site": "K", "limits": {"transfer": {"max_wind": "15 m/s"}}},
                   ferries={"breakdowns": {"mtbf": "1e6 h", "mttr": "1 h", "leave_berth_after": "12 h"}})
    d.update(start_date="2025-01-01", disruptions=[{"target": "ferry", "index": 0, "start": "2025-01-02",
                                                    "end": "2025-01-04"}],
             weather={"source": "hindcast",
                      "file": write_hindcast(tmp_path / "hc.csv", {"K": [(20, 24, 20.0, 0.5)]}, sites=("K",))})
    s = ss.scenario_from_dict(d)
    for horizon_h, weather_h, breakdown_h in ((22.0, 2.0, 0.0), (30.0, 4.0, 6.0), (40.0, 4.0, 16.0)):
        w = World(s, horizon_h=horizon_h)
        w.run()
        b = w.ferry.budget_h
        assert (b["waiting_wagons"], b["handling"], b["weather"], b["breakdown"]) == (11.0, 9.0, weather_h, breakdown_h)
        assert w.ferry.handling_weather_h() == weather_h
    assert w.ferry.left_berth_broken == 1


def test_programme_waits_are_in_the_per_call_anchorage_measures():
    """One ship on the 62 h cycle of ``conftest.cycle_dict`` with a programme of one
    cargo a month at L (no cover rule): its second and third loadings wait at anchorage
    for February (744 h) and March (1416 h), its fourth from 1478 h to the horizon
    (1500 h) for April.  The ship's budget charges those waits to
    ``anchorage_programme``, none to ``anchorage_cargo``; the voyage record's
    ``load_anchorage_cargo_h`` and ``load_anchorage_wait_*`` count them (their labels
    say so since this test)."""
    from .conftest import cycle_dict, port

    d = cycle_dict(horizon="1500 h", start_date="2025-01-01", load_port=port("L", dispatch={"programme": {
        "cargoes": [1] * 12}}))
    r = ss.simulate(build(d))
    t = r.tankers[0]
    assert (t["anchorage_cargo_h"], t["anchorage_programme_h"], t["queueing_h"]) == (0.0, 1314.0, 0.0)
    # voyage 0 loads at 0 h and is back at 62 h: it waits to 744 h, then to 1416 h
    assert [v.load_anchorage_cargo_h for v in r.voyages] == [0.0, 682.0, 610.0]
    assert sum(v.load_anchorage_cargo_h for v in r.voyages) + 22.0 == t["anchorage_programme_h"]
    assert r.kpis["load_anchorage_wait_max_h"] == 682.0
