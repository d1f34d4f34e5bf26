"""The ``shuttle-sim report`` command and the ``--report`` option of ``run``.

``shuttle_sim/cli.py`` adds the sub-command with :func:`add_parser`, dispatches to
:func:`main` and calls :func:`after_run` when ``run --report`` finishes; everything else
about the command lives here.  Errors are one line on stderr and exit status 2.
"""

from __future__ import annotations

import sys


def add_parser(sub, mt_per_year=float, name=str) -> None:
    """Register ``report DIR [-o OUT] [--window START:END] [--target MT_PER_YR]``
    (``mt_per_year``, ``name``: the CLI's option types for a throughput and a file or
    directory name, each checked in one line)."""
    p = sub.add_parser("report", help="write a plot report (one self-contained HTML page and PNGs) of a result directory")
    p.add_argument("dir", type=name, help="the --out of a run, a study or a sweep (the kind is read from its manifest)")
    p.add_argument("-o", "--output", type=name, help="report directory (default: DIR/report), e.g. plots/NAME")
    p.add_argument("--window", help="dates the Gantt charts of a run show, e.g. 2025-02-01:2025-03-01 (default: the first 30 days after the warm-up)")
    p.add_argument("--target", type=mt_per_year, metavar="MT_PER_YR",
                   help="throughput target (Mt/yr) to mark (default: the manifest's, if any)")


def _build(dir, out, window=None, target=None, stream=None) -> int:
    from .build import build_report
    from .data import ReportError

    try:
        path = build_report(dir, out=out, window=window, target_mt_per_year=target)
    except ReportError as e:
        print(f"shuttle-sim: report: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # the results in dir are as they were (after run --report: complete)
        print(f"shuttle-sim: report: interrupted; no report written; the results in {dir} are kept: "
              f"`shuttle-sim report {dir}` makes it", file=sys.stderr)
        return 130
    print(f"report written to {path}", file=stream or sys.stdout)
    _warn_if_unfinished(dir)
    return 0


def _warn_if_unfinished(dir) -> None:
    """Say on stderr that the report is of an unfinished study or sweep (the page says so too)."""
    from pathlib import Path

    from .build import unfinished
    from .data import ReportError, _json, kind_of

    try:
        p = Path(dir)
        warning = unfinished(_json(p / "manifest.json"), kind_of(p))
    except ReportError:  # read once already: cannot happen, and never worth a failure here
        return
    if warning:
        print(f"shuttle-sim: report: warning: {dir}: {warning}", file=sys.stderr)


def main(args) -> int:
    """``shuttle-sim report``: the exit status."""
    return _build(args.dir, args.output, args.window, args.target)


def after_run(out_dir, stream=None) -> int:
    """``run ... --out DIR --report``: the report of what was just written, in DIR/report
    (its one line to ``stream``: stderr when stdout carries ``--json``)."""
    return _build(out_dir, None, stream=stream)
