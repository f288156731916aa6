"""Running unattended: the scheduler, the lock, the deploy files, status, doctor, retention, quiet logs."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, func, select

from pipeline.cli import cli
from pipeline.cron import cron_trigger
from pipeline.settings import load_settings
from pipeline.store.db import open_store
from pipeline.store.models import DigestRecord, Item, ItemSource, ItemVersion
from tests.support.commands import EXECUTABLE, clean_environment, installed_command, unionwatch, write_config
from tests.support.httpserver import LocalServer, Route, free_port
from tests.support.paths import corpus_path
from tests.support.smtpserver import SmtpServer

ROOT = Path(__file__).resolve().parent.parent.parent
DEPLOY = ROOT / "deploy"


def tut_feed() -> bytes:
    return corpus_path("feeds", "tut.by_newscloning", "news.tut.by_all.rss").read_bytes()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    yield server
    server.stop()


def mail_env(server: SmtpServer) -> dict[str, str]:
    return {
        "UNIONWATCH_SMTP_HOST": "127.0.0.1",
        "UNIONWATCH_SMTP_PORT": str(server.port),
        "UNIONWATCH_SMTP_SECURITY": "none",
        "UNIONWATCH_MAIL_TO": "analyst@desk.example",
    }


def test_the_scheduler_crawls_sends_one_digest_and_stops_cleanly_on_sigterm(
    server: LocalServer, smtp: SmtpServer, tmp_path: Path
) -> None:
    config = write_config(
        tmp_path,
        [("TUT.BY", server.add("/tut.rss", body=tut_feed()))],
        schedule_crawl='"*/2 * * * * *"',
        schedule_digest='"*/3 * * * * *"',
    )
    log = tmp_path / "schedule.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            installed_command("--config", str(config), "schedule"),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env=clean_environment(**mail_env(smtp)),
        )
        try:
            deadline = time.monotonic() + 60
            while not (smtp.received and "crawl done" in log.read_text()):
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
            time.sleep(4)  # the digest job runs again at least once: it must not mail again
            stopped_at = time.monotonic()
            process.send_signal(signal.SIGTERM)
            try:
                code = process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pytest.fail("the scheduler did not stop within 30 s of SIGTERM:\n" + log.read_text()[-3000:])
        finally:
            if process.poll() is None:
                process.kill()
    text = log.read_text()
    assert code == 0, text
    assert time.monotonic() - stopped_at < 10
    assert len(smtp.received) == 1, "the scheduler mailed the week's digest more than once"
    assert re.search(r"crawl done: crawl: 1 feed fetched.*; next crawl at \d{4}-\d\d-\d\d", text)
    assert re.search(r"scheduled digest \(\*/3 \* \* \* \* \*\): next run", text)
    assert re.search(r"scheduled retrain \(30 6 \* \* 1\): next run", text)  # weekly, before the digest
    assert "stop requested: finishing the current step" in text and "scheduler stopped" in text
    engine = open_store(load_settings(config).db_url)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Item)).one() == 100


def test_a_second_overlapping_run_exits_at_once_and_nothing_is_stored_twice(
    server: LocalServer, tmp_path: Path
) -> None:
    slow = server.add("/slow.rss", Route(body=tut_feed(), delay=3.0))
    config = write_config(tmp_path, [("TUT.BY", slow)])
    now = "2026-11-23T06:00:00+00:00"
    command = installed_command("--config", str(config), "run", "--now", now)
    first = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_environment()
    )
    assert first.stderr is not None
    said: list[str] = []
    while not any("lock: held by pid" in line for line in said):  # the first run says when it holds the lock
        line = first.stderr.readline()
        assert line, "the first run ended without taking the lock:\n" + "".join(said)
        said.append(line)
    started = time.monotonic()
    second = subprocess.run(command, capture_output=True, text=True, env=clean_environment())
    assert time.monotonic() - started < 5, "the second run waited instead of leaving"
    _, err = first.communicate(timeout=60)
    assert first.returncode == 0, "".join(said) + err
    assert second.returncode == 75
    assert "another UnionWatch run is in progress (pid" in second.stderr and "unionwatch run" in second.stderr
    assert "crawl:" not in second.stdout
    engine = open_store(load_settings(config).db_url)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Item)).one() == 100
        assert session.exec(select(func.count()).select_from(ItemSource)).one() == 100
        assert session.exec(select(func.count()).select_from(DigestRecord)).one() == 1
    again = unionwatch(config, "run", "--now", now)  # the lock is free again once the first has finished
    assert again.returncode == 0, again.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_systemd_units_verify(tmp_path: Path) -> None:
    executable = EXECUTABLE
    assert executable.exists()
    units = []
    for unit in sorted((DEPLOY / "systemd").iterdir()):
        text = unit.read_text(encoding="utf-8").replace("/opt/unionwatch/.venv/bin/unionwatch", str(executable))
        name = unit.name.replace("@.", "@1.")  # a template is verified as one of its instances
        (tmp_path / name).write_text(text, encoding="utf-8")
        units.append(str(tmp_path / name))
    assert {Path(u).name for u in units} == {
        "unionwatch.service",
        "unionwatch-crawl.service",
        "unionwatch-crawl.timer",
        "unionwatch-digest.service",
        "unionwatch-digest.timer",
        "unionwatch-worker@1.service",
    }
    done = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True)
    problems = [line for line in done.stderr.splitlines() if "unionwatch" in line]
    assert done.returncode == 0 and not problems, done.stderr
    for name in ("unionwatch-crawl.timer", "unionwatch-digest.timer"):
        assert "Persistent=true" in (tmp_path / name).read_text()
    for service in (
        "unionwatch.service",
        "unionwatch-crawl.service",
        "unionwatch-digest.service",
        "unionwatch-worker@1.service",
    ):
        text = (tmp_path / service).read_text()
        for setting in ("NoNewPrivileges=true", "ProtectSystem=strict", "PrivateTmp=true", "ReadWritePaths=",
                        "EnvironmentFile=", "User=unionwatch"):  # fmt: skip
            assert setting in text, f"{service} lacks {setting}"


def test_the_crontab_lines_parse_and_name_commands_that_exist() -> None:
    lines = [
        line
        for line in (DEPLOY / "cron" / "unionwatch.crontab").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#") and "=" not in line.split()[0]
    ]
    assert len(lines) == 2
    commands = set(cli.commands)
    for line in lines:
        fields = line.split()
        cron_trigger(" ".join(fields[:5]), "UTC")  # raises on a malformed schedule
        invoked = re.search(r"/unionwatch (\w+)", line)
        assert invoked and invoked[1] in commands, line
        assert ">> /var/log/unionwatch/unionwatch.log 2>&1" in line
    assert [re.search(r"/unionwatch (\w+)", line)[1] for line in lines] == ["crawl", "run"]  # type: ignore[index]


def test_status_and_doctor_on_a_healthy_setup(server: LocalServer, smtp: SmtpServer, tmp_path: Path) -> None:
    config = write_config(tmp_path, [("TUT.BY", server.add("/tut.rss", body=tut_feed()))])
    now = datetime.now(UTC)
    assert unionwatch(config, "run", **mail_env(smtp)).returncode == 0
    status = unionwatch(config, "status", "--now", (now + timedelta(minutes=5)).isoformat(), **mail_env(smtp))
    assert status.returncode == 0, status.stdout + status.stderr
    assert "feeds:        1 enabled, 0 failing" in status.stdout and status.stdout.rstrip().endswith("ok")
    assert re.search(r"last digest:  \d{4}-W\d\d, built .*; mail: 1 sent", status.stdout)
    assert re.search(r"next crawl:\s+\d{4}-\d\d-\d\d \d\d:00", status.stdout)
    doctor = unionwatch(config, "doctor", **mail_env(smtp))
    assert doctor.returncode == 0, doctor.stdout
    assert re.search(r"^ok\s+mail\s+127\.0\.0\.1:\d+ \(none\)", doctor.stdout, re.M)
    assert re.search(r"^ok\s+stories\s+matched by their keys", doctor.stdout, re.M)
    assert re.search(r"^ok\s+feed TUT\.BY\s+100 entries", doctor.stdout, re.M)
    assert "doctor: 7 fine, 0 failing" in doctor.stdout
    assert len(smtp.received) == 1, "doctor sent mail"


def test_status_and_doctor_on_a_broken_setup(server: LocalServer, tmp_path: Path) -> None:
    dead = server.add("/gone.rss", Route(status=404, body=b"gone"))
    config = write_config(tmp_path, [("TUT.BY", server.add("/tut.rss", body=tut_feed())), ("Gone", dead)])
    down = {"UNIONWATCH_SMTP_HOST": "127.0.0.1", "UNIONWATCH_SMTP_PORT": str(free_port()),
            "UNIONWATCH_SMTP_SECURITY": "none", "UNIONWATCH_MAIL_TO": "analyst@desk.example"}  # fmt: skip
    assert unionwatch(config, "run", **down).returncode == 0
    doctor = unionwatch(config, "doctor", **down)
    assert doctor.returncode == 1
    assert re.search(r"^FAIL\s+mail\s+127\.0\.0\.1:\d+ \(none\): ConnectionRefusedError", doctor.stdout, re.M)
    assert re.search(r"^FAIL\s+feed Gone\s+fetch: .*404", doctor.stdout, re.M)
    assert "fix: the URL is wrong: the server has nothing there" in doctor.stdout
    assert re.search(r"^ok\s+feed TUT\.BY", doctor.stdout, re.M)
    assert "doctor: 6 fine, 2 failing" in doctor.stdout
    status = unionwatch(config, "status", "--now", (datetime.now(UTC) + timedelta(days=2)).isoformat(), **down)
    assert status.returncode == 1
    assert "feeds:        2 enabled, 1 failing" in status.stdout and "✗ Gone since" in status.stdout
    assert "PROBLEM: no successful crawl since" in status.stdout
    assert "PROBLEM: digest 20" in status.stdout and "still pending after a day: 127.0.0.1:" in status.stdout


def test_doctor_tells_a_wrong_url_from_dns_from_the_network_and_a_silent_feed(
    server: LocalServer, tmp_path: Path
) -> None:
    empty = b'<?xml version="1.0"?><rss version="2.0"><channel><title>BBC Belarus</title></channel></rss>'
    feeds = [("Good", server.add("/tut.rss", body=tut_feed())), ("Moved", server.add("/old.rss", Route(status=404))),
             ("Refuses", server.add("/403.rss", Route(status=403))), ("Typo", "http://belta.invalid/rss"),
             ("Down", f"http://127.0.0.1:{free_port()}/rss"), ("Empty", server.add("/empty.rss", body=empty))]  # fmt: skip
    config = write_config(tmp_path, feeds)
    doctor = unionwatch(config, "doctor", "--no-smtp")
    assert doctor.returncode == 1
    lines = {name: doctor.stdout[doctor.stdout.index(f"feed {name}") :].split("\n")[:2] for name, _ in feeds}
    assert "the URL is wrong" in lines["Moved"][1]
    assert "set user_agent for this feed" in lines["Refuses"][1]
    assert "cannot resolve belta.invalid" in lines["Typo"][0] and "does not resolve" in lines["Typo"][1]
    assert "a network failure, not a wrong URL" in lines["Down"][1]
    assert "answered with no items" in lines["Empty"][0] and "silent feed" in lines["Empty"][0]
    assert not re.search(r"^FAIL\s+network", doctor.stdout, re.M), "other hosts answered: not this machine's network"


def test_a_silent_feed_is_a_warning_in_feeds_list_status_and_the_digest(server: LocalServer, tmp_path: Path) -> None:
    empty = b'<?xml version="1.0"?><rss version="2.0"><channel><title>BBC Belarus</title></channel></rss>'
    config = write_config(
        tmp_path, [("Good", server.add("/tut.rss", body=tut_feed())), ("Empty", server.add("/e.rss", body=empty))]
    )
    crawl = unionwatch(config, "crawl", "--now", "2026-11-18T09:00:00+00:00")
    assert crawl.returncode == 0 and "(1 silent: no items)" in crawl.stderr + crawl.stdout
    listing = unionwatch(config, "feeds", "list").stdout
    assert re.search(r"silent .* Empty\n\s+warning: silent: answered with no items \(\d+ bytes\)", listing)
    assert "2 feeds, 0 failing, 1 silent (no items)" in listing
    status = unionwatch(config, "status", "--now", "2026-11-18T10:00:00+00:00").stdout
    assert "2 enabled, 0 failing, 1 silent" in status and "! Empty: silent: answered with no items" in status
    assert unionwatch(config, "digest", "--now", "2026-11-23T08:00:00+00:00").returncode == 0
    text = (tmp_path / "digests" / "2026" / "2026-W47.txt").read_text(encoding="utf-8")
    assert "* Empty, silent since 18 Nov 2026: answered with no items" in text
    assert "2 of 2 feeds working (1 silent)" in " ".join(text.split())


def test_prune_empties_old_bodies_and_keeps_titles_topics_and_digests(server: LocalServer, tmp_path: Path) -> None:
    config = write_config(tmp_path, [("TUT.BY", server.add("/tut.rss", body=tut_feed()))])
    assert unionwatch(config, "run", "--now", "2026-11-23T06:00:00+00:00").returncode == 0
    counted = unionwatch(config, "db", "prune", "--keep", "2y", "--dry-run", "--now", "2026-11-23T06:00:00+00:00")
    found = re.search(r"would empty the bodies of (\d+) items older than 2024-11-23", counted.stdout)
    assert found and int(found[1]) >= 95, counted.stdout  # TUT.BY items are of December 2019
    kept = unionwatch(config, "db", "prune", "--keep", "10y", "--now", "2026-11-23T06:00:00+00:00")
    assert "emptied the bodies of 0 items" in kept.stdout
    done = unionwatch(config, "db", "prune", "--keep", "2y", "--now", "2026-11-23T06:00:00+00:00")
    assert done.returncode == 0 and f"emptied the bodies of {found[1]} items" in done.stdout
    engine = open_store(load_settings(config).db_url)
    with Session(engine) as session:
        items = list(session.exec(select(Item)))
        assert all(i.text == "" and i.summary == "" and i.title for i in items)
        assert all(v.text == "" for v in session.exec(select(ItemVersion)))
        assert session.exec(select(func.count()).select_from(DigestRecord)).one() == 1
    assert unionwatch(config, "archive", "show", "2026-W47").returncode == 0
    bad = unionwatch(config, "db", "prune", "--keep", "forever")
    assert bad.returncode == 2 and "use a number and d, w, m or y" in bad.stderr


def test_no_secret_reaches_the_logs(tmp_path: Path) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    from tests.support.smtpserver import self_signed

    config = write_config(tmp_path, log_level='"DEBUG"')
    secret = "pa55-very-secret-word"
    cert, key = self_signed(tmp_path)
    smtp = SmtpServer(tls=(cert, key), users={"desk": secret})
    env = {**mail_env(smtp), "UNIONWATCH_SMTP_SECURITY": "starttls", "UNIONWATCH_SMTP_CA_FILE": str(cert),
           "UNIONWATCH_SMTP_USER": "desk", "UNIONWATCH_SMTP_PASSWORD": secret}  # fmt: skip
    runs = [
        unionwatch(config, "run", "--now", "2026-11-23T06:00:00+00:00", **env),
        unionwatch(config, "config", "show", **env),
        unionwatch(config, "doctor", "--no-feeds", **env),
        unionwatch(config, "status", **env),
    ]
    smtp.stop()
    assert smtp.received and smtp.received[0].login == "desk"
    for done in runs:
        assert secret not in done.stdout + done.stderr
    assert "***" in runs[1].stdout
    assert re.search(r"^\d{4}-\d\d-\d\dT\S+ (info|warning) +unionwatch\.\w+: ", runs[0].stderr, re.M), runs[0].stderr


def test_missed_runs_are_caught_up_once_at_start(tmp_path: Path) -> None:
    from pipeline.jobs.scheduler import overdue

    config = write_config(tmp_path)
    settings = load_settings(config)
    engine = open_store(settings.db_url)
    now = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)  # 16:00 in Minsk; the crawl last fired at 15:00
    assert overdue(settings, engine, now) == ["crawl", "digest"]  # nothing ever ran
    from pipeline.store.models import CrawlRun

    with Session(engine) as session:
        session.add(CrawlRun(started_at=now - timedelta(minutes=59), finished_at=now - timedelta(minutes=58),
                             status="completed"))  # fmt: skip
        session.add(DigestRecord(week="2026-W47", built_at=now, message_id="<x@y>"))
        session.commit()
    assert overdue(settings, engine, now) == []
    assert overdue(settings, engine, now + timedelta(hours=4)) == ["crawl"]  # a 3-hourly crawl was missed
    with Session(engine) as session:
        assert session.exec(select(col(DigestRecord.week))).all() == ["2026-W47"]


def test_two_hosts_on_one_database_share_one_lock(db_url: str, tmp_path: Path) -> None:
    """SQLite: the lock file sits beside the database; PostgreSQL: an advisory lock in the server."""
    from pipeline.errors import LockedError
    from pipeline.jobs.lock import RunLock

    engine = open_store(db_url)
    first = RunLock(engine, tmp_path / "host-a", "unionwatch run").acquire()  # different data folders
    try:
        expected = "advisory lock" if db_url.startswith("postgresql") else r"in progress \(pid \d+, unionwatch run"
        with pytest.raises(LockedError, match=expected):
            RunLock(engine, tmp_path / "host-b", "unionwatch crawl").acquire()
    finally:
        first.release()
    with RunLock(engine, tmp_path / "host-b", "unionwatch crawl"):
        pass  # free again once released
    engine.dispose()
