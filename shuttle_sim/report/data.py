"""Result directories read into tidy pandas tables: a single run, a Monte Carlo study, a
sweep.  Reads files only; never imports the model, its components or SimPy.

What each directory holds (written by ``shuttle_sim.output``, ``shuttle_sim.experiment``
and the sweep layer):

run (``shuttle-sim run --out``)
    manifest.json, scenario.resolved.yaml, kpis.json, tank_levels.csv (tank, t_h,
    level_t), weather_closures.csv (port, port_name, site, operation, start_h, end_h;
    absent in runs written before it), voyages.csv (tanker route), ferry_trips.csv and
    yard_wagons.csv (t_h, wagons; ferry route).
study (``shuttle-sim run -n N --out``)
    manifest.json (with ``level_days``), scenario.resolved.yaml, replications.csv (one row
    per replication: replication, seed, error, KPIs), levels.bin (per replication an
    int64 replication number, float32 levels ``(2, level_days)`` at 00:00 of each day and
    (format 2) a CRC-32 (layout: ``study.studydir.levels_dtype``):
    row 0 the load farm, row 1 the discharge farm; read here through ``numpy.memmap``),
    summary.json.
sweep (assumed shape, see :class:`~.sweep_data.SweepData`)
    manifest.json (``"kind": "sweep"``, ``"factors"``), cells.csv, replications.csv with a
    ``cell`` column, answer.json.

The kind is the manifest's ``kind`` when it says so, otherwise told by the files present.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from pathlib import Path

import numpy as np
import pandas as pd

from .. import units
from ..stats import summarize
from ..study.records import json_type
from .source import ScenarioSource, read_source

if TYPE_CHECKING:  # pragma: no cover
    from .sweep_data import SweepData

__all__ = ["ReportError", "RunData", "StudyData", "ScenarioInfo", "load", "kind_of", "parse_window"]


class ReportError(ValueError):
    """A directory or option the report cannot use; the message is one line."""


# ------------------------------------------------------------------ the scenario
@dataclass(frozen=True)
class ScenarioInfo:
    """What the figures need from ``scenario.resolved.yaml`` (canonical units: t, h)."""

    name: str
    description: str
    start: pd.Timestamp
    horizon_h: float
    density_t_per_m3: float
    capacity_t: dict[str, float]           # {"load", "discharge", "station"} present ones
    berths: dict[str, int]                 # {"load", "discharge"}
    port_names: dict[str, str]
    has_tankers: bool
    has_ferry: bool
    ferry_capacity_wagons: int | None
    disruptions: tuple[dict, ...]          # {"target", "start", "end", "factor", "note"}
    resolved: dict = field(repr=False, compare=False, default_factory=dict)
    warmup_h: float = 0.0                  # left out of every KPI: they measure [warmup_h, horizon_h]

    @property
    def measured_h(self) -> float:
        """The period every KPI is measured over (the horizon after the warm-up)."""
        return self.horizon_h - self.warmup_h

    def time(self, t_h) -> pd.DatetimeIndex | pd.Timestamp:
        """Simulation hours as calendar timestamps."""
        return self.start + pd.to_timedelta(np.asarray(t_h, dtype=float), unit="h")

    @property
    def end(self) -> pd.Timestamp:
        return self.time(self.horizon_h)


def _mass_t(text) -> float:
    return units.parse_quantity(str(text), ("mass",)).value


def _hours(text) -> float:
    return units.parse_quantity(str(text), ("time",)).value


def _scenario_info(d: dict, horizon_h: float | None) -> ScenarioInfo:
    cap, berths, names = {}, {}, {}
    for role in ("load", "discharge"):
        port = d.get(f"{role}_port")
        if port:
            cap[role] = _mass_t(port["tank_farm"]["capacity"])
            berths[role] = int(port["berths"])
            names[role] = str(port.get("name", role))
    ferry = d.get("ferry")
    if ferry:
        cap["station"] = _mass_t(ferry["station"]["tank_farm"]["capacity"])
    fcap = None
    if ferry and isinstance(ferry.get("ferries"), dict):
        fcap = ferry["ferries"].get("capacity_wagons")
    dis = []
    for x in d.get("disruptions") or []:
        if "start" in x and "end" in x:
            dis.append({"target": x.get("target", ""), "start": pd.Timestamp(str(x["start"])),
                        "end": pd.Timestamp(str(x["end"])), "factor": x.get("factor"), "note": x.get("note", "")})
    return ScenarioInfo(
        name=str(d.get("name", "scenario")),
        description=" ".join(str(d.get("description", "")).split()),
        start=pd.Timestamp(str(d.get("start_date", "2025-01-01"))),
        horizon_h=float(horizon_h if horizon_h is not None else _hours(d["horizon"])),
        density_t_per_m3=units.parse_quantity(str(d["crude"]["density"]), ("density",)).value,
        capacity_t=cap, berths=berths, port_names=names,
        has_tankers=bool(d.get("load_port")) and bool(d.get("fleet")), has_ferry=bool(ferry),
        ferry_capacity_wagons=int(fcap) if fcap else None, disruptions=tuple(dis), resolved=d,
        warmup_h=_hours(d["warmup"]) if d.get("warmup") else 0.0,
    )


# ------------------------------------------------------------------ common reading
def _one(value) -> str:
    """A value from a file, shown short in a message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _json(path: Path) -> dict:
    """A result file's JSON object (every one the package writes is an object)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(f"{path}: missing (is this a finished result directory?)") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ReportError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(data, dict):
        raise ReportError(f"{path}: expected a JSON object, found {json_type(data)}")
    return data


#: what this layer reads of each file of a run (the columns it names), so that a file cut
#: short or changed since it was written is one line here, not a KeyError in a figure
RUN_COLUMNS: dict[str, tuple[str, ...]] = {
    "tank_levels.csv": ("tank", "t_h", "level_t"),
    "voyages.csv": ("tanker", "tanker_class", "cargo_t") + tuple(
        f"{role}_{moment}_h" for role in ("load", "discharge") for moment in ("arrive", "berth", "start", "end", "depart")),
    "weather_closures.csv": ("port", "operation", "start_h", "end_h"),
    "ferry_trips.csv": ("leave_port_h",),
    "yard_wagons.csv": ("t_h", "wagons"),
}


def _csv(path: Path, columns: tuple[str, ...] = (), **kw) -> pd.DataFrame:
    """A result CSV; with ``columns``, each must be there, and those of hours, tonnes or
    wagons must be numbers (a row cut short by a killed write is not)."""
    try:
        df = pd.read_csv(path, **kw)
    except FileNotFoundError:
        raise ReportError(f"{path}: missing (is this a finished result directory?)") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise ReportError(f"{path}: not a readable CSV ({str(e).splitlines()[0]})") from None
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ReportError(f"{path}: expected the columns {', '.join(columns)}, found no {', '.join(missing)}")
    for c in columns:
        if c.endswith(("_h", "_t")) or c == "wagons":
            try:
                df[c] = pd.to_numeric(df[c])
            except (ValueError, TypeError):
                bad = next(v for v in df[c] if not _is_number(v))
                raise ReportError(f"{path}: column {c}: expected numbers, found {_one(bad)} (cut short or changed "
                                  "since it was written?)") from None
    return df


def _torn(path: Path) -> bool:
    """Whether a CSV's last line lacks its newline (each row is written whole, newline
    last: a row without one was cut short).  The file is not empty: its header was read."""
    with open(path, "rb") as f:
        f.seek(-1, 2)
        return f.read(1) != b"\n"


def _is_number(v) -> bool:
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True


def kind_of(path: str | Path) -> str:
    """``'run'``, ``'study'`` or ``'sweep'``: the manifest's ``kind``, else told by the files."""
    p = Path(path)
    if not p.is_dir():
        raise ReportError(f"{p}: expected a result directory (the --out of a run, study or sweep), found "
                          + ("a file" if p.exists() else "nothing"))
    m = _json(p / "manifest.json")
    kind = m.get("kind")
    if kind in ("run", "study", "sweep"):
        return kind
    if (p / "cells.csv").exists():
        return "sweep"
    if (p / "replications.csv").exists():
        return "study"
    if (p / "kpis.json").exists():
        return "run"
    raise ReportError(f"{p}: manifest.json found, but no kpis.json, replications.csv or cells.csv")


