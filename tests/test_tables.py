"""The CLI's KPI tables: grouped by the catalogue, with units, no float noise, each
scenario kind its own rows, percentiles in words."""

import pytest

import shuttle_sim as ss
from shuttle_sim import kpis, tables
from shuttle_sim.cli import main
from shuttle_sim.output import kpi_summary

from .conftest import CONFIGS


def _stats(mean, hw=None, p10=None, p50=None, p90=None):
    return {"mean": mean, "ci95_halfwidth": hw, "p10": p10, "p50": p50, "p90": p90}


def test_study_table_has_units_separators_and_no_float_noise():
    summary = {"kpis": {
        "delivered_mt_per_year": _stats(1.43349, 7.053e-12, 1.4, 1.43, 1.45),
        "deferred_t": _stats(26312.7, -3e-13, 0.0, 25000.0, 51234.4),
    }}
    text = tables.study_table(summary)
    lines = text.splitlines()
    assert "P10 (exceeded in 90%)" in lines[0] and "P90 (exceeded in 10%)" in lines[0]
    assert "exceeded in 90% of replications" in text and "where ± would pass the measure's limit" in text
    row = next(ln for ln in lines if ln.strip().startswith("Deferred production"))
    assert row.split()[-7:] == ["26,313", "±", "0", "0", "25,000", "51,234", "t"]
    row = next(ln for ln in lines if ln.strip().startswith("Delivered"))
    assert row.split()[-7:] == ["1.433", "±", "0.000", "1.400", "1.430", "1.450", "Mt/yr"]
    assert "e-" not in text and "-0" not in text
    # grouped in the catalogue's order
    assert text.index("[throughput]") < text.index("[deferral]")


def test_a_ci_that_would_leave_the_kpis_range_is_shown_clipped():
    """kcts_concept's deferral over 20 years read ``2,256 ± 4,722`` t, i.e. down to
    -2,466 t, which no deferral can be: the table shows the interval cut at 0 instead,
    by hand: 2,256 + 4,722 = 6,978.  A share is cut at 100%; a cost (a credit may make
    it negative) and an interval inside the range keep their ``±``."""
    assert kpis.info("deferred_t").ci(2256.0, 4722.0) == "0 to 6,978"
    assert kpis.info("deferred_t").ci(6000.0, 4722.0) == "± 4,722"
    assert kpis.info("deferred_t").ci(4722.0, 4722.0) == "± 4,722"  # exactly at 0: still inside
    assert kpis.info("load_tank_full_frac").ci(0.98, 0.05) == "93.0 to 100.0"
    assert kpis.info("total_annual_cost_usd").ci(-5.0e6, 8.0e6).startswith("± ")
    # cut only where the cut shows: a mean wait of 0.002 +- 0.003 h displays as 0.0 +- 0.0
    assert kpis.info("load_queue_wait_mean_h").ci(0.002, 0.003) == "± 0.0"
    assert kpis.info("load_queue_wait_mean_h").ci(0.02, 0.09) == "0.0 to 0.1"
    assert kpis.info("deferred_t").ci(None, 1.0) == kpis.info("deferred_t").ci(1.0, float("nan")) == ""
    text = tables.study_table({"kpis": {"deferred_t": _stats(2256.0, 4722.0, 0.0, 0.0, 9100.0)}})
    row = next(ln for ln in text.splitlines() if ln.strip().startswith("Deferred production"))
    assert row.split()[-8:] == ["2,256", "0", "to", "6,978", "0", "0", "9,100", "t"]


def test_one_clip_rule_for_numbers_arrays_and_display_units():
    """``Kpi.clip`` cuts an interval to the KPI's range: a deferral at 0 t, a share at 0
    and 1 (0% and 100% with ``scale=100``), a cost not at all; numbers give floats, a
    figure's arrays give arrays (a NaN stays NaN)."""
    import numpy as np

    assert kpis.info("deferred_t").clip(-2466.0, 6978.0) == (0.0, 6978.0)
    assert kpis.info("load_tank_full_frac").clip(93.0, 103.0, 100.0) == (93.0, 100.0)
    assert kpis.info("total_annual_cost_usd").clip(-5.0, 3.0) == (-5.0, 3.0)
    lo, hi = kpis.info("deferred_t").clip(np.array([np.nan, -1.0, 2.0]), np.array([np.nan, 3.0, 4.0]), 1e-3)
    assert np.isnan(lo[0]) and lo[1:].tolist() == [0.0, 2.0] and hi[1:].tolist() == [3.0, 4.0]


def test_negative_zero_never_shows():
    assert kpis.info("deferred_t").number(-3e-13) == "0"
    assert kpis.info("load_tank_full_frac").number(-1e-9) == "0.0"
    assert kpis.info("deferred_t").number(-1.0) == "-1"


@pytest.fixture(scope="module")
def summaries():
    out = {}
    for name in ("kuryk_ferry", "aktau_current", "caspian_network"):
        s = ss.load_scenario(CONFIGS / f"{name}.yaml")
        out[name] = kpi_summary(name, [ss.simulate(s, seed=r, replication=r, horizon_h=1500.0) for r in range(2)])
    return out


def _labels(text):
    return [ln[2:].split("  ")[0] for ln in text.splitlines()[1:] if ln.startswith("  ") and not ln.startswith("  [")]


def test_each_scenario_kind_shows_its_own_rows(summaries):
    ferry = tables.study_table(summaries["kuryk_ferry"]) + tables.run_table(summaries["kuryk_ferry"])
    assert "[ferries]" in ferry and "Ferry crossings" in ferry
    for tanker_word in ("Tanker", "tank farm", "port berths", "Deferred production (tank farm full)", "by tanker"):
        assert tanker_word not in ferry
    tanker = tables.run_table(summaries["aktau_current"])
    assert "[ferries]" not in tanker and "Load port berths: transferring" in tanker
    # one route, one class: the parts would repeat the total
    assert "Delivered by tanker" not in tanker
    both = tables.run_table(summaries["caspian_network"])
    assert "Delivered by tanker" in both and "Delivered by train ferry" in both
    assert "Astana-class: voyages" in both  # two classes: each one's share


def test_no_row_repeats_and_zero_time_shares_are_left_out(summaries):
    for summary in summaries.values():
        for text in (tables.run_table(summary), tables.study_table(summary)):
            labels = [x for x in _labels(text) if x.strip()]
            assert len(labels) == len(set(labels)), labels
    k = summaries["aktau_current"]["kpis"]
    text = tables.run_table(summaries["aktau_current"])
    for state in ("waiting_cargo", "off_hire"):
        label = kpis.info(f"tanker_{state}_frac").label
        assert (label in text) == bool(k[f"tanker_{state}_frac"]["mean"])


@pytest.mark.parametrize("table", [tables.run_table, tables.study_table])
def test_unknown_kpis_are_shown_by_name_not_dropped(table):
    text = table({"kpis": {"delivered_t": _stats(5.0), "mystery_measure": _stats(2.5)}})
    assert "[other]" in text and "mystery_measure" in text and "2.5" in text.split("mystery_measure")[1]


def test_cli_help_and_tables_state_the_percentile_convention(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "P10 is the value exceeded in 90% of replications" in help_text
    assert main(["run", str(CONFIGS / "kuryk_ferry.yaml"), "--years", "0.1", "-n", "2", "--workers", "1",
                 "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "P10 (exceeded in 90%)" in out and "Tanker" not in out
