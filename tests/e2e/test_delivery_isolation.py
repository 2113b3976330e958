"""One failing message never holds up the others, through the real process: a case's thread
that keeps failing while other cases go on, a Bot API server without a method, a group that
refuses reactions, and kills in the middle of all of it."""
from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator

import pytest

from tests.e2e.conversation import Conversation
from tests.e2e.harness import wait_outbox_settled
from tests.e2e.staffed import Staffed, case_row, file_complaint, query, running, setup_staffed

pytestmark = pytest.mark.e2e

STEP_TIMEOUT = 60.0  # a step may wait through a restart on a busy machine
LOST_REPLY_UNSUPPORTED = "⚠️ 这条消息未能送达客户：所用的 Bot API 服务器不支持这类消息。"


@pytest.fixture
async def desk(fake_server, tmp_path: Path) -> AsyncIterator[Staffed]:
    # Quick retries that never give up within a test: a fault lasts as long as the test wants.
    env = {"SEND_BACKOFF_CAP_SECONDS": "1", "SEND_MAX_ATTEMPTS": "1000", "POLLING_TIMEOUT_SECONDS": "1"}
    try:
        async with running(setup_staffed(fake_server, tmp_path, forum=True, env=env)) as staffed:
            yield staffed
    finally:
        fake_server.clear_faults()


async def new_case(desk: Staffed, name: str) -> tuple[Conversation, str, dict]:
    customer = desk.server.create_user(first_name=name, language_code="en")
    talk = Conversation(desk.server, customer)
    number = await file_complaint(talk, f"{name}: the kettle arrived broken.")
    await desk.server.wait_for(lambda: any(number in (m.get("text") or "") and m.get("reply_markup") for m in desk.group_messages()))
    await wait_outbox_settled(desk.database_url)
    return talk, number, case_row(desk, number)


def in_thread(desk: Staffed, case: dict) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in desk.group_messages() if m.get("message_thread_id") == case["thread_id"]]


def calls_to(desk: Staffed, method: str, after: int = 0, **params: object) -> list:
    return [c for c in desk.server.calls[after:] if c.method == method and all(c.params.get(k) == v for k, v in params.items())]


def reply_in(desk: Staffed, case: dict, text: str) -> dict:
    return desk.agent.send_text_in(desk.group, text, message_thread_id=case["thread_id"])


def decisions(desk: Staffed, msg: str, method: str) -> list[dict]:
    return [r for r in desk.bot.log_records() if r.get("msg") == msg and r.get("method") == method]


async def test_a_thread_that_keeps_failing_holds_only_its_own_case(desk: Staffed) -> None:
    server = desk.server
    (talk_a, number_a, case_a), (talk_b, number_b, case_b) = [await new_case(desk, name) for name in ("Ann", "Ben")]
    server.inject_fault("500", count=None, method="sendMessage", chat_id=desk.group_id, message_thread_id=case_a["thread_id"])
    faulted = len(server.calls)

    # Ann hears her words were passed on only once they are in the thread.
    await talk_a.send("First: the lid is cracked.", replies=0)
    await talk_a.send("Second: the handle is loose.", replies=0)
    await talk_b.send("My kettle leaks.")
    await server.wait_for(lambda: any("My kettle leaks." in t for t in in_thread(desk, case_b)), timeout=20)
    reply_in(desk, case_b, "We are sending a new one.")
    [reply] = await talk_b._replies(1, 20)
    assert reply["text"] == f"💬 {number_b} · from our team:\nWe are sending a new one."
    # Meanwhile Ann's thread is still failing, and only her first message has been tried.
    await server.wait_for(lambda: len(calls_to(desk, "sendMessage", faulted, message_thread_id=case_a["thread_id"])) >= 3, timeout=20)
    assert not any("lid is cracked" in t for t in in_thread(desk, case_a))
    tried = [c.params["text"] for c in calls_to(desk, "sendMessage", faulted, message_thread_id=case_a["thread_id"])]
    assert all("lid is cracked" in t for t in tried), tried
    retried = decisions(desk, "delivery will be retried", "send_message")
    assert retried and {r["cause"] for r in retried} == {"server_error"} and {r["conversation"] for r in retried} == {f"case:{case_a['id']}"}
    assert server.cursor(talk_a.user.chat_id) == talk_a.cursor  # not told "passed on" while it is not

    server.clear_faults()
    await server.wait_for(lambda: any("handle is loose" in t for t in in_thread(desk, case_a)), timeout=20)
    assert [m["text"] for m in await talk_a._replies(2, 20)] == [f"✓ Passed on to the team handling {number_a}."] * 2
    relays = [t for t in in_thread(desk, case_a) if t.startswith(f"👤 Ann · {number_a}")]
    assert relays == [f"👤 Ann · {number_a}：\nFirst: the lid is cracked.", f"👤 Ann · {number_a}：\nSecond: the handle is loose."]
    await wait_outbox_settled(desk.database_url)
    assert query(desk, "SELECT count(*) FROM outbox WHERE status != 'sent'") == [(0,)]


