"""The schema is only ever built by the named migrations, and upgrading keeps what is stored."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from pipeline.store import migrations, models
from pipeline.store.db import make_engine, open_store


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_migrations_build_exactly_the_models(db_url: str) -> None:
    engine = open_store(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), models.SQLModel.metadata)
    # schema_migrations is the migrations' own; item_search_fts* (SQLite) and ix_item_search_tsv (PostgreSQL)
    # (and item_search.tsv on PostgreSQL) are the search tokens' full-text index, ix_items_title_prefix an index on
    # an expression: not in the models
    diff = [
        d
        for d in diff
        if not (
            d[0] == "remove_table" and (d[1].name == "schema_migrations" or d[1].name.startswith("item_search_fts"))
        )
        and not (
            d[0] == "remove_index" and d[1].name in ("ix_item_search_tsv", "ix_items_title_prefix", "ix_items_time")
        )
        and not (d[0] == "remove_column" and d[2] == "item_search" and d[3].name == "tsv")
    ]
    assert diff == []
    assert migrations.pending(engine) == []


def test_upgrade_keeps_existing_rows(db_url: str) -> None:
    engine = make_engine(db_url)
    first = migrations.MIGRATIONS[0][0]
    migrations.upgrade(engine, until=first)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO feeds (name, config_url, url, lang, tags, enabled, title, consecutive_failures) "
                "VALUES ('old', 'http://x/', 'http://x/', 'ru', '', true, '', 0)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO items (key, feed_id, title, summary, content, author, first_seen_at) "
                "VALUES ('http://x/1', 1, 'Старый', '', '', '', :t)"
            ),
            {"t": datetime(2020, 1, 1)},
        )
    applied = migrations.upgrade(engine)
    assert applied == [name for name, _ in migrations.MIGRATIONS[1:]]
    assert migrations.pending(engine) == []
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT title FROM items")).scalar_one() == "Старый"
        assert conn.execute(sa.text("SELECT name FROM feeds")).scalar_one() == "old"
    # running it again is a no-op
    assert migrations.upgrade(engine) == []


def test_store_returns_aware_utc_times(db_url: str) -> None:
    from sqlmodel import Session

    from pipeline.store.models import Feed

    engine = open_store(db_url)
    when = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    with Session(engine) as s:
        s.add(Feed(name="f", config_url="http://x/", url="http://x/", created_at=when))
        s.commit()
    with Session(engine) as s:
        feed = s.exec(sa.select(Feed)).scalar_one()  # type: ignore[call-overload]
        assert feed.created_at == when and feed.created_at.tzinfo is not None


def test_sqlite_runs_in_wal_mode(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"


def test_search_finds_every_form_of_a_word_in_either_alphabet_from_the_index(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same answers on both backends, each from its own index (FTS5; a GIN-indexed tsvector)."""
    from sqlmodel import Session

    from pipeline.jobs.indexing import index_items
    from pipeline.store.models import Feed, Item
    from pipeline.store.search import search_items

    engine = open_store(db_url)
    now = datetime(2026, 11, 20, tzinfo=UTC)
    texts = [
        ("Орешник заступил на боевое дежурство в Беларуси", "Комплекс Орешник размещён под Минском."),
        ("Налоговый кодекс Союзного государства", "Стороны обсудили унификацию налогов и цены на газ."),
        ("Oreshnik on combat duty", "The Oreshnik system was deployed in Belarus, Lukashenko said."),
        ("Trade fair in Minsk", "Machinery and dairy."),
    ]
    with Session(engine) as session:
        feed = Feed(name="Wire", config_url="https://w.example/rss", url="https://w.example/rss")
        session.add(feed)
        session.flush()
        for n, (title, text) in enumerate(texts):
            session.add(Item(key=f"https://w.example/{n}", feed_id=feed.id or 0, title=title, text=text,
                             first_seen_at=now, classified_at=now, relevant=True))  # fmt: skip
        session.commit()
    assert index_items(engine, [], now) == (4, 0)
    with Session(engine) as session:

        def found(query: str) -> set[str]:
            hits, method = search_items(session, query)
            assert method == ("fts5" if engine.dialect.name == "sqlite" else "tsvector")
            return {h.title for h in hits}

        assert found("Oreshnik") == found("Орешника") == {texts[0][0], texts[2][0]}
        assert found("налог") == {texts[1][0]}  # налоговый, налогов
        assert found("газа") == {texts[1][0]}
        assert found("Lukashenko Oreshnik") == {texts[2][0]}  # every word must match
        assert found("Ганцевичи") == set()
        [hit] = search_items(session, "налогов")[0]
        assert "[налогов]" in hit.snippet or "[Налоговый]" in hit.snippet
        newest_first = [h.id for h in search_items(session, "Oreshnik")[0]]
        assert newest_first == sorted(newest_first, reverse=True)
        from pipeline.store import search

        monkeypatch.setattr(search, "RECENT", 1)  # PostgreSQL: the older items come from the index, still newest first
        assert [h.id for h in search_items(session, "Oreshnik")[0]] == newest_first


