"""Mutation check: do the tests notice a plausible single-point bug in the model?

A small AST mutator (no dependency): each mutant changes one thing in one module,

* a comparison flipped (``<`` <-> ``<=``, ``>`` <-> ``>=``, ``==`` <-> ``!=``, ``in`` <-> ``not in``),
* an operator swapped (``+`` <-> ``-``, ``*`` <-> ``/``, ``//`` -> ``/``, ``**`` -> ``*``, ``and`` <-> ``or``),
* a numeric constant perturbed (an int plus one, a float doubled, 0.0 -> 1.0),
* two adjacent positional arguments of a call swapped,
* a name, attribute or string swapped with its twin (``laden`` <-> ``ballast``,
  ``berthing`` <-> ``unberthing``, ``load`` <-> ``discharge``, ``min`` <-> ``max``, ...),
* ``not`` dropped, a unary minus dropped, ``True`` <-> ``False``,
* one statement dropped (replaced by ``pass``),

and is run, in a scratch copy of the package, against a targeted fast subset of the
tests (``MODULES`` below) in pure-Python mode (``SHUTTLE_SIM_PURE=1``: a compiled module
would mask the edited source) with Hypothesis derandomised, under a timeout.  A mutant
is *killed* when the tests fail (or time out).  Prints the share killed per module and
lists the survivors; classify each as equivalent (no behaviour can differ) or accepted
(a real gap, not worth a test) in the issue's note.  A benchmark, not part of CI::

    python benchmarks/mutation.py --sample 150 --seed 1          # about 150 mutants
    python benchmarks/mutation.py --module shuttle_sim/units.py  # every mutant of one module
    python benchmarks/mutation.py --list                         # count mutants, run nothing
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures as cf
import copy
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import queue
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FAST = ["-m", "not slow"]
EXAMPLES = 20  # Hypothesis examples of the conservation tests in a mutant run (60 in CI)
MODEL_TESTS = ["tests/test_mechanisms.py", "tests/test_cycle.py", "tests/test_weather.py", "tests/test_conservation.py"]
# module -> the tests that should notice a bug in it (fastest first: -x stops at the first failure)
MODULES: dict[str, list[str]] = {
    "shuttle_sim/model.py": MODEL_TESTS + ["tests/test_ferry.py"],
    "shuttle_sim/components/terminal.py": ["tests/test_terminal.py"] + MODEL_TESTS,
    "shuttle_sim/components/tanker.py": MODEL_TESTS,
    # ship physics shared by tankers and ferries (split out of tanker.py)
    "shuttle_sim/components/passage.py": ["tests/test_ship_physics.py"] + MODEL_TESTS + ["tests/test_ferry.py",
                                                                                         "tests/test_accounts_agree.py"],
    "shuttle_sim/components/drydock.py": ["tests/test_ship_physics.py"] + MODEL_TESTS + ["tests/test_ferry.py"],
    # port-call steps and the cargo transfer (split out of terminal.py)
    "shuttle_sim/components/steps.py": ["tests/test_terminal.py"] + MODEL_TESTS,
    "shuttle_sim/components/transfer.py": ["tests/test_terminal.py", "tests/test_dispatch.py"] + MODEL_TESTS,
    # the offtake and its policies (moved out of model.py)
    "shuttle_sim/components/offtake.py": ["tests/test_offtake.py"] + MODEL_TESTS,
    "shuttle_sim/components/tank.py": ["tests/test_tank.py"] + MODEL_TESTS,
    "shuttle_sim/components/availability.py": ["tests/test_availability.py", "tests/test_mechanisms.py",
                                               "tests/test_weather.py"],
    "shuttle_sim/components/weather.py": ["tests/test_weather_sources.py", "tests/test_mechanisms.py",
                                          "tests/test_weather.py"],
    "shuttle_sim/components/weather_cache.py": ["tests/test_weather_cache.py"],
    "shuttle_sim/components/outages.py": MODEL_TESTS,
    "shuttle_sim/components/timebudget.py": ["tests/test_mechanisms.py", "tests/test_cycle.py"],
    "shuttle_sim/results.py": ["tests/test_stats.py"] + MODEL_TESTS + ["tests/test_ferry.py"],
    "shuttle_sim/stats.py": ["tests/test_stats.py", "tests/test_experiment.py", "tests/test_mechanisms.py"],
    "shuttle_sim/units.py": ["tests/test_units.py", "tests/test_mechanisms.py"],
    "shuttle_sim/distributions.py": ["tests/test_distributions.py"],
    "shuttle_sim/sampling.py": ["tests/test_distributions.py"],
    # the study layer (experiment.py is now a re-export of shuttle_sim/study)
    "shuttle_sim/study/experiment.py": ["tests/test_experiment.py"],
    "shuttle_sim/study/stopping.py": ["tests/test_study.py", "tests/test_experiment.py"],
    "shuttle_sim/study/storage.py": ["tests/test_experiment.py"],
    # added 2026-12-01: components and layers written after the first mutation run
    "shuttle_sim/engine.py": ["tests/test_engine.py"] + MODEL_TESTS,
    "shuttle_sim/components/berths.py": ["tests/test_terminal.py"] + MODEL_TESTS,
    "shuttle_sim/components/dispatch.py": ["tests/test_dispatch.py"] + MODEL_TESTS,
    "shuttle_sim/components/draft.py": ["tests/test_draft.py", "tests/test_ferry_cargo.py"] + MODEL_TESTS,
    "shuttle_sim/components/towoff.py": ["tests/test_tanker_leave_berth.py", "tests/test_accounts_agree.py"]
    + MODEL_TESTS,
    "shuttle_sim/components/traffic.py": ["tests/test_terminal.py", "tests/test_dispatch.py"] + MODEL_TESTS,
    "shuttle_sim/components/wear.py": ["tests/test_wear.py"] + MODEL_TESTS,
    "shuttle_sim/window.py": ["tests/test_warmup.py", "tests/test_ferry.py"],
    "shuttle_sim/study/targets.py": ["tests/test_targets.py", "tests/test_sweep.py"],
    "shuttle_sim/study/costs.py": ["tests/test_costs.py"],
    # the ferry route, the operating policies, the search
    "shuttle_sim/components/ferry.py": ["tests/test_ferry.py", "tests/test_ferry_cargo.py", "tests/test_wear.py",
                                        "tests/test_accounts_agree.py"],
    "shuttle_sim/components/yard.py": ["tests/test_ferry.py", "tests/test_ferry_cargo.py", "tests/test_accounts_agree.py"],
    "shuttle_sim/components/split.py": ["tests/test_split.py", "tests/test_conservation.py"],
    "shuttle_sim/components/stress.py": ["tests/test_stress.py"],
    "shuttle_sim/study/search.py": ["tests/test_search.py", "tests/test_sweep.py"],
    "shuttle_sim/study/paired.py": ["tests/test_paired.py", "tests/test_search.py", "tests/test_sweep.py", "tests/test_design.py"],
    # what a reader sees: the tables, the catalogue, a run's files, the report's answers
    "shuttle_sim/tables.py": ["tests/test_tables.py"],
    "shuttle_sim/kpis.py": ["tests/test_kpis.py", "tests/test_tables.py"],
    "shuttle_sim/output.py": ["tests/test_report_run_files.py", "tests/test_resolved_roundtrip.py"],
    "shuttle_sim/report/answer.py": ["tests/test_report.py", "tests/test_report_sweep.py"],
    "shuttle_sim/report/sweep_data.py": ["tests/test_report_sweep.py"],
    "shuttle_sim/report/sweep_tables.py": ["tests/test_report_sweep.py"],
    "shuttle_sim/study/design.py": ["tests/test_design.py", "tests/test_sweep.py"],
    # bad input: what a wrong config file is told
    "shuttle_sim/config/reading.py": ["tests/test_config_errors.py", "tests/test_fuzz_config.py"],
    "shuttle_sim/config/overrides.py": ["tests/test_overrides.py", "tests/test_config_errors.py"],
    "shuttle_sim/config/loader.py": ["tests/test_config_errors.py", "tests/test_overrides.py",
                                     "tests/test_resolved_roundtrip.py"],
    "shuttle_sim/config/types.py": ["tests/test_units.py", "tests/test_config_errors.py"],
    # a study's files: killed and resumed without losing or corrupting finished work
    "shuttle_sim/study/studydir.py": ["tests/test_study_faults.py", "tests/test_study_files.py", "tests/test_study.py",
                                      "tests/test_experiment.py"],
    "shuttle_sim/study/outdir.py": ["tests/test_study.py", "tests/test_study_faults.py", "tests/test_study_files.py"],
    "shuttle_sim/study/records.py": ["tests/test_study_faults.py", "tests/test_study_files.py", "tests/test_study.py",
                                     "tests/test_experiment.py"],
    "shuttle_sim/study/sweepfiles.py": ["tests/test_sweep.py", "tests/test_study_faults.py", "tests/test_report_sweep.py"],
    "shuttle_sim/study/runner.py": ["tests/test_sweep.py", "tests/test_study_faults.py", "tests/test_experiment.py"],
    # the command line and what a report reads
    "shuttle_sim/cli.py": ["tests/test_cli.py", "tests/test_tables.py", "tests/test_config_errors.py", "tests/test_warmup.py",
                           "tests/test_notebook_api.py", "tests/test_experiment.py", "tests/test_draft.py",
                           "tests/test_overrides.py", "tests/test_weather.py", "tests/test_report_run_files.py",
                           "tests/test_study_faults.py", "tests/test_ferry_cargo.py", "tests/test_tanker_leave_berth.py",
                           "tests/test_sweep.py"],  # `shuttle-sim sweep` is dispatched here too
    "shuttle_sim/report/data.py": ["tests/test_report.py", "tests/test_report_run_files.py"],
}
# tests too slow for a mutant run or that need the network of processes (deselected)
DESELECT = ["tests/test_experiment.py::test_resume_after_a_killed_process",
            "tests/test_experiment.py::test_serial_processes_and_dask_give_identical_results"]

TWINS = [("laden", "ballast"), ("berthing", "unberthing"), ("load", "discharge"), ("min", "max"),
         ("wind", "hs"), ("starts", "ends"), ("low", "high"), ("mean", "max"), ("supply", "offtake"),
         ("waiting_cargo", "waiting_ullage"), ("weather", "breakdown"), ("inflow", "outflow"),
         ("source", "sink"), ("fill", "draw"), ("FULL", "EMPTY"), ("every", "duration"), ("mtbf", "mttr"),
         ("open", "closed"), ("up", "down"), ("first", "last"), ("lost", "extra"), ("mean_h", "variance_h2")]
COMPARE_SWAP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
                ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}
BINOP_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
              ast.Pow: ast.Mult}


def twin(word: str) -> str | None:
    """``word`` with one part swapped for its twin (``laden_h`` -> ``ballast_h``)."""
    for a, b in TWINS:
        for x, y in ((a, b), (b, a)):
            if word == x:
                return y
            for pre, post in ((f"{x}_", f"{y}_"), (f"_{x}", f"_{y}")):
                if word.startswith(pre) and pre.startswith(x):
                    return post + word[len(pre):]
                if word.endswith(pre) and pre.endswith(x):
                    return word[: -len(pre)] + post
            if f"_{x}_" in word:
                return word.replace(f"_{x}_", f"_{y}_", 1)
    return None


@dataclass
class Mutant:
    module: str
    index: int  # the mutation point's number in this module
    line: int
    what: str


class _Mutator(ast.NodeTransformer):
    """Walks a module; numbers every mutation point; applies the one numbered ``target``."""

    def __init__(self, target: int | None = None) -> None:
        self.target = target
        self.count = 0
        self.points: list[tuple[int, str]] = []
        self.applied: str | None = None

    def _point(self, node: ast.AST, what: str) -> bool:
        n = self.count
        self.count += 1
        self.points.append((getattr(node, "lineno", 0), what))
        if n == self.target:
            self.applied = what
            return True
        return False

    # ---- skip what has no behaviour
    def visit_Module(self, node):
        node.body = [self._skip_doc(s) for s in node.body]
        return self.generic_visit(node)

    def _skip_doc(self, s):
        return s

    def visit_If(self, node):
        if isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            return node
        return self._body(node)

    def visit_JoinedStr(self, node):  # messages
        return node

    def visit_Assert(self, node):
        return node

    def visit_Raise(self, node):
        return node

    def visit_Assign(self, node):
        if any(isinstance(t, ast.Name) and t.id in ("__all__", "__slots__") for t in node.targets):
            return node
        return self.generic_visit(node)

    def visit_FunctionDef(self, node):
        node.decorator_list = node.decorator_list  # decorators unmutated
        for field in ("args", "returns"):
            pass
        node.body = [self.visit(s) if not _is_doc(s) else s for s in node.body]
        return self._drop_statements(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        node.body = [self.visit(s) if not _is_doc(s) else s for s in node.body]
        return node

    def visit_AnnAssign(self, node):
        if node.value is not None:
            node.value = self.visit(node.value)
        return node

    def visit_arguments(self, node):
        return node

    def _body(self, node):
        node = self.generic_visit(node)
        return self._drop_statements(node)

    visit_For = visit_While = visit_With = visit_Try = _body

    def _drop_statements(self, node):
        for field in ("body", "orelse"):
            stmts = getattr(node, field, None)
            if not stmts:
                continue
            for i, s in enumerate(stmts):
                if isinstance(s, (ast.Expr, ast.AugAssign, ast.Assign)) and not _is_doc(s):
                    if self._point(s, f"drop statement: {ast.unparse(s)[:60]}"):
                        stmts[i] = ast.copy_location(ast.Pass(), s)
        return node

    # ---- mutation points
    def visit_Compare(self, node):
        node = self.generic_visit(node)
        for i, op in enumerate(node.ops):
            new = COMPARE_SWAP.get(type(op))
            if new and self._point(node, f"{type(op).__name__} -> {new.__name__}"):
                node.ops[i] = new()
        return node

    def visit_BinOp(self, node):
        node = self.generic_visit(node)
        new = BINOP_SWAP.get(type(node.op))
        if new and self._point(node, f"{type(node.op).__name__} -> {new.__name__}"):
            node.op = new()
        return node

    def visit_AugAssign(self, node):
        node = self.generic_visit(node)
        new = BINOP_SWAP.get(type(node.op))
        if new and self._point(node, f"{type(node.op).__name__}= -> {new.__name__}="):
            node.op = new()
        return node

    def visit_BoolOp(self, node):
        node = self.generic_visit(node)
        new = ast.Or if isinstance(node.op, ast.And) else ast.And
        if self._point(node, f"{type(node.op).__name__} -> {new.__name__}"):
            node.op = new()
        return node

    def visit_UnaryOp(self, node):
        node = self.generic_visit(node)
        if isinstance(node.op, (ast.Not, ast.USub)) and self._point(node, f"drop {type(node.op).__name__}"):
            return node.operand
        return node

    def visit_Constant(self, node):
        v = node.value
        if isinstance(v, bool):
            if self._point(node, f"{v} -> {not v}"):
                return ast.copy_location(ast.Constant(not v), node)
        elif isinstance(v, int):
            if self._point(node, f"{v} -> {v + 1}"):
                return ast.copy_location(ast.Constant(v + 1), node)
        elif isinstance(v, float):
            new = v * 2 if v != 0 else 1.0
            if self._point(node, f"{v!r} -> {new!r}"):
                return ast.copy_location(ast.Constant(new), node)
        elif isinstance(v, str):
            t = real_twin(v)
            if t is not None and self._point(node, f"'{v}' -> '{t}'"):
                return ast.copy_location(ast.Constant(t), node)
        return node

    def visit_Name(self, node):
        t = real_twin(node.id)
        if t is not None and isinstance(node.ctx, ast.Load) and self._point(node, f"{node.id} -> {t}"):
            node.id = t
        return node

    def visit_Attribute(self, node):
        node = self.generic_visit(node)
        t = real_twin(node.attr)
        if t is not None and isinstance(node.ctx, ast.Load) and self._point(node, f".{node.attr} -> .{t}"):
            node.attr = t
        return node

    def visit_Call(self, node):
        node = self.generic_visit(node)
        for i in range(len(node.args) - 1):
            a, b = node.args[i], node.args[i + 1]
            if isinstance(a, ast.Starred) or isinstance(b, ast.Starred):
                continue
            if ast.dump(a) != ast.dump(b) and self._point(node, f"swap args {i},{i + 1} of {ast.unparse(node.func)[:30]}"):
                node.args[i], node.args[i + 1] = b, a
        return node


def _is_doc(s) -> bool:
    return isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and isinstance(s.value.value, str)


_KNOWN: set[str] = set()


def known_words() -> set[str]:
    """Every identifier, attribute and string constant in the package: a twin swap is
    made only into a word that exists (a misspelt name would be killed for nothing)."""
    if not _KNOWN:
        for f in (ROOT / "shuttle_sim").rglob("*.py"):
            for node in ast.walk(ast.parse(f.read_text())):
                if isinstance(node, ast.Name):
                    _KNOWN.add(node.id)
                elif isinstance(node, ast.Attribute):
                    _KNOWN.add(node.attr)
                elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    _KNOWN.add(node.name)
                elif isinstance(node, ast.arg):
                    _KNOWN.add(node.arg)
                elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                    _KNOWN.add(node.value)
        _KNOWN.update(dir(__builtins__) if isinstance(__builtins__, dict) is False else __builtins__)
    return _KNOWN


def real_twin(word: str) -> str | None:
    t = twin(word)
    return t if t is not None and t in known_words() else None


def mutants_of(module: str) -> list[Mutant]:
    tree = ast.parse((ROOT / module).read_text())
    m = _Mutator()
    m.visit(tree)
    return [Mutant(module, i, line, what) for i, (line, what) in enumerate(m.points)]


def mutated_source(module: str, index: int) -> str:
    tree = ast.parse((ROOT / module).read_text())
    m = _Mutator(index)
    tree = m.visit(tree)
    ast.fix_missing_locations(tree)
    assert m.applied is not None
    return ast.unparse(tree)


def scratch_copy() -> Path:
    d = Path(tempfile.mkdtemp(prefix="shuttle_mut_"))
    # what the tests read: the package, the tests, shipped scenarios and studies, docs
    for name in ("shuttle_sim", "tests", "configs", "experiments", "docs"):
        shutil.copytree(ROOT / name, d / name, ignore=shutil.ignore_patterns("__pycache__", "*.so", ".hypothesis"))
    for name in ("setup.cfg", "README.md"):
        shutil.copy(ROOT / name, d / name)
    return d


def run_tests(work: Path, tests: list[str], timeout_s: float) -> tuple[bool, float]:
    """True if the tests pass (the mutant survives)."""
    env = {**os.environ, "PYTHONPATH": str(work), "SHUTTLE_SIM_PURE": "1", "HYPOTHESIS_PROFILE": "ci",
           "PYTHONDONTWRITEBYTECODE": "1", "SHUTTLE_SIM_TEST_EXAMPLES": str(EXAMPLES)}
    env.pop("CI", None)
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *FAST, *tests,
           *[f"--deselect={t}" for t in DESELECT]]
    t0 = time.perf_counter()
    # its own process group: a timeout kills the tests' own subprocesses too (a mutant that
    # loops for ever inside a probe process would otherwise outlive the run, eating a core)
    # SIGINT at its default: started in the background of a shell, this tool (and so the
    # tests) would have it ignored, and a test that interrupts a study would fail for that
    p = subprocess.Popen(cmd, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        return p.wait(timeout=timeout_s) == 0, time.perf_counter() - t0
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        return False, time.perf_counter() - t0


def summarise(results) -> None:
    print("\nkilled per module")
    total_k = 0
    for mod in sorted({m for m, _, _ in results}):
        rs = [s for m_, s, _ in results if m_ == mod]
        k = sum(1 for s in rs if not s)
        total_k += k
        print(f"  {mod:45s} {k:4d}/{len(rs):<4d} {100 * k / len(rs):5.1f}%")
    print(f"  {'all':45s} {total_k:4d}/{len(results):<4d} {100 * total_k / max(len(results), 1):5.1f}%")
    surv = [w for _, s, w in results if s]
    print(f"\nsurvivors ({len(surv)})")
    for w in surv:
        print(f"  {w}")


def report(logs: list[str]) -> int:
    import re

    latest: dict = {}
    for log in logs:
        for line in Path(log).read_text().splitlines():
            m = re.match(r"\[\d+/\d+\] (SURVIVED|killed) +\S+s (\S+\.py):(\d+) #(\d+) (.*)", line)
            if m:
                latest[(m[2], int(m[4]))] = (m[2], m[1] == "SURVIVED", f"{m[2]}:{m[3]} #{m[4]} {m[5]}")
    summarise(sorted(latest.values(), key=lambda r: r[2]))
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sample", type=int, default=None, help="run about this many mutants, spread over the modules")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--module", action="append", help="only these modules (paths as in MODULES)")
    ap.add_argument("--timeout", type=float, default=240.0, help="seconds per mutant (a timeout counts as killed)")
    ap.add_argument("--list", action="store_true", help="count the mutants and exit")
    ap.add_argument("--jobs", type=int, default=1, help="mutants run at a time (each in its own scratch copy)")
    ap.add_argument("--skip", metavar="LOG", help="skip the mutants a previous run's output already reports")
    ap.add_argument("--rerun", metavar="LOG", help="run again only the survivors listed in a previous run's output")
    ap.add_argument("--report", nargs="+", metavar="LOG", help="only summarise these runs' outputs (a later line "
                    "about the same mutant replaces an earlier one, so a --rerun log goes last)")
    args = ap.parse_args(argv)
    if args.report:
        return report(args.report)
    modules = args.module or list(MODULES)
    pool = [m for mod in modules for m in mutants_of(mod)]
    by_mod = {mod: sum(1 for m in pool if m.module == mod) for mod in modules}
    if args.list:
        for mod, n in by_mod.items():
            print(f"{n:5d}  {mod}")
        print(f"{len(pool):5d}  total")
        return 0
    rng = random.Random(args.seed)
    chosen = sorted(rng.sample(pool, min(args.sample, len(pool))) if args.sample else pool,
                    key=lambda m: (m.module, m.index))
    if args.rerun:
        import re

        wanted = set(re.findall(r"SURVIVED .*? (\S+\.py):\d+ #(\d+)", Path(args.rerun).read_text()))
        chosen = [m for m in pool if (m.module, str(m.index)) in wanted]
    if args.skip:
        import re

        done = set(re.findall(r"(?:SURVIVED|killed) .*? (\S+\.py):\d+ #(\d+)", Path(args.skip).read_text()))
        chosen = [m for m in chosen if (m.module, str(m.index)) not in done]
    for mod in sorted({m.module for m in chosen}):
        # mutants are written re-printed from the AST: the re-printed source must be the
        # same program as the original (which the test suite passes)
        tree = ast.parse((ROOT / mod).read_text())
        if ast.dump(ast.parse(ast.unparse(tree))) != ast.dump(tree):
            print(f"{mod}: re-printing changes the program; cannot mutate it", flush=True)
            return 1
    works = [scratch_copy() for _ in range(max(args.jobs, 1))]
    # the tests must pass on the unmutated copy, or every mutant would count as killed
    # (a test that needs a file the copy lacks, or a signal the run ignores, once did)
    for mod in sorted({m.module for m in chosen}):
        passed, secs = run_tests(works[0], MODULES[mod], args.timeout)
        if not passed:
            print(f"{mod}: its tests fail on the unmutated copy ({secs:.0f} s); fix that first", flush=True)
            for w in works:
                shutil.rmtree(w, ignore_errors=True)
            return 1
    print(f"{len(chosen)} of {len(pool)} mutants; {len(works)} scratch copies", flush=True)
    free = queue.Queue()
    for w in works:
        free.put(w)
    counter = iter(range(1, len(chosen) + 1))
    lock = threading.Lock()

    def one(m: Mutant) -> tuple[Mutant, bool, float]:
        work = free.get()
        try:
            (work / m.module).write_text(mutated_source(m.module, m.index))
            survived, secs = run_tests(work, MODULES[m.module], args.timeout)
            shutil.copy(ROOT / m.module, work / m.module)
        finally:
            free.put(work)
        with lock:
            print(f"[{next(counter)}/{len(chosen)}] {'SURVIVED' if survived else 'killed  '} {secs:6.1f}s "
                  f"{m.module}:{m.line} #{m.index} {m.what}", flush=True)
        return m, survived, secs

    try:
        with cf.ThreadPoolExecutor(max_workers=len(works)) as ex:
            results = list(ex.map(one, chosen))
    finally:
        for w in works:
            shutil.rmtree(w, ignore_errors=True)
    summarise([(m.module, survived, f"{m.module}:{m.line} #{m.index} {m.what}") for m, survived, _ in results])
    return 0


if __name__ == "__main__":
    sys.exit(main())
