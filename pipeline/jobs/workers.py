"""Where CPU-bound jobs (feed parsing, article extraction) run: in this process for a small crawl, in a pool of
worker processes once there is enough work to pay for starting one.

Starting the pool costs most of a second (the forkserver, then each worker importing the parsers), which is
more than parsing a few dozen feeds takes. So the first `inline_jobs` jobs run on one thread of this process
and only the job after them starts the processes; a crawl of the default sixteen feeds never starts them, a
cold crawl of hundreds of feeds or articles gets both cores.

forkserver, not fork: the event loop's resolver threads exist by the time the pool starts, and forking a
process that has threads can deadlock. The server preloads the parsing modules once.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

# What every crawl needs at once (parsing, and the first classification of entries). Extraction's heavier
# start-up (trafilatura, the language model) happens in each worker on its first page, both in parallel,
# so a crawl that only parses feeds never pays for it.
PRELOAD = ["pipeline.jobs.pool_jobs"]

# Jobs run in this process before the worker processes start: about half a second of parsing, as much as
# starting the pool costs (benchmarks/crawl.py --feeds 8 / 200 measure both sides of it).
INLINE_JOBS = 48
WATCH_EVERY = 0.5  # seconds between a worker's checks that its crawl is still alive


class WorkerPool(Executor):
    """An executor that runs jobs on one thread here until `inline_jobs` were submitted, then in processes."""

    def __init__(self, workers: int, inline_jobs: int = INLINE_JOBS) -> None:
        self.workers = workers
        self.inline_jobs = inline_jobs if workers > 0 else float("inf")
        self._submitted = 0
        self._lock = threading.Lock()
        self._inline: ThreadPoolExecutor | None = None
        self._processes: ProcessPoolExecutor | None = None

    @property
    def processes_started(self) -> bool:
        return self._processes is not None and bool(getattr(self._processes, "_processes", None))

    def next_is_cheap(self) -> bool:
        """Whether submitting the next job returns at once (it does not when it would start the processes)."""
        return self._submitted < self.inline_jobs or self.processes_started

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        with self._lock:
            self._submitted += 1
            if self._submitted <= self.inline_jobs:
                if self._inline is None:
                    self._inline = ThreadPoolExecutor(max_workers=1, thread_name_prefix="unionwatch-inline")
                executor: Executor = self._inline
            else:
                if self._processes is None:
                    context = multiprocessing.get_context("forkserver")
                    context.set_forkserver_preload(PRELOAD)
                    self._processes = ProcessPoolExecutor(
                        max_workers=self.workers, mp_context=context, initializer=_die_with, initargs=(os.getpid(),)
                    )
                with _main_script_hidden():  # a submit may start a worker
                    return self._processes.submit(fn, *args, **kwargs)
        return executor.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        for executor in (self._inline, self._processes):
            if executor is not None:
                executor.shutdown(wait=wait, cancel_futures=cancel_futures)


@contextlib.contextmanager
def _main_script_hidden() -> Iterator[None]:
    """While a worker starts: multiprocessing re-runs the main script's imports in every new worker, so that
    jobs defined there can be found. Ours are in PRELOAD's modules; for `unionwatch` the main script is the whole
    CLI (the store, SQLAlchemy, httpx), 0.5 s of CPU per worker per crawl for nothing."""
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    spec, path = getattr(main, "__spec__", None), main.__dict__.pop("__file__", None)
    main.__spec__ = None
    try:
        yield
    finally:
        main.__spec__ = spec
        if path is not None:
            main.__file__ = path


def _die_with(parent: int) -> None:
    """In each worker: exit once the crawl that started it is gone. A SIGKILL (OOM, `timeout -s KILL`, cron)
    gives the crawl no chance to shut its pool down, and the workers (children of the forkserver, not of the
    crawl, so PR_SET_PDEATHSIG cannot reach them) waited for work forever, 450 MB of them."""

    def watch() -> None:
        while True:
            time.sleep(WATCH_EVERY)
            try:
                os.kill(parent, 0)
            except (ProcessLookupError, PermissionError):  # gone, or its pid reused by another user's process
                os._exit(0)

    threading.Thread(target=watch, name="unionwatch-parent-watch", daemon=True).start()


async def in_pool(pool: Executor, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run fn in the pool without ever blocking the event loop.

    The submit that starts the worker processes waits for the forkserver and its preloads, most of a second
    in which a plain `loop.run_in_executor(pool, ...)` would stop all fetching. That one is submitted from a
    thread, so the loop keeps fetching while the workers start.
    """
    loop = asyncio.get_running_loop()
    job = functools.partial(fn, *args, **kwargs)
    if not isinstance(pool, WorkerPool) or pool.next_is_cheap():
        return await loop.run_in_executor(pool, job)
    future = await loop.run_in_executor(None, pool.submit, job)
    return await asyncio.wrap_future(future)


def make_pool(workers: int | None = None) -> WorkerPool:
    """`workers` processes once there is enough work (default: up to two, one a core); 0 keeps every job here."""
    return WorkerPool(workers if workers is not None else min(2, os.cpu_count() or 1))
