"""The relay path's cost: customers who already have an open case send follow-ups that must
reach their case's thread; the bot's CPU per relayed message, beside the echo bot's CPU per
echoed message in the same run.

    .venv/bin/python -m bench.relay [--customers N] [--messages M] [--gap S]

First N customers file a complaint each (not measured). Once the bot has nothing left to send,
each customer sends M messages S seconds apart; the phase ends when every one of them is in its
case's topic and the outbox is empty again. Then the echo bot gets the same N x M messages at
the same pace. Kesu runs with its sending limits raised, so that its own cost is measured,
not Telegram's budget.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.desk import percentile
from bench.launcher import MIB, polling_bot, run_benchmark
from bench.throughput import bot_command
from fake_telegram import FakeTelegramServer
from tests.e2e.conversation import Conversation
from tests.e2e.staffed import file_complaint

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:BENCH-TOKEN"
RAISED_LIMITS = {
    "SEND_GLOBAL_PER_SECOND": "10000", "SEND_GLOBAL_BURST": "100",
    "SEND_PER_GROUP_PER_MINUTE": "600000", "SEND_PER_GROUP_BURST": "100",
    "SEND_PER_CHAT_PER_SECOND": "100", "SEND_PER_CHAT_BURST": "10",
}


def text_of(message: dict[str, Any]) -> str:
    return message.get("text") or message.get("caption") or ""


def event_loop_cpu(pid: int) -> float:
    """CPU seconds of the process's main thread, the event loop's. The other threads' share is
    the rest of the process's total: a thread that ended (a pooled connection's) is no longer
    listed under /proc/PID/task, but its CPU is still in the process's."""
    fields = Path(f"/proc/{pid}/task/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def outbox_pending(database: Path) -> int:
    with sqlite3.connect(database, timeout=30) as db:
        return db.execute("SELECT count(*) FROM outbox WHERE status = 'pending'").fetchone()[0]


async def until_idle(server: FakeTelegramServer, database: Path, timeout: float) -> None:
    await server.wait_for(lambda: outbox_pending(database) == 0, timeout=timeout)


async def send_paced(users: list[Any], messages: int, gap: float, send: Any) -> list[tuple[str, float]]:
    sent: list[tuple[str, float]] = []

    async def one(n: int, user: Any) -> None:
        for k in range(messages):
            token = f"RL-{n}-{k}"
            send(user, f"{token}: one more detail about my order.")
            sent.append((token, time.monotonic()))
            await asyncio.sleep(gap)

    await asyncio.gather(*(one(n, u) for n, u in enumerate(users)))
    return sent


def arrivals(server: FakeTelegramServer, chat_ids: list[int]) -> dict[str, float]:
    found: dict[str, float] = {}
    for chat_id in chat_ids:
        for message in server.bot_messages(chat_id):
            text = text_of(message)
            start = text.find("RL-")
            if start >= 0:
                token = text[start:].split(":", 1)[0]
                found.setdefault(token, message["_sent_at"])
    return found


class Profile:
    """py-spy sampling the bot during the measured phase only; collapsed stacks to a file."""

    def __init__(self, pid: int, path: Path | None) -> None:
        self._process = None
        if path is not None:
            py_spy = Path(sys.executable).with_name("py-spy")
            self._process = subprocess.Popen([str(py_spy), "record", "--pid", str(pid), "--format", "raw",
                                              "--rate", "200", "--gil", "--output", str(path)], stdout=subprocess.DEVNULL)

    def stop(self) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGINT)
            self._process.wait(timeout=60)


