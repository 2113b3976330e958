"""The demo page works offline and never parses text as HTML: no address outside the page, and
no script API that turns a string into markup or code."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "demo" / "static"
SOURCES = sorted(p for p in STATIC.rglob("*") if p.suffix in (".html", ".js", ".css", ".json"))
UNSAFE = re.compile(r"\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval|Function)\s*[(=]|\.innerHTML\b")
REMOTE = re.compile(r"(?<![\w?])(https?:)?//[\w.-]+\.[a-z]{2,}", re.IGNORECASE)


def test_the_page_is_all_here() -> None:
    names = {p.name for p in SOURCES}
    assert {"index.html", "app.js", "telegram_html.js", "i18n.js", "tour.js", "style.css", "en.json"} <= names


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_nothing_is_fetched_from_elsewhere(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert REMOTE.findall(text) == [] and "@import" not in text


@pytest.mark.parametrize("path", [p for p in SOURCES if p.suffix == ".js"], ids=lambda p: p.name)
def test_no_string_becomes_markup_or_code(path: Path) -> None:
    code = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if not line.strip().startswith("//"))
    assert UNSAFE.findall(code) == []
