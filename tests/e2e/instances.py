"""Several bot processes on one PostgreSQL database behind webhooks, with the fake server
delivering round robin over their URLs as a load balancer would."""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from fake_telegram import FakeTelegramServer
from tests.e2e.harness import BotProcess, bot_env, free_port
from tests.postgres_databases import create_database, drop_database

SECRET = "instances-secret_1"
PATH = "/telegram/updates"
# Telegram's real figures (the harness raises them for speed elsewhere).
REAL_LIMITS = {
    "SEND_PER_CHAT_PER_SECOND": "1", "SEND_PER_CHAT_BURST": "3",
    "SEND_PER_GROUP_PER_MINUTE": "19", "SEND_PER_GROUP_BURST": "1",
}


def plain_dsn(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass
class Cluster:
    server: FakeTelegramServer
    database_url: str
    instances: list[BotProcess] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)

    @classmethod
    def build(cls, server: FakeTelegramServer, root: Path, database_url: str, count: int, **env: str) -> "Cluster":
        cluster = cls(server, database_url)
        ports = [free_port() for _ in range(count)]
        public = f"http://127.0.0.1:{ports[0]}{PATH}"  # the load balancer's address: one URL for all
        for n, port in enumerate(ports):
            workdir = root / f"instance-{n}"
            workdir.mkdir(parents=True, exist_ok=True)
            instance_env = bot_env(
                server.base_url, database_url, SHARED_DATABASE="true", WEBHOOK_URL=public, WEBHOOK_SECRET=SECRET,
                WEBHOOK_PORT=str(port), WEBHOOK_MAX_CONNECTIONS="20", **env,
            )
            cluster.instances.append(BotProcess(workdir, instance_env))
            cluster.ports.append(port)
            cluster.starts.append(0)
        return cluster

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}{PATH}" for port in self.ports]

    async def start(self, n: int, timeout: float = 120) -> None:
        """Starts instance n and waits until it serves the webhook."""
        self.instances[n].start()
        self.starts[n] += 1
        await self.instances[n].wait_for_log(lambda r: r.get("msg") == "serving the webhook", timeout=timeout, count=self.starts[n])

    async def start_all(self, timeout: float = 180) -> None:
        await asyncio.gather(*(self.start(n, timeout) for n in range(len(self.instances))))
        webhook = await self.server.wait_for(lambda: self.server.bot.webhook, timeout=30)
        webhook.retry_seconds = 0.2
        webhook.set_targets(self.urls)

    def kill(self, n: int) -> None:
        self.instances[n].kill()

    async def stop_all(self) -> None:
        for instance in self.instances:
            if instance.process and instance.process.poll() is None:
                await instance.stop_async()


class Database:
    """Reads the shared database as the instances left it."""

    def __init__(self, database_url: str) -> None:
        self.dsn = plain_dsn(database_url)

    async def rows(self, sql: str, *args: Any) -> list[Any]:
        import asyncpg

        connection = await asyncpg.connect(self.dsn)
        try:
            return list(await connection.fetch(sql, *args))
        finally:
            await connection.close()

    async def value(self, sql: str, *args: Any) -> Any:
        rows = await self.rows(sql, *args)
        return rows[0][0] if rows else None

    async def wait_value(self, sql: str, *args: Any, timeout: float = 60) -> Any:
        """Waits until the query's first value is neither missing nor null."""
        deadline = time.monotonic() + timeout
        while (value := await self.value(sql, *args)) is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no value for {sql!r} in {timeout}s")
            await asyncio.sleep(0.1)
        return value

    async def wait_outbox_settled(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while pending := await self.value("SELECT count(*) FROM outbox WHERE status = 'pending'"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{pending} outbox rows still pending after {timeout}s")
            await asyncio.sleep(0.1)
