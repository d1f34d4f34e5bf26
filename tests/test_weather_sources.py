"""Weather sources against their definitions: storm counts by calendar month (a
non-homogeneous Poisson process, each month's count over its real length), reach and lag, shared severity, the AR(1) calm
background, and the synthetic source's marginals and copula.

Tolerances are derived, not chosen: the standard error of a mean of an AR(1) series of
n hours with lag-1 correlation phi is sd * sqrt((1 + phi) / ((1 - phi) n)); of its
lag-1 autocorrelation about sqrt((1 - phi^2) / n); of a correlation rho about
(1 - rho^2) / sqrt(n).  Each check allows 4 standard errors and asserts the error is
small enough for the check to mean something.
"""

import calendar
import datetime as dt
import math

import numpy as np
import pytest

from shuttle_sim.components.weather import Weather
from shuttle_sim.rng import Streams

from .conftest import build, cycle_dict

CALM0 = {"wind_mean": "0 m/s", "wind_sd": "0 m/s", "hs_mean": "0 m", "hs_sd": "0 m"}
START = dt.date(2025, 1, 1)


def weather_spec(w: dict):
    return build(cycle_dict(weather=w, start_date=START.isoformat())).weather


def months_of(n_hours: int) -> np.ndarray:
    """Calendar month (1..12) of each hour from START, by the standard library."""
    t0 = dt.datetime(START.year, START.month, START.day)
    return np.array([(t0 + dt.timedelta(hours=int(h))).month for h in range(n_hours)])


def month_hours(n_hours: int) -> np.ndarray:
    """Length in hours of the calendar month of each hour from START (standard library)."""
    t0 = dt.datetime(START.year, START.month, START.day)
    return np.array([24 * calendar.monthrange(t.year, t.month)[1]
                     for t in (t0 + dt.timedelta(hours=int(h)) for h in range(n_hours))], float)


def storm_peaks(series: np.ndarray) -> np.ndarray:
    """The distinct peak values of the storms in a series with a zero background: each
    storm holds its peak for half its duration (4 of its 8 hours here)."""
    vals, counts = np.unique(series[series > 0], return_counts=True)
    return vals[counts >= 3]


STORMS = {
    "source": "storms", "sites": {"a": CALM0, "b": CALM0, "c": CALM0}, "origin": "a",
    "monthly_storms": [3, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0],
    "duration": "8 h", "peak_wind": {"low": "20 m/s", "high": "30 m/s"}, "peak_hs": {"low": "2 m", "high": "4 m"},
    "reach": {"b": {"probability": 1.0, "lag": "5 h"}, "c": {"probability": 0.4, "lag": "0 h"}},
}


