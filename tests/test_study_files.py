"""Study files: shipped studies load; bad ones give one line per problem at FILE:LINE;
a deterministic study end to end whose cheapest feasible cell is known by hand."""

import re
from pathlib import Path

import pytest
import yaml

from shuttle_sim.config.loader import ConfigError
from shuttle_sim.config.study import load_study, study_json_schema

from .conftest import ROOT, cycle_dict

EXPERIMENTS = ROOT / "experiments"
SHIPPED = sorted(EXPERIMENTS.glob("*.yaml"))


def test_three_studies_are_shipped():
    assert {p.stem for p in SHIPPED} >= {"kcts_fleet_sizing", "aktau_expansion", "storage_buffer"}


def leaves(data, path=()):
    if isinstance(data, dict):
        for k, v in data.items():
            yield from leaves(v, path + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from leaves(v, path + (i,))
    else:
        yield path, data


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_study_loads_and_cites_every_number(path):
    from shuttle_sim.config.loader import parse_yaml

    s = load_study(path)
    assert s.cells and s.targets and not s.warnings
    assert len({c.name for c in s.cells}) == len(s.cells)
    text = path.read_text().splitlines()
    data, lines = parse_yaml(path.read_text(), str(path))
    for key, value in leaves(data):
        if not re.search(r"\d", str(value)) or key[-1] in ("name", "description", "note", "seed", "years"):
            continue
        ln = lines[key]
        comments = " ".join(t.split("#", 1)[1] for t in text[ln - 2: ln] if "#" in t)
        assert re.search(r"\[\d+", comments) or re.search("ASSUMPTION|DOMAIN", comments), (key, text[ln - 1])


def test_json_schema_names_the_sections():
    props = study_json_schema()["properties"]
    assert {"scenario", "factors", "targets", "objective", "costs", "replications"} <= set(props)


COSTS_INLINE = """
costs:
  fuel_price: 500 USD/t
  tankers:
    T: {ownership: {capex: 10 MUSD, life: 10 yr, discount_rate: 0}, opex: 1 kUSD/d,
        fuel: {laden: 24 t/d, ballast: 24 t/d, in_port: 0 t/d}}
  load_port: {berth: {capex: 5 MUSD, life: 5 yr, discount_rate: 0}}
  deferred_production: {valuation: deferred, lost: 500 USD/t, deferred: 0 USD/t}
"""

STUDY = """name: toy
scenario: cycle.yaml
factors:
  fleet.tankers[T].count: [1, 2, 3]
  load_port.berths: [1, 2]
replications: 3
years: 1
seed: 1
targets:
  delivered_mt_per_year: {mean_at_least: 12}
objective: {minimise: total_annual_cost_usd}
""" + COSTS_INLINE


def write(tmp_path: Path, study: str = STUDY) -> Path:
    (tmp_path / "cycle.yaml").write_text(yaml.safe_dump(cycle_dict()))
    p = tmp_path / "study.yaml"
    p.write_text(study)
    return p


def line_of(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


BAD = {
    # name: (edit old -> new, needle on the line the error must name, key path, words)
    "unknown top key": (("years: 1", "yeras: 1"), "yeras", "yeras", "did you mean 'years'"),
    "factor path": (("load_port.berths: [1, 2]", "load_port.bertsh: [1, 2]"), "bertsh", "factors.load_port.bertsh",
                    "unknown key 'bertsh' (did you mean 'berths'?)"),
    "factor level": (("load_port.berths: [1, 2]", "load_port.berths: [1,\n    0]"), "    0]",
                     "factors.load_port.berths[1]", "expected"),
    "level unit": (("load_port.berths: [1, 2]", "load_port.tank_farm.capacity: [1e12 t, 300 kn]"), "300 kn",
                   "factors.load_port.tank_farm.capacity[1]", "(a speed)"),
    "class name": (("fleet.tankers[T].count", "fleet.tankers[X].count"), "tankers[X]", "factors.fleet.tankers[X].count",
                   "no item named 'X'"),
    "range steps": (("[1, 2, 3]", "{from: 1, to: 4, step: 2}"), "from: 1", "factors.fleet.tankers[T].count",
                    "whole number of steps"),
    "unknown kpi": (("delivered_mt_per_year: {", "delivred_mt_per_year: {"), "delivred", "targets.delivred_mt_per_year",
                    "expected a KPI of the catalogue"),
    "two bounds": (("{mean_at_least: 12}", "{mean_at_least: 12, at_least: 3}"), "mean_at_least",
                   "targets.delivered_mt_per_year", "exactly one of"),
    "no fraction": (("{mean_at_least: 12}", "{at_least: 12}"), "at_least: 12", "targets.delivered_mt_per_year",
                    "expected in_fraction_of_years"),
    "target unit": (("{mean_at_least: 12}", "{mean_at_least: 12 kn}"), "12 kn", "targets.delivered_mt_per_year.mean_at_least",
                    "expected a mass rate"),
    "share as a whole number": (("delivered_mt_per_year: {mean_at_least: 12}", "tanker_weather_frac: {mean_at_most: 5}"),
                                "tanker_weather_frac", "targets.tanker_weather_frac.mean_at_most",
                                "expected a share from 0 to 1 (0.05) or a percentage ('5 %'), found 5"),
    "share above 100 %": (("delivered_mt_per_year: {mean_at_least: 12}", "ferry_load_factor: {mean_at_least: 120 %}"),
                          "ferry_load_factor", "targets.ferry_load_factor.mean_at_least", "found '120 %'"),
    "percent not a number": (("delivered_mt_per_year: {mean_at_least: 12}", "tanker_weather_frac: {mean_at_most: five %}"),
                             "tanker_weather_frac", "targets.tanker_weather_frac.mean_at_most",
                             "expected a percentage like '5 %', found 'five %'"),
    "negative amount": (("delivered_mt_per_year: {mean_at_least: 12}", "deferred_t: {mean_at_most: -3 kt}"),
                        "deferred_t", "targets.deferred_t.mean_at_most",
                        "expected a value the KPI can take (at least 0 t), found '-3 kt'"),
    "above supply": (("{mean_at_least: 12}", "{mean_at_least: 9.0e+9}"), "9.0e+9", "targets.delivered_mt_per_year",
                     "expected a target the supply can meet"),
    "no scenario": (("scenario: cycle.yaml", "scenario: nope.yaml"), "nope.yaml", "scenario", "no such file"),
    "boolean years": (("years: 1", "years: true"), "years: true", "years", "expected a whole number, found true"),
    "scenario a directory": (("scenario: cycle.yaml", "scenario: ."), "scenario: .", "scenario",
                             "found '.' (a directory, not a file)"),
    "costs class": (("    T: {ownership", "    U: {ownership"), "costs:", "costs", "price tanker class 'T'"),
    "costs unit": (("opex: 1 kUSD/d", "opex: 1 kUSD"), "opex: 1 kUSD", "costs.tankers.T.opex", "expected a money rate"),
    "objective": (("minimise: total_annual_cost_usd", "minimise: happiness"), "happiness", "objective.minimise",
                  "'total_annual_cost_usd' or 'cost_per_tonne_usd'"),
    "monotone": (("replications: 3", "replications: 3\nsearch: {method: adaptive, monotone: load_port.berth}"),
                 "search:", "search.monotone", "expected one of the factors"),
    "linked": (("replications: 3", "linked: [[load_port.berths, load_port.transfer_rate]]\nreplications: 3"),
               "linked:", "linked", "'load_port.transfer_rate' is not among the factors"),
    "monotone order": (("[1, 2, 3]\n  load_port.berths: [1, 2]\nreplications: 3",
                        "[3, 1, 2]\n  load_port.berths: [1, 2]\nsearch:\n  method: adaptive\n  monotone: fleet.tankers[T].count\n"
                        "replications: 3"), "[3, 1, 2]", "factors.fleet.tankers[T].count",
                       "expected the monotone factor's levels in increasing order"),
    # a union (a count or a precision rule): one line naming both, not one per branch
    "no replications": (("replications: 3", "replications: 0"), "replications: 0", "replications",
                        "expected a whole number > 0 or a mapping with keys precision, kpi, min, max, found 0"),
    # valid alone (the overridden base has 2 berths), impossible with 1 berth
    "combination": (("scenario: cycle.yaml\nfactors:\n", "scenario: {file: cycle.yaml, overrides: {load_port.berths: 2}}\n"
                     "factors:\n  disruptions: [[{target: load_berth, index: 1, start: 2025-02-01, end: 2025-02-02}]]\n"),
                    "factors:", "factors", "disruptions[0].index: expected an index below 1"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_study_one_line_at_file_line(tmp_path, case):
    (old, new), needle, key, words = BAD[case]
    assert old in STUDY
    text = STUDY.replace(old, new, 1)
    p = write(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        load_study(p)
    msg = str(e.value)
    assert "\n" not in msg, msg
    assert msg.startswith(f"{p}:{line_of(text, needle)}: {key}: "), msg
    assert words in msg, msg


def test_deterministic_study_cheapest_feasible_by_hand(tmp_path):
    """The issue's 62 h cycle (16 h each way, 15 h at each berth) with no randomness.
    One ship completes 141 voyages a year (discharges end at 45 + 62 (k-1) h <= 8760):
    8.46 Mt/yr < 12.  Two ships: the second queues 15 h at the load berth and discharges
    at 60 + 62 (k-1) h, also 141 voyages: 16.92 Mt/yr.  More ships and berths cost more,
    so the answer is two ships and one berth."""
    from shuttle_sim.study.evaluate import InProcessEvaluator
    from shuttle_sim.study.search import full_grid, search

    s = load_study(write(tmp_path))
    ev = InProcessEvaluator(s)
    one = ev(s.cells[0], range(2))  # 1 ship, 1 berth
    assert one["delivered_t"].tolist() == [141 * 60000.0] * 2
    two = ev(s.cells[2], range(2))
    assert dict(s.cells[2].changes) == {"fleet.tankers[T].count": 2, "load_port.berths": 1}
    assert two["delivered_t"].tolist() == [2 * 141 * 60000.0] * 2
    factors = s.factors
    ref = full_grid(factors, InProcessEvaluator(s), s.targets, s.spec.confidence, "total_annual_cost_usd", n=3)
    best = ref["answer"]["best"]["overrides"]
    assert best == {"fleet.tankers[T].count": 2, "load_port.berths": 1}
    out = search(factors, "fleet.tankers[T].count", InProcessEvaluator(s), s.targets, s.spec.confidence,
                 "total_annual_cost_usd", n_min=2, n_max=3)
    assert out["answer"]["best"]["overrides"] == best
    assert out["replications"] < ref["replications"]


def test_readme_format_example_is_a_valid_study(tmp_path):
    text = (EXPERIMENTS / "README.md").read_text()
    block = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "configs").symlink_to(ROOT / "configs")
    (tmp_path / "experiments").mkdir()
    p = tmp_path / "experiments" / "example.yaml"
    p.write_text(block)
    s = load_study(p)
    assert len(s.cells) == 16 and s.spec.search.method == "adaptive"


@pytest.mark.parametrize("scenario_warmup_h, study_warmup, measured_warmup_h", [
    (0.0, None, 0.0), (720.0, None, 720.0), (0.0, "10 d", 240.0), (720.0, "10 d", 240.0)])
def test_years_are_measured_years_whatever_the_warmup(tmp_path, scenario_warmup_h, study_warmup, measured_warmup_h):
    """``years: 1`` is one measured year a replication: the horizon adds the warm-up left
    out, the study's own ``warmup`` (set on the scenario) or else the scenario's.  (It was
    ``years`` plus the study's warm-up only: over a scenario with a 30-day warm-up the
    replications measured 335 days, and a study's warm-up was never left out.)"""
    d = cycle_dict(horizon="2000 h", **({"warmup": f"{scenario_warmup_h} h"} if scenario_warmup_h else {}))
    (tmp_path / "cycle.yaml").write_text(yaml.safe_dump(d))
    text = STUDY + (f"warmup: {study_warmup}\n" if study_warmup else "")
    (tmp_path / "study.yaml").write_text(text)
    st = load_study(tmp_path / "study.yaml")
    assert st.base.warmup_h == measured_warmup_h
    assert st.horizon_h == st.base.horizon_h == 8760.0 + measured_warmup_h
    for cell in st.cells:
        s = st.scenario_for(cell)
        assert s.horizon_h - s.warmup_h == 8760.0


@pytest.mark.parametrize("written,stored", [("5 %", 0.05), ("0.5%", 0.005), (0.05, 0.05), (0, 0.0), ("100 %", 1.0)])
def test_a_share_target_reads_a_percentage_or_a_fraction(tmp_path, written, stored):
    text = STUDY.replace("delivered_mt_per_year: {mean_at_least: 12}", f"tanker_weather_frac: {{mean_at_most: {written}}}")
    (t,) = load_study(write(tmp_path, text)).targets
    assert t.kpi == "tanker_weather_frac" and t.threshold == pytest.approx(stored, rel=1e-15)


def test_a_target_the_runs_do_not_report_is_refused_before_anything_runs(tmp_path, capsys):
    """A ferry KPI of a tanker-only study could never be judged: `validate` and `sweep`
    say so at the target's line (a probe run lists the KPIs), and `sweep` writes nothing."""
    from shuttle_sim.cli import main
    from shuttle_sim.study.sweep import run_sweep

    text = STUDY.replace("delivered_mt_per_year: {mean_at_least: 12}", "ferry_load_factor: {mean_at_least: 0.9}")
    p = write(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        run_sweep(p, tmp_path / "out")
    msg = str(e.value)
    assert msg.startswith(f"{p}:{line_of(text, 'ferry_load_factor')}: targets.ferry_load_factor: expected a KPI the "
                          "runs report, found none in the runs of cell c-") and "\n" not in msg, msg
    assert not (tmp_path / "out").exists()
    assert main(["validate", str(p)]) == 2
    assert capsys.readouterr().err.strip() == msg
    assert main(["sweep", str(p), "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.strip() == msg and not (tmp_path / "out").exists()


def test_no_kind_of_result_is_written_into_another_kinds_directory(tmp_path, capsys):
    """A single run, a study and a sweep each refuse a directory holding one of the others
    (a run written into a study's directory replaced its manifest: the study could no
    longer be resumed), in one line, before anything runs, leaving every file as it was;
    each may still write into its own kind's directory."""
    import hashlib

    from shuttle_sim.cli import main

    study = write(tmp_path)
    scenario = str(tmp_path / "cycle.yaml")
    make = {"run": ["run", scenario, "--years", "0.05"], "study": ["run", scenario, "-n", "2", "--years", "0.05"],
            "sweep": ["sweep", str(study)]}
    words = {"run": "a single run", "study": "a study of one scenario", "sweep": "a sweep"}

    def files(d):
        return {p.relative_to(d): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.rglob("*")) if p.is_file()}

    for kind, argv in make.items():
        assert main([*argv, "--out", str(tmp_path / kind)]) == 0
    capsys.readouterr()
    for held in make:
        before = files(tmp_path / held)
        for kind, argv in make.items():
            if kind == held:
                continue
            assert main([*argv, "--out", str(tmp_path / held)]) == 2
            err = capsys.readouterr().err.strip()
            assert err == (f"shuttle-sim: --out {tmp_path / held} holds {words[held]}; {words[kind]} needs another "
                           "--out directory (nothing was written)"), err
            assert files(tmp_path / held) == before
    for kind, argv in make.items():  # its own kind: rerun (a run is replaced, a study or sweep resumes)
        assert main([*argv, "--out", str(tmp_path / kind)]) == 0


@pytest.mark.parametrize("kpi, written, stored", [
    ("delivered_mt_per_year", "12 Mt/yr", 12.0),
    ("deferred_t", "300 kt", 300_000.0),
    ("load_queue_wait_mean_h", "2 d", 48.0),
    ("total_annual_cost_usd", "500 MUSD/yr", 5e8),
    ("total_annual_cost_usd", "10 kUSD/d", 10_000 * 365.0),
    ("cost_per_tonne_usd", "30 USD/t", 30.0),
])
def test_a_threshold_with_a_unit_is_stored_in_the_kpis_own_unit(tmp_path, kpi, written, stored):
    """Each by hand: 12 Mt/yr is 12; 300 kt is 300,000 t; 2 d is 48 h; 500 MUSD/yr is 5e8
    USD/yr; 10 kUSD a day over a 365-day year is 3.65 MUSD/yr."""
    op = "mean_at_least" if kpi == "delivered_mt_per_year" else "mean_at_most"
    text = STUDY.replace("delivered_mt_per_year: {mean_at_least: 12}", f"{kpi}: {{{op}: {written}}}")
    (t,) = load_study(write(tmp_path, text)).targets
    assert t.threshold == pytest.approx(stored, rel=1e-12)


def test_a_study_names_a_shipped_scenario_as_run_does(tmp_path):
    """``scenario: kcts_concept`` in a study of one's own (no such file beside it) is the
    shipped scenario, as ``shuttle-sim run kcts_concept`` and ``extends:`` take it; a name
    that is neither is refused at its line."""
    from shuttle_sim.config.study import load_study

    costs = Path(__file__).resolve().parents[1] / "configs" / "costs.yaml"
    (tmp_path / "mine.yaml").write_text(f"name: mine\nscenario: kcts_concept\nyears: 1\nreplications: 2\n"
                                        f"costs: {costs}\nfactors:\n  load_port.berths: [3, 4]\n"
                                        "targets:\n  delivered_mt_per_year: {at_least: 19.5, in_fraction_of_years: 0.9}\n"
                                        "objective: {minimise: total_annual_cost_usd}\n")
    study = load_study(tmp_path / "mine.yaml")
    assert study.base.name == "kcts_concept"
    (tmp_path / "typo.yaml").write_text((tmp_path / "mine.yaml").read_text().replace("kcts_concept", "kcts_concep"))
    with pytest.raises(ConfigError) as e:
        load_study(tmp_path / "typo.yaml")
    assert "typo.yaml:2: scenario: expected a scenario file (relative to the study) or a shipped scenario's name" \
        in str(e.value)
