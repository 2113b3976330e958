"""Draws core's charts (core.intents.Chart) as PNG pictures for a phone: 1080 pixels wide,
two or three panels a picture, every word through the catalogs in the reader's locale.

matplotlib's Agg backend and its object API only (no pyplot, no display), imported on
first use so a start does not wait for it. Text is set in Noto Sans SC, or Noto Sans TC
with SC behind it for Traditional Chinese (both from PyPI packages, SIL OFL 1.1), so
neither script shows a missing-glyph box whatever fonts the machine has. Drawing is CPU
work: callers run it in RENDER_THREAD, off the event loop, one picture at a time.
"""
from __future__ import annotations

import io
import math
import threading
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Sequence

from core.intents import Chart, ParamValue

WIDTH_PX = 1080
DPI = 150
PANEL_HEIGHT_PX = {1: 1080, 2: 675, 3: 540}
# One drawing at a time (matplotlib's font caches are not shared safely between threads),
# and never on the event loop.
RENDER_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="charts")

CURRENT_COLOUR, PREVIOUS_COLOUR = "#2563eb", "#b6bcc6"
SERIES_COLOURS = ("#2563eb", "#16a34a", "#ea580c", "#9333ea")
TEXT_COLOUR, GRID_COLOUR = "#1f2937", "#e5e7eb"
SIZES = {"title": 17, "label": 13, "tick": 13, "value": 12, "legend": 12.5, "empty": 15}

_fonts_lock = threading.Lock()
_families: dict[str, list[str]] = {}

Label = Callable[[ParamValue], str]


def font_files() -> dict[str, str]:
    """The font files charts are set in, by family."""
    import pylopdf_fonts_zh_cn
    import pylopdf_fonts_zh_tw

    return {"Noto Sans SC": str(pylopdf_fonts_zh_cn.sans_path()), "Noto Sans TC": str(pylopdf_fonts_zh_tw.sans_path())}


def families(locale: str) -> list[str]:
    """The font families, in fallback order, for a locale (registered on first use)."""
    with _fonts_lock:
        if not _families:
            from matplotlib import font_manager

            for path in font_files().values():
                font_manager.fontManager.addfont(path)
            _families["zh_Hant"] = ["Noto Sans TC", "Noto Sans SC"]
            _families["zh_Hans"] = ["Noto Sans SC"]
            _families["en"] = ["Noto Sans SC"]
    return _families.get(locale, _families["en"])


def text_width(text: str) -> int:
    """Columns a text takes: East Asian wide characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text: str, columns: int) -> str:
    """Breaks a label into lines of at most `columns`: at spaces where there are some,
    anywhere between wide characters (Chinese has no spaces)."""
    lines: list[str] = []
    line = ""
    for word in _words(text):
        if line and text_width(line + word) > columns:
            lines.append(line.rstrip())
            line = word.lstrip()
        else:
            line += word
    if line:
        lines.append(line.rstrip())
    return "\n".join(lines[:3]) + ("…" if len(lines) > 3 else "")


def _words(text: str) -> list[str]:
    words: list[str] = []
    for ch in text:
        wide = unicodedata.east_asian_width(ch) in "WF"
        if wide or not words or ch == " " or words[-1].endswith(" ") or _is_wide(words[-1][-1]):
            words.append(ch)
        else:
            words[-1] += ch
    return words


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def render_page(charts: Sequence[Chart], locale: str, label: Label, size: tuple[int, int] | None = None) -> bytes:
    """One picture of one to three panels, as PNG bytes; `size`: (width, height) in pixels
    instead of a phone's (the PDF's charts are wider than they are tall)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fonts = families(locale)
    panels = max(1, len(charts))
    width, height = size or (WIDTH_PX, PANEL_HEIGHT_PX.get(panels, 540) * panels)
    with matplotlib.rc_context({"font.family": fonts, "font.size": SIZES["label"], "axes.unicode_minus": False, "text.color": TEXT_COLOUR}):
        figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, layout="constrained", facecolor="white")
        FigureCanvasAgg(figure)
        figure.get_layout_engine().set(w_pad=0.12, h_pad=0.12, hspace=0.08)  # type: ignore[union-attr]
        axes = figure.subplots(panels, 1, squeeze=False)[:, 0]
        for ax, chart in zip(axes, charts):
            _panel(ax, chart, label)
        out = io.BytesIO()
        figure.savefig(out, format="png", dpi=DPI, facecolor="white")
    return out.getvalue()


