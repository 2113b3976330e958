"""Start-up behaviour of the real process: configuration errors, bad token, unreachable API,
and steps that fail or never finish."""
from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
from datetime import datetime

import pytest

from bot.startup import EXIT_FAILED, EXIT_STALLED, STEPS
from core.storage.db import create_engine
from core.storage.migrate import migrate
from tests.e2e.harness import ROOT, TOKEN, BotProcess, bot_env


def run_once(tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in __import__("os").environ.items() if k not in ("BOT_TOKEN", "TEST_POSTGRES_URL")}
    return subprocess.run(
        [sys.executable, str(ROOT / "run_bot.py")], cwd=tmp_path, env={**clean, **env}, capture_output=True, text=True, timeout=60
    )


def test_no_token_says_how_to_get_one(tmp_path) -> None:
    result = run_once(tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    assert "@BotFather" in result.stderr and "BOT_TOKEN=" in result.stderr


def test_invalid_setting_is_one_plain_line_naming_it(tmp_path) -> None:
    result = run_once(tmp_path, BOT_TOKEN=TOKEN, TIMEZONE="Asia/Atlantis")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("TIMEZONE is invalid:")
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr


async def test_rejected_token_exits_with_code_2(tmp_path, fake_server) -> None:
    fake_server.set_unauthorized(True)
    bot = BotProcess(tmp_path, bot_env(fake_server.base_url, f"sqlite+aiosqlite:///{tmp_path}/k.db"))
    bot.start()
    assert await bot.wait_exit() == 2
    assert "BOT_TOKEN was rejected" in bot.log_text() and "Traceback" not in bot.log_text()
    assert TOKEN not in bot.log_text()


async def test_unreachable_api_is_retried_with_backoff_until_it_comes_up(tmp_path, fake_server_factory) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bot = BotProcess(tmp_path, bot_env(f"http://127.0.0.1:{port}", f"sqlite+aiosqlite:///{tmp_path}/k.db"))
    bot.start()
    try:
        retries = await bot.wait_for_log(lambda r: r.get("msg") == "cannot reach the Bot API; retrying", count=3, timeout=90)
        assert retries[0]["api"] == f"http://127.0.0.1:{port}"
        assert retries[2]["retry_in_s"] > retries[0]["retry_in_s"]  # backing off, not a tight loop
        assert bot.process.poll() is None
        server = await fake_server_factory(port=port)
        await bot.wait_for_log(lambda r: r.get("msg") == "connected to the Bot API", timeout=60)
        user = server.create_user(first_name="Late", language_code="en")
        cursor = server.cursor(user.chat_id)
        user.send_command("/start")
        [greeting] = await server.wait_for_messages(user.chat_id, 1, after=cursor, timeout=20)
        assert greeting["text"].startswith("Hello, Late!")
    finally:
        await bot.stop_async()
    assert TOKEN not in bot.log_text()


def test_a_bad_deployment_file_names_the_key(tmp_path) -> None:
    (tmp_path / "kesu.toml").write_text('[intake]\nmin_statement_length = 0\n', encoding="utf-8")
    result = run_once(tmp_path, BOT_TOKEN=TOKEN)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("kesu.toml: intake.min_statement_length:")
    assert result.stderr.strip().count("\n") == 0


def step_records(bot: BotProcess, step: str) -> tuple[dict, dict]:
    """The line that began `step` and the error line that ended the process in it."""
    records = bot.log_records()
    began = next(r for r in records if r.get("msg") == "start-up step" and r.get("step") == step)
    [error] = [r for r in records if r.get("level") == "ERROR"]
    return began, error


def seconds_between(first: dict, second: dict) -> float:
    return (datetime.fromisoformat(second["ts"]) - datetime.fromisoformat(first["ts"])).total_seconds()


async def test_a_bot_api_that_never_answers_getme_ends_the_start_naming_the_step(tmp_path, fake_server) -> None:
    fake_server.inject_fault("timeout", count=1000, method="getMe", hold=600)
    bot = BotProcess(tmp_path, bot_env(fake_server.base_url, f"sqlite+aiosqlite:///{tmp_path}/k.db", STARTUP_STEP_TIMEOUTS="bot-identity=3"))
    bot.start()
    assert await bot.wait_exit() == EXIT_STALLED
    began, error = step_records(bot, "bot-identity")
    assert error["step"] == "bot-identity" and error["timeout_s"] == 3
    assert error["msg"] == "start-up step 'bot-identity' did not finish within 3 s; exiting"
    assert 3 <= seconds_between(began, error) < 6
    assert "startup-watchdog" in error["stacks"]  # where every thread was, for the operator
    assert not any(c[0] == "getUpdates" for c in fake_server.calls)


def hold_write_lock(connection: sqlite3.Connection) -> None:
    connection.execute("BEGIN IMMEDIATE")


def hold_exclusive_lock(connection: sqlite3.Connection) -> None:
    # Readers are shut out too, as by a backup tool that locks the whole file.
    connection.execute("PRAGMA locking_mode=EXCLUSIVE")
    connection.execute("BEGIN EXCLUSIVE")
    connection.execute("SELECT count(*) FROM users").fetchall()


@pytest.mark.parametrize(
    ("hold", "step"),
    [(hold_write_lock, "database-migrations"), (hold_exclusive_lock, "database-connect")],
    ids=["write-lock", "exclusive-lock"],
)
async def test_a_database_locked_by_another_process_ends_the_start_naming_the_step(tmp_path, fake_server, hold, step: str) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/k.db"
    engine = create_engine(url)
    await migrate(engine)
    await engine.dispose()
    locker = sqlite3.connect(tmp_path / "k.db", isolation_level=None)
    try:
        hold(locker)
        bot = BotProcess(tmp_path, bot_env(fake_server.base_url, url, STARTUP_STEP_TIMEOUTS=f"{step}=2"))
        bot.start()
        assert await bot.wait_exit() == EXIT_STALLED
    finally:
        locker.close()
    began, error = step_records(bot, step)
    assert error["step"] == step and error["msg"].startswith(f"start-up step {step!r} did not finish within 2 s")
    assert 2 <= seconds_between(began, error) < 5
    assert not any(c[0] == "getMe" for c in fake_server.calls)


async def test_a_step_that_fails_is_named_and_the_process_exits_non_zero(tmp_path, fake_server) -> None:
    (tmp_path / "not-a-directory").write_text("")
    url = f"sqlite+aiosqlite:///{tmp_path}/not-a-directory/k.db"
    bot = BotProcess(tmp_path, bot_env(fake_server.base_url, url))
    bot.start()
    assert await bot.wait_exit() == EXIT_FAILED
    [error] = [r for r in bot.log_records() if r.get("level") == "ERROR"]
    assert error["step"] == "database-connect" and error["msg"].startswith("start-up step 'database-connect' failed: ")


async def test_each_start_up_step_is_logged_by_name(kesu) -> None:
    await kesu.bot.wait_for_log(lambda r: r.get("msg") == "started")
    records = kesu.bot.log_records()
    done = [r["step"] for r in records if r.get("msg") == "start-up step done"]
    # Polling: every step but the webhook's.
    assert done == [step for step in STEPS if step != "webhook-serving"]
    assert all(isinstance(r["ms"], int) for r in records if r.get("msg") == "start-up step done")