def parse_window(text: str | None, info: ScenarioInfo | None = None):
    """``'2025-02-01:2025-03-01'`` as two timestamps (None for None)."""
    if text is None:
        return None
    parts = str(text).split(":")
    try:
        if len(parts) != 2:
            raise ValueError
        a, b = (pd.Timestamp(x.strip()) for x in parts)
    except ValueError:
        raise ReportError(f"--window: expected START:END dates like 2025-02-01:2025-03-01, found {text!r}") from None
    if not b > a:
        raise ReportError(f"--window: expected an end after the start, found {text!r}")
    if info is not None and (b <= info.start or a >= info.end):
        raise ReportError(f"--window: expected dates within the simulated period {info.start:%Y-%m-%d} to "
                          f"{info.end:%Y-%m-%d}, found {text!r}")
    return a, b


def _resolved(p: Path, manifest: dict) -> ScenarioInfo:
    from ..config.reading import ConfigError, parse_yaml, read_text

    f = p / "scenario.resolved.yaml"
    if not f.exists():
        raise ReportError(f"{f}: missing")
    try:  # bounded and safe, as a scenario file: a result directory may come from anyone
        d, _ = parse_yaml(read_text(f, "resolved scenario"), str(f))
    except ConfigError as e:
        raise ReportError(str(e).splitlines()[0]) from None
    try:
        if not isinstance(d, dict):
            raise TypeError(f"expected a mapping, found {type(d).__name__}")
        return _scenario_info(d, manifest.get("horizon_h"))
    except (AttributeError, KeyError, TypeError, ValueError) as e:
        raise ReportError(f"{p / 'scenario.resolved.yaml'}: not a resolved scenario ({type(e).__name__}: {e})") from None


