"""A bounded window of tasks in flight over any executor; records yielded as they finish.

Only ``window`` tasks are submitted at a time, so results are saved as they come and
memory does not grow with the size of the study; a sweep over many cells passes one long
iterator of tasks (from every cell) and reads records as they finish.  Records of tasks
that finish together are yielded in submission order.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TypeVar

__all__ = ["stream", "batches", "MAX_BATCH", "TASKS_PER_WORKER"]

T = TypeVar("T")
R = TypeVar("R")

MAX_BATCH = 32  # a task's records are held in memory until it returns
TASKS_PER_WORKER = 16  # enough tasks for an even finish


def batches(replications: Sequence[int], workers: int, size: int | None = None) -> list[tuple[int, ...]]:
    """Replication numbers in batches of ``size`` (default: about TASKS_PER_WORKER tasks per
    worker, at most MAX_BATCH replications each)."""
    n = len(replications)
    size = size or min(MAX_BATCH, max(1, math.ceil(n / (TASKS_PER_WORKER * max(workers, 1)))))
    return [tuple(replications[i: i + size]) for i in range(0, n, size)]


def stream(executor: cf.Executor, fn: Callable[[T], Iterable[R]], tasks: Iterable[T], window: int) -> Iterator[R]:
    """Run ``fn(task)`` for every task with at most ``window`` in flight; yield the items
    each returns as soon as its task finishes.  Closing the iterator cancels what has not
    started."""
    todo = iter(tasks)
    pending: dict[cf.Future, int] = {}
    submitted = 0
    try:
        while True:
            while len(pending) < max(window, 1):
                task = next(todo, None)
                if task is None:
                    break
                pending[executor.submit(fn, task)] = submitted
                submitted += 1
            if not pending:
                return
            done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for fut in sorted(done, key=pending.__getitem__):
                del pending[fut]
                yield from fut.result()
    finally:
        for fut in pending:
            fut.cancel()
