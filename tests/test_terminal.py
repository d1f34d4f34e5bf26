"""Terminal internals: the berth pool (first come first served, never more berths out
than exist) and the port call's own clock."""

import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from shuttle_sim.components.terminal import BerthPool

from .conftest import CONFIGS


def test_free_berths_go_at_once_then_in_order_of_request():
    env = simpy.Environment()
    pool = BerthPool(env, ["A", "B"])
    got = []

    def ship(name, arrive_h, stay_h):
        yield env.timeout(arrive_h)
        berth = yield pool.get()
        got.append((env.now, name, berth))
        yield env.timeout(stay_h)
        pool.put(berth)

    for name, arrive, stay in (("s1", 0, 10), ("s2", 1, 3), ("s3", 2, 5), ("s4", 3, 1)):
        env.process(ship(name, arrive, stay))
    env.run()
    # s1 holds A until 10; s2 frees B at 4 for s3 (waiting since 2), s3 frees it at 9
    # for s4 (waiting since 3)
    assert got == [(0, "s1", "A"), (1, "s2", "B"), (4, "s3", "B"), (9, "s4", "B")]


@settings(max_examples=60, deadline=None)
@given(n_berths=st.integers(1, 4),
       ships=st.lists(st.tuples(st.floats(0, 50), st.floats(0, 20)), min_size=1, max_size=25))
def test_pool_never_lends_a_berth_twice_and_serves_in_order(n_berths, ships):
    env = simpy.Environment()
    pool = BerthPool(env, range(n_berths))
    out: set = set()
    served: list = []

    def ship(k, arrive_h, stay_h):
        yield env.timeout(arrive_h)
        asked = (env.now, k)
        berth = yield pool.get()
        assert berth not in out and len(out) < n_berths
        out.add(berth)
        served.append(asked)
        yield env.timeout(stay_h)
        out.remove(berth)
        pool.put(berth)

    for k, (a, s) in enumerate(ships):
        env.process(ship(k, a, s))
    env.run()
    assert len(served) == len(ships) and not out
    assert len(pool.items) == n_berths
    assert served == sorted(served)  # first come, first served


def test_port_call_clock_is_simpys_clock_to_the_bit(monkeypatch):
    """The port call advances its own ``now`` by each timeout's delay instead of reading
    ``env.now``; the transfer must still start, and the call end, exactly when SimPy's
    clock says (the start checks the steps before the transfer, the end those after)."""
    import shuttle_sim as ss
    from shuttle_sim.components import terminal
    from shuttle_sim.model import World

    starts, ends = [], []
    call, transfer_init = terminal.Terminal.call, terminal._Transfer.__init__

    def checked_call(self, ship, amount_t, pump):
        rec = yield from call(self, ship, amount_t, pump)
        ends.append((rec.depart_h, self.env.now))
        return rec

    def checked_transfer(self, term, ship, berth_obj, flow, rate, rec):
        starts.append((rec.start_h, term.env.now))
        transfer_init(self, term, ship, berth_obj, flow, rate, rec)

    s = ss.load_scenario(CONFIGS / "kcts_concept.yaml")  # random durations, weather holds, breakdowns
    monkeypatch.setattr(terminal.Terminal, "call", checked_call)
    monkeypatch.setattr(terminal._Transfer, "__init__", checked_transfer)
    World(s, seed=3, horizon_h=2 * 8760).run()
    assert len(ends) > 500 and len(starts) >= len(ends)
    assert all(a == b for a, b in starts)
    assert all(a == b for a, b in ends)
