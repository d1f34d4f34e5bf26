"""Text tables of KPI summaries, for the terminal: one run, and a Monte Carlo study.

Both read a summary dict of the shape :func:`shuttle_sim.output.kpi_summary` writes
(``{"kpis": {NAME: {"mean", "ci95_halfwidth", "p10", "p50", "p90"}}}``) and the KPI
catalogue (:mod:`shuttle_sim.kpis`) for each row's group, label, unit and number format;
neither takes a KPI name apart.  Rows come grouped in the catalogue's order
(throughput, deferral, tanks, berths, fleet, ferries, weather, ...), each with its unit,
thousands separators and the catalogue's decimals, so float noise (a CI of 7e-12 t)
shows as 0.

Which rows a table shows is chosen by catalogue *pattern* (:data:`RUN_ROWS`,
:data:`STUDY_ROWS`), and only among the KPIs the summary holds, so each scenario kind
shows its own: a ferry-only scenario has no tanker rows at all.  Three rules keep the
table short and free of repeats:

* a time share (a state of a ship's or a berth's time budget) is shown only when it is
  not zero;
* the split of a total by route (``tanker_delivered_t``, ``ferry_delivered_t``) or by
  tanker class (``class[...]_voyages``) is shown only when there is more than one part,
  since a single part repeats the total;
* anything the catalogue does not know is shown last, under "other", by its name.

Percentiles are over replications: **P10 is the 10th percentile, the value exceeded in
90% of replications**, and P90 the value exceeded in only 10% (the reverse of the
petroleum-reserves habit of calling the 90%-likely value "P90"); the column headers
say so.

This module imports nothing from the engine: the report layer may use it.
"""

from __future__ import annotations

from typing import Iterable

from . import kpis as catalogue

__all__ = ["RUN_ROWS", "STUDY_ROWS", "CI_NOTE", "PERCENTILE_NOTE", "run_table", "study_table"]

#: Rows of the one-run summary, by catalogue pattern (or a single KPI's name).
RUN_ROWS: frozenset[str] = frozenset({
    "delivered_mt_per_year", "delivered_kbpd", "delivered_t", "tanker_delivered_t", "ferry_delivered_t",
    "voyages", "{role}_calls", "offtake_t", "on_board_end_t",
    "supply_offered_t", "deferred_t", "supply_lost_to_outages_t", "offtake_shortfall_t", "offtake_stopped_t",
    "rail_supply_offered_t", "rail_deferred_t",
    "{role}_tank_level_{stat}_t", "{role}_tank_full_frac", "{role}_tank_empty_frac",
    "{role}_berth_{state}_frac", "{role}_queue_wait_mean_h", "{role}_queue_wait_max_h", "{role}_other_traffic_calls",
    "tanker_{state}_frac", "class[{cls}]_voyages",
    "ferry_trips", "ferry_load_factor", "wagons_delivered", "yard_wagons_mean", "yard_wagons_max",
    "wagon_fleet_utilisation_frac", "ferry_{state}_frac",
    "weather_hold_h", "{role}_weather_hold_h", "sea_weather_hold_h",
    "total_annual_cost_usd", "cost_per_tonne_usd",
})

#: Rows of the Monte Carlo summary, by catalogue pattern or a single KPI's name (the
#: measures a decision turns on).
STUDY_ROWS: frozenset[str] = frozenset({
    "delivered_mt_per_year", "delivered_kbpd", "tanker_delivered_t", "ferry_delivered_t",
    "voyages", "class[{cls}]_voyages",
    "deferred_t", "offtake_shortfall_t", "rail_deferred_t",
    "{role}_tank_level_max_t", "{role}_tank_full_frac",
    "{role}_queue_wait_mean_h", "{role}_berth_idle_frac",
    "tanker_weather_frac", "tanker_off_hire_frac",
    "ferry_trips", "ferry_load_factor", "yard_wagons_max", "wagon_fleet_utilisation_frac",
    "weather_hold_h",
    "total_annual_cost_usd", "cost_per_tonne_usd",
})

# time shares: shown only when not zero
_SHARES = frozenset({"{role}_berth_{state}_frac", "tanker_{state}_frac", "ferry_{state}_frac"})
# parts of a total: shown only when more than one part is present
_PARTS = (frozenset({"tanker_delivered_t", "ferry_delivered_t"}), frozenset({"class[{cls}]_voyages"}))

