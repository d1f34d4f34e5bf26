"""Instruction counts with valgrind's callgrind: repeatable where wall time is not.

On this class of VM wall-clock timings of the same run vary by 25% or more; callgrind
counts the instructions the CPU executes, which are the same on every run.  Each
workload runs in its own process (``_workload.py``), inside ``operator.call``; callgrind
collects only while that C function runs, so the count is the workload's alone (an
earlier version subtracted a baseline run of the imports, ~6,000 M instructions whose
run-to-run noise of ~20 M was several per cent of a model run).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def available() -> bool:
    return shutil.which("valgrind") is not None


_warmed = False


def _warm() -> None:
    """Compile every module first: a process that compiles .pyc files would count it."""
    global _warmed
    if not _warmed:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(HERE), str(HERE.parent / "shuttle_sim")], check=True)
        subprocess.run([sys.executable, str(HERE / "_workload.py"), "model", str(HERE.parent / "configs" / "kcts_concept.yaml"), "0.01"],
                       check=True, capture_output=True)
        _warmed = True


def count(*args: str) -> tuple[int, str]:
    """Instructions executed by ``_workload.py ARGS``, and what it printed."""
    _warm()
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
           "--collect-atstart=no", "--toggle-collect=_operator_call",
           # sys.executable itself, not its realpath: inside a virtualenv the link is what
           # finds the venv's packages (the real binary would import another install)
           sys.executable, str(HERE / "_workload.py"), *map(str, args)]
    env = {**os.environ, "PYTHONHASHSEED": "0"}  # same dict/set layouts on every run
    p = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    m = re.search(r"Collected : (\d+)", p.stderr)
    if not m:
        raise RuntimeError(f"no instruction count in callgrind output:\n{p.stderr[-2000:]}")
    return int(m.group(1)), p.stdout.strip()
