"""Group the crawl's many small writes into few transactions, without giving up per-feed atomicity.

Each submitted operation is a function of a Session. Operations that arrive within a few milliseconds of
each other are run in one transaction: each one is still all-or-nothing (the batch is), and a batch that
fails is replayed one operation per transaction, so one bad write never takes its neighbours with it.
Commits, not statements, are what a crawl of a thousand articles spends its time on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

T = TypeVar("T")
log = logging.getLogger("unionwatch.store")


class BatchWriter:
    def __init__(self, engine: Engine, *, delay: float = 0.03, max_ops: int = 100) -> None:
        self.engine, self.delay, self.max_ops = engine, delay, max_ops
        self._pending: list[tuple[Callable[[Session], Any], asyncio.Future[Any]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self.commits = 0

    def submit(self, operation: Callable[[Session], T]) -> asyncio.Future[T]:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._pending.append((operation, future))
        if len(self._pending) >= self.max_ops:
            self.flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.delay, self.flush)
        return future

    async def write(self, operation: Callable[[Session], T]) -> T:
        return await self.submit(operation)

    def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            with Session(self.engine) as session:
                results = [operation(session) for operation, _ in batch]
                session.commit()
            self.commits += 1
        except (SQLAlchemyError, ValueError, AssertionError) as exc:
            if len(batch) == 1:
                _settle(batch[0][1], error=exc)
                return
            log.warning("store: a batch of %d writes failed (%s); retrying them one by one", len(batch), exc)
            for operation, future in batch:
                self._pending = [(operation, future)]
                self.flush()
            return
        for (_, future), result in zip(batch, results, strict=True):
            _settle(future, result=result)


def _settle(future: asyncio.Future[Any], *, result: Any = None, error: BaseException | None = None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
