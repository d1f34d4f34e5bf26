"""Command line: ``shuttle-sim run | sweep | validate | scenarios | schema | report | weather fit``, a thin face over the layers.

Exit status: 0 success, 2 user error (bad scenario, bad option, unwritable output),
1 an internal fault (a bug: the traceback is shown).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .report import cli as report_cli
from .units import HOURS_PER_YEAR, MAX_HORIZON_H

# Start-up: ``--help`` imports nothing beyond this module, ``validate`` and ``schema`` the
# config layer (pydantic), never the engine (SimPy, NumPy, SciPy); each command imports what
# it uses (benchmarks/bench_startup.py).
if TYPE_CHECKING:  # pragma: no cover
    from .config.schema import Scenario


class UserError(Exception):
    """A problem the user can fix; reported in one line, no traceback."""


def _option(convert, ok, what: str):
    """An argparse type: ``convert`` the text, then check it, with one clear message."""

    def parse(text: str):
        try:
            v = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, found {text[:60]!r}") from None
        if not ok(v):
            raise argparse.ArgumentTypeError(f"expected {what}, found {text[:60]!r}")
        return v

    return parse


MAX_REPLICATIONS = 1_000_000
MAX_YEARS = MAX_HORIZON_H / HOURS_PER_YEAR
_years = _option(float, lambda v: 1.0 <= v * HOURS_PER_YEAR <= MAX_HORIZON_H,
                 f"a number of years from {1 / HOURS_PER_YEAR:.3g} (1 h) to {MAX_YEARS:g}")
_fraction = _option(float, lambda v: 0 < v <= 1, "a fraction > 0 and <= 1 (e.g. 0.01 for 1%)")
_count = _option(int, lambda v: 1 <= v <= MAX_REPLICATIONS, f"a whole number from 1 to {MAX_REPLICATIONS:,}")
_workers = _option(int, lambda v: 1 <= v <= 4096, "a whole number from 1 to 4096")
_seed = _option(int, lambda v: 0 <= v < 2**64, "a whole number from 0 to 2**64 - 1")
_mt_per_year = _option(float, lambda v: 0 < v <= 10_000, "a throughput in Mt/yr > 0 and <= 10000")
#: a file or directory name: an empty one ('') is refused, not read as '.' (nor --out '' as no --out)
_name = _option(str, lambda v: v.strip() != "", "a file or directory name")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (exit status 2)."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: {' '.join(message.split())} (see {self.prog} --help)\n")


PERCENTILES = ("With -n > 1 each KPI is summarised over replications by its mean, the 95% CI half-width of"
               " the mean and P10/P50/P90 (p10, p50, p90 in --json): the 10th, 50th and 90th percentiles."
               " P10 is the value exceeded in 90% of replications, P90 the value exceeded in only 10%"
               " (not the reserves habit of calling the 90%-likely value P90).")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="shuttle-sim", description="Trans-Caspian crude export simulator.")
    p.add_argument("--version", action="version", version=f"shuttle-sim {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="simulate a scenario and print its KPIs", epilog=PERCENTILES)
    r.add_argument("scenario", type=_name, help="scenario YAML file, or the name of a shipped one (shuttle-sim scenarios)")
    r.add_argument("--set", action="append", default=[], metavar="KEY.PATH=VALUE",
                   help="change a scenario field, e.g. --set load_port.berths=4 --set 'fleet.tankers[Astana-class].count=3'")
    r.add_argument("--years", type=_years,
                   help="measured years, after the scenario's warm-up (default: the scenario's horizon)")
    r.add_argument("--seed", type=_seed, default=0, help="root random seed (default 0)")
    r.add_argument("--out", type=_name, help="directory for the resolved scenario, KPIs, voyages and level traces")
    r.add_argument("--json", action="store_true", help="print one JSON object instead of the summary")
    r.add_argument("-n", "--replications", type=_count, default=1, help="replications (default 1)")
    r.add_argument("--workers", type=_workers, default=None,
                   help="worker processes (default: all cores when n > 1; never more than the replications or 4 per "
                        "core; 1 runs in this process)")
    r.add_argument("--precision", type=_fraction,
                   help="continue until the KPI's 95%% CI half-width is within this fraction of its mean")
    r.add_argument("--kpi", default=DEFAULT_KPI, help="KPI for --precision")
    r.add_argument("--max-replications", type=_count, default=10_000, help="cap for --precision")
    r.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://127.0.0.1:8786")
    r.add_argument("--storage", action="store_true",
                   help="also size each tank farm: peak stock with it unbounded, capacity for zero deferral in 90%% of years")
    r.add_argument("--warmup", help="override the scenario's warm-up: a duration ('60 d') or 'mser5' (MSER-5 over "
                                    f"{MSER_PILOTS} pilot replications of the same seed; docs/model.md, Warm-up)")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.add_argument("--report", action="store_true", help="also write a plot report of --out into OUT/report/")

    v = sub.add_parser("validate", help="check scenario or study files without running them")
    v.add_argument("scenarios", nargs="+", type=_name, help="scenario, study or cost YAML files, or names of shipped scenarios or studies")

    sub.add_parser("scenarios", help="list the shipped scenarios and studies (shuttle-sim run kcts_concept; shuttle-sim sweep aktau_expansion)")

    sc = sub.add_parser("schema", help="print the JSON Schema of the scenario format")
    sc.add_argument("--study", action="store_true", help="the study file format instead")
    report_cli.add_parser(sub, _mt_per_year, _name)

    from .study import cli_sweep

    cli_sweep.add_parser(sub, _count, _name)

    w = sub.add_parser("weather", help="weather tools")
    wsub = w.add_subparsers(dest="weather_command", required=True)
    f = wsub.add_parser("fit", help="fit the synthetic weather source to an hourly hindcast CSV")
    f.add_argument("csv", type=_name, help="hourly CSV with the header time,site,wind_m_per_s,hs_m")
    f.add_argument("-o", "--output", type=_name, required=True, help="YAML file to write: a scenario's `weather:` block")
    return p


def _print_summary(scenario: Scenario, summary: dict, horizon_h: float, out=None) -> None:
    """One run's KPIs as a table grouped by the catalogue (shuttle_sim/tables.py), to ``out``
    (default: the ``sys.stdout`` of the moment of the call, not of the import)."""
    from .tables import run_table

    out = sys.stdout if out is None else out
    out.write(f"scenario {scenario.name}: {horizon_h / HOURS_PER_YEAR:g} yr, {scenario.describe()}\n")
    out.write(run_table(summary))


DEFAULT_KPI = "delivered_mt_per_year"


def _check_out(out: str) -> None:
    """Refuse an ``--out`` that cannot become a writable directory, before anything runs."""
    from .study.outdir import check_writable
    from .study.records import StudyError

    try:
        check_writable(out)
    except StudyError as e:
        raise UserError(str(e)) from None


def _check_kpi(args, scenario: Scenario) -> None:
    """Refuse an unknown ``--kpi`` up front, naming the KPIs (a 1-hour probe run lists them)."""
    if args.kpi == DEFAULT_KPI:
        return
    from .model import kpi_names

    names = kpi_names(scenario, args.seed)
    if args.kpi not in names:
        raise UserError(f"--kpi: expected one of {', '.join(names)}; found {args.kpi[:60]!r}")


def _check_scheduler(address: str) -> None:
    """Refuse a Dask scheduler address that is malformed or unreachable, before a study writes."""
    import socket
    from urllib.parse import urlsplit

    text = address if "://" in address else f"tcp://{address}"
    try:
        u = urlsplit(text)
        host, port = u.hostname, u.port
    except ValueError:
        host = port = None
        u = None
    if u is None or u.scheme not in ("tcp", "tls", "ws", "wss", "ucx", "inproc") or not host or \
            (port is None and u.scheme != "inproc") or u.path not in ("", "/"):
        raise UserError(f"--scheduler: expected an address like tcp://127.0.0.1:8786, found {address[:80]!r}")
    try:
        import distributed  # noqa: F401  (only whether it is installed)
    except ImportError:
        raise UserError("--scheduler needs Dask: pip install 'shuttle-sim[dask]'") from None
    if u.scheme in ("tcp", "tls", "ws", "wss"):
        try:
            socket.create_connection((host, port), timeout=10).close()
        except OSError as e:
            raise UserError(f"--scheduler: cannot reach {address}: {e.strerror or e}") from None


def _study(args, scenario: Scenario, horizon_h: float) -> int:
    from .experiment import StudyError, run_experiment

    needed = args.max_replications if args.precision else args.replications
    cores = os.cpu_count() or 1
    workers = max(1, min(args.workers or cores, needed, 4 * cores))  # no idle or thrashing processes
    try:
        exp = run_experiment(
            scenario, args.replications, args.seed, workers, out=args.out, precision=args.precision, kpi=args.kpi,
            max_replications=args.max_replications, horizon_h=horizon_h, storage=args.storage,
            scheduler=args.scheduler, progress=not args.quiet and not args.json and sys.stderr.isatty(),
        )
    except StudyError as e:
        raise UserError(str(e)) from None
    except OSError as e:  # the study directory: unwritable, full disk ...
        where = f"--out {args.out}: " if args.out else ""
        raise UserError(f"{where}cannot write: {e.strerror or e}") from None
    except KeyboardInterrupt:
        where = f"; finished replications are kept in {args.out}: rerun the same command to finish" if args.out else ""
        print(f"shuttle-sim: interrupted{where}", file=sys.stderr)
        return 130
    summary = exp.summary
    if args.json:
        json.dump(summary, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return report_cli.after_run(args.out, sys.stderr) if args.report else 0
    measured = (f"{(horizon_h - scenario.warmup_h) / HOURS_PER_YEAR:g} yr measured after a {scenario.warmup_h / 24:g}-day warm-up"
                if scenario.warmup_h else f"{horizon_h / HOURS_PER_YEAR:g} yr")
    print(f"scenario {scenario.name}: {summary['replications']} replications of {measured}"
          f" (seed {args.seed}; {summary['failed']} failed)")
    from .tables import study_table

    sys.stdout.write(study_table(summary))
    if "precision" in summary:
        p = summary["precision"]
        print(f"  precision {p['target']:g} on {p['kpi']}: {'reached' if p['reached'] else 'NOT reached (cap)'}")
    for farm, st in summary.get("storage", {}).items():
        cap = st["capacity_for_zero_deferral_in_90pct_of_years_t"]
        cap_s = f"{cap:,.0f} t" if cap is not None else "none (deferral persists with unbounded storage)"
        print(f"  {farm}: peak stock median {st['peak_stock_t']['p50']:,.0f} t, exceeded in 10% of years"
              f" {st['peak_stock_t']['p90']:,.0f} t (P90); capacity for zero deferral in 90% of years: {cap_s}")
    if args.out:
        print(f"  written to {args.out}/")
    return report_cli.after_run(args.out) if args.report else 0


MSER_PILOTS = 10


def _with_warmup(args, scenario: Scenario) -> Scenario:
    """The scenario with the warm-up ``--warmup`` asks for (a duration, or MSER-5).  With
    ``--years`` the warm-up comes before the measured years, so any length will do; without,
    it must be shorter than the scenario's horizon."""
    from . import units
    from .window import suggest_warmup, with_warmup

    horizon_h = math.inf if args.years else scenario.horizon_h
    if args.warmup == "mser5":
        pilot_h = args.years * HOURS_PER_YEAR if args.years else scenario.horizon_h
        s = suggest_warmup(scenario, replications=MSER_PILOTS, seed=args.seed, horizon_h=pilot_h)
        parts = ", ".join(f"{k} {v / 24:g} d" for k, v in s.items() if k != "warmup_h")
        print(f"warm-up by MSER-5 over {MSER_PILOTS} pilot replications: {s['warmup_h'] / 24:g} d ({parts})",
              file=sys.stderr)
        warmup_h = s["warmup_h"]
    else:
        try:
            warmup_h = units.parse_quantity(args.warmup, ("time",)).value
        except units.UnitError as e:
            raise UserError(f"--warmup {args.warmup}: {e}; or 'mser5'") from None
        if not 0 <= warmup_h < horizon_h:
            raise UserError(f"--warmup {args.warmup}: expected a duration >= 0 and shorter than the horizon "
                            f"({horizon_h:g} h), found {warmup_h:g} h")
    if args.years and warmup_h >= scenario.horizon_h:  # longer than the scenario's own horizon: the run's is used
        total = warmup_h + args.years * HOURS_PER_YEAR
        if total > MAX_HORIZON_H:
            raise UserError(f"--warmup {args.warmup}: expected a warm-up plus --years {args.years:g} of at most "
                            f"{MAX_YEARS:g} years, found {total / HOURS_PER_YEAR:g} years")
        return with_warmup(scenario, warmup_h, horizon_h=total)
    return with_warmup(scenario, warmup_h)