# ------------------------------------------------------------------ run
@dataclass
class RunData:
    """One replication.

    Attributes
    ----------
    kpis : dict[str, float]
    levels : DataFrame
        tank, t_h, level_t, time (calendar), one row per breakpoint of the exact trace.
    voyages : DataFrame or None
        voyages.csv plus calendar columns; ``load_berth``/``discharge_berth`` (berth
        index) when the run recorded them.
    ferry_trips : DataFrame or None
    window : (Timestamp, Timestamp)
        The period the Gantt chart shows (``--window``, default the first 30 days after the
        warm-up, from the 00:00 before it).
    closures : DataFrame or None
        weather_closures.csv plus ``start``/``end`` (calendar): each spell a port was
        closed to an operation; empty when none was, None when the run did not record them.
    yard : DataFrame or None
        yard_wagons.csv plus ``time``: the port yard's wagon count, a step from each row.
    """

    path: Path
    manifest: dict
    scenario: ScenarioInfo
    source: ScenarioSource
    kpis: dict[str, float]
    levels: pd.DataFrame
    voyages: pd.DataFrame | None
    ferry_trips: pd.DataFrame | None
    window: tuple[pd.Timestamp, pd.Timestamp]
    target_mt_per_year: float | None = None
    kind: str = "run"
    closures: pd.DataFrame | None = None
    yard: pd.DataFrame | None = None


