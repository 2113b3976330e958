from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator, Awaitable, Callable

import pytest

from fake_telegram import FakeTelegramServer
from tests.e2e.harness import TOKEN, BotProcess, bot_env, wait_outbox_settled
from tests.e2e.staffed import Staffed, running, setup_staffed

pytestmark = pytest.mark.e2e


@pytest.fixture
async def fake_server_factory() -> AsyncIterator[Callable[..., Awaitable[FakeTelegramServer]]]:
    servers: list[FakeTelegramServer] = []

    async def start(port: int = 0) -> FakeTelegramServer:
        server = FakeTelegramServer(token=TOKEN, bot_username="kesu_test_bot")
        await server.start(port=port)
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()


@pytest.fixture
async def fake_server(fake_server_factory) -> FakeTelegramServer:
    return await fake_server_factory()


@dataclass
class Running:
    server: FakeTelegramServer
    bot: BotProcess
    database_url: str

    async def restart(self, kill: bool = True) -> None:
        """Stops the bot (SIGKILL by default) and starts it again on the same database."""
        polls_before = self.getupdates_calls()
        if kill:
            self.bot.kill()
        else:
            await self.bot.stop_async()
        self.bot.start()
        await self.server.wait_for(lambda: self.getupdates_calls() > polls_before, timeout=30)

    async def wait_outbox_settled(self, timeout: float = 30) -> None:
        await wait_outbox_settled(self.database_url, timeout)

    def getupdates_calls(self) -> int:
        return sum(1 for call in self.server.calls if call[0] == "getUpdates")


@pytest.fixture
async def kesu(fake_server: FakeTelegramServer, tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Running]:
    """The fake server and the real bot process polling it, on a fresh SQLite file."""
    overrides = getattr(request, "param", {}) or {}
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'kesu.db'}"
    bot = BotProcess(tmp_path, bot_env(fake_server.base_url, database_url, **overrides))
    bot.start()
    running = Running(fake_server, bot, database_url)
    try:
        # Generous: importing aiogram alone takes seconds of CPU, far more on a busy machine.
        await fake_server.wait_for(lambda: running.getupdates_calls() > 0, timeout=90)
        yield running
    finally:
        if bot.process and bot.process.poll() is None:
            await bot.stop_async()
        assert TOKEN not in bot.log_text(), "the bot token leaked into the log"


@pytest.fixture(params=[True, False], ids=["forum", "plain"])
async def staffed(request: pytest.FixtureRequest, fake_server, tmp_path: Path) -> AsyncIterator[Staffed]:
    async with running(setup_staffed(fake_server, tmp_path, forum=request.param)) as desk:
        yield desk


@pytest.fixture
async def timed(fake_server, tmp_path: Path) -> AsyncIterator[tuple[Staffed, Path]]:
    """A forum desk whose bot reads its clock offset from a file the test moves."""
    clock_file = tmp_path / "clock-offset"
    clock_file.write_text("0")
    env = {"CLOCK_OFFSET_FILE": str(clock_file), "DEADLINE_POLL_SECONDS": "0.2"}
    async with running(setup_staffed(fake_server, tmp_path, forum=True, env=env)) as desk:
        yield desk, clock_file
