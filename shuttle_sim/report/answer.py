"""The words of a report: the question and its one-sentence answer, and the KPI table."""

from __future__ import annotations

import math

import numpy as np

from .. import kpis as catalogue
from ..stats import quantile_bounds

PCT_WORDS = {"p10": "exceeded in 90% of years", "p50": "median year", "p90": "exceeded in 10% of years"}


def quantile_ci(x, q: float, level: float = 0.95) -> tuple[float, float]:
    """Distribution-free two-sided ``level`` CI of the ``q`` quantile: the one-sided
    bounds of :func:`shuttle_sim.stats.quantile_bounds` at ``1 - (1 - level) / 2`` each;
    ``-inf`` (``inf``) where too few values bound it from below (above): 20 years bound
    the 10th percentile only from above."""
    x = np.asarray(x, dtype=float)
    _, lo, hi = quantile_bounds(x[np.isfinite(x)], q, 1 - (1 - level) / 2)
    return lo, hi


def _ci_words(lo: float, hi: float, n: int) -> str:
    """A quantile's 95% CI in words, saying which end ``n`` years are too few for."""
    if math.isfinite(lo) and math.isfinite(hi):
        return f" (95% CI {lo:,.2f} to {hi:,.2f})"
    if math.isfinite(hi):
        return f" (95% CI up to {hi:,.2f}; {n} years are too few for its lower end)"
    if math.isfinite(lo):
        return f" (95% CI from {lo:,.2f}; {n} years are too few for its upper end)"
    return ""


def _years(h: float) -> str:
    y = h / 8760.0
    return f"{y:g} year" + ("" if abs(y - 1) < 1e-9 else "s")


def run_answer(d) -> tuple[str, str]:
    k, s = d.kpis, d.scenario
    # the KPIs measure [warm-up, horizon]: ask about that period, not the whole run
    after = f" (after a {s.warmup_h / 24:g}-day warm-up)" if s.warmup_h else ""
    q = f"How much crude does {s.name} deliver over {_years(s.measured_h)} from {s.time(s.warmup_h):%d %B %Y}{after}?"
    a = (f"In this single simulated history (seed {d.manifest.get('seed', '?')}) it delivers "
         f"<b>{k['delivered_mt_per_year']:,.2f} Mt/yr</b> ({k['delivered_kbpd']:,.0f} kbpd)")
    parts = []
    for name, what in (("deferred_t", "production is deferred because the load-port tank farm is full"),
                       ("rail_deferred_t", "rail-route production is deferred")):
        if name in k:
            offered = k.get("supply_offered_t" if name == "deferred_t" else "rail_supply_offered_t") or 0
            share = f" ({100 * k[name] / offered:.1f}% of the supply offered)" if offered else ""
            parts.append(f"{k[name] / 1e3:,.0f} kt of {what}{share}")
    a += "; " + " and ".join(parts) + "." if parts else "."
    a += " One history shows what can happen, not how likely it is: run a study (-n) for that."
    return q, a


def study_answer(d) -> tuple[str, str]:
    s = d.scenario
    x = d.ok["delivered_mt_per_year"].to_numpy(dtype=float)
    n = int(np.isfinite(x).sum())
    st = d.stat("delivered_mt_per_year")
    l10, h10 = quantile_ci(x, 0.10)
    l50, h50 = quantile_ci(x, 0.50)
    ci = (lambda lo, hi: _ci_words(lo, hi, n))  # noqa: E731
    q = f"How much crude can {s.name} deliver per year, and how reliably?"
    a = (f"In 9 years of 10 it delivers at least <b>{st['p10']:,.2f} Mt/yr</b>{ci(l10, h10)}; the median year "
         f"delivers <b>{st['p50']:,.2f} Mt/yr</b>{ci(l50, h50)}")
    if st.get("ci95_halfwidth") is not None:
        m, hw = st["mean"], st["ci95_halfwidth"]
        lo, hi = catalogue.info("delivered_mt_per_year").clip(m - hw, m + hw)  # the tables' rule: never below 0
        a += (f", the mean {m:,.2f} ± {hw:,.2f} Mt/yr" if (lo, hi) == (m - hw, m + hw)
              else f", the mean {m:,.2f} Mt/yr (95% CI {lo:,.2f} to {hi:,.2f})")
    after = f", each measured after a {s.warmup_h / 24:g}-day warm-up" if s.warmup_h else ""
    a += (f" (over {n} simulated years{after})." if abs(s.measured_h - 8760.0) < 1e-6
          else f" (over {n} simulated histories of {_years(s.measured_h)} each{after}, as annual rates).")
    t = d.target_mt_per_year
    if t is not None:
        met = float(np.mean(x[np.isfinite(x)] >= t)) if n else math.nan
        verdict = "meets" if met >= 0.9 else "does not meet"
        a += f" Against the target of {t:g} Mt/yr: met in {100 * met:.0f}% of years, so it {verdict} it in 9 years of 10."
    if "deferred_t" in d.ok.columns:
        dst = d.stat("deferred_t")
        x = d.ok["deferred_t"].to_numpy(dtype=float)
        none = float(np.mean(x <= 1e-6)) if x.size else math.nan
        share = 1 - none
        if share <= 0:
            a += " No production is deferred (load-port tank farm full) in any simulated year."
        elif dst["p90"] <= 1e-6:  # deferral in fewer than 1 year of 10: its P90 is zero
            worst = float(np.nanmax(x))
            a += (f" Production is deferred (load-port tank farm full) in {100 * share:.0f}% of years, fewer than"
                  f" 1 in 10 (at most {worst / 1e3:,.0f} kt in a year).")
        else:
            a += (f" Production is deferred (load-port tank farm full) in {100 * share:.0f}% of years: median "
                  f"{dst['p50'] / 1e3:,.0f} kt, more than {dst['p90'] / 1e3:,.0f} kt in 1 year of 10.")
    sizing = _storage_words(d)
    if sizing:
        q = q[:-1] + ", and how much tankage keeps production flowing in 9 years of 10?"
        a += sizing
    return q, a