SPELLINGS = [  # (stored key under the old identity, the same article as another feed's link spelled it)
    ("https://xn--d1abbgf6aiiy.xn--p1ai/news/1", "https://президент.рф/news/1"),
    ("https://belta.by/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8/2", "https://belta.by/новости/2"),
    ("https://belta.by/a/%D0%B1/3", "https://belta.by/a/%d0%b1/3"),
    ("https://belta.by/a/4", "https://belta.by/a/./b/../4"),
    ("https://ria.ru/5?a=1&b=2", "https://ria.ru/5?b=2&a=1"),
    ("https://ria.ru/6", "https://ria.ru/6?ysclid=lq2x8"),
]


def test_migration_0009_rekeys_and_merges_copies_losing_nothing(db_url: str) -> None:
    engine = make_engine(db_url)
    migrations.upgrade(engine, until="0008_edit_times")
    t = datetime(2026, 1, 5, 9)
    with engine.begin() as conn:
        for feed in ("a", "b"):
            conn.execute(
                sa.text(
                    "INSERT INTO feeds (name, config_url, url, lang, tags, enabled, title, consecutive_failures) "
                    "VALUES (:n, :u, :u, 'ru', '', true, '', 0)"
                ),
                {"n": feed, "u": f"http://{feed}/"},
            )
        for n, pair in enumerate(SPELLINGS):
            for feed, key in enumerate(pair, start=1):
                item = conn.execute(
                    sa.text(
                        "INSERT INTO items (key, canonical_url, url, feed_id, title, summary, content, author, "
                        "first_seen_at, text, lang, extraction_status, extraction_attempts, site_name, relevance) "
                        "VALUES (:k, :k, :k, :f, :title, '', '', '', :t, :text, 'ru', 'ok', 0, '', 0) RETURNING id"
                    ),
                    {"k": key, "f": feed, "title": f"Статья {n}", "t": t.replace(hour=9 + feed),
                     "text": f"текст {n}" if feed == 1 else f"текст {n}, исправленный"},
                ).scalar_one()  # fmt: skip
                conn.execute(
                    sa.text("INSERT INTO item_sources (item_id, feed_id, first_seen_at) VALUES (:i, :f, :t)"),
                    {"i": item, "f": feed, "t": t},
                )
                conn.execute(
                    sa.text(
                        "INSERT INTO item_versions (item_id, version, fetched_at, title, text, content_hash) "
                        "VALUES (:i, 1, :t, '', '', :h)"
                    ),
                    {"i": item, "t": t.replace(hour=9 + feed), "h": f"h{n}-{feed}"},
                )
                if feed == 2:
                    conn.execute(
                        sa.text("INSERT INTO corrections (item_id, kind, topic, created_at) VALUES (:i, 'topic', 'bases', :t)"),
                        {"i": item, "t": t},
                    )  # fmt: skip
    assert "0009_url_identity" in migrations.upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, key, title, first_seen_at FROM items ORDER BY id")).all()
        assert len(rows) == len(SPELLINGS), "each article once"
        assert [r.title for r in rows] == [f"Статья {n}" for n in range(len(SPELLINGS))]
        assert rows[0].key == "https://xn--d1abbgf6aiiy.xn--p1ai/news/1"
        assert rows[5].key == "https://ria.ru/6"
        for row in rows:
            feeds = conn.execute(
                sa.text("SELECT feed_id FROM item_sources WHERE item_id = :i ORDER BY feed_id"), {"i": row.id}
            )
            assert list(feeds.scalars()) == [1, 2], "both feeds carry it"
            history = conn.execute(
                sa.text("SELECT version, content_hash FROM item_versions WHERE item_id = :i ORDER BY version"),
                {"i": row.id},
            ).all()
            assert [v for v, _ in history] == [1, 2], "the copy's text kept as a later version"
        assert conn.execute(sa.text("SELECT count(*) FROM corrections")).scalar_one() == len(SPELLINGS)
        kept = set(conn.execute(sa.text("SELECT item_id FROM corrections")).scalars())
        assert kept == {r.id for r in rows}, "an analyst's correction follows the article"


