"""End to end: shipped scenarios, the run command, its JSON and its output directory."""

import csv
import json
import typing

import pytest
import yaml

import shuttle_sim as ss
from shuttle_sim.cli import main
from shuttle_sim.config.schema import resolved_dict

from .conftest import CONFIGS

SHIPPED = sorted(p for p in CONFIGS.glob("*.yaml") if p.stem != "costs")  # costs.yaml: cost inputs, not a scenario
REQUIRED_KPIS = ["delivered_t", "delivered_mt_per_year", "delivered_kbpd"]
TANKER_KPIS = ["tanker_delivered_t", "voyages", "deferred_t", "offtake_shortfall_t", "load_berth_transferring_frac",
               "load_queue_wait_mean_h", "tanker_sailing_laden_frac", "load_tank_level_max_t",
               "discharge_tank_full_frac", "weather_hold_h"]
FERRY_KPIS = ["ferry_delivered_t", "wagons_delivered", "ferry_trips", "yard_wagons_mean", "yard_wagons_max",
              "ferry_load_factor", "wagon_fleet_utilisation_frac"]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_scenarios_validate_and_run(path, capsys):
    assert main(["validate", str(path)]) == 0
    assert main(["run", str(path), "--json", "--years", "0.25"]) == 0
    out = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert out["replications"] == 1
    s = ss.load_scenario(path)
    for name in REQUIRED_KPIS + (TANKER_KPIS if s.has_tankers else []) + (FERRY_KPIS if s.ferry else []):
        kpi = out["kpis"][name]
        assert set(kpi) == {"mean", "ci95_halfwidth", "p10", "p50", "p90"}
        assert kpi["ci95_halfwidth"] is None
        assert kpi["p10"] == kpi["p50"] == kpi["p90"] == kpi["mean"]
    assert out["kpis"]["delivered_t"]["mean"] > 0


STUDY_SETTINGS = {"name", "description", "start_date", "horizon"}  # choices, not facts


def _numeric_scalars(node, key=None):
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            yield from _numeric_scalars(v, k.value)
    elif isinstance(node, yaml.SequenceNode):
        for v in node.value:
            yield from _numeric_scalars(v, key)
    elif key not in STUDY_SETTINGS and any(ch.isdigit() for ch in str(node.value)):
        yield key, node.start_mark.line


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_config_number_is_sourced_or_an_assumption(path):
    """Each line holding a number carries a [ref] to DOMAIN.md or the word ASSUMPTION."""
    import re

    text = path.read_text()
    lines = text.splitlines()
    for key, ln in _numeric_scalars(yaml.compose(text)):
        comment = lines[ln].split("#", 1)[1] if "#" in lines[ln] else ""
        assert re.search(r"\[\d+|ASSUMPTION|DOMAIN", comment), f"{path.name}:{ln + 1}: unsourced {key}: {lines[ln]}"