async def test_a_server_without_a_method_answers_404_once_and_staff_hear_of_a_lost_reply(desk: Staffed) -> None:
    server = desk.server
    talk, number, case = await new_case(desk, "Cy")
    # A Bot API server of an older version: no setMessageReaction, no copyMessage.
    server.inject_fault("404", count=None, method="setMessageReaction")
    server.inject_fault("404", count=None, method="copyMessage")

    first = reply_in(desk, case, "Could you send a photo of the box?")
    [relayed] = await talk._replies(1, 20)
    assert relayed["text"].endswith("Could you send a photo of the box?")
    await server.wait_for(lambda: [c.outcome for c in calls_to(desk, "setMessageReaction")] == ["404: Not Found"], timeout=20)
    desk.agent.send_photo(caption="这是新水壶的发货单", chat=desk.group, message_thread_id=case["thread_id"])
    await server.wait_for(lambda: LOST_REPLY_UNSUPPORTED in in_thread(desk, case), timeout=20)
    reply_in(desk, case, "The courier comes tomorrow.")
    [later] = await talk._replies(1, 20)
    assert later["text"].endswith("The courier comes tomorrow.")  # nothing was held up
    await wait_outbox_settled(desk.database_url)

    # Each 404 was tried once and recorded; only the lost reply was reported, once.
    assert len(calls_to(desk, "copyMessage")) == 1 and len(calls_to(desk, "setMessageReaction")) == 2
    assert calls_to(desk, "setMessageReaction")[0].params["message_id"] == first["message"]["message_id"]
    assert query(desk, "SELECT method, last_error FROM outbox WHERE status = 'failed' ORDER BY id") == [
        ("set_reaction", "unknown_method: Not Found"), ("copy_message", "unknown_method: Not Found"), ("set_reaction", "unknown_method: Not Found")]
    assert in_thread(desk, case).count(LOST_REPLY_UNSUPPORTED) == 1
    assert query(desk, "SELECT count(*) FROM case_events WHERE case_id = ? AND action = 'delivery_failed'", case["id"]) == [(1,)]
    assert len(decisions(desk, "delivery failed for good", "set_reaction")) == 2 and not decisions(desk, "delivery will be retried", "set_reaction")


async def test_a_group_that_turned_reactions_off_gets_no_reaction_and_no_notice(desk: Staffed) -> None:
    server = desk.server
    talk, number, case = await new_case(desk, "Di")
    desk.group.available_reactions = []
    for text in ("A replacement is on its way.", "It should arrive on Friday."):
        reply_in(desk, case, text)
        [relayed] = await talk._replies(1, 20)
        assert relayed["text"].endswith(text)
    await server.wait_for(lambda: len(calls_to(desk, "setMessageReaction")) == 2, timeout=20)
    await wait_outbox_settled(desk.database_url)
    assert [c.outcome for c in calls_to(desk, "setMessageReaction")] == ["400: Bad Request: REACTION_INVALID"] * 2
    assert query(desk, "SELECT status, last_error FROM outbox WHERE method = 'set_reaction'") == [
        ("failed", "reaction_invalid: Bad Request: REACTION_INVALID")] * 2
    assert not any(t.startswith("⚠️") for t in in_thread(desk, case))
    assert [r["cosmetic"] for r in decisions(desk, "delivery failed for good", "set_reaction")] == [True, True]
    assert all(r["level"] == "INFO" for r in decisions(desk, "delivery failed for good", "set_reaction"))  # quietly


