"""Throughput, update-to-reply latency and CPU per update of 1, 2 and 3 Kesu instances
sharing one PostgreSQL database behind webhooks.

    .venv/bin/python -m bench.instances [--counts 1,2,3] [--users N] [--rate R] [--duration S]
                                        [--postgres-url postgresql+asyncpg://postgres@127.0.0.1/postgres]

For each count: a fresh database, a fresh fake Bot API server delivering updates round robin
over the instances' webhook URLs (a load balancer), the same open-loop load as
bench/throughput.py. See bench/README.md for what each figure means.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any, Callable

import psutil

from bench.launcher import BenchError, ChildProcess, ResourceSampler, run_benchmark
from bench.reports import postgres_database
from tests.e2e.harness import free_port
from bench.throughput import (
    BOT_USERNAME, GLOBAL_LIMIT, ROOT, TOKEN, BenchServer, Load, _clean_environ, _fmt, run_identity,
)

SECRET = "bench-instances-secret"
PATH = "/telegram/updates"


def postgres_cpu_seconds() -> float | None:
    """CPU the PostgreSQL server has used so far: the postmaster's own, its exited children's
    (backends come and go with connections; the kernel adds theirs to the parent when they
    end) and its live children's. The server is shared with whatever else runs on the
    machine. None when the postmaster cannot be read."""
    for proc in psutil.process_iter(["name"]):
        if proc.info["name"] not in ("postgres", "postmaster"):
            continue
        try:
            parent = proc.parent()
            if parent is not None and parent.name() in ("postgres", "postmaster"):
                continue
            own = proc.cpu_times()
            total = own.user + own.system + own.children_user + own.children_system
            for child in proc.children():
                try:
                    times = child.cpu_times()
                    total += times.user + times.system
                except psutil.Error:
                    pass  # ended meanwhile: counted in the parent's children_* next time
            return total
        except psutil.Error:
            continue
    return None


def handled(child: ChildProcess) -> int:
    """Updates the instance has handled so far, from its log (one line per update)."""
    return sum(1 for line in child.log_text().splitlines() if '"msg": "update"' in line and '"outcome": "handled"' in line)


async def wait_serving(child: ChildProcess, name: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while '"serving the webhook"' not in child.log_text():
        if child.exited():
            raise BenchError(f"{name} exited with code {child.process.returncode} before serving; log tail:\n{child.log_text()[-3000:]}")
        if time.monotonic() > deadline:
            raise BenchError(f"{name} did not serve the webhook within {timeout:.0f}s; log tail:\n{child.log_text()[-3000:]}")
        await asyncio.sleep(0.1)


async def run_count(count: int, args: argparse.Namespace, workdir: Path, shared: bool = True) -> dict[str, Any]:
    database_url, drop = await postgres_database(args.postgres_url)
    server = BenchServer(token=TOKEN, bot_username=BOT_USERNAME)
    await server.start()
    ports = [free_port() for _ in range(count)]
    children: list[ChildProcess] = []
    samplers: list[ResourceSampler] = []
    try:
        for n, port in enumerate(ports):
            env = _clean_environ()
            env.update(
                BOT_TOKEN=TOKEN, TELEGRAM_API_BASE=server.base_url, LOG_LEVEL="INFO", DATABASE_URL=database_url,
                SHARED_DATABASE="true" if shared else "false", WEBHOOK_URL=f"http://127.0.0.1:{ports[0]}{PATH}", WEBHOOK_SECRET=SECRET,
                WEBHOOK_PORT=str(port), WEBHOOK_MAX_CONNECTIONS="100", **GLOBAL_LIMIT,
            )
            label = f"{count}{'' if shared else '-unshared'}-{n}"
            child = ChildProcess([sys.executable, str(ROOT / "run_bot.py")], env, workdir, workdir / f"kesu-{label}.log")
            child.start()
            children.append(child)
            # One after another: they migrate in turn anyway, and the start is not measured.
            await wait_serving(child, f"instance {n} of {count}", timeout=120)
            samplers.append(ResourceSampler(child.pid))
        webhook = server.bot.webhook
        assert webhook is not None
        webhook.retry_seconds = 0.2
        webhook.set_targets([f"http://127.0.0.1:{port}{PATH}" for port in ports])

        if args.warmup > 0:
            # Not measured: each process's first updates pay for imports and caches filling.
            warm = [server.create_user(first_name=f"Warm{i}", language_code="en") for i in range(20)]
            warmup = Load(server, warm, 10.0, args.warmup, args.reply_timeout, 0)
            server.on_bot_message = warmup.on_bot_message
            await warmup.run()
        users = [server.create_user(first_name=f"User{i}", language_code="en") for i in range(args.users)]
        load = Load(server, users, args.rate, args.duration, args.reply_timeout, args.grace)
        server.on_bot_message = load.on_bot_message
        handled_before = [handled(child) for child in children]
        cpu0, pg0, wall0 = sum(s.cpu_seconds() for s in samplers), postgres_cpu_seconds(), time.monotonic()
        await load.run()
        wall = time.monotonic() - wall0
        cpu, pg1 = sum(s.cpu_seconds() for s in samplers) - cpu0, postgres_cpu_seconds()
        for n, child in enumerate(children):
            if child.exited():
                raise BenchError(f"instance {n} of {count} exited during the run; log tail:\n{child.log_text()[-3000:]}")
        figures = load.figures()
        updates = max(1, figures["sent"])
        figures.update(
            instances=count,
            shared=shared,
            bot_cpu_percent=round(100 * cpu / wall, 1),
            bot_cpu_ms_per_update=round(1000 * cpu / updates, 2),
            postgres_cpu_ms_per_update=None if pg0 is None or pg1 is None else round(1000 * (pg1 - pg0) / updates, 2),
            handled_per_instance=[handled(child) - before for child, before in zip(children, handled_before)],
        )
        return figures
    finally:
        for child in children:
            await child.stop()
        await server.stop()
        await drop()


ROWS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("updates sent", lambda f: f["sent"]),
    ("replies received (in time)", lambda f: f["replied"]),
    ("lost (no reply in time)", lambda f: f["lost"]),
    ("duplicated replies", lambda f: f["duplicated"]),
    ("achieved updates/s", lambda f: f["achieved_per_s"]),
    ("latency p50 ms", lambda f: f["latency_ms"]["p50"]),
    ("latency p90 ms", lambda f: f["latency_ms"]["p90"]),
    ("latency p99 ms", lambda f: f["latency_ms"]["p99"]),
    ("latency max ms", lambda f: f["latency_ms"]["max"]),
    ("bot CPU ms per update", lambda f: f["bot_cpu_ms_per_update"]),
    ("postgres CPU ms per update", lambda f: f["postgres_cpu_ms_per_update"]),
    ("bot CPU % (all instances)", lambda f: f["bot_cpu_percent"]),
    ("sends that waited for a user", lambda f: f["waited_for_user"]),
    ("updates handled per instance", lambda f: "/".join(str(n) for n in f["handled_per_instance"])),
]


def run_label(figures: dict[str, Any]) -> str:
    count = figures["instances"]
    return f"{count} instance{'s' if count > 1 else ''}" if figures["shared"] else f"{count}, not shared"


def print_table(results: list[dict[str, Any]]) -> None:
    header = f"{'':32}" + "".join(f"{run_label(f):>16}" for f in results)
    print(header)
    print("-" * len(header))
    for label, value in ROWS:
        print(f"{label:32}" + "".join(f"{_fmt(value(f)):>16}" for f in results))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.instances", description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", default="1,2,3", help="instance counts to run, in turn (default 1,2,3)")
    parser.add_argument("--users", type=int, default=150, help="simulated users (default 150)")
    parser.add_argument("--rate", type=float, default=50.0, help="offered updates per second, all users (default 50)")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of sending (default 15)")
    parser.add_argument("--reply-timeout", type=float, default=10.0, help="a reply later than this is lost (default 10)")
    parser.add_argument("--grace", type=float, default=1.0, help="seconds to wait for duplicates after the last reply")
    parser.add_argument("--postgres-url", default="postgresql+asyncpg://postgres@127.0.0.1/postgres",
                        help="a database on the server where each run creates and drops its own")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured load first, at 10/s (default 3)")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the run of one instance without SHARED_DATABASE (what sharing costs)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir with the instances' logs")
    args = parser.parse_args(argv)
    try:
        args.counts = [int(c) for c in args.counts.split(",") if c.strip()]
    except ValueError:
        parser.error("--counts: numbers separated by commas, e.g. 1,2,3")
    if not args.counts or min(args.counts) < 1 or args.users < 1 or args.rate <= 0 or args.duration <= 0:
        parser.error("--counts, --users, --rate and --duration must be positive")
    return args


async def run_and_report(args: argparse.Namespace, workdir: Path) -> bool:
    print(f"Instances on PostgreSQL behind webhooks: {args.users} users, offered {args.rate:g} updates/s for "
          f"{args.duration:g} s ({round(args.rate * args.duration)} updates) per run, open loop with at most one "
          f"unanswered message per user; reply timeout {args.reply_timeout:g} s. SHARED_DATABASE=true in every run "
          f"(lane leases and the shared budget in the database, even for one instance); global limit raised to "
          f"{GLOBAL_LIMIT['SEND_GLOBAL_PER_SECOND']}/s so the bot's own speed is measured; per chat 1/s burst 3. "
          f"{psutil.cpu_count()} CPUs; every process (instances, PostgreSQL, the fake server and the load) shares them.",
          flush=True)
    results = []
    if not args.no_baseline:
        print("running 1 instance without SHARED_DATABASE ...", flush=True)
        results.append(await run_count(1, args, workdir, shared=False))
    for count in args.counts:
        print(f"running {count} instance(s) ...", flush=True)
        results.append(await run_count(count, args, workdir))
    print()
    print_table(results)
    ok = all(f["lost"] == 0 and f["duplicated"] == 0 for f in results)
    for f in results:
        if f["waited_for_user"]:
            print(f"NOTE: with {run_label(f)} the bot did not keep up with the offered rate; its "
                  f"throughput is its capacity and its latency mostly queueing.")
    if not ok:
        print("FAILED: updates were lost or answered twice (see the table above).")
    summary = {**run_identity("instances"), "users": args.users, "rate": args.rate, "duration_s": args.duration,
               "ok": ok, "runs": results}
    print(json.dumps(summary, ensure_ascii=False, separators=(",", ":")), flush=True)
    return ok


def main(argv: list[str] | None = None) -> int:
    return run_benchmark(parse_args(argv), run_and_report, name="benchmark", temp_prefix="kesu-instances-",
                         temp_contents="the instances' logs")


if __name__ == "__main__":
    sys.exit(main())
