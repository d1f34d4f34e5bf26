"""Property: the resolved scenario a run writes always reloads to an equal scenario.

Scenarios are the shipped configs with every quantity rescaled and rewritten in another
unit of its dimension (``3 d`` for ``72 h``, ``kbpd`` for ``t/h``), free-text names and
descriptions, and other start dates; those that validate must survive
``resolved_dict -> YAML file -> load_scenario`` unchanged, to the bit.
"""

from __future__ import annotations

import copy
import re

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from shuttle_sim import units
from shuttle_sim.config.loader import ConfigError, load_scenario, scenario_from_dict
from shuttle_sim.config.schema import resolved_dict
from shuttle_sim.output import write_run

from .conftest import CONFIGS

def _data(p):
    """A shipped scenario as plain data, its ``extends:`` resolved (overlays merged into their base)."""
    from shuttle_sim.config.loader import read_scenario_file
    from shuttle_sim.config.overrides import load_with_extends

    data, lines = read_scenario_file(p)
    return load_with_extends(data, lines, str(p), p)[0] if "extends" in data else data


DATA = {p.name: (_data(p), p.parent) for p in sorted(CONFIGS.glob("*.yaml")) if p.stem != "costs"}
QUANTITY = re.compile(r"^\s*([-+0-9.eE_]+)\s*([A-Za-z][A-Za-z0-9/]*)\s*$")
SYMBOLS: dict[str, list[str]] = {}
for sym, (dim, _) in units._UNITS.items():
    SYMBOLS.setdefault(dim, []).append(sym)


@st.composite
def rewritten(draw, value: str, scales: dict):
    """``value`` (a quantity string) scaled and written in a unit of its dimension."""
    m = QUANTITY.match(value)
    dim, factor = units._UNITS[m.group(2)]
    canonical = float(m.group(1).replace("_", "")) * factor
    scale = 1.0 if dim == "density" else scales.setdefault(dim, draw(st.sampled_from([1.0, 0.5, 2.0, 1 / 3, 1.1])))
    sym = draw(st.sampled_from(SYMBOLS[dim] if dim not in ("volume", "volume_rate") else SYMBOLS[dim] + [m.group(2)]))
    number = canonical * scale / units._UNITS[sym][1]
    return f"{number!r} {sym}"


@st.composite
def varied(draw, node, scales):
    """``node`` with every quantity rescaled (one factor per dimension) and rewritten."""
    if isinstance(node, dict):
        return {k: draw(varied(v, scales)) for k, v in node.items()}
    if isinstance(node, list):
        return [draw(varied(v, scales)) for v in node]
    if isinstance(node, str) and QUANTITY.match(node) and QUANTITY.match(node).group(2) in units._UNITS:
        return draw(rewritten(node, scales))
    return node


@st.composite
def scenario_data(draw):
    name = draw(st.sampled_from(sorted(DATA)))
    data, base = DATA[name]
    d = draw(varied(copy.deepcopy(data), {}))
    d["name"] = draw(st.text(min_size=1, max_size=30))
    d["description"] = draw(st.text(max_size=60))
    d["start_date"] = draw(st.dates(min_value=__import__("datetime").date(1950, 1, 1),
                                    max_value=__import__("datetime").date(2150, 12, 31)))
    return d, base


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(case=scenario_data())
def test_resolved_scenario_reloads_equal(case, tmp_path_factory):
    data, base = case
    try:
        s = scenario_from_dict(data, base_dir=base)
    except ConfigError:
        assume(False)
    d = tmp_path_factory.mktemp("rt")
    (d / "s.yaml").write_text(yaml.safe_dump(resolved_dict(s), sort_keys=False))
    again = load_scenario(d / "s.yaml")
    assert again == s
    assert resolved_dict(again) == resolved_dict(s)


def test_write_run_resolved_file_reloads_equal(tmp_path):
    import datetime as dt

    import shuttle_sim as ss

    for name, (data, base) in DATA.items():
        s = scenario_from_dict(data, base_dir=base)
        out = tmp_path / name
        write_run(out, s, ss.simulate(s, seed=0, horizon_h=s.warmup_h + 24.0), dt.datetime.now(dt.timezone.utc))
        assert load_scenario(out / "scenario.resolved.yaml") == s