def _storage_words(d) -> str:
    """The storage sizing answer of a ``--storage`` study, farm by farm, against the scenario's capacity."""
    sz = (getattr(d, "summary", None) or {}).get("storage") or {}
    parts = []
    for role, what in (("load", "load-port"), ("discharge", "discharge-port")):
        st = sz.get(f"{role}_tank")
        if not isinstance(st, dict):
            continue
        name = d.scenario.port_names.get(role, what)
        cap = d.scenario.capacity_t.get(role)
        has = f" (the scenario has {cap / 1e3:,.0f} kt)" if cap else ""
        need = st.get("capacity_for_zero_deferral_in_90pct_of_years_t")
        if need is None:
            parts.append(f"no size of the {name} farm is enough: with it unbounded, production is still deferred in "
                         f"{st.get('years_with_deferral_even_unbounded', '?')} of {len(d.ok)} years{has}")
        else:
            parts.append(f"<b>{need / 1e3:,.0f} kt</b> at {name}{has}")
    if not parts:
        return ""
    return (" Tankage for no deferral in 9 years of 10, each farm sized with the other as it is: " + "; ".join(parts)
            + " (Figure 2).")


def _levels(d, overrides: dict) -> str:
    from .sweep_tables import settings_words

    return settings_words(d, {k: v for k, v in overrides.items() if k in d.design_factors or k not in d.conditions})


def _unswept_fleet(d) -> str:
    """The ships of the base scenario no factor sweeps, which every cell keeps (a reader of
    '8 Astana-class ships' should not take them for the whole fleet)."""
    import re

    swept = {m.group(1) for f in getattr(d, "factors", []) if (m := re.fullmatch(r"fleet\.tankers\[(.+)\]\.count", f))}
    fleet = ((getattr(getattr(d, "scenario", None), "resolved", None) or {}).get("fleet") or {}).get("tankers") or []
    rest = [(t.get("name"), t.get("count", 1)) for t in fleet if isinstance(t, dict) and t.get("name") not in swept]
    rest = [(n, c) for n, c in rest if isinstance(c, int) and c > 0]
    if not swept or not rest:
        return ""
    return ", alongside the base scenario's " + ", ".join(f"{c} {n} ship{'s' if c > 1 else ''}" for n, c in rest)


def _assessment(t: dict, conf: float) -> str:
    from .sweep_tables import short_number, statistic_words, target_words

    k = catalogue.info(t["kpi"]) if catalogue.known(t["kpi"]) else None
    sc, unit = (k.scale, k.unit) if k else (1.0, "")
    lo, hi = t.get("low"), t.get("high")
    if lo is None or hi is None or not (math.isfinite(lo) and math.isfinite(hi)):
        ci = ""
    elif lo == hi == t["estimate"] and t["kind"].startswith("mean"):
        ci = " (the same in every simulated year)"  # no spread: a t bound has nothing to say
    else:
        floor, ceiling = k.bounds if k else (-math.inf, math.inf)
        sides = ([f"above {short_number(lo * sc)}"] if lo > floor else []) + ([f"below {short_number(hi * sc)}"] if hi < ceiling else [])
        # a bound at the KPI's own limit (a mean deferral is above 0 t) says nothing: left out
        ci = (f" ({' and '.join(sides)}{', each' if len(sides) == 2 else ''} with {100 * conf:.0f}% confidence)"
              if sides else "")
    verdict = {"met": "met", "missed": "missed", "undecided": "not yet decided"}.get(t["verdict"], t["verdict"])
    return f"{target_words(t, t['kpi'])}: {statistic_words(t)} {short_number(t['estimate'] * sc)} {unit}{ci}, <b>{verdict}</b>"


