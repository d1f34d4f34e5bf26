"""The study directory: append-only result files that survive kills, full disks and resumes.

Files
-----
``manifest.json``
    What the study is (scenario hash, seed, horizon), its status (``running``,
    ``interrupted``, ``complete``) and the layout of ``levels.bin``.
``scenario.resolved.yaml``
    The scenario with every value explicit; it reloads to an equal scenario.
``replications.csv``
    One row per finished replication: ``replication, seed, error, KPI...`` (floats by
    ``repr``, so they read back exactly).  Rows are appended as replications finish and
    rewritten in replication order when the study completes.
``levels.bin``
    One record per replication that ran: ``<i8`` replication number, ``<f4`` levels
    ``[2][level_days]`` in tonnes at 00:00 of each day (the rows are named in the
    manifest, ``levels_bin.rows``), and a ``<u4`` CRC-32 of those bytes, so that a partial
    record cannot pass for a whole one.  Read with :func:`read_levels`.
``summary.json``
    Written last, when the study completes: its presence means the files are complete.

Commit point and durability
---------------------------
A replication's levels record is appended first, then its CSV row: **the CSV row is the
commit**.  On resume, levels records without a row are cut, rows of replications that
ran but whose levels are missing or unreadable are removed and run again (never silently
dropped), and a torn last line or record (a kill mid-write) is cut.  Each append is one
``write`` to an unbuffered file, so a row is safe against a killed process as soon as it
is written; ``fsync`` runs at most once per second (``SYNC_EVERY_S``) and when the study
stops, which bounds what a power loss can take to the last second of results.  A failed
write (a full disk) is undone by truncating the file back to its length before the
append, and reported as a :class:`StudyError`; a later rerun continues from there.
Every other file is written whole by :func:`atomic_write` (a temporary file renamed into
place), the one such helper of the package.
"""

from __future__ import annotations

import csv
import errno
import functools
import io
import json
import math
import os
import time
import zlib
from pathlib import Path

import numpy as np
import yaml

from ..config.schema import Scenario, resolved_dict
from .outdir import (CSV, LEVELS, MANIFEST, SCENARIO, SUMMARY, _TMP_MARK, check_out_kind,  # noqa: F401
                     check_writable, directory_kind, read_manifest, run_started)
from .records import Record, StudyError, csv_header, csv_row

__all__ = ["StudyDir", "atomic_write", "read_levels", "levels_dtype", "SYNC_EVERY_S"]

SYNC_EVERY_S = 1.0
_MAX_REPLICATION = 2**40  # a levels record naming a larger number is misaligned
LEVELS_FORMAT = 2  # 1: no checksum (studies written before the checksum came)


def _write_all(f, data: bytes) -> None:
    """Write all of ``data`` to an unbuffered file (every write of this module comes here)."""
    view = memoryview(data)
    while view:
        view = view[f.write(view):]


def _sync(f) -> None:
    os.fsync(f.fileno())


