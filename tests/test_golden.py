"""Every shipped scenario's results pinned to the bit.

For each scenario in ``configs/`` and seeds 1 and 7 over two years, ``tests/golden/results.json``
holds every KPI (as ``repr`` of the float, so it reads back exactly), a SHA-256 of the voyage
records and one of the tank-level traces.  A refactoring must leave all of them unchanged; a
change of the model that is meant to change results regenerates the file in the same commit
and says in its message what changed and why::

    python -m tests.test_golden --update

KPIs that did not exist when the file was written are ignored (adding a measure is not a
change of results), and so are voyage fields added later: the voyage hash covers the fields
recorded in the file.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest

import shuttle_sim as ss

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "results.json"
SEEDS = (1, 7)
YEARS = 2.0


def _cases() -> list[tuple[str, int]]:
    return [(p.stem, seed) for p in sorted((ROOT / "configs").glob("*.yaml")) if p.stem != "costs" for seed in SEEDS]


def fingerprint(name: str, seed: int, voyage_fields: list[str] | None = None) -> dict:
    """KPIs, voyage-record hash and trace hash of one shipped scenario, one seed."""
    scenario = ss.load_scenario(ROOT / "configs" / f"{name}.yaml")
    res = ss.simulate(scenario, seed=seed, horizon_h=YEARS * 8760.0)
    voyages = [dict(v._asdict()) if hasattr(v, "_asdict") else dict(v) for v in res.voyages]
    fields = voyage_fields if voyage_fields is not None else (list(voyages[0]) if voyages else [])
    vh = hashlib.sha256()
    for v in voyages:
        vh.update(repr([v[f] for f in fields]).encode())
    th = hashlib.sha256()
    for key in sorted(res.traces):
        t, lv = res.traces[key]
        th.update(key.encode())
        th.update(np.ascontiguousarray(t, dtype="<f8").tobytes())
        th.update(np.ascontiguousarray(lv, dtype="<f8").tobytes())
    return {
        "kpis": {k: repr(float(v)) for k, v in res.kpis.items()},
        "voyage_fields": fields,
        "voyages": len(voyages),
        "voyages_sha256": vh.hexdigest(),
        "traces_sha256": th.hexdigest(),
    }


def _golden() -> dict:
    return json.loads(GOLDEN.read_text())


@pytest.mark.parametrize("name,seed", _cases())
def test_results_identical_to_the_golden_file(name, seed):
    golden = _golden().get(f"{name}/{seed}")
    if golden is None:
        pytest.fail(f"no golden entry for {name}/{seed}: run `python -m tests.test_golden --update`")
    now = fingerprint(name, seed, golden["voyage_fields"])
    changed = {k: (v, now["kpis"].get(k)) for k, v in golden["kpis"].items() if now["kpis"].get(k) != v}
    assert not changed, f"{len(changed)} KPIs changed, e.g. {dict(list(changed.items())[:5])}"
    assert now["voyages"] == golden["voyages"]
    assert now["voyages_sha256"] == golden["voyages_sha256"], "voyage records changed"
    assert now["traces_sha256"] == golden["traces_sha256"], "tank-level traces changed"


if __name__ == "__main__":  # pragma: no cover
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python -m tests.test_golden --update")
    GOLDEN.parent.mkdir(exist_ok=True)
    data = {f"{n}/{s}": fingerprint(n, s) for n, s in _cases()}
    GOLDEN.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN} ({len(data)} cases)")