def _range_ends(d, a: dict) -> str:
    """A sentence when the recommended cell sits at an end of a factor's range swept
    (answer.json's ``range_ends``): the designs beyond it were never simulated, and one
    below a lowest level could be cheaper."""
    from .sweep_tables import factor_label

    ends = [(factor_label(e["factor"]), d.level(e["factor"], e["level"]), e["end"]) for e in a.get("range_ends") or []]
    if not ends:
        return ""
    said = [f"{level} {label} is the {end} level swept" if i == 0 else f"{level} {label} the {end}"
            for i, (label, level, end) in enumerate(ends)]
    s = f" It lies at an end of the range swept: {', '.join(said[:-1]) + ' and ' if len(said) > 1 else ''}{said[-1]}."
    below = " or ".join(f"{label} below {level}" for label, level, end in ends if end == "lowest")
    return s + " Designs beyond were not simulated" + (
        f": one with {below} could be cheaper, if it met the targets." if below else ".")


def _conf(d) -> float:
    return float(d.answer.get("confidence") or d.manifest.get("confidence") or 0.9)


def sweep_one(d, a: dict) -> str:
    """One answer of answer.json in words."""
    if a.get("feasible") and a.get("best"):
        b = a["best"]
        s = f"Recommended: <b>{_levels(d, b['overrides'])}</b>{_unswept_fleet(d)}"
        if b.get("total_annual_cost_usd") is not None:
            s += f": <b>{b['total_annual_cost_usd'] / 1e6:,.1f} million USD/yr</b>"
        if b.get("cost_per_tonne_usd") is not None:
            s += f", <b>{b['cost_per_tonne_usd']:,.2f} USD per tonne</b> delivered"
        s += f" (over {b.get('replications', '?')} simulated years). "
        ts = "; ".join(_assessment(t, _conf(d)) for t in b.get("assessments", []))
        s += ts[:1].upper() + ts[1:] + "."
        ch = a.get("cheaper") or []
        if ch:
            by_chance = [c for c in ch if c.get("fails") != "with confidence"]
            s += (f" {len(ch)} cheaper cell{'s' if len(ch) > 1 else ''} fail{'s' if len(ch) == 1 else ''}: "
                  + (f"{len(ch) - len(by_chance)} with confidence" if len(ch) > len(by_chance) else "")
                  + (("; " if len(ch) > len(by_chance) else "") + f"{len(by_chance)} only possibly (more replications "
                     "would settle it)" if by_chance else "") + ".")
        return s + _range_ends(d, a)
    n = a.get("nearest")
    if not n:
        return "No cell was evaluated."
    s = f"<b>No configuration swept meets every target.</b> The nearest is <b>{_levels(d, n['overrides'])}</b>"
    if n.get("total_annual_cost_usd") is not None:
        s += f" ({n['total_annual_cost_usd'] / 1e6:,.1f} million USD/yr, {n.get('cost_per_tonne_usd', math.nan):,.2f} USD/t)"
    b = a.get("binding")
    if b:
        s += f"; the binding target is {_assessment({**(d.target_of(b['kpi']) or {}), **b}, _conf(d))}"
    lim = a.get("limited_by")
    if lim and lim.get("limit"):
        s += f", limited by <b>{lim['limit']}</b>"
    return s + "."


def sweep_answer(d) -> tuple[str, str]:
    from .sweep_tables import target_words

    ts = "; ".join(target_words(d.target_of(k), k) for k in d.targets)
    obj = {"total_annual_cost_usd": "the lowest total annual cost", "cost_per_tonne_usd": "the lowest cost per tonne"
           }.get(d.answer.get("objective") or d.manifest.get("objective"), "the best objective")
    q = (f"Which configuration meets {'the targets (' + ts + ')' if ts else 'the targets'} at {obj}, "
         f"with {100 * float(d.answer.get('confidence') or d.manifest.get('confidence') or 0.9):.0f}% confidence?")
    ans = d.answers
    if not ans:
        return q, "The sweep directory has no answer.json answers (an interrupted sweep?)."
    if len(ans) == 1 and not d.conditions:
        return q, sweep_one(d, ans[0])
    from .sweep_tables import settings_words

    parts = []
    for a in ans:
        cond = settings_words(d, a.get("condition") or {})
        parts.append(f"<li><i>Under {cond}:</i> {sweep_one(d, a)}</li>")
    return q, "One answer per condition (conditions are not design choices):<ul>" + "".join(parts) + "</ul>"


def kpi_rows(d, headline_only: bool) -> list[dict]:
    """Table rows grouped as the catalogue groups them: label, unit, and either the run's
    value or a study's mean ± CI and percentiles (display units and formats)."""
    names = list(d.kpis) if d.kind == "run" else d.kpi_names
    names = [n for n in names if catalogue.known(n)]
    rows = []
    for group, ks in catalogue.by_group(names).items():
        for k in ks:
            if headline_only and not k.headline:
                continue
            if d.kind == "run":
                rows.append({"group": group, "label": k.label, "unit": k.unit, "value": k.number(d.kpis[k.name])})
            else:
                st = d.stat(k.name)
                ci = k.ci(st["mean"], st.get("ci95_halfwidth"))
                mean = k.number(st["mean"])
                if ci and not ci.startswith("±"):
                    ci = f"({ci})"  # the interval clipped to the KPI's range
                rows.append({"group": group, "label": k.label, "unit": k.unit,
                             "mean": mean + (f" {ci}" if ci and mean else ""),
                             **{p: k.number(st[p]) for p in PCT_WORDS}})
    return rows
