"""Weather per site: own storm strength, wind-wave relation, berth exposure, fog, calendar
months; and the storm generator's closure statistics against renewal theory."""

import datetime as dt
import math

import numpy as np
import pytest
from scipy import stats

import shuttle_sim as ss
from shuttle_sim.components.availability import Availability
from shuttle_sim.components.weather import Weather, _calendar_of_hours, _thinned_times, site_severity_z
from shuttle_sim.config.weather import BerthExposure
from shuttle_sim.rng import Streams

from .conftest import build, cycle_dict

CALM0 = {"wind_mean": "0 m/s", "wind_sd": "0 m/s", "hs_mean": "0 m", "hs_sd": "0 m"}
DAYS = [31, 28.25, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]  # February: 28.25 d on average


def ci99(x):
    x = np.asarray(x, float)
    return x.mean(), stats.t.ppf(0.995, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))


def storms(**kw) -> dict:
    d = {"source": "storms", "origin": "sea", "sites": {"sea": CALM0, "port": CALM0},
         "monthly_storms": [2.0] * 12, "duration": "48 h",
         "peak_wind": {"low": "20 m/s", "high": "30 m/s"}, "peak_hs": {"low": "3 m", "high": "6 m"}}
    d.update(kw)
    return d


def weather(spec: dict, hours: float, seed=1, rep=0, start="2025-01-01") -> Weather:
    s = build(cycle_dict(weather=spec, start_date=start))
    return Weather(s.weather, s.start_date, hours, Streams(seed, rep))


# ----------------------------------------------------------- storm profile, by hand
def test_storm_profile_by_hand():
    """A 8 h storm starting at 10.0 h with a 20 m/s, 4 m peak: at mid-hours 10.5 .. 17.5
    it is 1/16, 3/16, 5/16 ... of the way through; the trapezoid (a quarter rising, half
    at the peak, a quarter falling) gives 1/4, 3/4, 1, 1, 1, 1, 3/4, 1/4 of the peak."""
    w = weather(storms(monthly_storms=[0.0] * 12), 100)
    assert not w.wind_m_per_s["port"].any()
    w._add_storms("port", np.array([10.0]), np.array([8.0]), np.array([20.0]), np.array([4.0]))
    shape = np.array([0.25, 0.75, 1, 1, 1, 1, 0.75, 0.25])
    np.testing.assert_array_equal(w.wind_m_per_s["port"][10:18], 20 * shape)
    np.testing.assert_array_equal(w.hs_m["port"][10:18], 4 * shape)
    assert not w.wind_m_per_s["port"][:10].any() and not w.wind_m_per_s["port"][18:].any()


