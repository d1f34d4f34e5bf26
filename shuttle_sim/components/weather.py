"""Weather: hourly wind and wave height per site, and when each operation can work.

One :class:`Weather` is made per replication from the scenario's source:

* ``storms``: Poisson storms by calendar month at an origin site, reaching the other
  sites with a probability and a lag, on top of an AR(1) calm background;
* ``hindcast``: replay of an hourly CSV from a calendar-aligned start in a random year;
* ``synthetic``: seasonal lognormal marginals with a Gaussian AR(1) copula across hours
  and sites, fitted from a hindcast by :func:`fit_synthetic`;
* ``closures``: open/closed spells per site (an alternating renewal process).

Series cover the horizon plus a margin (:data:`MARGIN_H`); after that every site is
workable.  ``availability(site, limits)`` turns a series into an
:class:`~shuttle_sim.components.availability.Availability` once (cached), so that every
later question (next window, work accumulated) costs O(log n).

All draws come from the ``weather`` streams (index = site number, or 0 for storms), so
the weather of a replication does not depend on the fleet or the berths.
"""

from __future__ import annotations

import csv
import datetime as _dt
import functools
import math
import os
from dataclasses import dataclass

import numpy as np


def lfilter(b, a, x):
    """:func:`scipy.signal.lfilter`, imported on first use: ``scipy.signal`` costs about
    0.75 s to import, which ``--help``, ``validate`` and runs without synthetic weather
    should not pay."""
    from scipy.signal import lfilter as _lfilter

    return _lfilter(b, a, x)


from ..rng import Streams
from .availability import Availability

MARGIN_H = 60 * 24  # series run this far past the horizon


