"""The staff desk at Telegram's real limits: a burst of complaints, their follow-ups and the
staff's replies, against a fake Bot API server that answers 429 past the limits.

    .venv/bin/python -m bench.desk [--customers N] [--follow-ups F] [--staff-replies R] [--groups K]

N customers file at once (the whole intake dialog each), then each adds F follow-ups 2 s
apart; then staff reply R times in each case's thread. With K groups the deployment file's
[routing] has one rule naming all K, so cases spread over them (the least busy first). The
bot runs with its default (real) sending limits. Printed: customer -> thread and staff ->
customer latency (p50, p90, max), the 429s the bot caused, messages lost, and each group's
budget: the group messages the burst needed and the floor that Telegram's 20 a minute puts
under their delivery (the busiest group's floor is the desk's).
"""
from __future__ import annotations

import argparse
import asyncio
import math
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.launcher import polling_bot, run_benchmark
from fake_telegram import FakeTelegramServer
from fake_telegram.flood import FloodLimits, is_limited
from tests.e2e.conversation import Conversation
from tests.e2e.staffed import file_complaint

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:DESK-TOKEN"
FOLLOW_UP_GAP = 2.0


@dataclass
class Timed:
    token: str
    sent: float
    arrived: float | None = None


@dataclass
class Figures:
    follow_ups: list[Timed] = field(default_factory=list)
    replies: list[Timed] = field(default_factory=list)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def spread(samples: list[Timed]) -> str:
    waits = [s.arrived - s.sent for s in samples if s.arrived is not None]
    if not waits:
        return "none arrived"
    return f"p50 {percentile(waits, 0.5):6.1f} s   p90 {percentile(waits, 0.9):6.1f} s   max {max(waits):6.1f} s"


def text_of(message: dict[str, Any]) -> str:
    return message.get("text") or message.get("caption") or ""


async def arrival(server: FakeTelegramServer, chat_id: int, token: str, timeout: float) -> float | None:
    """When a bot message carrying `token` reached the chat (the fake's monotonic stamp)."""
    def found() -> dict[str, Any] | None:
        return next((m for m in server.bot_messages(chat_id) if token in text_of(m)), None)

    try:
        await server.wait_for(lambda: found() is not None, timeout=timeout)
    except (TimeoutError, AssertionError):
        return None
    message = found()
    return message["_sent_at"] if message else None


