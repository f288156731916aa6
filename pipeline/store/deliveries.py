"""Digests as built, and each recipient's delivery of them: the record that makes mail go out exactly once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from pipeline.store.models import Delivery, DigestRecord
from pipeline.topics.search_terms import index_text

RETRY_FIRST = timedelta(minutes=15)
RETRY_MAX = timedelta(days=1)


def save_digest(
    session: Session, week: str, *, data: str, subject: str, search_text: str, message_id: str, now: datetime
) -> DigestRecord:
    """Insert or replace the week's digest; a replaced one keeps its Message-ID. The caller commits."""
    record = get_digest(session, week)
    if record is None:
        record = DigestRecord(week=week, message_id=message_id)
    record.built_at = now
    record.data = data
    record.subject = subject
    record.search_text = search_text
    record.search_tokens = index_text("", search_text)
    session.add(record)
    session.flush()
    return record


def get_digest(session: Session, week: str) -> DigestRecord | None:
    return session.exec(select(DigestRecord).where(DigestRecord.week == week)).first()


def list_digests(session: Session) -> list[DigestRecord]:
    return list(session.exec(select(DigestRecord).order_by(col(DigestRecord.week).desc())))


def ensure_deliveries(session: Session, week: str, recipients: list[str], now: datetime) -> int:
    """A pending delivery for each recipient that has none for the week; returns how many were added."""
    have = set(session.exec(select(Delivery.recipient).where(Delivery.week == week)))
    added = 0
    for recipient in dict.fromkeys(recipients):
        if recipient not in have:
            session.add(Delivery(week=week, recipient=recipient, status="pending", created_at=now))
            added += 1
    session.flush()
    return added


def force(session: Session, week: str, recipients: list[str]) -> None:
    """Make the week's deliveries to these recipients pending again (`send --force`)."""
    for delivery in session.exec(
        select(Delivery).where(Delivery.week == week, col(Delivery.recipient).in_(recipients))
    ):
        delivery.status = "pending"
        delivery.next_attempt_at = None
        session.add(delivery)
    session.flush()


def pending(session: Session, *, week: str | None = None, now: datetime | None = None) -> list[Delivery]:
    """Pending deliveries (of one week, or all); with `now`, only those whose retry time has come."""
    query = select(Delivery).where(Delivery.status == "pending")
    if week is not None:
        query = query.where(Delivery.week == week)
    rows = list(session.exec(query.order_by(col(Delivery.week), col(Delivery.id))))
    if now is not None:
        rows = [d for d in rows if d.next_attempt_at is None or d.next_attempt_at <= now]
    return rows


def record(session: Session, delivery: Delivery, status: str, reply: str, transport: str, now: datetime) -> None:
    """One attempt's outcome: sent, temporary (stays pending, retried with back-off) or permanent (failed)."""
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.reply = reply
    delivery.transport = transport
    if status == "sent":
        delivery.status, delivery.sent_at, delivery.next_attempt_at = "sent", now, None
    elif status == "temporary":
        wait = min(RETRY_FIRST * 2 ** (delivery.attempts - 1), RETRY_MAX)
        delivery.status, delivery.next_attempt_at = "pending", now + wait
    else:
        delivery.status, delivery.next_attempt_at = "failed", None
    session.add(delivery)


def of_week(session: Session, week: str) -> list[Delivery]:
    return list(session.exec(select(Delivery).where(Delivery.week == week).order_by(col(Delivery.recipient))))


def failed(session: Session) -> list[Delivery]:
    return list(session.exec(select(Delivery).where(Delivery.status == "failed").order_by(col(Delivery.week))))