PERCENTILE_NOTE = ("P10/P50/P90: 10th, 50th, 90th percentiles over replications; "
                   "P10 is the value exceeded in 90% of replications, P90 the value exceeded in 10%.")
CI_NOTE = ("95% CI of the mean: ± its half-width; \"low to high\" where ± would pass the measure's limit "
           "(below 0, above 100%): the interval cut there.")
_HEADERS = ("mean", "95% CI", "P10 (exceeded in 90%)", "P50 (median)", "P90 (exceeded in 10%)")


def _select(names: Iterable[str], rows: frozenset[str], values: dict[str, float | None]) -> dict[str, list]:
    """The catalogue entries of ``names`` a table shows, grouped in catalogue order;
    unknown names under ``other``."""
    known, other = [], []
    for n in names:
        if catalogue.known(n):
            known.append(catalogue.info(n))
        else:
            other.append(n)
    present = {k.pattern for k in known}
    counts: dict[str, int] = {}
    for k in known:
        counts[k.pattern] = counts.get(k.pattern, 0) + 1
    keep = []
    for k in known:
        if k.pattern not in rows and k.name not in rows:
            continue
        if k.pattern in _SHARES and not values.get(k.name):
            continue
        part_of = next((p for p in _PARTS if k.pattern in p), None)
        if part_of is not None and sum(counts.get(p, 0) for p in part_of & present) < 2:
            continue
        keep.append(k)
    grouped: dict[str, list] = dict(catalogue.by_group(k.name for k in keep))
    if other:
        grouped["other"] = other
    return grouped


def _render(header: tuple[str, ...], body: list[tuple[str, ...]], groups_at: dict[int, str]) -> str:
    """Columns: a left-aligned label, then right-aligned numbers."""
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    out = []

    def line(cells: tuple[str, ...]) -> str:
        first = cells[0].ljust(widths[0])
        rest = "  ".join(c.rjust(w) for c, w in zip(cells[1:], widths[1:]))
        return f"  {first}  {rest}".rstrip()

    out.append(line(header))
    label = None
    for i, row in enumerate(body):
        if i in groups_at:
            out.append(f"  [{groups_at[i]}]")
            label = None
        # the same measure in another unit (Mt/yr, then kbpd): its label once
        out.append(line(("", *row[1:]) if row[0] == label else row))
        label = row[0]
    return "\n".join(out) + "\n"


def run_table(summary: dict) -> str:
    """The KPIs of one run (the ``mean`` of a one-replication summary), grouped, with
    units: the CLI's single-run summary."""
    values = {n: v["mean"] for n, v in summary["kpis"].items()}
    grouped = _select(values, RUN_ROWS, values)
    body: list[tuple[str, ...]] = []
    groups_at: dict[int, str] = {}
    for group, entries in grouped.items():
        groups_at[len(body)] = group
        for k in entries:
            if isinstance(k, str):
                body.append((k, f"{values[k]!r}", ""))
            else:
                body.append((k.label, k.number(values[k.name]), k.unit))
    return _render(("KPI", "value", "unit"), body, groups_at)


def study_table(summary: dict) -> str:
    """Mean, its 95% CI (``± half-width``, or the interval clipped to the KPI's range
    where ``±`` would reach values it cannot take: :meth:`~shuttle_sim.kpis.Kpi.ci`) and
    P10/P50/P90 over replications per KPI, grouped, with units and the percentile
    convention spelt out: the CLI's Monte Carlo summary."""
    stats = summary["kpis"]
    means = {n: v["mean"] for n, v in stats.items()}
    grouped = _select(stats, STUDY_ROWS, means)
    body: list[tuple[str, ...]] = []
    groups_at: dict[int, str] = {}
    cols = ("mean", "ci95_halfwidth", "p10", "p50", "p90")
    for group, entries in grouped.items():
        groups_at[len(body)] = group
        for k in entries:
            if isinstance(k, str):
                cells = [("" if stats[k][c] is None else f"{stats[k][c]:.6g}") for c in cols]
                if cells[1]:
                    cells[1] = f"± {cells[1]}"
                body.append((k, *cells, ""))
            else:
                st = stats[k.name]
                body.append((k.label, k.number(st["mean"]), k.ci(st["mean"], st["ci95_halfwidth"]),
                             *(k.number(st[c]) for c in cols[2:]), k.unit))
    return _render(("KPI", *_HEADERS, "unit"), body, groups_at) + f"  {CI_NOTE}\n  {PERCENTILE_NOTE}\n"
