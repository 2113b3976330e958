"""Kill and restart, over and over: SIGKILL at random moments (during start-up steps, the
first migration included, and while five customers file complaints), and every restart
must reach getUpdates. A start that hangs, fails or crash-loops fails the test with the log
of that start.

KESU_RESTARTS sets how many restarts are checked (default 10) and KESU_RESTARTS_SEED the
random choices; the figures are printed (`-s`). A long run:
KESU_RESTARTS=300 python3 manage.py test tests/e2e/test_restarts.py -n 0 -s
"""
from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import sqlite3
import time
from pathlib import Path
from typing import Any, AsyncIterator

import pytest
from alembic.script import ScriptDirectory

from core.storage.migrate import alembic_config
from tests.e2e.staffed import Staffed, database_path, running, setup_staffed

RESTARTS = int(os.environ.get("KESU_RESTARTS", "10"))
SEED = int(os.environ.get("KESU_RESTARTS_SEED", "1"))
# From the end of loading the code to the first getUpdates: well under a second when
# healthy; the hang this guards against lasted minutes.
AFTER_CODE_SECONDS = 10.0
# The whole start, loading the code included (slow on a busy machine).
START_SECONDS = 120.0
# Steps a kill may interrupt; the migration is picked most often.
KILL_STEPS = ("database-connect", "database-migrations", "database-migrations", "catalogs", "bot-identity",
              "handler-group", "business-calendar", "command-menus", "webhook-removal", "first-getupdates")
FILING = ("/new", "Product quality", "The kettle arrived broken; water leaks from the base.", "Done", "skip", "skip",
          "confirm", "refund", "submit", "/status")


class StartLog:
    """The records one start wrote to the bot's log (which every start appends to)."""

    def __init__(self, path: Path) -> None:
        self.path, self.offset = path, path.stat().st_size if path.exists() else 0

    def records(self) -> list[dict[str, Any]]:
        with self.path.open("rb") as log:
            log.seek(self.offset)
            lines = log.read().decode("utf-8", errors="replace").splitlines()
        return [json.loads(line) if line.startswith("{") else {"msg": line} for line in lines]

    def text(self) -> str:
        return "\n".join(json.dumps(r, ensure_ascii=False)[:400] for r in self.records())[-6000:]

    def find(self, prefix: str = "", **fields: Any) -> dict[str, Any] | None:
        """The first record holding `fields` whose message starts with `prefix`."""
        return next((r for r in self.records() if str(r.get("msg", "")).startswith(prefix)
                     and all(r.get(k) == v for k, v in fields.items())), None)


class Restarts:
    def __init__(self, desk: Staffed) -> None:
        self.desk, self.server, self.bot = desk, desk.server, desk.bot
        self.random = random.Random(SEED)
        self.after_code: list[float] = []
        self.whole: list[float] = []
        self.kills = {"start-up": 0, "serving": 0}

    def polls(self) -> int:
        return sum(1 for call in self.server.calls if call[0] == "getUpdates")

    async def until(self, log: StartLog, predicate, what: str, timeout: float) -> None:
        """Waits for the start to get somewhere; a start that exits or stalls fails the test."""
        exited = lambda: self.bot.process.poll() is not None  # noqa: E731
        try:
            await self.server.wait_for(lambda: predicate() or exited(), timeout=timeout, description=what)
        except TimeoutError:
            raise AssertionError(f"no {what} within {timeout:g} s; this start's log:\n{log.text()}") from None
        assert not exited(), f"the bot exited ({self.bot.process.returncode}) before {what}; its log:\n{log.text()}"

    async def wait_log(self, log: StartLog, what: str, **fields: Any) -> None:
        deadline = time.monotonic() + START_SECONDS
        while log.find(**fields) is None:
            assert self.bot.process.poll() is None, f"the bot exited before {what}; its log:\n{log.text()}"
            assert time.monotonic() < deadline, f"no {what} within {START_SECONDS:g} s; this start's log:\n{log.text()}"
            await asyncio.sleep(0.01)  # the log is a file: read it again

    async def start_and_kill_in(self, step: str, line: dict[str, Any]) -> None:
        log = StartLog(self.bot.log_path)
        self.bot.start()
        await self.wait_log(log, f"start-up step {step}", **line)
        self.bot.kill()
        self.kills["start-up"] += 1

    async def start_checked(self) -> None:
        """Starts the bot and waits for its first getUpdates, measuring the start."""
        log, began = StartLog(self.bot.log_path), time.monotonic()
        self.bot.start()
        await self.wait_log(log, "the code loaded", msg="start-up step done", step="code")
        loaded, first = time.monotonic(), len(self.server.calls)
        # Calls from now on are this process's: the killed one's last requests, which the
        # server may read after the kill, were read while this one loaded its code.
        polled = lambda: any(call.method == "getUpdates" for call in self.server.calls[first:])  # noqa: E731
        await self.until(log, polled, "getUpdates after the code loaded", AFTER_CODE_SECONDS)
        self.after_code.append(time.monotonic() - loaded)
        self.whole.append(time.monotonic() - began)

    async def kill_while_serving(self) -> None:
        """Kills at the N-th Bot API call from now (N random) while the customers file."""
        mark = len(self.server.calls) + self.random.randint(1, 40)
        await self.server.wait_for(lambda: len(self.server.calls) >= mark, timeout=START_SECONDS)
        self.bot.kill()
        self.kills["serving"] += 1

    async def cycle(self) -> None:
        if self.random.random() < 1 / 3:
            step = self.random.choice(KILL_STEPS)
            await self.start_and_kill_in(step, {"msg": "start-up step", "step": step})
        await self.start_checked()
        await self.kill_while_serving()