def test_json_is_the_whole_stdout(capsys):
    assert main(["run", str(SHIPPED[0]), "--json", "--years", "0.1", "--seed", "5"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["scenario"] == "aktau_current"


def test_out_dir_holds_scenario_kpis_voyages_traces(tmp_path, capsys):
    out = tmp_path / "run1"
    assert main(["run", str(CONFIGS / "kcts_concept.yaml"), "--years", "0.2", "--seed", "3", "--out", str(out)]) == 0
    assert "written to" in capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 3 and manifest["replications"] == 1
    for f in manifest["files"]:
        assert (out / f).exists()
    # the resolved scenario re-loads to an identical scenario, and re-runs to identical KPIs
    again = ss.load_scenario(out / "scenario.resolved.yaml")
    original = ss.load_scenario(CONFIGS / "kcts_concept.yaml")
    assert again == original
    kpis = json.loads((out / "kpis.json").read_text())["kpis"]
    r = ss.simulate(again, seed=3, horizon_h=again.warmup_h + 0.2 * 8760)  # --years is measured after the warm-up
    assert {k: v["mean"] for k, v in kpis.items()} == r.kpis
    rows = list(csv.DictReader((out / "voyages.csv").open()))
    assert len(rows) == kpis["voyages"]["mean"]
    # the record type is the header, and the rows read back to the records, to the bit
    assert tuple(rows[0]) == ss.components.records.Voyage._fields
    types = typing.get_type_hints(ss.components.records.Voyage)
    conv = {"str": str, "int": int, "float": float}
    assert [ss.components.records.Voyage(**{f: conv[types[f].__name__](x) for f, x in row.items()})
            for row in rows] == r.voyages
    assert float(rows[0]["cargo_t"]) == pytest.approx(original.fleet.tankers[0].cargo_t)
    levels = list(csv.DictReader((out / "tank_levels.csv").open()))
    assert {r["tank"] for r in levels} == {"load_tank", "discharge_tank"}


def test_a_run_over_an_earlier_run_leaves_none_of_its_files(tmp_path, capsys):
    """A tanker run written over a ferry run's --out: the ferry trips and yard wagons of the
    other scenario are not left beside its results (the report would draw them)."""
    out = tmp_path / "run"
    assert main(["run", str(CONFIGS / "kuryk_ferry.yaml"), "--years", "0.05", "--out", str(out)]) == 0
    assert (out / "ferry_trips.csv").exists()
    assert main(["run", str(CONFIGS / "aktau_current.yaml"), "--years", "0.05", "--out", str(out)]) == 0
    capsys.readouterr()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenario"] == "aktau_current"
    assert sorted(p.name for p in out.iterdir()) == sorted([*manifest["files"], "manifest.json"])


def test_ctrl_c_during_run_report_keeps_the_run_and_says_so(tmp_path, capsys, monkeypatch):
    """Ctrl-C while --report writes: the run's files are complete and kept, no temporary
    report directory is left, and the message does not claim that nothing was written."""
    from shuttle_sim.report import build

    def interrupted(*a):
        raise KeyboardInterrupt

    monkeypatch.setattr(build, "_umask", interrupted)  # once the report's temporary directory exists
    out = tmp_path / "run"
    assert main(["run", str(CONFIGS / "aktau_current.yaml"), "--years", "0.05", "--out", str(out), "--report"]) == 130
    err = capsys.readouterr().err
    assert "interrupted; no report written" in err and f"shuttle-sim report {out}" in err, err
    assert "nothing was written" not in err
    manifest = json.loads((out / "manifest.json").read_text())
    assert all((out / f).exists() for f in manifest["files"])
    assert sorted(p.name for p in out.iterdir()) == sorted([*manifest["files"], "manifest.json"])


def test_an_out_name_that_is_not_utf8_is_printed_escaped_not_a_traceback(tmp_path):
    """--out given with a byte that is no UTF-8, under a strict UTF-8 stdout (any UTF-8
    locale but C.UTF-8): the run is written and 'written to' shows the name escaped; it was
    a UnicodeEncodeError traceback after the files were written."""
    import os
    import subprocess
    import sys

    out = os.fsencode(tmp_path) + b"/o\xff"
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}
    r = subprocess.run([sys.executable, "-m", "shuttle_sim", "run", str(CONFIGS / "aktau_current.yaml"),
                        "--years", "0.01", "--out", out], capture_output=True, env=env, timeout=120)
    assert r.returncode == 0 and b"Traceback" not in r.stderr, r.stderr.decode(errors="replace")
    assert b"written to " + os.fsencode(tmp_path) + b"/o\\udcff/" in r.stdout
    assert (tmp_path / os.fsdecode(b"o\xff") / "manifest.json").exists()


def test_schema_is_json_schema_with_aliases(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["type"] == "object"
    assert {"crude", "supply", "name"} <= set(schema["required"])
    assert {"load_port", "fleet", "discharge_port", "offtake", "ferry", "split", "weather"} <= set(schema["properties"])
    port = schema["$defs"]["PortSpec"]["properties"]
    assert "transfer_rate" in port and "berthing" in port and "anyOf" in port["berthing"]


def test_same_seed_same_bits_different_seed_differs():
    s = ss.load_scenario(CONFIGS / "aktau_current.yaml")
    a, b, c = (ss.simulate(s, seed=x, horizon_h=2000) for x in (1, 1, 2))
    assert a.kpis == b.kpis and a.voyages == b.voyages
    assert a.kpis != c.kpis


def test_resolved_scenario_round_trips():
    for path in SHIPPED:
        s = ss.load_scenario(path)
        assert ss.scenario_from_dict(yaml.safe_load(yaml.safe_dump(resolved_dict(s)))) == s


def test_validate_loads_no_engine_and_no_numpy():
    """`validate` is the config layer alone: neither SimPy, SciPy nor NumPy is imported
    (NumPy alone is ~0.1 s of a half-second command)."""
    import subprocess
    import sys

    code = ("import sys, runpy\n"
            "sys.argv = ['shuttle-sim', 'validate', 'kcts_concept']\n"
            "try:\n    runpy.run_module('shuttle_sim.cli', run_name='__main__')\n"
            "except SystemExit as e:\n    assert not e.code, e.code\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'scipy', 'simpy', 'pandas'}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_validate_composes_the_file_once(monkeypatch, capsys):
    """`validate` asks whether a file is a study, a cost file or a scenario, then loads it:
    the YAML is composed (in pure Python, to keep lines: ~35 ms a scenario) once, not three
    times; each caller still gets its own copy of the data."""
    from shuttle_sim.config import reading

    calls = []
    real = reading._parse_yaml
    monkeypatch.setattr(reading, "_parse_yaml", lambda text, source: calls.append(source) or real(text, source))
    monkeypatch.setattr(reading, "_PARSED", {})
    path = str(CONFIGS / "kcts_concept.yaml")
    assert main(["validate", path]) == 0
    assert "ok" in capsys.readouterr().out
    assert len(calls) == 1
    text = (CONFIGS / "kcts_concept.yaml").read_text()
    a, lines_a = reading.parse_yaml(text, path)
    a["name"] = "edited"
    lines_a.clear()
    b, lines_b = reading.parse_yaml(text, path)
    assert b["name"] == "kcts_concept" and lines_b and len(calls) == 1


def test_a_bad_file_is_reported_each_time_it_is_read(monkeypatch):
    """Only files that parse are remembered: a broken one fails on every read."""
    from shuttle_sim.config import reading
    from shuttle_sim.config.loader import ConfigError

    monkeypatch.setattr(reading, "_PARSED", {})
    for _ in range(2):
        with pytest.raises(ConfigError, match="x.yaml:2: invalid YAML"):
            reading.parse_yaml("a: [1, 2\n", "x.yaml")
    assert reading._PARSED == {}
