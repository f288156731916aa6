"""Mail through a real SMTP server on loopback: once per recipient, retried on 4xx, recorded on 5xx."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline.digest.build import build_digest
from pipeline.jobs.archive import publish
from pipeline.settings import load_settings
from pipeline.store.db import open_store
from tests.support.commands import clear_environment, unionwatch, write_config
from tests.support.digest_data import quiet_week
from tests.support.httpserver import free_port
from tests.support.smtpserver import SmtpServer, self_signed

NOW = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # Monday 08:00 in Minsk: 2026-W47's digest is due
WEEK = "2026-W47"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config with one (never crawled) feed, data and archive in tmp_path, and W47's digest filed."""
    clear_environment(monkeypatch)
    config = write_config(tmp_path, mail_from='"UnionWatch <uw@desk.example>"')
    settings = load_settings(config)
    publish(settings, open_store(settings.db_url), build_digest(quiet_week()), NOW)
    return config


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    yield server
    server.stop()


def smtp_env(server: SmtpServer, to: str = "analyst@desk.example,editor@desk.example") -> dict[str, str]:
    return {
        "UNIONWATCH_SMTP_HOST": "127.0.0.1",
        "UNIONWATCH_SMTP_PORT": str(server.port),
        "UNIONWATCH_SMTP_SECURITY": "none",
        "UNIONWATCH_MAIL_TO": to,
    }


def test_the_digest_arrives_once_with_text_html_and_inline_charts(project: Path, smtp: SmtpServer) -> None:
    env = smtp_env(smtp)
    first = unionwatch(project, "send", "--week", WEEK, "--now", NOW.isoformat(), **env)
    assert first.returncode == 0, first.stderr
    assert "sent 2, pending retry 0, failed 0" in first.stdout
    [mail] = smtp.received
    assert sorted(mail.recipients) == ["analyst@desk.example", "editor@desk.example"]
    message = mail.message
    assert message["Subject"].startswith("UnionWatch digest 2026-W47: energy prices")
    assert message["From"] == "UnionWatch <uw@desk.example>"
    assert message["To"] == "analyst@desk.example, editor@desk.example"
    assert message["Message-ID"].endswith("@desk.example>") and message["Date"]
    assert message["List-Id"] == "UnionWatch weekly digest <digest.unionwatch.desk.example>"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert "Минск и Москва согласовали цену на газ" in text.get_content()  # UTF-8 survives, titles as published
    related = [p for p in message.walk() if p.get_content_type() == "multipart/related"]
    assert len(related) == 1
    images = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 3 and all(p.get_content()[:4] == b"\x89PNG" for p in images)  # tax code is quiet
    for image in images:  # every inline image is referred to by the HTML, by Content-ID
        assert f'src="cid:{image["Content-ID"].strip("<>")}"' in html.get_content()
    assert "../topics/" not in html.get_content()  # links to archive pages would lead nowhere in a mailbox

    again = unionwatch(project, "send", "--week", WEEK, "--now", (NOW + timedelta(hours=1)).isoformat(), **env)
    assert again.returncode == 0 and "sent 0" in again.stdout and "already delivered 2" in again.stdout
    assert len(smtp.received) == 1, "a second run in the same week sent the digest again"
    run = unionwatch(project, "run", "--no-crawl", "--now", (NOW + timedelta(hours=3)).isoformat(), **env)
    assert run.returncode == 0, run.stderr
    assert len(smtp.received) == 1, "`run` sent a digest that had been delivered"

    forced = unionwatch(project, "send", "--week", WEEK, "--force", "--now", NOW.isoformat(), **env)
    assert forced.returncode == 0 and "sent 2" in forced.stdout
    assert len(smtp.received) == 2
    assert smtp.received[1].message["Message-ID"] == message["Message-ID"]  # the same digest, the same message


