"""The digest as an e-mail message; building it is separate from sending it (pipeline.delivery.mailer).

multipart/alternative: the plain text first, then the HTML with the trend charts as inline related parts
(Content-ID), so that mail clients which block remote images still show them. UTF-8 throughout; Message-ID
is the digest's own, kept in the store, so a retried or forced copy is recognisably the same message.
"""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from pipeline.digest.build import Digest
from pipeline.text import clip, plural

SUBJECT_LIMIT = 110


def subject(digest: Digest) -> str:
    """'UnionWatch digest 2026-W47: gas price, bases, tax code' naming what changed."""
    labels: dict[str, None] = {}
    for headline in digest.headlines:
        if headline.label:
            labels.setdefault(headline.label, None)
    head = f"UnionWatch digest {digest.week}"
    if digest.empty_reason:
        return f"{head}: nothing found"
    if not labels:
        if digest.lead:  # nothing moved out of its range: say what happened instead
            return clip(f"{head}: {digest.lead[0].sentence}", SUBJECT_LIMIT)
        return f"{head}: {plural(digest.totals['in_scope'], 'item')}, no marked changes"
    text = f"{head}: "
    names = list(labels)
    for n, name in enumerate(names):
        piece = name if n == 0 else f", {name}"
        if len(text) + len(piece) > SUBJECT_LIMIT - 4:
            return text + " ..."
        text += piece
    return text


def domain_of(address: str) -> str:
    _, addr = parseaddr(address)
    return addr.rpartition("@")[2] or "localhost"


def new_message_id(week: str, sender: str) -> str:
    return make_msgid(idstring=f"digest.{week}", domain=domain_of(sender))


def build_message(
    digest: Digest,
    *,
    html: str,
    text: str,
    charts: dict[str, bytes],
    sender: str,
    recipients: list[str],
    message_id: str,
    now: datetime,
) -> EmailMessage:
    """`html` must refer to each chart as cid:<chart_cid(topic)>; `charts` holds the PNG bytes per topic."""
    message = EmailMessage()
    message["Subject"] = subject(digest)
    message["From"] = sender
    message["To"] = ", ".join(recipients) if recipients else "undisclosed-recipients:;"
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    message["List-Id"] = f"UnionWatch weekly digest <digest.unionwatch.{domain_of(sender)}>"
    message["Auto-Submitted"] = "auto-generated"
    message["X-UnionWatch-Week"] = digest.week
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    html_part = message.get_body(preferencelist=("html",))
    assert html_part is not None
    for topic, png in charts.items():
        html_part.add_related(png, maintype="image", subtype="png", cid=f"<{chart_cid(topic)}>",
                              filename=f"{digest.week}-{topic}.png", disposition="inline")  # fmt: skip
    return message


def chart_cid(topic: str) -> str:
    return f"chart-{topic}@unionwatch"


def valid_address(address: str) -> bool:
    try:
        parsed = Address(addr_spec=address)
    except (ValueError, IndexError):
        return False
    return bool(parsed.username and parsed.domain)