async def customer(desk: Staffed, user, stop: asyncio.Event) -> None:
    """Files complaints over and over, one input per answer; an answer lost to a kill is
    not waited for long (the next input goes anyway, as an impatient customer's would)."""
    server = desk.server
    for n in itertools.count():
        if stop.is_set():
            return
        text = FILING[n % len(FILING)]
        answered = server.cursor(user.chat_id)
        keyboards = [m for m in server.bot_messages(user.chat_id) if (m.get("reply_markup") or {}).get("inline_keyboard")]
        buttons = [b for row in keyboards[-1]["reply_markup"]["inline_keyboard"] for b in row] if keyboards else []
        button = next((b for b in buttons if b["text"] == text), None)
        if button is not None:
            user.press_button(keyboards[-1]["message_id"], button["callback_data"])
        elif text.startswith("/"):
            user.send_command(text)
        else:
            user.send_text(text)
        try:
            await server.wait_for(lambda: server.cursor(user.chat_id) > answered or stop.is_set(), timeout=5)
        except TimeoutError:
            pass


@pytest.fixture
async def desk(fake_server, tmp_path: Path) -> AsyncIterator[Staffed]:
    # Customers here type faster than people: no rate limit gets in the way.
    desk = setup_staffed(fake_server, tmp_path, forum=True, env={"POLLING_TIMEOUT_SECONDS": "1"},
                         sections="[abuse]\nmessages_per_minute = 100000\n")
    yield desk
    if desk.bot.process is not None and desk.bot.process.poll() is None:
        await desk.bot.stop_async()


@pytest.mark.timeout(300 + 60 * RESTARTS)
async def test_every_restart_after_a_kill_reaches_getupdates(desk: Staffed) -> None:
    restarts = Restarts(desk)
    server = desk.server
    # The very first start is killed inside its first migration.
    await restarts.start_and_kill_in("database-migrations", {"prefix": "Running upgrade 0001 -> 0002"})
    users = [server.create_user(first_name=f"Filer{n}", language_code="en") for n in range(5)]
    stop = asyncio.Event()
    customers = [asyncio.create_task(customer(desk, user, stop)) for user in users]
    try:
        for _ in range(RESTARTS - 1):
            await restarts.cycle()
        await restarts.start_checked()
    finally:
        stop.set()
        await asyncio.gather(*customers)

    # The last start serves: every customer is answered.
    updates = {user.send_command("/help")["update_id"] for user in users}
    answers = await desk.bot.wait_for_log(lambda r: r.get("msg") == "update" and r.get("update_id") in updates, timeout=60, count=5)
    assert {r["outcome"] for r in answers} == {"handled"}
    with sqlite3.connect(database_path(desk)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        [(version,)] = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        filed = connection.execute("SELECT count(*) FROM cases").fetchone()[0]
    assert version == ScriptDirectory.from_config(alembic_config()).get_current_head()
    print(
        f"\nrestarts checked: {len(restarts.after_code)}, kills during start-up: {restarts.kills['start-up'] + 1}, "
        f"while serving: {restarts.kills['serving']}, cases filed: {filed}; slowest from loaded code to getUpdates: "
        f"{max(restarts.after_code):.2f} s, slowest whole start: {max(restarts.whole):.1f} s, median whole start: "
        f"{sorted(restarts.whole)[len(restarts.whole) // 2]:.1f} s"
    )
