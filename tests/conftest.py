"""Shared builders: a deterministic base scenario that tests vary field by field."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import shuttle_sim as ss

# Hypothesis: seeded in CI (the same examples every run, so a catch is never luck);
# locally the database replays past failures and new examples are explored.
settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"


def port(name: str, berths: int = 1, capacity: str = "1e12 t", level: str = "5e11 t", **kw) -> dict:
    d = {
        "name": name,
        "berths": berths,
        "tank_farm": {"capacity": capacity, "initial_level": level},
        "transfer_rate": "5000 t/h",
        "berthing": "2 h",
        "unberthing": "1 h",
    }
    d.update(kw)
    return d


def cycle_dict(**top) -> dict:
    """The issue's hand-calculated case: one 60,000 t tanker, 200 nmi at 12.5 kn (16 h),
    5,000 t/h at both ends (12 h), 2 h berthing and 1 h unberthing: a 62 h cycle.
    Supply and offtake are far larger than anything the ship can move."""
    d = {
        "name": "cycle",
        "horizon": "620 h",
        "crude": {"density": "0.8 t/m3"},
        "supply": {"rate": "1e6 t/h"},
        "load_port": port("L"),
        "route": {"distance": "200 nmi"},
        "fleet": {
            "tankers": [
                {"name": "T", "count": 1, "cargo": "60000 t", "laden_speed": "12.5 kn", "ballast_speed": "12.5 kn"}
            ]
        },
        "discharge_port": port("D"),
        "offtake": {"rate": "1e6 t/h"},
    }
    return merge(d, top)


def merge(base: dict, over: dict) -> dict:
    """Deep-merge ``over`` into a copy of ``base`` (dicts merge, everything else replaces)."""
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def build(d: dict) -> ss.Scenario:
    return ss.scenario_from_dict(d)


@pytest.fixture
def cycle() -> dict:
    return cycle_dict()
