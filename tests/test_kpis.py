"""The KPI catalogue knows every KPI the model produces, once, with the right unit."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

import shuttle_sim as ss
from shuttle_sim import kpis

from .conftest import CONFIGS


@pytest.fixture(scope="module")
def produced() -> dict[str, dict[str, float]]:
    """Each shipped scenario's KPIs (name -> value) over 60 days."""
    return {p.stem: dict(ss.simulate(ss.load_scenario(p), seed=1, horizon_h=24 * 60).kpis)
            for p in sorted(CONFIGS.glob("*.yaml")) if p.stem != "costs"}


def test_every_kpi_of_every_shipped_scenario_is_catalogued_exactly_once(produced):
    for scenario, names in produced.items():
        for n in names:
            matches = [p for rx, p, *_ in kpis._COMPILED if rx.match(n)]
            assert matches, f"{scenario}: {n} is not in the catalogue"
            # a name may match a generic pattern too, but the first match must be the only
            # exact-name entry or the intended pattern: no two *exact* entries for one name
            assert sum(1 for p in matches if "{" not in p) <= 1, (n, matches)


def test_every_value_lies_within_its_kpis_bounds(produced):
    """The bounds a confidence bound is clipped to (``Kpi.bounds``) hold for what the model
    produces: a KPI called non-negative never comes out negative, a fraction never above 1."""
    for scenario, values in produced.items():
        for n, v in values.items():
            lo, hi = kpis.info(n).bounds
            assert lo <= v <= hi, (scenario, n, v, (lo, hi))
    signed = [n for values in produced.values() for n in values if kpis.info(n).bounds[0] < 0]
    assert "load_stock_change_t" in signed  # a stock can fall: not bounded below
    # every share shown in % is one, whatever its name ends with
    assert {kpis.info(n).bounds for n in ("ferry_load_factor", "tanker_weather_frac")} == {(0.0, 1.0)}


def test_a_share_is_stored_as_a_fraction_and_shown_in_percent():
    k = kpis.info("tanker_weather_frac")
    assert (k.unit, k.stored_unit, k.format(0.05)) == ("%", "fraction", "5.0 %")
    assert kpis.info("deferred_t").stored_unit == "t"


def test_units_follow_the_name_suffix(produced):
    suffix_unit = {"_t": "t", "_h": "h", "_frac": "%", "_mt_per_year": "Mt/yr", "_kbpd": "kbpd"}
    for names in produced.values():
        for n in names:
            k = kpis.info(n)
            for suffix, unit in suffix_unit.items():
                if n.endswith(suffix) and not n.endswith("_peak_deferred_t"):
                    assert k.unit == unit, (n, k.unit)
            if n.endswith("_frac"):
                assert k.scale == 100.0


@pytest.mark.parametrize("name,group,label,params", [
    ("load_berth_waiting_cargo_frac", "berths", "Load port berths: waiting for cargo",
     {"role": "load", "state": "waiting_cargo"}),
    ("discharge_tank_level_max_t", "tanks", "Discharge port tank farm: highest level",
     {"role": "discharge", "stat": "max"}),
    ("load_tank_level_mean_t", "tanks", "Load port tank farm: mean level", {"role": "load", "stat": "mean"}),
    ("load_tank_level_min_t", "tanks", "Load port tank farm: lowest level", {"role": "load", "stat": "min"}),
    ("discharge_weather_hold_unberthing_h", "weather", "Discharge port: weather hold before unberthing",
     {"role": "discharge", "op": "unberthing"}),
    ("discharge_weather_hold_h", "weather", "Discharge port: berth-hours held by weather", {"role": "discharge"}),
    ("class[Astana-class]_sailing_laden_h", "fleet", "Astana-class: ship-hours sailing laden",
     {"cls": "Astana-class", "state": "sailing_laden"}),
    ("class[KCTS shuttle 500 kbbl]_voyages", "fleet", "KCTS shuttle 500 kbbl: voyages", {"cls": "KCTS shuttle 500 kbbl"}),
    ("tanker_off_hire_frac", "fleet", "Tanker time: off hire (dry dock)", {"state": "off_hire"}),
    ("tanker_pre_transfer_formalities_frac", "fleet", "Tanker time: pre-transfer formalities (alongside)",
     {"state": "pre_transfer_formalities"}),
    ("cost_fuel_usd_per_year", "costs", "Cost: fuel", {"item": "fuel"}),
    ("ferry_load_factor", "ferries", "Ferry load factor", {}),
])
def test_patterns_resolve_to_words(name, group, label, params):
    k = kpis.info(name)
    assert (k.group, k.label) == (group, label)
    assert {p: v for p, v in k.params.items() if v is not None} == params


