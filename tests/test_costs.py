"""The cost model against a hand calculation, and cost inputs' units and errors."""

import copy
import re

import pandas as pd
import pytest

import shuttle_sim as ss
from shuttle_sim import units
from shuttle_sim.config.costs import capital_recovery_factor, costs_from_dict, load_costs
from shuttle_sim.config.loader import ConfigError, parse_yaml
from shuttle_sim.model import kpi_names
from shuttle_sim.study.costs import COST_ITEMS, cost_inputs_used, cost_table, summarise_costs

from .conftest import CONFIGS, build, cycle_dict, merge

COSTS = {
    "fuel_price": "500 USD/t",
    "tankers": {"T": {"ownership": {"capex": "10 MUSD", "life": "10 yr", "discount_rate": 0.0},
                      "opex": "2 kUSD/d", "fuel": {"laden": "24 t/d", "ballast": "12 t/d", "in_port": "2.4 t/d"},
                      "laytime": "10 h", "demurrage": "24 kUSD/d"}},
    "load_port": {"port_dues": "1000 USD", "berth": {"capex": "5 MUSD", "life": "5 yr", "discount_rate": 0},
                  "tank_farm": {"capex": "80 USD/m3", "life": "20 yr", "discount_rate": 0, "opex_fraction": 0.05}},
    "discharge_port": {"port_dues": "3000 USD"},
    "tariffs": {"tanker_route": "2 USD/t"},
    "deferred_production": {"valuation": "lost", "lost": "100 USD/t", "deferred": "1 USD/t"},
}


def scenario():
    # one tanker class T (1 ship), horizon 4380 h (half a year), density 0.8 t/m3,
    # one load berth, load tank 8000 t
    return build(cycle_dict(horizon="4380 h", load_port={"tank_farm": {"capacity": "8000 t", "initial_level": "0 t"}},
                            fleet={"tankers": [{"name": "T", "count": 1, "cargo": "6000 t", "laden_speed": "12.5 kn",
                                                "ballast_speed": "12.5 kn"}]}))


def table():
    return pd.DataFrame({
        "delivered_t": [100_000.0, 50_000.0], "tanker_delivered_t": [100_000.0, 50_000.0],
        "deferred_t": [10.0, 0.0], "voyages": [10.0, 5.0], "load_calls": [11.0, 5.0], "discharge_calls": [10.0, 5.0],
        "class[T]_sailing_laden_h": [1000.0, 500.0], "class[T]_sailing_ballast_h": [1000.0, 500.0],
        "class[T]_off_hire_h": [380.0, 0.0], "class[T]_breakdown_h": [0.0, 0.0],
        "class[T]_queueing_h": [50.0, 0.0], "class[T]_transferring_h": [100.0, 40.0], "class[T]_voyages": [10.0, 5.0],
    })


