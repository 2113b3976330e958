"""Deployment settings from the environment and a .env file."""
from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.startup import DEFAULT_STEP_TIMEOUT, STEPS
from core.locale import SUPPORTED_LOCALES

_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr
    handler_chat_id: int | None = None
    database_url: str = "sqlite+aiosqlite:///./data/kesu.db"
    telegram_api_base: str = "https://api.telegram.org"
    timezone: str = "Asia/Shanghai"
    default_locale: str = "en"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # The deployment's TOML file (categories, reference fields...); see kesu.example.toml.
    config_file: Path | None = None
    # Whose public holidays and adjusted working days count for business time.
    holiday_region: Literal["CN", "HK", "TW"] = "CN"

    # Outgoing message limits. Any window of T seconds holds at most burst + rate * T
    # messages, so the defaults stay within Telegram's ~1/s per chat, 20/min per group
    # and 30/s overall.
    send_per_chat_per_second: float = Field(1.0, gt=0)
    send_per_chat_burst: int = Field(3, ge=1)
    send_per_group_per_minute: float = Field(19.0, gt=0)
    send_per_group_burst: int = Field(1, ge=1)
    send_global_per_second: float = Field(25.0, gt=0)
    # 25 a second with a burst of 2: at most 27 in any second, a margin under Telegram's 30 for
    # calls that leave 40 ms apart and arrive closer together.
    send_global_burst: int = Field(2, ge=1)
    send_max_attempts: int = Field(12, ge=1)
    send_backoff_cap_seconds: float = Field(300.0, gt=0)
    # How often due deadlines are looked for.
    deadline_poll_seconds: float = Field(5.0, gt=0)
    # A group whose queued messages take at least this long to post is told (at most every 10 minutes).
    backlog_notice_minutes: float = Field(5.0, gt=0)
    backlog_check_seconds: float = Field(30.0, gt=0)
    # A second process that only acts on due deadlines (no polling, no sending): its
    # messages are sent by the main process, which finds them in the outbox.
    deadline_worker_only: bool = False
    # Several instances share one PostgreSQL database (behind webhooks): outbox lanes are
    # claimed with a lease and Telegram's budgets are kept in the database for all of them.
    shared_database: bool = False
    # Tests and demos only: a file holding seconds to add to the real time.
    clock_offset_file: Path | None = None
    # Long-poll wait per getUpdates call.
    polling_timeout_seconds: int = Field(25, ge=0, le=50)
    # Webhook mode instead of polling: the public URL Telegram POSTs updates to, the secret
    # it sends with each (letters, digits, _ and -), where this process listens (behind a
    # reverse proxy doing TLS), and how many updates Telegram may have in flight at once.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = Field(8080, ge=1, le=65535)
    webhook_max_connections: int = Field(40, ge=1, le=100)
    # Start-up is bounded: each step's time limit (loading the code: 180 s), and limits for
    # named steps written "database-migrations=600,bot-identity=120". The first getUpdates
    # also gets the long-poll wait.
    startup_timeout_seconds: float = Field(DEFAULT_STEP_TIMEOUT, gt=0, allow_inf_nan=False)
    startup_step_timeouts: Annotated[dict[str, float], NoDecode] = {}

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not _TOKEN.match(value.get_secret_value()):
            raise ValueError("must look like 123456789:AA... (the token @BotFather gave you)")
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("telegram_api_base")
    @classmethod
    def _http_base(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://api.telegram.org")
        return value.rstrip("/")

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be the public https:// URL Telegram sends updates to")
        return value or None

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("must be 1 to 256 letters, digits, _ or - (Telegram's rule for secret_token)")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> "Settings":
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError("WEBHOOK_URL is set without WEBHOOK_SECRET; set a secret so that only Telegram can post updates")
        return self

    @model_validator(mode="after")
    def _shared_needs_postgres(self) -> "Settings":
        if self.shared_database and not self.database_url.startswith("postgresql+asyncpg://"):
            raise ValueError(
                "SHARED_DATABASE=true needs PostgreSQL: several instances cannot share a SQLite file; "
                "set DATABASE_URL=postgresql+asyncpg://... or run one instance without SHARED_DATABASE"
            )
        return self

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as Asia/Shanghai") from None
        return value

    @field_validator("startup_step_timeouts", mode="before")
    @classmethod
    def _step_timeouts(cls, value: object) -> object:
        if isinstance(value, str):
            items = [part.strip().partition("=")[::2] for part in value.split(",") if part.strip()]
        elif isinstance(value, dict):
            items = list(value.items())
        else:
            return value
        limits: dict[str, float] = {}
        for step, seconds in items:
            step = str(step).strip()
            if step not in STEPS:
                raise ValueError(f"{step!r} is not a start-up step; the steps are " + ", ".join(STEPS))
            try:
                limits[step] = float(seconds)
            except ValueError:
                raise ValueError(f"{step}: write step=seconds, e.g. database-migrations=600") from None
            if not (math.isfinite(limits[step]) and limits[step] > 0):
                raise ValueError(f"{step}: the seconds must be a number more than 0")
        return limits

    @field_validator("default_locale")
    @classmethod
    def _supported_locale(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise ValueError("must be one of " + ", ".join(SUPPORTED_LOCALES))
        return value


class ConfigurationError(Exception):
    """A setting is missing or invalid; the message is one plain line for the operator."""


NO_TOKEN_HELP = (
    "BOT_TOKEN is not set. Create a bot with @BotFather in Telegram (send /newbot), "
    "then put BOT_TOKEN=<the token> in a .env file next to run_bot.py or in the environment."
)


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "configuration"
        if name == "BOT_TOKEN" and first["type"] == "missing":
            raise ConfigurationError(NO_TOKEN_HELP) from None
        reason = first["msg"].removeprefix("Value error, ")
        if not first["loc"]:  # a rule between settings names them itself
            raise ConfigurationError(f"{reason}. Fix it in the environment or in .env (see README, Configuration).") from None
        raise ConfigurationError(
            f"{name} is invalid: {reason}. Fix it in the environment or in .env (see README, Configuration)."
        ) from None