def test_migration_0010_sets_stored_doubtful_dates_aside(db_url: str) -> None:
    engine = make_engine(db_url)
    migrations.upgrade(engine, until="0009_url_identity")
    seen = datetime(2026, 1, 5, 9)
    dates = {"9999": datetime(9999, 12, 31), "0001": datetime(1, 1, 1), "1970": datetime(1970, 1, 1),
             "ahead": datetime(2026, 1, 7, 9), "fine": datetime(2026, 1, 4, 12), "none": None}  # fmt: skip
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO feeds (name, config_url, url, lang, tags, enabled, title, consecutive_failures) "
                "VALUES ('f', 'http://f/', 'http://f/', 'ru', '', true, '', 0)"
            )
        )
        for title, published in dates.items():
            conn.execute(
                sa.text(
                    "INSERT INTO items (key, feed_id, title, summary, content, author, first_seen_at, published_at) "
                    "VALUES (:k, 1, :title, '', '', '', :seen, :p)"
                ),
                {"k": f"https://f/{title}", "title": title, "seen": seen, "p": published},
            )
    migrations.upgrade(engine)
    with engine.connect() as conn:
        rows = {
            r.title: r for r in conn.execute(sa.text("SELECT title, published_at, claimed_published_at FROM items"))
        }
    for title in ("9999", "0001", "1970", "ahead"):
        assert rows[title].published_at is None and rows[title].claimed_published_at is not None, title
    assert rows["fine"].published_at is not None and rows["fine"].claimed_published_at is None
    assert rows["none"].published_at is None and rows["none"].claimed_published_at is None


def test_migrations_0015_and_0016_give_stored_items_the_host_of_their_link_else_of_their_feed(db_url: str) -> None:
    """A worker leases an article page by its host: items stored before the column must have theirs."""
    engine = make_engine(db_url)
    migrations.upgrade(engine, until="0014_feed_hosts")
    links = {"a": "https://News.Example.BY/a/1.html", "b": "http://127.0.0.4:8080/b", "c": None}
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO feeds (name, config_url, url, host, lang, tags, enabled, title, consecutive_failures) "
                "VALUES ('f', 'http://f/', 'http://f/', 'f', 'ru', '', true, '', 0)"
            )
        )
        for title, link in links.items():
            conn.execute(
                sa.text(
                    "INSERT INTO items (key, url, feed_id, title, summary, content, author, first_seen_at) "
                    "VALUES (:k, :u, 1, :title, '', '', '', :seen)"
                ),
                {"k": f"guid:{title}", "u": link, "title": title, "seen": datetime(2026, 1, 5, 9)},
            )
    migrations.upgrade(engine, until="0015_item_hosts")
    with engine.connect() as conn:
        hosts = dict(conn.execute(sa.text("SELECT title, host FROM items")).all())
    assert hosts == {"a": "news.example.by", "b": "127.0.0.4", "c": ""}
    migrations.upgrade(engine)  # 0016: an item without a link is handled by whoever holds its feed's host
    with engine.connect() as conn:
        hosts = dict(conn.execute(sa.text("SELECT title, host FROM items")).all())
    assert hosts == {"a": "news.example.by", "b": "127.0.0.4", "c": "f"}


def test_upgrade_until_a_step_already_applied_applies_nothing_after_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Issue 16, 10."""
    engine = make_engine(f"sqlite:///{tmp_path / 'uw.db'}")
    first, second = migrations.MIGRATIONS[0][0], migrations.MIGRATIONS[1][0]
    assert migrations.upgrade(engine, until=first) == [first]
    assert migrations.upgrade(engine, until=first) == []
    assert migrations.pending(engine)[0] == second
