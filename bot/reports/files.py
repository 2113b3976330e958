"""Report files, made when the outbox row is sent: /export's sheets (core/services/
report_export.py) with every word rendered in the reader's locale, written as an XLSX
workbook (openpyxl) or, the cases sheet only, as a CSV in UTF-8 with a byte-order mark
(which spreadsheet programs need to read Chinese text from a CSV); and the management
report (core/services/report_document.py) as a PDF (bot/reports/pdf.py)."""
from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import datetime
from typing import Any, Sequence

from bot.i18n import Renderer
from bot.reports.charts import RENDER_THREAD
from core.intents import Localized, Phrase, SendReportFile
from core.services import report_document
from core.services.report_export import Sheet, build_sheets, export_data
from core.services.staff_desk import StaffDesk
from core.storage.uow import UnitOfWorkFactory

SHEET_NAME_CHARS = 31
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

Rendered = list[tuple[str, list[str], list[list[Any]]]]


def render_sheets(sheets: Sequence[Sheet], renderer: Renderer, locale: str) -> Rendered:
    """Sheets with plain values: names, headers and labels in the reader's words."""

    def cell(value: Any) -> Any:
        if isinstance(value, (Phrase, Localized)):
            return renderer.render_label(value, locale)
        return value

    return [
        (renderer.render_label(sheet.name, locale), [renderer.render_label(c, locale) for c in sheet.columns], [[cell(v) for v in row] for row in sheet.rows])
        for sheet in sheets
    ]


def _sheet_title(name: str, taken: set[str]) -> str:
    title = _NOT_IN_SHEET_NAMES.sub(" ", name)[:SHEET_NAME_CHARS].strip() or "Sheet"
    candidate, n = title, 2
    while candidate.lower() in taken:
        suffix = f" {n}"
        candidate, n = title[: SHEET_NAME_CHARS - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def _width(column: str, values: Sequence[Any]) -> float:
    widths = [16 if isinstance(v, datetime) else len(str(v)) for v in (column, *values) if v is not None]
    return min(max(max(widths) + 2, 8), 48)


def xlsx_bytes(sheets: Rendered) -> bytes:
    """Written row by row (openpyxl's write-only mode): a year of a busy desk is 100,000
    rows, and an ordinary workbook rescans its cells for every row appended."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    taken: set[str] = set()
    bold = Font(bold=True)
    for name, columns, rows in sheets:
        sheet = book.create_sheet(_sheet_title(name, taken))
        sheet.freeze_panes = "A2"
        for index, column in enumerate(columns, start=1):
            sample = [row[index - 1] for row in rows[:200]]
            sheet.column_dimensions[get_column_letter(index)].width = _width(column, sample)

        def cell(value: Any, font: Font | None = None) -> Any:
            if isinstance(value, str):
                written = WriteOnlyCell(sheet, value=value)
                written.data_type = "s"  # people's words stay words: "=..." is no formula here
                if font is not None:
                    written.font = font
                return written
            if isinstance(value, datetime):
                written = WriteOnlyCell(sheet, value=value)
                written.number_format = DATETIME_FORMAT
                return written
            return value

        sheet.append([cell(column, bold) for column in columns])
        for row in rows:
            sheet.append([cell(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PHONE = re.compile(r"\+[0-9 •]+")


def csv_text(value: Any) -> Any:
    """A CSV cell: times as the desk reads them, and text that a spreadsheet program would
    take for a formula made plain with a leading apostrophe (phone numbers excepted)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PHONE.fullmatch(value):
        return "'" + value
    return value


def csv_bytes(sheet: tuple[str, list[str], list[list[Any]]]) -> bytes:
    _name, columns, rows = sheet
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_text(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


class ReportFiles:
    """Makes an export's file when its row is sent: the figures are read then, for the
    period the row names, and the file is written off the event loop."""

    def __init__(self, uow_factory: UnitOfWorkFactory, desk: StaffDesk, renderer: Renderer) -> None:
        self._uow_factory = uow_factory
        self._desk = desk
        self._renderer = renderer

    async def make(self, request: SendReportFile) -> bytes:
        if request.file_format == "pdf":
            from bot.reports.pdf import render_pdf

            async with self._uow_factory() as uow:
                document = await report_document.build(uow, self._desk, request)
            label = self._renderer.labels(request.locale)
            return await asyncio.get_running_loop().run_in_executor(RENDER_THREAD, render_pdf, document, request.locale, label)
        async with self._uow_factory() as uow:
            data = await export_data(uow, self._desk, request)

        def write() -> bytes:
            # A year's export is 100,000 rows of work: none of it on the event loop.
            rendered = render_sheets(build_sheets(self._desk, request, data), self._renderer, request.locale)
            return csv_bytes(rendered[0]) if request.file_format == "csv" else xlsx_bytes(rendered)

        return await asyncio.get_running_loop().run_in_executor(RENDER_THREAD, write)
