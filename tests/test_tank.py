"""Tank farm: exact piecewise-linear trajectories, checked against hand calculations."""

import math

import pytest

from shuttle_sim.components.tank import EMPTY, FULL, NORMAL, TankFarm
from shuttle_sim.engine import Engine


def run_to(env, t):
    env.run(until=t)


def test_fill_then_curtail_at_capacity():
    env = Engine()
    tank = TankFarm(env, "t", capacity_t=1000, initial_t=400)
    supply = tank.source("supply", 100)  # full after 6 h
    run_to(env, 10)
    assert tank.level_t == 1000
    assert tank.regime == FULL
    assert supply.offered_t == 1000
    assert supply.moved_t == 600
    assert supply.starved_h == pytest.approx(4.0, abs=1e-12)
    # the trace has the exact breakpoint at 6 h although nothing happened then
    assert tank.trace_t_h == [0, 6, 10]
    assert tank.trace_level_t == [400, 1000, 1000]


def test_draw_slows_to_inflow_when_empty():
    env = Engine()
    tank = TankFarm(env, "t", capacity_t=10_000, initial_t=1_000)
    tank.source("supply", 100)
    ship = tank.draw("ship_load", 600, 3_000)
    # 1,000 t at net -500 t/h -> empty at 2 h, having moved 1,200 t;
    # the remaining 1,800 t come at the supply rate: 18 h more -> done at 20 h.
    done = []
    ship.done.callbacks.append(lambda ev: done.append(env.now))
    run_to(env, 30)
    assert done == [pytest.approx(20.0, rel=1e-12)]
    assert ship.moved_t == 3_000
    assert ship.starved_h == pytest.approx(18 * (1 - 100 / 600), rel=1e-12)
    assert tank.trace_t_h[:3] == [0, 2, pytest.approx(20)]
    assert tank.trace_level_t[1] == 0
    assert tank.level_t == pytest.approx(1_000, rel=1e-12)  # 10 h of supply after the ship left
    assert tank.regime == NORMAL


def test_fill_slows_to_offtake_when_full():
    env = Engine()
    tank = TankFarm(env, "t", capacity_t=5_000, initial_t=4_000)
    off = tank.sink("offtake", 200)
    ship = tank.fill("ship_discharge", 1_200, 4_000)
    # net +1,000 t/h -> full at 1 h having taken 1,200 t; 2,800 t more at 200 t/h = 14 h
    run_to(env, 15 + 1e-9)
    assert tank.level_t == pytest.approx(5_000 - 200e-9, rel=1e-9)
    assert ship.moved_t == 4_000
    assert ship.done.triggered
    assert env.now == pytest.approx(15 + 1e-9)
    assert off.moved_t == pytest.approx(200 * (15 + 1e-9), rel=1e-12)


def test_offtake_shortfall_when_empty():
    env = Engine()
    tank = TankFarm(env, "t", capacity_t=5_000, initial_t=500)
    off = tank.sink("offtake", 100)
    run_to(env, 20)
    assert tank.regime == EMPTY  # reading the regime brings the accounts to 20 h
    assert off.offered_t == 2_000
    assert off.moved_t == 500
    assert tank.trace_t_h == [0, 5, 20]


def test_rate_change_replans_completion():
    env = Engine()
    tank = TankFarm(env, "t", capacity_t=10_000, initial_t=10_000)
    ship = tank.draw("ship_load", 1_000, 5_000)
    env.run(until=2)
    tank.set_rate(ship, 0.0)  # a pause of 3 h
    env.run(until=5)
    tank.set_rate(ship, 500.0)
    env.run(until=ship.done)
    assert env.now == pytest.approx(5 + 3_000 / 500, rel=1e-12)
    assert ship.starved_h == 0.0  # a pause is not starvation: the tank had oil


def test_proportional_sharing_when_empty():
    env = Engine()
    tank = TankFarm(env, "t", capacity_t=1_000, initial_t=0)
    tank.source("supply", 300)
    a = tank.draw("a", 400, 1e6)
    b = tank.draw("b", 200, 1e6)
    env.run(until=10)
    assert tank.level_t == 0
    assert a.moved_t == pytest.approx(2_000, rel=1e-12)
    assert b.moved_t == pytest.approx(1_000, rel=1e-12)


