"""One soak run: the fake server with the desk, the bot against it, the load, and the figures."""
from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path
from typing import Any

from bench.launcher import MIB, polling_bot
from bench.soak.figures import load_figures
from bench.soak.load import Soak
from bench.soak.staff import create_desk, write_deployment
from bench.throughput import BOT_USERNAME, GLOBAL_LIMIT, TOKEN, BenchServer, bot_command, summarize_log
from fake_telegram import FakeGroup, FakeUser

# Telegram's per-chat and per-group limits would dominate a desk of hundreds of cases in one
# group; raised like the end-to-end tests do, so that the bot's own work is measured.
SEND_LIMITS = {
    **GLOBAL_LIMIT,
    "SEND_PER_CHAT_PER_SECOND": "50",
    "SEND_PER_CHAT_BURST": "20",
    "SEND_PER_GROUP_PER_MINUTE": "60000",
    "SEND_PER_GROUP_BURST": "100",
}


def kesu_command(base_url: str, workdir: Path, group: FakeGroup,
                 staff: list[FakeUser]) -> tuple[list[str], dict[str, str]]:
    argv, env = bot_command("kesu", base_url, workdir)
    env.update(SEND_LIMITS, HANDLER_CHAT_ID=str(group.id), CONFIG_FILE=str(write_deployment(workdir, staff)))
    return argv, env


def failed_api_calls(server: BenchServer) -> Counter[str]:
    return Counter(f"{call.method} -> {call.outcome}" for call in server.calls if call.outcome not in ("ok", "pending"))


def refused_buttons(server: BenchServer) -> Counter[str]:
    """Button presses the bot answered with an alert: it refused what the harness thought allowed."""
    return Counter(a.get("text", "") for a in server.callback_answers if a.get("show_alert"))


async def run_soak(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    server = BenchServer(token=TOKEN, bot_username=BOT_USERNAME)
    await server.start()
    group, staff = create_desk(server, args.staff)
    argv, env = kesu_command(server.base_url, workdir, group, staff)
    async with polling_bot("kesu", server, argv, env, workdir) as bot:
        soak = Soak(server, group, staff, args, bot.sample_rss)
        server.on_bot_message = soak.on_bot_message
        await bot.measure(soak.run())
        figures = load_figures(soak)
        figures.update(
            rss_start_mib=bot.rss_start_mib,
            rss_end_mib=round(bot.sample_rss() / MIB, 1),
            rss_peak_mib=bot.rss_peak_mib,
            bot_cpu_percent=bot.bot_cpu_percent,
            harness_cpu_percent=bot.harness_cpu_percent,
            failed_api_calls=dict(failed_api_calls(server)),
            refused_buttons=dict(refused_buttons(server)),
            unanswered_buttons=len(server.pending_callbacks),
            unconfirmed_updates=len(server.bot.queue),
        )
    figures["exit_code"] = bot.child.returncode
    figures["log"] = summarize_log("kesu", bot.child.log_text())
    return figures