def _is_study(args) -> bool:
    """Whether ``run`` makes a study (a directory of replications) rather than one run."""
    return bool(args.replications > 1 or args.precision or args.storage or args.scheduler)


def _run(args) -> int:
    if args.scheduler:
        _check_scheduler(args.scheduler)
    if args.out:
        _check_out(args.out)
        from .study.records import StudyError
        from .study.outdir import check_out_kind

        try:  # before anything runs: a single run or a study, never into another kind's directory
            check_out_kind(args.out, "study" if _is_study(args) else "run")
        except StudyError as e:
            raise UserError(str(e)) from None
    from .config.loader import load_scenario

    args.scenario = str(_scenario_path(args.scenario))
    scenario = load_scenario(args.scenario)
    if args.report and not args.out:
        raise UserError("--report needs --out (the report reads the result files)")
    if args.set:
        from .config.overrides import parse_assignment, with_changes

        changes = dict(parse_assignment(a) for a in args.set)
        scenario = with_changes(scenario, changes, "--set", base_dir=Path(args.scenario).resolve().parent)
    if args.warmup is not None:
        scenario = _with_warmup(args, scenario)
    # --years is the measured period: the warm-up comes before it
    horizon_h = scenario.warmup_h + args.years * HOURS_PER_YEAR if args.years else scenario.horizon_h
    if scenario.warmup_h >= horizon_h:
        raise UserError(f"warmup: expected a warm-up shorter than the scenario's horizon ({horizon_h:g} h),"
                        f" found {scenario.warmup_h:g} h; give --years to measure after it")
    _check_kpi(args, scenario)
    if _is_study(args):
        return _study(args, scenario, horizon_h)
    from .model import simulate
    from .output import kpi_summary, write_run

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
    return report_cli.after_run(args.out, sys.stderr if args.json else sys.stdout) if args.report else 0


