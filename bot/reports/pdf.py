"""Sets core's management report (core/services/report_document.py) as an A4 PDF (fpdf2),
every word through the catalogs in the reader's locale.

Text is set in Noto Sans SC, or Noto Sans TC with SC behind it for Traditional Chinese (the
fonts the charts use, embedded as subsets), so no script shows a missing-glyph box. The
fonts have one weight: headings stand out by size and colour. Chinese has no spaces, so
its lines break between any two characters, except inside a Latin word or a number and
before closing punctuation (`chinese_lines`); English breaks between words. Charts are
drawn by bot/reports/charts.py as pictures the width of the text. Callers run this in
RENDER_THREAD, off the event loop, as the charts need.
"""
from __future__ import annotations

import re
from typing import Callable

from bot.reports.charts import font_files, render_page
from core.intents import Lines, Localized, ParamValue, Phrase
from core.services.report_document import Bullets, Cell, Document, Figure, Paragraph, Section, Table

MARGIN_MM = 16
CHART_PX = (1080, 560)
TEXT, MUTED, ACCENT, RULE, HEAD_FILL = (31, 41, 55), (107, 114, 128), (37, 99, 235), (209, 213, 219), (239, 244, 255)
SIZES = {"title": 19, "subtitle": 10, "heading": 14, "text": 10, "table": 9, "footer": 8}
# Keep a heading off the foot of a page: it needs this much room below it.
HEADING_ROOM_MM = 45

Label = Callable[[ParamValue], str]
# Chinese punctuation that must not begin a line: the character before it moves down too.
NO_LINE_START = set("，。、；：！？）」』】》〉…%％·")
# Runs of Latin letters, digits and their joiners stay together; anything else is one piece.
_PIECES = re.compile(r"[A-Za-z0-9@#&'’.,:;/+\-–()%]+ ?|.", re.S)


def _cell_text(value: Cell, label: Label) -> str:
    if value is None:
        return "—"
    if isinstance(value, Lines):
        return "\n".join(_cell_text(item, label) for item in value.items)  # type: ignore[arg-type]
    if isinstance(value, (Phrase, Localized)):
        return label(value)
    return str(value)


def _pdf_class():  # type: ignore[no-untyped-def]
    from fpdf import FPDF

    class ReportPdf(FPDF):
        footer_text = ""

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(size=SIZES["footer"])
            self.set_text_color(*MUTED)
            self.cell(0, 5, f"{self.footer_text}    {self.page_no()} / {{nb}}", align="C")

    return ReportPdf


def render_pdf(document: Document, locale: str, label: Label) -> bytes:
    from fpdf.enums import WrapMode

    pdf = _pdf_class()(format="A4")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(True, margin=18)
    fonts = font_files()
    pdf.add_font("sc", "", fonts["Noto Sans SC"])
    pdf.add_font("tc", "", fonts["Noto Sans TC"])
    if locale == "zh_Hant":
        pdf.set_font("tc", size=SIZES["text"])
        pdf.set_fallback_fonts(["sc"])
    else:
        pdf.set_font("sc", size=SIZES["text"])
    wrap = WrapMode.WORD if locale == "en" else WrapMode.CHAR
    title = label(document.title)
    pdf.set_title(title)
    pdf.set_creator("Kesu")
    pdf.set_lang({"zh_Hans": "zh-CN", "zh_Hant": "zh-TW"}.get(locale, "en"))
    pdf.footer_text = title
    pdf.add_page()
    _text(pdf, title, SIZES["title"], ACCENT, wrap, after=1)
    _text(pdf, label(document.subtitle), SIZES["subtitle"], MUTED, wrap, after=2)
    pdf.set_draw_color(*RULE)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(4)
    for section in document.sections:
        _section(pdf, section, locale, label, wrap)
    return bytes(pdf.output())


def _text(pdf, text: str, size: float, colour: tuple[int, int, int], wrap, after: float = 2, indent: float = 0) -> None:  # type: ignore[no-untyped-def]
    from fpdf.enums import WrapMode

    pdf.set_font(size=size)
    pdf.set_text_color(*colour)
    if wrap == WrapMode.CHAR:
        text = "\n".join(line for part in text.split("\n") for line in chinese_lines(part, pdf.epw - indent - 2 * pdf.c_margin - 0.5, pdf.get_string_width))
    pdf.set_x(pdf.l_margin + indent)
    pdf.multi_cell(pdf.epw - indent, size * 0.5, text, align="L", wrapmode=wrap, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(after)


def chinese_lines(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Chinese broken into lines of at most `width`: between any two characters, but a Latin
    word or a number stays whole and no line begins with closing punctuation."""
    lines: list[str] = []
    line: list[str] = []
    for piece in _PIECES.findall(text):
        if line and measure("".join(line) + piece.rstrip()) > width:
            carried: list[str] = []
            if piece[0] in NO_LINE_START and len(line) > 1:
                carried = [line.pop()]
            lines.append("".join(line).rstrip())
            line = carried
        line.append(piece)
    if line or not lines:
        lines.append("".join(line).rstrip())
    return lines


def _room(pdf) -> float:  # type: ignore[no-untyped-def]
    return pdf.h - pdf.b_margin - pdf.get_y()


def _section(pdf, section: Section, locale: str, label: Label, wrap) -> None:  # type: ignore[no-untyped-def]
    if _room(pdf) < HEADING_ROOM_MM:
        pdf.add_page()
    pdf.ln(2)
    _text(pdf, label(section.heading), SIZES["heading"], ACCENT, wrap, after=2)
    for block in section.blocks:
        if isinstance(block, Paragraph):
            _text(pdf, label(block.text), SIZES["text"], TEXT, wrap, after=2)
        elif isinstance(block, Bullets):
            for item in block.items:
                pdf.set_font(size=SIZES["text"])
                pdf.set_text_color(*TEXT)
                pdf.cell(5, SIZES["text"] * 0.5, "•")
                _text(pdf, label(item), SIZES["text"], TEXT, wrap, after=1, indent=5)
            pdf.ln(1)
        elif isinstance(block, Table):
            _table(pdf, block, label, wrap)
        elif isinstance(block, Figure):
            for chart in block.charts:
                _chart(pdf, render_page([chart], locale, label, size=CHART_PX))


def _table(pdf, table: Table, label: Label, wrap) -> None:  # type: ignore[no-untyped-def]
    from fpdf.fonts import FontFace

    pdf.set_font(size=SIZES["table"])
    pdf.set_text_color(*TEXT)
    pdf.set_draw_color(*RULE)
    align = tuple("RIGHT" if i in table.numeric else "LEFT" for i in range(len(table.columns)))
    headings = FontFace(emphasis="", color=ACCENT, fill_color=HEAD_FILL)
    with pdf.table(
        col_widths=table.widths, text_align=align, wrapmode=wrap, headings_style=headings, line_height=SIZES["table"] * 0.5,
        padding=1.2, v_align="TOP", width=pdf.epw,
    ) as rows:
        heading = rows.row()
        for column in table.columns:
            heading.cell(label(column))
        for values in table.rows:
            row = rows.row()
            for value in values:
                row.cell(_cell_text(value, label))
    pdf.ln(4)


def _chart(pdf, png: bytes) -> None:  # type: ignore[no-untyped-def]
    import io

    width = pdf.epw
    height = width * CHART_PX[1] / CHART_PX[0]
    if _room(pdf) < height:
        pdf.add_page()
    pdf.image(io.BytesIO(png), x=pdf.l_margin, w=width, h=height)
    pdf.ln(3)