def atomic_write(path: str | Path, data: str | bytes, *, sync: bool = False) -> None:
    """Write ``data`` to ``path`` whole or not at all: into a temporary file beside it,
    renamed into place.  ``sync`` flushes it to disk first (against power loss).  The
    temporary file is removed if anything fails."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}{_TMP_MARK}{os.getpid()}")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        with open(tmp, "wb", buffering=0) as f:
            _write_all(f, raw)
            if sync:
                _sync(f)
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise


def levels_dtype(level_days: int, fmt: int = LEVELS_FORMAT) -> np.dtype:
    """One ``levels.bin`` record (``fmt`` 1 has no checksum)."""
    fields = [("r", "<i8"), ("lv", "<f4", (2, level_days))]
    return np.dtype(fields + [("crc", "<u4")] if fmt >= 2 else fields)


def _pack(r: int, levels: np.ndarray, days: int) -> bytes:
    payload = np.int64(r).astype("<i8").tobytes() + np.asarray(levels, dtype="<f4").reshape(2, days).tobytes()
    return payload + zlib.crc32(payload).to_bytes(4, "little")


def _sound(raw: bytes, arr: np.ndarray, fmt: int) -> np.ndarray:
    """Which records are whole: checksum (format 2), else plausibility (format 1)."""
    size = arr.dtype.itemsize
    if fmt >= 2:
        return np.array([zlib.crc32(raw[i * size: (i + 1) * size - 4]) == c for i, c in enumerate(arr["crc"].tolist())],
                        dtype=bool)
    ok = (arr["r"] >= 0) & (arr["r"] < _MAX_REPLICATION)
    return ok & np.all((arr["lv"] >= 0) | np.isnan(arr["lv"]), axis=(1, 2))  # a level is never negative


def read_levels(path: str | Path) -> dict[int, np.ndarray]:
    """Daily tank levels of a study: ``{replication: array (2, days)}`` in tonnes at 00:00
    of each day.  ``path`` is the study directory or its ``levels.bin``.  Row 0 is the
    load farm and row 1 the discharge farm; for a ferry-only scenario row 0 is the rail
    loading station's buffer and row 1 NaN (the manifest's ``levels_bin.rows`` says which).
    Only whole records are read (a study still running, or killed, may end in a torn one).

    Raises
    ------
    StudyError
        ``path`` is not a study directory or its levels file (a single run keeps its
        levels in ``tank_levels.csv``; a sweep, one study per run under ``runs/``).
    """
    path = Path(path)
    folder, file = (path, path / LEVELS) if path.is_dir() else (path.parent, path)
    kind = directory_kind(folder)
    if kind == "run":
        raise StudyError(f"{path}: a single run's directory: its levels are in tank_levels.csv")
    if kind == "sweep":
        raise StudyError(f"{path}: a sweep directory: each of its runs is a study, {folder / 'runs' / 'RUN'}")
    if kind != "study" or file.name != LEVELS or not file.is_file():
        raise StudyError(f"{path}: expected a study directory or its {LEVELS}, found "
                         + ("nothing" if not path.exists() else "another file" if path.is_file() else "no study there"))
    manifest = read_manifest(folder)
    try:
        fmt = manifest.get("levels_bin", {}).get("format", 1)
        rec = levels_dtype(int(manifest["level_days"]), fmt)
    except (AttributeError, KeyError, TypeError, ValueError):
        raise StudyError(f"{folder / MANIFEST}: no level_days and levels_bin layout: not a study's manifest") from None
    raw = file.read_bytes()
    whole = raw[: len(raw) // rec.itemsize * rec.itemsize]
    arr = np.frombuffer(whole, dtype=rec)
    arr = arr[_sound(whole, arr, fmt)]
    return {int(a["r"]): np.array(a["lv"]) for a in arr}  # a re-run replication: the last copy wins


def _disk_errors(method):
    """Turn an OSError of a study-directory method into one clear StudyError."""

    @functools.wraps(method)
    def wrapped(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except OSError as e:
            what = e.strerror or str(e)
            hint = "free some space" if e.errno in (errno.ENOSPC, errno.EDQUOT) else "fix the cause"
            raise StudyError(f"--out {self.path}: cannot write: {what}; the replications finished so far are kept: "
                             f"{hint} and rerun the same command to continue") from None

    return wrapped


class StudyDir:
    """The files of one study (see the module docstring).

    Creating it checks the directory without writing; :meth:`open` creates or resumes it.
    """

    def __init__(self, path: str | Path, scenario: Scenario, seed: int, horizon_h: float) -> None:
        from ..output import scenario_hash

        self.path = Path(path)
        self.scenario = scenario
        self.sha = scenario_hash(scenario)
        self.seed = seed
        self.horizon_h = horizon_h
        self.days = int(math.floor(horizon_h / 24.0)) + 1
        self.dtype = levels_dtype(self.days)
        self.header: list[str] | None = None
        self._csv = self._lv = None
        self._held: list[Record] = []
        self._last_sync = 0.0
        try:
            check_writable(self.path)
            check_out_kind(self.path, "study")
            self._check_same_study(seed, horizon_h)
        except OSError as e:
            raise StudyError(f"--out {self.path}: {e.strerror or e}") from None

    def _check_same_study(self, seed: int, horizon_h: float) -> None:
        m = self.path / MANIFEST
        if m.exists():
            old = read_manifest(self.path)
            if old.get("scenario_sha256") != self.sha:
                what = self._scenario_difference(old.get("scenario"))
            elif old.get("seed") != seed:
                what = f"seed {old.get('seed')}, this one {seed}"
            elif old.get("horizon_h") != horizon_h:
                what = f"horizon {old.get('horizon_h')!r} h, this one {horizon_h!r} h"
            else:
                return
            raise StudyError(f"{self.path} holds a different study ({what}); use another --out directory, "
                             "or the same scenario, seed and horizon to resume or extend it")
        elif (self.path / CSV).exists():
            raise StudyError(f"--out {self.path}: holds {CSV} but no {MANIFEST}; use another --out directory")

    def _scenario_difference(self, old_name) -> str:
        """What differs between the scenario of the study in the directory and this one:
        the name, or the first few key paths whose values differ (from the directory's
        ``scenario.resolved.yaml``; each value in canonical units)."""
        if old_name != self.scenario.name:
            return f"scenario {old_name!r}, this one {self.scenario.name!r}"
        try:
            from ..config.reading import parse_yaml, read_text

            before, _ = parse_yaml(read_text(self.path / SCENARIO), str(self.path / SCENARIO))
        except Exception:  # noqa: BLE001 - missing or unreadable: say what the manifest says
            return f"another version of scenario {old_name!r}"
        diffs = list(_differences(before, resolved_dict(self.scenario)))
        shown = "; ".join(f"{k}: {a!r}, this one {b!r}" for k, a, b in diffs[:3])
        more = f"; and {len(diffs) - 3} more" if len(diffs) > 3 else ""
        return f"scenario {old_name!r} with {shown}{more}" if diffs else f"another version of scenario {old_name!r}"

    def _levels_format(self) -> int:
        m = self.path / MANIFEST
        return json.loads(m.read_text()).get("levels_bin", {}).get("format", 1) if m.exists() else LEVELS_FORMAT

    @property
    def level_rows(self) -> list[str | None]:
        s = self.scenario
        return ["load_tank", "discharge_tank"] if s.has_tankers else ["station_tank", None]

    # ------------------------------------------------------------------ open / resume
    @_disk_errors
    def open(self) -> list[Record]:
        """Create or resume the directory; the replications already committed."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StudyError(f"--out {self.path}: cannot create the directory: {e.strerror or e}") from None
        for stale in self.path.glob(f".*{_TMP_MARK}*"):  # left by a process killed mid-write
            stale.unlink()
        text = yaml.safe_dump(resolved_dict(self.scenario), sort_keys=False)
        f = self.path / SCENARIO
        if not f.exists() or f.read_bytes() != text.encode("utf-8"):
            atomic_write(f, text)
        if not (self.path / MANIFEST).exists():
            self.write_manifest(status="running")
        finished = self._repair()
        self._csv = open(self.path / CSV, "ab", buffering=0)
        self._lv = open(self.path / LEVELS, "ab", buffering=0)
        self._last_sync = time.monotonic()
        return finished

    def _read_csv(self) -> tuple[dict[int, tuple[Record, list[str]]], bool]:
        f = self.path / CSV
        raw = f.read_bytes() if f.exists() else b""
        good = raw[: raw.rfind(b"\n") + 1]
        try:
            lines = list(csv.reader(io.StringIO(good.decode("utf-8"))))
        except (UnicodeDecodeError, csv.Error) as e:
            raise StudyError(f"--out {self.path}: {CSV} is damaged ({e}); use another --out directory") from None
        rows: dict[int, tuple[Record, list[str]]] = {}
        if lines:
            self.header = lines[0]
            if self.header[:3] != ["replication", "seed", "error"]:
                raise StudyError(f"--out {self.path}: {CSV} is not a study's results file; use another --out directory")
            if len(self.header) == 3:  # every replication so far failed: no KPI names to extend; run them again
                self.header = None
                return {}, True
        for i, row in enumerate(lines[1:], start=2):
            try:
                if len(row) != len(self.header):
                    raise ValueError(f"{len(row)} fields, expected {len(self.header)}")
                r, seed = int(row[0]), int(row[1])
                kpis = {k: float(v) for k, v in zip(self.header[3:], row[3:])}
            except ValueError as e:
                raise StudyError(f"--out {self.path}: {CSV} line {i} is damaged ({e}); use another --out directory") from None
            if seed != self.seed:
                raise StudyError(f"--out {self.path}: {CSV} line {i} has seed {seed}, the study {self.seed}")
            rows.pop(r, None)
            rows[r] = (Record(r, seed, row[2], kpis if not row[2] else {}), row)
        return rows, len(good) != len(raw)

    def _repair(self) -> list[Record]:
        """Make the CSV and levels.bin agree: every committed replication that ran has its
        levels; every levels record has its row (see the module docstring)."""
        rows, csv_torn = self._read_csv()
        f = self.path / LEVELS
        raw = f.read_bytes() if f.exists() else b""
        fmt = self._levels_format()
        dtype = levels_dtype(self.days, fmt)
        n = len(raw) // dtype.itemsize
        arr = np.frombuffer(raw[: n * dtype.itemsize], dtype=dtype)
        sound = _sound(raw, arr, fmt)
        last: dict[int, int] = {}
        for i, r in enumerate(arr["r"].tolist()):
            # records are appended whole and a torn tail is cut before the next append, so a
            # record that is not whole, or repeats a replication, is a partial record
            # mid-file (left by an older version): nothing from there on can be trusted
            if not sound[i] or r in last:
                break
            if r in rows and not rows[r][0].error:
                last[r] = i
        keep = sorted(last.values())
        rerun = [r for r, (rec, _) in rows.items() if not rec.error and r not in last]
        for r in rerun:
            del rows[r]
        if fmt != LEVELS_FORMAT or len(keep) != len(arr) or len(raw) != n * dtype.itemsize:
            atomic_write(f, b"".join(_pack(int(a["r"]), a["lv"], self.days) for a in arr[keep]))
            if fmt != LEVELS_FORMAT:
                self.write_manifest()
        if csv_torn or rerun:
            if self.header is None:
                atomic_write(self.path / CSV, "")
                return []
            buf = io.StringIO()
            w = csv.writer(buf, lineterminator="\n")
            if self.header:
                w.writerow(self.header)
            w.writerows(row for _, row in rows.values())
            atomic_write(self.path / CSV, buf.getvalue())
        return [rec for rec, _ in rows.values()]

    # ------------------------------------------------------------------ appending
    def append(self, rec: Record, kpi_names: list[str]) -> None:
        """Commit one finished replication: its levels record, then its CSV row.

        Failures that come before any replication has given the KPI names (the CSV
        header) are held in memory: :meth:`finalize` writes them, and if the study stops
        first they run again on resume (their errors are reproducible)."""
        if not kpi_names and self.header is None:
            self._held.append(rec)
            return
        for held in self._held:
            self._append(held, kpi_names)
        self._held.clear()
        self._append(rec, kpi_names)

    @_disk_errors
    def _append(self, rec: Record, kpi_names: list[str]) -> None:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        header = csv_header(kpi_names)
        if self.header is None:
            w.writerow(header)
        elif self.header != header:
            raise StudyError(f"--out {self.path}: {CSV} holds other KPIs (written by another version?); "
                             "use another --out directory")
        w.writerow(csv_row(rec, kpi_names))
        row = buf.getvalue().encode("utf-8")
        done = []
        try:
            if rec.levels is not None and not rec.error:
                done.append((self._lv, os.fstat(self._lv.fileno()).st_size))
                _write_all(self._lv, _pack(rec.replication, rec.levels, self.days))
            done.append((self._csv, os.fstat(self._csv.fileno()).st_size))
            _write_all(self._csv, row)
        except BaseException:
            for fh, size in done:  # undo this replication: neither file keeps any of it
                try:
                    os.ftruncate(fh.fileno(), size)
                except OSError:
                    pass  # the next resume cuts it
            raise
        self.header = header
        if time.monotonic() - self._last_sync >= SYNC_EVERY_S:
            self._sync_all()

    def _sync_all(self) -> None:
        for fh in (self._lv, self._csv):
            if fh is not None:
                _sync(fh)
        self._last_sync = time.monotonic()

    @_disk_errors
    def close(self) -> None:
        """Flush to disk and close the append files."""
        try:
            self._sync_all()
        finally:
            for fh in (self._lv, self._csv):
                if fh is not None:
                    fh.close()
            self._lv = self._csv = None

    # ------------------------------------------------------------------ manifest and end
    @_disk_errors
    def write_manifest(self, **fields) -> None:
        from .. import __version__
        from ..config.provenance import manifest_fields

        m = self.path / MANIFEST
        old = json.loads(m.read_text()) if m.exists() else {}
        data = {**old, "kind": "study", "package_version": __version__, "scenario": self.scenario.name,
                "scenario_sha256": self.sha, **manifest_fields(self.scenario),
                "seed": self.seed, "horizon_h": self.horizon_h, "level_days": self.days,
                "levels_bin": {
                    "format": LEVELS_FORMAT,
                    "record": f"<i8 replication, <f4 levels[2][{self.days}], <u4 CRC-32 of the bytes before it",
                    "rows": self.level_rows,
                    "unit": "t",
                    "times": "00:00 of each day from the start, day 0 to level_days - 1",
                    "order": "replication order when complete, finishing order while running",
                },
                "durability": f"each row written as it finishes; fsync at most every {SYNC_EVERY_S:g} s and at the end",
                **fields}
        atomic_write(m, json.dumps(data, indent=2) + "\n", sync=fields.get("status") == "complete")

    @_disk_errors
    def start(self, **fields) -> None:
        """Mark the study running: nothing looks complete until :meth:`finalize`."""
        self.write_manifest(status="running", **run_started(self.path), **fields)
        (self.path / SUMMARY).unlink(missing_ok=True)

    @_disk_errors
    def finalize(self, records, kpi_names: list[str], summary: dict) -> None:
        """Rewrite the CSV and levels in replication order, then the summary (atomic renames)."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(csv_header(kpi_names))
        for r in sorted(records):
            w.writerow(csv_row(records[r], kpi_names))
        atomic_write(self.path / CSV, buf.getvalue(), sync=True)
        f = self.path / LEVELS
        arr = np.frombuffer(f.read_bytes(), dtype=self.dtype)
        order = np.argsort(arr["r"], kind="stable")
        if not np.array_equal(order, np.arange(arr.size)):
            atomic_write(f, arr[order].tobytes(), sync=True)
        atomic_write(self.path / SUMMARY, json.dumps(summary, indent=2) + "\n", sync=True)


def _differences(a, b, path: str = ""):
    """``(key path, a's value, b's value)`` of every leaf where two resolved scenarios
    differ, in document order (a list that changed length counts as one difference)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            yield from _differences(a.get(k), b.get(k), f"{path}.{k}" if path else str(k))
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            yield from _differences(x, y, f"{path}[{i}]")
    elif a != b:
        yield path, a, b
