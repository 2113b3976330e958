"""The report's pictures: the size a phone shows well, every word in the reader's locale,
and a glyph for every character in the fonts that come with the project (no boxes)."""
from __future__ import annotations

import struct
import warnings

import pytest

from bot.i18n import Catalogs, Renderer
from bot.reports.charts import families, font_files, render_page, text_width, wrap
from core.domain.deployment import config_from_mapping
from core.intents import Chart, ChartSeries, Localized, Phrase
from core.locale import SUPPORTED_LOCALES
from core.services import report_charts
from core.services.case_card import SEVERITY_NAMES, STAGE_NAMES
from core.services.intake_prompts import category_label
from core.services.satisfaction import ASPECTS

RENDERER = Renderer(Catalogs(), "Asia/Shanghai")
SAMPLES = "訊息 軟體 影片 满意度 滿意度 客诉 客訴 說説"


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", data[16:24])


def label(locale: str):  # type: ignore[no-untyped-def]
    return RENDERER.labels(locale)


def chart_words() -> list[Phrase | Localized | str]:
    """Every word a chart can show: its titles, axes, series, statistics, stage, severity,
    outcome and aspect names, and the default deployment's categories."""
    intake = config_from_mapping({}).intake
    phrases: list[Phrase | Localized | str] = [
        report_charts.EMPTY, report_charts.CURRENT, report_charts.PREVIOUS, *report_charts.STATISTICS,
        *report_charts.STAGE_LABELS.values(), *SEVERITY_NAMES.values(), *STAGE_NAMES.values(), *ASPECTS.values(),
        *report_charts.OUTCOME_NAMES.values(), *report_charts.QUALITY, *(category_label(intake, c.key) for c in intake.categories), "★★★★★", SAMPLES,
    ]
    for code in ("axis.cases", "axis.hours", "axis.percent", "axis.ratings", "axis.score", "chart.aspects", "chart.categories",
                 "chart.deadlines", "chart.first_response", "chart.outcome", "chart.per_month", "chart.per_week",
                 "chart.quality", "chart.quality_none", "chart.resolution", "chart.severity", "chart.stars", "series.closed", "series.filed", "series.reopened"):
        phrases.append(Phrase("report." + code))
    return phrases


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_character_of_every_chart_word_has_a_glyph(locale: str) -> None:
    from matplotlib.ft2font import FT2Font

    fonts = [FT2Font(font_files()[family]) for family in families(locale)]
    missing = {
        ch
        for word in chart_words()
        for ch in label(locale)(word)
        if not ch.isspace() and not any(font.get_char_index(ord(ch)) for font in fonts)
    }
    assert missing == set()


def test_traditional_text_is_set_in_the_taiwan_font_first() -> None:
    assert families("zh_Hant")[0] == "Noto Sans TC" and families("zh_Hans") == ["Noto Sans SC"]


SAMPLE_PAGE = (
    Chart(Phrase("report.chart.per_week"), ("10-01", "10-05", "10-12"),
          (ChartSeries(Phrase("report.series.filed"), (3, 5, 0)), ChartSeries(Phrase("report.series.closed"), (1, 2, 4)),
           ChartSeries(Phrase("report.series.reopened"), (0, 1, 0))), Phrase("report.axis.cases")),
    Chart(Phrase("report.chart.aspects"), tuple(ASPECTS.values()),
          (ChartSeries(report_charts.CURRENT, (4.5, 3.0, None, 2.0)), ChartSeries(report_charts.PREVIOUS, (4.0, None, None, 5.0))),
          Phrase("report.axis.score"), style="hbars", max_value=5),
)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_a_page_is_1080_pixels_wide_and_draws_without_missing_glyphs(locale: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns of each glyph it lacks
        two = render_page(SAMPLE_PAGE, locale, label(locale))
        three = render_page((*SAMPLE_PAGE, Chart(Phrase("report.chart.empty"), (SAMPLES,), (ChartSeries(Phrase("report.series.filed"), (1,)),))), locale, label(locale))
    assert png_size(two) == (1080, 1350) and png_size(three) == (1080, 1620)


def test_an_empty_panel_says_so_and_percentages_and_lines_draw() -> None:
    empty = Chart(Phrase("report.chart.stars"), ("★",), (ChartSeries(report_charts.CURRENT, (0,)),), empty=report_charts.EMPTY)
    shares = Chart(Phrase("report.chart.deadlines"), ("a", "b"), (ChartSeries(report_charts.CURRENT, (0.0, 100.0)),), style="hbars",
                   percent=True, max_value=100)
    lines = Chart(Phrase("report.chart.per_month"), tuple(f"2026-{m:02d}" for m in range(1, 13)) * 2,
                  (ChartSeries(Phrase("report.series.filed"), tuple(range(24))),), style="lines")
    assert png_size(render_page((empty, shares, lines), "en", label("en"))) == (1080, 1620)
    assert png_size(render_page((), "en", label("en"))) == (1080, 1080)


def test_labels_wrap_at_spaces_or_between_chinese_characters() -> None:
    assert wrap("received, waiting to be reviewed", 16) == "received,\nwaiting to be\nreviewed"
    assert wrap("已收到，等待审阅中的案件", 8) == "已收到，\n等待审阅\n中的案件"
    assert wrap("short", 16) == "short"
    assert text_width("满意度 ok") == 9