def test_storms_follow_their_monthly_rates_reach_and_lag():
    spec = weather_spec(STORMS)
    H = 5 * 8760.0
    counts, reached, seen_c = [], 0, 0
    for rep in range(30):
        w = Weather(spec, START, H, Streams(21, rep))
        a, b, c = (w.wind_m_per_s[s] for s in "abc")
        n = w.n_hours
        if rep == 0:
            months = months_of(n)
            # each month's storms spread over that calendar month's real length (744 h in
            # January and July): the expected count over the series
            rate = np.array(STORMS["monthly_storms"], float)[months - 1] / month_hours(n)
            expected = rate.sum()
            stormy = np.flatnonzero(a > 0)
            # every storm hour is in January or July, or the spill of a storm begun there
            ok = np.isin(months[stormy], (1, 7)) | np.isin(months[np.maximum(stormy - 9, 0)], (1, 7))
            assert ok.all()
        peaks = storm_peaks(a)
        counts.append(len(peaks))
        # shared severity: peak wind and peak Hs from the same u, each within its range
        hs_a = w.hs_m["a"]
        for p in peaks:
            u = (p - 20) / 10
            assert 0 <= u <= 1
            # (an overlapping storm may raise Hs further at some of its peak hours)
            at_peak = hs_a[a == p]
            assert np.all(at_peak >= (2 + 2 * u) * (1 - 1e-12)) and np.isclose(at_peak, 2 + 2 * u, rtol=1e-12).any()
        # reach with probability 1 and a lag of 5 h: b is a, 5 hours later
        assert np.all(b[:5] == 0)
        assert np.allclose(b[5:], a[:n - 5], rtol=1e-12, atol=0)
        assert np.allclose(w.hs_m["b"][5:], hs_a[:n - 5], rtol=1e-12, atol=0)  # the same storm, Hs too
        # reach with probability 0.4 and no lag: c has a subset of a's storms, so it is
        # never windier than a (a storm hidden in a by a stronger one may show in c)
        assert np.all(c <= a)
        pc = storm_peaks(c)
        reached += len(pc)
        seen_c += len(peaks)
    m = np.mean(counts)
    se = math.sqrt(expected / len(counts))  # Poisson counts
    assert se < 0.03 * expected
    assert abs(m - expected) <= 4 * se, (m, expected, se)
    p_hat, se_p = reached / seen_c, math.sqrt(0.4 * 0.6 / seen_c)
    assert se_p < 0.02
    assert abs(p_hat - 0.4) <= 4 * se_p, (p_hat, se_p)


def test_storm_duration_sets_the_hours_at_peak():
    """A 12 h storm holds its peak for the middle half of its duration: 6 hourly values
    (mid-hours within [t0 + 3, t0 + 9]), give or take one at the edges."""
    spec = weather_spec({**STORMS, "duration": "12 h", "reach": {}})
    w = Weather(spec, START, 8760.0, Streams(5, 0))
    vals, counts = np.unique(w.wind_m_per_s["a"][w.wind_m_per_s["a"] > 0], return_counts=True)
    plateau = counts[counts >= 3]
    assert len(plateau) > 5 and set(plateau) <= {6, 7}


def ar1_se_of_mean(sd, phi, n):
    return sd * math.sqrt((1 + phi) / ((1 - phi) * n))


def test_calm_background_is_an_ar1_with_its_mean_sd_and_autocorrelation():
    calm = {"wind_mean": "8 m/s", "wind_sd": "2 m/s", "hs_mean": "1.2 m", "hs_sd": "0.3 m"}
    spec = weather_spec({**STORMS, "sites": {"a": calm}, "reach": {}, "monthly_storms": [0] * 12,
                         "calm_autocorrelation": 0.85})
    w = Weather(spec, START, 5 * 8760.0, Streams(8, 0))
    phi = 0.85
    for x, mean, sd in ((w.wind_m_per_s["a"], 8.0, 2.0), (w.hs_m["a"], 1.2, 0.3)):
        n = x.size
        assert x.min() >= 0
        se = ar1_se_of_mean(sd, phi, n)
        assert abs(x.mean() - mean) <= 4 * se
        se_sd = sd * math.sqrt((1 + phi**2) / ((1 - phi**2) * 2 * n))
        assert abs(x.std() - sd) <= 4 * se_sd
        r1 = np.corrcoef(x[:-1], x[1:])[0, 1]
        assert abs(r1 - phi) <= 4 * math.sqrt((1 - phi**2) / n)


# ------------------------------------------------------------------ synthetic
PHI = [0.8, 0.7, 0.6, 0.5]  # wind@x, wind@y, hs@x, hs@y
CORR = [[1.0, 0.6, 0.3, 0.1], [0.6, 1.0, 0.2, 0.3], [0.3, 0.2, 1.0, 0.5], [0.1, 0.3, 0.5, 1.0]]
SYNTH = {
    "source": "synthetic",
    "sites": {
        "x": {"log_wind_mean": [1.0 + 0.1 * m for m in range(12)], "log_wind_sd": [0.3 + 0.02 * m for m in range(12)],
              "log_hs_mean": [-0.5 + 0.05 * m for m in range(12)], "log_hs_sd": [0.4] * 12},
        "y": {"log_wind_mean": [2.0 - 0.1 * m for m in range(12)], "log_wind_sd": [0.5] * 12,
              "log_hs_mean": [0.2] * 12, "log_hs_sd": [0.25 + 0.01 * m for m in range(12)]},
    },
    "autocorrelation": PHI,
    "correlation": CORR,
}