def test_bad_arguments():
    env = Engine()
    with pytest.raises(ValueError, match="capacity_t must be > 0"):
        TankFarm(env, "t", 0, 0)
    with pytest.raises(ValueError, match="initial_t must be in"):
        TankFarm(env, "t", 10, 11)
    tank = TankFarm(env, "t", 10, 5)
    with pytest.raises(ValueError, match="rate must be >= 0"):
        tank.source("s", -1)
    with pytest.raises(ValueError, match="amount must be > 0"):
        tank.draw("d", 1, 0)
    assert math.isinf(tank.source("s", 1).remaining_t)


def test_tiny_transfer_late_in_the_run_terminates():
    # a 1e-9 h transfer at t = 8000 h is below the clock's resolution there: it must
    # complete instead of re-scheduling itself at the same instant for ever
    env = Engine()
    tank = TankFarm(env, "t", capacity_t=1e12, initial_t=5e11)
    tank.source("supply", 1e6)
    env.run(until=8000.123456789)
    ship = tank.draw("ship", 1e9, 1.0)
    env.run(until=ship.done)
    assert ship.moved_t == 1.0
    assert env.now - 8000.123456789 < 1e-8


def test_boundary_closer_than_clock_resolution_is_reached():
    env = Engine()
    tank = TankFarm(env, "t", capacity_t=1000.0, initial_t=1000.0 - 1e-5)
    env.run(until=8000.0)
    tank.source("supply", 1e9)
    ship = tank.draw("ship", 1.0, 10.0)
    env.run(until=ship.done)
    assert tank.regime == "full"


def test_close_stops_a_flow_and_keeps_its_account():
    """A 100 t/h source closed at 5 h has moved 500 t; the level keeps them and the
    draw of 40 t/h alone goes on: 1,000 + 500 - 40 x 10 = 1,100 t at 10 h."""
    env = Engine()
    tank = TankFarm(env, "t", capacity_t=5_000, initial_t=1_000)
    src = tank.source("supply", 100)
    tank.sink("offtake", 40)
    env.run(until=5)
    tank.close(src)
    env.run(until=10)
    assert (src.offered_t, src.moved_t, src.actual_t_per_h) == (500, 500, 0.0)
    assert tank.level_t == pytest.approx(1_100, rel=1e-12)
    assert tank.totals() == {"supply_offered_t": 500, "supply_moved_t": 500, "offtake_offered_t": 400,
                             "offtake_moved_t": 400}


def test_a_finished_flow_is_freed_at_once_and_its_tonnes_kept():
    """Hundreds of ship transfers a year: a closed flow is not kept (its tonnes are added
    to the farm's totals as it closes) and is no reference cycle with its ``done`` event,
    so it is freed when its ship lets go of it, not by a later cyclic collection.  The
    totals sum the closed flows in the order they closed, then the open ones."""
    import gc

    from shuttle_sim.components.tank import Flow

    def flows_alive() -> int:
        return sum(type(o) is Flow for o in gc.get_objects())

    env = Engine()
    tank = TankFarm(env, "t", capacity_t=10_000, initial_t=5_000)
    tank.source("supply", 100)
    gc.collect()
    gc.disable()
    try:
        alive = flows_alive()
        for amount in (1_000.0, 2_000.0):
            ship = tank.draw("ship_load", 500, amount)
            env.run(until=ship.done)
            assert ship.done.value is None
        assert flows_alive() == alive + 1  # the last ship's flow, still named here
        del ship
        assert flows_alive() == alive  # freed without a collection
    finally:
        gc.enable()
    late = tank.draw("ship_load", 500, 4_000.0)
    env.run(until=env.now + 2.0)
    totals = tank.totals()
    assert totals["ship_load_moved_t"] == 1_000.0 + 2_000.0 + late.moved_t == 4_000.0
    assert list(totals) == ["ship_load_offered_t", "ship_load_moved_t", "supply_offered_t", "supply_moved_t"]
    assert totals["supply_moved_t"] == pytest.approx(100 * env.now, rel=1e-12)
