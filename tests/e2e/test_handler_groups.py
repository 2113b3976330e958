"""Several handler groups through the real process: a case routed by category to its group,
an escalation moving it to the supervisors' group with the old thread told, staff refused
outside the case's group, and a group told of its backlog at the fake's real flood limits."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fake_telegram import FakeTelegramServer
from tests.e2e.conversation import Conversation
from tests.e2e.harness import TOKEN
from tests.e2e.staffed import Staffed, case_row, file_complaint, running, setup_staffed

pytestmark = pytest.mark.e2e


def add_groups(desk: Staffed, tmp_path: Path) -> tuple[Any, Any]:
    """An after-sales group (agents and the supervisor, in English) and a supervisors' group
    (the supervisor and the director), with their [routing] rules."""
    after_sales = desk.server.create_group(
        title="After-sales", forum=True, members={desk.agent: "member", desk.agent2: "member", desk.supervisor: "administrator"},
    )
    supervisors = desk.server.create_group(title="Supervisors", forum=True, members={desk.supervisor: "administrator", desk.director: "member"})
    config = tmp_path / "kesu.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + f'[[routing.groups]]\nname = "After-sales"\nchat_id = {after_sales.id}\nlocale = "en"\n'
        + f'[[routing.groups]]\nname = "Supervisors"\nchat_id = {supervisors.id}\n'
        + '[[routing.rules]]\ntiers = [2, 3]\ngroups = ["Supervisors"]\n'
        + '[[routing.rules]]\ncategories = ["after_sales"]\ngroups = ["After-sales"]\n',
        encoding="utf-8",
    )
    return after_sales, supervisors


def bot_messages(server: FakeTelegramServer, group: Any) -> list[dict[str, Any]]:
    return server.bot_messages(group.id)


def card_in(server: FakeTelegramServer, group: Any, number: str) -> dict[str, Any] | None:
    return next((m for m in bot_messages(server, group) if number in (m.get("text") or "") and m.get("reply_markup")), None)


async def test_cases_go_to_their_group_and_move_up_to_the_supervisors_group(fake_server: FakeTelegramServer, tmp_path: Path) -> None:
    server = fake_server
    desk = setup_staffed(server, tmp_path, forum=True)
    after_sales, supervisors = add_groups(desk, tmp_path)
    async with running(desk):
        # The start-up check looked at every group.
        for group in (desk.group, after_sales, supervisors):
            await desk.bot.wait_for_log(lambda r, group=group: r.get("msg") == "handler group ready" and r.get("chat") == group.id)
        customer = server.create_user(first_name="Cust", language_code="en")
        talk = Conversation(server, customer)
        number = await file_complaint(talk, "The repair service never came back to me.", category="After-sales service")

        # Routed by its category: the card is in the after-sales group, in that group's language.
        await server.wait_for(lambda: card_in(server, after_sales, number) is not None)
        card = card_in(server, after_sales, number)
        assert card is not None and "After-sales service" in card["text"]
        assert not any(number in (m.get("text") or "") for m in desk.group_messages())
        case = case_row(desk, number)
        assert case["group_chat_id"] == after_sales.id
        [topic] = after_sales.topics
        await server.wait_for(lambda: case_row(desk, number)["thread_id"] == topic.message_thread_id)

        # A group the bot is in that is not one of the desk's: staff commands are refused there.
        lounge = server.create_group(title="Lounge", members={desk.agent2: "member"})
        desk.agent2.send_text_in(lounge, "/queue")
        await server.wait_for(lambda: any("only in the staff's handler group" in (m.get("text") or "") for m in server.bot_messages(lounge.id)))

        # An agent escalates it: tier 2 has its own group, so the case moves there.
        answered = len(server.callback_answers)
        desk.agent.press_button_text(card["message_id"], "⬆️ Escalate", chat=after_sales)
        await server.wait_for(lambda: len(server.callback_answers) > answered)
        await server.wait_for(lambda: card_in(server, supervisors, number) is not None, timeout=20)
        assert case_row(desk, number)["group_chat_id"] == supervisors.id
        new_card = card_in(server, supervisors, number)
        assert new_card is not None and "The repair service never came back to me." in new_card["text"]
        # The old thread says where it went, in the old group's language.
        await server.wait_for(lambda: any(f"Case {number} has moved to the handler group “Supervisors”" in (m.get("text") or "")
                                          and m.get("message_thread_id") == topic.message_thread_id for m in bot_messages(server, after_sales)))
        [new_topic] = supervisors.topics
        await server.wait_for(lambda: case_row(desk, number)["thread_id"] == new_topic.message_thread_id)

        # The customer's words now reach the new thread, and only then are they told so.
        [passed] = await talk.send("Any news about the repair?")
        assert passed["text"] == f"✓ Passed on to the team handling {number}."
        relayed = next(m for m in bot_messages(server, supervisors) if "Any news about the repair?" in (m.get("text") or ""))
        assert relayed["message_thread_id"] == new_topic.message_thread_id
        assert relayed["_sent_at"] <= passed["_sent_at"]
        assert not any("Any news about the repair?" in (m.get("text") or "") for m in bot_messages(server, after_sales))

        # The supervisor answers from the new thread; the customer gets it.
        desk.supervisor.send_text_in(supervisors, "A technician will call you today.", message_thread_id=new_topic.message_thread_id)
        [reply] = await talk._replies(1, 15)
        assert "A technician will call you today." in reply["text"]

        # Staff writing in the old thread are told where the case is; nothing reaches the customer.
        desk.agent.send_text_in(after_sales, "We will send someone.", message_thread_id=topic.message_thread_id)
        await server.wait_for(lambda: any(f"Case {number} is handled in the handler group “Supervisors” now" in (m.get("text") or "")
                                          for m in bot_messages(server, after_sales)))
        assert not any("We will send someone." in (m.get("text") or "") for m in server.bot_messages(customer.chat_id))

        # The old card's buttons no longer act on the case: it is handled in its new group.
        answered = len(server.callback_answers)
        desk.agent.press_button_text(card["message_id"], "🙋 Claim", chat=after_sales)
        await server.wait_for(lambda: len(server.callback_answers) > answered)
        assert "Supervisors" in (server.callback_answers[-1].get("text") or "")
        assert case_row(desk, number)["owner_id"] is None


async def test_a_group_that_falls_behind_is_told_its_backlog_at_real_limits(tmp_path: Path) -> None:
    server = FakeTelegramServer(token=TOKEN, bot_username="kesu_test_bot", real_limits=True)
    await server.start()
    try:
        # The bot keeps inside Telegram's limits; its group budget is low so that a backlog forms.
        env = {
            "SEND_PER_CHAT_PER_SECOND": "1", "SEND_PER_CHAT_BURST": "3", "SEND_PER_GROUP_PER_MINUTE": "6", "SEND_PER_GROUP_BURST": "1",
            "BACKLOG_NOTICE_MINUTES": "0.5", "BACKLOG_CHECK_SECONDS": "1",
        }
        desk = setup_staffed(server, tmp_path, forum=True, env=env, group_locale='"en"')
        async with running(desk):
            customer = server.create_user(first_name="Cust", language_code="en")
            talk = Conversation(server, customer)
            number = await file_complaint(talk, "The kettle arrived broken, the lid is cracked.", photos=4, timeout=30)

            def notices() -> list[dict[str, Any]]:
                return [m for m in desk.group_messages() if "queued for this group" in (m.get("text") or "")]

            await server.wait_for(lambda: len(notices()) == 1, timeout=60)
            assert notices()[0]["text"].startswith("⏳ ") and "about 20 a minute" in notices()[0]["text"]
            # Everything still arrives: the card and the four photos, with one notice only.
            await server.wait_for(lambda: sum(1 for m in desk.group_messages() if (m.get("caption") or "").startswith("evidence")) == 4, timeout=120)
            assert card_in(server, desk.group, number) is not None
            assert len(notices()) == 1
            assert server.flood is not None and server.flood.refused == 0
    finally:
        await server.stop()
