"""``shuttle-sim sweep``: the answer of a study file, first, in words.

``shuttle-sim sweep experiments/X.yaml [--out DIR] [--workers N] [--scheduler tcp://HOST:PORT]
[--json] [--quiet] [--adaptive | --grid]``.  A bad study file or option is one line per
problem, exit status 2, nothing written.  ``validate`` and ``schema --study`` read study
files through :func:`is_study_file` and :func:`describe_study`.
"""

from __future__ import annotations

import json
import math
import os
import sys

from .. import kpis

__all__ = ["add_parser", "run", "is_study_file", "describe_study", "format_answer"]


def add_parser(sub, count, name=str) -> None:
    """The ``sweep`` subcommand (``count``: the CLI's integer >= 1 option type; ``name``: its
    file or directory name type)."""
    s = sub.add_parser("sweep", help="run a study file: the cheapest design that meets its targets")
    s.add_argument("study", type=name, help="study YAML file, or the name of a shipped one (shuttle-sim scenarios lists them)")
    s.add_argument("--out", type=name, help="sweep directory: results written as they finish; a rerun resumes")
    s.add_argument("--workers", type=count, default=None, help="worker processes (default: all cores; 1: this process)")
    s.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://127.0.0.1:8786")
    s.add_argument("--json", action="store_true", help="print answer.json instead of the summary")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.add_argument("--report", action="store_true", help="also write a plot report of --out into OUT/report/")
    g = s.add_mutually_exclusive_group()
    g.add_argument("--adaptive", dest="adaptive", action="store_true", default=None,
                   help="adaptive search (bisection on the monotone factor, sequential cells)")
    g.add_argument("--grid", dest="adaptive", action="store_false", help="every cell, every replication")


def _top_level(path: str) -> dict | None:
    """The file's data through the bounded loader (size, nesting, aliases), or None when it
    cannot be read: the scenario loader then reports why, in one line."""
    from ..config.loader import ConfigError
    from ..config.reading import parse_yaml, read_text

    try:
        data, _ = parse_yaml(read_text(path), str(path))
    except ConfigError:
        return None
    return data if isinstance(data, dict) else None


def is_study_file(path: str) -> bool:
    """Whether a YAML file is a study (:func:`~shuttle_sim.config.reading.file_kind`)."""
    from ..config.reading import file_kind

    return file_kind(_top_level(path)) == "study"


def is_costs_file(path: str) -> bool:
    """Whether a YAML file is a cost model's inputs (``configs/costs.yaml``)."""
    from ..config.reading import file_kind

    return file_kind(_top_level(path)) == "costs"


def describe_study(path: str, shown: str | None = None) -> str:
    """``PATH: ok (...)`` (``shown: ok``, when given: the name a user typed) for a valid
    study; raises ConfigError for a bad one."""
    from ..config.study import load_study

    from .sweep import check_targets_reported

    s = load_study(path)
    check_targets_reported(s)  # a probe run: `validate` says "ok" only to what `sweep` will run
    sp = s.spec
    reps = sp.replications if isinstance(sp.replications, int) else f"{sp.replications.min}-{sp.replications.max}"
    def n(k: int, word: str) -> str:
        return f"{k} {word}{'' if k == 1 else 's'}"

    line = (f"{shown or path}: ok (study {sp.name}: {n(len(s.cells), 'cell')} over {n(len(s.factors), 'factor')}, {reps} replications, "
            f"{n(len(s.targets), 'target')}, {sp.search.method} search)")
    return "\n".join([line, *(f"  warning: {w}" for w in s.warnings)])


def _fmt(kpi: str, v) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "none"
    try:
        return kpis.info(kpi).format(v)
    except (KeyError, ValueError):
        return f"{v:.4g}"


def _overrides(ch: dict, drop=()) -> str:
    def one(v):
        if isinstance(v, list) and all(isinstance(d, dict) and "note" in d for d in v):
            return "+".join(d["note"] for d in v)
        return json.dumps(v) if isinstance(v, (list, dict)) else v
    return ", ".join(f"{k}={one(v)}" for k, v in ch.items() if k not in drop)


def _target(a: dict) -> str:
    k = a["kpi"]
    if a["fraction"] is None:
        want = f"mean {'at least' if a['kind'] == 'mean_at_least' else 'at most'} {_fmt(k, a['threshold'])}"
        got = f"mean {_fmt(k, a['estimate'])}"
    else:
        side = "at least" if a["kind"] == "at_least" else "at most"
        want = f"{side} {_fmt(k, a['threshold'])} in {100 * a['fraction']:g}% of years"
        q = 1 - a["fraction"] if a["kind"] == "at_least" else a["fraction"]
        share = f"; {round(a['share'] * a['n'])} of {a['n']} years" if a["share"] is not None else ""
        got = f"{100 * q:g}% quantile {_fmt(k, a['estimate'])}{share}"
    settle = f" (~{a['replications_to_settle']} replications would settle it)" if a.get("replications_to_settle") else ""
    return f"{k}: {want}: {got}, bounds [{_fmt(k, a['low'])}, {_fmt(k, a['high'])}]: {a['verdict']}{settle}"