async def measure_kesu(args: argparse.Namespace, workdir: Path) -> dict[str, float]:
    server = FakeTelegramServer(token=TOKEN, bot_username="kesu_relay_bot")
    await server.start()
    agent = server.create_user(first_name="Agent", language_code="en")
    group = server.create_group(title="Desk", forum=True, members={agent: "administrator"})
    (workdir / "kesu.toml").write_text(f"[staff]\nagents = [{agent.id}]\n", encoding="utf-8")
    argv, env = bot_command("kesu", server.base_url, workdir)
    database = workdir / "kesu.db"
    env.update(RAISED_LIMITS, HANDLER_CHAT_ID=str(group.id), CONFIG_FILE=str(workdir / "kesu.toml"), LOG_LEVEL="WARNING")
    async with polling_bot("kesu", server, argv, env, workdir) as bot:
        customers = [server.create_user(first_name=f"C{n}", language_code="en") for n in range(args.customers)]
        await asyncio.gather(*(file_complaint(Conversation(server, c), f"Order {n}: the kettle arrived broken.", timeout=120)
                               for n, c in enumerate(customers)))
        await until_idle(server, database, timeout=120)
        rss_before = bot.sample_rss() / MIB
        profile = Profile(bot.child.pid, args.profile)
        cpu_before = bot.sampler.cpu_seconds()
        loop_before = event_loop_cpu(bot.child.pid)
        sent = await send_paced(customers, args.messages, args.gap, lambda user, text: user.send_text(text))
        await server.wait_for(lambda: len(arrivals(server, [group.id])) >= len(sent), timeout=args.timeout)
        await until_idle(server, database, timeout=args.timeout)
        cpu = bot.sampler.cpu_seconds() - cpu_before
        loop_cpu = event_loop_cpu(bot.child.pid) - loop_before
        profile.stop()
        rss_after = bot.sample_rss() / MIB
    arrived = arrivals(server, [group.id])
    waits = [arrived[token] - at for token, at in sent if token in arrived]
    count = max(1, len(sent))
    return {"messages": len(sent), "delivered": len(waits), "cpu_ms": 1000 * cpu / count,
            "loop_cpu_ms": 1000 * loop_cpu / count, "thread_cpu_ms": 1000 * (cpu - loop_cpu) / count,
            "p50": percentile(waits, 0.5), "p90": percentile(waits, 0.9), "rss_before": rss_before, "rss_after": rss_after}


async def measure_echo(args: argparse.Namespace, workdir: Path) -> dict[str, float]:
    server = FakeTelegramServer(token=TOKEN, bot_username="echo_relay_bot")
    await server.start()
    argv, env = bot_command("echo", server.base_url, workdir)
    env.update(LOG_LEVEL="WARNING")
    async with polling_bot("echo", server, argv, env, workdir) as bot:
        users = [server.create_user(first_name=f"E{n}", language_code="en") for n in range(args.customers)]
        rss_before = bot.sample_rss() / MIB
        cpu_before = bot.sampler.cpu_seconds()
        sent = await send_paced(users, args.messages, args.gap, lambda user, text: user.send_text(text))
        chats = [u.chat_id for u in users]
        await server.wait_for(lambda: len(arrivals(server, chats)) >= len(sent), timeout=args.timeout)
        cpu = bot.sampler.cpu_seconds() - cpu_before
        rss_after = bot.sample_rss() / MIB
    arrived = arrivals(server, chats)
    waits = [arrived[token] - at for token, at in sent if token in arrived]
    return {"messages": len(sent), "delivered": len(waits), "cpu_ms": 1000 * cpu / max(1, len(sent)),
            "p50": percentile(waits, 0.5), "p90": percentile(waits, 0.9), "rss_before": rss_before, "rss_after": rss_after}


async def run(args: argparse.Namespace, workdir: Path) -> bool:
    kesu = await measure_kesu(args, workdir)
    echo = await measure_echo(args, workdir)
    print(f"{args.customers} customers x {args.messages} messages, {args.gap} s apart")
    print(f"{'':28}{'kesu (relay)':>14}{'echo':>10}{'kesu/echo':>11}")
    rows = (("delivered", "delivered", ""), ("CPU per message", "cpu_ms", " ms"),
            ("  on the event loop", "loop_cpu_ms", " ms"), ("  on other threads", "thread_cpu_ms", " ms"),
            ("latency p50", "p50", " s"), ("latency p90", "p90", " s"),
            ("RSS before", "rss_before", " MiB"), ("RSS after", "rss_after", " MiB"))
    for label, key, unit in rows:
        ratio = f"{kesu[key] / echo[key]:>10.1f}x" if key == "cpu_ms" and echo[key] else ""
        echo_figure = f"{echo[key]:>10.2f}" if key in echo else f"{'':>10}"
        print(f"{label + unit:28}{kesu[key]:>14.2f}{echo_figure}{ratio}")
    return kesu["delivered"] == kesu["messages"] and echo["delivered"] == echo["messages"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=40)
    parser.add_argument("--messages", type=int, default=6, help="follow-ups per customer")
    parser.add_argument("--gap", type=float, default=1.5, help="seconds between one customer's messages")
    parser.add_argument("--timeout", type=float, default=120, help="seconds the last message may take")
    parser.add_argument("--profile", type=Path, help="write py-spy's collapsed stacks of the measured phase here")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir with the bots' logs and database")
    return run_benchmark(parser.parse_args(), run, name="relay benchmark", temp_prefix="kesu-relay-",
                         temp_contents="bot logs and database")


if __name__ == "__main__":
    sys.exit(main())