def _scenario_path(name: str) -> Path:
    """A scenario file, or the shipped scenario of that name (shuttle_sim/scenarios.py)."""
    from .scenarios import resolve

    return resolve(name)


def _scenarios(args) -> int:
    """List the shipped scenarios, then the shipped studies: name and description."""
    import shutil

    from .scenarios import describe_all, describe_studies, directory, studies_directory

    width = min(shutil.get_terminal_size((100, 24)).columns, 110)
    rows = describe_all()
    _described(rows, width)
    print(f"({len(rows)} scenarios in {directory()}; run one by name: shuttle-sim run {rows[0][0] if rows else 'NAME'})")
    studies = describe_studies()
    if studies:
        print()
        _described(studies, width)
        print(f"({len(studies)} studies in {studies_directory()}; sweep one by name: shuttle-sim sweep {studies[0][0]})")
    return 0


def _described(rows: list, width: int) -> None:
    """Each ``(name, description, path)`` as the name and its description wrapped beside it."""
    import textwrap

    pad = max((len(n) for n, _, _ in rows), default=0) + 2
    for name, text, _ in rows:
        lines = textwrap.wrap(text, width - pad) or [""]
        print(f"{name:{pad}}{lines[0]}")
        for line in lines[1:]:
            print(" " * pad + line)


