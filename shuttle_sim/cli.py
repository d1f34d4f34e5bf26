"""Command line: ``shuttle-sim run | sweep | validate | schema | weather fit``, a thin face over the layers.

Exit status: 0 success, 2 user error (bad scenario, bad option, unwritable output),
1 an internal fault (a bug: the traceback is shown).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
from pathlib import Path

from . import __version__
from .config.loader import ConfigError, load_scenario
from .config.schema import Scenario
from .model import simulate
from .output import kpi_summary, write_run
from .units import HOURS_PER_YEAR


class UserError(Exception):
    """A problem the user can fix; reported in one line, no traceback."""


def _option(convert, ok, what: str):
    """An argparse type: ``convert`` the text, then check it, with one clear message."""

    def parse(text: str):
        try:
            v = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, found {text!r}") from None
        if not ok(v):
            raise argparse.ArgumentTypeError(f"expected {what}, found {text!r}")
        return v

    return parse


_positive_float = _option(float, lambda v: v > 0, "a number > 0")
_count = _option(int, lambda v: v >= 1, "an integer >= 1")
_seed = _option(int, lambda v: v >= 0, "an integer >= 0")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="shuttle-sim", description="Trans-Caspian crude export simulator.")
    p.add_argument("--version", action="version", version=f"shuttle-sim {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="simulate a scenario and print its KPIs")
    r.add_argument("scenario", help="scenario YAML file")
    r.add_argument("--set", action="append", default=[], metavar="KEY.PATH=VALUE",
                   help="change a scenario field, e.g. --set load_port.berths=4 --set 'fleet.tankers[Astana-class].count=3'")
    r.add_argument("--years", type=_positive_float, help="simulated years (default: the scenario's horizon)")
    r.add_argument("--seed", type=_seed, default=0, help="root random seed (default 0)")
    r.add_argument("--out", help="directory for the resolved scenario, KPIs, voyages and level traces")
    r.add_argument("--json", action="store_true", help="print one JSON object instead of the summary")
    r.add_argument("-n", "--replications", type=_count, default=1, help="replications (default 1)")
    r.add_argument("--workers", type=_count, default=None,
                   help="worker processes (default: all cores when n > 1; 1 runs in this process)")
    r.add_argument("--precision", type=_positive_float,
                   help="continue until the KPI's 95%% CI half-width is within this fraction of its mean")
    r.add_argument("--kpi", default="delivered_mt_per_year", help="KPI for --precision")
    r.add_argument("--max-replications", type=_count, default=10_000, help="cap for --precision")
    r.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://127.0.0.1:8786")
    r.add_argument("--storage", action="store_true",
                   help="also size each tank farm: peak stock with it unbounded, capacity for zero deferral in 90%% of years")
    r.add_argument("--quiet", action="store_true", help="no progress bar")

    v = sub.add_parser("validate", help="check scenario or study files without running them")
    v.add_argument("scenarios", nargs="+", help="scenario or study YAML files")

    sc = sub.add_parser("schema", help="print the JSON Schema of the scenario format")
    sc.add_argument("--study", action="store_true", help="the study file format instead")

    from .study import cli_sweep

    cli_sweep.add_parser(sub, _count)

    w = sub.add_parser("weather", help="weather tools")
    wsub = w.add_subparsers(dest="weather_command", required=True)
    f = wsub.add_parser("fit", help="fit the synthetic weather source to an hourly hindcast CSV")
    f.add_argument("csv", help="hourly CSV with the header time,site,wind_m_per_s,hs_m")
    f.add_argument("-o", "--output", required=True, help="YAML file to write: a scenario's `weather:` block")
    return p


def _print_summary(scenario: Scenario, summary: dict, horizon_h: float, out=sys.stdout) -> None:
    k = {n: v["mean"] for n, v in summary["kpis"].items()}
    years = horizon_h / HOURS_PER_YEAR
    w = out.write
    w(f"scenario {scenario.name}: {years:g} yr, {scenario.describe()}\n")
    w(f"  delivered            {k['delivered_t']:14,.0f} t   {k['delivered_mt_per_year']:8.3f} Mt/yr"
      f"   {k['delivered_kbpd']:8.1f} kbpd\n")
    if scenario.has_tankers:
        if scenario.ferry is not None:
            w(f"  by tanker            {k['tanker_delivered_t']:14,.0f} t\n")
        w(f"  voyages              {k['voyages']:14,.0f}\n")
        w(f"  supply offered       {k['supply_offered_t']:14,.0f} t   lost to outages {k['supply_lost_to_outages_t']:,.0f} t\n")
        w(f"  deferred production  {k['deferred_t']:14,.0f} t\n")
        w(f"  offtake              {k['offtake_t']:14,.0f} t   shortfall {k['offtake_shortfall_t']:,.0f} t,"
          f" stopped {k['offtake_stopped_t']:,.0f} t\n")
        for role in ("load", "discharge"):
            w(f"  {role} tank farm: mean {k[f'{role}_tank_level_mean_t']:,.0f} t, max {k[f'{role}_tank_level_max_t']:,.0f} t,"
              f" full {100 * k[f'{role}_tank_full_frac']:.1f}% of time, empty {100 * k[f'{role}_tank_empty_frac']:.1f}%\n")
            w(f"  {role} berths: {_shares(k, f'{role}_berth_')}\n")
            w(f"  {role} queue wait: mean {k[f'{role}_queue_wait_mean_h']:.1f} h, max {k[f'{role}_queue_wait_max_h']:.1f} h;"
              f" weather hold {k[f'{role}_weather_hold_h']:,.0f} h\n")
        w(f"  tanker time: {_shares(k, 'tanker_')}\n")
    if scenario.ferry is not None:
        w(f"  by ferry             {k['ferry_delivered_t']:14,.0f} t   {k['wagons_delivered']:,.0f} wagons,"
          f" {k['ferry_trips']:,.0f} trips, load factor {100 * k['ferry_load_factor']:.0f}%\n")
        w(f"  rail supply offered  {k['rail_supply_offered_t']:14,.0f} t   deferred {k['rail_deferred_t']:,.0f} t\n")
        w(f"  wagons queued in the yard: mean {k['yard_wagons_mean']:,.0f}, max {k['yard_wagons_max']:,.0f};"
          f" wagon fleet utilisation {100 * k['wagon_fleet_utilisation_frac']:.0f}%\n")
        w(f"  ferry time: {_shares(k, 'ferry_')}\n")


def _shares(k: dict[str, float], prefix: str) -> str:
    """The non-zero ``PREFIX<state>_frac`` KPIs as 'state 12.3%, ...' (a time budget)."""
    return ", ".join(f"{n[len(prefix):-len('_frac')]} {100 * v:.1f}%" for n, v in k.items()
                     if n.startswith(prefix) and n.endswith("_frac") and v)


def _study(args, scenario: Scenario, horizon_h: float) -> int:
    import os

    from .experiment import StudyError, run_experiment

    workers = args.workers or (os.cpu_count() or 1)
    try:
        exp = run_experiment(
            scenario, args.replications, args.seed, workers, out=args.out, precision=args.precision, kpi=args.kpi,
            max_replications=args.max_replications, horizon_h=horizon_h, storage=args.storage,
            scheduler=args.scheduler, progress=not args.quiet and not args.json and sys.stderr.isatty(),
        )
    except StudyError as e:
        raise UserError(str(e)) from None
    except KeyboardInterrupt:
        where = f"; finished replications are kept in {args.out}: rerun the same command to finish" if args.out else ""
        print(f"shuttle-sim: interrupted{where}", file=sys.stderr)
        return 130
    summary = exp.summary
    if args.json:
        json.dump(summary, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    k = summary["kpis"]
    print(f"scenario {scenario.name}: {summary['replications']} replications of {horizon_h / HOURS_PER_YEAR:g} yr"
          f" (seed {args.seed}; {summary['failed']} failed)")
    print(f"  {'KPI':34} {'mean':>14} {'95% CI +-':>12} {'P10':>14} {'P50':>14} {'P90':>14}")
    for name in ("delivered_mt_per_year", "delivered_kbpd", "voyages", "deferred_t", "offtake_shortfall_t",
                 "weather_hold_h", "load_tank_level_max_t", "discharge_tank_level_max_t", "load_queue_wait_mean_h",
                 "tanker_weather_frac"):
        v = k.get(name)
        if v and v["mean"] is not None:
            hw = "" if v["ci95_halfwidth"] is None else f"{v['ci95_halfwidth']:12.4g}"
            print(f"  {name:34} {v['mean']:14.4g} {hw:>12} {v['p10']:14.4g} {v['p50']:14.4g} {v['p90']:14.4g}")
    if "precision" in summary:
        p = summary["precision"]
        print(f"  precision {p['target']:g} on {p['kpi']}: {'reached' if p['reached'] else 'NOT reached (cap)'}")
    for farm, st in summary.get("storage", {}).items():
        cap = st["capacity_for_zero_deferral_in_90pct_of_years_t"]
        cap_s = f"{cap:,.0f} t" if cap is not None else "none (deferral persists with unbounded storage)"
        print(f"  {farm}: peak stock P50 {st['peak_stock_t']['p50']:,.0f} t, P90 {st['peak_stock_t']['p90']:,.0f} t;"
              f" capacity for zero deferral in 90% of years: {cap_s}")
    if args.out:
        print(f"  written to {args.out}/")
    return 0


def _run(args) -> int:
    scenario = load_scenario(args.scenario)
    if args.set:
        from .config.overrides import parse_assignment, with_changes

        changes = dict(parse_assignment(a) for a in args.set)
        scenario = with_changes(scenario, changes, "--set", base_dir=Path(args.scenario).resolve().parent)
    horizon_h = args.years * HOURS_PER_YEAR if args.years else scenario.horizon_h
    if args.replications > 1 or args.precision or args.storage or args.scheduler:
        return _study(args, scenario, horizon_h)
    if args.out:
        out = Path(args.out)
        if out.exists() and not out.is_dir():
            raise UserError(f"--out {args.out}: expected a directory, found a file")
    started = _dt.datetime.now(_dt.timezone.utc)
    result = simulate(scenario, seed=args.seed, horizon_h=horizon_h)
    summary = kpi_summary(scenario.name, [result])
    if args.out:
        try:
            write_run(args.out, scenario, result, started)
        except OSError as e:
            raise UserError(f"--out {args.out}: cannot write: {e.strerror or e}") from None
    if args.json:
        json.dump(summary, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_summary(scenario, summary, horizon_h)
        if args.out:
            print(f"  written to {args.out}/")
    return 0


def _validate(args) -> int:
    from .study.cli_sweep import describe_study, is_study_file

    bad = 0
    for path in args.scenarios:
        try:
            if is_study_file(path):
                print(describe_study(path))
                continue
            s = load_scenario(path)
        except ConfigError as e:
            print(e, file=sys.stderr)
            bad += 1
        else:
            print(f"{path}: ok ({s.name}: {s.describe()})")
    return 2 if bad else 0


def _schema(args) -> int:
    from .config.study import study_json_schema

    json.dump(study_json_schema() if args.study else Scenario.model_json_schema(by_alias=True), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


def _weather(args) -> int:
    import yaml

    from .components.weather import HindcastError, fit_synthetic, read_hindcast

    try:
        fitted = fit_synthetic(read_hindcast(args.csv))
    except HindcastError as e:
        raise UserError(str(e)) from None
    header = (f"# Synthetic weather fitted by `shuttle-sim weather fit` to {args.csv}\n"
              "# Paste under `weather:` in a scenario.\n")
    from .study.studydir import atomic_write

    try:
        atomic_write(args.output, header + yaml.safe_dump(fitted, sort_keys=False, default_flow_style=None))
    except OSError as e:
        raise UserError(f"-o {args.output}: cannot write: {e.strerror or e}") from None
    print(f"{args.output}: synthetic weather for sites {', '.join(fitted['sites'])}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``shuttle-sim`` console script; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "sweep":
            from .study.cli_sweep import run as sweep

            return sweep(args, UserError)
        return {"run": _run, "validate": _validate, "schema": _schema, "weather": _weather}[args.command](args)
    except ConfigError as e:
        print(e, file=sys.stderr)
        return 2
    except UserError as e:
        print(f"shuttle-sim: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("shuttle-sim: interrupted; nothing was written as complete", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. piped into `head`: not an error of ours
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
