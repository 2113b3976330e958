"""Telegram's flood limits in the fake, on request: sliding windows per group, per private
chat and overall, answered with 429 and the retry_after that frees the window."""
from __future__ import annotations

import pytest

from fake_telegram.flood import FloodControl, FloodLimits, Window, is_limited


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def test_a_group_takes_twenty_a_minute_then_waits_for_the_oldest(clock) -> None:
    flood = FloodControl(clock=clock)
    for n in range(20):
        assert flood.admit(-100) is None
        clock.now += 1.0  # 20 calls over 20 s
    clock.now = 1000.0 + 25.5
    assert flood.admit(-100) == 35  # the first left the window at 1060: 34.5 s away, rounded up
    clock.now = 1000.0 + 60.0
    assert flood.admit(-100) is None
    assert flood.admit(-100) == 1  # the second call (at 1001) frees the window a second later
    assert flood.refused == 2


def test_private_chats_allow_a_short_burst_then_one_a_second(clock) -> None:
    flood = FloodControl(clock=clock)
    assert [flood.admit(7) for _ in range(13)] == [None] * 13
    assert flood.admit(7) == 10
    clock.now += 10.0
    assert flood.admit(7) is None
    assert flood.admit(8) is None  # another chat has its own window


def test_the_overall_limit_spans_every_chat(clock) -> None:
    flood = FloodControl(FloodLimits(overall=Window(30, 1.0)), clock=clock)
    assert all(flood.admit(chat) is None for chat in range(1, 31))
    assert flood.admit(31) == 1
    assert flood.admit(None) == 1  # a chat named by @username counts overall only


def test_a_token_bucket_within_the_limits_is_never_refused(clock) -> None:
    # The bot's own pacing, 19 a minute with no burst into a group, sustained for ten minutes.
    flood = FloodControl(clock=clock)
    for _ in range(190):
        assert flood.admit(-100) is None
        clock.now += 60 / 19
    assert flood.refused == 0


def test_only_calls_that_post_or_edit_count() -> None:
    assert is_limited("sendMessage") and is_limited("copyMessage") and is_limited("editMessageText")
    assert is_limited("sendMediaGroup") and is_limited("forwardMessage")
    assert not is_limited("getUpdates") and not is_limited("sendChatAction") and not is_limited("answerCallbackQuery")


async def test_the_server_answers_429_past_the_limit_and_counts_it(server, api) -> None:
    user = server.create_user()
    server.set_real_limits()
    replies = [await api("sendMessage", chat_id=user.chat_id, text=str(n)) for n in range(14)]
    assert [status for status, _ in replies] == [200] * 13 + [429]
    body = replies[-1][1]
    assert body["error_code"] == 429 and 1 <= body["parameters"]["retry_after"] <= 10
    assert body["description"] == f"Too Many Requests: retry after {body['parameters']['retry_after']}"
    assert (await api("getMe"))[0] == 200  # reading is not limited
    assert server.flood is not None and server.flood.refused == 1
    server.set_real_limits(False)
    assert (await api("sendMessage", chat_id=user.chat_id, text="again"))[0] == 200
