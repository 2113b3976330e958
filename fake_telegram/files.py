"""Stored files: ids, bytes and the Telegram objects (PhotoSize, Document, ...) that describe them."""
from __future__ import annotations

import itertools
import secrets
import struct
from dataclasses import dataclass, field
from typing import Any

# Prefixes resemble real file_ids so logs look familiar; nothing depends on them.
_PREFIX = {"photo": "AgAC", "document": "BQAC", "voice": "AwAC", "video": "BAAC", "sticker": "CAAC"}
_FOLDER = {"photo": "photos", "document": "documents", "voice": "voice", "video": "videos", "sticker": "stickers"}
_DEFAULT_EXT = {"photo": "jpg", "document": "bin", "voice": "oga", "video": "mp4", "sticker": "webp"}
MAX_DOWNLOAD = 20 * 1024 * 1024
# What a bot may upload (the Bot API's documented limits).
MAX_UPLOAD = 50 * 1024 * 1024
MAX_PHOTO_UPLOAD = 10 * 1024 * 1024
# The largest size Telegram keeps of a photo, and its thumbnail's.
LARGEST_PHOTO_SIDE = 2560
THUMB_SIDE = 90


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
        width, height = meta.get("width", 1280), meta.get("height", 960)
        thumb_width, thumb_height = fit(width, height, THUMB_SIDE)
        thumb = meta.get("thumb")
        if thumb is None:
            # Real photos come in several sizes, each with its own file_id.
            thumb = store.add("photo", stored.data[:64], width=thumb_width, height=thumb_height)
            meta["thumb"] = thumb
        small = {**thumb.base(), "width": thumb_width, "height": thumb_height}
        large_width, large_height = fit(width, height, LARGEST_PHOTO_SIDE)
        large = {**stored.base(), "width": large_width, "height": large_height}
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


def fit(width: int, height: int, side: int) -> tuple[int, int]:
    """The size within `side` x `side` that keeps the proportions (never larger)."""
    scale = min(1.0, side / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, JPEG, GIF or WebP image; None if the bytes are none of them."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return _webp_size(data)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    # Walk the segments to the first start-of-frame marker (SOF0-SOF15 but DHT, JPG, DAC).
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC) and i + 9 <= len(data):
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return (width, height) if width and height else None
        i += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    return None
