"""A small pool of worker processes for CPU-bound stages (feed parsing, article extraction).

forkserver, not fork: the event loop's resolver threads exist by the time the pool starts, and forking a
process that has threads can deadlock. The server preloads the parsing modules once.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

# What every crawl needs at once (parsing, and the first classification of entries). Extraction's heavier
# start-up (trafilatura, the language model) happens in each worker on its first page, both in parallel,
# so a crawl that only parses feeds never pays for it.
PRELOAD = ["pipeline.parse", "pipeline.jobs.classifying"]


async def in_pool(pool: Executor, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run fn in the pool without ever blocking the event loop.

    The first submit to a process pool starts the forkserver and its preloads, which takes most of a second
    in which a plain `loop.run_in_executor(pool, ...)` would stop all fetching. Submitting from a thread keeps
    the loop fetching while the workers start.
    """
    loop = asyncio.get_running_loop()
    job = functools.partial(fn, *args, **kwargs)
    if getattr(pool, "_processes", None):  # started: submitting is cheap, skip the thread hop
        return await loop.run_in_executor(pool, job)
    future = await loop.run_in_executor(None, pool.submit, job)
    return await asyncio.wrap_future(future)


def make_pool(workers: int | None = None) -> Executor:
    count = workers if workers is not None else min(2, os.cpu_count() or 1)
    if count <= 0:
        return ThreadPoolExecutor(max_workers=1)  # in-process, for debugging and tiny runs
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return ProcessPoolExecutor(max_workers=count, mp_context=context)
