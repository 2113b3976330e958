"""Babel gettext catalogs and rendering of core's Phrases into Telegram HTML."""
from __future__ import annotations

import html
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from core.intents import Lines, Localized, ParamValue, Phrase
from core.locale import SUPPORTED_LOCALES

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
# How a customer reads a time, chosen per locale rather than left to CLDR's skeletons (whose
# spacing changes between Babel releases): date, weekday and minutes, since the seconds of
# a deadline mean nothing to a reader. Only the weekday's name comes from CLDR.
DATETIME_PATTERNS = {
    "zh_Hans": "y年M月d日EEE HH:mm",  # 2026年10月8日周四 09:50
    "zh_Hant": "y年M月d日 EEE HH:mm",  # 2026年10月8日 週四 09:50
    "en": "EEE, MMM d, y HH:mm",  # Thu, Oct 8, 2026 09:50
}
DOMAIN = "messages"
log = logging.getLogger(__name__)


def compile_if_stale(locales_dir: Path = LOCALES_DIR) -> None:
    """Compile .po to .mo where the .mo is missing or older (a start without manage.py)."""
    for po_path in locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        # Written aside and renamed: a process killed while writing (or a second one
        # starting at the same moment) never leaves a truncated catalog that looks fresh.
        partial = mo_path.with_name(f"{mo_path.name}.{os.getpid()}.tmp")
        with partial.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        os.replace(partial, mo_path)


class Catalogs:
    def __init__(self, locales_dir: Path = LOCALES_DIR) -> None:
        compile_if_stale(locales_dir)
        self._translations = {
            locale: Translations.load(str(locales_dir), [locale], domain=DOMAIN) for locale in SUPPORTED_LOCALES
        }
        for locale, translations in self._translations.items():
            if not isinstance(translations, Translations):
                raise FileNotFoundError(f"no compiled catalog for {locale} under {locales_dir}")

    def gettext(self, locale: str, code: str) -> str:
        text = self._translations[locale].gettext(code)
        if text == code:
            log.warning("missing translation", extra={"code": code, "locale": locale})
        return text


class Renderer:
    """Phrase + locale -> Telegram HTML. User text is escaped; catalog text is trusted."""

    def __init__(self, catalogs: Catalogs, timezone: str) -> None:
        self._catalogs = catalogs
        self._zone = ZoneInfo(timezone)
        self._babel_locales = {locale: Locale.parse(locale) for locale in SUPPORTED_LOCALES}

    def render(self, phrase: Phrase, locale: str) -> str:
        template = self._catalogs.gettext(locale, phrase.code)
        values = {name: self._value(value, locale) for name, value in phrase.params.items()}
        return template.format_map(values)

    def render_label(self, label: Phrase | Localized, locale: str) -> str:
        """Button labels are plain text, not HTML."""
        return html.unescape(self._value(label, locale))

    def labels(self, locale: str) -> Callable[[ParamValue], str]:
        """Plain text of any word a chart, sheet or PDF shows, in one locale; numbers as they are."""

        def label(value: ParamValue) -> str:
            return str(value) if isinstance(value, (int, float)) else html.unescape(self._value(value, locale))

        return label

    def _value(self, value: ParamValue, locale: str) -> str:
        if isinstance(value, Phrase):
            return self.render(value, locale)
        if isinstance(value, Localized):
            return html.escape(value.texts.get(locale) or value.texts.get("en", ""), quote=False)
        if isinstance(value, Lines):
            return "\n".join(self._value(item, locale) for item in value.items)
        if isinstance(value, datetime):
            return format_datetime(value, DATETIME_PATTERNS[locale], tzinfo=self._zone, locale=self._babel_locales[locale])
        if value is None:
            return ""
        return html.escape(str(value), quote=False)
