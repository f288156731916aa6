"""One typed settings object, validated once at start.

Sources, strongest first: UNIONWATCH_* environment variables, then the TOML config file, then the defaults
below. Relative paths in the config file resolve against the file's own folder (so a config can be moved
with its feeds file); relative paths from the environment resolve against the working directory.
Secrets are accepted only from the environment, never from a file that might be committed.
"""

from __future__ import annotations

import os
import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from pipeline.errors import ConfigError

ENV_PREFIX = "UNIONWATCH_"
DEFAULT_CONFIG = Path("config/unionwatch.toml")
PROJECT = Path(__file__).resolve().parent.parent  # the checkout: shipped topics and baseline live here
SECRET_KEYS = frozenset({"smtp_password"})
PATH_KEYS = (
    "feeds",
    "data_dir",
    "digests_dir",
    "templates_dir",
    "smtp_password_file",
    "smtp_ca_file",
    "topics",
    "baseline_dir",
)


class FetchSettings(BaseModel):
    """Politeness and robustness limits of the HTTP layer."""

    concurrency: int = Field(100, ge=1, le=512, description="requests in flight at once, all hosts together")
    per_host: int = Field(4, ge=1, le=64, description="requests in flight at once to one host")
    connect_timeout: float = Field(10.0, gt=0, description="seconds to open a connection")
    read_timeout: float = Field(30.0, gt=0, description="seconds between two chunks of a body")
    deadline: float = Field(90.0, gt=0, description="seconds for one whole request, body included")
    crawl_deadline: float = Field(
        1800.0, gt=0, description="seconds a whole crawl may take; the feeds and articles left wait for the next run"
    )
    max_bytes: int = Field(10_000_000, ge=1024, description="largest body accepted, after decompression")
    retries: int = Field(3, ge=0, le=10, description="retries on connection errors, 5xx and 429")
    backoff: float = Field(1.0, ge=0, description="first retry delay in seconds; doubles, with jitter")
    max_retry_after: float = Field(120.0, ge=0, description="longest Retry-After honoured within one run")
    max_redirects: int = Field(5, ge=0, le=20)
    failure_backoff: float = Field(900.0, ge=0, description="seconds before a failed feed is tried again")
    failure_backoff_max: float = Field(86400.0, ge=0, description="longest wait for a failing feed")


class ExtractSettings(BaseModel):
    """Full-text stage: when the feed's own text is enough, when to look again for edits, how many workers."""

    enabled: bool = Field(True, description="fetch and extract the article behind every new item")
    min_feed_text: int = Field(800, ge=0, description="characters of feed full text that make a page fetch needless")
    workers: int = Field(
        2,
        ge=0,
        le=32,
        description="worker processes, started once a crawl has more than 48 jobs (0: all in this process)",
    )
    max_attempts: int = Field(3, ge=1, description="tries before an article that fails to fetch is left alone")
    recheck_hours: float = Field(6.0, ge=0, description="fetch young articles again after this long, to see edits")
    recheck_days: float = Field(3.0, ge=0, description="articles older than this are not checked for edits")
    cluster_days: float = Field(7.0, gt=0, description="how far back to look for other copies of a story")


def _check_address(address: str) -> None:
    """A bare address (name@domain), the only form a recipient list holds: a CR/LF would let a setting write
    mail headers, and a display name with a comma splits into two broken recipients."""
    from email.utils import parseaddr

    local, _, domain = address.rpartition("@")
    if (
        not local
        or not domain
        or any(c in address for c in ' ,;<>"()[]\\')
        or any(ord(c) < 32 or ord(c) == 127 for c in address)
        or parseaddr(address) != ("", address)
    ):
        raise ValueError(f"{address!r} is not an e-mail address (name@domain, no display name)")


