"""Design events (``stress:``): hand-computed deferral at a fixed date, and common random
numbers for the random date."""

from __future__ import annotations

import pytest

import shuttle_sim as ss

from .conftest import build, cycle_dict, port


def _balanced(**top) -> dict:
    """tests/test_weather.py's balanced system: supply = offtake = fleet = 500 t/h (one
    20,000 t ship, 4 h loading and discharging, 16 h each way: a 40 h cycle)."""
    d = cycle_dict(
        horizon="300 h", start_date="2025-08-01",
        supply={"rate": "500 t/h"}, offtake={"rate": "500 t/h"},
        load_port=port("L", 1, capacity="100000 t", level="50000 t", berthing="0 h", unberthing="0 h"),
        discharge_port=port("D", 1, capacity="100000 t", level="50000 t", berthing="0 h", unberthing="0 h"),
        fleet={"tankers": [{"name": "T", "count": 1, "cargo": "20000 t", "laden_speed": "12.5 kn",
                            "ballast_speed": "12.5 kn"}]},
    )
    d.update(top)
    return d


@pytest.mark.parametrize("at", ["0 h", {"dist": "uniform", "low": "0 h", "high": "0 h"}])
def test_a_stress_stop_at_a_fixed_date_defers_the_hand_computed_production(at):
    """A 10-day offtake stop placed at hour 0 (a fixed date, or a degenerate
    distribution): by hand (tests/test_weather.py), the discharge farm fills at 102 h,
    the load farm at 220 h, and production is deferred until the ship loads again at
    276 h: 56 h x 500 t/h = 28,000 t."""
    r = ss.simulate(build(_balanced(stress=[{"target": "offtake", "duration": "10 d", "at": at}])), seed=3)
    k = r.kpis
    assert k["stress_0_start_h"] == 0.0 and k["stress_0_duration_h"] == 240.0
    assert k["deferred_t"] == pytest.approx(28_000, rel=1e-9)
    assert k["offtake_stopped_t"] == pytest.approx(500 * 240, rel=1e-12)


def test_a_stress_event_is_the_scripted_disruption_at_its_drawn_dates():
    """A 5-day stop at 72 h moves oil exactly as the same stop scripted from 4 to
    9 August (the run starts on 1 August)."""
    stressed = ss.simulate(build(_balanced(stress=[{"target": "offtake", "duration": "5 d", "at": "72 h"}])), seed=1)
    scripted = ss.simulate(build(_balanced(disruptions=[{"target": "offtake", "start": "2025-08-04",
                                                         "end": "2025-08-09"}])), seed=1)
    assert {n: stressed.kpis[n] for n in scripted.kpis} == scripted.kpis
    assert stressed.voyages == scripted.voyages
    assert scripted.kpis["offtake_stopped_t"] == pytest.approx(500 * 120, rel=1e-12)  # not vacuous
    assert scripted.kpis["discharge_berth_waiting_ullage_frac"] > 0


def test_supply_surge_stress_raises_supply_by_its_factor():
    """A CPC stop pushing 50% more crude to the Caspian for 4 days: 500 x 0.5 x 96 h extra."""
    r = ss.simulate(build(_balanced(stress=[{"target": "supply", "duration": "4 d", "factor": 1.5, "at": "24 h"}])), seed=0)
    assert r.kpis["supply_extra_t"] == pytest.approx(0.5 * 500 * 96, rel=1e-12)
    assert r.kpis["supply_offered_t"] == pytest.approx(500 * 300 + 0.5 * 500 * 96, rel=1e-12)


def test_random_date_is_common_to_every_cell_and_lies_in_the_measured_period():
    """The date comes from the stream (stress, i) alone: a cell with another fleet, other
    tanks or weather draws the same date for replication r; other replications differ;
    the default window is [warm-up, horizon - duration]."""
    ev = [{"target": "offtake", "duration": {"dist": "uniform", "low": "20 d", "high": "40 d"}}]
    a = build(cycle_dict(horizon="1 yr", warmup="30 d", stress=ev))
    b = build(cycle_dict(horizon="1 yr", warmup="30 d", stress=ev,
                         fleet={"tankers": [{"name": "T", "count": 3, "cargo": "30000 t", "laden_speed": "10 kn",
                                             "ballast_speed": "11 kn"}]},
                         discharge_port=port("D", 2, capacity="200000 t", level="100000 t")))
    starts = []
    for r in range(6):
        ka = ss.simulate(a, seed=5, replication=r, horizon_h=2000.0).kpis
        kb = ss.simulate(b, seed=5, replication=r, horizon_h=2000.0).kpis
        assert (ka["stress_0_start_h"], ka["stress_0_duration_h"]) == (kb["stress_0_start_h"], kb["stress_0_duration_h"])
        assert 480.0 <= ka["stress_0_duration_h"] <= 960.0
        assert 720.0 <= ka["stress_0_start_h"] <= 2000.0 - ka["stress_0_duration_h"]
        starts.append(ka["stress_0_start_h"])
    assert len(set(starts)) == 6


def test_an_event_longer_than_the_measured_period_starts_at_the_warm_ups_end():
    """A 60-day stop against 1,000 h measured after a 30-day warm-up: no start leaves it
    inside the period, so it starts where the period does, 720 h, in every replication
    (and runs past the horizon)."""
    from shuttle_sim.components.stress import draw
    from shuttle_sim.rng import Streams

    ev = build(cycle_dict(horizon="1 yr", warmup="30 d", stress=[{"target": "offtake", "duration": "60 d"}])).stress
    for r in range(5):
        ((target, a, b, factor),) = draw(ev, Streams(5, r), 720.0, 1720.0)
        assert (target, a, b, factor) == ("offtake", 720.0, 720.0 + 1440.0, 0.0)


def test_stress_target_is_checked():
    from shuttle_sim.config.loader import ConfigError

    with pytest.raises(ConfigError, match="stress"):
        build(cycle_dict(stress=[{"target": "cpc", "duration": "30 d"}]))
