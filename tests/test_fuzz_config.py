"""Fuzz: mutated shipped scenarios never give a traceback or a hang.

Each example takes a shipped config (configs/*.yaml) and damages it: keys deleted or
added, values replaced by wrong types, wrong dimensions, non-finite and extreme numbers,
lists cut or grown, blocks swapped between places, broken YAML and broken encodings.
``shuttle-sim run --years 0.05 --out DIR`` (in process, under an alarm that turns a hang
into a failure) must then either

* exit 2 with one line per problem, each ``FILE[:LINE]: ...``, and leave nothing in DIR, or
* succeed, and the resolved scenario it wrote reloads to an equal scenario.

The profile is derandomized (same examples every run) and sized to stay near a minute in
the pure-Python build.
"""

from __future__ import annotations

import copy
import math
import re
import signal
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuttle_sim.cli import main
from shuttle_sim.config.loader import load_scenario

from .conftest import CONFIGS

SHIPPED = {p.name: p.read_text() for p in sorted(CONFIGS.glob("*.yaml"))}
DATA = {name: yaml.safe_load(text) for name, text in SHIPPED.items()}
CASE_SECONDS = 60  # one case (load, 0.05 yr run, write) takes about a second

ODD_VALUES = [
    None, True, False, "", "x", 0, -1, 1, 2, 12, 0.5, -0.5, 1e308, -1e308, 5e-324, math.inf, -math.inf, math.nan,
    10**30, 10**400, [], {}, [1, 2], {"dist": "fixed"}, {"dist": "weibull", "mean": "2 h"},
    "0 h", "-1 h", "1e400 h", "1e308 h", "nan h", "inf h", "5e-324 h", "2 parsecs", "3", "1e9 yr", "100 yr",
    "0 t", "1e400 t", "1e308 t/h", "0 t/h", "1e-300 t/h", "5 km", "0 kn", "1e308 kn", "0 m/s", "1e308 m", "9 t/m3",
    "2025-02-30", "0001-01-01", "9999-12-31", "x" * 10_000, "\u202e\u0000", "storms", "closures", "synthetic",
]
UNITS = ["h", "min", "d", "yr", "nmi", "km", "m", "kn", "m/s", "t", "kt", "bbl", "t/h", "kbpd", "t/m3", "K", ""]


def paths(node, prefix=()):
    """Every key path in plain data (mappings and lists)."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from paths(v, prefix + (i,))


def get(node, path):
    for k in path:
        node = node[k]
    return node


@st.composite
def data_mutation(draw, data):
    """One change to the data of a scenario, at a random place."""
    all_paths = [p for p in paths(data) if p]
    path = draw(st.sampled_from(all_paths))
    parent, key = get(data, path[:-1]), path[-1]
    value = parent[key]
    kind = draw(st.sampled_from(["delete", "unknown", "odd", "number", "unit", "list", "swap", "wrap"]))
    if kind == "delete":
        del parent[key]
    elif kind == "unknown" and isinstance(value, dict):
        value[draw(st.sampled_from(["bogus", "berth", "Count", "rate ", "1", "<<"]))] = draw(st.sampled_from(ODD_VALUES))
    elif kind == "number" and isinstance(value, (int, float, str)) and not isinstance(value, bool):
        m = re.match(r"^\s*([-+0-9.eE_]+)\s*(.*)$", str(value))
        factor = draw(st.sampled_from([0, -1, 1e-300, 1e-9, 1e9, 1e300, 1e400, math.nan]))
        if m:
            try:
                x = float(m.group(1).replace("_", "")) * factor
            except ValueError:
                x = factor
            parent[key] = f"{x!r} {m.group(2)}".strip() if m.group(2) else x
    elif kind == "unit" and isinstance(value, str) and re.match(r"^[-+0-9.eE]+ \S+$", value):
        parent[key] = value.split()[0] + " " + draw(st.sampled_from(UNITS))
    elif kind == "list" and isinstance(value, list) and value:
        parent[key] = draw(st.sampled_from([value[:-1], value + value[-1:], [], value * 3]))
    elif kind == "swap":  # a block from elsewhere in this or another config
        other = DATA[draw(st.sampled_from(sorted(DATA)))]
        donor = get(other, draw(st.sampled_from([p for p in paths(other) if p])))
        parent[key] = copy.deepcopy(donor)
    elif kind == "wrap":
        parent[key] = draw(st.sampled_from([[value], {"value": value}]))
    else:
        parent[key] = draw(st.sampled_from(ODD_VALUES))


@st.composite
def damaged(draw):
    """(file bytes, name of the shipped config it came from)."""
    name = draw(st.sampled_from(sorted(SHIPPED)))
    if draw(st.integers(0, 3)) == 0:  # damage the text itself
        text = SHIPPED[name]
        kind = draw(st.sampled_from(["cut", "insert", "latin-1", "bytes", "bom", "utf-16", "dup", "indent"]))
        at = draw(st.integers(0, len(text)))
        if kind == "cut":
            return text[:at].encode(), name
        if kind == "insert":
            junk = draw(st.sampled_from(["[", "]", "{", ":", "- ", "\t", "&a ", "*a ", "!!python/object:os.system ",
                                         "'", '"', "%YAML 1.1\n", "---\n", "? ", "\x00", "\x85", "\n  x: 1\n", "!!binary "]))
            return (text[:at] + junk + text[at:]).encode(), name
        if kind == "latin-1":
            return (text[:at] + "é" + text[at:]).encode("latin-1", "replace"), name
        if kind == "bytes":
            return text[:at].encode() + draw(st.binary(min_size=1, max_size=8)) + text[at:].encode(), name
        if kind == "bom":
            return b"\xef\xbb\xbf" + text.encode(), name
        if kind == "utf-16":
            return text.encode("utf-16"), name
        lines = text.splitlines(keepends=True)
        i = draw(st.integers(0, len(lines) - 1))
        if kind == "dup":
            lines.insert(i, lines[i])
        else:
            lines[i] = " " + lines[i]
        return "".join(lines).encode(), name
    data = copy.deepcopy(DATA[name])
    for _ in range(draw(st.integers(1, 3))):
        draw(data_mutation(data))
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=draw(st.booleans())).encode(), name


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang(f"no answer within {CASE_SECONDS} s")


@pytest.fixture
def alarm():
    old = signal.signal(signal.SIGALRM, _alarm)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@settings(max_examples=120, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(case=damaged())
def test_damaged_config_is_a_clean_error_or_a_run(case, tmp_path_factory, capsys, alarm):
    raw, name = case
    d = tmp_path_factory.mktemp("fuzz")
    path, out = d / name, d / "out"
    path.write_bytes(raw)
    signal.alarm(CASE_SECONDS)
    try:
        code = main(["run", str(path), "--years", "0.05", "--seed", "1", "--json", "--out", str(out)])
    except SystemExit as e:  # argparse only; never for a scenario
        code = e.code
    finally:
        signal.alarm(0)
    captured = capsys.readouterr()
    err = captured.err
    assert "Traceback" not in err
    if code == 2:
        assert err and captured.out == ""
        for line in err.splitlines():
            assert line.startswith((f"{path}:", f"{path}: ", "shuttle-sim: ")), line
            assert len(line) < 1000, line[:200]
            assert "instance of" not in line and "after validation" not in line and "<unicode string>" not in line
        assert not out.exists() or not any(out.iterdir())
    else:
        assert code == 0, err
        scenario = load_scenario(path)
        assert load_scenario(Path(out) / "scenario.resolved.yaml") == scenario
