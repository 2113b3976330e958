"""Bot API methods that send or fetch files, and the file download endpoint."""
from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from .errors import ApiError, bad_request
from .files import MAX_DOWNLOAD, MAX_PHOTO_UPLOAD, MAX_UPLOAD, StoredFile, image_size, media_fields
from .formatting import caption_fields
from .models import public
from .registry import Ctx, method
from .sending import send_bot_message, writable_chat

_TYPE_NAMES = {"photo": "Photo", "document": "Document", "voice": "Voice", "video": "Video", "sticker": "Sticker"}


def input_file(ctx: Ctx, value: Any, kind: str, field: str) -> StoredFile:
    """Resolve an InputFile: an uploaded part, ``attach://name``, a known file_id or a URL."""
    files = ctx.server.files
    upload = ctx.p.uploads.get(field) if value in (None, "") else ctx.p.upload(str(value))
    if upload is not None:
        return _uploaded(ctx, kind, upload.data, upload.filename)
    if value in (None, ""):
        raise bad_request(f"there is no {kind} in the request")
    value = str(value)
    if value.startswith("attach://"):
        raise bad_request(f"file must be non-empty: {value} was not uploaded")
    if value.startswith(("http://", "https://")):
        # No network here: pretend the URL was fetched.
        return files.add(kind, b"downloaded from " + value.encode(), file_name=value.rsplit("/", 1)[-1] or None)
    stored = files.get(value)
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if stored.kind != kind:
        raise bad_request(f"can't use file of type {_TYPE_NAMES[stored.kind]} as {_TYPE_NAMES[kind]}")
    return stored


def _uploaded(ctx: Ctx, kind: str, data: bytes, filename: str) -> StoredFile:
    """An uploaded file, checked as Telegram checks one: its size and, for a photo, that
    it is an image whose dimensions Telegram accepts."""
    if len(data) > MAX_UPLOAD:
        raise ApiError(413, "Request Entity Too Large")
    if kind != "photo":
        return ctx.server.files.add(kind, data, file_name=filename if kind == "document" else None)
    if len(data) > MAX_PHOTO_UPLOAD:
        raise bad_request("PHOTO_SAVE_FILE_INVALID")
    size = image_size(data)
    if size is None:
        raise bad_request("IMAGE_PROCESS_FAILED")
    width, height = size
    # "The photo's width and height must not exceed 10000 in total. Width and height ratio must be at most 20."
    if width + height > 10000 or max(width, height) > 20 * min(width, height):
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    return ctx.server.files.add("photo", data, width=width, height=height)


def _media_message_fields(ctx: Ctx, stored: StoredFile, caption: dict[str, Any]) -> dict[str, Any]:
    fields = media_fields(ctx.server.files, stored)
    fields.update(caption)
    return fields


def _make_sender(kind: str):
    async def send(ctx: Ctx) -> dict[str, Any]:
        p = ctx.p
        chat = writable_chat(ctx)
        stored = input_file(ctx, p.raw.get(kind), kind, kind)
        caption = caption_fields(p.str("caption"), p.str("parse_mode"), p.json("caption_entities"),
                                 ctx.server.strict_html_ampersand)
        fields = _media_message_fields(ctx, stored, caption)
        if p.bool("has_spoiler"):
            fields["has_media_spoiler"] = True
        return public(send_bot_message(ctx, chat, fields))

    return send


for _kind in _TYPE_NAMES:
    method(f"send{_TYPE_NAMES[_kind]}")(_make_sender(_kind))


@method("sendMediaGroup")
async def send_media_group(ctx: Ctx) -> list[dict[str, Any]]:
    chat = writable_chat(ctx)
    media = ctx.p.json("media")
    if not isinstance(media, list) or not 2 <= len(media) <= 10:
        raise bad_request("media must include 2-10 items")
    prepared = []
    for item in media:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind not in ("photo", "video", "document"):
            raise bad_request(f"unsupported media type {kind!r} in the media group")
        stored = input_file(ctx, item.get("media"), kind, kind)
        caption = caption_fields(item.get("caption"), item.get("parse_mode") or ctx.p.str("parse_mode"),
                                 item.get("caption_entities"), ctx.server.strict_html_ampersand)
        prepared.append(_media_message_fields(ctx, stored, caption))
    group_id = str(secrets.randbelow(10**17) + 10**17)
    messages = []
    for fields in prepared:
        fields["media_group_id"] = group_id
        messages.append(public(send_bot_message(ctx, chat, fields)))
    return messages


@method("getFile")
async def get_file(ctx: Ctx) -> dict[str, Any]:
    stored = ctx.server.files.get(ctx.p.str("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    if len(stored.data) > MAX_DOWNLOAD:
        raise bad_request("file is too big")
    return stored.as_file()


def download_response(ctx_server: Any, token: str, path: str) -> web.Response:
    stored = ctx_server.files.by_path(path) if token in ctx_server.bots else None
    if stored is None:
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
    return web.Response(body=stored.data, content_type="application/octet-stream")
