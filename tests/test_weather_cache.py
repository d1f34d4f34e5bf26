"""The weather cache a study's worker shares among scenarios
(``components/weather_cache.py``): a cached weather is the one drawn afresh, bit for bit;
it is shared only by equal weather specs, start dates, horizons, seeds and replication
numbers; the cache holds at most its size, the recent weathers and the lowest replications
of the current study (so that every cell of a sweep finds them); and the studies that use
it (a sweep's grid, a storage study's lifted farms) write what they wrote without it."""

import datetime as dt
import os
import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shuttle_sim import load_scenario, run_experiment
from shuttle_sim.components.weather import Weather
from shuttle_sim.components.weather_cache import WeatherCache
from shuttle_sim.model import simulate
from shuttle_sim.rng import Streams
from shuttle_sim.study import tasks
from shuttle_sim.study.storage import ROLES, lifted, storage_kpis
from shuttle_sim.study.sweep import run_sweep

from .conftest import ROOT
from .test_dispatch import _hindcast
from .test_sweep import files
from .test_weather_sources import START, weather_spec

KCTS = ROOT / "configs" / "kcts_concept.yaml"
CLOSURES = {"source": "closures", "sites": {"p": {"open": {"dist": "exponential", "mean": "30 h"}, "closed": "6 h"}}}


def series(w: Weather) -> list:
    return [w.wind_m_per_s, w.hs_m, w.visibility_m]


def same_weather(a: Weather, b: Weather) -> bool:
    return all(x.keys() == y.keys() and all(np.array_equal(x[k], y[k]) for k in x)
               for x, y in zip(series(a), series(b)))


@pytest.fixture(scope="module")
def kcts():
    return load_scenario(KCTS)


def test_a_cached_weather_is_the_one_drawn_afresh_and_equal_specs_share_it(kcts):
    cache = WeatherCache()
    h = 24 * 60.0
    got = cache.get(kcts.weather, kcts.start_date, h, Streams(7, 3))
    assert same_weather(got, Weather(kcts.weather, kcts.start_date, h, Streams(7, 3)))
    assert got.wind_m_per_s and got.visibility_m  # storms and fog: every series compared
    other = kcts.with_changes({"fleet.tankers[KCTS-shuttle].count": 5})  # another scenario object, same weather
    assert other.weather is not kcts.weather
    assert cache.get(other.weather, other.start_date, h, Streams(7, 3)) is got
    assert (cache.hits, cache.misses) == (1, 1)


def test_anything_the_weather_reads_that_differs_is_a_miss(kcts):
    cache = WeatherCache()
    h = 24 * 60.0
    ref = cache.get(kcts.weather, kcts.start_date, h, Streams(7, 3))
    windier = kcts.with_changes({"weather.sites.kuryk.wind_mean": "9 m/s"}).weather
    for spec, start, hours, streams in [(windier, kcts.start_date, h, Streams(7, 3)),
                                        (kcts.weather, kcts.start_date + dt.timedelta(days=1), h, Streams(7, 3)),
                                        (kcts.weather, kcts.start_date, h + 24, Streams(7, 3)),
                                        (kcts.weather, kcts.start_date, h, Streams(8, 3)),
                                        (kcts.weather, kcts.start_date, h, Streams(7, 4))]:
        got = cache.get(spec, start, hours, streams)
        assert got is not ref
        assert same_weather(got, Weather(spec, start, hours, streams))
    assert (cache.hits, cache.misses) == (0, 6)


def test_an_edited_hindcast_file_is_another_weather(tmp_path):
    path = _hindcast(tmp_path / "hc.csv", {"port": [(10, 20, 30.0)]}, hours=300)
    spec = weather_spec({"source": "hindcast", "file": path})
    cache = WeatherCache()
    before = cache.get(spec, START, 100.0, Streams(1, 0))
    assert cache.get(spec, START, 100.0, Streams(1, 0)) is before
    _hindcast(tmp_path / "hc.csv", {"port": [(10, 40, 30.0)]}, hours=300)
    os.utime(path, ns=(0, os.stat(path).st_mtime_ns + 10**9))  # (a file system's clock may be coarse)
    after = cache.get(spec, START, 100.0, Streams(1, 0))
    assert after is not before
    assert after.wind_m_per_s["port"][30] == 30.0 and before.wind_m_per_s["port"][30] == 5.0


