from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.settings import load_settings
from tests.support.commands import clear_environment


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_environment(monkeypatch)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "conf" / "unionwatch.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, 'feeds = "feeds.toml"\ndata_dir = "../data"\n'))
    assert s.feeds == tmp_path / "conf" / "feeds.toml"
    assert s.data_dir == tmp_path / "data"
    assert s.db_url == f"sqlite:///{tmp_path / 'data' / 'unionwatch.db'}"


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "[fetch]\nconcurrency = 8\nper_host = 2\n")
    monkeypatch.setenv("UNIONWATCH_FETCH__PER_HOST", "3")
    monkeypatch.setenv("UNIONWATCH_DATABASE_URL", "postgresql://u:secret@db/uw")
    monkeypatch.setenv("UNIONWATCH_FEEDS", "/srv/feeds.opml")
    monkeypatch.setenv("UNIONWATCH_MAIL_TO", "a@example.org, b@example.org")
    s = load_settings(path)
    assert (s.fetch.concurrency, s.fetch.per_host) == (8, 3)
    assert s.feeds == Path("/srv/feeds.opml")
    assert s.mail_to == ["a@example.org", "b@example.org"]
    shown = s.masked()
    assert "secret" not in str(shown) and shown["database_url"] == "postgresql://u:***@db/uw"


def test_bad_value_names_the_file_and_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, '[fetch]\nconcurrency = "lots"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    assert message.startswith(f"config: {path}: key 'fetch.concurrency':") and "\n" not in message


def test_unknown_key_and_broken_toml_are_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="key 'feds': unknown key"):
        load_settings(write(tmp_path, 'feds = "x"\n'))
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "feeds = \n"))


def test_bad_environment_value_names_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIONWATCH_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ConfigError, match=r"environment UNIONWATCH_TIMEZONE: key 'timezone': .*unknown time zone"):
        load_settings(write(tmp_path, ""))


def test_secrets_are_refused_in_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"smtp_password.*only from the environment"):
        load_settings(write(tmp_path, 'smtp_password = "hunter2"\n'))


def test_password_from_environment_is_masked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIONWATCH_SMTP_PASSWORD", "hunter2")
    s = load_settings(write(tmp_path, ""))
    assert s.smtp_password is not None and s.smtp_password.get_secret_value() == "hunter2"
    assert s.masked()["smtp_password"] == "***"


def test_shipped_config_loads() -> None:
    root = Path(__file__).resolve().parent.parent
    s = load_settings(root / "config" / "unionwatch.toml")
    assert s.feeds == root / "config" / "feeds.toml" and s.timezone == "Europe/Minsk"


@pytest.mark.parametrize(
    "value", ["analyst@desk.example\r\nBcc: all@desk.example", '"Doe, John" <j@desk.example>', "nobody", "a@b, "]
)
def test_a_recipient_that_is_not_a_bare_address_is_refused_when_read(tmp_path: Path, value: str) -> None:
    """Issue 16, 2: a CRLF or a quoted display name with a comma was stored as a pending delivery and crashed
    every `send` after."""
    path = write(tmp_path, f"mail_to = {json.dumps(value)}\n")
    if value == "a@b, ":
        assert load_settings(path).mail_to == ["a@b"]
        return
    with pytest.raises(ConfigError, match=r"key 'mail_to': .*is not an e-mail address") as info:
        load_settings(path)
    assert "\n" not in str(info.value)


def test_a_sender_may_have_a_display_name_but_no_line_break(tmp_path: Path) -> None:
    assert load_settings(write(tmp_path, 'mail_from = "UnionWatch <uw@desk.example>"\n')).mail_from
    with pytest.raises(ConfigError, match="key 'mail_from'"):
        load_settings(write(tmp_path, 'mail_from = "uw@desk.example\\r\\nBcc: x@y.z"\n'))


def test_a_login_without_encryption_is_refused_when_read(tmp_path: Path) -> None:
    """Issue 16, 8: smtp_security = "none" with a user sent the password as AUTH PLAIN in clear text."""
    with pytest.raises(ConfigError, match=r"key 'smtp_user': .*password in clear text; use starttls or tls"):
        load_settings(write(tmp_path, 'smtp_security = "none"\nsmtp_user = "desk"\n'))
    assert load_settings(write(tmp_path, 'smtp_security = "none"\n')).smtp_user == ""


def test_story_meaning_on_without_the_extra_is_one_line_naming_the_setting_and_auto_falls_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pipeline.articles import meaning
    from pipeline.errors import ConfigError
    from pipeline.jobs.stories import uses_meaning

    monkeypatch.setattr(meaning, "available", lambda: False)
    with pytest.raises(ConfigError, match=r"story_meaning = \"on\" needs the optional extra") as raised:
        uses_meaning("on")
    assert "\n" not in str(raised.value)
    assert uses_meaning("auto") is False and uses_meaning("off") is False