def test_site_factors_scale_the_origin_storms_after_the_lag():
    """Every storm reaches the port (probability 1) 5 h later with the origin's severity
    (correlation 1): the port's series is the origin's, shifted and scaled."""
    spec = storms(reach={"port": {"probability": 1.0, "lag": "5 h", "wind_factor": 0.8, "hs_factor": 0.5}})
    w = weather(spec, 20 * 8760)
    sea, port = w.wind_m_per_s["sea"], w.wind_m_per_s["port"]
    assert sea.max() > 20  # storms happened
    np.testing.assert_allclose(port[5:], 0.8 * sea[:-5], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(w.hs_m["port"][5:], 0.5 * w.hs_m["sea"][:-5], rtol=1e-12, atol=1e-12)


def test_site_severity_copula():
    """The site's normal score has correlation rho with the origin's and stays standard
    normal, so the site's severity is uniform again (its peaks span the ranges)."""
    g = np.random.Generator(np.random.PCG64(5))
    u0 = g.random(200_000)
    z = site_severity_z(u0, g.standard_normal(u0.size), 0.6)
    r = np.corrcoef(stats.norm.ppf(u0), z)[0, 1]
    assert abs(r - 0.6) < 0.01
    assert stats.kstest(stats.norm.cdf(z), "uniform").pvalue > 1e-3
    np.testing.assert_array_equal(site_severity_z(u0[:10], np.zeros(10), 1.0), stats.norm.ppf(u0[:10]))


def test_site_with_its_own_severity_differs_but_keeps_the_storm_times():
    base = {"probability": 1.0, "lag": "0 h"}
    same = weather(storms(reach={"port": base}), 5 * 8760)
    own = weather(storms(reach={"port": {**base, "correlation": 0.3}}), 5 * 8760)
    a, b = same.wind_m_per_s["port"], own.wind_m_per_s["port"]
    np.testing.assert_array_equal(a > 0, b > 0)  # the same storms, at the same hours
    np.testing.assert_array_equal(own.wind_m_per_s["sea"], same.wind_m_per_s["sea"])  # origin untouched
    assert not np.array_equal(a, b)
    peaks = b[b > 0].max()
    assert 20 <= peaks <= 30


# ------------------------------------------------------------- wind-wave relation
def test_wind_wave_moments_match_the_formula():
    """Wind ~ N(mu, sd^2) (floor at 0 never reached: mu = 10 sd); Hs = base + c W^2 + s Z
    with Z independent standard normal:
    E[Hs] = base + c (mu^2 + sd^2), Var[Hs] = c^2 (4 mu^2 sd^2 + 2 sd^4) + s^2,
    Corr(Hs, W) = 2 c mu sd / sd_Hs."""
    mu, sd, base, ref_w, ref_h, s = 10.0, 1.0, 0.2, 10.0, 1.2, 0.1
    c = (ref_h - base) / ref_w**2
    mean = base + c * (mu**2 + sd**2)
    var = c**2 * (4 * mu**2 * sd**2 + 2 * sd**4) + s**2
    corr = 2 * c * mu * sd / math.sqrt(var)
    site = {"wind_mean": f"{mu} m/s", "wind_sd": f"{sd} m/s",
            "wind_wave": {"base": f"{base} m", "ref_wind": f"{ref_w} m/s", "ref_hs": f"{ref_h} m", "noise_sd": f"{s} m"}}
    spec = storms(sites={"sea": site}, monthly_storms=[0.0] * 12, calm_autocorrelation=0.5)
    ms, vs, cs = [], [], []
    for rep in range(60):  # 60 x 20,000 h: a 99% half-width of about 0.07% of the correlation
        w = weather(spec, 20_000, rep=rep)
        h, wind = w.hs_m["sea"], w.wind_m_per_s["sea"]
        ms.append(h.mean())
        vs.append(h.var())
        cs.append(np.corrcoef(h, wind)[0, 1])
    for x, expected in ((ms, mean), (vs, var), (cs, corr)):
        m, hw = ci99(x)
        assert hw < 0.03 * expected  # precise enough to tell a wrong formula (no noise: Var 20% low)
        assert abs(m - expected) <= hw, (m, hw, expected)


def test_independent_hs_is_unchanged_and_uncorrelated():
    """The old background (hs_mean, hs_sd) is still there and has nothing to do with the wind."""
    site = {"wind_mean": "10 m/s", "wind_sd": "2 m/s", "hs_mean": "1 m", "hs_sd": "0.1 m"}
    w = weather(storms(sites={"sea": site}, monthly_storms=[0.0] * 12, calm_autocorrelation=0.5), 50_000)
    assert abs(np.corrcoef(w.hs_m["sea"], w.wind_m_per_s["sea"])[0, 1]) < 0.03


def test_calm_needs_one_hs_model():
    bad = {"wind_mean": "5 m/s", "wind_sd": "1 m/s", "hs_mean": "1 m", "hs_sd": "0.2 m",
           "wind_wave": {"base": "0 m", "ref_wind": "10 m/s", "ref_hs": "1 m"}}
    with pytest.raises(ss.ConfigError, match="either hs_mean and hs_sd, or wind_wave"):
        build(cycle_dict(weather=storms(sites={"sea": bad})))


# ---------------------------------------------------------------- berth exposure
def test_berth_exposure_scales_site_sea_state_before_the_limits():
    """Hand-built series: the limit applies to exposure x site value."""
    w = weather(storms(monthly_storms=[0.0] * 12), 10)
    n = w.n_hours
    w.hs_m["port"] = np.zeros(n)
    w.hs_m["port"][[2, 3, 7]] = [2.0, 4.0, 3.1]
    w.wind_m_per_s["port"] = np.zeros(n)
    w.wind_m_per_s["port"][5] = 30.0
    open_sea = w.availability("port", 20.0, 1.5)
    berth = w.availability("port", 20.0, 1.5, exposure=BerthExposure(wind=0.5, hs=0.5))
    assert not open_sea.is_up(2.5) and not open_sea.is_up(5.5)
    # berth: Hs 1.0, 2.0, 1.55 -> closed at hours 3 and 7; wind 15 -> open at hour 5
    assert [h for h in range(10) if not berth.is_up(h + 0.5)] == [3, 7]


def test_model_applies_berth_exposure_at_ports_not_at_sea():
    port = {"name": "L", "berths": 1, "tank_farm": {"capacity": "1e12 t", "initial_level": "5e11 t"},
            "transfer_rate": "5000 t/h", "weather_site": "port", "berth_exposure": {"hs": 0.25},
            "limits": {"berthing": {"max_hs": "1.5 m"}}}
    d = cycle_dict(weather=storms(reach={"port": {"probability": 1.0, "lag": "0 h"}}), load_port=port,
                   route={"distance": "200 nmi", "weather_site": "port", "passage_limits": {"max_hs": "1.5 m"}})
    w = ss.model.World(build(d), seed=3, horizon_h=8760)
    hs = w.weather.hs_m["port"][:8760]
    berth, sea = w.load.weather["berthing"], w.tankers[0].passage.sea
    closed = lambda a: np.array([not a.is_up(h + 0.5) for h in range(8760)])  # noqa: E731
    np.testing.assert_array_equal(closed(berth), 0.25 * hs > 1.5)
    np.testing.assert_array_equal(closed(sea), hs > 1.5)


# ---------------------------------------------------------------------------- fog
def test_visibility_limit_on_a_hand_built_series():
    w = weather(storms(monthly_storms=[0.0] * 12), 10)
    vis = np.full(w.n_hours, np.inf)
    vis[[1, 2, 6]] = [80.0, 600.0, 1000.0]
    w.visibility_m["port"] = vis
    a = w.availability("port", None, None, min_visibility_m=1000.0)
    assert [h for h in range(10) if not a.is_up(h + 0.5)] == [1, 2]
    b = w.availability("port", None, None, min_visibility_m=100.0)
    assert [h for h in range(10) if not b.is_up(h + 0.5)] == [1]
    assert w.availability("port", None, None).up_hours(0, 10) == 10
    assert w.availability("sea", None, None, min_visibility_m=1e6).up_hours(0, 10) == 10  # no fog at sea


def test_fog_episodes_durations_and_visibility():
    """Fixed 5 h episodes: every foggy run lasts 5 or 6 whole hours (it covers each hour it
    touches) unless two overlap; visibility is within the range; episode starts per
    calendar month follow the monthly rates."""
    rates = [4, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0]
    fog = {"port": {"monthly_episodes": rates, "duration": "5 h", "visibility": {"low": "50 m", "high": "500 m"}}}
    w = weather(storms(monthly_storms=[0.0] * 12, fog=fog), 100 * 8760)
    vis = w.visibility_m["port"]
    foggy = np.isfinite(vis)
    assert ((vis[foggy] >= 50) & (vis[foggy] <= 500)).all()
    edges = np.diff(np.concatenate(([0], foggy.astype(np.int8), [0])))
    runs = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
    assert set(runs[runs <= 6]) <= {5, 6} and (runs >= 5).all()
    months, _ = _calendar_of_hours(dt.date(2025, 1, 1), w.n_hours)
    starts = months[np.flatnonzero(edges == 1)]
    n_years = 100
    for m, rate in enumerate(rates):
        count = np.sum(starts == m)
        if rate == 0:
            assert count == 0
        else:  # merged overlaps make a few runs fewer than episodes: Poisson 99.9% band, from below
            assert rate * n_years * 0.9 - 3.3 * math.sqrt(rate * n_years) < count < rate * n_years + 3.3 * math.sqrt(rate * n_years)
    assert "sea" not in w.visibility_m


def test_fog_sites_must_exist():
    fog = {"nowhere": {"monthly_episodes": [1] * 12, "duration": "5 h", "visibility": {"low": "50 m", "high": "500 m"}}}
    with pytest.raises(ss.ConfigError, match="expected fog sites among"):
        build(cycle_dict(weather=storms(fog=fog)))


def test_model_stops_berthing_in_fog():
    fog = {"port": {"monthly_episodes": [10] * 12, "duration": "12 h", "visibility": {"low": "50 m", "high": "500 m"}}}
    port = {"name": "L", "berths": 1, "tank_farm": {"capacity": "1e12 t", "initial_level": "5e11 t"},
            "transfer_rate": "5000 t/h", "berthing": "2 h", "weather_site": "port",
            "limits": {"berthing": {"min_visibility": "1 km"}}}
    w = ss.model.World(build(cycle_dict(weather=storms(monthly_storms=[0.0] * 12, fog=fog), load_port=port,
                                        horizon="2000 h")), seed=2)
    w.run()
    vis = w.weather.visibility_m["port"]
    # fog held some berthings (at anchorage: a berth is assigned only when the window opens)
    assert w.load.hold_h["berthing"] + w.load.anchorage_weather_h > 0
    gate = w.load.weather["berthing"]
    for v in w.voyages:  # every berthing ran in clear weather from its start to its end
        start = v.load_start_h - 2.0  # berthing takes 2 h and ends at the load start (no formalities)
        assert gate.window(start, 2.0) == start
        assert np.isinf(vis[int(start):int(math.ceil(start + 2.0))]).all()


# -------------------------------------------------------------- calendar months
def test_month_lengths_are_real():
    months, month_h = _calendar_of_hours(dt.date(2024, 1, 1), 366 * 24)
    assert month_h[31 * 24] == 29 * 24  # February 2024
    assert month_h[0] == 744 and month_h[-1] == 744
    assert np.bincount(months, minlength=12).tolist() == [24 * d for d in (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)]


def test_monthly_rates_use_the_calendar_month():
    """20 events a month in February only: on average 20 per February, leap or not (a
    730-h month would give 20 x 672 / 730 = 18.4 in common years)."""
    from shuttle_sim.components.weather import _monthly_rate_per_h

    start, years = dt.date(2025, 1, 1), 200
    n = int(years * 365.25 * 24)
    rate = _monthly_rate_per_h(start, n, [0, 20] + [0] * 10)  # per hour, by day
    rng = Streams(4, 0).get("x", 0)
    months, _ = _calendar_of_hours(start, n)
    t = np.array(list(_thinned_times(rng, rate, n)))
    count = np.sum(months[t.astype(int)] == 1)
    expected = 20 * years
    assert abs(count - expected) < 3.3 * math.sqrt(expected)  # 99.9%; 18.4/month would be 11 sd away


# ------------------------------------------------ closures against renewal theory
def test_storm_closures_match_renewal_theory():
    """Storms arrive as a Poisson process (rate lam per hour, the monthly counts set in
    proportion to the month's days) with durations D; with no background a site is
    closed whenever a storm is on.  Overlapping storms form one closure: the busy
    periods of an M/G/inf queue, an alternating renewal process with
    up ~ Exp(lam) (E[up] = 1/lam), availability A = exp(-lam E[D]) = E[up]/(E[up]+E[down]),
    and lam A closures per hour (one per busy period)."""
    lam = 1 / 240.0
    spec = storms(monthly_storms=[lam * 24 * d for d in DAYS], duration={"dist": "lognormal", "mean": "48 h", "cv": 0.6},
                  sites={"sea": CALM0})
    A = math.exp(-lam * 48)
    H = 50 * 8760.0
    avail, rate, up = [], [], []
    for rep in range(12):
        w = weather(spec, H, seed=8, rep=rep)
        a = w.availability("sea", 0.0, None)  # closed while any storm blows (checked at mid-hour)
        i = np.searchsorted(a.starts, H)
        avail.append(a.up_hours(0, H) / H)
        rate.append(i / H)  # up spells begun before H: one per closure
        up.append(np.mean(np.array(a.ends[1:i - 1]) - np.array(a.starts[1:i - 1])))
    for x, expected, guard in ((avail, A, 0.01), (rate, lam * A, 0.03), (up, 1 / lam, 0.03)):
        m, hw = ci99(x)
        assert hw < guard * expected  # precision guard: an error of this size would show
        assert abs(m - expected) <= hw, (m, hw, expected)


def test_closure_stats_script_counts_a_hand_built_timeline():
    import importlib.util
    from pathlib import Path

    p = Path(__file__).resolve().parents[1] / "benchmarks" / "closure_stats.py"
    spec = importlib.util.spec_from_file_location("closure_stats", p)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    a = Availability([0.0, 5.0, 20.0], [3.0, 12.0, math.inf])
    assert mod.closures(a, 100) == [(3.0, 5.0), (12.0, 20.0)]
    assert mod.closures(Availability([2.0], [math.inf]), 10) == [(0.0, 2.0)]
    rows = mod.stats(ss.load_scenario(Path(__file__).resolve().parents[1] / "configs" / "aktau_current.yaml"), 3, 1,
                     "berthing")
    for r in rows:
        assert r["closed_d_per_yr"] == pytest.approx(r["month_d"].sum(), rel=1e-12)  # closures are whole hours
