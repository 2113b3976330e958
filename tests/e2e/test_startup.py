"""Start-up behaviour of the real process: configuration errors, bad token, unreachable API."""
from __future__ import annotations

import socket
import subprocess
import sys

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
        retries = await bot.wait_for_log(lambda r: r.get("msg") == "cannot reach the Bot API; retrying", count=3, timeout=30)
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