def _money(v) -> str:
    return _fmt("total_annual_cost_usd", v)


def format_answer(doc: dict) -> str:
    """The answers of ``answer.json`` as text an engineer reads (the answer first)."""
    lines = []
    obj = doc["objective"]
    for a in doc["answers"]:
        cond = f" when {_overrides(a['condition'])}" if a.get("condition") else ""
        drop = tuple(a.get("condition") or ())
        if a["feasible"]:
            b = a["best"]
            lines.append(f"ANSWER{cond}: {_overrides(b['overrides'], drop)}  [{b['name']}]")
            lines.append(f"  cost {_money(b['total_annual_cost_usd'])}, {_fmt('cost_per_tonne_usd', b['cost_per_tonne_usd'])}"
                         f" delivered ({b['replications']} replications; objective {obj})")
            lines += [f"  {_target(t)}" for t in b["assessments"]]
            ends = ", ".join(f"{e['factor']}={e['level']} ({e['end']})" for e in a.get("range_ends", []))
            if ends:
                lines.append(f"  at an end of the levels swept: {ends}; designs beyond were not simulated")
            if not a.get("cheaper"):
                lines.append("  no cell run was cheaper")
            if a.get("cheaper"):
                lines.append("  cheaper cells, the next cheaper first:")
            for c in reversed(a.get("cheaper", [])):
                settle = c.get("replications_to_settle") if c["fails"] != "with confidence" else None
                lines.append(f"  cheaper: {_overrides(c['overrides'], drop)} [{c['name']}], {_money(c['objective'])}"
                             if obj == "total_annual_cost_usd" else
                             f"  cheaper: {_overrides(c['overrides'], drop)} [{c['name']}]")
                lines.append(f"    fails {c['fails']} ({', '.join(c['failing_targets'])})"
                             + (f"; ~{settle} replications would settle it" if settle else
                                "" if c["fails"] == "with confidence" else
                                "; its estimate sits on the target: more replications are not expected to settle it"))
                pd_ = c.get("paired", {})
                diffs = []
                for k, d in pd_.items():
                    if d["mean"] is None:
                        continue
                    shown = {"+": "higher", "-": "lower", "0": "equal", "?": "not distinguishable"}[d["sign"]]
                    diffs.append(f"{k} {_fmt(k, d['mean'])} [{_fmt(k, d['low'])}, {_fmt(k, d['high'])}] {shown}")
                if diffs:
                    lines.append(f"    paired differences from the answer over {next(iter(pd_.values()))['n']} common replications: "
                                 + "; ".join(diffs))
        else:
            lines.append(f"NO CELL meets every target{cond}.")
            n = a.get("nearest")
            if n:
                bd, lim = a["binding"], a["limited_by"]["limit"]
                lines.append(f"  nearest: {_overrides(n['overrides'], drop)} [{n['name']}], {_money(n['total_annual_cost_usd'])}")
                lines.append(f"  binding: {bd['kpi']} {_fmt(bd['kpi'], bd['estimate'])} against {_fmt(bd['kpi'], bd['threshold'])}"
                             f" ({bd['verdict']}); limited by {lim}")
                lines += [f"  {_target(t)}" for t in n["assessments"]]
    lines.append(f"{doc['method']}: {doc['replications']} replications judged in {doc['cells_evaluated']} of {doc['cells']} cells"
                 " (cells differing only in costs share their simulations);"
                 f" confidence {doc['confidence']:g}")
    for s in doc.get("skipped", []):
        lines.append(f"  not run: {_overrides(s['overrides'])}: {s['inferred']}")
    return "\n".join(lines)


def run(args, user_error) -> int:
    """``shuttle-sim sweep``: ``user_error`` is the CLI's one-line error type."""
    from ..config.study import load_study
    from .records import StudyError
    from .sweep import run_sweep

    if args.report and not args.out:
        raise user_error("--report needs --out (the report reads the result files)")
    study = load_study(args.study)  # a ConfigError is one line per problem, exit 2
    if not args.json:
        for w in study.warnings:  # a target above some cells' supply: said before running
            print(f"shuttle-sim: warning: {w}", file=sys.stderr)
    workers = args.workers or (os.cpu_count() or 1)
    try:
        sw = run_sweep(study, args.out, workers, scheduler=args.scheduler, adaptive=args.adaptive,
                       progress=not args.quiet and not args.json and sys.stderr.isatty())
    except StudyError as e:
        raise user_error(str(e)) from None
    except KeyboardInterrupt:
        where = f"; finished replications are kept in {args.out}: rerun the same command to finish" if args.out else ""
        print(f"shuttle-sim: interrupted{where}", file=sys.stderr)
        return 130
    from ..report import cli as report_cli

    if args.json:
        sys.stdout.write(json.dumps(sw.document, indent=2) + "\n")
        return report_cli.after_run(args.out, sys.stderr) if args.report else 0
    print(format_answer(sw.document))
    print(f"  wall {sw.info['wall_s']:.1f} s, {sw.info['replications_run']} replications run now"
          + (f"; written to {args.out}/" if args.out else ""))
    return report_cli.after_run(args.out) if args.report else 0