class Settings(BaseSettings):
    """Everything UnionWatch can be told; `unionwatch config show` prints the effective values."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    config_file: Path | None = Field(None, description="the file these settings came from, if any")
    feeds: Path = Field(Path("config/feeds.toml"), description="feeds file, .toml or .opml")
    data_dir: Path = Field(Path("data"), description="database, lock and state files")
    digests_dir: Path = Field(Path("digests"), description="the digest archive")
    templates_dir: Path | None = Field(None, description="a folder whose templates override the built-in ones")
    topics: Path = Field(PROJECT / "config" / "topics.toml", description="topic definitions")
    baseline_dir: Path = Field(PROJECT / "baseline", description="the baseline record and the weights built from it")
    database_url: str = Field("", description="SQLAlchemy URL; empty means SQLite in data_dir")
    contact: str = Field("unionwatch@localhost", description="contact address sent in the User-Agent")
    timezone: str = Field("Europe/Minsk", description="time zone of the weekly windows")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    allow_private_urls: bool = Field(False, description="allow article links to private/loopback addresses")
    fetch: FetchSettings = Field(default_factory=FetchSettings)
    extract: ExtractSettings = Field(default_factory=ExtractSettings)

    mail_transport: Literal["auto", "smtp", "file"] = Field(
        "auto", description="auto: SMTP when smtp_host is set, else .eml files in data_dir/outbox"
    )
    smtp_host: str = ""
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "tls"] = "starttls"
    smtp_user: str = ""
    smtp_password: SecretStr | None = Field(None, description="only from UNIONWATCH_SMTP_PASSWORD")
    smtp_password_file: Path | None = Field(None, description="a file holding the password (a secrets mount)")
    smtp_ca_file: Path | None = Field(None, description="CA certificates to trust for the SMTP server")
    smtp_timeout: float = Field(30.0, gt=0)
    mail_from: str = "unionwatch@localhost"
    mail_to: Annotated[list[str], NoDecode] = Field(default_factory=list)
    mail_quiet_weeks: bool = Field(
        True, description="mail a week without stories as a short note (baseline, feed health); false: file it only"
    )
    digest_weekday: int = Field(0, ge=0, le=6, description="0 = Monday: from this day the past week is due")
    digest_hour: int = Field(7, ge=0, le=23, description="local hour from which the past week's digest is due")
    schedule_crawl: str = Field("0 */3 * * *", description="crontab expression (in `timezone`) for `schedule`'s crawl")
    schedule_digest: str = Field("0 7 * * 1", description="crontab expression for building and sending the digest")
    schedule_retrain: str = Field(
        "30 6 * * 1", description="crontab expression for retraining the learned model on new corrections"
    )
    misfire_grace: int = Field(6 * 3600, ge=1, description="seconds a missed scheduled run may still start late")
    story_meaning: Literal["auto", "on", "off"] = Field(
        "auto",
        description="match stories by the meaning of their leads too (the optional extra 'meaning'): auto uses it "
        "when installed",
    )

    @field_validator("mail_to", mode="before")
    @classmethod
    def _split_recipients(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("smtp_user")
    @classmethod
    def _no_password_in_clear(cls, value: str, info: ValidationInfo) -> str:
        if value and info.data.get("smtp_security") == "none":
            raise ValueError(
                "a login with smtp_security = none would send the password in clear text; use starttls or tls"
            )
        return value

    @field_validator("mail_to")
    @classmethod
    def _recipients(cls, value: list[str]) -> list[str]:
        for address in value:
            _check_address(address)
        return value

    @field_validator("mail_from")
    @classmethod
    def _sender(cls, value: str) -> str:
        """A display name is fine here ("UnionWatch <uw@desk.example>"); a line break is not."""
        from email.utils import parseaddr

        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise ValueError(f"{value!r} holds a line break or control character")
        _check_address(parseaddr(value)[1] or value)
        return value

    @field_validator("schedule_crawl", "schedule_digest", "schedule_retrain")
    @classmethod
    def _cron(cls, value: str) -> str:
        from pipeline.cron import cron_trigger

        cron_trigger(value, "UTC")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    def smtp_secret(self) -> str | None:
        """The SMTP password: UNIONWATCH_SMTP_PASSWORD, else the first line of UNIONWATCH_SMTP_PASSWORD_FILE."""
        if self.smtp_password is not None:
            return self.smtp_password.get_secret_value()
        if self.smtp_password_file is None:
            return None
        try:
            return self.smtp_password_file.read_text(encoding="utf-8").splitlines()[0].strip()
        except (OSError, IndexError) as exc:
            raise ConfigError(f"config: smtp_password_file {self.smtp_password_file}: cannot read a password") from exc

    @property
    def transport(self) -> Literal["smtp", "file"]:
        if self.mail_transport == "auto":
            return "smtp" if self.smtp_host else "file"
        return self.mail_transport

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'unionwatch.db').resolve()}"

    @property
    def user_agent(self) -> str:
        from pipeline import __version__

        return f"UnionWatch/{__version__} (+{self.contact})"

    def masked(self) -> dict[str, Any]:
        """The effective settings as plain data, secrets and URL passwords replaced by ***."""
        data = self.model_dump(mode="json")
        for key in SECRET_KEYS:
            if data.get(key):
                data[key] = "***"
        data["database_url"] = _mask_url_password(self.db_url)
        return data

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, _TomlSource(settings_cls)


_current_file: ContextVar[tuple[Path, dict[str, Any]] | None] = ContextVar("_current_file", default=None)


class _TomlSource(PydanticBaseSettingsSource):
    """Feeds the already-parsed TOML table to pydantic, with relative paths made absolute."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        raise NotImplementedError  # __call__ is overridden; pydantic-settings never calls this then

    def __call__(self) -> dict[str, Any]:
        current = _current_file.get()
        if current is None:
            return {}
        path, data = current
        data = dict(data)
        for key in PATH_KEYS:
            value = data.get(key)
            if isinstance(value, str) and value and not Path(value).expanduser().is_absolute():
                data[key] = str((path.parent / value).resolve())
        if isinstance(data.get("database_url"), str) and data["database_url"].startswith("sqlite:///"):
            tail = data["database_url"][len("sqlite:///") :]
            if tail and not tail.startswith("/") and tail != ":memory:":
                data["database_url"] = "sqlite:///" + str((path.parent / tail).resolve())
        data["config_file"] = str(path.resolve())
        return data