def test_every_budget_state_has_words_and_its_own_colour():
    """Each state of the tanker, berth and ferry budgets reads in words and is drawn in a
    colour no other state of the same budget uses (the three formalities kinds included)."""
    from shuttle_sim.components.ferry import FERRY_STATES
    from shuttle_sim.components.tanker import TANKER_STATES
    from shuttle_sim.components.berths import BERTH_STATES
    from shuttle_sim.report.style import STATE_COLOURS

    for subject, states in (("tanker", TANKER_STATES), ("load_berth", BERTH_STATES + ("idle",)),
                            ("ferry", FERRY_STATES)):
        assert all(s in STATE_COLOURS for s in states), subject
        assert len({STATE_COLOURS[s] for s in states}) == len(states), subject
        assert all(kpis.known(f"{subject}_{s}_frac") for s in states), subject
    kinds = [kpis.info(f"tanker_{k}_formalities_frac").label for k in ("arrival", "pre_transfer", "post_transfer")]
    assert len(set(kinds)) == 3


def test_unknown_names_are_refused():
    for bad in ("delivered", "load_tank_level_median_t", "harbour_berth_idle_frac", "class[]_voyages"):
        assert not kpis.known(bad)
        with pytest.raises(KeyError, match="catalogue"):
            kpis.info(bad)


def test_formats_have_no_float_noise_and_thousands_separators():
    assert kpis.info("deferred_t").format(26312.7) == "26,313 t"
    assert kpis.info("deferred_t").format(7.053e-12) == "0 t"
    assert kpis.info("delivered_mt_per_year").format(1.43349) == "1.433 Mt/yr"
    assert kpis.info("load_tank_full_frac").format(0.1234) == "12.3 %"
    assert kpis.info("load_queue_wait_mean_h").number(None) == ""
    assert kpis.info("cost_per_tonne_usd").format(12.3456) == "12.35 USD/t"


def test_groups_come_in_catalogue_order(produced):
    grouped = kpis.by_group(produced["caspian_network"])
    assert list(grouped) == [g for g in kpis.GROUPS if g in grouped]
    assert {"throughput", "ferries", "fleet", "berths"} <= set(grouped)


def test_the_catalogue_does_not_import_the_engine():
    # the package __init__ imports the engine today; the catalogue module itself must not
    code = ("import importlib.util, sys; s = importlib.util.spec_from_file_location('kpis_alone', {!r});"
            " m = importlib.util.module_from_spec(s); sys.modules['kpis_alone'] = m; s.loader.exec_module(m);"
            " m.info('deferred_t'); print('simpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code.format(kpis.__file__)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert re.search(r"^(import simpy|from \\.(model|components))", open(kpis.__file__).read(), re.M) is None


def test_the_short_table_shows_the_headline_kpis_and_only_fractions_are_scaled():
    """The short summary table (the CLI's and the report's key figures) shows the headline
    KPIs: throughput, deferral and shortfall, the mean wait for a berth, all weather holds
    and the costs; nothing else.  Only fractions (x 100, %) and annual costs (in millions)
    change scale for display, each with its stored unit said: a count of calls, voyages or
    wagons shows as counted."""
    headline = {p for p, _group, _label, _unit, head in kpis._ENTRIES if head}
    assert headline == {"delivered_mt_per_year", "delivered_kbpd", "voyages", "deferred_t", "offtake_shortfall_t",
                        "rail_deferred_t", "{role}_queue_wait_mean_h", "weather_hold_h", "total_annual_cost_usd",
                        "cost_per_tonne_usd"}
    assert {u: sc for u, (sc, _fmt) in kpis.UNIT_FORMATS.items() if sc != 1.0} == {"%": 100.0, "MUSD/yr": 1e-6}
    assert {u: kpis.Kpi("x", "x", "costs", "x", u).stored_unit for u in ("%", "MUSD/yr")} == {"%": "fraction",
                                                                                             "MUSD/yr": "USD/yr"}
    k = kpis.info("total_annual_cost_usd")
    assert (k.format(576_396_000.0), k.ci(576_396_000.0, 4_760_632.0)) == ("576.40 MUSD/yr", "± 4.76")
