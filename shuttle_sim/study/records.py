"""One replication's record and the table of a study's records.

A :class:`Record` is what a worker sends back for one replication: which cell and
replication it was, its seed, its KPIs (or the error that stopped it, with the code
location), its daily tank levels and its wall-clock runtime.  A failed replication is a
record like any other, so a study goes on and reports it.

A :class:`ResultTable` holds a study's records column-wise, indexed by replication number.
"""

from __future__ import annotations

import math
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["StudyError", "Record", "ResultTable", "KpiRow", "describe_error", "csv_header", "csv_row"]

_MAX_MESSAGE = 300


def json_type(value) -> str:
    """What a parsed JSON value is, in JSON's words (``an array``, ``null``...), for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return {list: "an array", str: "a string", int: "a number", float: "a number", dict: "an object"}.get(
        type(value), type(value).__name__)


class StudyError(ValueError):
    """A study that cannot run as asked (e.g. its directory holds a different study);
    the one exception type of the study layer, reported in one line."""


@dataclass
class Record:
    """One replication's outcome.

    Attributes
    ----------
    replication, seed : int
        Replication ``r`` of root ``seed`` draws from streams named by ``(seed, r)``.
    error : str
        ``''`` if it ran; else ``Type: message [file:line:function]``.
    kpis : dict[str, float]
    levels : numpy.ndarray or None
        Daily tank levels (2, days) in tonnes, see ``studydir.LEVELS_ROWS``.
    runtime_s : float
        Wall-clock time of the replication (not written to the result files, which must
        be identical from run to run).
    cell : str
        The design cell (``''`` for a one-scenario study).
    """

    replication: int
    seed: int
    error: str = ""
    kpis: dict[str, float] = field(default_factory=dict)
    levels: np.ndarray | None = None
    runtime_s: float = 0.0
    cell: str = ""


def describe_error(exc: BaseException) -> str:
    """``Type: message [file:line:function]`` of the innermost frame, on one line.

    The location is what a bug report needs and what the exception line alone omits;
    the file is given relative to the package's parent directory when inside it.
    """
    msg = " ".join(str(exc).split())
    if len(msg) > _MAX_MESSAGE:
        msg = msg[: _MAX_MESSAGE - 3] + "..."
    text = f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        f = frames[-1]
        root = Path(__file__).resolve().parents[2]
        try:
            name = Path(f.filename).resolve().relative_to(root).as_posix()
        except ValueError:
            name = Path(f.filename).name
        text += f" [{name}:{f.lineno}:{f.name}]"
    return text


def csv_header(kpi_names: list[str]) -> list[str]:
    return ["replication", "seed", "error", *kpi_names]


def csv_row(rec: "Record | Mapping", kpi_names: list[str]) -> list:
    """A replication as a ``replications.csv`` row (floats by repr: they read back exactly)."""
    if isinstance(rec, Record):
        r, seed, error, kp = rec.replication, rec.seed, rec.error, rec.kpis
    else:
        r, seed, error, kp = rec["replication"], rec["seed"], rec["error"], rec.get("kpis") or {}
    return [r, seed, error, *(repr(float(kp.get(k, math.nan))) for k in kpi_names)]


class KpiRow(Mapping):
    """One replication's KPIs: a read-only mapping over a float64 array and a name index
    shared by all rows (720 bytes for 90 KPIs, against ~5 KB for a dict)."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: dict[str, int], values: np.ndarray) -> None:
        self._index = index
        self._values = values

    def __getitem__(self, key: str) -> float:
        return float(self._values[self._index[key]])

    def __iter__(self):
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


class ResultTable(Mapping):
    """A study's results by replication number, stored column-wise.

    KPIs live in one float64 array indexed by replication number (grown by doubling),
    errors in a dict; nothing is allocated per replication.  That matters: a small
    record kept per replication is allocated amid that replication's garbage and pins a
    mostly empty heap arena, so memory grew ~10 KB per replication.  Reading
    ``table[r]`` builds ``{"replication", "seed", "error", "kpis"}`` on demand.
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.names: list[str] = []
        self.index: dict[str, int] = {}
        self._v = np.empty((0, 0))
        self._done = np.zeros(0, dtype=bool)
        self._runtime = np.zeros(0)
        self.errors: dict[int, str] = {}

    def _grow(self, r: int) -> None:
        cap = max(64, 2 * self._done.size, r + 1)
        done = np.zeros(cap, dtype=bool)
        done[: self._done.size] = self._done
        runtime = np.full(cap, np.nan)
        runtime[: self._runtime.size] = self._runtime
        self._done, self._runtime = done, runtime
        if self.names:
            v = np.full((cap, len(self.names)), np.nan)
            v[: self._v.shape[0]] = self._v
            self._v = v

    def add(self, rec: Record) -> None:
        r = int(rec.replication)
        kpis = rec.kpis
        if kpis and not self.names:
            self.names = list(kpis)
            self.index = {k: i for i, k in enumerate(self.names)}
            self._v = np.full((self._done.size, len(self.names)), np.nan)
        if r >= self._done.size:
            self._grow(r)
        if kpis:
            self._v[r] = [kpis.get(k, math.nan) for k in self.names]
        self._done[r] = True
        self._runtime[r] = rec.runtime_s if rec.runtime_s else np.nan
        if rec.error:
            self.errors[r] = rec.error
        else:
            self.errors.pop(r, None)

    def upto(self, n: int) -> "ResultTable":
        """The results of replications 0 .. n-1 only."""
        t = ResultTable(self.seed)
        t.names, t.index, t.errors = self.names, self.index, {r: e for r, e in self.errors.items() if r < n}
        t._done = self._done.copy()
        t._done[n:] = False
        t._v, t._runtime = self._v, self._runtime
        return t

    def ok(self) -> np.ndarray:
        """Replication numbers that ran without error, ascending."""
        mask = self._done.copy()
        mask[[r for r in self.errors if r < mask.size]] = False
        return np.flatnonzero(mask)

    def frame(self):
        """One row per replication, all KPIs as columns (a pandas DataFrame); ``runtime_s``
        is NaN for replications read back from a study directory."""
        import pandas as pd

        reps = np.flatnonzero(self._done)
        df = pd.DataFrame(self._v[reps] if self.names else np.zeros((reps.size, 0)), columns=self.names,
                          index=pd.Index(reps, name="replication"))
        df.insert(0, "runtime_s", self._runtime[reps])
        df.insert(0, "error", [self.errors.get(int(r), "") for r in reps])
        df.insert(0, "seed", self.seed)
        return df

    def column(self, name: str) -> np.ndarray:
        """One KPI over the replications that ran, in replication order."""
        return self._v[self.ok(), self.index[name]] if self.names else np.zeros(0)

    def __contains__(self, r: object) -> bool:
        return isinstance(r, (int, np.integer)) and 0 <= r < self._done.size and bool(self._done[r])

    def __getitem__(self, r: int) -> dict:
        if r not in self:
            raise KeyError(r)
        kpis = KpiRow(self.index, self._v[r]) if self.names else {}
        return {"replication": int(r), "seed": self.seed, "error": self.errors.get(int(r), ""), "kpis": kpis}

    def __iter__(self):
        return iter(int(r) for r in np.flatnonzero(self._done))

    def __len__(self) -> int:
        return int(self._done.sum())
