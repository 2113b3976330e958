"""Bot API methods about chats, members, commands, menu buttons and bot profile settings."""
from __future__ import annotations

import json
import re
from typing import Any

from .errors import bad_request
from .groups import FakeGroup
from .models import PrivateChat
from .registry import Ctx, method
from .sending import readable_chat

_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_ADMIN_RIGHTS = {
    "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True, "can_delete_messages": True,
    "can_manage_video_chats": True, "can_restrict_members": True, "can_promote_members": False,
    "can_change_info": True, "can_invite_users": True, "can_post_stories": False, "can_edit_stories": False,
    "can_delete_stories": False, "can_send_welcome_messages": False, "can_pin_messages": True,
    "can_manage_topics": True,
}
_RESTRICTED = {
    "is_member": True, "can_send_messages": False, "can_send_audios": False, "can_send_documents": False,
    "can_send_photos": False, "can_send_videos": False, "can_send_video_notes": False,
    "can_send_voice_notes": False, "can_send_polls": False, "can_send_other_messages": False,
    "can_add_web_page_previews": False, "can_react_to_messages": False, "can_edit_tag": False,
    "can_change_info": False, "can_invite_users": False, "can_pin_messages": False, "can_manage_topics": False,
    "until_date": 0,
}


def member_dict(status: str, user: dict[str, Any], rights: dict[str, bool] | None = None) -> dict[str, Any]:
    """ChatMember as the Bot API shows it; `rights` overrides an administrator's rights."""
    if status == "creator":
        return {"status": status, "user": user, "is_anonymous": False}
    if status == "administrator":
        return {"status": status, "user": user, **_ADMIN_RIGHTS, **(rights or {})}
    if status == "restricted":  # muted: still a member, may not post
        return {"status": status, "user": user, **_RESTRICTED}
    if status == "kicked":
        return {"status": status, "user": user, "until_date": 0}
    return {"status": status, "user": user}


def bot_member(chat: FakeGroup, bot_user: dict[str, Any]) -> dict[str, Any]:
    """The bot's own ChatMember in a group, with the rights it holds there."""
    return member_dict(chat.bot_status, bot_user, chat.bot_rights)


@method("getChat")
async def get_chat(ctx: Ctx) -> dict[str, Any]:
    return readable_chat(ctx).full_info()


@method("getChatMember")
async def get_chat_member(ctx: Ctx) -> dict[str, Any]:
    chat = readable_chat(ctx)
    user_id = ctx.p.int("user_id", required=True)
    if user_id == ctx.bot.id:
        return bot_member(chat, ctx.bot.user_dict()) if isinstance(chat, FakeGroup) else member_dict("member", ctx.bot.user_dict())
    user = ctx.server.users.get(user_id)
    if user is None or (isinstance(chat, PrivateChat) and chat.user is not user):
        raise bad_request("user not found")
    status = chat.status_of(user_id) if isinstance(chat, FakeGroup) else "member"
    return member_dict(status, user.as_dict())


@method("getChatMemberCount")
async def get_chat_member_count(ctx: Ctx) -> int:
    chat = readable_chat(ctx)
    if not isinstance(chat, FakeGroup):
        return 2
    return 1 + sum(status not in ("left", "kicked") for status in chat.members.values())


@method("getChatAdministrators")
async def get_chat_administrators(ctx: Ctx) -> list[dict[str, Any]]:
    chat = readable_chat(ctx)
    if not isinstance(chat, FakeGroup):
        raise bad_request("there are no administrators in the private chat")
    admins = [member_dict(s, chat.users[uid].as_dict()) for uid, s in chat.members.items()
              if s in ("creator", "administrator")]
    if chat.bot_status == "administrator":
        admins.append(bot_member(chat, ctx.bot.user_dict()))
    return admins


def commands_key(scope: dict[str, Any] | None, language_code: str | None) -> tuple[str, str | None]:
    """Key of ``server.my_commands``: (scope as sorted JSON, language code or None)."""
    return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code or None


def _key(ctx: Ctx) -> tuple[str, str | None]:
    scope = ctx.p.json("scope", error="can't parse BotCommandScope JSON object")
    if scope is not None and (not isinstance(scope, dict) or "type" not in scope):
        raise bad_request("can't parse BotCommandScope JSON object")
    language = ctx.p.str("language_code") or ""
    if language and not re.fullmatch(r"[a-z]{2}", language):
        raise bad_request("invalid language code specified")
    return commands_key(scope, language)


@method("setMyCommands")
async def set_my_commands(ctx: Ctx) -> bool:
    commands = ctx.p.json("commands", error="can't parse commands JSON object")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("commands must be an array of at most 100 BotCommand")
    cleaned = []
    for command in commands:
        name = str(command.get("command", "")) if isinstance(command, dict) else ""
        description = str(command.get("description", "")) if isinstance(command, dict) else ""
        if not _COMMAND.match(name.removeprefix("/")):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        cleaned.append({"command": name.removeprefix("/"), "description": description})
    key = _key(ctx)
    if cleaned:
        ctx.bot.my_commands[key] = cleaned
    else:
        ctx.bot.my_commands.pop(key, None)
    ctx.server.notify()
    return True


@method("getMyCommands")
async def get_my_commands(ctx: Ctx) -> list[dict[str, Any]]:
    return list(ctx.bot.my_commands.get(_key(ctx), []))


@method("deleteMyCommands")
async def delete_my_commands(ctx: Ctx) -> bool:
    ctx.bot.my_commands.pop(_key(ctx), None)
    ctx.server.notify()
    return True


@method("setChatMenuButton")
async def set_chat_menu_button(ctx: Ctx) -> bool:
    chat_id = ctx.p.int("chat_id")
    button = ctx.p.json("menu_button") or {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in ("default", "commands", "web_app"):
        raise bad_request("can't parse menu button JSON object")
    ctx.bot.menu_buttons[chat_id] = button
    return True


@method("getChatMenuButton")
async def get_chat_menu_button(ctx: Ctx) -> dict[str, Any]:
    chat_id = ctx.p.int("chat_id")
    return ctx.bot.menu_buttons.get(chat_id) or ctx.bot.menu_buttons.get(None) or {"type": "commands"}


def _profile_handlers(suffix: str, field: str) -> None:
    async def setter(ctx: Ctx) -> bool:
        value = ctx.p.str(field) or ""
        ctx.bot.settings[(field, ctx.p.str("language_code") or "")] = value
        return True

    async def getter(ctx: Ctx) -> dict[str, str]:
        return {field: ctx.bot.settings.get((field, ctx.p.str("language_code") or ""), "")}

    method(f"setMy{suffix}")(setter)
    method(f"getMy{suffix}")(getter)


for _suffix, _field in (("Description", "description"), ("ShortDescription", "short_description"), ("Name", "name")):
    _profile_handlers(_suffix, _field)


@method("setMyDefaultAdministratorRights")
async def set_default_admin_rights(ctx: Ctx) -> bool:
    return True
