"""Fake Telegram Bot API server for offline tests.

It speaks the real wire format (``/bot{token}/{method}`` and ``/file/bot{token}/{path}``; JSON, urlencoded or
multipart parameters), so the real bot process can run against it, while tests drive fake users in the same
asyncio loop and inspect what the bot did::

    server = FakeTelegramServer(token="123456:TEST-TOKEN", bot_username="kesu_test_bot")
    await server.start()                      # 127.0.0.1, random port -> server.base_url
    # run the bot with TelegramAPIServer.from_base(server.base_url)
    user = server.create_user(first_name="Li", language_code="zh-cn")
    cursor = server.cursor(user.chat_id)
    user.send_command("/start")               # enqueues an Update and returns it
    [reply] = await server.wait_for_messages(user.chat_id, 1, after=cursor)
    user.press_button_text(reply["message_id"], "OK")
    server.inject_fault("429", method="sendMessage", retry_after=2)
    server.inject_fault("404", count=None, method="setMessageReaction")   # a server without that method
    group.available_reactions = []            # setMessageReaction answers 400 REACTION_INVALID
    server.promote_bot(group, by=owner, can_manage_topics=False)   # and the bot gets my_chat_member
    server.set_privacy_mode(True)             # the bot sees only commands and replies where it is no admin
    server.set_real_limits()                  # 429 past Telegram's flood limits (or real_limits=True)
    server.reset()                            # forget every user, chat and update (GET /control/stream says so)
    await server.stop()

Transcript entries are Telegram Message dicts plus private keys: ``_from_bot``, ``_sent_at``
(time.monotonic()), ``_edits`` (each edit's new content and ``_at``), ``_deleted``, ``_reactions`` (as last set
by the bot), ``_params`` (request parameters) and ``_reply_markup`` (any keyboard as sent; Telegram only echoes
inline keyboards in ``reply_markup``). Service messages (forum topic events) carry ``_service`` and are not bot messages.

Behaviour follows Telegram, including: a newer getUpdates terminates a pending one with 409; editMessageText
without reply_markup removes the keyboard; topic messages are replies to the topic's creation message;
users created with ``started_bot=False`` can't be messaged (403); a bot that is not in a group gets nothing from
it and cannot read it, and one in privacy mode (the default) that is not an administrator gets only commands and
replies to its messages; topics, pins and deleting others' messages need the matching administrator right
(``group.bot_rights``). One deliberate difference: a bare ``&`` in
HTML text is rejected while ``server.strict_html_ampersand`` is true (Telegram keeps it as text).

Waiting never polls: waiters wake up on every state change. Use the Python API from the server's event loop.
The same controls are reachable over HTTP under ``/control/`` (see fake_telegram.control).
"""
from .errors import ApiError
from .groups import FakeGroup
from .models import BotAccount, FakeTopic
from .server import FakeTelegramServer
from .state import Call
from .users import FakeUser

__all__ = ["ApiError", "BotAccount", "Call", "FakeGroup", "FakeTelegramServer", "FakeTopic", "FakeUser"]