def test_synthetic_marginals_by_month_and_copula():
    spec = weather_spec(SYNTH)
    w = Weather(spec, START, 10 * 8760.0, Streams(13, 0))
    n = w.n_hours
    months = months_of(n) - 1
    comps = [(w.wind_m_per_s["x"], "x", "wind"), (w.wind_m_per_s["y"], "y", "wind"),
             (w.hs_m["x"], "x", "hs"), (w.hs_m["y"], "y", "hs")]
    z = np.empty((n, 4))
    for k, (series, site, var) in enumerate(comps):
        mu = np.array(SYNTH["sites"][site][f"log_{var}_mean"])
        sd = np.array(SYNTH["sites"][site][f"log_{var}_sd"])
        logx = np.log(series)
        step = np.abs(np.diff(mu))
        for m in range(12):
            sel = months == m
            se = ar1_se_of_mean(sd[m], PHI[k], sel.sum())
            if step.max() > 0:
                assert 4 * se < step[step > 0].min()  # fine enough to tell neighbouring months apart
            assert abs(logx[sel].mean() - mu[m]) <= 4 * se, (site, var, m)
        z[:, k] = (logx - mu[months]) / sd[months]
        se_sd = math.sqrt((1 + PHI[k] ** 2) / ((1 - PHI[k] ** 2) * 2 * n))
        assert abs(z[:, k].std() - 1) <= 4 * se_sd
        r1 = np.corrcoef(z[:-1, k], z[1:, k])[0, 1]
        assert abs(r1 - PHI[k]) <= 4 * math.sqrt((1 - PHI[k] ** 2) / n)
    phi = np.array(PHI)
    innov = (z[1:] - phi * z[:-1]) / np.sqrt(1 - phi**2)
    got = np.corrcoef(innov, rowvar=False)
    want = np.array(CORR)
    assert np.all(np.abs(got - want) <= 4 * (1 - want**2) / math.sqrt(n) + 1e-12), got


def test_fit_synthetic_by_hand():
    """A two-month hindcast at one site: January wind alternates 2 and 8 m/s (log mean
    ln 4, sd ln 2) over a constant Hs of 1 m; February has a constant 5 m/s wind and Hs
    alternating 0.5 and 2 m.  Months without data take the whole series' mean and sd;
    a constant month's sd is floored at 1e-6.  The standardised alternating series have
    a lag-1 correlation of almost -1, clipped to -0.999."""
    from shuttle_sim.components.weather import Hindcast, fit_synthetic

    t0 = dt.datetime(2025, 1, 1)
    times = tuple(t0 + dt.timedelta(hours=h) for h in range((31 + 28) * 24))
    jan = np.array([t.month == 1 for t in times])
    alt = np.arange(len(times)) % 2 == 0
    wind = np.where(jan, np.where(alt, 2.0, 8.0), 5.0)
    hs = np.where(jan, 1.0, np.where(alt, 0.5, 2.0))
    fit = fit_synthetic(Hindcast(times, ("a",), {"a": wind}, {"a": hs}))
    a = fit["sites"]["a"]
    lw = np.log(wind)
    assert a["log_wind_mean"][:2] == pytest.approx([math.log(4), math.log(5)], abs=1e-6)
    assert a["log_wind_sd"][:2] == pytest.approx([math.log(2), 1e-6], abs=1e-6)
    assert a["log_wind_mean"][2:] == pytest.approx([lw.mean()] * 10, abs=1e-6)
    assert a["log_wind_sd"][2:] == pytest.approx([lw.std()] * 10, abs=1e-6)
    assert a["log_hs_mean"][:2] == pytest.approx([0.0, 0.5 * (math.log(0.5) + math.log(2))], abs=1e-6)
    assert a["log_hs_sd"][:2] == pytest.approx([1e-6, 0.5 * (math.log(2) - math.log(0.5))], abs=1e-6)
    assert fit["autocorrelation"] == [-0.999, -0.999]
    c = np.array(fit["correlation"])
    assert c.shape == (2, 2) and c[0, 0] == c[1, 1] == 1.0 and c[0, 1] == c[1, 0]
    # a value of 0 is floored at 0.01 before the log
    hs0 = np.where(jan, 0.0, 1.0)
    fit0 = fit_synthetic(Hindcast(times, ("a",), {"a": wind}, {"a": hs0}))
    assert fit0["sites"]["a"]["log_hs_mean"][0] == pytest.approx(math.log(0.01), abs=1e-6)


