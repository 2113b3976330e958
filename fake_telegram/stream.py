"""Server-sent events of what chat clients would show: every new, edited or deleted message and topic.

GET /control/stream                  text/event-stream; each event's data is
                                     {"generation", "revision", "chats": [chat_view], "messages": [message_view],
                                     "answers": [{"user_id", "text", "show_alert"}]} for what changed since the
                                     event before (the first: everything; answers to button presses: only the
                                     new ones, which clients show for a moment). Its id is
                                     "<generation>:<revision>", so a reconnecting EventSource resumes; after a
                                     server reset() an event named "reset" comes first and everything is sent again.
GET /control/files/{file_id}         a stored file's bytes, e.g. a photo for an <img>
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .message_view import chat_view, message_view

if TYPE_CHECKING:
    from .server import FakeTelegramServer

KEEPALIVE_SECONDS = 15.0
_CONTENT_TYPES = {"photo": "image/jpeg", "sticker": "image/webp", "voice": "audio/ogg", "video": "video/mp4"}


def changes_since(server: FakeTelegramServer, revision: int, answered: int) -> dict[str, Any]:
    """What changed after `revision`, and the callback answers after the first `answered`."""
    chats = [chat for chat in server.chats.values() if chat.revision > revision]
    answers = [{"user_id": user_id, "text": answer.get("text", ""), "show_alert": bool(answer.get("show_alert"))}
               for answer, user_id in zip(server.callback_answers[answered:], server.callback_answer_users[answered:])]
    return {
        "generation": server.generation,
        "revision": server.revision,
        "chats": [chat_view(chat) for chat in chats],
        "messages": [message_view(chat, m) for chat in chats for m in chat.messages if m.get("_rev", 0) > revision],
        "answers": answers,
    }


def _resume_point(request: web.Request) -> tuple[int | None, int]:
    last = request.headers.get("Last-Event-ID", "")
    generation, _, revision = last.partition(":")
    try:
        return int(generation), int(revision)
    except ValueError:
        return None, 0


async def _send(response: web.StreamResponse, data: dict[str, Any], event: str | None = None) -> None:
    head = f"event: {event}\n" if event else ""
    body = json.dumps(data, ensure_ascii=False, default=str)
    await response.write(f"{head}id: {data['generation']}:{data.get('revision', 0)}\ndata: {body}\n\n".encode())


async def stream(server: FakeTelegramServer, request: web.Request) -> web.StreamResponse:
    generation, revision = _resume_point(request)
    answered = len(server.callback_answers)  # answers given before this client came are not news
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    if generation != server.generation:
        if generation is not None:
            await _send(response, {"generation": server.generation}, "reset")
        # -1: the first batch holds every chat, even those nothing has happened in yet.
        generation, revision = server.generation, -1
    while not server.closing:
        if server.generation != generation:
            generation, revision, answered = server.generation, -1, 0
            await _send(response, {"generation": generation}, "reset")
        if server.revision > revision or len(server.callback_answers) > answered:
            batch = changes_since(server, revision, answered)
            revision, answered = batch["revision"], len(server.callback_answers)
            await _send(response, batch)
            continue
        try:
            await server.wait_for(lambda: server.closing or server.revision > revision or server.generation != generation
                                  or len(server.callback_answers) > answered, timeout=KEEPALIVE_SECONDS)
        except TimeoutError:
            await response.write(b": keepalive\n\n")
    return response


def file_response(server: FakeTelegramServer, file_id: str) -> web.Response:
    stored = server.files.get(file_id)
    if stored is None:
        raise web.HTTPNotFound()
    content_type = stored.meta.get("mime_type") or _CONTENT_TYPES.get(stored.kind, "application/octet-stream")
    return web.Response(body=stored.data, content_type=content_type)


def setup_stream(app: web.Application, server: FakeTelegramServer) -> None:
    async def handle_stream(request: web.Request) -> web.StreamResponse:
        return await stream(server, request)

    async def handle_file(request: web.Request) -> web.Response:
        return file_response(server, request.match_info["file_id"])

    app.router.add_get("/control/stream", handle_stream)
    app.router.add_get("/control/files/{file_id}", handle_file)
