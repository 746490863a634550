"""Worker processes of the local engine: batches out, results back in input order, memory bounded.

Workers are forked (the plan and the rules are already in memory, so a worker starts in milliseconds)
where the platform can fork, else spawned. At most ``depth`` batches are in flight, so memory stays
constant whatever the input size. A worker that dies (killed, out of memory) or raises fails the job:
the caller discards everything, so nothing is staged.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Generic, TypeVar

from amc_uploader.job.errors import StagingError

__all__ = ["OrderedPool", "available_cores"]

T = TypeVar("T")
R = TypeVar("R")

#: The function of this worker process (set once by `_init`, in the worker).
_WORKER: dict[str, Callable[[Any], Any]] = {}


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, else the machine's)."""
    counter = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if counter is not None:
        return int(counter() or 1)
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _init(factory: Callable[..., Callable[[Any], Any]], args: tuple[Any, ...]) -> None:
    _WORKER["fn"] = factory(*args)
    gc.collect()
    gc.freeze()  # what the worker starts with is never garbage: later collections skip it


def _run(item: Any) -> Any:
    result = _WORKER["fn"](item)
    # An item's reference cycles die with it. Left to the collector's thresholds they can outlive many
    # items: phonenumbers keeps a caught exception in a local (frame -> exception -> traceback -> frame),
    # and those frames hold a whole batch's columns; worker memory then crept up item after item.
    gc.collect()
    return result


class OrderedPool(Generic[T, R]):
    """``factory(*args)`` builds each worker's function once; ``map`` applies it to every item, in order."""

    def __init__(
        self, workers: int, factory: Callable[..., Callable[[T], R]], args: tuple[Any, ...] = ()
    ) -> None:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.workers = workers
        self._executor = ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_init, initargs=(factory, args)
        )

    def map(self, items: Iterable[T], *, depth: int | None = None) -> Iterator[R]:
        """Results in the order of ``items``; at most ``depth`` (default 2 per worker) in flight."""
        limit = depth or 2 * self.workers
        pending: deque[Future[R]] = deque()
        try:
            for item in items:
                pending.append(self._executor.submit(_run, item))
                if len(pending) >= limit:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        except BrokenProcessPool:
            raise StagingError(
                "a worker process of the local engine stopped unexpectedly (killed or out of memory?); "
                "nothing was staged"
            ) from None

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> OrderedPool[T, R]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
