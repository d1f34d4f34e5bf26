"""Where a scenario came from: its file, and the changes made to it since.

A result's report shows the scenario's values beside their source comments, read from the
YAML file itself (``shuttle_sim/report/source.py``).  That is only honest if the file, as
it is when the report is drawn, gives the scenario that ran.  So every scenario loaded
from a file remembers the file, and every variant made from it (``--set``, ``--warmup``,
a study's overrides, a sweep's factors, storage sizing) remembers the changes, in order,
as the key paths and values they were given::

    {"file": "/abs/path/kcts_concept.yaml",
     "changes": [{"path": "fleet.tankers[0].count", "value": 6, "by": "--set"}]}

Result writers record it in the manifest (``scenario_file``, ``scenario_changes``); the
report re-applies the changes to the file and compares the scenario hash with the one the
manifest records before it trusts the file's words.

The record lives beside the scenario, not in it: a scenario is an immutable pydantic
model whose equality and hash are its values (two loads of one file are equal whatever
their history), so the record is kept by object identity and dropped with the object.
"""

from __future__ import annotations

import datetime as _dt
import weakref
from pathlib import Path
from typing import Any, Mapping

__all__ = ["provenance", "record_file", "record_changes", "manifest_fields"]

_RECORDS: dict[int, tuple[weakref.ref, dict]] = {}


def provenance(scenario: Any) -> dict | None:
    """``{"file": str | None, "changes": [...]}`` of ``scenario``, or None if it was not
    loaded from a file nor derived from one that was (built from a dict in a notebook)."""
    entry = _RECORDS.get(id(scenario))
    if entry is None or entry[0]() is not scenario:
        return None
    return {"file": entry[1]["file"], "changes": list(entry[1]["changes"])}


def _store(scenario: Any, record: dict) -> None:
    key = id(scenario)
    _RECORDS[key] = (weakref.ref(scenario, lambda _ref, k=key: _RECORDS.pop(k, None)), record)


def record_file(scenario: Any, path: str | Path) -> None:
    """``scenario`` was loaded from the file ``path``."""
    _store(scenario, {"file": str(Path(path).resolve()), "changes": []})


def _plain(value: Any) -> Any:
    """A change's value as JSON holds it (a date as its ISO text, as a file would write it)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def record_changes(derived: Any, base: Any, changes: Mapping[str, Any], by: str) -> None:
    """``derived`` is ``base`` with ``changes`` (key path -> value) applied by ``by``
    (``--set``, a study file ...).  Nothing is recorded if ``base`` has no record."""
    old = provenance(base)
    if old is None:
        return
    new = [{"path": str(k), "value": _plain(v), "by": by} for k, v in changes.items()]
    _store(derived, {"file": old["file"], "changes": old["changes"] + new})


def manifest_fields(scenario: Any) -> dict:
    """The manifest's ``scenario_file`` and ``scenario_changes`` (empty if unknown)."""
    p = provenance(scenario)
    if p is None or p["file"] is None:
        return {}
    return {"scenario_file": p["file"], "scenario_changes": p["changes"]}
