"""Terminal internals: the berth pool (first come first served, never more berths out
than exist) and the port call's own clock."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shuttle_sim.components.availability import Availability
from shuttle_sim.components.terminal import Berth, BerthPool
from shuttle_sim.engine import Engine


def berths(n: int) -> list[Berth]:
    always = Availability.always()
    return [Berth(j, always, always) for j in range(n)]


def test_free_berths_go_at_once_then_in_order_of_request():
    env = Engine()
    pool = BerthPool(env, berths(2))
    got = []

    def ship(name, arrive_h, stay_h):
        yield env.timeout(arrive_h)
        berth = yield pool.get()
        got.append((env.now, name, berth.index))
        yield env.timeout(stay_h)
        pool.put(berth)

    for name, arrive, stay in (("s1", 0, 10), ("s2", 1, 3), ("s3", 2, 5), ("s4", 3, 1)):
        env.process(ship(name, arrive, stay))
    env.run()
    # s1 holds berth 0 until 10; s2 frees berth 1 at 4 for s3 (waiting since 2), s3
    # frees it at 9 for s4 (waiting since 3)
    assert got == [(0, "s1", 0), (1, "s2", 1), (4, "s3", 1), (9, "s4", 1)]


@settings(max_examples=60, deadline=None)
@given(n_berths=st.integers(1, 4),
       ships=st.lists(st.tuples(st.floats(0, 50), st.floats(0, 20)), min_size=1, max_size=25))
def test_pool_never_lends_a_berth_twice_and_serves_in_order(n_berths, ships):
    env = Engine()
    pool = BerthPool(env, berths(n_berths))
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


def test_port_call_clock_is_simpys_clock_to_the_bit():
    """The port call advances its own ``now`` by each timeout's delay instead of reading
    ``env.now``; at every ``yield`` of the call its ``now`` must be SimPy's clock to the
    bit, and so must the transfer's start and the call's end.

    The probe patches the port call and the transfer, which only the Python source
    allows (a compiled class ignores a patch): it runs in its own process with
    ``SHUTTLE_SIM_PURE=1``.  The compiled modules give the same results to the bit
    (tests/test_native.py)."""
    probe = Path(__file__).with_name("_port_call_clock_probe.py")
    out = subprocess.run([sys.executable, str(probe)], capture_output=True, text=True, check=True,
                         env={**os.environ, "SHUTTLE_SIM_PURE": "1"})
    seen = json.loads(out.stdout)
    assert seen["source"] is True  # the probe patched the Python source
    assert seen["calls"] > 500 and seen["transfers"] >= seen["calls"]  # first transfers of calls begun
    assert seen["yields"] > 4 * seen["calls"]  # formalities, queue, berthing, transfer, unberthing at least
    assert seen["yield_mismatches"] == []
    assert seen["start_mismatches"] == [] and seen["end_mismatches"] == []


@pytest.mark.parametrize("name", ["kcts_concept", "aktau_current"])
def test_merged_port_steps_equal_the_steps_one_by_one(name):
    """Runs of port steps that nothing can interrupt are slept in one timeout and booked
    afterwards (components/steps.py); every KPI and voyage record must equal the same
    runs slept step by step, for horizons anywhere (inside a run too).  A probe in its
    own process patches the Python source (``SHUTTLE_SIM_PURE=1``)."""
    probe = Path(__file__).with_name("_merged_steps_probe.py")
    out = subprocess.run([sys.executable, str(probe), name, "5", "12"], capture_output=True, text=True, check=True,
                         env={**os.environ, "SHUTTLE_SIM_PURE": "1"})
    seen = json.loads(out.stdout)
    assert seen["source"] is True
    assert seen["merged"] > 10 * seen["runs"]  # the merge is the rule, not the exception
    assert seen["diffs"] == []
