"""Common random numbers across the variants a study compares (issue 12, item 4).

Streams are keyed by what an entity is (class name and number within the class, port and
berth, site), so a variant that adds a ship changes only the draws of what it added."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from shuttle_sim.model import World

from .conftest import build, cycle_dict


def _two_classes(a_count: int, dry_dock: bool = False) -> dict:
    cls = {"cargo": "60000 t", "laden_speed": "12.5 kn", "ballast_speed": "10 kn",
           "breakdowns": {"mtbf": {"dist": "exponential", "mean": "500 h"}, "mttr": "10 h"}}
    if dry_dock:
        cls["dry_dock"] = {"every": "2.5 yr", "duration": "20 d"}
    return cycle_dict(fleet={"tankers": [{"name": "A", "count": a_count, **cls}, {"name": "B", "count": 1, **cls}]})


def _draws(world: World, name: str, n: int = 8) -> list[float]:
    t = next(t for t in world.tankers if t.name == name)
    return [t.rng.random() for _ in range(n)], t.dry_dock.next_due_h, t.up.starts[:5] if t.up else None


def test_adding_a_ship_of_one_class_leaves_the_other_ships_draws_unchanged():
    small = World(build(_two_classes(1, dry_dock=True)), seed=3, replication=2)
    large = World(build(_two_classes(3, dry_dock=True)), seed=3, replication=2)
    for name_small, name_large in (("B", "B"), ("A", "A-1")):
        d1, dock1, up1 = _draws(small, name_small)
        d2, dock2, up2 = _draws(large, name_large)
        assert d1 == d2 and dock1 == dock2 and list(up1) == list(up2)
    # and the added ships draw from streams of their own
    assert _draws(large, "A-2")[0] != _draws(large, "A-3")[0]


def test_each_ship_docks_within_a_horizon_with_probability_horizon_over_interval():
    """The first dock is due at a uniform phase of the survey cycle: over 300 seeds, the
    number of ships of an n-ship fleet first due within a year is Binomial(300 n, 1/2.5),
    whatever n (a fleet-size-staggered phase gave 0, 1, 1, 2, 2, 2, 3, 3 for n = 1..8)."""
    year_h, p = 8760.0, 1 / 2.5
    for n in (1, 2, 5):
        due = [sum(t.dry_dock.next_due_h < year_h for t in World(build(_two_classes(n, dry_dock=True)), seed=s).tankers
                   if t.spec.name == "A") for s in range(300)]
        trials = 300 * n
        lo, hi = stats.binom.ppf([0.0005, 0.9995], trials, p)  # a 99.9% band: fails 1 time in 1000
        assert lo <= sum(due) <= hi, (n, sum(due), trials * p)
    # the phases themselves are uniform on [0, 1): KS against U(0, 1)
    phases = [t.dry_dock.next_due_h / (2.5 * year_h) for s in range(200)
              for t in World(build(_two_classes(2, dry_dock=True)), seed=s).tankers]
    assert stats.kstest(phases, "uniform").pvalue > 0.001
    assert 0.0 <= min(phases) and max(phases) < 1.0


def test_replication_r_is_the_same_in_every_cell_for_shared_entities():
    """A cell that only changes a berth count draws the same voyage durations for every ship."""
    base = World(build(_two_classes(2)), seed=5, replication=7)
    more_berths = World(build(_two_classes(2) | {"load_port": {**cycle_dict()["load_port"], "berths": 2}}), seed=5,
                        replication=7)
    for t1, t2 in zip(base.tankers, more_berths.tankers):
        assert t1.name == t2.name
        assert np.array_equal([t1.rng.random() for _ in range(5)], [t2.rng.random() for _ in range(5)])


def test_a_sites_weather_does_not_depend_on_which_other_sites_a_scenario_has():
    """Weather streams are keyed by site name: the sea and the ports of aktau_current see the
    same series in caspian_network (which adds the ferry ports), replication by replication."""
    import shuttle_sim as ss

    from .conftest import CONFIGS

    a = ss.load_scenario(CONFIGS / "aktau_current.yaml")
    c = ss.load_scenario(CONFIGS / "caspian_network.yaml")
    shared = sorted(set(a.weather.sites) & set(c.weather.sites))
    assert shared and a.weather.sites.keys() != c.weather.sites.keys()
    if any(a.weather.sites[s] != c.weather.sites[s] for s in shared) or a.weather.origin != c.weather.origin:
        import pytest

        pytest.skip("the shipped scenarios no longer describe the shared sites alike")
    wa, wc = World(a, seed=4, replication=1), World(c, seed=4, replication=1)
    for site in shared:
        if a.weather.reach.get(site) != c.weather.reach.get(site):
            continue
        assert np.array_equal(wa.weather.wind_m_per_s[site], wc.weather.wind_m_per_s[site]), site
        assert np.array_equal(wa.weather.hs_m[site], wc.weather.hs_m[site]), site


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**40), st.integers(0, 2**33), st.text(max_size=12), st.integers(0, 2**33))
def test_a_streams_seed_is_numpys_seedsequence_of_its_four_numbers(seed, replication, name, index):
    """``Streams.generator`` seeds PCG64 from ``SeedSequence([seed, replication, crc32(name),
    index])`` exactly as written in ``rng.py``: handing SeedSequence the numbers as a uint32
    array (the fast path, every number below 2**32) or as a list (any of them larger) gives
    the same draws as the plain list."""
    from shuttle_sim.rng import Streams, source_id

    ours = Streams(seed, replication).generator(name, index)
    plain = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, replication, source_id(name), index])))
    assert np.array_equal(ours.random(4), plain.random(4))
