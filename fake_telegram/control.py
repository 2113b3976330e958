"""HTTP control API (/control/...), a thin JSON layer over the Python API for out-of-process drivers.

POST /control/create_user            {"first_name", "language_code", "last_name", "username", "started_bot"}
POST /control/create_group           {"title", "forum", "members": {"<user_id>": "member", ...}, "username", "bot_status"}
POST /control/add_member             {"chat_id", "user_id", "status"}      (also remove_member)
POST /control/users/{user_id}/{act}  act = send_text | send_text_in | send_command | send_photo | send_document |
                                     send_voice | send_video | send_sticker | send_contact | send_location |
                                     edit_message | press_button | press_button_text | block_bot | unblock_bot |
                                     set_language_code;
                                     body = keyword arguments; "chat_id"/"group_id" name a group, "data_base64"
                                     carries file bytes
POST /control/deliver_twice          {"update"}
POST /control/inject_fault           {"kind", "count" (null: until cleared), "method", "retry_after", "hold",
                                     "chat_id", "message_thread_id", "description"}; also clear_faults
POST /control/set_reactions          {"chat_id", "reactions": ["👍", ...] or [] (turned off) or null (all)}
POST /control/set_unauthorized       {"value"}
POST /control/set_bot_status         {"chat_id", "status", "by" (user id), "rights": {"can_manage_topics": false, ...}}
                                     the bot added, promoted, demoted or removed; sends my_chat_member
POST /control/set_privacy_mode       {"enabled"}
POST /control/set_forum              {"chat_id", "forum"}
POST /control/set_real_limits        {"enabled"}: Telegram's flood limits (429 past them), see flood.py
GET  /control/flood                  {"enabled", "refused"}: how many 429s the limits answered
POST /control/wait_for_messages      {"chat_id", "n", "after", "timeout"}   (408 on timeout)
GET  /control/transcript/{chat_id}, /control/bot_messages/{chat_id}?include_deleted=1, /control/cursor/{chat_id}
POST /control/reset                  forget every user, chat and update (the bot's token stays)
GET  /control/stream, /control/files/{file_id}: what chat clients show, as server-sent events (see stream.py)
GET  /control/calls?method=&after=, /control/callback_answers, /control/my_commands, /control/users,
     /control/groups, /control/updates (unconfirmed), /control/info
Answers are {"ok": true, "result": ...} or {"ok": false, "error": "..."}.
"""
from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .groups import FakeGroup
from .stream import setup_stream

if TYPE_CHECKING:
    from .server import FakeTelegramServer

USER_ACTIONS = {
    "send_text", "send_text_in", "send_command", "send_photo", "send_document", "send_voice", "send_video",
    "send_sticker", "send_contact", "send_location", "edit_message", "press_button", "press_button_text",
    "block_bot", "unblock_bot", "set_language_code",
}


def _group(server: FakeTelegramServer, chat_id: Any) -> FakeGroup:
    chat = server.find_chat(chat_id)
    if not isinstance(chat, FakeGroup):
        raise LookupError(f"no group {chat_id}")
    return chat


def _user(server: FakeTelegramServer, user_id: Any):
    user = server.users.get(int(user_id))
    if user is None:
        raise LookupError(f"no user {user_id}")
    return user


def _group_info(group: FakeGroup) -> dict[str, Any]:
    return {**group.chat_dict(), "chat_id": group.id, "members": {str(k): v for k, v in group.members.items()},
            "topics": [{**t.as_dict(), "closed": t.closed} for t in group.topics]}


def _user_action(server: FakeTelegramServer, user_id: str, action: str, body: dict[str, Any]) -> Any:
    if action not in USER_ACTIONS:
        raise LookupError(f"unknown user action {action!r}")
    user = _user(server, user_id)
    args = dict(body)
    for key in ("group_id", "chat_id"):
        if key in args:
            group = _group(server, args.pop(key))
            args["group" if action == "send_text_in" else "chat"] = group
    if "data_base64" in args:
        args["data"] = base64.b64decode(args.pop("data_base64"))
    return getattr(user, action)(**args)


