"""Update-to-reply throughput and latency of Kesu, compared with a bare aiogram echo bot.

    .venv/bin/python -m bench.throughput [--users N] [--rate R] [--duration S]

Each bot runs as its own process against a fresh in-process fake Bot API server on 127.0.0.1.
Load: updates are sent at planned times (open loop) by simulated users, but a user never has
more than one unanswered message, so per-chat sending limits stay out of the measurement.
See bench/README.md for what each figure means.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import subprocess
import sys
import time
from collections import Counter, deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from bench.launcher import polling_bot, run_benchmark
from fake_telegram import FakeTelegramServer, FakeUser

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:BENCH-TOKEN"
BOT_USERNAME = "kesu_bench_bot"
POLLING_TIMEOUT_SECONDS = 10
# Telegram's global limit would cap the bot at 25 messages/s; raised so that the bot's own speed is measured.
GLOBAL_LIMIT = {"SEND_GLOBAL_PER_SECOND": "10000", "SEND_GLOBAL_BURST": "100"}
# Every one of these gets exactly one message back from Kesu (and from the echo bot).
# Each gets exactly one reply from both bots (free text now opens a complaint: two replies).
MESSAGES = ("/help", "/status", "/language")


class BenchServer(FakeTelegramServer):
    """Fake server that reports each bot message the moment it is recorded, so the load
    generator learns about replies without re-scanning transcripts on every change."""

    on_bot_message: Callable[[int, dict[str, Any]], None] | None = None

    def record(self, chat: Any, sender: dict[str, Any], fields: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        message = super().record(chat, sender, fields, **kwargs)
        if kwargs.get("from_bot") and not kwargs.get("service") and self.on_bot_message is not None:
            self.on_bot_message(chat.id, message)
        return message


@dataclass
class Sample:
    chat_id: int
    planned: float
    enqueued: float
    replied: float | None = None


class Load:
    """Sends ``rate * duration`` updates at planned times, each from a user with no unanswered
    message (idle users queue up in FIFO order, so each user's messages are spread out).

    When no user is free at a planned time the send waits for one; such sends are counted
    (``waited_for_user``) and show up as send lag, so an overloaded bot is visible instead of
    silently lowering the offered load.
    """

    def __init__(self, server: BenchServer, users: list[FakeUser], rate: float, duration: float,
                 reply_timeout: float, grace: float) -> None:
        self.server = server
        self.users = {user.chat_id: user for user in users}
        self.order = {user.chat_id: index for index, user in enumerate(users)}
        self.rate = rate
        self.duration = duration
        self.reply_timeout = reply_timeout
        self.grace = grace
        self.idle: deque[FakeUser] = deque(users)
        self.outstanding: dict[int, Sample] = {}
        self.samples: list[Sample] = []
        self.sent_per_chat: Counter[int] = Counter()
        self.retired: set[int] = set()
        self.waited_for_user = 0
        self._user_free = asyncio.Event()

    def on_bot_message(self, chat_id: int, message: dict[str, Any]) -> None:
        sample = self.outstanding.pop(chat_id, None)
        if sample is None:
            return  # a duplicate or a reply after the timeout; both are counted from the transcript
        sample.replied = message["_sent_at"]
        self.idle.append(self.users[chat_id])
        self._user_free.set()

    async def run(self) -> None:
        reaper = asyncio.create_task(self._reap())
        try:
            await self._drive()
            while self.outstanding:
                await asyncio.sleep(0.02)
            # Duplicates come after the first reply; give them a moment to show up.
            await asyncio.sleep(self.grace)
        finally:
            reaper.cancel()
            await asyncio.gather(reaper, return_exceptions=True)

    async def _drive(self) -> None:
        total = max(1, round(self.rate * self.duration))
        start = time.monotonic()
        for i in range(total):
            planned = start + i / self.rate
            delay = planned - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if not self.idle:
                self.waited_for_user += 1
                while not self.idle:
                    if not self.outstanding:
                        return  # every user timed out: nothing left to send with
                    self._user_free.clear()
                    await self._user_free.wait()
            user = self.idle.popleft()
            turn = self.sent_per_chat[user.chat_id] + self.order[user.chat_id]
            text = MESSAGES[turn % len(MESSAGES)]
            if text.startswith("/"):
                user.send_command(text)
            else:
                user.send_text(text)
            sample = Sample(user.chat_id, planned, time.monotonic())
            self.sent_per_chat[user.chat_id] += 1
            self.outstanding[user.chat_id] = sample
            self.samples.append(sample)

    async def _reap(self) -> None:
        while True:
            await asyncio.sleep(0.1)
            now = time.monotonic()
            for chat_id, sample in list(self.outstanding.items()):
                if now - sample.enqueued > self.reply_timeout:
                    del self.outstanding[chat_id]
                    # The user stays out: a late reply must not be taken for the answer to its next message.
                    self.retired.add(chat_id)
                    self._user_free.set()

    def figures(self) -> dict[str, Any]:
        answered = [s for s in self.samples if s.replied is not None and s.replied - s.enqueued <= self.reply_timeout]
        matched: Counter[int] = Counter(s.chat_id for s in self.samples if s.replied is not None)
        duplicated = late = bot_messages = 0
        for chat_id, sent in self.sent_per_chat.items():
            received = self.server.cursor(chat_id)
            bot_messages += received
            duplicated += max(0, received - sent)
            late += max(0, min(received, sent) - matched[chat_id])
        latencies = sorted((s.replied - s.enqueued) * 1000 for s in answered)
        lags = sorted((s.enqueued - s.planned) * 1000 for s in self.samples)
        window = None
        if answered:
            window = max(s.replied for s in answered) - min(s.enqueued for s in self.samples)
        return {
            "sent": len(self.samples),
            "replied": len(answered),
            "lost": len(self.samples) - len(answered),
            "duplicated": duplicated,
            "late_replies": late,
            "bot_messages": bot_messages,
            "window_s": _round(window, 3),
            "achieved_per_s": _round(len(answered) / window if window else None, 1),
            "latency_ms": {
                **spread(latencies),
                "mean": _round(sum(latencies) / len(latencies) if latencies else None, 1),
            },
            "send_lag_ms": spread(lags, (99,)),
            "waited_for_user": self.waited_for_user,
        }


def percentile(ordered: list[float], p: float) -> float | None:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return None
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def spread(ordered: list[float], percents: tuple[int, ...] = (50, 90, 99)) -> dict[str, float | None]:
    """Nearest-rank percentiles and the maximum of an ascending list of milliseconds, to 0.1."""
    figures = {f"p{p}": _round(percentile(ordered, p), 1) for p in percents}
    figures["max"] = _round(ordered[-1] if ordered else None, 1)
    return figures


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


# -- bot processes ------------------------------------------------------------------------------

def _clean_environ() -> dict[str, str]:
    """The caller's environment without any Kesu setting, so a stray HANDLER_CHAT_ID or
    DATABASE_URL in the shell cannot change what is measured."""
    from bot.settings import Settings

    names = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in names}
    env.update(PYTHONUNBUFFERED="1", NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    return env


def bot_command(kind: str, base_url: str, workdir: Path) -> tuple[list[str], dict[str, str]]:
    env = _clean_environ()
    env.update(BOT_TOKEN=TOKEN, TELEGRAM_API_BASE=base_url, POLLING_TIMEOUT_SECONDS=str(POLLING_TIMEOUT_SECONDS),
               LOG_LEVEL="INFO")
    if kind == "kesu":
        env.update(DATABASE_URL=f"sqlite+aiosqlite:///{workdir / 'kesu.db'}", **GLOBAL_LIMIT)
        return [sys.executable, str(ROOT / "run_bot.py")], env
    return [sys.executable, str(ROOT / "bench" / "echo_bot.py")], env


def summarize_log(kind: str, text: str) -> dict[str, Any]:
    """Warnings and errors from the bot's log; for Kesu also its own per-update handling time."""
    problems: Counter[str] = Counter()
    error_lines = 0
    outcomes: Counter[str] = Counter()
    handler_ms: list[float] = []
    for line in text.splitlines():
        if kind == "kesu":
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                problems[f"(not JSON) {line[:160]}"] += 1
                error_lines += line.startswith("Traceback")
                continue
            if record.get("logger") == "kesu.updates" and record.get("msg") == "update":
                outcomes[str(record.get("outcome"))] += 1
                if isinstance(record.get("ms"), (int, float)):
                    handler_ms.append(float(record["ms"]))
            if record.get("level") in ("WARNING", "ERROR", "CRITICAL"):
                problems[f"{record['level']} {record.get('logger')}: {record.get('msg')}"] += 1
            error_lines += record.get("level") in ("ERROR", "CRITICAL")
        elif line.startswith(("WARNING", "ERROR", "CRITICAL", "Traceback")):
            problems[line[:160]] += 1
            error_lines += not line.startswith("WARNING")
    summary: dict[str, Any] = {"problems": dict(problems.most_common(10)), "problem_lines": sum(problems.values()),
                               "error_lines": error_lines}
    if kind == "kesu":
        handler_ms.sort()
        summary["update_outcomes"] = dict(outcomes)
        summary["update_ms"] = {"p50": percentile(handler_ms, 50), "p99": percentile(handler_ms, 99),
                                "max": handler_ms[-1] if handler_ms else None}
    return summary


async def run_phase(kind: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """One bot process, one fresh fake server, one load run."""
    server = BenchServer(token=TOKEN, bot_username=BOT_USERNAME)
    await server.start()
    argv, env = bot_command(kind, server.base_url, workdir)
    async with polling_bot(kind, server, argv, env, workdir) as bot:
        users = [server.create_user(first_name=f"User{i}", language_code="en") for i in range(args.users)]
        load = Load(server, users, args.rate, args.duration, args.reply_timeout, args.grace)
        server.on_bot_message = load.on_bot_message
        await bot.measure(load.run())
        figures = load.figures()
        bot.sample_rss()
        figures.update(
            rss_start_mib=bot.rss_start_mib,
            rss_peak_mib=bot.rss_peak_mib,
            bot_cpu_percent=bot.bot_cpu_percent,
            harness_cpu_percent=bot.harness_cpu_percent,
        )
    figures["exit_code"] = bot.child.returncode
    figures["log"] = summarize_log(kind, bot.child.log_text())
    return figures


# -- output -------------------------------------------------------------------------------------

ROWS: list[tuple[str, Callable[[dict[str, Any]], Any], bool]] = [
    # label, value, whether a Kesu/echo ratio is shown
    ("updates sent", lambda f: f["sent"], False),
    ("replies received (in time)", lambda f: f["replied"], False),
    ("lost (no reply in time)", lambda f: f["lost"], False),
    ("duplicated replies", lambda f: f["duplicated"], False),
    ("achieved updates/s", lambda f: f["achieved_per_s"], True),
    ("latency p50 ms", lambda f: f["latency_ms"]["p50"], True),
    ("latency p90 ms", lambda f: f["latency_ms"]["p90"], True),
    ("latency p99 ms", lambda f: f["latency_ms"]["p99"], True),
    ("latency max ms", lambda f: f["latency_ms"]["max"], True),
    ("RSS at start MiB", lambda f: f["rss_start_mib"], True),
    ("RSS peak MiB", lambda f: f["rss_peak_mib"], True),
    ("bot CPU % (of one core)", lambda f: f["bot_cpu_percent"], True),
    ("harness CPU %", lambda f: f["harness_cpu_percent"], False),
    ("send lag p99 / max ms", lambda f: f"{_fmt(f['send_lag_ms']['p99'])} / {_fmt(f['send_lag_ms']['max'])}", False),
    ("sends that waited for a user", lambda f: f["waited_for_user"], False),
    ("bot exit code", lambda f: f["exit_code"], False),
]


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def print_table(results: dict[str, dict[str, Any]]) -> None:
    kinds = list(results)
    both = len(kinds) == 2
    header = f"{'':30}" + "".join(f"{k:>14}" for k in kinds) + (f"{'kesu/echo':>12}" if both else "")
    print(header)
    print("-" * len(header))
    for label, value, with_ratio in ROWS:
        cells = [value(results[k]) for k in kinds]
        line = f"{label:30}" + "".join(f"{_fmt(c):>14}" for c in cells)
        if both and with_ratio:
            ratio = _ratio(cells[0], cells[1]) if all(isinstance(c, (int, float)) for c in cells) else None
            line += f"{_fmt(ratio) if ratio is None else f'{ratio:.2f}':>12}"
        print(line)


def print_logs(results: dict[str, dict[str, Any]]) -> None:
    for kind, figures in results.items():
        log = figures["log"]
        if kind == "kesu":
            ms = log["update_ms"]
            print(f"kesu log: {sum(log['update_outcomes'].values())} update lines, outcomes {log['update_outcomes']}, "
                  f"in-bot handling ms p50 {_fmt(ms['p50'])} / p99 {_fmt(ms['p99'])} / max {_fmt(ms['max'])}")
        print(f"{kind} log: {log['problem_lines']} warning/error lines")
        for text, count in log["problems"].items():
            print(f"    {count:>5} x {text}")


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                             timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def run_identity(benchmark: str) -> dict[str, Any]:
    """What a line of bench-results.jsonl starts with: which benchmark ran on what."""
    return {"benchmark": benchmark, "commit": git_commit(), "python": platform.python_version(),
            "cpus": os.cpu_count()}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.throughput", description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200, help="simulated users (default 200)")
    parser.add_argument("--rate", type=float, default=100.0, help="offered updates per second, all users (default 100)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of sending (default 20)")
    parser.add_argument("--reply-timeout", type=float, default=10.0,
                        help="an update without a reply after this many seconds is lost (default 10)")
    parser.add_argument("--grace", type=float, default=1.0,
                        help="seconds to wait after the last reply for duplicates (default 1)")
    parser.add_argument("--no-echo", action="store_true", help="skip the aiogram echo baseline")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir with logs and the database")
    args = parser.parse_args(argv)
    if args.users < 1 or args.rate <= 0 or args.duration <= 0 or args.reply_timeout <= 0 or args.grace < 0:
        parser.error("--users, --rate, --duration and --reply-timeout must be positive, --grace not negative")
    return args


async def run_all(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    gap = args.users / args.rate
    print(f"Throughput: {args.users} users, offered {args.rate:g} updates/s for {args.duration:g} s "
          f"({round(args.rate * args.duration)} updates), open loop with at most one unanswered message per user "
          f"(~{gap:.1f} s between one user's messages); reply timeout {args.reply_timeout:g} s.")
    print(f"Kesu sending limits: global {GLOBAL_LIMIT['SEND_GLOBAL_PER_SECOND']}/s burst "
          f"{GLOBAL_LIMIT['SEND_GLOBAL_BURST']} (raised from Telegram's 25/s burst 5, so the bot's own speed is "
          f"measured); per chat 1/s burst 3 (default). SQLite database, LOG_LEVEL=INFO for both bots.")
    if gap < 1.0:
        print(f"WARNING: users/rate = {gap:.2f} s < 1 s: Kesu's per-chat limit (1/s) may dominate; use more users.")
    print(flush=True)
    results: dict[str, dict[str, Any]] = {}
    for kind in ("kesu",) if args.no_echo else ("kesu", "echo"):
        print(f"running {kind} ...", flush=True)
        results[kind] = await run_phase(kind, args, workdir)
    return results


def report(args: argparse.Namespace, results: dict[str, dict[str, Any]]) -> bool:
    print()
    print_table(results)
    print()
    print_logs(results)
    ok = all(f["lost"] == 0 and f["duplicated"] == 0 for f in results.values())
    summary: dict[str, Any] = {
        **run_identity("throughput"),
        "users": args.users,
        "rate": args.rate,
        "duration_s": args.duration,
        "reply_timeout_s": args.reply_timeout,
        "kesu_limits": {"global_per_second": float(GLOBAL_LIMIT["SEND_GLOBAL_PER_SECOND"]),
                        "global_burst": int(GLOBAL_LIMIT["SEND_GLOBAL_BURST"]),
                        "per_chat_per_second": 1.0, "per_chat_burst": 3},
        "ok": ok,
        **{kind: {k: v for k, v in f.items() if k != "log"} | {"log_problem_lines": f["log"]["problem_lines"]}
           for kind, f in results.items()},
    }
    if "echo" in results:
        kesu, echo = results["kesu"], results["echo"]
        summary["ratio_kesu_over_echo"] = {
            "throughput": _ratio(kesu["achieved_per_s"], echo["achieved_per_s"]),
            "p50": _ratio(kesu["latency_ms"]["p50"], echo["latency_ms"]["p50"]),
            "p99": _ratio(kesu["latency_ms"]["p99"], echo["latency_ms"]["p99"]),
            "peak_rss": _ratio(kesu["rss_peak_mib"], echo["rss_peak_mib"]),
        }
    summary["kesu"]["update_ms"] = results["kesu"]["log"]["update_ms"]
    for kind, f in results.items():
        if f["waited_for_user"]:
            print(f"NOTE: {kind} did not keep up with the offered rate: {f['waited_for_user']} sends waited for a user "
                  f"whose previous message was unanswered, so the load became closed-loop; its throughput is its "
                  f"capacity and its latency is mostly queueing. Lower --rate to see latency below saturation.")
    print()
    if not ok:
        print("FAILED: updates were lost or answered twice (see the table above).")
    print(json.dumps(summary, ensure_ascii=False, separators=(",", ":")), flush=True)
    return ok


async def run_and_report(args: argparse.Namespace, workdir: Path) -> bool:
    return report(args, await run_all(args, workdir))


def main(argv: list[str] | None = None) -> int:
    return run_benchmark(parse_args(argv), run_and_report, name="benchmark", temp_prefix="kesu-bench-",
                         temp_contents="logs and database")


if __name__ == "__main__":
    sys.exit(main())
