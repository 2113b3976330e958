"""Start-up time: process start to the first getUpdates, on a database already migrated.

    .venv/bin/python -m bench.startup [--runs N]

The echo bot is started as often, as the baseline (importing aiogram is most of both).
The first start migrates a fresh SQLite file and is not counted; then the bot is started N
more times on that database. Printed per run: the wall time from spawning the process to
the fake server receiving its first getUpdates, and each start-up step's milliseconds from
the bot's own log ("start-up step done"), so that the slow step shows.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

from bench.launcher import ChildProcess, wait_until_polling
from bench.throughput import bot_command
from fake_telegram import FakeTelegramServer

TOKEN = "123456:BENCH-TOKEN"


def step_times(log_text: str) -> dict[str, int]:
    steps: dict[str, int] = {}
    for line in log_text.splitlines():
        try:
            record = json.loads(line[line.index("{"):])
        except ValueError:
            continue
        if record.get("msg") == "start-up step done":
            steps[record["step"]] = record["ms"]
    return steps


async def one_start(workdir: Path, run: int, kind: str = "kesu") -> tuple[float, dict[str, int]]:
    server = FakeTelegramServer(token=TOKEN, bot_username="kesu_start_bot")
    await server.start()
    group = server.create_group(title="Desk", forum=True)
    argv, env = bot_command(kind, server.base_url, workdir)
    env.update(HANDLER_CHAT_ID=str(group.id), LOG_LEVEL="INFO")
    log_path = workdir / f"{kind}-start-{run}.log"
    child = ChildProcess(argv, env, workdir, log_path)
    try:
        started = time.monotonic()
        child.start()
        await wait_until_polling(server, child, kind, timeout=60)
        first_poll = next(c.time for c in server.calls if c.method.lower() == "getupdates")
        return first_poll - started, step_times(child.log_text())
    finally:
        await child.stop()
        await server.stop()


async def run(args: argparse.Namespace, workdir: Path) -> bool:
    await one_start(workdir, 0)  # migrates the fresh database
    results = [await one_start(workdir, n) for n in range(1, args.runs + 1)]
    walls = [wall for wall, _ in results]
    names = list(results[0][1])
    print(f"{'run':<6}{'to getUpdates':>15}" + "".join(f"{name[:14]:>16}" for name in names))
    for n, (wall, steps) in enumerate(results, 1):
        print(f"{n:<6}{wall * 1000:>13.0f}ms" + "".join(f"{steps.get(name, 0):>14}ms" for name in names))
    echo = [(await one_start(workdir, n, "echo"))[0] for n in range(1, args.runs + 1)]
    print(f"kesu: median {statistics.median(walls) * 1000:.0f} ms, max {max(walls) * 1000:.0f} ms (target 1500 ms)")
    print(f"echo bot: median {statistics.median(echo) * 1000:.0f} ms, max {max(echo) * 1000:.0f} ms; "
          f"kesu - echo: {(statistics.median(walls) - statistics.median(echo)) * 1000:.0f} ms")
    return True


def main() -> int:
    from bench.launcher import run_benchmark

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir with the bot's logs and database")
    return run_benchmark(parser.parse_args(), run, name="start-up benchmark", temp_prefix="kesu-start-",
                         temp_contents="bot logs and database")


if __name__ == "__main__":
    sys.exit(main())