def load_run(p: Path, window=None, target=None) -> RunData:
    m = _json(p / "manifest.json")
    info = _resolved(p, m)
    kp = _json(p / "kpis.json").get("kpis")
    kpis = ({k: v["mean"] for k, v in kp.items() if isinstance(v, dict) and _is_number(v.get("mean"))
             and v.get("mean") is not None} if isinstance(kp, dict) else {})
    if "delivered_mt_per_year" not in kpis:
        raise ReportError(f"{p / 'kpis.json'}: expected kpis.delivered_mt_per_year.mean, found none")
    lv = _csv(p / "tank_levels.csv", RUN_COLUMNS["tank_levels.csv"])
    lv["time"] = info.time(lv["t_h"])
    voy = _csv(p / "voyages.csv", RUN_COLUMNS["voyages.csv"]) if (p / "voyages.csv").exists() else None
    trips = _csv(p / "ferry_trips.csv", RUN_COLUMNS["ferry_trips.csv"]) if (p / "ferry_trips.csv").exists() else None
    if trips is not None:
        trips["time"] = info.time(trips["leave_port_h"])
    closures = (_csv(p / "weather_closures.csv", RUN_COLUMNS["weather_closures.csv"], keep_default_na=False)
                if (p / "weather_closures.csv").exists() else None)
    if closures is not None:
        closures["start"], closures["end"] = info.time(closures["start_h"]), info.time(closures["end_h"])
    yard = _csv(p / "yard_wagons.csv", RUN_COLUMNS["yard_wagons.csv"]) if (p / "yard_wagons.csv").exists() else None
    if yard is not None:
        yard["time"] = info.time(yard["t_h"])
    win = parse_window(window, info) if isinstance(window, str) or window is None else tuple(map(pd.Timestamp, window))
    if win is None:  # the first 30 days measured: ships in a warm-up have no voyage records yet
        first = info.time(info.warmup_h).floor("D")
        win = (first, min(first + pd.Timedelta(days=30), info.end))
    return RunData(p, m, info, read_source(p, m, info.name), kpis, lv, voy, trips, win,
                   target if target is not None else _target(m), closures=closures, yard=yard)


# ------------------------------------------------------------------ study
@dataclass
class StudyData:
    """A Monte Carlo study: one row per replication, the summary, daily levels by memmap."""

    path: Path
    manifest: dict
    scenario: ScenarioInfo
    source: ScenarioSource
    replications: pd.DataFrame           # replication, seed, error, one column per KPI
    summary: dict                        # {"kpis": {NAME: {mean, ci95_halfwidth, p10, p50, p90}}, ...}
    target_mt_per_year: float | None = None
    kind: str = "study"

    @property
    def ok(self) -> pd.DataFrame:
        """Replications that ran without error."""
        e = self.replications["error"].fillna("").astype(str)
        return self.replications[e == ""]

    @property
    def kpi_names(self) -> list[str]:
        return [c for c in self.replications.columns if c not in ("replication", "seed", "error", "cell")]

    def long(self) -> pd.DataFrame:
        """Tidy: replication, kpi, value (one row per replication and KPI)."""
        return self.ok.melt(id_vars=["replication"], value_vars=self.kpi_names, var_name="kpi", value_name="value")

    def stat(self, name: str) -> dict:
        """``{mean, ci95_halfwidth, p10, p50, p90}`` of one KPI (from summary.json when it has it)."""
        s = self.summary.get("kpis", {}).get(name)
        return s if s else summarize(self.ok[name].to_numpy(dtype=float))

    def levels(self) -> np.memmap | None:
        """levels.bin as a read-only memory map of records ``(r, lv[2, days])``; None if absent."""
        f = self.path / "levels.bin"
        days = self.manifest.get("level_days")
        if not f.exists() or not days:
            return None
        from ..study.studydir import levels_dtype  # the record layout is defined once, beside its writer

        try:
            rec = levels_dtype(int(days), int(self.manifest.get("levels_bin", {}).get("format", 1)))
        except (AttributeError, TypeError, ValueError):
            raise ReportError(f"{self.path / 'manifest.json'}: expected level_days and levels_bin.format as whole "
                              f"numbers, found {_one(days)} and {_one(self.manifest.get('levels_bin'))}") from None
        n = f.stat().st_size // rec.itemsize  # a torn tail (killed mid-write) is ignored
        return np.memmap(f, dtype=rec, mode="r", shape=(n,)) if n else None

    def level_quantiles(self, qs=(10, 50, 90), chunk_days: int = 64) -> np.ndarray | None:
        """Percentiles ``qs`` of the daily level over replications: array (len(qs), 2, days).

        Read through the memory map a block of days at a time, so memory stays at
        replications x chunk_days, whatever the study's size.  A replication written
        twice (a re-run after an interruption) counts once: its last copy."""
        mm = self.levels()
        if mm is None:
            return None
        r = np.asarray(mm["r"])
        last = r.size - 1 - np.unique(r[::-1], return_index=True)[1]
        rows = np.sort(last)
        days = mm["lv"].shape[-1]
        out = np.full((len(qs), 2, days), np.nan)
        for d0 in range(0, days, chunk_days):
            block = np.asarray(mm["lv"][rows, :, d0:d0 + chunk_days], dtype=float)
            if np.isnan(block).all():
                continue
            with warnings.catch_warnings():  # a farm with no levels (ferry-only: row 1) is all NaN
                warnings.simplefilter("ignore", RuntimeWarning)
                out[:, :, d0:d0 + chunk_days] = np.nanpercentile(block, qs, axis=0)
        return out


