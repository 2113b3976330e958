"""/export's files as written: sheets in the reader's words, times as times, people's text
never a formula, and a CSV that spreadsheet programs open as UTF-8."""
from __future__ import annotations

import csv
import io
from datetime import datetime

from openpyxl import load_workbook

from bot.i18n import Catalogs, Renderer
from bot.reports.files import csv_bytes, render_sheets, xlsx_bytes
from core.intents import Localized, Phrase
from core.services.report_export import Sheet

RENDERER = Renderer(Catalogs(), "Asia/Shanghai")

SHEETS = [
    Sheet(
        Phrase("report.sheet.cases"),
        (Phrase("report.column.number"), Phrase("report.column.category"), Phrase("report.column.filed_at"),
         Phrase("report.column.contact"), Phrase("report.column.comment"), Phrase("report.column.cost")),
        [
            ("KS-1", Localized({"en": "Other", "zh_Hans": "其他", "zh_Hant": "其他"}), datetime(2026, 10, 9, 17, 0), "+86 138••••8000",
             "=HYPERLINK(\"http://x\")", 12.5),
            ("KS-2", Phrase("intake.category.unsure"), None, None, "@sum", None),
        ],
    ),
    Sheet(Phrase("report.sheet.overview"), (Phrase("report.column.item"), Phrase("report.series.current")), [(Phrase("report.figure.filed"), 2)]),
    # A name with characters sheet names cannot hold, and the same name twice.
    Sheet(Localized({"en": "a/b: [c]?", "zh_Hans": "a/b", "zh_Hant": "a/b"}), (Phrase("report.column.item"),), []),
    Sheet(Localized({"en": "a/b: [c]?", "zh_Hans": "a/b", "zh_Hant": "a/b"}), (Phrase("report.column.item"),), []),
]


def test_the_workbook_reads_back_in_the_readers_words() -> None:
    book = load_workbook(io.BytesIO(xlsx_bytes(render_sheets(SHEETS, RENDERER, "zh_Hant"))))
    assert book.sheetnames == ["案件", "概覽", "a b", "a b 2"]
    cases = book["案件"]
    rows = list(cases.iter_rows(values_only=True))
    assert rows[0] == ("案件編號", "類別", "提交時間", "聯絡電話", "評價留言", "補救費用")
    assert rows[1] == ("KS-1", "其他", datetime(2026, 10, 9, 17, 0), "+86 138••••8000", '=HYPERLINK("http://x")', 12.5)
    assert cases["E2"].data_type == "s" and cases["C2"].number_format == "yyyy-mm-dd hh:mm"
    assert rows[2][:3] == ("KS-2", RENDERER.render_label(Phrase("intake.category.unsure"), "zh_Hant"), None)
    assert list(book["概覽"].iter_rows(values_only=True)) == [("項目", "本期"), ("提交的案件", 2)]


def test_sheet_names_lose_what_they_cannot_hold() -> None:
    book = load_workbook(io.BytesIO(xlsx_bytes(render_sheets(SHEETS, RENDERER, "en"))))
    assert book.sheetnames[2:] == ["a b   c", "a b   c 2"]


def test_the_csv_is_utf8_with_a_byte_order_mark_and_no_formulas() -> None:
    data = csv_bytes(render_sheets(SHEETS, RENDERER, "zh_Hans")[0])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["案件编号", "类别", "提交时间", "联系电话", "评价留言", "补救费用"]
    assert rows[1] == ["KS-1", "其他", "2026-10-09 17:00", "+86 138••••8000", "'=HYPERLINK(\"http://x\")", "12.5"]
    assert rows[2][2:] == ["", "", "'@sum", ""]


def test_chinese_lines_keep_words_whole_and_never_start_with_closing_punctuation() -> None:
    from bot.reports.pdf import chinese_lines

    def width(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

    lines = chinese_lines("本期案件中仍有 2 件未结。处理记录 Train staff 已完成", 20, width)
    assert lines == ["本期案件中仍有 2 件", "未结。处理记录 Train", "staff 已完成"]
    assert all(width(line) <= 20 for line in lines)
    # The full stop would begin a line: the character before it goes down with it.
    assert chinese_lines("一二三四五。", 10, width) == ["一二三四", "五。"]
    assert chinese_lines("", 10, width) == [""]
