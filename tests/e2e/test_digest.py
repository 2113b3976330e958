"""The weekly digest through the real process: the bot's clock is moved past the digest's
time and the digest arrives once, with its chart; a restart sends nothing again; a week
later the next one arrives, once; after three weeks down, one digest for the latest week."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import wait_outbox_settled
from tests.e2e.staffed import Staffed, query_dicts, running, setup_staffed
from tests.e2e.test_deadline_gaps import set_clock

pytestmark = pytest.mark.e2e

TIMEOUT = 90.0  # the first chart of a process imports matplotlib
SUNDAY_NOON = datetime(2026, 11, 29, 4, 0, tzinfo=timezone.utc)  # 12:00 in Shanghai
MONDAY_SLOT = datetime(2026, 11, 30, 1, 0, tzinfo=timezone.utc)  # 09:00 in Shanghai
NEXT_MONDAY_SLOT = datetime(2026, 12, 7, 1, 0, tzinfo=timezone.utc)
BACK_AFTER_WEEKS = datetime(2026, 12, 30, 3, 0, tzinfo=timezone.utc)  # Wednesday 11:00 in Shanghai
SECTIONS = '[reports]\ndigest = true\ndigest_weekday = "monday"\ndigest_time = "09:00"\n'


def digests(desk: Staffed) -> list[dict[str, Any]]:
    """The digests' texts and pictures in the group's General topic."""
    return [
        m for m in desk.group_messages()
        if "每周摘要" in (m.get("text") or "") or (m.get("photo") and (m.get("caption") or "").startswith("🗓"))
    ]


def rows(desk: Staffed) -> list[tuple[str, str]]:
    return [(r["due_at"][:16], r["status"]) for r in query_dicts(desk, "SELECT * FROM digests ORDER BY due_at")]


async def schedule_checked(desk: Staffed, count: int) -> None:
    """Until the worker of the `count`th start has planned the digest and acted on any due."""
    await desk.bot.wait_for_log(lambda r: r.get("msg") == "digest schedule checked", timeout=TIMEOUT, count=count)


async def test_the_digest_arrives_once_across_a_restart_a_week_and_a_gap(fake_server, tmp_path: Path) -> None:
    clock_file = tmp_path / "clock-offset"
    set_clock(clock_file, SUNDAY_NOON)
    env = {"CLOCK_OFFSET_FILE": str(clock_file), "DEADLINE_POLL_SECONDS": "0.2"}
    async with running(setup_staffed(fake_server, tmp_path, forum=True, env=env, sections=SECTIONS)) as desk:
        await schedule_checked(desk, 1)
        assert rows(desk) == [("2026-11-30 01:00", "pending")] and digests(desk) == []

        set_clock(clock_file, MONDAY_SLOT.replace(minute=1))
        posted = await desk.server.wait_for(lambda: (lambda found: found if len(found) >= 2 else None)(digests(desk)), timeout=TIMEOUT)
        text, picture = posted
        assert text["text"].startswith("🗓 每周摘要") and "新提交：" in text["text"] and "满意度：" in text["text"]
        assert picture["photo"][-1]["width"] == 1080 and not text.get("is_topic_message")
        await wait_outbox_settled(desk.database_url)
        assert rows(desk) == [("2026-11-30 01:00", "done"), ("2026-12-07 01:00", "pending")]

        # A restart (a kill, as after a power cut) sends nothing again.
        desk.bot.kill()
        desk.bot.start()
        await schedule_checked(desk, 2)
        await wait_outbox_settled(desk.database_url)
        assert len(digests(desk)) == 2
        assert rows(desk) == [("2026-11-30 01:00", "done"), ("2026-12-07 01:00", "pending")]

        # A week on, the next one, once.
        set_clock(clock_file, NEXT_MONDAY_SLOT.replace(minute=1))
        await desk.server.wait_for(lambda: len(digests(desk)) >= 4, timeout=TIMEOUT)
        await wait_outbox_settled(desk.database_url)
        assert len(digests(desk)) == 4
        assert rows(desk) == [("2026-11-30 01:00", "done"), ("2026-12-07 01:00", "done"), ("2026-12-14 01:00", "pending")]

        # Down for three weeks: one digest when it is back, and the next planned from now.
        await desk.bot.stop_async()
        set_clock(clock_file, BACK_AFTER_WEEKS)
        desk.bot.start()
        await schedule_checked(desk, 3)
        await desk.server.wait_for(lambda: len(digests(desk)) >= 6, timeout=TIMEOUT)
        await wait_outbox_settled(desk.database_url)
        assert len(digests(desk)) == 6 and "12月21日" in digests(desk)[-2]["text"] and "12月28日" in digests(desk)[-2]["text"]
        assert rows(desk)[-2:] == [("2026-12-14 01:00", "done"), ("2027-01-04 01:00", "pending")]
