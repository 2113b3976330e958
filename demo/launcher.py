"""Starts the demo: the fake Bot API with the page beside it, and the unchanged run_bot.py against it.

    python -m demo [--port 8470] [--group-locale zh_Hans] [--dir data/demo]

Everything lives in one directory (database, deployment file, clock offset, the bot's log);
Ctrl-C stops the bot and the server. Reset stops the bot, empties the fake server and the
database and starts it again.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from demo.clock import DemoClock
from demo.desk import DemoDesk, build_desk, write_deployment
from demo.web import setup_web
from fake_telegram import FakeTelegramServer

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:DEMO-TOKEN"
REGION, ZONE = "CN", "Asia/Shanghai"
START_TIMEOUT_SECONDS = 180
# The bot's own settings that the demo decides; anything else set in the environment is left alone.
_DEMO_ENV = ("BOT_TOKEN", "TELEGRAM_API_BASE", "DATABASE_URL", "HANDLER_CHAT_ID", "CONFIG_FILE", "CLOCK_OFFSET_FILE",
             "HOLIDAY_REGION", "TIMEZONE", "DEADLINE_WORKER_ONLY")


class Demo:
    def __init__(self, workdir: Path, group_locale: str = "zh_Hans") -> None:
        self.workdir = workdir
        self.group_locale = group_locale
        self.server = FakeTelegramServer(token=TOKEN, bot_username="kesu_demo_bot", strict_html_ampersand=False)
        self.clock = DemoClock(workdir / "clock-offset", REGION, ZONE)
        self.desk: DemoDesk | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.ready = False
        self._resetting = asyncio.Lock()

    @property
    def url(self) -> str:
        return self.server.base_url + "/"

    @property
    def log_path(self) -> Path:
        return self.workdir / "bot.log"

    def bot_env(self) -> dict[str, str]:
        assert self.desk is not None
        env = {k: v for k, v in os.environ.items() if k not in _DEMO_ENV}
        env.update({
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE": self.server.base_url,
            "DATABASE_URL": f"sqlite+aiosqlite:///{self.workdir / 'kesu.db'}",
            "HANDLER_CHAT_ID": str(self.desk.group.id),
            "CONFIG_FILE": str(self.workdir / "kesu.toml"),
            "CLOCK_OFFSET_FILE": str(self.clock.path),
            "HOLIDAY_REGION": REGION,
            "TIMEZONE": ZONE,
            "DEADLINE_POLL_SECONDS": "1",
            "POLLING_TIMEOUT_SECONDS": "10",
            "PYTHONUNBUFFERED": "1",
            # One visitor clicking quickly: no need to pace the group at Telegram's 20 a minute.
            "SEND_PER_GROUP_PER_MINUTE": "600",
            "SEND_PER_GROUP_BURST": "10",
        })
        return env

    async def start(self, port: int = 0) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        await self.server.start(port=port, more_routes=lambda app: setup_web(app, self))
        await self._start_bot()

    async def _start_bot(self) -> None:
        self.ready = False
        for name in ("kesu.db", "kesu.db-wal", "kesu.db-shm"):
            (self.workdir / name).unlink(missing_ok=True)
        self.desk = build_desk(self.server)
        write_deployment(self.desk, self.workdir / "kesu.toml", self.group_locale)
        self.clock.start()
        polls_before = self._polls()
        with self.log_path.open("ab") as log:
            # Its own session: Ctrl-C reaches the launcher alone, which stops the bot in order.
            self.process = subprocess.Popen([sys.executable, str(ROOT / "run_bot.py")], cwd=self.workdir,
                                            env=self.bot_env(), stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        # Importing aiogram alone takes seconds of CPU on a busy machine; a bot that exits before
        # it polls (a wrong setting) makes no call to wake the wait, so its exit is looked at too.
        deadline = asyncio.get_running_loop().time() + START_TIMEOUT_SECONDS
        while True:
            try:
                await self.server.wait_for(lambda: self._polls() > polls_before, timeout=1.0)
                break
            except TimeoutError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the bot exited with {self.process.returncode}; see {self.log_path}") from None
                if asyncio.get_running_loop().time() > deadline:
                    raise
        self.ready = True
        self.server.notify()

    def _polls(self) -> int:
        return sum(1 for call in self.server.calls if call.method == "getUpdates")

    async def _stop_bot(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        # Waited for off the loop: the fake server must keep answering the bot while it shuts down.
        try:
            await asyncio.to_thread(process.wait, 20)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait)

    async def reset(self, group_locale: str | None = None) -> None:
        async with self._resetting:
            self.ready = False  # from the first moment: the page shows that the bot is starting again
            if group_locale:
                write_deployment(self.desk, self.workdir / "kesu.toml", group_locale)  # checks the name first
                self.group_locale = group_locale
            await self._stop_bot()
            self.server.reset()
            await self._start_bot()

    async def stop(self) -> None:
        await self._stop_bot()
        await self.server.stop()

    def state(self) -> dict[str, Any]:
        assert self.desk is not None
        return {
            **self.desk.as_dict(),
            "ready": self.ready,
            "generation": self.server.generation,
            "group_locale": self.group_locale,
            "clock": {"now": self.clock.now().isoformat(), "offset": self.clock.offset, "timezone": ZONE,
                      "region": REGION},
        }


async def serve(port: int, workdir: Path, group_locale: str) -> None:
    demo = Demo(workdir, group_locale)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print("Starting the Kesu demo (the bot's log: %s) ..." % demo.log_path, flush=True)
    try:
        await demo.start(port)
    except OSError as error:
        await demo.stop()
        raise SystemExit(f"Cannot serve the demo on 127.0.0.1:{port} ({error.strerror}); try --port 0 for any free port")
    except (RuntimeError, TimeoutError) as error:
        await demo.stop()
        raise SystemExit(f"The bot did not start: {error}. Its log: {demo.log_path}")
    try:
        print(f"\nKesu demo: open {demo.url} in your browser. Ctrl-C stops it.\n", flush=True)
        await stop.wait()
    finally:
        print("Stopping the demo ...", flush=True)
        await demo.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="manage.py demo", description="Kesu in a browser, with no token.")
    parser.add_argument("--port", type=int, default=8470, help="the page's port on 127.0.0.1 (0: any free one)")
    parser.add_argument("--group-locale", default="zh_Hans", choices=("zh_Hans", "zh_Hant", "en"),
                        help="language of the staff group's cards and notices")
    parser.add_argument("--dir", type=Path, default=ROOT / "data" / "demo", help="where the demo keeps its files")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port, args.dir.resolve(), args.group_locale))
