"""Runs the unchanged run_bot.py as a child process against the fake Bot API server."""
from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:TEST-TOKEN"


class BotProcess:
    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env
        self.log_path = workdir / "bot.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._log_file: Any = None

    def start(self, **extra_env: str) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        env = {**os.environ, **self.env, **extra_env}
        env.pop("TEST_POSTGRES_URL", None)
        self._log_file = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "run_bot.py")],
            cwd=self.workdir,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, like a power cut."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log_file.close()

    def stop(self, timeout: float = 15) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_file.close()
        return self.process.returncode

    async def stop_async(self, timeout: float = 15) -> int:
        """stop() off the event loop: the fake server on this loop must keep answering the
        bot while it shuts down."""
        return await asyncio.to_thread(self.stop, timeout)

    async def wait_exit(self, timeout: float = 90) -> int:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while self.process.poll() is None:
            if time.monotonic() > deadline:
                self.process.kill()  # the test fails; the process must not outlive it
                self.process.wait()
                raise TimeoutError(f"bot still running after {timeout}s; log:\n{self.log_text()[-3000:]}")
            await asyncio.sleep(0.05)
        return self.process.returncode

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def log_records(self) -> list[dict[str, Any]]:
        records = []
        for line in self.log_text().splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                records.append({"msg": line})
        return records

    async def wait_for_log(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 20, count: int = 1) -> list[dict[str, Any]]:
        """Waits until `count` log records satisfy the predicate (the log is a file: re-read it)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [r for r in self.log_records() if predicate(r)]
            if len(found) >= count:
                return found
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"bot exited with {self.process.returncode}; log:\n{self.log_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"log condition not met in {timeout}s; log:\n{self.log_text()[-3000:]}")
            await asyncio.sleep(0.05)


def free_port() -> int:
    """A port nothing listens on now, for a server the test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bot_env(api_base: str, database_url: str, **overrides: str) -> dict[str, str]:
    env = {
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE": api_base,
        "DATABASE_URL": database_url,
        "POLLING_TIMEOUT_SECONDS": "5",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
        # Conversations in tests are quick; the rate-limit test sets Telegram's real figures.
        "SEND_PER_CHAT_PER_SECOND": "50",
        "SEND_PER_CHAT_BURST": "20",
        "SEND_PER_GROUP_PER_MINUTE": "1200",
        "SEND_PER_GROUP_BURST": "20",
    }
    env.update(overrides)
    return env


async def wait_outbox_settled(database_url: str, timeout: float = 30) -> None:
    """Waits until the bot has recorded every outbox row as sent or failed.

    A message Telegram accepted in the instant before a crash, and not yet recorded,
    would be sent again after the restart: tests that kill on purpose wait for this.
    """
    import sqlite3

    path = database_url.split("///", 1)[1]

    def pending() -> int:
        with sqlite3.connect(path) as connection:
            return connection.execute("SELECT count(*) FROM outbox WHERE status = 'pending'").fetchone()[0]

    deadline = time.monotonic() + timeout
    while pending():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{pending()} outbox rows still pending after {timeout}s")
        await asyncio.sleep(0.05)