class HindcastError(ValueError):
    """A hindcast CSV that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Hindcast:
    """An hourly hindcast: ``times`` (datetimes) and per-site wind (m/s) and Hs (m)."""

    times: tuple
    sites: tuple[str, ...]
    wind_m_per_s: dict
    hs_m: dict


@functools.lru_cache(maxsize=8)
def _read_cached(path: str, mtime: float) -> Hindcast:
    rows: dict[str, dict] = {}
    try:
        f = open(path, newline="", encoding="utf-8")
    except OSError as e:
        raise HindcastError(f"{path}: cannot read file: {e.strerror or e}") from None
    with f:
        reader = csv.reader(f)
        header = next(reader, None)
        want = ["time", "site", "wind_m_per_s", "hs_m"]
        if header is None or [h.strip() for h in header] != want:
            raise HindcastError(f"{path}:1: expected the header {','.join(want)}, found {','.join(header or [])!r}")
        for line, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != 4:
                raise HindcastError(f"{path}:{line}: expected 4 fields, found {len(row)}")
            try:
                t = _dt.datetime.fromisoformat(row[0].strip())
                wind, hs = float(row[2]), float(row[3])
            except ValueError as e:
                raise HindcastError(f"{path}:{line}: expected an ISO time and two numbers, found {row!r} ({e})") from None
            if not (wind >= 0 and hs >= 0):
                raise HindcastError(f"{path}:{line}: expected wind and Hs >= 0, found {wind}, {hs}")
            rows.setdefault(row[1].strip(), {})[t] = (wind, hs)
    if not rows:
        raise HindcastError(f"{path}: expected hourly rows, found none")
    sites = tuple(sorted(rows))
    times = sorted(rows[sites[0]])
    for s in sites:
        if sorted(rows[s]) != times:
            raise HindcastError(f"{path}: expected the same times for every site; site {s!r} differs")
    steps = {(b - a) for a, b in zip(times, times[1:])}
    if steps and steps != {_dt.timedelta(hours=1)}:
        raise HindcastError(f"{path}: expected consecutive hourly times, found steps {sorted(steps)[:3]}")
    wind = {s: np.array([rows[s][t][0] for t in times]) for s in sites}
    hs = {s: np.array([rows[s][t][1] for t in times]) for s in sites}
    return Hindcast(tuple(times), sites, wind, hs)


def read_hindcast(path: str | os.PathLike) -> Hindcast:
    """Read (once per file version) an hourly CSV ``time,site,wind_m_per_s,hs_m``."""
    p = str(path)
    try:
        mtime = os.path.getmtime(p)
    except OSError as e:
        raise HindcastError(f"{p}: cannot read file: {e.strerror or e}") from None
    return _read_cached(p, mtime)


def _month_of_hours(start: _dt.date, n_hours: int) -> np.ndarray:
    """Calendar month (0..11) of each hour from ``start``."""
    days = np.datetime64(start, "D") + np.arange(0, n_hours // 24 + 2)
    months = days.astype("datetime64[M]").astype(np.int64) % 12  # months since 1970-01
    return np.repeat(months, 24)[:n_hours]


def _ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    """Stationary standard-normal AR(1) series of length ``n``."""
    e = rng.standard_normal(n)
    e *= math.sqrt(1.0 - phi * phi)  # in place: each temporary of a long series costs page faults
    e[0] = rng.standard_normal()
    return lfilter([1.0], [1.0, -phi], e)


def _scaled_floored(z: np.ndarray, mean: float, sd: float) -> np.ndarray:
    """``max(mean + sd * z, 0)``, computed in place in ``z``."""
    z *= sd
    z += mean
    return np.maximum(z, 0.0, out=z)


class Weather:
    """The weather of one replication.

    Parameters
    ----------
    spec : weather spec of the scenario (``StormWeather``, ``HindcastWeather`` ...)
    start_date : datetime.date
        Calendar date of simulation hour 0.
    horizon_h : float
    streams : Streams
    """

    def __init__(self, spec, start_date: _dt.date, horizon_h: float, streams: Streams) -> None:
        self.spec = spec
        self.n_hours = int(math.ceil(horizon_h)) + MARGIN_H
        self.wind_m_per_s: dict[str, np.ndarray] = {}
        self.hs_m: dict[str, np.ndarray] = {}
        self._closures: dict[str, Availability] = {}
        self._cache: dict[tuple, Availability] = {}
        build = {"storms": self._storms, "hindcast": self._hindcast, "synthetic": self._synthetic,
                 "closures": self._closures_build}[spec.source]
        build(start_date, streams)

    @property
    def sites(self) -> list[str]:
        return sorted(self._closures or self.wind_m_per_s)

    # ---------------------------------------------------------------- sources
    def _storms(self, start: _dt.date, streams: Streams) -> None:
        sp, n = self.spec, self.n_hours
        for i, (site, calm) in enumerate(sorted(sp.sites.items())):
            rng = streams.generator("weather_calm", i)
            self.wind_m_per_s[site] = _scaled_floored(_ar1(rng, n, sp.calm_autocorrelation), calm.wind_mean_m_per_s, calm.wind_sd_m_per_s)
            self.hs_m[site] = _scaled_floored(_ar1(rng, n, sp.calm_autocorrelation), calm.hs_mean_m, calm.hs_sd_m)
        rng = streams.get("weather_storms", 0)
        months = _month_of_hours(start, n)
        hours_in_month = 730.0
        rates = np.asarray(sp.monthly_storms) / hours_in_month  # storms per hour, by month
        max_rate = rates.max()
        if max_rate <= 0:
            return
        reach = sorted(sp.reach.items())
        storms: dict[str, list] = {site: [] for site in self.wind_m_per_s}
        t = 0.0
        while True:  # thinning of a Poisson process with a month-dependent rate
            t += rng.standard_exponential() / max_rate
            if t >= n:
                break
            if rng.random() * max_rate >= rates[months[int(t)]]:
                continue
            duration = sp.duration.sample(rng)
            u = rng.random()
            wind = sp.peak_wind.low_m_per_s + u * (sp.peak_wind.high_m_per_s - sp.peak_wind.low_m_per_s)
            hs = sp.peak_hs.low_m + u * (sp.peak_hs.high_m - sp.peak_hs.low_m)
            storms[sp.origin].append((t, duration, wind, hs))
            for site, r in reach:
                if rng.random() < r.probability:
                    storms[site].append((t + r.lag_h, duration, wind, hs))
        for site, rows in storms.items():
            self._add_storms(site, rows)

    def _add_storms(self, site: str, rows: list[tuple[float, float, float, float]]) -> None:
        """Raise the site's series to each storm's trapezoid profile (1/4 of its duration
        rising, 1/2 at peak, 1/4 falling), hour by hour; overlapping storms take the max.
        All storms of a site in one vectorised pass."""
        t0, dur, wind, hs = (np.array(c, dtype=float) for c in zip(*rows)) if rows else (np.zeros(0),) * 4
        i0 = np.floor(t0).astype(np.int64)
        i1 = np.minimum(np.ceil(t0 + dur).astype(np.int64), self.n_hours)
        keep = (dur > 0) & (i0 < i1)
        t0, dur, wind, hs, i0, i1 = t0[keep], dur[keep], wind[keep], hs[keep], i0[keep], i1[keep]
        lengths = i1 - i0
        if not lengths.size:
            return
        k = np.repeat(np.arange(lengths.size), lengths)  # storm of each affected hour
        hour = i0[k] + (np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths))
        x = (hour + 0.5 - t0[k]) / dur[k]  # 0..1 through the storm, at mid-hour
        shape = np.clip(np.minimum(x, 1.0 - x) / 0.25, 0.0, 1.0)
        np.maximum.at(self.wind_m_per_s[site], hour, wind[k] * shape)
        np.maximum.at(self.hs_m[site], hour, hs[k] * shape)

    def _hindcast(self, start: _dt.date, streams: Streams) -> None:
        hc = read_hindcast(self.spec.file)
        anchors = [i for i, t in enumerate(hc.times) if (t.month, t.day, t.hour) == (start.month, start.day, 0)]
        if not anchors:
            anchors = [0]
        i0 = anchors[streams.get("weather_hindcast", 0).integers(len(anchors))]
        idx = (i0 + np.arange(self.n_hours)) % len(hc.times)  # wrap to the file's start
        for s in hc.sites:
            self.wind_m_per_s[s] = hc.wind_m_per_s[s][idx]
            self.hs_m[s] = hc.hs_m[s][idx]

    def _synthetic(self, start: _dt.date, streams: Streams) -> None:
        sp, n = self.spec, self.n_hours
        sites = sorted(sp.sites)
        phi = np.asarray(sp.autocorrelation)
        chol = np.linalg.cholesky(np.asarray(sp.correlation) + 1e-12 * np.eye(len(phi)))
        rng = streams.generator("weather_synthetic", 0)
        eps = rng.standard_normal((n, len(phi))) @ chol.T
        z = np.empty_like(eps)
        for k in range(len(phi)):
            e = eps[:, k] * math.sqrt(1 - phi[k] ** 2)
            e[0] = eps[0, k]
            z[:, k] = lfilter([1.0], [1.0, -phi[k]], e)
        months = _month_of_hours(start, n)
        for i, s in enumerate(sites):
            m = sp.sites[s]
            self.wind_m_per_s[s] = np.exp(np.asarray(m.log_wind_mean)[months] + np.asarray(m.log_wind_sd)[months] * z[:, i])
            self.hs_m[s] = np.exp(np.asarray(m.log_hs_mean)[months] + np.asarray(m.log_hs_sd)[months] * z[:, len(sites) + i])

    def _closures_build(self, start: _dt.date, streams: Streams) -> None:
        for i, (site, c) in enumerate(sorted(self.spec.sites.items())):
            rng = streams.get("weather_closures", i)
            downs, t = [], 0.0
            while t < self.n_hours:
                t += c.open.sample(rng)
                d = c.closed.sample(rng)
                if t < self.n_hours:
                    downs.append((t, t + d))
                t += d
            self._closures[site] = Availability.from_downs(downs)

    # ---------------------------------------------------------------- queries
    def availability(self, site: str, max_wind_m_per_s: float | None, max_hs_m: float | None) -> Availability:
        """When an operation with these limits can work at ``site`` (cached)."""
        if site in self._closures:
            return self._closures[site]
        key = (site, max_wind_m_per_s, max_hs_m)
        a = self._cache.get(key)
        if a is None:
            ok = np.ones(self.n_hours, dtype=bool)
            if max_wind_m_per_s is not None:
                ok &= self.wind_m_per_s[site] <= max_wind_m_per_s
            if max_hs_m is not None:
                ok &= self.hs_m[site] <= max_hs_m
            a = self._cache[key] = Availability.from_mask(ok)
        return a


def fit_synthetic(hc: Hindcast) -> dict:
    """Fit the ``synthetic`` weather source to a hindcast: returns scenario-file data.

    Marginals: per site and calendar month, mean and sd of log wind and log Hs (values
    floored at 0.01 before the log).  Dependence: lag-1 autocorrelation of each
    standardised log series, and the correlation matrix of their AR(1) innovations.
    """
    months = np.array([t.month - 1 for t in hc.times])
    sites = list(hc.sites)
    comps, out_sites = [], {}
    for s in sites:
        out_sites[s] = {}
        for var, series in (("wind", hc.wind_m_per_s[s]), ("hs", hc.hs_m[s])):
            x = np.log(np.maximum(series, 0.01))
            mean = np.array([x[months == m].mean() if np.any(months == m) else x.mean() for m in range(12)])
            sd = np.array([x[months == m].std() if np.sum(months == m) > 1 else x.std() for m in range(12)])
            sd = np.maximum(sd, 1e-6)
            out_sites[s][f"log_{var}_mean"] = [round(float(v), 6) for v in mean]
            out_sites[s][f"log_{var}_sd"] = [round(float(v), 6) for v in sd]
            comps.append((var, s, (x - mean[months]) / sd[months]))
    order = [c for c in comps if c[0] == "wind"] + [c for c in comps if c[0] == "hs"]
    z = np.column_stack([c[2] for c in order])
    phi = np.array([np.corrcoef(z[:-1, k], z[1:, k])[0, 1] if z.shape[0] > 2 else 0.0 for k in range(z.shape[1])])
    phi = np.clip(np.nan_to_num(phi), -0.999, 0.999)
    innov = (z[1:] - phi * z[:-1]) / np.sqrt(1 - phi**2)
    corr = np.atleast_2d(np.corrcoef(innov, rowvar=False)) if z.shape[1] > 1 else np.ones((1, 1))
    corr = np.nan_to_num(corr)
    np.fill_diagonal(corr, 1.0)
    return {
        "source": "synthetic",
        "sites": out_sites,
        "autocorrelation": [round(float(v), 6) for v in phi],
        "correlation": [[round(float(v), 6) for v in row] for row in corr],
    }