def test_hand_calculation():
    c = costs_from_dict(COSTS)
    out = cost_table(scenario(), table(), c)
    a = 2.0  # 8760 h / 4380 h
    # row 0 by hand
    assert out["cost_ships_capital_usd_per_year"][0] == pytest.approx(1e6)            # 10 MUSD / 10 yr, r = 0
    assert out["cost_ships_opex_usd_per_year"][0] == pytest.approx(2000 * 365)
    # fuel: laden 1000 h x 1 t/h + ballast 1000 h x 0.5 t/h + (4380-2000-380) h x 0.1 t/h = 1700 t per half-year
    assert out["cost_fuel_usd_per_year"][0] == pytest.approx(1700 * 500 * a)
    assert out["cost_port_dues_usd_per_year"][0] == pytest.approx((11 * 1000 + 10 * 3000) * a)
    # port time 150 h, laytime 10 voyages x 10 h = 100 h: 50 h over at 1 kUSD/h
    assert out["cost_demurrage_usd_per_year"][0] == pytest.approx(50 * 1000 * a)
    assert out["cost_berths_usd_per_year"][0] == pytest.approx(1e6)                    # 1 berth, 5 MUSD / 5 yr
    # 8000 t / 0.8 t/m3 = 10,000 m3 x 80 USD/m3 = 0.8 MUSD x (1/20 + 0.05)
    assert out["cost_tank_farms_usd_per_year"][0] == pytest.approx(0.8e6 * 0.10)
    assert out["cost_tariffs_usd_per_year"][0] == pytest.approx(100_000 * 2 * a)
    assert out["cost_deferred_production_usd_per_year"][0] == pytest.approx(10 * 100 * a)
    total = 1e6 + 730_000 + 1_700_000 + 82_000 + 100_000 + 1e6 + 80_000 + 400_000 + 2_000
    assert out["total_annual_cost_usd"][0] == pytest.approx(total)
    assert out["cost_per_tonne_usd"][0] == pytest.approx(total / 200_000)
    # row 1: no port time beyond laytime (40 h < 50 h), no off hire
    assert out["cost_demurrage_usd_per_year"][1] == 0.0
    assert out["cost_fuel_usd_per_year"][1] == pytest.approx((500 + 250 + 0.1 * (4380 - 1000)) * 500 * a)
    assert set(out.columns) >= {f"cost_{k}_usd_per_year" for k in COST_ITEMS}
    m = summarise_costs(out, pd.DataFrame({"delivered_mt_per_year": [0.2, 0.1]}))
    assert m["cost_per_tonne_usd"] == pytest.approx(out["total_annual_cost_usd"].mean() / 150_000)
    from shuttle_sim import kpis
    assert all(kpis.known(c) for c in out.columns)  # the catalogue names every cost column


def test_a_warm_up_is_left_out_of_the_annualising_period():
    """KPIs measure the horizon after the warm-up (window.py): the same table from a 4380 h
    measured period, simulated as 5100 h with a 720 h warm-up, costs the same per year (the
    sweep's cost per tonne was 9% high when the warm-up was counted: aktau_expansion)."""
    c = costs_from_dict(COSTS)
    warm = build(cycle_dict(horizon="5100 h", warmup="720 h",
                            load_port={"tank_farm": {"capacity": "8000 t", "initial_level": "0 t"}},
                            fleet={"tankers": [{"name": "T", "count": 1, "cargo": "6000 t", "laden_speed": "12.5 kn",
                                                "ballast_speed": "12.5 kn"}]}))
    plain, with_warmup = cost_table(scenario(), table(), c), cost_table(warm, table(), c)
    pd.testing.assert_frame_equal(plain, with_warmup)
    assert with_warmup["cost_tariffs_usd_per_year"][0] == pytest.approx(100_000 * 2 * 8760 / 4380)


def test_formalities_of_every_kind_count_against_laytime():
    """Row 1 of the hand table (40 h in port, laytime 50 h) with 30 h of formalities by kind
    (arrival 10 h, pre-transfer 5 h, post-transfer 15 h): 70 h in port, 20 h over at
    1 kUSD/h, twice a year; a table from before the split, with the 30 h as one
    ``formalities`` state, costs the same."""
    c = costs_from_dict(COSTS)
    kinds = {"arrival": 10.0, "pre_transfer": 5.0, "post_transfer": 15.0}
    by_kind = table().assign(**{f"class[T]_{k}_formalities_h": [0.0, h] for k, h in kinds.items()})
    legacy = table().assign(**{"class[T]_formalities_h": [0.0, 30.0]})
    out = cost_table(scenario(), by_kind, c)
    assert out["cost_demurrage_usd_per_year"][1] == pytest.approx(20 * 1000 * 2)
    pd.testing.assert_frame_equal(out, cost_table(scenario(), legacy, c))


@pytest.mark.parametrize("state, counts", [(s, True) for s in (
    "queueing", "berthing", "arrival_formalities", "pre_transfer_formalities", "post_transfer_formalities",
    "transferring", "waiting_cargo", "waiting_ullage", "berth_failed", "anchorage_cargo", "anchorage_ullage")]
    + [(s, False) for s in ("anchorage_programme", "weather", "anchorage_weather", "breakdown", "sailing_laden")])
