"""Writing results to disk and to JSON.

An output directory is complete only when it holds ``manifest.json``, which is written
last; every file is written to a temporary name and renamed into place, so an
interrupted run never leaves a file that looks finished.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
from pathlib import Path
from typing import Iterable

import yaml

from .config.schema import Scenario, resolved_dict, scenario_hash  # noqa: F401  (scenario_hash: re-exported)
from .components.records import FerryTrip, Voyage, WeatherClosure
from .results import TANK_TRACES, Result
from .stats import summarize
from .study.outdir import check_out_kind
from .study.studydir import atomic_write


def kpi_summary(scenario_name: str, results: Iterable[Result]) -> dict:
    """The JSON shape shared by one run and a Monte Carlo study.

    ``{"scenario": ..., "replications": n, "kpis": {NAME: {"mean", "ci95_halfwidth",
    "p10", "p50", "p90"}}}``.  ``p10``, ``p50``, ``p90`` are the 10th, 50th and 90th
    percentiles over replications: ``p10`` is the value exceeded in 90% of them, ``p90``
    the value exceeded in only 10% (not the reserves habit of calling the 90%-likely
    value "P90").  NAMEs are described in :mod:`shuttle_sim.kpis`.
    """
    results = list(results)
    names = list(results[0].kpis) if results else []
    return {
        "scenario": scenario_name,
        "replications": len(results),
        "kpis": {n: summarize(r.kpis[n] for r in results) for n in names},
    }


def _csv(records: Iterable[tuple], record_type: type) -> str:
    """Records of one ``NamedTuple`` type as CSV: its fields are the header; floats are
    written with ``repr`` so that they read back to the same bits."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(record_type._fields)
    for r in records:
        w.writerow([repr(v) if isinstance(v, float) else v for v in r])
    return buf.getvalue()


def _levels_csv(result: Result) -> str:
    buf = io.StringIO()
    buf.write("tank,t_h,level_t\n")
    for tank in (name for name in result.traces if name in TANK_TRACES):
        t, y = result.traces[tank]
        for ti, yi in zip(t.tolist(), y.tolist()):
            buf.write(f"{tank},{ti!r},{yi!r}\n")
    return buf.getvalue()


def _yard_csv(result: Result) -> str:
    """The port yard's wagon count (all cargo) as its breakpoints: it holds ``wagons``
    from ``t_h`` until the next row's ``t_h`` (a step, not a ramp)."""
    buf = io.StringIO()
    buf.write("t_h,wagons\n")
    t, n = result.traces["yard_wagons"]
    for ti, ni in zip(t.tolist(), n.tolist()):
        buf.write(f"{ti!r},{int(ni)}\n")
    return buf.getvalue()


#: every data file a single run may write: rewriting a run's directory leaves none of the
#: earlier run's beside the new one (the report reads what is there)
RUN_FILES = ("scenario.resolved.yaml", "kpis.json", "tank_levels.csv", "weather_closures.csv", "voyages.csv",
             "ferry_trips.csv", "yard_wagons.csv")


def write_run(out_dir: str | Path, scenario: Scenario, result: Result, started: _dt.datetime) -> Path:
    """Write one replication's resolved scenario, KPIs, voyages, level traces and
    weather closures (``weather_closures.csv``: one row per spell a port was closed to
    an operation, header only when none was; ``yard_wagons.csv`` on the ferry route).

    All or nothing: if writing fails (or is interrupted), the files written so far are
    removed again, and so is the directory if this call created it.
    """
    out = Path(out_dir)
    check_out_kind(out, "run")  # never into a study's or a sweep's directory (its manifest would be replaced)
    created = [p for p in (out, *out.parents) if not p.exists()]
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / "manifest.json"
    if manifest.exists():
        manifest.unlink()  # the directory is incomplete until the new manifest lands
    written: list[Path] = []
    try:
        return _write_run(out, scenario, result, started, written)
    except BaseException:
        for p in written:
            p.unlink(missing_ok=True)
        for d in created:  # deepest first
            try:
                d.rmdir()
            except OSError:
                break
        raise


def _write_run(out: Path, scenario: Scenario, result: Result, started: _dt.datetime, written: list[Path]) -> Path:
    from . import __version__, _native
    from .config.provenance import manifest_fields

    def write(path: Path, text: str) -> None:
        written.append(path)
        atomic_write(path, text)

    manifest = out / "manifest.json"
    write(out / "scenario.resolved.yaml", yaml.safe_dump(resolved_dict(scenario), sort_keys=False))
    write(out / "kpis.json", json.dumps(kpi_summary(scenario.name, [result]), indent=2) + "\n")
    files = ["scenario.resolved.yaml", "kpis.json", "tank_levels.csv", "weather_closures.csv"]
    if scenario.has_tankers:
        write(out / "voyages.csv", _csv(result.voyages, Voyage))
        files.append("voyages.csv")
    if scenario.ferry is not None:
        write(out / "ferry_trips.csv", _csv(result.ferry_trips, FerryTrip))
        files.append("ferry_trips.csv")
        if "yard_wagons" in result.traces:
            write(out / "yard_wagons.csv", _yard_csv(result))
            files.append("yard_wagons.csv")
    write(out / "tank_levels.csv", _levels_csv(result))
    write(out / "weather_closures.csv", _csv(result.weather_closures, WeatherClosure))
    meta = {
        "kind": "run",
        "package_version": __version__,
        "compiled_modules": bool(_native.compiled_modules()),  # same results either way; speed differs
        "scenario": scenario.name,
        "scenario_sha256": scenario_hash(scenario),
        **manifest_fields(scenario),  # its file and the changes made to it: what the report may quote
        "seed": result.seed,
        "replications": 1,
        "horizon_h": result.horizon_h,
        "warmup_h": result.warmup_h,  # KPIs, voyages and crossings are of [warmup_h, horizon_h]
        "executor": "in-process",
        "started": started.isoformat(timespec="seconds"),
        "finished": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "files": files,
    }
    for name in RUN_FILES:  # an earlier run's files this one has not replaced (its ferry trips ...)
        if name not in files:
            (out / name).unlink(missing_ok=True)
    write(manifest, json.dumps(meta, indent=2) + "\n")
    return out
