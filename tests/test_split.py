"""The overflow split: the supply the load-port farm cannot take goes to the rail
station, at the very instant the farm fills, by hand."""

import pytest

from shuttle_sim.components.split import OverflowSplit
from shuttle_sim.components.tank import TankFarm
from shuttle_sim.engine import Engine


def test_overflow_follows_the_load_farm_by_hand():
    env = Engine(0.0)
    load = TankFarm(env, "load_tank", 100.0, 90.0)
    station = TankFarm(env, "station_tank", 1e6, 0.0)
    supply = load.source("supply", 10.0)
    rail = station.source("supply", 0.0)
    OverflowSplit(supply, station, rail).attach(load)
    offtake = load.sink("ship_load", 4.0)  # a re-plan after attach: the farm now wakes at its boundary
    assert rail.requested_t_per_h == 0.0  # room in the farm: nothing overflows
    env.run(until=10.0)  # 90 t + 6 t/h net: full at 10/6 h; then supply is cut to the 4 t/h offtake
    assert rail.requested_t_per_h == 6.0
    load.set_rate(offtake, 12.0)  # a ship loads faster than supply: the farm drains, overflow stops
    assert rail.requested_t_per_h == 0.0
    env.run(until=20.0)
    station.sync()
    full_at = 10.0 / 6.0
    assert station.level_t == pytest.approx(6.0 * (10.0 - full_at), rel=1e-12)
    # what the field offered went to one farm or the other, to the tonne
    assert load.totals()["supply_moved_t"] + station.totals()["supply_moved_t"] == pytest.approx(10.0 * 20.0, rel=1e-12)


def test_overflow_hook_is_named_on_the_farm():
    env = Engine(0.0)
    load, station = TankFarm(env, "l", 10.0, 0.0), TankFarm(env, "s", 10.0, 0.0)
    policy = OverflowSplit(load.source("supply", 1.0), station, station.source("supply", 0.0))
    policy.attach(load)
    assert load.on_replan == [policy.follow]
