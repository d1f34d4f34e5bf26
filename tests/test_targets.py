"""Targets and the answer: order-statistic bounds against brute-force binomial sums,
verdicts by hand, the cheapest feasible cell of a deterministic toy."""

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from shuttle_sim.study.targets import (
    answer, answers_by_condition, assess, check_supply, limiting_factor, quantile_bounds, range_ends,
    supply_ceiling_t_per_year,
)

from .conftest import build, cycle_dict


@dataclass(frozen=True)
class T:
    kpi: str
    kind: str
    threshold: float
    fraction: Optional[float] = None


def binom_ge(r, n, p):
    """P(Bin(n, p) >= r) by summing the mass function with exact integers."""
    return sum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(r, n + 1))


@pytest.mark.parametrize("n", [5, 10, 22, 30, 57])
@pytest.mark.parametrize("pi", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("c", [0.8, 0.9, 0.95])
def test_order_statistic_bounds_match_brute_force(n, pi, c):
    y = np.arange(1.0, n + 1)  # Y_(i) = i, so a bound's value is its rank
    _, low, high = quantile_bounds(y[::-1], pi, c)
    r_star = max((r for r in range(1, n + 1) if binom_ge(r, n, pi) >= c), default=None)
    s_star = min((s for s in range(1, n + 1) if 1 - binom_ge(s, n, pi) >= c), default=None)
    assert low == (r_star if r_star else -math.inf)
    assert high == (s_star if s_star else math.inf)


def test_lower_bound_covers_with_stated_confidence():
    # exact coverage of Y_(r) for the 0.1 quantile of U(0,1), n = 30, c = 0.9
    rng = np.random.default_rng(7)
    hits = [quantile_bounds(rng.random(30), 0.1, 0.9)[1] <= 0.1 for _ in range(4000)]
    r = max(r for r in range(1, 31) if binom_ge(r, 30, 0.1) >= 0.9)
    assert np.mean(hits) == pytest.approx(binom_ge(r, 30, 0.1), abs=0.015)


def test_nine_years_in_ten_needs_22_good_years():
    t = T("delivered_mt_per_year", "at_least", 20.0, 0.9)
    assert assess([21.0] * 21, t, 0.9).verdict == "undecided"  # 0.9**21 = 0.109 > 0.1
    assert assess([21.0] * 21, t, 0.9).replications_to_settle == 22
    assert assess([21.0] * 22, t, 0.9).verdict == "met"         # 0.9**22 = 0.098
    # 3 bad years of 10: P(Bin(10, 0.9) <= 7) = 0.0702 <= 0.1 -> missed with confidence
    assert assess([19.0] * 3 + [21.0] * 7, t, 0.9).verdict == "missed"
    # 2 bad years of 10: P(Bin(10, 0.9) <= 8) = 0.264 -> undecided
    a = assess([19.0] * 2 + [21.0] * 8, t, 0.9)
    assert a.verdict == "undecided" and a.share == 0.8
    assert stats.binom.cdf(8, 10, 0.9) == pytest.approx(0.2639, abs=1e-4)
    # at_most mirrors at_least
    assert assess([5.0] * 22, T("deferred_t", "at_most", 10.0, 0.9), 0.9).verdict == "met"


def test_mean_target_by_hand():
    y = [48.0, 52.0, 50.0, 46.0, 54.0]  # mean 50, sd sqrt(10)
    hw = stats.t.ppf(0.9, 4) * math.sqrt(10) / math.sqrt(5)  # 1.533 x 1.414 = 2.168
    a = assess(y, T("deferred_t", "mean_at_most", 53.0), 0.9)
    assert (a.estimate, a.low, a.high) == pytest.approx((50.0, 50 - hw, 50 + hw))
    assert a.verdict == "met"
    assert assess(y, T("deferred_t", "mean_at_most", 47.0), 0.9).verdict == "missed"
    u = assess(y, T("deferred_t", "mean_at_most", 51.0), 0.9)
    assert u.verdict == "undecided"
    n = u.replications_to_settle  # t(0.9, n-1) sqrt(10/n) < 1 first at n = 18
    assert stats.t.ppf(0.9, n - 1) * math.sqrt(10 / n) < 1 <= stats.t.ppf(0.9, n - 2) * math.sqrt(10 / (n - 1))


def test_mean_bounds_are_clipped_to_the_kpis_range():
    """Deferral in 1 year of 5: the t interval reaches below 0 t, a mean deferral cannot.
    By hand: mean 20, sd sqrt(2000) = 44.72, half-width t(0.9, 4) 44.72 / sqrt(5) = 30.66."""
    y = [0.0, 0.0, 100.0, 0.0, 0.0]
    hw = stats.t.ppf(0.9, 4) * math.sqrt(2000) / math.sqrt(5)
    a = assess(y, T("deferred_t", "mean_at_most", 60.0), 0.9)
    assert (a.estimate, a.low, a.high) == pytest.approx((20.0, 0.0, 20 + hw))
    assert 20 - hw < 0 and a.verdict == "met"
    # ... a target at its boundary is then decided, as it must be: a mean deferral >= 0 t
    assert assess(y, T("deferred_t", "mean_at_least", 0.0), 0.9).verdict == "met"
    # a fraction's mean is at most 1; a stock change may be negative (not clipped)
    f = assess([1.0, 1.0, 0.9], T("tanker_weather_frac", "mean_at_least", 0.5), 0.9)
    assert f.high == 1.0 and f.low < 1.0
    s = assess(y, T("load_stock_change_t", "mean_at_most", 60.0), 0.9)
    assert s.low == pytest.approx(20 - hw)
    # a KPI the catalogue does not know keeps its t bounds
    assert assess(y, T("my_own_kpi", "mean_at_most", 60.0), 0.9).low == pytest.approx(20 - hw)


def toy_cells():
    """A deterministic toy: throughput min(5 x ships, 4 x berths) Mt/yr, cost 3 per ship
    + 2 per berth.  Target 11 Mt/yr: feasible cells need ships >= 3 and berths >= 3; the
    cheapest is 3 ships + 3 berths (cost 15); 4 ships + 2 berths (16) delivers 8."""
    cells = {}
    for ships in range(1, 6):
        for berths in range(1, 5):
            thr = min(5 * ships, 4 * berths)
            n = 25
            cells[f"s{ships}b{berths}"] = {
                "overrides": {"ships": ships, "berths": berths},
                "table": pd.DataFrame({"delivered_mt_per_year": [float(thr)] * n,
                                       "total_annual_cost_usd": [3.0 * ships + 2.0 * berths] * n}),
            }
    return cells


def test_cheapest_feasible_cell_of_a_deterministic_toy():
    targets = [T("delivered_mt_per_year", "at_least", 11.0, 0.9)]
    out = answer(toy_cells(), targets, 0.9, "total_annual_cost_usd")
    assert out["feasible"] and out["best"]["name"] == "s3b3" and out["best"]["objective"] == 15.0
    cheaper = {c["name"]: c["fails"] for c in out["cheaper"]}
    # every cheaper cell (cost < 15) fails with confidence: deterministic shortfalls
    assert cheaper and set(cheaper.values()) == {"with confidence"}
    assert "s1b1" in cheaper and "s5b1" not in cheaper  # s5b1 costs 17


def test_nothing_feasible_names_nearest_and_binding():
    targets = [T("delivered_mt_per_year", "at_least", 30.0, 0.9)]
    out = answer(toy_cells(), targets, 0.9, "total_annual_cost_usd")
    assert not out["feasible"]
    assert out["nearest"]["name"] == "s4b4"  # 16 Mt/yr, the most of any cell; s5b4 also, but dearer
    assert out["binding"]["kpi"] == "delivered_mt_per_year"


def test_limiting_factor_reads_the_largest_score():
    t = pd.DataFrame({"tanker_queueing_frac": [0.3], "tanker_waiting_cargo_frac": [0.05], "load_tank_full_frac": [0.0]})
    assert limiting_factor(t)["limit"] == "berths"


def test_limiting_factor_scores_by_hand():
    """Every score from the means of two replications: load farm full 0.2 and 0.4 (0.3),
    waiting for cargo 0.1 and 0.3 (0.2), queueing 0.05, waiting for ullage 0.02, discharge
    farm full 0.01.  supply 0.2 x 0.7 = 0.14; berths 0.05; offtake 0.03; storage
    min(0.3, 0.2) = 0.2; fleet 0.3 x 0.8 x 0.95 = 0.228: the fleet limits."""
    t = pd.DataFrame({"load_tank_full_frac": [0.2, 0.4], "tanker_waiting_cargo_frac": [0.1, 0.3],
                      "tanker_queueing_frac": [0.05, 0.05], "tanker_waiting_ullage_frac": [0.02, 0.02],
                      "discharge_tank_full_frac": [0.01, 0.01]})
    out = limiting_factor(t)
    assert out["scores"] == pytest.approx({"supply": 0.14, "berths": 0.05, "offtake": 0.03, "storage": 0.2,
                                           "fleet": 0.228}, rel=1e-12)
    assert out["limit"] == "fleet"


def test_supply_ceiling_counts_a_surge_inside_the_horizon_only():
    """1 Mt/yr (114.16 t/h) over 8,760 h from 2025-01-01, a x1.5 surge from 2025-12-01 to
    2026-01-31 of which 31 days (744 h) fall in the horizon, a x0.5 cut (not counted:
    a ceiling), 100 kt at the start: 1e6 + 0.5 x 114.16 x 744 + 1e5 t a year."""
    d = cycle_dict(horizon="8760 h", start_date="2025-01-01", supply={"rate": "1 Mt/yr"},
                   load_port={"tank_farm": {"capacity": "1e6 t", "initial_level": "100000 t"}})
    d["disruptions"] = [{"target": "supply", "start": "2025-12-01", "end": "2026-01-31", "factor": 1.5},
                        {"target": "supply", "start": "2025-03-01", "end": "2025-04-01", "factor": 0.5},
                        {"target": "offtake", "start": "2025-05-01", "end": "2025-06-01", "factor": 2.0},
                        # wholly after the horizon: adds nothing (not even an hour of it)
                        {"target": "supply", "start": "2026-03-01", "end": "2026-04-01", "factor": 3.0}]
    rate = 1e6 / 8760
    assert supply_ceiling_t_per_year(build(d)) == pytest.approx(1e6 + 0.5 * rate * 744 + 1e5, rel=1e-12)


def test_supply_ceiling_before_running():
    s = build(cycle_dict(horizon="8760 h", supply={"rate": "1 Mt/yr"},
                         load_port={"tank_farm": {"capacity": "1e6 t", "initial_level": "100000 t"}}))
    assert supply_ceiling_t_per_year(s) == pytest.approx(1.1e6)
    assert check_supply(s, [T("delivered_mt_per_year", "at_least", 1.2, 0.9)])
    assert not check_supply(s, [T("delivered_mt_per_year", "mean_at_least", 1.05)])


def test_one_answer_per_condition():
    cells = toy_cells()
    for name, c in cells.items():  # a "condition" factor: a storm year halves berth capacity
        c["overrides"]["year"] = "calm"
    storm = {k + "-storm": {"overrides": {**c["overrides"], "year": "storm"},
                            "table": c["table"].assign(delivered_mt_per_year=[min(5.0 * c["overrides"]["ships"],
                                                                               2.0 * c["overrides"]["berths"])] * 25)}
             for k, c in cells.items()}
    out = answers_by_condition({**cells, **storm}, [T("delivered_mt_per_year", "at_least", 8.0, 0.9)], 0.9,
                               "total_annual_cost_usd", conditions=["year"])
    best = {a["condition"]["year"]: a["best"]["overrides"] for a in out}
    assert best["calm"] == {"ships": 2, "berths": 2, "year": "calm"}    # min(10, 8) = 8: cost 10
    assert best["storm"] == {"ships": 2, "berths": 4, "year": "storm"}  # min(10, 8): cost 14


def test_an_answer_at_an_end_of_the_levels_swept_says_which():
    """The toy's cheapest feasible cell is 3 ships + 3 berths: with ships swept 1..5 and
    berths 1..4 it is inside both ranges; with berths swept 3..4 only, it sits on the
    lowest (2 berths, never run, might be cheaper for all the sweep knows)."""
    t = [T("delivered_mt_per_year", "at_least", 11.0, 0.9)]
    inside = answers_by_condition(toy_cells(), t, 0.9, "total_annual_cost_usd",
                                  factors={"ships": [1, 2, 3, 4, 5], "berths": [1, 2, 3, 4]})
    assert inside[0]["best"]["overrides"] == {"ships": 3, "berths": 3} and inside[0]["range_ends"] == []
    narrow = {k: c for k, c in toy_cells().items() if c["overrides"]["berths"] >= 3 and c["overrides"]["ships"] <= 3}
    edge = answers_by_condition(narrow, t, 0.9, "total_annual_cost_usd", factors={"ships": [1, 2, 3], "berths": [3, 4]})
    assert edge[0]["range_ends"] == [{"factor": "berths", "level": 3, "end": "lowest"},
                                     {"factor": "ships", "level": 3, "end": "highest"}]


def test_range_ends_compare_quantities_and_leave_out_conditions_words_and_single_levels():
    factors = {"cap": ["300 kt", "1 Mt", "600 kt"], "stop": ["none", "30 d"], "year": [1, 2], "one": [7],
               "mixed": [1, "a lot"]}
    chosen = {"cap": "1 Mt", "stop": "none", "year": 1, "one": 7, "mixed": 1}
    assert range_ends(chosen, factors, conditions=["year"]) == [{"factor": "cap", "level": "1 Mt", "end": "highest"}]
    assert range_ends({**chosen, "cap": "600 kt"}, factors, conditions=["year"]) == []  # the middle, as written last
    assert range_ends(chosen, factors)[0] == {"factor": "year", "level": 1, "end": "lowest"}


@pytest.mark.parametrize("k,n", [(10, 10), (19, 20), (17, 20), (30, 40), (35, 40)])
def test_replications_to_settle_decide_at_the_observed_share(k, n):
    """At the returned N the observed share decides the binomial test, and at N - 1 it does not."""
    from shuttle_sim.study.targets import _share_to_settle, _share_verdict

    p, c = 0.9, 0.9
    big = _share_to_settle(k, n, p, c)
    q = k / n
    at = (lambda m: math.floor(q * m + 1e-9)) if q > p else (lambda m: math.ceil(q * m - 1e-9))
    assert _share_verdict(at(big), big, p, c) != "undecided"
    if big > n:
        assert _share_verdict(at(big - 1), big - 1, p, c) == "undecided"
    assert _share_to_settle(9, 10, 0.9, 0.9) is None  # sits on the threshold


def test_cost_per_tonne_objective_is_a_ratio_of_means_by_hand():
    """Two years, 10 and 30 MUSD, 1 and 3 Mt delivered: cost per tonne is 20 MUSD / 2 Mt =
    10 USD/t (a ratio of means), the figure the search minimises; nothing delivered: inf."""
    from shuttle_sim.study.targets import _objective

    t = pd.DataFrame({"total_annual_cost_usd": [10e6, 30e6], "delivered_mt_per_year": [1.0, 3.0],
                      "cost_per_tonne_usd": [10.0, 10.0]})
    assert _objective(t, "cost_per_tonne_usd") == pytest.approx(10.0, rel=1e-12)
    assert _objective(t.assign(delivered_mt_per_year=[0.0, 0.0]), "cost_per_tonne_usd") == math.inf
    assert _objective(t, "total_annual_cost_usd") == 20e6


def test_a_share_target_records_its_share_and_count_in_their_places():
    """'at least 10 in 9 years of 10' over 20 years of which 19 meet it: the assessment
    says fraction 0.9, n 20, share 0.95."""
    y = [12.0] * 19 + [5.0]
    a = assess(y, T("delivered_mt_per_year", "at_least", 10.0, 0.9), 0.9)
    assert (a.fraction, a.n, a.share) == (0.9, 20, 0.95)


def test_one_replication_asks_for_a_pilot_of_ten():
    """With one replication there is no variance to size a stage from: a pilot of 10
    first (VALIDATION.md: at least 10; 3 under-cover)."""
    a = assess([50.0], T("deferred_t", "mean_at_most", 51.0), 0.9)
    assert (a.verdict, a.low, a.high, a.replications_to_settle) == ("undecided", 0.0, math.inf, 10)


def test_a_mean_bound_exactly_at_the_threshold_decides_nothing():
    """``mean_at_most X`` is missed only when the lower bound is above X: at X exactly
    the mean may still be X (undecided); likewise ``mean_at_least X`` with the upper
    bound at X.  The thresholds are the bounds themselves, to the bit."""
    y = [48.0, 52.0, 50.0, 46.0, 54.0]
    lo = assess(y, T("deferred_t", "mean_at_most", 0.0), 0.9).low
    hi = assess(y, T("deferred_t", "mean_at_most", 0.0), 0.9).high
    assert 0 < lo < 50 < hi
    assert assess(y, T("deferred_t", "mean_at_most", lo), 0.9).verdict == "undecided"
    assert assess(y, T("deferred_t", "mean_at_least", hi), 0.9).verdict == "undecided"
    assert assess(y, T("deferred_t", "mean_at_most", hi), 0.9).verdict == "met"
    assert assess(y, T("deferred_t", "mean_at_least", lo), 0.9).verdict == "met"


def test_a_cheaper_cell_needs_the_replications_of_its_slowest_target():
    """A cheaper cell undecided on two targets is settled only when both are: it needs
    the larger of their two replication counts, each as ``assess`` gives it alone."""
    y1 = [48.0, 52.0, 50.0, 46.0, 54.0]  # mean 50, sd 3.16
    y2 = [90.0, 110.0, 100.0, 80.0, 120.0]  # mean 100, sd 15.8
    targets = [T("delivered_mt_per_year", "mean_at_least", 49.0), T("deferred_t", "mean_at_most", 104.0)]
    n1 = assess(y1, targets[0], 0.9).replications_to_settle
    n2 = assess(y2, targets[1], 0.9).replications_to_settle
    assert n1 and n2 and n1 != n2
    cells = {
        "cheap": {"overrides": {"x": 1}, "table": pd.DataFrame({"delivered_mt_per_year": y1, "deferred_t": y2,
                                                                 "total_annual_cost_usd": [5.0] * 5})},
        "dear": {"overrides": {"x": 2}, "table": pd.DataFrame({"delivered_mt_per_year": [60.0] * 5,
                                                                "deferred_t": [0.0] * 5,
                                                                "total_annual_cost_usd": [9.0] * 5})},
    }
    out = answer(cells, targets, 0.9, "total_annual_cost_usd")
    assert out["best"]["name"] == "dear"
    (c,) = out["cheaper"]
    assert (c["name"], c["fails"], c["replications_to_settle"]) == ("cheap", "only possibly (undecided)", max(n1, n2))
    assert c["failing_targets"] == ["delivered_mt_per_year", "deferred_t"]


def test_the_binding_target_is_the_one_missed_by_most():
    """Nothing feasible: the nearest cell misses 10 Mt/yr by 2 (a gap of 20% of the
    threshold) and 100 t of deferral by 50 (50%): the deferral binds."""
    cells = {"only": {"overrides": {}, "table": pd.DataFrame({"delivered_mt_per_year": [8.0] * 5,
                                                              "deferred_t": [150.0] * 5,
                                                              "total_annual_cost_usd": [1.0] * 5})}}
    targets = [T("delivered_mt_per_year", "mean_at_least", 10.0), T("deferred_t", "mean_at_most", 100.0)]
    out = answer(cells, targets, 0.9, "total_annual_cost_usd")
    assert not out["feasible"] and out["nearest"]["name"] == "only"
    assert (out["binding"]["kpi"], out["binding"]["estimate"], out["binding"]["verdict"]) == ("deferred_t", 150.0, "missed")