async def run(args: argparse.Namespace, workdir: Path) -> bool:
    server = FakeTelegramServer(token=TOKEN, bot_username="kesu_desk_bot", real_limits=True)
    await server.start()
    agent = server.create_user(first_name="Agent", language_code="en")
    groups = [server.create_group(title=f"Desk {k + 1}", forum=True, members={agent: "administrator"}) for k in range(args.groups)]
    group = groups[0]
    deployment = f"[staff]\nagents = [{agent.id}]\n[intake]\nmax_open_cases = 5\n"
    if args.groups > 1:
        deployment += "".join(f'[[routing.groups]]\nname = "desk-{k + 1}"\nchat_id = {g.id}\n' for k, g in enumerate(groups))
        deployment += "[[routing.rules]]\ngroups = [" + ", ".join(f'"desk-{k + 1}"' for k in range(args.groups)) + "]\n"
    (workdir / "kesu.toml").write_text(deployment, encoding="utf-8")
    env = {
        "BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": server.base_url, "HANDLER_CHAT_ID": str(group.id),
        "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'kesu.db'}", "CONFIG_FILE": str(workdir / "kesu.toml"),
        "POLLING_TIMEOUT_SECONDS": "10", "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1", "PATH": "/usr/bin:/bin",
    }
    figures = Figures()
    async with polling_bot("kesu", server, [sys.executable, str(ROOT / "run_bot.py")], env, workdir):
        customers = [server.create_user(first_name=f"C{n}", language_code="en") for n in range(args.customers)]
        talks = [Conversation(server, c) for c in customers]
        started = time.monotonic()
        numbers = await asyncio.gather(*(file_complaint(t, f"Order {n}: the kettle arrived broken.", timeout=600) for n, t in enumerate(talks)))
        filed = time.monotonic() - started
        print(f"{args.customers} customers filed in {filed:.0f} s")

        async def follow_up(n: int, talk: Conversation) -> None:
            for k in range(args.follow_ups):
                token = f"FU-{n}-{k}"
                talk.user.send_text(f"{token}: one more detail about my order.")
                figures.follow_ups.append(Timed(token, time.monotonic()))
                await asyncio.sleep(FOLLOW_UP_GAP)

        await asyncio.gather(*(follow_up(n, t) for n, t in enumerate(talks)))
        with sqlite3.connect(workdir / "kesu.db", timeout=30) as db:
            places = {number: (chat or group.id, thread) for number, chat, thread in db.execute("SELECT number, group_chat_id, thread_id FROM cases")}
        by_id = {g.id: g for g in groups}
        for item in figures.follow_ups:
            n = int(item.token.split("-")[1])
            item.arrived = await arrival(server, places[numbers[n]][0], item.token, args.timeout)

        with sqlite3.connect(workdir / "kesu.db", timeout=30) as db:
            places = {number: (chat or group.id, thread) for number, chat, thread in db.execute("SELECT number, group_chat_id, thread_id FROM cases")}
        for n, (number, customer) in enumerate(zip(numbers, customers)):
            for k in range(args.staff_replies):
                token = f"SR-{n}-{k}"
                chat, thread = places[number]
                agent.send_text_in(by_id[chat], f"{token}: we are on it.", message_thread_id=thread)
                figures.replies.append(Timed(token, time.monotonic()))
        for item, customer in zip(figures.replies, [c for c in customers for _ in range(args.staff_replies)]):
            item.arrived = await arrival(server, customer.chat_id, item.token, args.timeout)
        ended = time.monotonic()

    lost = sum(1 for s in figures.follow_ups + figures.replies if s.arrived is None)
    limit = FloodLimits().group
    print(f"customer -> thread   {spread(figures.follow_ups)}   ({len(figures.follow_ups)} follow-ups)")
    print(f"staff -> customer    {spread(figures.replies)}   ({len(figures.replies)} replies)")
    print(f"429s caused          {server.flood.refused if server.flood else 0}")
    print(f"messages lost        {lost}")
    floors = []
    for g in groups:
        calls = [c for c in server.calls if is_limited(c.method) and str(c.params.get("chat_id")) == str(g.id) and c.outcome == "ok"]
        cases = sum(1 for chat, _thread in places.values() if chat == g.id)
        if not calls:
            print(f"{g.title:<20} no group messages ({cases} cases)")
            continue
        # The floor: the first message of a burst goes at once, then the group's 20 a minute.
        floor = (len(calls) - 1) / limit.calls * limit.seconds
        took = max(c.time for c in calls) - min(c.time for c in calls)
        floors.append((took, floor))
        print(f"{g.title:<20} {cases} cases, {len(calls)} group messages in {took:.0f} s; "
              f"floor at {limit.calls} per {limit.seconds:.0f} s: {floor:.0f} s ({took / floor if floor else 0:.2f} x floor)")
    if floors:
        took, floor = max(floors, key=lambda f: f[1])
        print(f"desk (busiest group) {took:.0f} s against a floor of {floor:.0f} s ({took / floor if floor else 0:.2f} x floor)")
    print(f"wall                 {ended - started:.0f} s")
    return lost == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--follow-ups", type=int, default=2)
    parser.add_argument("--staff-replies", type=int, default=1)
    parser.add_argument("--groups", type=int, default=1, help="handler groups the cases are spread over ([routing])")
    parser.add_argument("--timeout", type=float, default=900, help="seconds a message may take before it counts as lost")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir with the bot's log and database")
    return run_benchmark(parser.parse_args(), run, name="desk benchmark", temp_prefix="kesu-desk-",
                         temp_contents="bot log and database")


if __name__ == "__main__":
    sys.exit(main())
