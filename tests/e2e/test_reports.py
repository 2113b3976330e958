"""/report and /export through the real process: the summary and the chart pictures in each
of the group's languages, the spreadsheet and the CSV read back, an agent's view of their
own cases only, and an album that fails once still arrives once."""
from __future__ import annotations

import csv
import io
import os
import sqlite3
import struct
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, AsyncIterator

import pytest
from openpyxl import load_workbook

from tests.e2e.conversation import Conversation
from tests.e2e.harness import wait_outbox_settled
from tests.e2e.staffed import Staffed, database_path, file_complaint, query, running, setup_staffed

pytestmark = pytest.mark.e2e

# The first report of a process imports matplotlib and reads its fonts: generous on a busy machine.
TIMEOUT = 90.0
PHONE = "+8613800138000"


@asynccontextmanager
async def desk_in(fake_server, tmp_path: Path, locale: str, **env: str) -> AsyncIterator[Staffed]:
    desk = setup_staffed(fake_server, tmp_path, forum=True, env=env, group_locale=f'"{locale}"')
    async with running(desk) as staffed:
        seed(staffed)
        yield staffed


def stored(moment: datetime) -> str:
    """A time as the bot's SQLite rows hold it: UTC without a zone."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def seed(desk: Staffed) -> None:
    """Three cases of the last days, written as rows as the bot writes them (a claim is the
    first response, kept on the case too): Ann's closed one (rated 4), Bo's urgent one, and
    one nobody has claimed."""
    now = datetime.now(timezone.utc)
    cases = [
        ("KS-SEED-1", now - timedelta(days=3), "product_quality", "general", "closed", desk.agent.id, PHONE),
        ("KS-SEED-2", now - timedelta(days=2), "other", "urgent", "investigating", desk.agent2.id, None),
        ("KS-SEED-3", now - timedelta(days=1), "after_sales", "general", "received", None, "+85291234567"),
    ]
    with sqlite3.connect(database_path(desk), timeout=30) as db:
        for number, filed, category, severity, stage, owner, phone in cases:
            cursor = db.execute(
                "INSERT INTO cases (number, customer_id, category, statement, reference_values, contact_phone, resolution, locale, channel,"
                " stage, severity, tier, owner_id, reopen_count, appealed, first_response_at, created_at, updated_at)"
                " VALUES (?, 900, ?, 'seeded', '{}', ?, 'refund', 'en', 'telegram', ?, ?, 1, ?, 0, 0, ?, ?, ?)",
                (number, category, phone, stage, severity, owner, stored(filed + timedelta(minutes=10)) if owner else None, stored(filed), stored(filed)),
            )
            events = [("customer:900", "filed", filed)]
            if owner:
                events.append((f"staff:{owner}", "claimed", filed + timedelta(minutes=10)))
            if stage == "closed":
                events += [("customer:900", "solution_accepted", filed + timedelta(days=1)), ("customer:900", "follow_up_ok", filed + timedelta(days=2))]
                db.execute(
                    "INSERT INTO case_ratings (case_id, round, stars, aspects, comment, rated_at, updated_at) VALUES (?, 0, 4, '{\"quality\": 4}', NULL, ?, ?)",
                    (cursor.lastrowid, stored(filed + timedelta(days=1)), stored(filed + timedelta(days=1))),
                )
            for actor, action, at in events:
                db.execute(
                    "INSERT INTO case_events (case_id, at, actor, action, detail) VALUES (?, ?, ?, ?, '{}')", (cursor.lastrowid, stored(at), actor, action)
                )


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n"), "not a PNG"
    return struct.unpack(">II", data[16:24])


def after(desk: Staffed, cursor: int) -> list[dict[str, Any]]:
    """The bot's messages in the group's General topic since `cursor` (cases' topics left out)."""
    return [m for m in desk.group_messages()[cursor:] if not m.get("is_topic_message")]


async def ask(desk: Staffed, who, command: str, expected: int) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Sends the command in the group's General topic; the bot's next `expected` messages there."""
    cursor = len(desk.group_messages())
    who.send_text_in(desk.group, command)
    return await desk.server.wait_for(lambda: (lambda new: new if len(new) >= expected else None)(after(desk, cursor)), timeout=TIMEOUT)


def photos_of(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if m.get("photo")]


SUMMARY = {
    "zh_Hans": ("📊 报告", "全部案件", "新提交：3", "首次回应（2 件）", "尚未回应：1", "满意度：4.0 ★", "各负责人的案件"),
    "zh_Hant": ("📊 報告", "全部案件", "新提交：3", "首次回應（2 件）", "尚未回應：1", "滿意度：4.0 ★", "各負責人的案件"),
    "en": ("📊 Report", "Whole desk", "Filed: 3", "First response (2 cases)", "Not answered yet: 1", "Satisfaction: 4.0 ★ from 1 ratings", "Cases per owner"),
}


@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant", "en"])
async def test_report_posts_a_summary_and_pictures_in_the_groups_language(fake_server, tmp_path: Path, locale: str) -> None:
    async with desk_in(fake_server, tmp_path, locale) as desk:
        summary, *album = await ask(desk, desk.supervisor, "/report", expected=5)
        for words in SUMMARY[locale]:
            assert words in summary["text"], (words, summary["text"])
        assert "KS-SEED" not in summary["text"]  # figures, not a case list
        pictures = photos_of(album)
        assert len(pictures) == 4 and len({m["media_group_id"] for m in pictures}) == 1
        assert pictures[0]["caption"].startswith(SUMMARY[locale][0]) and all("caption" not in m for m in pictures[1:])
        for n, message in enumerate(pictures, start=1):
            largest = message["photo"][-1]
            data = desk.server.files.get(largest["file_id"]).data
            if os.environ.get("KESU_REPORT_PICTURES"):  # a folder to look at the pictures in
                (Path(os.environ["KESU_REPORT_PICTURES"]) / f"report-{locale}-{n}.png").write_bytes(data)
            assert png_size(data) == (largest["width"], largest["height"])
            # Two panels a picture, three on the second (the quality chart) and the last.
            assert (largest["width"], largest["height"]) == (1080, 1620 if n in (2, 4) else 1350)


async def test_export_posts_a_workbook_and_a_csv_of_the_periods_cases(fake_server, tmp_path: Path) -> None:
    async with desk_in(fake_server, tmp_path, "zh_Hans") as desk:
        customer = desk.server.create_user(first_name="Cust", language_code="en")
        filed = await file_complaint(Conversation(desk.server, customer), "The kettle arrived broken, the lid is cracked.")
        await wait_outbox_settled(desk.database_url)
        numbers = {number for (number,) in query(desk, "SELECT number FROM cases")}
        assert filed in numbers and len(numbers) == 4
        xlsx, csv_file = await ask(desk, desk.supervisor, "/export", expected=2)
        assert xlsx["document"]["file_name"].endswith(".xlsx") and csv_file["document"]["file_name"].endswith(".csv")
        assert xlsx["caption"].startswith("📑 案件")
        book = load_workbook(io.BytesIO(desk.server.files.get(xlsx["document"]["file_id"]).data))
        assert book.sheetnames[:3] == ["案件", "概览", "类别"] and len(book.sheetnames) == 13
        rows = list(book["案件"].iter_rows(values_only=True))
        header, cases = rows[0], rows[1:]
        assert header[:3] == ("案件编号", "渠道", "类别")
        by_number = {row[0]: dict(zip(header, row)) for row in cases}
        assert set(by_number) == numbers
        # Posted in the group, where every member can open it: masked even for a supervisor.
        assert by_number["KS-SEED-1"]["联系电话"] == "+86 138••••8000" and PHONE not in str(rows) and by_number["KS-SEED-1"]["评分（星）"] == 4
        assert by_number["KS-SEED-2"]["严重程度"] == "紧急"
        overview = {row[0]: row[1:] for row in book["概览"].iter_rows(min_row=2, values_only=True)}
        assert overview["提交的案件"] == (4, 0) and overview["接受的方案"] == (1, 0)
        data = desk.server.files.get(csv_file["document"]["file_id"]).data
        assert data.startswith(b"\xef\xbb\xbf")
        table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert table[0] == list(header) and {row[0] for row in table[1:]} == numbers


async def test_an_agent_sees_only_the_cases_they_own(fake_server, tmp_path: Path) -> None:
    async with desk_in(fake_server, tmp_path, "en") as desk:
        [summary, *_album] = await ask(desk, desk.agent, "/report", expected=5)
        text = summary["text"]
        assert "Cases owned by Agent Ann" in text and "Filed: 1" in text and "Whole desk" not in text
        owners = text.split("Cases per owner", 1)[1]
        assert "Agent Ann: 1" in owners and str(desk.agent2.id) not in owners and "unclaimed" not in owners
        [usage] = await ask(desk, desk.agent, "/report fortnight", expected=1)
        assert usage["text"].startswith("Usage: /report [period]")
        xlsx, _csv = await ask(desk, desk.agent, "/export", expected=2)
        header, *cases = list(load_workbook(io.BytesIO(desk.server.files.get(xlsx["document"]["file_id"]).data))["Cases"].iter_rows(values_only=True))
        [row] = cases
        line = dict(zip(header, row))
        # Ann's case only, and its contact masked: agents may not reveal contacts.
        assert line["Case number"] == "KS-SEED-1" and line["Contact"] == "+86 138••••8000"
        [refusal] = await ask(desk, desk.no_role, "/report", expected=1)
        assert "photo" not in refusal and "Report" not in refusal["text"]


async def test_an_album_that_fails_once_arrives_once(fake_server, tmp_path: Path) -> None:
    async with desk_in(fake_server, tmp_path, "zh_Hant", SEND_BACKOFF_CAP_SECONDS="1") as desk:
        fake_server.inject_fault("502", count=1, method="sendMediaGroup")
        cursor = len(desk.group_messages())
        desk.supervisor.send_text_in(desk.group, "/report month")
        await desk.server.wait_for(lambda: len(photos_of(after(desk, cursor))) >= 4, timeout=TIMEOUT)
        await desk.bot.wait_for_log(lambda r: r.get("msg") == "delivery will be retried" and r.get("method") == "send_charts", timeout=TIMEOUT)
        await desk.server.wait_for(lambda: not query(desk, "SELECT 1 FROM outbox WHERE status = 'pending'"), timeout=TIMEOUT)
        assert len(photos_of(after(desk, cursor))) == 4
        assert [c.method for c in desk.server.calls].count("sendMediaGroup") == 2


PDF_TITLE = {"zh_Hans": "投诉处理工作报告", "zh_Hant": "投訴處理工作報告", "en": "Complaint handling report"}


@pytest.mark.parametrize("locale", ["zh_Hant", "en"])
async def test_report_for_the_year_attaches_a_pdf_whose_pages_render(fake_server, tmp_path: Path, locale: str) -> None:
    import pypdfium2

    async with desk_in(fake_server, tmp_path, locale) as desk:
        summary, *album, document = await ask(desk, desk.supervisor, "/report year", expected=6)
        assert summary["text"].startswith(SUMMARY[locale][0]) and len(photos_of(album)) == 4
        assert document["document"]["file_name"].endswith(".pdf") and document["document"]["file_name"].startswith("kesu-report-2026")
        assert "PDF" in document["caption"]
        data = desk.server.files.get(document["document"]["file_id"]).data
        pdf = pypdfium2.PdfDocument(data)
        assert len(pdf) >= 5
        text = ""
        for index in range(len(pdf)):
            page = pdf[index]
            text += page.get_textpage().get_text_range()
            image = page.render(scale=1).to_pil()
            assert image.width > 500 and image.getextrema() != ((255, 255), (255, 255), (255, 255))
            if os.environ.get("KESU_REPORT_PICTURES"):
                image.save(Path(os.environ["KESU_REPORT_PICTURES"]) / f"report-pdf-{locale}-{index + 1}.png")
        flat = "".join(text.split())
        assert PDF_TITLE[locale].replace(" ", "") in flat and "KS-SEED-2" in flat  # the urgent case is a typical one
        assert "13800138000" not in flat and "91234567" not in flat  # no contact, ever
        # /report for the last 30 days brings no PDF.
        cursor = len(desk.group_messages())
        desk.supervisor.send_text_in(desk.group, "/report")
        await desk.server.wait_for(lambda: len(photos_of(after(desk, cursor))) >= 4, timeout=TIMEOUT)
        await wait_outbox_settled(desk.database_url)
        assert not [m for m in after(desk, cursor) if m.get("document")]


async def test_a_pdf_that_fails_once_arrives_once(fake_server, tmp_path: Path) -> None:
    import pypdfium2

    async with desk_in(fake_server, tmp_path, "zh_Hans", SEND_BACKOFF_CAP_SECONDS="1") as desk:
        fake_server.inject_fault("502", count=1, method="sendDocument")
        cursor = len(desk.group_messages())
        desk.supervisor.send_text_in(desk.group, "/report month")
        await desk.server.wait_for(lambda: any(m.get("document") for m in after(desk, cursor)), timeout=TIMEOUT)
        await desk.bot.wait_for_log(lambda r: r.get("msg") == "delivery will be retried" and r.get("method") == "send_report_file", timeout=TIMEOUT)
        await desk.server.wait_for(lambda: not query(desk, "SELECT 1 FROM outbox WHERE status = 'pending'"), timeout=TIMEOUT)
        [document] = [m for m in after(desk, cursor) if m.get("document")]
        assert document["caption"].startswith("📄 管理报告")
        pdf = pypdfium2.PdfDocument(desk.server.files.get(document["document"]["file_id"]).data)
        assert "投诉处理工作报告" in "".join(pdf[0].get_textpage().get_text_range().split())
        assert [c.method for c in desk.server.calls].count("sendDocument") == 2
