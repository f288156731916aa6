"""A small pool of worker processes for CPU-bound stages (feed parsing, article extraction).

forkserver, not fork: the event loop's resolver threads exist by the time the pool starts, and forking a
process that has threads can deadlock. The server preloads the parsing modules once.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor

PRELOAD = ["pipeline.parse", "pipeline.extract", "trafilatura", "pipeline.language", "pipeline.fingerprint"]


def make_pool(workers: int | None = None) -> Executor:
    count = workers if workers is not None else min(2, os.cpu_count() or 1)
    if count <= 0:
        return ThreadPoolExecutor(max_workers=1)  # in-process, for debugging and tiny runs
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return ProcessPoolExecutor(max_workers=count, mp_context=context)