def test_fit_synthetic_small_samples():
    """A month with two hours has its own sd (of two values); a three-hour hindcast still
    has a lag-1 correlation (of two pairs: z = -1, +1, 0 gives -1, clipped to -0.999)."""
    from shuttle_sim.components.weather import Hindcast, fit_synthetic

    t0 = dt.datetime(2025, 1, 31, 22)
    times = tuple(t0 + dt.timedelta(hours=h) for h in range(3))  # Jan 22:00, 23:00; Feb 00:00
    wind, hs = np.array([2.0, 8.0, 5.0]), np.array([1.0, 2.0, 4.0])
    fit = fit_synthetic(Hindcast(times, ("a",), {"a": wind}, {"a": hs}))
    a = fit["sites"]["a"]
    assert a["log_wind_sd"][0] == pytest.approx(math.log(2), abs=1e-6)  # sd of ln 2 and ln 8
    assert a["log_hs_sd"][0] == pytest.approx(0.5 * math.log(2), abs=1e-6)
    assert a["log_wind_sd"][1] == pytest.approx(np.log(wind).std(), abs=1e-6)  # one hour: the whole series' sd
    assert fit["autocorrelation"] == [-0.999, -0.999]


def test_fit_synthetic_recovers_a_known_ar1_copula():
    """Two log series generated here (numpy, not the package) as a Gaussian AR(1) with
    lag-1 correlations 0.8 and 0.5 and innovations correlated 0.6: the fit recovers them
    within 4 standard errors (sqrt((1 - phi^2) / n) and (1 - rho^2) / sqrt(n))."""
    from shuttle_sim.components.weather import Hindcast, fit_synthetic

    n, phi, rho = 2 * 8760, np.array([0.8, 0.5]), 0.6
    rng = np.random.default_rng(2024)
    e = rng.standard_normal((n, 2)) @ np.linalg.cholesky(np.array([[1, rho], [rho, 1]])).T
    z = np.empty((n, 2))
    z[0] = e[0]
    for t in range(1, n):
        z[t] = phi * z[t - 1] + np.sqrt(1 - phi**2) * e[t]
    t0 = dt.datetime(2025, 1, 1)
    times = tuple(t0 + dt.timedelta(hours=h) for h in range(n))
    fit = fit_synthetic(Hindcast(times, ("a",), {"a": np.exp(1.5 + 0.4 * z[:, 0])}, {"a": np.exp(-0.3 + 0.2 * z[:, 1])}))
    for k in range(2):
        assert abs(fit["autocorrelation"][k] - phi[k]) <= 4 * math.sqrt((1 - phi[k] ** 2) / n)
    assert abs(fit["correlation"][0][1] - rho) <= 4 * (1 - rho**2) / math.sqrt(n) + 0.01  # + monthly standardising
    se = ar1_se_of_mean(0.4, 0.8, 744)
    assert abs(fit["sites"]["a"]["log_wind_mean"][0] - 1.5) <= 4 * se
