"""`unionwatch schedule`: crawl and digest on cron expressions, in one long-running process.

Jobs run one at a time (a single worker thread, max_instances=1) and take the same lock as the one-shot
commands, so cron, timers and the scheduler never work at once. Missed runs are coalesced into one: a run late
by less than `misfire_grace` still starts, and at start-up a crawl or digest whose time passed while the
process was down (judged from the store: the last crawl, the digests filed) runs once, at once. SIGTERM lets
the running step finish, then the process exits 0.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MISSED,
    EVENT_SCHEDULER_STARTED,
    JobExecutionEvent,
    SchedulerEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy.engine import Engine
from sqlmodel import Session

from pipeline.cron import cron_trigger, previous_run
from pipeline.errors import LockedError
from pipeline.jobs.classifying import classify_all, retrain
from pipeline.jobs.crawl import crawl
from pipeline.jobs.deliver import due_week, ensure_digest, send, send_pending
from pipeline.jobs.lock import RunLock
from pipeline.settings import Settings
from pipeline.store import corrections as correction_store
from pipeline.store import deliveries, weekly
from pipeline.text import plural

log = logging.getLogger("unionwatch.schedule")


def crawl_step(settings: Settings, engine: Engine) -> str:
    with RunLock(engine, settings.data_dir, "unionwatch schedule: crawl"):
        summary = crawl(settings, engine)
        retried = send_pending(settings, engine, datetime.now(UTC))
    return summary.line() + (f"; {retried.line()}" if retried.weeks else "")


def digest_step(settings: Settings, engine: Engine) -> str:
    with RunLock(engine, settings.data_dir, "unionwatch schedule: digest"):
        now = datetime.now(UTC)
        week = due_week(settings, now)
        digest = ensure_digest(settings, engine, week, now)
        lines = [f"digest {digest.week} filed ({plural(digest.totals['in_scope'], 'item')} in scope)"]
        if settings.mail_to:
            lines.append(send(settings, engine, week, now, respect_backoff=True).line())
        retried = send_pending(settings, engine, now)
        if retried.weeks:
            lines.append(retried.line())
    return "; ".join(lines)


def retrain_step(settings: Settings, engine: Engine) -> str:
    """Weekly, before the digest: what analysts corrected since the last training teaches the model."""
    with RunLock(engine, settings.data_dir, "unionwatch schedule: retrain"):
        with Session(engine) as session:
            corrected = len(correction_store.by_item(session))
        if not corrected:
            return "retrain: no corrections yet, the model stays as it is"
        done = retrain(settings, engine, [])
        items, seconds = classify_all(settings, engine, datetime.now(UTC))
    return (
        f"retrain: model trained on {plural(done.labelled, 'labelled item')} and "
        f"{plural(done.corrections, 'correction')}; "
        f"{plural(items, 'item')} re-classified in {seconds:.1f}s"
    )


class _Steps:
    """Runs one step at a time and lets the main thread wait for the running one when asked to stop."""

    def __init__(self) -> None:
        self.busy = threading.Lock()
        self.stopping = threading.Event()

    def run(self, step: Callable[[Settings, Engine], str], settings: Settings, engine: Engine) -> str:
        if self.stopping.is_set():
            return "skipped (stopping)"
        with self.busy:
            try:
                return step(settings, engine)
            except LockedError as exc:
                log.warning("%s: skipped, %s", step.__name__, exc)
                return "skipped (locked)"


def overdue(settings: Settings, engine: Engine, now: datetime) -> list[str]:
    """Which jobs missed their time while no scheduler ran: each is run once, at start."""
    zone = ZoneInfo(settings.timezone)
    late = []
    with Session(engine) as session:
        last = weekly.last_good_crawl(session)
        filed = deliveries.get_digest(session, str(due_week(settings, now))) is not None
    previous_crawl = _previous_fire(settings.schedule_crawl, zone, now)
    if last is None or (previous_crawl is not None and last < previous_crawl):
        late.append("crawl")
    if not filed and _previous_fire(settings.schedule_digest, zone, now) is not None:
        late.append("digest")
    return late


def _previous_fire(expression: str, zone: ZoneInfo, now: datetime) -> datetime | None:
    """The last time the expression fired before `now`, within the past eight days."""
    return previous_run(expression, zone, now, timedelta(days=8))


def serve(settings: Settings, engine: Engine) -> None:
    zone = ZoneInfo(settings.timezone)
    scheduler = BlockingScheduler(
        timezone=zone,
        executors={"default": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": settings.misfire_grace},
    )
    steps = {
        "crawl": (crawl_step, settings.schedule_crawl),
        "digest": (digest_step, settings.schedule_digest),
        "retrain": (retrain_step, settings.schedule_retrain),
    }
    runner = _Steps()
    late = overdue(settings, engine, datetime.now(UTC))
    for name, (step, expression) in steps.items():
        extra: dict[str, Any] = {}
        if name in late:
            log.info("%s was missed while the scheduler was down: running it once now", name)
            extra["next_run_time"] = datetime.now(zone)
        scheduler.add_job(
            runner.run, cron_trigger(expression, zone), args=(step, settings, engine), id=name, name=name, **extra
        )

    def report(event: JobExecutionEvent) -> None:
        job = scheduler.get_job(event.job_id)
        following = f"; next {event.job_id} at {job.next_run_time:%Y-%m-%d %H:%M %Z}" if job else ""
        if event.code == EVENT_JOB_MISSED:
            log.warning("%s missed its time %s%s", event.job_id, event.scheduled_run_time, following)
        elif event.exception is not None:
            log.error("%s failed: %s%s", event.job_id, event.exception, following)
        else:
            log.info("%s done: %s%s", event.job_id, event.retval, following)

    def started(event: SchedulerEvent) -> None:
        for job in scheduler.get_jobs():
            log.info(
                "scheduled %s (%s): next run %s", job.id, steps[job.id][1], f"{job.next_run_time:%Y-%m-%d %H:%M:%S %Z}"
            )

    scheduler.add_listener(report, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    scheduler.add_listener(started, EVENT_SCHEDULER_STARTED)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        # only flags and wakes the main loop: waiting here could block on a lock the interrupted code holds
        if not runner.stopping.is_set():
            runner.stopping.set()
            scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    scheduler.start()  # blocks until a signal stops it
    if runner.stopping.is_set():
        log.info("stop requested: finishing the current step, then exiting")
    with runner.busy:  # the step that was running, if any, has finished
        pass
    log.info("scheduler stopped")
