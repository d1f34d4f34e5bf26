"""Where replications run: in this process, in a process pool, or on a Dask cluster.

Every executor is a :class:`concurrent.futures.Executor`; the scheduler needs nothing
else.  Pool workers are tied to their parent: they ignore Ctrl-C (the parent alone
reports it, in one line) and die with it, even under ``kill -9`` (on Linux the kernel
sends them SIGKILL when the parent dies, ``prctl(PR_SET_PDEATHSIG)``; elsewhere a
watchdog thread in each worker exits when its parent process is gone).  A Dask cluster's
workers belong to the cluster, not to the study: a dead client's tasks are dropped by the
scheduler.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import signal
import sys
import threading
import time
from typing import Callable

from .records import StudyError

__all__ = ["InProcessExecutor", "make_executor", "worker_init", "StudyError"]

_PR_SET_PDEATHSIG = 1
_WATCH_EVERY_S = 1.0


class InProcessExecutor(cf.Executor):
    """Runs each task when submitted, in this process (one worker, no pickling)."""

    def submit(self, fn, /, *args, **kwargs):
        f: cf.Future = cf.Future()
        try:
            f.set_result(fn(*args, **kwargs))
        except BaseException as e:  # KeyboardInterrupt must reach the caller
            if not isinstance(e, Exception):
                raise
            f.set_exception(e)
        return f


def worker_init(parent_pid: int) -> None:
    """Initializer of a pool worker: ignore SIGINT, and die when ``parent_pid`` dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent_pid:  # the parent died before prctl took effect
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(_WATCH_EVERY_S)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def _stop_pool(ex: cf.ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the workers now (not after their batch).

    A worker ended while it was sending a result leaves part of a message in the result
    pipe, and the pool's manager thread waits for the rest of it for ever: the
    interpreter's exit joins that thread, so the process would print "interrupted" and
    hang.  Once the workers are gone, closing this process's own copy of the pipe's write
    end (the workers' copies died with them) hands that wait end-of-file instead: the
    manager winds the pool down as broken and the exit goes on.
    """
    procs = list((getattr(ex, "_processes", None) or {}).values())
    results = getattr(ex, "_result_queue", None)
    manager = getattr(ex, "_executor_manager_thread", None)
    ex.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(timeout=5)
        if p.is_alive():  # SIGTERM not taken (a worker stuck in the kernel): no choice left
            p.kill()
            p.join(timeout=5)
    if results is not None and not any(p.is_alive() for p in procs):
        results._writer.close()
    if manager is not None:
        manager.join(timeout=10)


def make_executor(workers: int, scheduler: str | None = None) -> tuple[cf.Executor, str, Callable[[bool], None]]:
    """An executor, its description, and ``shutdown(abort)``: after a finished study the
    pool winds down; on an interrupt or error (``abort=True``) its workers end at once."""
    if scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise StudyError("--scheduler needs Dask: pip install 'shuttle-sim[dask]'") from None
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, ValueError, TypeError) as e:
            raise StudyError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None
        ex = client.get_executor(pure=False)
        return ex, f"dask:{scheduler}", lambda abort=False: client.close()
    if workers <= 1:
        return InProcessExecutor(), "in-process", lambda abort=False: None
    ex = cf.ProcessPoolExecutor(max_workers=workers, initializer=worker_init, initargs=(os.getpid(),))
    return ex, f"processes:{workers}", lambda abort=False: _stop_pool(ex) if abort else ex.shutdown(wait=True)
