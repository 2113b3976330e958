"""Stored files: ids, bytes and the Telegram objects (PhotoSize, Document, ...) that describe them."""
from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from typing import Any

# Prefixes resemble real file_ids so logs look familiar; nothing depends on them.
_PREFIX = {"photo": "AgAC", "document": "BQAC", "voice": "AwAC", "video": "BAAC", "sticker": "CAAC"}
_FOLDER = {"photo": "photos", "document": "documents", "voice": "voice", "video": "videos", "sticker": "stickers"}
_DEFAULT_EXT = {"photo": "jpg", "document": "bin", "voice": "oga", "video": "mp4", "sticker": "webp"}
MAX_DOWNLOAD = 20 * 1024 * 1024


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    file_path: str
    meta: dict[str, Any] = field(default_factory=dict)

    def base(self) -> dict[str, Any]:
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "file_size": len(self.data)}

    def as_file(self) -> dict[str, Any]:
        """The ``File`` object returned by getFile."""
        return {**self.base(), "file_path": self.file_path}


class FileStore:
    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._seq = itertools.count(1)

    def add(self, kind: str, data: bytes | None = None, file_name: str | None = None, **meta: Any) -> StoredFile:
        n = next(self._seq)
        if data is None:
            data = f"fake {kind} #{n}\n".encode() * 8
        ext = file_name.rsplit(".", 1)[-1] if file_name and "." in file_name else _DEFAULT_EXT[kind]
        stored = StoredFile(
            file_id=f"{_PREFIX[kind]}{secrets.token_urlsafe(24)}",
            file_unique_id=f"AQAD{secrets.token_urlsafe(8)}",
            kind=kind,
            data=data,
            file_path=f"{_FOLDER[kind]}/file_{n}.{ext}",
            meta={"file_name": file_name, **meta} if file_name else dict(meta),
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, path: str) -> StoredFile | None:
        return self._by_path.get(path)


def media_fields(store: FileStore, stored: StoredFile) -> dict[str, Any]:
    """Message fields for a file, e.g. ``{"photo": [...]}`` or ``{"document": {...}}``."""
    meta = stored.meta
    if stored.kind == "photo":
        thumb = meta.get("thumb")
        if thumb is None:
            # Real photos come in several sizes, each with its own file_id.
            thumb = store.add("photo", stored.data[:64], width=90, height=68)
            meta["thumb"] = thumb
        small = {**thumb.base(), "width": 90, "height": 68}
        large = {**stored.base(), "width": meta.get("width", 1280), "height": meta.get("height", 960)}
        return {"photo": [small, large]}
    if stored.kind == "document":
        doc = {**stored.base(), "mime_type": meta.get("mime_type", _guess_mime(meta.get("file_name")))}
        if meta.get("file_name"):
            doc["file_name"] = meta["file_name"]
        return {"document": doc}
    if stored.kind == "voice":
        return {"voice": {**stored.base(), "duration": meta.get("duration", 3), "mime_type": "audio/ogg"}}
    if stored.kind == "video":
        return {"video": {**stored.base(), "width": meta.get("width", 640), "height": meta.get("height", 360),
                          "duration": meta.get("duration", 5), "mime_type": "video/mp4"}}
    if stored.kind == "sticker":
        return {"sticker": {**stored.base(), "type": "regular", "width": 512, "height": 512,
                            "is_animated": False, "is_video": False, "emoji": meta.get("emoji", "👍")}}
    raise ValueError(stored.kind)


def _guess_mime(file_name: str | None) -> str:
    ext = (file_name or "").rsplit(".", 1)[-1].lower()
    return {
        "pdf": "application/pdf", "txt": "text/plain", "jpg": "image/jpeg", "jpeg": "image/jpeg",
        "png": "image/png", "zip": "application/zip", "csv": "text/csv", "json": "application/json",
    }.get(ext, "application/octet-stream")