def _target(manifest: dict) -> float | None:
    """A throughput target in Mt/yr the manifest names (``target_mt_per_year`` or
    ``target: {kpi: delivered_mt_per_year, value: ...}``), else None."""
    t = manifest.get("target_mt_per_year")
    if t is None and isinstance(manifest.get("target"), dict):
        tg = manifest["target"]
        if tg.get("kpi", "delivered_mt_per_year") == "delivered_mt_per_year":
            t = tg.get("value")
    return float(t) if t is not None else None


def load_study(p: Path, target=None) -> StudyData:
    m = _json(p / "manifest.json")
    info = _resolved(p, m)
    reps = _csv(p / "replications.csv", dtype={"error": str}, keep_default_na=False, na_values=["nan", "NaN", ""])
    if "error" not in reps.columns or "replication" not in reps.columns:
        raise ReportError(f"{p / 'replications.csv'}: expected columns replication, seed, error, KPIs")
    reps["error"] = reps["error"].fillna("").astype(str)
    if _torn(p / "replications.csv"):  # its last row cut short by a killed write (resume re-runs it)
        reps = reps.iloc[:-1]
    if reps.empty:
        raise ReportError(f"{p / 'replications.csv'}: no finished replication yet")
    if not (reps["error"] == "").any():
        raise ReportError(f"{p / 'replications.csv'}: no replication finished without error (the first error: "
                          f"{_one(reps['error'].iloc[0])})")
    summary = _json(p / "summary.json") if (p / "summary.json").exists() else {"kpis": {}}
    return StudyData(p, m, info, read_source(p, m, info.name), reps, summary,
                     target if target is not None else _target(m))


def load(path: str | Path, window=None, target: float | None = None) -> RunData | StudyData | SweepData:
    """Read a run, study or sweep directory (the kind from its manifest)."""
    p = Path(path)
    kind = kind_of(p)
    if kind == "run":
        return load_run(p, window, target)
    if window is not None:
        parse_window(window)  # a malformed window is an error even where it is not used
    if kind == "study":
        return load_study(p, target)
    from .sweep_data import load_sweep  # the sweep reader, in a module of its own

    return load_sweep(p, target)


def finite(x) -> bool:
    return x is not None and isinstance(x, (int, float)) and math.isfinite(x)