def test_laytime_counts_the_port_states_and_leaves_out_weather_programme_and_breakdowns(state, counts):
    """Row 1 of the hand table (40 h in port, laytime 5 voyages x 10 h = 50 h) with 30 h
    more in ``state``: 20 h over at 1 kUSD/h, twice a year, if the state counts against
    laytime (study/costs.PORT_STATES, and the assumptions stated there), else none."""
    t = table()
    col = f"class[T]_{state}_h"
    t[col] = (t[col] if col in t else 0.0) + pd.Series([0.0, 30.0])
    out = cost_table(scenario(), t, costs_from_dict(COSTS))
    assert out["cost_demurrage_usd_per_year"][1] == pytest.approx(20 * 1000 * 2 if counts else 0.0)


def test_ferry_costs_by_hand():
    """kuryk_ferry (4 ferries, 1,500 tank cars) measured over 8,760 h: ferries owned (50 MUSD,
    25 yr, r = 0: 2 MUSD/yr each), opex 10 kUSD/d, fuel 48 t/d sailing and 4.8 t/d
    otherwise on hire at 500 USD/t; dues of 2 kUSD at each end of a crossing; leased wagons
    at 20 USD/d; 10 USD/t by ferry.  Row: 40% of ferry time sailing, 5% off hire, 5% broken
    down; 600 crossings; 1 Mt by ferry; 2,000 t of rail deferral at 100 USD/t (lost)."""
    from shuttle_sim import load_scenario

    s = load_scenario(CONFIGS / "kuryk_ferry.yaml").with_changes({"horizon": "8790 h", "warmup": "30 h"})
    spec = {
        "fuel_price": "500 USD/t",
        "ferries": {"ownership": {"capex": "50 MUSD", "life": "25 yr", "discount_rate": 0.0}, "opex": "10 kUSD/d",
                    "fuel": {"laden": "48 t/d", "ballast": "48 t/d", "in_port": "4.8 t/d"}},
        "ferry_port_dues": "2 kUSD", "wagons": {"lease": "20 USD/d"},
        "tariffs": {"ferry_route": "10 USD/t"},
        "deferred_production": {"valuation": "lost", "lost": "100 USD/t", "deferred": "1 USD/t"},
    }
    c = costs_from_dict(spec)
    t = pd.DataFrame({"delivered_t": [1e6], "ferry_delivered_t": [1e6], "ferry_trips": [600.0], "deferred_t": [0.0],
                      "rail_deferred_t": [2000.0], "ferry_sailing_frac": [0.40], "ferry_off_hire_frac": [0.05],
                      "ferry_breakdown_frac": [0.05]})
    out = cost_table(s, t, c)
    fleet_h = 4 * 8760.0
    sailing_h, other_h = 0.40 * fleet_h, (1 - 0.40 - 0.05) * fleet_h  # off hire burns nothing
    fuel = (sailing_h * 2.0 + other_h * 0.2) * 500  # 48 t/d = 2 t/h; 4.8 t/d = 0.2 t/h
    dues = 2 * 600 * 2000  # a call at each end of every crossing
    assert out["cost_ferries_usd_per_year"][0] == pytest.approx(4 * 2e6 + 4 * 10_000 * 365 + fuel + dues, rel=1e-12)
    assert out["cost_wagons_usd_per_year"][0] == pytest.approx(1500 * 20 * 365)
    assert out["cost_tariffs_usd_per_year"][0] == pytest.approx(1e6 * 10)
    assert out["cost_deferred_production_usd_per_year"][0] == pytest.approx(2000 * 100)
    assert out["cost_ships_capital_usd_per_year"][0] == 0.0  # no tankers on this route
    # chartered instead at 30 kUSD/d: hire is paid on hire only, off hire and broken down excluded
    ferries = {k: v for k, v in spec["ferries"].items() if k != "ownership"} | {"time_charter": "30 kUSD/d"}
    chartered = costs_from_dict(spec | {"ferries": ferries})
    hire = (1 - 0.05 - 0.05) * fleet_h / 24 * 30_000
    assert cost_table(s, t, chartered)["cost_ferries_usd_per_year"][0] == pytest.approx(
        hire + 4 * 10_000 * 365 + fuel + dues, rel=1e-12)


