import pytest

from bot.settings import ConfigurationError, load_settings

TOKEN = "123456:ABCdef_ghi-jkl"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("BOT_TOKEN", "HANDLER_CHAT_ID", "DATABASE_URL", "TELEGRAM_API_BASE", "TIMEZONE", "DEFAULT_LOCALE", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///./data/kesu.db"
    assert settings.telegram_api_base == "https://api.telegram.org"
    assert (settings.timezone, settings.default_locale, settings.log_level) == ("Asia/Shanghai", "en", "INFO")
    assert TOKEN not in repr(settings) and TOKEN not in str(settings)


def test_dotenv_file_is_read(tmp_path) -> None:
    (tmp_path / ".env").write_text(f"BOT_TOKEN={TOKEN}\nHANDLER_CHAT_ID=-1001234\nDEFAULT_LOCALE=zh_Hant\n")
    settings = load_settings()
    assert (settings.handler_chat_id, settings.default_locale) == (-1001234, "zh_Hant")


def test_missing_token_explains_how_to_get_one() -> None:
    with pytest.raises(ConfigurationError, match="@BotFather.*BOT_TOKEN=") as error:
        load_settings()
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BOT_TOKEN", "not a token"),
        ("HANDLER_CHAT_ID", "group"),
        ("DATABASE_URL", "mysql://localhost/kesu"),
        ("TELEGRAM_API_BASE", "ftp://example"),
        ("TIMEZONE", "Mars/Olympus"),
        ("DEFAULT_LOCALE", "fr"),
        ("LOG_LEVEL", "LOUD"),
    ],
)
def test_invalid_values_name_the_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as error:
        load_settings()
    message = str(error.value)
    assert message.startswith(f"{name} is invalid:") and "\n" not in message
    assert "not a token" not in message  # a bad token is not echoed either


def test_start_up_limits_default_to_a_minute_a_step(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.delenv("STARTUP_TIMEOUT_SECONDS", raising=False)
    monkeypatch.delenv("STARTUP_STEP_TIMEOUTS", raising=False)
    settings = load_settings()
    assert (settings.startup_timeout_seconds, settings.startup_step_timeouts) == (60.0, {})


def test_start_up_limits_per_step(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("STARTUP_TIMEOUT_SECONDS", "20")
    monkeypatch.setenv("STARTUP_STEP_TIMEOUTS", "database-migrations=600, bot-identity=2.5,")
    settings = load_settings()
    assert settings.startup_timeout_seconds == 20
    assert settings.startup_step_timeouts == {"database-migrations": 600, "bot-identity": 2.5}


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("warm-up=5", "'warm-up' is not a start-up step; the steps are settings, deployment-file"),
        ("catalogs", "catalogs: write step=seconds"),
        ("catalogs=soon", "catalogs: write step=seconds"),
        ("catalogs=0", "catalogs: the seconds must be a number more than 0"),
        ("catalogs=inf", "catalogs: the seconds must be a number more than 0"),
    ],
)
def test_bad_start_up_limits_name_the_variable_and_the_step(monkeypatch: pytest.MonkeyPatch, value: str, reason: str) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("STARTUP_STEP_TIMEOUTS", value)
    with pytest.raises(ConfigurationError) as error:
        load_settings()
    assert str(error.value).startswith(f"STARTUP_STEP_TIMEOUTS is invalid: {reason}")


def test_webhook_mode_is_off_unless_a_url_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    for name in ("WEBHOOK_URL", "WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.webhook_url is None and (settings.webhook_host, settings.webhook_port, settings.webhook_max_connections) == ("127.0.0.1", 8080, 40)
    monkeypatch.setenv("WEBHOOK_URL", "https://desk.example.com/telegram")
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret-_X")
    settings = load_settings()
    assert settings.webhook_url == "https://desk.example.com/telegram" and settings.webhook_secret.get_secret_value() == "s3cret-_X"


def test_a_webhook_without_a_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("WEBHOOK_URL", "https://desk.example.com/telegram")
    monkeypatch.delenv("WEBHOOK_SECRET", raising=False)
    with pytest.raises(ConfigurationError) as error:
        load_settings()
    assert str(error.value).startswith("WEBHOOK_URL is set without WEBHOOK_SECRET; set a secret so that only Telegram can post updates. Fix it")


@pytest.mark.parametrize(("name", "value", "reason"), [
    ("WEBHOOK_SECRET", "has spaces", "must be 1 to 256 letters, digits, _ or -"),
    ("WEBHOOK_URL", "desk.example.com/telegram", "must be the public https:// URL Telegram sends updates to"),
])
def test_bad_webhook_settings_name_the_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str, reason: str) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("WEBHOOK_URL", "https://desk.example.com/telegram")
    monkeypatch.setenv("WEBHOOK_SECRET", "fine")
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as error:
        load_settings()
    assert str(error.value).startswith(f"{name} is invalid: {reason}")


def test_several_instances_on_sqlite_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SHARED_DATABASE", "true")
    monkeypatch.setenv("DATABASE_URL", "sqlite+aiosqlite:///./data/kesu.db")
    with pytest.raises(ConfigurationError) as error:
        load_settings()
    assert str(error.value).startswith("SHARED_DATABASE=true needs PostgreSQL")
    assert "\n" not in str(error.value)
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://kesu@db/kesu")
    assert load_settings().shared_database is True