def _validate(args) -> int:
    from .config.loader import ConfigError, load_scenario
    from .scenarios import find_shipped
    from .study.cli_sweep import describe_study, is_costs_file, is_study_file

    bad = 0
    for given in args.scenarios:
        path = str(find_shipped(given) or given)  # a shipped scenario's or study's name: its file
        try:
            if is_study_file(path):
                print(describe_study(path, shown=given))
                continue
            if is_costs_file(path):
                from .config.costs import load_costs

                load_costs(path)
                print(f"{given}: ok (cost model inputs)")
                continue
            s = load_scenario(path)
        except ConfigError as e:
            print(e, file=sys.stderr)
            bad += 1
        else:
            print(f"{given}: ok ({s.name}: {s.describe()})")
    return 2 if bad else 0


def _schema(args) -> int:
    from .config.schema import Scenario
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


def _config_error() -> type[Exception] | tuple:
    """:class:`~shuttle_sim.config.reading.ConfigError` if the config layer has been imported
    (it cannot have been raised otherwise): ``--help`` does not import it to catch it."""
    reading = sys.modules.get(f"{__package__}.config.reading")
    return reading.ConfigError if reading is not None else ()


def _escape_unprintable() -> None:
    """Print what cannot be encoded escaped (``\\udcff``) rather than die on it: a file name
    given with a byte that is no UTF-8 reaches stdout in the messages (``written to DIR``),
    and stdout is strict under a UTF-8 locale other than C.UTF-8."""
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (AttributeError, ValueError, OSError):  # a replaced stream that cannot: leave it
                pass


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``shuttle-sim`` console script; returns the exit status."""
    _escape_unprintable()
    args = _parser().parse_args(argv)
    try:
        if args.command == "sweep":
            from .study.cli_sweep import run as sweep

            return sweep(args, UserError)
        return {"run": _run, "validate": _validate, "schema": _schema, "weather": _weather, "scenarios": _scenarios,
                "report": report_cli.main}[args.command](args)
    except _config_error() as e:
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