def test_charter_pays_hire_on_hire_only_and_deferred_valuation():
    d = merge(COSTS, {"deferred_production": {"valuation": "deferred"}})
    d["tankers"]["T"] = {k: v for k, v in d["tankers"]["T"].items() if k != "ownership"} | {"time_charter": "24 kUSD/d"}
    out = cost_table(scenario(), table(), costs_from_dict(d))
    # (4380 - 380) h on hire at 1 kUSD/h, twice a year
    assert out["cost_ships_capital_usd_per_year"][0] == pytest.approx(4000 * 1000 * 2)
    assert out["cost_deferred_production_usd_per_year"][0] == pytest.approx(10 * 1 * 2)


def test_fleet_fractions_stand_in_for_missing_class_kpis():
    t = pd.DataFrame({"delivered_t": [1.0], "voyages": [4.0], "tanker_sailing_laden_frac": [0.25],
                      "tanker_sailing_ballast_frac": [0.25], "tanker_off_hire_frac": [0.0]})
    out = cost_table(scenario(), t, costs_from_dict(COSTS))
    # 0.5 x 4380 h at sea split evenly: 1095 h x 1 + 1095 h x 0.5 + 2190 h x 0.1 t/h
    assert out["cost_fuel_usd_per_year"][0] == pytest.approx((1095 + 547.5 + 219) * 500 * 2)


def test_crf_matches_costs_md():
    assert capital_recovery_factor(0.08, 20) == pytest.approx(0.10185, abs=5e-6)
    assert capital_recovery_factor(0.0, 4) == 0.25


def test_money_units():
    assert units.parse_quantity("6.5 kUSD/d", ("money_rate",)).value == pytest.approx(6500)
    assert units.parse_quantity("1000 USD/h", ("money_rate",)).value == pytest.approx(24_000)
    q = units.parse_quantity("45 USD/bbl", ("price_per_volume",))
    assert units.price_usd_per_t(q, 0.82) == pytest.approx(45 / 0.158987294928 / 0.82)


def test_shipped_cost_file_loads():
    c = load_costs(CONFIGS / "costs.yaml")
    assert {"KCTS-shuttle", "Astana-class", "Taraz-class"} <= set(c.tankers)
    assert c.deferred_production.valuation == "deferred"


def test_shipped_cost_file_cites_every_number():
    import re
    for ln in (CONFIGS / "costs.yaml").read_text().splitlines():
        code = ln.split("#")[0]
        if re.search(r"\d", code) and "currency_year" not in code:
            comment = ln.split("#", 1)[1] if "#" in ln else ""
            assert re.search(r"\[\d+", comment) or "ASSUMPTION" in comment or "(as " in comment, ln


@pytest.mark.parametrize("edit,where,words", [
    (("fuel_price: 560 USD/t", "fuel_price: 560 USD"), ("fuel_price",), "expected a price per tonne"),
    (("opex: 6.5 kUSD/d", "opex: 6.5 kUSD"), ("tankers", "KCTS-shuttle", "opex"), "expected a money rate"),
    (("valuation: deferred", "valuation: maybe"), ("deferred_production", "valuation"), "'lost' or 'deferred'"),
    (("laytime: 72 h               # ASSUMPTION: customary", "laytme: 72 h  #"), ("tankers", "KCTS-shuttle", "laytme"),
     "did you mean 'laytime'"),
])
def test_bad_cost_file_names_line_and_key(tmp_path, edit, where, words):
    text = (CONFIGS / "costs.yaml").read_text()
    assert edit[0] in text
    bad = text.replace(edit[0], edit[1], 1)
    p = tmp_path / "c.yaml"
    p.write_text(bad)
    with pytest.raises(ConfigError) as e:
        load_costs(p)
    msg = str(e.value)
    _, lines = parse_yaml(bad, str(p))
    assert msg.startswith(f"{p}:{lines[where]}: {'.'.join(where)}: "), msg
    assert words in msg and "\n" not in msg


from hypothesis import given, settings, strategies as st


