"""Transports: how a built message leaves (SMTP, or .eml files), and what each recipient's outcome was.

Every outcome is one of sent, temporary (try again later: the connection failed or the server said 4xx) or
permanent (the server said 5xx, or the address is not one), with the server's own words kept, so the caller
can record a delivery per recipient and retry only what may still succeed. Only this module talks to smtplib.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Literal, Protocol

from pipeline.delivery.message import valid_address
from pipeline.files import write_atomic

Status = Literal["sent", "temporary", "permanent"]


@dataclass(frozen=True)
class Outcome:
    recipient: str
    status: Status
    reply: str


class Transport(Protocol):
    @property
    def name(self) -> str: ...

    def send(self, message: EmailMessage, recipients: list[str]) -> list[Outcome]: ...


class FileTransport:
    """Writes the message as an .eml file: the default until an SMTP host is configured."""

    name = "file"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage, recipients: list[str]) -> list[Outcome]:
        week = str(message.get("X-UnionWatch-Week", "digest"))
        safe = re.sub(r"[^A-Za-z0-9@._-]+", "_", "+".join(recipients))[:120] or "nobody"
        path = write_atomic(self.folder / f"{week}-{safe}.eml", message.as_bytes())
        return [Outcome(r, "sent", f"written to {path}") for r in recipients]


@dataclass(frozen=True)
class SmtpTransport:
    host: str
    port: int
    security: Literal["none", "starttls", "tls"]
    user: str = ""
    password: str | None = None
    timeout: float = 30.0
    ca_file: Path | None = None
    name: str = "smtp"

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)

    def connect(self) -> smtplib.SMTP:
        """An open, secured and authenticated session (also what `doctor` checks, without sending)."""
        client: smtplib.SMTP
        if self.security == "tls":
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self._context())
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            client.ehlo()
            if self.security == "starttls":
                client.starttls(context=self._context())
                client.ehlo()
            if self.user:
                client.login(self.user, self.password or "")
        except BaseException:
            client.close()
            raise
        return client

    def send(self, message: EmailMessage, recipients: list[str]) -> list[Outcome]:
        outcomes = [Outcome(r, "permanent", "not a valid e-mail address") for r in recipients if not valid_address(r)]
        good = [r for r in recipients if valid_address(r)]
        if not good:
            return outcomes
        sender = parseaddr(str(message["From"]))[1]
        where = f"{self.host}:{self.port}"
        try:
            client = self.connect()
            try:
                refused = client.send_message(message, from_addr=sender, to_addrs=good)
            finally:
                _quit(client)
        except smtplib.SMTPRecipientsRefused as exc:
            return outcomes + [_refusal(r, *exc.recipients.get(r, (550, b"refused"))) for r in good]
        except smtplib.SMTPResponseException as exc:  # sender refused, data refused, authentication, ...
            return outcomes + [_refusal(r, exc.smtp_code, exc.smtp_error) for r in good]
        except (OSError, smtplib.SMTPException) as exc:  # refused connection, timeout, TLS, dropped session
            reason = f"{where}: {type(exc).__name__}: {exc}".strip()
            return outcomes + [Outcome(r, "temporary", reason) for r in good]
        outcomes += [_refusal(r, *refused[r]) if r in refused else Outcome(r, "sent", f"accepted by {where}")
                     for r in good]  # fmt: skip
        return outcomes


def _refusal(recipient: str, code: int, text: bytes | str) -> Outcome:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    status: Status = "temporary" if 400 <= code < 500 or code < 0 else "permanent"
    return Outcome(recipient, status, f"{code} {' '.join(words.split())}")


def _quit(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()


def check_smtp(transport: SmtpTransport) -> str:
    """Connect, secure and log in without sending; returns what the server is, raises OSError/SMTPException."""
    client = transport.connect()
    try:
        banner = (client.ehlo_resp or b"").decode("utf-8", "replace").splitlines()
        return banner[0] if banner else transport.host
    finally:
        _quit(client)