def test_simulate_with_a_shared_cache_is_the_same_to_the_bit(kcts):
    cache = WeatherCache()
    variants = [kcts, kcts.with_changes({"fleet.tankers[KCTS-shuttle].count": 4, "load_port.berths": 2})]
    for r in range(2):
        for s in variants:
            h = s.warmup_h + 24 * 40.0
            mine, alone = simulate(s, 5, r, h, weathers=cache), simulate(s, 5, r, h)
            assert mine.kpis == alone.kpis
            assert mine.voyages == alone.voyages
    assert (cache.hits, cache.misses) == (2, 2)  # the second variant found each replication's weather


@given(recent=st.integers(0, 3), kept=st.integers(0, 3),
       calls=st.lists(st.tuples(st.integers(0, 1), st.integers(0, 5)), max_size=30))
def test_the_cache_holds_at_most_its_size_and_gives_what_a_fresh_draw_gives(recent, kept, calls):
    spec = weather_spec(CLOSURES)
    cache = WeatherCache(recent, kept)
    for seed, r in calls:
        got = cache.get(spec, START, 200.0, Streams(seed, r))
        fresh = Weather(spec, START, 200.0, Streams(seed, r))
        assert got.availability("p", None, None).starts == fresh.availability("p", None, None).starts
        assert len(cache._recent) <= recent and len(cache._kept) <= kept
    assert cache.hits + cache.misses == len(calls)


@pytest.mark.parametrize("recent, kept, found", [(0, 0, 0), (1, 0, 0), (0, 3, 3), (2, 3, 3), (2, 4, 6), (1, 8, 6)])
def test_cells_running_replications_in_order_find_the_lowest_ones(recent, kept, found):
    """Three cells, each replications 0..5 in order (an adaptive search), after another
    study's weathers: each cell after the first finds replications 0..kept-1 in the kept
    part, or all six when both parts hold them (a least-recently-used cache of fewer than
    six would find none: each is dropped just before it is asked for again)."""
    spec = weather_spec(CLOSURES)
    cache = WeatherCache(recent, kept)
    for r in range(recent + kept):
        cache.get(spec, START, 200.0, Streams(99, r))  # an earlier study, another seed
    cache.hits = cache.misses = 0
    for cell in range(3):
        for r in range(6):
            cache.get(spec, START, 200.0, Streams(1, r))
    assert cache.hits == 2 * found
    assert sorted(k[-1] for k in cache._kept if k[-2] == 1) == list(range(min(kept, 6 - recent)))


def test_the_kept_part_keeps_the_lowest_replications_whatever_their_order_and_clear_empties_it():
    spec = weather_spec(CLOSURES)
    cache = WeatherCache(0, 2)
    for r in (3, 5, 4, 2):
        cache.get(spec, START, 200.0, Streams(1, r))
    assert sorted(k[-1] for k in cache._kept) == [2, 3]
    cache.get(spec, START, 200.0, Streams(1, 3))
    assert (cache.hits, cache.misses) == (1, 4)
    cache.clear()
    assert not cache._kept and not cache._recent
    cache.get(spec, START, 200.0, Streams(1, 3))
    assert (cache.hits, cache.misses) == (1, 5)
    recent = WeatherCache(2, 0)
    for r in (0, 1, 0, 2):  # 0 used again: 1 is the least recently used
        recent.get(spec, START, 200.0, Streams(1, r))
    assert [k[-1] for k in recent._recent] == [0, 2]
    recent.clear()
    assert not recent._recent


def test_the_cache_holds_what_its_memory_allows_of_long_weathers(kcts):
    """Each part holds at most half of ``max_mb`` in weathers of the size stored (here
    room for two a part), however many its counts allow: a long horizon's weathers are
    large (~0.9 MB a year for kcts_concept's three sites and fog)."""
    h = 24 * 60.0
    one = Weather(kcts.weather, kcts.start_date, h, Streams(1, 0))
    size = sum(a.nbytes for d in (one.wind_m_per_s, one.hs_m, one.visibility_m) for a in d.values())
    cache = WeatherCache(8, 8, max_mb=4.5 * size / 2**20)  # 2.25 weathers a part: two
    for r in range(6):
        cache.get(kcts.weather, kcts.start_date, h, Streams(1, r))
    assert [k[-1] for k in cache._recent] == [4, 5] and sorted(k[-1] for k in cache._kept) == [0, 1]
    roomy = WeatherCache(3, 2, max_mb=100 * size / 2**20)  # the counts bind
    for r in range(6):
        roomy.get(kcts.weather, kcts.start_date, h, Streams(1, r))
    assert [k[-1] for k in roomy._recent] == [3, 4, 5] and sorted(k[-1] for k in roomy._kept) == [0, 1]
    tiny = WeatherCache(8, 8, max_mb=0.1 * size / 2**20)  # less than one: one a part all the same
    for r in range(3):
        tiny.get(kcts.weather, kcts.start_date, h, Streams(1, r))
    assert len(tiny._recent) == len(tiny._kept) == 1


