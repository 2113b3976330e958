"""JSON log lines on stderr, with the bot token scrubbed from everything."""
from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

_STANDARD = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class RedactSecret(logging.Filter):
    """Replaces the secret wherever it shows up: message, arguments, extras, tracebacks."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self._secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secret:
            return True
        message = record.getMessage()
        if self._secret in message:
            record.msg, record.args = message.replace(self._secret, "<BOT_TOKEN>"), None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and isinstance(value, str) and self._secret in value:
                setattr(record, key, value.replace(self._secret, "<BOT_TOKEN>"))
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
            record.exc_text = None
            record.traceback = text.replace(self._secret, "<BOT_TOKEN>")
        return True


def configure_logging(level: str, secret: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactSecret(secret))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiogram's own per-update lines duplicate ours; transitions logs two lines per dialog
    # step (each state's exit and enter), which the update's own line already says.
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    logging.getLogger("transitions").setLevel(logging.WARNING)