def setup_control(app: web.Application, server: FakeTelegramServer) -> None:
    def route(verb: str, path: str, fn: Callable[..., Any]) -> None:
        async def handle(request: web.Request) -> web.Response:
            body = await request.json() if request.can_read_body and request.method == "POST" else {}
            try:
                result = fn(request, body or {})
                if isinstance(result, Awaitable):
                    result = await result
            except TimeoutError as exc:
                return web.json_response({"ok": False, "error": str(exc)}, status=408)
            except (LookupError, ValueError, TypeError, PermissionError) as exc:
                return web.json_response({"ok": False, "error": f"{type(exc).__name__}: {exc}"}, status=400)
            return web.json_response({"ok": True, "result": result}, dumps=lambda o: json.dumps(o, default=str))

        app.router.add_route(verb, f"/control/{path}", handle)

    s = server
    q = lambda r, name, default=None: r.query.get(name, default)  # noqa: E731
    route("POST", "create_user", lambda r, b: (lambda u: {**u.as_dict(), "chat_id": u.chat_id})(s.create_user(**b)))
    route("POST", "create_group", lambda r, b: _group_info(s.create_group(
        **{**b, "members": {_user(s, k): v for k, v in (b.get("members") or {}).items()}})))
    route("POST", "add_member", lambda r, b: _group(s, b["chat_id"]).add_member(
        _user(s, b["user_id"]), b.get("status", "member")))
    route("POST", "remove_member", lambda r, b: _group(s, b["chat_id"]).remove_member(
        _user(s, b["user_id"]), b.get("status", "left")))
    route("POST", "users/{user_id}/{action}", lambda r, b: _user_action(
        s, r.match_info["user_id"], r.match_info["action"], b))
    route("POST", "deliver_twice", lambda r, b: s.deliver_twice(b["update"]))
    route("POST", "inject_fault", lambda r, b: vars(s.inject_fault(**b)))
    route("POST", "clear_faults", lambda r, b: s.clear_faults())
    route("POST", "set_reactions", lambda r, b: setattr(_group(s, b["chat_id"]), "available_reactions", b.get("reactions")))
    route("POST", "set_unauthorized", lambda r, b: s.set_unauthorized(b.get("value", True)))
    route("POST", "set_bot_status", lambda r, b: s.set_bot_status(
        _group(s, b["chat_id"]), b["status"], _user(s, b["by"]), b.get("rights")))
    route("POST", "set_privacy_mode", lambda r, b: s.set_privacy_mode(bool(b.get("enabled", True))))
    route("POST", "set_forum", lambda r, b: s.set_forum(_group(s, b["chat_id"]), bool(b["forum"])))
    route("POST", "set_real_limits", lambda r, b: s.set_real_limits(b.get("enabled", True)))
    route("GET", "flood", lambda r, b: {"enabled": s.flood is not None, "refused": s.flood.refused if s.flood else 0})
    route("POST", "wait_for_messages", lambda r, b: s.wait_for_messages(
        int(b["chat_id"]), b.get("n", 1), b.get("after", 0), b.get("timeout", 10)))
    route("GET", "transcript/{chat_id}", lambda r, b: s.transcript(int(r.match_info["chat_id"])))
    route("GET", "bot_messages/{chat_id}", lambda r, b: s.bot_messages(
        int(r.match_info["chat_id"]), include_deleted=q(r, "include_deleted", "") in ("1", "true")))
    route("GET", "cursor/{chat_id}", lambda r, b: s.cursor(int(r.match_info["chat_id"])))
    route("GET", "calls", lambda r, b: [
        {"method": c.method, "params": c.params, "time": c.time, "outcome": c.outcome}
        for c in s.calls[int(q(r, "after", 0)):] if q(r, "method") in (None, c.method)])
    route("GET", "callback_answers", lambda r, b: s.callback_answers)
    route("GET", "my_commands", lambda r, b: [
        {"scope": json.loads(k[0]), "language_code": k[1], "commands": v} for k, v in s.my_commands.items()])
    route("GET", "users", lambda r, b: [{**u.as_dict(), "blocked": u.blocked} for u in s.users.values()])
    route("GET", "groups", lambda r, b: [_group_info(c) for c in s.chats.values() if isinstance(c, FakeGroup)])
    route("GET", "updates", lambda r, b: s.pending_updates())
    route("POST", "reset", lambda r, b: s.reset())
    setup_stream(app, s)
    route("GET", "info", lambda r, b: {"base_url": s.base_url, "bot": s.bot.get_me(), "token": s.bot.token})
