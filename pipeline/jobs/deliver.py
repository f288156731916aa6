"""Getting each week's digest to each recipient once: deliveries recorded per recipient, retried with back-off.

`send` works on one week (building and filing its digest first if needed); `send_pending` retries whatever
is still pending and due. The digest is filed before any mail is attempted, so the archive never depends on
the mail server.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from pipeline.delivery.mailer import FileTransport, Outcome, SmtpTransport, Transport
from pipeline.delivery.message import build_message, chart_cid
from pipeline.digest.build import Digest
from pipeline.digest.charts import trend_png
from pipeline.digest.render import render_html, render_text
from pipeline.digest.weeks import Week
from pipeline.jobs.archive import publish, stored_digest
from pipeline.jobs.digest import make_digest
from pipeline.settings import Settings
from pipeline.store import deliveries as store

log = logging.getLogger("unionwatch.mail")


def transport_for(settings: Settings) -> Transport:
    if settings.transport == "file":
        return FileTransport(settings.data_dir / "outbox")
    return smtp_transport(settings)


def smtp_transport(settings: Settings, timeout: float | None = None) -> SmtpTransport:
    return SmtpTransport(
        host=settings.smtp_host,
        port=settings.smtp_port,
        security=settings.smtp_security,
        user=settings.smtp_user,
        password=settings.smtp_secret(),
        timeout=timeout or settings.smtp_timeout,
        ca_file=settings.smtp_ca_file,
    )


@dataclass
class SendSummary:
    weeks: list[str] = field(default_factory=list)
    sent: int = 0
    retry: int = 0
    failed: int = 0
    already: int = 0  # recipients who had the week's digest already
    dry_run: bool = False
    quiet: bool = False  # a week without stories, not mailed (mail_quiet_weeks = false)
    problems: list[str] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        if outcome.status == "sent":
            self.sent += 1
        elif outcome.status == "temporary":
            self.retry += 1
            self.problems.append(f"{outcome.recipient}: will retry ({outcome.reply})")
        else:
            self.failed += 1
            self.problems.append(f"{outcome.recipient}: failed ({outcome.reply})")

    def line(self) -> str:
        weeks = ", ".join(self.weeks) or "no week"
        verb = "would send" if self.dry_run else "sent"
        if self.quiet:
            return f"mail {weeks}: a quiet week (no stories), filed and not mailed (mail_quiet_weeks = false)"
        return (
            f"mail {weeks}: {verb} {self.sent}, pending retry {self.retry}, failed {self.failed}, "
            f"already delivered {self.already}"
        )


def due_week(settings: Settings, now: datetime) -> Week:
    """The week whose digest is due at `now`: the last complete one, once its send time has come."""
    zone = ZoneInfo(settings.timezone)
    week = Week.last_complete(now, zone)
    due_at = week.end(zone) + timedelta(days=settings.digest_weekday, hours=settings.digest_hour)
    return week if now >= due_at else week.shifted(-1)


def ensure_digest(
    settings: Settings, engine: Engine, week: Week, now: datetime, *, rebuild: bool = False, file: bool = True
) -> Digest:
    """The week's filed digest, building and filing it first when there is none (or when told to); with
    file=False (a dry run) one that is not filed is built and left unfiled."""
    digest = None if rebuild else stored_digest(engine, str(week))
    if digest is None:
        digest = make_digest(settings, engine, week, now)
        if file:
            publish(settings, engine, digest, now)
            log.info("digest %s built and filed", week)
    return digest


def _message(settings: Settings, engine: Engine, digest: Digest, recipients: list[str], now: datetime) -> EmailMessage:
    with Session(engine) as session:
        record = store.get_digest(session, digest.week)
        message_id = record.message_id if record else ""
    shown = {s.topic for s in digest.sections if s.count or s.flag}  # quiet topics get a line, not a chart
    charts = {t.topic: trend_png(t.series, t.weeks, t.mean, t.flag) for t in digest.trends if t.topic in shown}
    html = render_html(digest, {topic: f"cid:{chart_cid(topic)}" for topic in charts}, settings.templates_dir)
    return build_message(
        digest,
        html=html,
        text=render_text(digest, settings.templates_dir),
        charts=charts,
        sender=settings.mail_from,
        recipients=recipients,
        message_id=message_id,
        now=now,
    )


def send(
    settings: Settings,
    engine: Engine,
    week: Week,
    now: datetime,
    *,
    force: bool = False,
    dry_run: bool = False,
    respect_backoff: bool = False,
    transport: Transport | None = None,
) -> SendSummary:
    """Send the week's digest to every configured recipient who has not had it (all of them with `force`)."""
    digest = ensure_digest(settings, engine, week, now, file=not dry_run)  # a dry run changes nothing
    summary = SendSummary(weeks=[str(week)], dry_run=dry_run)
    if digest.quiet and not settings.mail_quiet_weeks and not force:
        summary.quiet = True
        return summary
    with Session(engine) as session:
        if not dry_run:
            store.ensure_deliveries(session, str(week), settings.mail_to, now)
            if force:
                store.force(session, str(week), settings.mail_to)
            session.commit()
        due = [
            d.recipient
            for d in store.pending(session, week=str(week), now=now if respect_backoff else None)
            if d.recipient in settings.mail_to  # a recipient removed from mail_to gets no more mail
        ]
        if dry_run:
            done = {d.recipient for d in store.of_week(session, str(week)) if d.status != "pending"}
            due = [r for r in settings.mail_to if force or r not in done]
        summary.already = sum(1 for d in store.of_week(session, str(week)) if d.status == "sent")
    if not due:
        return summary
    if dry_run:
        message = _message(settings, engine, digest, due, now)
        summary.sent = len(due)
        size = len(message.as_bytes())
        summary.problems.append(f"would send “{message['Subject']}” ({size:,} bytes) to {', '.join(due)}")
        return summary
    _deliver(settings, engine, digest, due, now, summary, transport or transport_for(settings))
    return summary


def send_pending(
    settings: Settings, engine: Engine, now: datetime, *, transport: Transport | None = None
) -> SendSummary:
    """Retry every pending delivery whose back-off has passed, week by week."""
    summary = SendSummary()
    with Session(engine) as session:
        waiting: dict[str, list[str]] = {}
        for delivery in store.pending(session, now=now):
            if delivery.recipient in settings.mail_to:  # one removed from mail_to is not retried
                waiting.setdefault(delivery.week, []).append(delivery.recipient)

    for week, recipients in sorted(waiting.items()):
        digest = stored_digest(engine, week)
        if digest is None:
            continue
        summary.weeks.append(week)
        _deliver(settings, engine, digest, recipients, now, summary, transport or transport_for(settings))
    return summary


def _deliver(
    settings: Settings,
    engine: Engine,
    digest: Digest,
    recipients: list[str],
    now: datetime,
    summary: SendSummary,
    transport: Transport,
) -> None:
    message = _message(settings, engine, digest, recipients, now)
    outcomes = transport.send(message, recipients)
    with Session(engine) as session:
        rows = {d.recipient: d for d in store.of_week(session, digest.week)}
        for outcome in outcomes:
            if outcome.recipient in rows:
                store.record(session, rows[outcome.recipient], outcome.status, outcome.reply, transport.name, now)
            summary.add(outcome)
            level = logging.INFO if outcome.status == "sent" else logging.WARNING
            log.log(level, "digest %s to %s: %s (%s)", digest.week, outcome.recipient, outcome.status, outcome.reply)
        session.commit()