def test_starttls_and_login_with_the_password_from_a_file(project: Path, tmp_path: Path) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    cert, key = self_signed(tmp_path)
    server = SmtpServer(tls=(cert, key), users={"desk": "s3cret"})
    try:
        secret = tmp_path / "password"
        secret.write_text("s3cret\n", encoding="utf-8")
        env = {
            **smtp_env(server, "analyst@desk.example"),
            "UNIONWATCH_SMTP_SECURITY": "starttls",
            "UNIONWATCH_SMTP_USER": "desk",
            "UNIONWATCH_SMTP_PASSWORD_FILE": str(secret),
            "UNIONWATCH_SMTP_CA_FILE": str(cert),
        }
        done = unionwatch(project, "send", "--week", WEEK, "--now", NOW.isoformat(), **env)
        assert done.returncode == 0, done.stderr
        [mail] = server.received
        assert mail.login == "desk" and mail.recipients == ["analyst@desk.example"]
        assert "s3cret" not in done.stdout + done.stderr
        wrong = unionwatch(
            project, "send", "--week", WEEK, "--force", "--now", NOW.isoformat(),
            **{**env, "UNIONWATCH_SMTP_PASSWORD": "nope"},
        )  # fmt: skip
        assert wrong.returncode == 1 and "535" in wrong.stderr and len(server.received) == 1
    finally:
        server.stop()


def test_a_451_is_retried_with_back_off_and_then_delivered(project: Path, smtp: SmtpServer) -> None:
    smtp.recorder.data_replies = ["451 4.3.0 Mailbox busy, try later", "250 OK"]
    env = smtp_env(smtp, "analyst@desk.example")
    first = unionwatch(project, "run", "--no-crawl", "--now", NOW.isoformat(), **env)
    assert first.returncode == 0, first.stderr
    assert "pending retry 1" in first.stdout and "451 4.3.0 Mailbox busy" in first.stderr
    assert smtp.received == []
    soon = unionwatch(project, "run", "--no-crawl", "--now", (NOW + timedelta(minutes=5)).isoformat(), **env)
    assert soon.returncode == 0 and smtp.received == [], "retried before its back-off had passed"
    later = unionwatch(project, "run", "--no-crawl", "--now", (NOW + timedelta(minutes=20)).isoformat(), **env)
    assert later.returncode == 0, later.stderr
    assert len(smtp.received) == 1 and "sent 1" in later.stdout
    status = unionwatch(project, "status", "--now", (NOW + timedelta(minutes=21)).isoformat(), **env)
    assert "mail: 1 sent" in status.stdout


def test_a_550_is_recorded_with_the_servers_reply_and_reported(project: Path, smtp: SmtpServer) -> None:
    smtp.recorder.refuse = {"gone@desk.example": "550 5.1.1 <gone@desk.example>: Recipient address rejected"}
    env = smtp_env(smtp, "analyst@desk.example,gone@desk.example")  # a malformed one is refused when read
    done = unionwatch(project, "send", "--week", WEEK, "--now", NOW.isoformat(), **env)
    assert done.returncode == 1
    assert "sent 1, pending retry 0, failed 1" in done.stdout
    [mail] = smtp.received
    assert mail.recipients == ["analyst@desk.example"]
    status = unionwatch(project, "status", "--now", NOW.isoformat(), **env)
    assert status.returncode == 1
    assert "digest 2026-W47 to gone@desk.example failed: 550 5.1.1" in status.stdout
    again = unionwatch(project, "run", "--no-crawl", "--now", (NOW + timedelta(days=1)).isoformat(), **env)
    assert len(smtp.received) == 1, "a permanent failure was retried"
    assert again.returncode == 0


def test_a_server_that_is_down_leaves_the_mail_pending_and_the_digest_filed(project: Path) -> None:
    env = {"UNIONWATCH_SMTP_HOST": "127.0.0.1", "UNIONWATCH_SMTP_PORT": str(free_port()),
           "UNIONWATCH_SMTP_SECURITY": "none", "UNIONWATCH_MAIL_TO": "analyst@desk.example"}  # fmt: skip
    done = unionwatch(project, "send", "--week", WEEK, "--now", NOW.isoformat(), **env)
    assert done.returncode == 0
    assert "pending retry 1" in done.stdout and "ConnectionRefusedError" in done.stderr
    assert (project.parent / "digests" / "2026" / "2026-W47.html").exists()
    assert "2026-W47" in (project.parent / "digests" / "index.html").read_text(encoding="utf-8")


