"""Weather: hourly wind and wave height per site, and when each operation can work.

One :class:`Weather` is made per replication from the scenario's source:

* ``storms``: Poisson storms by calendar month at an origin site, reaching the other
  sites with a probability, a lag and a strength of their own, on top of a calm
  background (AR(1) wind; Hs either its own AR(1) or from the wind by a wind-wave
  relation with its own noise);
* ``hindcast``: replay of an hourly CSV from a calendar-aligned start in a random year;
* ``synthetic``: seasonal lognormal marginals with a Gaussian AR(1) copula across hours
  and sites, fitted from a hindcast by :func:`fit_synthetic`;
* ``closures``: open/closed spells per site (an alternating renewal process).

``storms`` and ``synthetic`` may add fog: a visibility series per site (episodes by
calendar month).  Series cover the horizon plus a margin (:data:`MARGIN_H`); after that every site is
workable.  ``availability(site, limits)`` turns a series into an
:class:`~shuttle_sim.components.availability.Availability` once (cached), so that every
later question (next window, work accumulated) costs O(log n).

All draws come from the ``weather`` streams (index = site number, or 0 for storms), so
the weather of a replication does not depend on the fleet or the berths.
"""

from __future__ import annotations

import array
import csv
import datetime as _dt
import functools
import math
import os
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from ..linear_filter import lfilter  # scipy.signal.lfilter, without scipy.signal's 0.5 s import
from ..rng import Stream, Streams
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


MAX_HINDCAST_BYTES = 16_000_000
"""Largest hindcast CSV read (bytes): about 18 years of three sites."""


@functools.lru_cache(maxsize=8)
def _read_cached(path: str, mtime: float) -> Hindcast:
    from ..config.reading import ConfigError, read_text

    try:
        read_text(path, "hindcast CSV", MAX_HINDCAST_BYTES)  # bounded, UTF-8: then stream it
        f = open(path, newline="", encoding="utf-8-sig")
    except ConfigError as e:
        raise HindcastError(str(e)) from None
    except OSError as e:
        raise HindcastError(f"{path}: cannot read file: {e.strerror or e}") from None
    with f:
        return _parse_hindcast(path, csv.reader(f))


def _parse_hindcast(path: str, reader) -> Hindcast:
    rows: dict[str, dict] = {}  # site -> {time: index into values}; compact: a file may be large
    values: dict[str, array.array] = {}  # site -> wind, hs, wind, hs ...
    zone: object = ...  # the UTC offset of the first time (None: without a time zone)
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
            shown = ",".join(row)[:80]
            raise HindcastError(f"{path}:{line}: expected an ISO time and two numbers, found {shown!r} ({e})") from None
        if not (0 <= wind < math.inf and 0 <= hs < math.inf):
            raise HindcastError(f"{path}:{line}: expected finite wind and Hs >= 0, found {wind}, {hs}")
        offset = t.utcoffset()
        if zone is ...:
            zone = offset
        elif offset != zone:
            raise HindcastError(f"{path}:{line}: expected every time in the time zone of the first "
                                f"({_zone_name(zone)}), found {_zone_name(offset)}")
        site = row[1].strip()
        if site not in rows:
            rows[site], values[site] = {}, array.array("d")
        rows[site][t] = len(values[site])  # where its wind is (a later duplicate wins)
        values[site].extend((wind, hs))
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
    idx = {s: np.fromiter((rows[s][t] for t in times), dtype=np.int64, count=len(times)) for s in sites}
    wind = {s: np.frombuffer(values[s], dtype=float)[idx[s]] for s in sites}
    hs = {s: np.frombuffer(values[s], dtype=float)[idx[s] + 1] for s in sites}
    return Hindcast(tuple(times), sites, wind, hs)


def _zone_name(offset: _dt.timedelta | None) -> str:
    if offset is None:
        return "no time zone"
    return f"UTC{'-' if offset < _dt.timedelta(0) else '+'}{str(abs(offset))[:-3]}"


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
    return _calendar_of_hours(start, n_hours)[0]