def test_threads_sharing_a_cache_each_get_the_right_weather():
    spec = weather_spec(CLOSURES)
    cache = WeatherCache(2, 1)
    want = {r: Weather(spec, START, 200.0, Streams(1, r)).availability("p", None, None).starts for r in range(6)}
    wrong: list = []

    def work(k: int) -> None:
        for i in range(60):
            r = (i * (k + 1)) % 6
            if cache.get(spec, START, 200.0, Streams(1, r)).availability("p", None, None).starts != want[r]:
                wrong.append(r)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not wrong
    assert len(cache._recent) <= 2 and len(cache._kept) <= 1 and cache.hits + cache.misses == 240


def test_a_storage_study_shares_each_replications_weather_with_its_lifted_farms(kcts, monkeypatch):
    drawn = []
    monkeypatch.setattr(WeatherCache, "get", lambda self, *a, _get=WeatherCache.get: drawn.append(0) or _get(self, *a))
    built = []
    real = Weather.__init__
    monkeypatch.setattr(Weather, "__init__", lambda self, *a: built.append(0) or real(self, *a))
    h = kcts.warmup_h + 24 * 30.0
    e = run_experiment(kcts, 2, seed=3, workers=1, storage=True, horizon_h=h)
    assert (len(drawn), len(built)) == (6, 2)  # 3 runs a replication, 1 weather drawn
    alone = storage_kpis(kcts, {role: lifted(kcts, role, h) for role in ROLES}, 3, 1, h)
    row = e.replications.loc[1]
    assert all(row[k] == v for k, v in alone.items())


STUDY = f"""\
name: cached
scenario: {KCTS}
factors:
  fleet.tankers[KCTS-shuttle].count: [3, 4]
  load_port.berths: [1, 2]
replications: 3
years: 1
seed: 11
targets:
  delivered_mt_per_year: {{at_least: 1, in_fraction_of_years: 0.5}}
objective: {{minimise: total_annual_cost_usd}}
costs: {ROOT / "configs" / "costs.yaml"}
"""


def test_a_grid_sweep_writes_the_same_files_with_and_without_the_cache(tmp_path, monkeypatch):
    """Batch by batch across the cells: with room for one weather, each replication is
    drawn for the first cell and found by the other three (run by run, none would be)."""
    path = tmp_path / "study.yaml"
    path.write_text(STUDY)
    monkeypatch.setattr(tasks, "WEATHERS", WeatherCache(1, 0))
    run_sweep(path, tmp_path / "cached", workers=1)
    assert (tasks.WEATHERS.misses, tasks.WEATHERS.hits) == (3, 9)
    monkeypatch.setattr(tasks, "WEATHERS", WeatherCache(0, 0))
    run_sweep(path, tmp_path / "drawn", workers=1)
    assert tasks.WEATHERS.hits == 0
    assert files(tmp_path / "cached") == files(tmp_path / "drawn")
    monkeypatch.setattr(tasks, "WEATHERS", WeatherCache())  # (each worker's own, forked)
    run_sweep(path, tmp_path / "two", workers=2, batch=1)
    assert files(tmp_path / "two") == files(tmp_path / "drawn")


def test_validating_a_study_draws_the_probes_weather_once(tmp_path, monkeypatch):
    from shuttle_sim.config.study import load_study
    from shuttle_sim.study.sweep import check_targets_reported

    path = tmp_path / "study.yaml"
    path.write_text(STUDY)
    study = load_study(path)
    built = []
    real = Weather.__init__
    monkeypatch.setattr(Weather, "__init__", lambda self, *a: built.append(0) or real(self, *a))
    check_targets_reported(study)
    assert len(built) == 1 and len(study.cells) == 4