def test_with_no_smtp_host_the_digest_goes_to_an_eml_file_and_nowhere_else(project: Path) -> None:
    done = unionwatch(project, "send", "--week", WEEK, "--now", NOW.isoformat(), UNIONWATCH_MAIL_TO="me@desk.example")
    assert done.returncode == 0, done.stderr
    [eml] = list((project.parent / "data" / "outbox").glob("*.eml"))
    assert eml.name == "2026-W47-me@desk.example.eml"
    assert b"Subject: UnionWatch digest 2026-W47" in eml.read_bytes()


def test_dry_run_says_what_would_be_sent_and_sends_nothing(project: Path, smtp: SmtpServer) -> None:
    done = unionwatch(project, "send", "--week", WEEK, "--dry-run", "--now", NOW.isoformat(), **smtp_env(smtp))
    assert done.returncode == 0, done.stderr
    assert "would send 2" in done.stdout and "UnionWatch digest 2026-W47: energy prices" in done.stderr
    assert smtp.received == []
    real = unionwatch(project, "send", "--week", WEEK, "--now", NOW.isoformat(), **smtp_env(smtp))
    assert "sent 2" in real.stdout and len(smtp.received) == 1


def test_a_week_without_stories_is_mailed_as_a_short_note_or_filed_only(tmp_path: Path, smtp: SmtpServer) -> None:
    from pipeline.digest.weeks import Week
    from tests.support.digest_data import simple_week

    config = write_config(tmp_path)
    settings = load_settings(config)
    empty = simple_week(Week(2026, 47), [])
    publish(settings, open_store(settings.db_url), build_digest(empty), NOW)

    off = unionwatch(config, "send", "--week", WEEK, "--now", NOW.isoformat(), UNIONWATCH_MAIL_QUIET_WEEKS="false",
                     **smtp_env(smtp))  # fmt: skip
    assert off.returncode == 0, off.stderr
    assert "quiet week" in off.stdout and "not mailed" in off.stdout
    assert smtp.received == []

    on = unionwatch(config, "send", "--week", WEEK, "--now", NOW.isoformat(), **smtp_env(smtp))
    assert on.returncode == 0 and "sent 2" in on.stdout, on.stdout + on.stderr
    [mail] = smtp.received
    text = mail.message.get_body(preferencelist=("plain",))
    assert text is not None
    note = text.get_content()
    assert "Nothing was found for 2026-W47" in note and "FEEDS" in note
    assert "STORIES" not in note and "WHAT HAPPENED" not in note


def test_a_recipient_removed_from_mail_to_gets_no_more_retries(project: Path, smtp: SmtpServer) -> None:
    """Issue 16, 2: pending rows were retried whatever mail_to now said."""
    down = {**smtp_env(smtp), "UNIONWATCH_SMTP_PORT": str(free_port())}
    first = unionwatch(project, "send", "--week", WEEK, "--now", NOW.isoformat(), **down)
    assert first.returncode == 0 and "pending retry 2" in first.stdout
    later = (NOW + timedelta(hours=2)).isoformat()
    retry = unionwatch(project, "run", "--now", later, **smtp_env(smtp, to="analyst@desk.example"))
    assert retry.returncode == 0, retry.stderr
    assert [sorted(m.recipients) for m in smtp.received] == [["analyst@desk.example"]]


def test_a_dry_run_files_nothing(project: Path, smtp: SmtpServer) -> None:
    """Issue 16, 11: `send --dry-run` built and filed the week's digest."""
    done = unionwatch(project, "send", "--week", "2026-W46", "--dry-run", "--now", NOW.isoformat(), **smtp_env(smtp))
    assert done.returncode == 0 and "would send 2" in done.stdout
    assert not (project.parent / "digests" / "2026" / "2026-W46.html").exists()
    assert "2026-W46" not in unionwatch(project, "archive", "list").stdout
    assert smtp.received == []