def _calendar_of_hours(start: _dt.date, n_hours: int) -> tuple[np.ndarray, np.ndarray]:
    """Calendar month (0..11) of each hour from ``start``, and that month's real length
    in hours (672 to 744: February of a leap year has 29 days)."""
    months, month_h = _calendar_of_days(start, n_hours // 24 + 1)
    return np.repeat(months, 24)[:n_hours], np.repeat(month_h, 24)[:n_hours]


@functools.lru_cache(maxsize=16)
def _calendar_of_days(start: _dt.date, n_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Calendar month (0..11) of each day from ``start`` and that month's length in hours
    (computed once per start and length: every weather source and fog site uses it)."""
    days = np.datetime64(start, "D") + np.arange(0, n_days)
    month_index = days.astype("datetime64[M]")
    months = month_index.astype(np.int64) % 12  # months since 1970-01
    month_h = 24 * ((month_index + 1).astype("datetime64[D]") - month_index.astype("datetime64[D]")).astype(np.int64)
    months.flags.writeable = month_h.flags.writeable = False
    return months, month_h


def _monthly_rate_per_h(start: _dt.date, n_hours: int, per_month: list[float]) -> np.ndarray:
    """Rate per hour of a Poisson process given as events per calendar month (each
    month's count spread over that month's real length), one value per *day* from
    ``start``: the rate at hour ``t`` is ``rate[int(t) // 24]``."""
    months, month_h = _calendar_of_days(start, n_hours // 24 + 1)
    return np.asarray(per_month, dtype=float)[months] / month_h


def _thinned_times(rng, rate_per_h_by_day: np.ndarray, n: int):
    """Event times in ``[0, n)`` hours of a Poisson process whose rate per hour is
    constant through each day (``rate_per_h_by_day``), by thinning; yields each time."""
    max_rate = float(rate_per_h_by_day.max()) if n else 0.0
    if max_rate <= 0:
        return
    t = 0.0
    while True:
        t += rng.standard_exponential() / max_rate
        if t >= n:
            return
        if rng.random() * max_rate < rate_per_h_by_day[int(t) // 24]:
            yield t


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
        self.visibility_m: dict[str, np.ndarray] = {}  # fog sites only: elsewhere unlimited
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
        phi = sp.calm_autocorrelation
        for site, calm in sorted(sp.sites.items()):
            rng = streams.generator(f"weather_calm/{site}")  # by name: another site changes no one else's weather
            wind = self.wind_m_per_s[site] = _scaled_floored(_ar1(rng, n, phi), calm.wind_mean_m_per_s,
                                                             calm.wind_sd_m_per_s)
            if calm.wind_wave is None:
                self.hs_m[site] = _scaled_floored(_ar1(rng, n, phi), calm.hs_mean_m, calm.hs_sd_m)
            else:
                self.hs_m[site] = wind_wave_hs(wind, _ar1(rng, n, phi), calm.wind_wave)
        storm_rng = streams.get("weather_storms", 0)
        rates = _monthly_rate_per_h(start, n, sp.monthly_storms)
        reach = sorted(sp.reach.items())
        reach_rng = {site: streams.get(f"weather_reach/{site}") for site, _ in reach}  # each site's own draws
        severity: dict[str, list] = {site: [] for site in self.wind_m_per_s}  # rows (start, duration, u)
        for t in _thinned_times(storm_rng, rates, n):
            duration = sp.duration.sample(storm_rng)
            u = storm_rng.random()
            severity[sp.origin].append((t, duration, u))
            for site, r in reach:
                if reach_rng[site].random() < r.probability:
                    severity[site].append((t + r.lag_h, duration, u))
        w_lo, w_span = sp.peak_wind.low_m_per_s, sp.peak_wind.high_m_per_s - sp.peak_wind.low_m_per_s
        h_lo, h_span = sp.peak_hs.low_m, sp.peak_hs.high_m - sp.peak_hs.low_m
        for site, rows in sorted(severity.items()):
            if not rows:
                continue
            t0, dur, sev = (np.array(c, dtype=float) for c in zip(*rows))
            rch = sp.reach.get(site)
            wind_factor = hs_factor = 1.0
            if rch is not None:
                wind_factor, hs_factor = rch.wind_factor, rch.hs_factor
                if rch.correlation < 1.0:  # the site's own severity, correlated with the origin's
                    eps = streams.generator(f"weather_storm_sites/{site}").standard_normal(sev.size)
                    sev = ndtr(site_severity_z(sev, eps, rch.correlation))
            self._add_storms(site, t0, dur, wind_factor * (w_lo + sev * w_span), hs_factor * (h_lo + sev * h_span))
        self._fog(start, streams)

    def _fog(self, start: _dt.date, streams: Streams) -> None:
        """Visibility (m) per fog site: unlimited except in the drawn episodes; an
        episode covers every hour it touches, and overlapping episodes take the lower.
        Episode starts: a homogeneous Poisson number of uniform candidates at the
        highest monthly rate, thinned to each day's rate (all in one pass)."""
        n = self.n_hours
        for site, fog in sorted(self.spec.fog.items()):
            gen = streams.generator(f"weather_fog/{site}")
            rate = _monthly_rate_per_h(start, n, fog.monthly_episodes)
            max_rate = float(rate.max())
            vis = self.visibility_m[site] = np.full(n, np.inf)
            if max_rate <= 0:
                continue
            t = np.sort(gen.random(gen.poisson(max_rate * n)) * n)
            t = t[gen.random(t.size) * max_rate < rate[t.astype(np.int64) // 24]]
            if not t.size:
                continue
            durations = Stream(gen)
            dur = np.array([fog.duration.sample(durations) for _ in range(t.size)])
            lo, span = fog.visibility.low_m, fog.visibility.high_m - fog.visibility.low_m
            v = lo + gen.random(t.size) * span
            i0 = t.astype(np.int64)
            lengths = np.minimum(np.ceil(t + dur).astype(np.int64), n) - i0
            keep = lengths > 0
            i0, lengths, v = i0[keep], lengths[keep], v[keep]
            hour = np.repeat(i0 - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
            np.minimum.at(vis, hour, np.repeat(v, lengths))

    def _add_storms(self, site: str, t0: np.ndarray, dur: np.ndarray, wind: np.ndarray, hs: np.ndarray) -> None:
        """Raise the site's series to each storm's trapezoid profile (1/4 of its duration
        rising, 1/2 at peak, 1/4 falling), hour by hour; overlapping storms take the max.
        All storms of a site in one vectorised pass."""
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
        self._fog(start, streams)

    def _closures_build(self, start: _dt.date, streams: Streams) -> None:
        for site, c in sorted(self.spec.sites.items()):
            rng = streams.get(f"weather_closures/{site}")
            downs, t = [], 0.0
            while t < self.n_hours:
                t += c.open.sample(rng)
                d = c.closed.sample(rng)
                if t < self.n_hours:
                    downs.append((t, t + d))
                t += d
            self._closures[site] = Availability.from_downs(downs)

    # ---------------------------------------------------------------- queries
    def availability(self, site: str, max_wind_m_per_s: float | None, max_hs_m: float | None,
                     min_visibility_m: float | None = None, exposure=None) -> Availability:
        """When an operation with these limits can work at ``site`` (cached).

        ``exposure`` (a :class:`~shuttle_sim.config.weather.BerthExposure`, for
        operations at a berth) scales the site's wind and Hs to the berth's before the
        limits apply.  Without fog at the site, visibility never stops anything.
        """
        if site in self._closures:
            return self._closures[site]
        wind_factor = exposure.wind if exposure is not None else 1.0
        hs_factor = exposure.hs if exposure is not None else 1.0
        vis = self.visibility_m.get(site) if min_visibility_m is not None else None
        key = (site, max_wind_m_per_s, max_hs_m, min_visibility_m if vis is not None else None, wind_factor, hs_factor)
        a = self._cache.get(key)
        if a is None:
            ok = np.ones(self.n_hours, dtype=bool)
            # factor x value <= limit, as value <= limit / factor: no scaled copy of the series
            if max_wind_m_per_s is not None:
                ok &= self.wind_m_per_s[site] <= max_wind_m_per_s / wind_factor
            if max_hs_m is not None:
                ok &= self.hs_m[site] <= max_hs_m / hs_factor
            if vis is not None:
                ok &= vis >= min_visibility_m
            a = self._cache[key] = Availability.from_mask(ok)
        return a


def wind_wave_hs(wind_m_per_s: np.ndarray, z: np.ndarray, ww) -> np.ndarray:
    """Hs from the wind by the relation of :class:`~shuttle_sim.config.weather.WindWave`:
    ``max(base + c * wind**2 + noise_sd * z, 0)`` with ``c = (ref_hs - base) / ref_wind**2``,
    computed in place in ``z`` (the noise's standard-normal series)."""
    z *= ww.noise_sd_m
    z += ww.base_m
    z += ww.per_wind2 * np.square(wind_m_per_s)
    return np.maximum(z, 0.0, out=z)


def site_severity_z(u_origin: np.ndarray, eps: np.ndarray, correlation: float) -> np.ndarray:
    """Normal score of a site's storm severity: ``rho * Phi^-1(u_origin) + sqrt(1 - rho^2) * eps``
    (a Gaussian copula with the origin's severity; ``Phi`` of it is uniform again)."""
    return correlation * ndtri(u_origin) + math.sqrt(1.0 - correlation * correlation) * eps


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
