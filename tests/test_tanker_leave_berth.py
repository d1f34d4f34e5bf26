"""A tanker broken down at a berth for longer than ``breakdowns.leave_berth_after`` is
towed off, frees the berth, waits for its repair at anchorage, queues again and finishes
its cargo (``components/towoff.py``, the rule the ferries follow too).

Hand cases use a scripted outage of tanker 0 (out of service from 2025-01-02 to
2025-01-04: hours 24 to 72) and ``mtbf`` of 1e6 h so that no random failure falls in the
horizon; the base case is ``conftest.cycle_dict`` (2 h berthing, 1 h unberthing, 200 nmi
at 12.5 kn: 16 h a passage, 5,000 t/h at the discharge port).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shuttle_sim as ss
from shuttle_sim.cli import main
from shuttle_sim.model import World

from .conftest import CONFIGS, build, cycle_dict, merge, port
from .strategies import rich_scenarios
from .test_conservation import check_oil, check_time, check_voyages

LIMIT = {"mtbf": "1e6 h", "mttr": "1 h", "leave_berth_after": "12 h"}
OUTAGE = [{"target": "tanker", "index": 0, "start": "2025-01-02", "end": "2025-01-04"}]


def two_tankers(breakdowns: dict, horizon_h: float = 200.0, **load_port) -> World:
    """Tankers T-1 (arriving at 0 h, out of service 24-72 h) and T-2 (arriving at 30 h)
    sharing the one berth at L."""
    d = cycle_dict(horizon=f"{horizon_h} h", load_port=port("L", **load_port), disruptions=OUTAGE,
                   fleet={"arrival_spacing": "30 h",
                          "tankers": [{"name": "T", "count": 2, "cargo": "60000 t", "laden_speed": "12.5 kn",
                                       "ballast_speed": "12.5 kn", "breakdowns": breakdowns}]})
    w = World(build(d), horizon_h=horizon_h)
    w.run()
    return w


def voyage(w: World, tanker: str, n: int = 0):
    return next(v for v in w.voyages if v.tanker == tanker and v.voyage == n)


def test_broken_down_during_the_transfer_is_towed_off_and_comes_back():
    """1,000 t/h at L: T-1 berths 0-2 h and loads from 2 h; it breaks down at 24 h with
    22,000 t aboard; the repair (72 h) is 48 h > 12 h away, so it stays (paused) until
    36 h and is towed off, no unberthing.  T-2, queueing since 30 h, berths 36-38 h,
    loads 60,000 t 38-98 h, unberths by 99 h.  T-1, repaired at 72 h, queues until 99 h
    (27 h), berths 99-101 h and loads its remaining 38,000 t 101-139 h, leaves at 140 h
    and discharges 60,000 t at D 158-170 h."""
    w = two_tankers(LIMIT, transfer_rate="1000 t/h")
    t1, t2 = voyage(w, "T-1"), voyage(w, "T-2")
    assert (t2.load_arrive_h, t2.load_berth_h, t2.load_start_h, t2.load_end_h, t2.load_depart_h) == (
        30.0, 36.0, 38.0, 98.0, 99.0)
    assert t2.load_queue_h == 6.0
    # one record for T-1's call: first berth, first start, last end, final departure; its
    # wait for a berth is the return's
    assert (t1.load_arrive_h, t1.load_berth_h, t1.load_start_h, t1.load_end_h, t1.load_depart_h) == (
        0.0, 0.0, 2.0, 139.0, 140.0)
    assert t1.load_queue_h == 27.0 and t1.load_weather_h == 0.0
    assert t1.cargo_t == 60000.0  # 22,000 t before the tow + 38,000 t after
    assert (t1.discharge_arrive_h, t1.discharge_start_h, t1.discharge_end_h) == (156.0, 158.0, 170.0)
    assert w.load.left_berth_broken == 1 and w.load.storm_departures == 0
    assert w.load.queue_waits_h == [6.0, 27.0]  # recorded once per call, as it ends
    b1 = w.tankers[0].budget_h
    assert b1["breakdown"] == 48.0  # 12 h paused at the berth + 36 h at anchorage
    assert b1["berthing"] == 2 + 2 + 2 + 2  # berthed twice at L, no unberthing for the tow
    assert b1["transferring"] == 22 + 38 + 12
    assert w.load.occupancy_h["failed"] == 12.0  # the berth under the broken ship, 24-36 h
    assert sum(b1.values()) == pytest.approx(200.0)
    # without the limit T-1 keeps the berth: repaired at 72 h, it loads 38,000 t by 110 h
    w = two_tankers({"mtbf": "1e6 h", "mttr": "1 h"}, 250.0, transfer_rate="1000 t/h")
    assert (voyage(w, "T-1").load_end_h, voyage(w, "T-1").load_depart_h) == (110.0, 111.0)
    assert (voyage(w, "T-2").load_berth_h, voyage(w, "T-2").load_queue_h) == (111.0, 81.0)
    assert w.load.left_berth_broken == 0


def test_a_repair_within_the_limit_keeps_the_berth():
    """The same outage with a limit of 48 h: the repair is exactly 48 h away, not more,
    so T-1 keeps the berth, as without a limit."""
    w = two_tankers({**LIMIT, "leave_berth_after": "48 h"}, 250.0, transfer_rate="1000 t/h")
    assert (voyage(w, "T-1").load_end_h, voyage(w, "T-2").load_berth_h) == (110.0, 111.0)
    assert w.load.left_berth_broken == 0


def test_broken_down_in_the_pre_transfer_formalities_is_towed_off_when_the_transfer_would_start():
    """30 h of pre-transfer formalities: T-1 berths 0-2 h, its formalities run 2-32 h
    (a breakdown does not stop paperwork); at 32 h it cannot start pumping, its repair
    40 h away: towed off at 44 h.  T-2 berths 44-46 h, formalities 46-76 h, loads
    76-88 h (5,000 t/h), leaves at 89 h.  T-1 queues from 72 h, berths 89-91 h, does its
    formalities again (hoses reconnected, papers re-done) 91-121 h and loads 121-133 h."""
    w = two_tankers(LIMIT, pre_transfer="30 h")
    t1, t2 = voyage(w, "T-1"), voyage(w, "T-2")
    assert (t2.load_berth_h, t2.load_start_h, t2.load_end_h, t2.load_depart_h) == (44.0, 76.0, 88.0, 89.0)
    # start_h is the transfer's first start (at 32 h, paused at once), as after a storm departure
    assert (t1.load_berth_h, t1.load_start_h, t1.load_end_h, t1.load_depart_h) == (0.0, 32.0, 133.0, 134.0)
    assert t1.load_queue_h == 17.0
    assert w.tankers[0].budget_h["breakdown"] == 40.0  # 12 h at the berth (32-44 h), 28 h at anchorage
    # the pre-transfer formalities twice in this call, and 17 h of the next call's
    # (berthed at 181 h); the scenario has no other formalities
    b = w.tankers[0].budget_h
    assert b["pre_transfer_formalities"] == 30 + 30 + 17
    assert b["arrival_formalities"] == b["post_transfer_formalities"] == 0.0


def test_broken_down_when_ready_to_unberth_is_towed_off_and_sails_after_the_repair():
    """5,000 t/h and 12 h of post-transfer formalities: T-1 loads 2-14 h, its formalities
    run 14-26 h; ready to unberth at 26 h but broken down until 72 h: it holds 26-38 h and
    is towed off at 38 h (its departure from the berth), waits at anchorage until 72 h and
    sails laden 72-88 h.  T-2 berths at 38 h."""
    w = two_tankers(LIMIT, post_transfer="12 h")
    t1, t2 = voyage(w, "T-1"), voyage(w, "T-2")
    assert (t1.load_end_h, t1.load_depart_h, t1.discharge_arrive_h) == (14.0, 38.0, 88.0)
    assert (t2.load_arrive_h, t2.load_berth_h, t2.load_queue_h) == (30.0, 38.0, 8.0)
    assert w.load.left_berth_broken == 1
    b1 = w.tankers[0].budget_h
    assert b1["breakdown"] == 12.0 + 34.0  # 26-38 h alongside, 38-72 h at anchorage
    assert b1["sailing_laden"] == 32.0  # two laden passages in 200 h, the first from 72 h


@pytest.mark.parametrize("breakdowns, held_h", [(LIMIT, 12.0), ({"mtbf": "1e6 h", "mttr": "1 h"}, 46.0)])
def test_a_breakdown_hold_before_unberthing_is_not_a_weather_hold(breakdowns, held_h):
    """The case above with calm weather: T-1 holds alongside broken down from 26 h, until
    the tow at 38 h (12 h) or, with no limit, until its repair at 72 h (46 h).  Those hours
    are the ship's ``breakdown`` and the berth's ``failed``, never a weather hold: the
    per-operation weather split (``load_weather_hold_unberthing_h``) stays 0, as the
    berth-hours held by weather (``load_weather_hold_h``) always did."""
    w = two_tankers(breakdowns, 200.0, post_transfer="12 h")
    assert w.load.hold_h["unberthing"] == 0.0 and w.load.occupancy_h["weather"] == 0.0
    assert w.load.occupancy_h["failed"] == held_h
    assert voyage(w, "T-1").load_weather_h == 0.0


@st.composite
def towing_scenarios(draw):
    """Random scenarios with every mechanism, each tanker class with breakdowns and a
    random ``leave_berth_after`` (0 to 30 h), on either failure clock."""
    d = draw(rich_scenarios())
    for c in d["fleet"]["tankers"]:
        c["breakdowns"] = {"clock": draw(st.sampled_from(["calendar", "operating"])),
                           "mtbf": {"dist": "exponential", "mean": f"{draw(st.floats(20, 200))!r} h"},
                           "mttr": {"dist": "exponential", "mean": f"{draw(st.floats(1, 40))!r} h"},
                           "leave_berth_after": f"{draw(st.floats(0, 30))!r} h"}
    return d


def _ships_alongside(w: World, term) -> int:
    """Tankers whose clock is coupled to a berth clock of ``term`` (alongside there)."""
    return sum(1 for t in w.tankers if t.clock.follower is not None and t.clock.follower in term._active)


@settings(max_examples=15, deadline=None)
@given(d=towing_scenarios(), seed=st.integers(0, 2**32 - 1))
def test_towing_off_conserves_oil_and_never_overfills_a_berth(d, seed):
    s = build(d)
    r = ss.simulate(s, seed=seed)
    check_oil(s, r)
    check_voyages(s, r)
    check_time(s, r)
    # step by step: never more ships alongside than berths, no berth handed out twice
    w = World(s, seed=seed)
    env = w.env
    for term in (w.load, w.discharge):
        assert term.left_berth_broken == 0
    while env.peek() < w.horizon_h:
        env.step()
        for term in (w.load, w.discharge):
            free = term.berths.items
            assert len({id(b) for b in free}) == len(free) and not any(b.busy for b in free)
            assert _ships_alongside(w, term) <= sum(b.busy for b in term.berth_list) <= term.spec.berths
    w.run()
    on_board = sum(t.cargo_on_board_t for t in w.tankers)
    assert on_board == pytest.approx(r.kpis["on_board_end_t"], abs=1e-6 * max(1.0, on_board))


def test_the_kpi_counts_tows_only_where_a_limit_is_set():
    d = cycle_dict(horizon="200 h", load_port=port("L", transfer_rate="1000 t/h"), disruptions=OUTAGE,
                   fleet={"arrival_spacing": "30 h",
                          "tankers": [{"name": "T", "count": 2, "cargo": "60000 t", "laden_speed": "12.5 kn",
                                       "ballast_speed": "12.5 kn", "breakdowns": LIMIT}]})
    k = ss.simulate(build(d)).kpis
    assert (k["load_left_berth_broken"], k["discharge_left_berth_broken"]) == (1.0, 0.0)
    no_limit = merge(d, {})
    no_limit["fleet"]["tankers"][0]["breakdowns"] = {"mtbf": "1e6 h", "mttr": "1 h"}
    assert "load_left_berth_broken" not in ss.simulate(build(no_limit)).kpis


@pytest.mark.parametrize("value,words", [
    ("-3 h", "expected a duration from 0 to 1e+06 h, found -3 h"),
    ("12 t", "expected a time like '2 h', '30 min', '3 d', found '12 t' (a mass)"),
    ("soon", "expected a time like '2 h', '30 min', '3 d', found 'soon'"),
])
def test_a_bad_limit_is_a_one_line_error(tmp_path, capsys, value, words):
    """``validate`` of aktau_current with a bad ``leave_berth_after`` on the first tanker
    class: exit 2, one line naming file, line, key path, what was expected and found."""
    good = (CONFIGS / "aktau_current.yaml").read_text()
    old = "breakdowns: {mtbf: {dist: exponential, mean: 3000 h}, mttr: {dist: lognormal, mean: 24 h, cv: 1.0}}"
    assert old in good
    text = good.replace(old, old[:-1] + f", leave_berth_after: {value}}}", 1)
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "leave_berth_after" in ln)
    assert err.strip() == f"{path}:{line}: fleet.tankers[0].breakdowns.leave_berth_after: {words}"


def test_the_tow_off_rule_on_hand_timelines():
    """``towoff`` by hand.  Down on [10, 30) and [50, 52): ready at 12 with an 18 h repair
    ahead, a 18 h limit keeps the ship at the berth (the repair is not *more* than the
    limit away), a 17.5 h limit tows it off at 29.5; up at 40, nothing to tow.  During
    work on [0, t_end): the first spell longer than the limit counts, from its start (or
    from the work's start, for one under way); one that begins at or after the work's end
    is not the work's."""
    from shuttle_sim.components.availability import Availability
    from shuttle_sim.components.towoff import long_down_start, tow_off_at

    up = Availability.from_downs([(10.0, 30.0), (50.0, 52.0)])
    inf = float("inf")
    assert tow_off_at(up, 12.0, 18.0) == inf  # repaired exactly at the limit: stays
    assert tow_off_at(up, 12.0, 17.5) == 29.5
    assert tow_off_at(up, 40.0, 1.0) == inf and tow_off_at(up, 12.0, inf) == inf
    assert long_down_start(up, 0.0, 60.0, 5.0) == 10.0  # [10, 30) lasts 20 h > 5 h
    assert long_down_start(up, 0.0, 60.0, 20.0) == inf  # 20 h is not more than 20 h; [50, 52) is 2 h
    assert long_down_start(up, 15.0, 60.0, 5.0) == 15.0  # under way at the work's start: counts from it
    assert long_down_start(up, 31.0, 50.0, 1.0) == inf  # [50, 52) begins at the end: not this work's
    assert long_down_start(up, 0.0, 8.0, 5.0) == inf  # [10, 30) begins after the work


def test_a_long_breakdown_beginning_in_a_weather_hold_before_unberthing_tows_the_ship_off(tmp_path):
    """25 m/s at L from 10 to 60 h: too much to unberth (20 m/s), not to load (30 m/s) nor
    to send the ship off the berth (26 m/s).  T loads 2-14 h, is ready to unberth at 14 and
    held by the weather; it breaks down at 24 h (out of service to 72 h), 48 h > the 12 h
    limit: towed off at 36 h, as a breakdown beginning during the transfer is.  Weather
    holds it 14-24 (10 h), the breakdown 24-72 (12 h at the berth, 36 h at anchorage), then
    the 16 h passage: at D at 88 h.  Without the limit it unberths after the repair, 72-73."""
    from .test_dispatch import _hindcast

    limits = {"berthing": {"max_wind": "15 m/s"}, "transfer": {"max_wind": "30 m/s"},
              "unberthing": {"max_wind": "20 m/s"}}

    def run(breakdowns):
        d = cycle_dict(start_date="2025-01-01", horizon="200 h", disruptions=OUTAGE,
                       weather={"source": "hindcast", "file": _hindcast(tmp_path / "hc.csv", {"port": [(10, 60, 25.0)]})},
                       load_port=port("L", weather_site="port", limits=limits))
        d["fleet"]["tankers"][0]["breakdowns"] = breakdowns
        return ss.simulate(build(d))

    r = run(LIMIT)
    v = r.voyages[0]
    assert (v.load_end_h, v.load_depart_h, v.discharge_arrive_h) == (14.0, 36.0, 88.0)
    assert v.load_weather_h == 10.0
    k = r.kpis
    assert (k["load_left_berth_broken"], k["load_weather_hold_unberthing_h"]) == (1.0, 10.0)
    assert r.tankers[0]["breakdown_h"] == 48.0 and r.tankers[0]["weather_h"] == 10.0
    assert k["load_berth_failed_frac"] * 200 == pytest.approx(12.0)  # the berth under the broken ship, 24-36 h
    v = run({"mtbf": "1e6 h", "mttr": "1 h"}).voyages[0]
    assert (v.load_depart_h, v.discharge_arrive_h) == (73.0, 89.0)