def config_path(explicit: str | Path | None, environ: dict[str, str] | None = None) -> Path | None:
    """Which config file applies: --config, else UNIONWATCH_CONFIG, else ./config/unionwatch.toml if present,
    else the checkout's own: run from another folder, feeds, data and topics all come from one place (the feeds
    and data resolved against the working folder while the topics came from the checkout)."""
    env = os.environ if environ is None else environ
    if explicit:
        return Path(explicit)
    if env.get(ENV_PREFIX + "CONFIG"):
        return Path(env[ENV_PREFIX + "CONFIG"])
    for candidate in (DEFAULT_CONFIG, PROJECT / DEFAULT_CONFIG):
        if candidate.is_file():
            return candidate
    return None


def load_settings(path: str | Path | None = None, **overrides: Any) -> Settings:
    """Read the config file (if any) and the environment; raise ConfigError with file and key on bad input."""
    file = config_path(path)
    data: dict[str, Any] = {}
    if file is not None:
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"config: {file}: no such file") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config: {file}: not valid TOML: {exc}") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config: {file}: cannot read: {exc}") from exc
        for key in SECRET_KEYS & data.keys():
            raise ConfigError(
                f"config: {file}: key '{key}': secrets are read only from the environment "
                f"({ENV_PREFIX}{key.upper()}), remove it from the file"
            )
    token = _current_file.set((file, data) if file is not None else None)
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, file, data)) from exc
    finally:
        _current_file.reset(token)


def _describe(exc: ValidationError, file: Path | None, data: dict[str, Any]) -> str:
    err = exc.errors()[0]
    key = ".".join(str(part) for part in err["loc"])
    top = str(err["loc"][0]) if err["loc"] else ""
    env_name = ENV_PREFIX + key.upper().replace(".", "__")
    if file is not None and top in data and env_name not in os.environ:
        where = str(file)
    elif env_name in os.environ or (ENV_PREFIX + top.upper()) in os.environ:
        where = "environment " + (env_name if env_name in os.environ else ENV_PREFIX + top.upper())
    else:
        where = str(file) if file is not None else "settings"
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        msg = "unknown key"
    return f"config: {where}: key '{key}': {msg}{more}"


def _mask_url_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is shown as the user wrote it, minus nothing secret we can find
        return url
