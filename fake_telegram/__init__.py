"""Fake Telegram Bot API server for offline tests.

It speaks the real wire format (``/bot{token}/{method}`` and ``/file/bot{token}/{path}``), so a real bot
process can run against it, while tests drive fake users and inspect what the bot did::

    server = FakeTelegramServer(token="123456:TEST-TOKEN", bot_username="kesu_test_bot")
    await server.start()                      # 127.0.0.1, random port -> server.base_url
    # start the bot with TelegramAPIServer.from_base(server.base_url)
    user = server.create_user(first_name="Li", language_code="zh-cn")
    cursor = server.cursor(user.chat_id)
    user.send_command("/start")               # enqueues an Update, returns it
    [reply] = await server.wait_for_messages(user.chat_id, 1, after=cursor)
    user.press_button_text(reply["message_id"], "OK")
    server.inject_fault("429", method="sendMessage", retry_after=2)
    await server.stop()

Transcript entries are Telegram Message dicts plus private keys: ``_from_bot``, ``_sent_at``
(time.monotonic()), ``_edits``, ``_deleted``, ``_params`` (raw request parameters) and ``_reply_markup``
(any keyboard as sent; Telegram only echoes inline keyboards in ``reply_markup``).
Waiting never polls: waiters wake up on every state change. The same controls are reachable over HTTP under
``/control/`` (see fake_telegram.control).
"""
from .errors import ApiError
from .groups import FakeGroup
from .models import BotAccount, FakeTopic
from .server import FakeTelegramServer
from .state import Call
from .users import FakeUser

__all__ = ["ApiError", "BotAccount", "Call", "FakeGroup", "FakeTelegramServer", "FakeTopic", "FakeUser"]