def _panel(ax: Any, chart: Chart, label: Label) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    # The legend sits between the title and the plot: the title's pad leaves it room.
    ax.set_title(label(chart.title), fontsize=SIZES["title"], loc="left", pad=10 if len(chart.series) < 2 else 34, color=TEXT_COLOUR)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    values = [v for s in chart.series for v in s.values if v is not None]
    if not chart.categories or not any(values):
        ax.set_xticks([])
        ax.set_yticks([])
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        if chart.empty is not None:
            ax.text(0.5, 0.5, label(chart.empty), ha="center", va="center", fontsize=SIZES["empty"], color="#6b7280", transform=ax.transAxes)
        return
    names = [label(c) for c in chart.categories]
    horizontal = chart.style == "hbars"
    colours = _colours(chart)
    top = chart.max_value or max(values) * 1.18 or 1
    value_axis = ax.xaxis if horizontal else ax.yaxis
    if chart.style == "lines":
        positions = range(len(names))
        for series, colour in zip(chart.series, colours):
            ax.plot(positions, [math.nan if v is None else v for v in series.values], marker="o", markersize=4, linewidth=2.2,
                    color=colour, label=label(series.label))
        ax.set_ylim(0, top)
    else:
        count = len(chart.series)
        width = 0.8 / count
        for index, (series, colour) in enumerate(zip(chart.series, colours)):
            offset = (index - (count - 1) / 2) * width
            positions = [i + offset for i in range(len(names))]
            heights = [0 if v is None else v for v in series.values]
            if horizontal:
                bars = ax.barh(positions, heights, height=width * 0.92, color=colour, label=label(series.label))
            else:
                bars = ax.bar(positions, heights, width=width * 0.92, color=colour, label=label(series.label))
            # A count of nothing needs no number; a share of nothing (0 % met) does.
            texts = [_value_text(v, chart.percent) if v or chart.percent else "" for v in series.values]
            ax.bar_label(bars, labels=texts, padding=3, fontsize=SIZES["value"], color=TEXT_COLOUR)
        (ax.set_xlim if horizontal else ax.set_ylim)(0, top * (1.12 if horizontal else 1.0))
    if horizontal:
        ax.set_yticks(range(len(names)), [wrap(n, 16) for n in names], fontsize=SIZES["tick"])
        ax.invert_yaxis()
        ax.grid(axis="x", color=GRID_COLOUR, linewidth=1)
    else:
        many = len(names) > 8
        ax.set_xticks(range(len(names)), [n if many else wrap(n, 12) for n in names], fontsize=SIZES["tick"],
                      rotation=45 if many else 0, ha="right" if many else "center", rotation_mode="anchor")
        ax.grid(axis="y", color=GRID_COLOUR, linewidth=1)
    ax.set_axisbelow(True)
    ax.tick_params(axis="both", labelsize=SIZES["tick"], colors=TEXT_COLOUR)
    if chart.axis is not None:
        (ax.set_xlabel if horizontal else ax.set_ylabel)(label(chart.axis), fontsize=SIZES["label"])
    if chart.percent:
        value_axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%"))
    elif all(float(v).is_integer() for v in values):
        value_axis.set_major_locator(MaxNLocator(integer=True))
    else:
        value_axis.set_major_locator(MaxNLocator(nbins=6))
        value_axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    if len(chart.series) > 1:
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=len(chart.series), frameon=False,
                  fontsize=SIZES["legend"], borderaxespad=0.3, handlelength=1.2, columnspacing=1.4)


def _colours(chart: Chart) -> Sequence[str]:
    if len(chart.series) == 2:
        return (CURRENT_COLOUR, PREVIOUS_COLOUR)
    return SERIES_COLOURS


def _value_text(value: float | None, percent: bool) -> str:
    if value is None:
        return ""
    if percent:
        return f"{value:.0f}%"
    if float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:.2f}" if abs(value) < 1 else f"{value:.1f}"  # a few minutes are 0.08 h, not 0.1