@settings(max_examples=30, deadline=None)
@given(price=st.floats(0, 2000), laden=st.floats(0, 4380), deferred=st.floats(0, 1e6))
def test_items_add_up_and_fuel_is_linear_in_its_price(price, laden, deferred):
    t = table().iloc[:1].assign(**{"class[T]_sailing_laden_h": laden, "deferred_t": deferred})
    base = cost_table(scenario(), t, costs_from_dict(COSTS))
    dear = cost_table(scenario(), t, costs_from_dict(merge(COSTS, {"fuel_price": f"{price!r} USD/t"})))
    items = [f"cost_{k}_usd_per_year" for k in COST_ITEMS]
    assert dear[items].sum(axis=1)[0] == pytest.approx(dear["total_annual_cost_usd"][0], rel=1e-12)
    assert dear["cost_fuel_usd_per_year"][0] == pytest.approx(base["cost_fuel_usd_per_year"][0] * price / 500, rel=1e-9, abs=1e-6)
    others = [c for c in items if c != "cost_fuel_usd_per_year"]
    assert (dear[others] == base[others]).all(axis=None)


def _leaves(data: dict, prefix: str = ""):
    """Every value of a cost file's mapping with its key path (``tankers.T.fuel.laden``)."""
    for k, v in data.items():
        path = f"{prefix}{k}"
        if isinstance(v, dict):
            yield from _leaves(v, path + ".")
        else:
            yield path, v


def _changed(value):
    """Another valid value of a cost input: its number moved, or the other valuation."""
    if value in ("lost", "deferred"):
        return {"lost": "deferred", "deferred": "lost"}[value]
    if isinstance(value, str):
        return re.sub(r"^[\d.]+", lambda m: repr(float(m.group()) * 1.5 + 1.0), value)
    return value + 0.25 if value < 0.75 else value - 0.25  # a discount rate or an opex fraction: still in [0, 1]


def _cost_data():
    data, _ = parse_yaml((CONFIGS / "costs.yaml").read_text(), "costs.yaml")
    return data


@pytest.mark.parametrize("name", ["aktau_current", "kcts_concept", "kuryk_ferry", "caspian_network"])
@pytest.mark.parametrize("valuation", ["lost", "deferred"])
def test_the_inputs_listed_as_used_are_exactly_those_the_cost_table_reads(name, valuation):
    """Each input of configs/costs.yaml, changed alone: some cost moves if and only if
    cost_inputs_used lists it (or a key above it), for tanker, ferry and network scenarios."""
    s = ss.load_scenario(CONFIGS / f"{name}.yaml")
    data = _cost_data()
    data["deferred_production"]["valuation"] = valuation
    # configs/costs.yaml costs the ferry route as a shipper (no ferries of its own): a
    # chartered ferry class here, with the inputs a ferry's costing never reads
    data["ferries"] = {"time_charter": "30 kUSD/d", "opex": "0 kUSD/d", "laytime": "24 h", "demurrage": "20 kUSD/d",
                       "fuel": {"laden": "40 t/d", "ballast": "35 t/d", "in_port": "5 t/d"}}
    # every KPI the scenario reports, positive; a voyage or call each, so that port time exceeds laytime
    cols = kpi_names(s)
    tab = pd.DataFrame({c: [1.0 if ("voyages" in c or "calls" in c) else 50.0 + i] for i, c in enumerate(cols)})
    used = cost_inputs_used(s, costs_from_dict(data))
    base = cost_table(s, tab, costs_from_dict(data))
    seen = {True: 0, False: 0}
    for path, value in _leaves(data):
        if path == "currency_year":  # the year of the money: a label, priced nowhere
            continue
        changed = copy.deepcopy(data)
        *head, last = path.split(".")
        node = changed
        for k in head:
            node = node[k]
        node[last] = _changed(value)
        moved = not cost_table(s, tab, costs_from_dict(changed)).equals(base)
        listed = any(path == u or path.startswith(u + ".") for u in used)
        assert moved == listed, f"{path}: {'moves' if moved else 'moves no'} cost, {'' if listed else 'not '}listed"
        seen[listed] += 1
    assert seen[True] > 5 and seen[False] > 5  # both kinds occur: the test can tell them apart