async def test_kills_while_a_thread_fails_lose_nothing_and_send_nothing_twice(desk: Staffed) -> None:
    server = desk.server
    cases = {name: await new_case(desk, name) for name in ("Eve", "Fay", "Gus")}
    (talk_e, number_e, case_e), (talk_f, number_f, case_f), (talk_g, number_g, case_g) = cases.values()
    broken = case_e["thread_id"]
    server.inject_fault("500", count=None, method="sendMessage", chat_id=desk.group_id, message_thread_id=broken)
    server.inject_fault("404", count=None, method="setMessageReaction")
    faulted = len(server.calls)

    async def kill_while_only_the_broken_thread_waits(attempts_before: int) -> None:
        """SIGKILL once everything but the broken thread is delivered and recorded, while its rows
        keep failing: every call in the instant before the kill is one that fails."""
        await server.wait_for(lambda: len(calls_to(desk, "sendMessage", faulted, message_thread_id=broken)) > attempts_before + 1, timeout=STEP_TIMEOUT)

        def only_the_broken_thread_pending() -> bool:
            pending = query(desk, "SELECT conversation FROM outbox WHERE status = 'pending'")
            return bool(pending) and {c for (c,) in pending} == {f"case:{case_e['id']}"}

        await server.wait_for(only_the_broken_thread_pending, timeout=STEP_TIMEOUT)
        desk.bot.kill()
        polls = len(calls_to(desk, "getUpdates"))  # counted after the kill: only the new process polls now
        desk.bot.start()
        await server.wait_for(lambda: len(calls_to(desk, "getUpdates")) > polls, timeout=STEP_TIMEOUT)

    await talk_e.send("Eve one.", replies=0)  # "passed on" only once it is
    await talk_f.send("Fay one.")
    reply_in(desk, case_g, "Gus, we refund you.")
    await talk_g._replies(1, 20)
    await kill_while_only_the_broken_thread_waits(0)

    await talk_e.send("Eve two.", replies=0)
    reply_in(desk, case_e, "Eve, we read you.")  # from the broken thread to Eve's chat: that goes
    await talk_e._replies(1, STEP_TIMEOUT)
    await talk_g.send("Gus one.", timeout=STEP_TIMEOUT)
    await kill_while_only_the_broken_thread_waits(len(calls_to(desk, "sendMessage", faulted, message_thread_id=broken)))

    server.clear_faults()
    await server.wait_for(lambda: any("Eve two." in t for t in in_thread(desk, case_e)), timeout=STEP_TIMEOUT)
    await wait_outbox_settled(desk.database_url, timeout=STEP_TIMEOUT)

    assert [t for t in in_thread(desk, case_e) if t.startswith("👤")] == [f"👤 Eve · {number_e}：\nEve one.", f"👤 Eve · {number_e}：\nEve two."]
    assert [t for t in in_thread(desk, case_f) if t.startswith("👤")] == [f"👤 Fay · {number_f}：\nFay one."]
    assert [t for t in in_thread(desk, case_g) if t.startswith("👤")] == [f"👤 Gus · {number_g}：\nGus one."]
    for talk, number, replies in ((talk_e, number_e, ["Eve, we read you."]), (talk_f, number_f, []), (talk_g, number_g, ["Gus, we refund you."])):
        texts = [m.get("text") or "" for m in server.bot_messages(talk.user.chat_id)]
        assert [t.split(":\n", 1)[1] for t in texts if t.startswith(f"💬 {number}")] == replies
        passed = sum(1 for t in texts if t == f"✓ Passed on to the team handling {number}.")
        assert passed == {number_e: 2, number_f: 1, number_g: 1}[number]
    # Every row is done: the reactions failed for good (a 404 each, tried once), the rest were sent.
    assert query(desk, "SELECT method, status, count(*) FROM outbox WHERE status != 'sent' GROUP BY method, status") == [("set_reaction", "failed", 2)]
    assert len(calls_to(desk, "setMessageReaction")) == 2
