"""An ``--out`` directory of any kind: the names of its files, what kind of result it holds
(a single run, a study, a sweep), its manifest, and the lock of the one process writing it.

Shared by the writers of all three (:func:`shuttle_sim.output.write_run`,
:class:`~.studydir.StudyDir`, the sweep's :mod:`.sweepfiles`) and by :func:`~.studydir.read_levels`:
each refuses a directory holding another kind of result before anything is written.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from pathlib import Path

from .records import StudyError, json_type

__all__ = ["KINDS", "directory_kind", "check_out_kind", "check_writable", "read_manifest", "now_utc", "run_started", "DirLock"]

CSV, LEVELS, MANIFEST, SUMMARY, SCENARIO = (
    "replications.csv", "levels.bin", "manifest.json", "summary.json", "scenario.resolved.yaml")
_TMP_MARK = ".tmp-"  # in a temporary file's name (atomic writes): left only by a killed write


def read_manifest(folder: Path) -> dict:
    """The ``manifest.json`` of a result directory as a mapping; StudyError (one line) if it
    cannot be read or is not a JSON object."""
    m = Path(folder) / MANIFEST
    try:
        data = json.loads(m.read_text())
    except (OSError, ValueError) as e:
        raise StudyError(f"--out {folder}: unreadable {MANIFEST} ({e}); use another --out directory") from None
    if not isinstance(data, dict):
        raise StudyError(f"--out {folder}: unreadable {MANIFEST} ({json_type(data)}, not an object); "
                         "use another --out directory")
    return data


def now_utc() -> str:
    """A time as a manifest records it: UTC, to the second."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def run_started(folder: Path) -> dict:
    """The manifest fields of a run starting now in ``folder``: ``started``, on a rerun that
    resumes it also ``resumed``, and ``finished`` cleared until it finishes.  ``started``
    stays when the directory's first run began: a rerun that ran nothing, or the last few
    replications, must not claim that the finished ones all ran since it started."""
    old = read_manifest(folder) if (Path(folder) / MANIFEST).exists() else {}
    now = now_utc()
    began = {"started": old["started"], "resumed": now} if old.get("started") else {"started": now}
    return {**began, "finished": None}


#: descriptors of the locks this process holds: a child forked meanwhile (a worker of a
#: process pool) closes its copies at once, or the lock would outlive its release for as
#: long as the child lives (a lock goes only when every copy of its descriptor is closed)
_HELD: set[int] = set()


def _close_held_in_child() -> None:
    for fd in _HELD:
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_held_in_child)


class DirLock:
    """One process at a time writes an ``--out`` directory: an exclusive ``flock`` on the
    directory itself, held from before the first write until the last (the operating
    system drops it when the process dies, so a killed study resumes as ever).  A second
    study started into the same directory is refused instead of running every
    replication again beside the first.  Where ``fcntl`` does not exist (Windows) it
    locks nothing."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def acquire(self) -> None:
        """Create the directory if need be and lock it; StudyError if another process holds it."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not on POSIX
            return
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDONLY)
        except OSError as e:
            raise StudyError(f"--out {self.path}: cannot create the directory: {e.strerror or e}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise StudyError(f"--out {self.path} is being written by another shuttle-sim process: wait for it to "
                             "finish (or stop it; a rerun then resumes), or use another --out directory") from None
        self._fd = fd
        _HELD.add(fd)

    def release(self) -> None:
        if self._fd is not None:
            _HELD.discard(self._fd)
            os.close(self._fd)
            self._fd = None


#: what an ``--out`` directory can hold, as its manifest's ``kind`` says
KINDS = {"run": "a single run", "study": "a study of one scenario", "sweep": "a sweep"}


def directory_kind(path: str | Path) -> str | None:
    """What the ``--out`` directory ``path`` holds: ``'run'``, ``'study'`` or ``'sweep'``
    (its manifest's ``kind``; a manifest written before kinds were recorded, or none left
    by a killed run, told by the files), ``'other'`` for files that are none of these, or
    None when it is missing or empty (a killed write's temporary files aside)."""
    path = Path(path)
    if not path.is_dir():
        return None
    names = {p.name for p in path.iterdir() if _TMP_MARK not in p.name}
    if not names:
        return None
    try:
        m = json.loads((path / MANIFEST).read_text())
    except (OSError, ValueError):
        m = {}
    m = m if isinstance(m, dict) else {}
    if m.get("kind") in KINDS:
        return m["kind"]
    if "cells" in m or "cells.csv" in names or "answer.json" in names:
        return "sweep"
    if "levels_bin" in m or CSV in names or LEVELS in names:
        return "study"
    if "kpis.json" in names:
        return "run"
    return "other"


def check_out_kind(path: str | Path, kind: str) -> None:
    """Refuse to write ``kind`` (``'run'``, ``'study'``, ``'sweep'``) into a directory
    that holds another kind of result: a run written into a study directory replaced its
    manifest, and the study could no longer be resumed.  Files that are no result of ours
    are left to each writer's own rule."""
    found = directory_kind(path)
    if found in KINDS and found != kind:
        raise StudyError(f"--out {path} holds {KINDS[found]}; {KINDS[kind]} needs another --out directory "
                         f"(nothing was written)")


def check_writable(path: str | Path) -> None:
    """Refuse, before anything is written, an ``--out`` that cannot become a writable
    directory (the CLI's check too: one set of messages)."""
    path = Path(path)
    if path.exists():
        if not path.is_dir():
            raise StudyError(f"--out {path}: expected a directory, found a file")
        if not os.access(path, os.W_OK | os.X_OK):
            raise StudyError(f"--out {path}: cannot write: permission denied")
        return
    anc = path.absolute().parent
    while not anc.exists() and anc != anc.parent:
        anc = anc.parent
    if not anc.is_dir():
        raise StudyError(f"--out {path}: expected a directory, found a path under the file {anc}")
    if not os.access(anc, os.W_OK | os.X_OK):
        raise StudyError(f"--out {path}: cannot create: permission denied in {anc}")
