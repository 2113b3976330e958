"""A customer's follow-ups waiting for the group's budget go out as one message: in order,
nothing dropped, every row sent and linked, each part's "passed on" only after it."""
from __future__ import annotations

from sqlalchemy import select

from bot.delivery.limits import RateLimits
from core.intents import Ack, CaseRoute, Lines, Phrase, Purpose, SendMessage
from core.storage.models import CaseLink
from tests.integration.sender_harness import running_sender

# The group gets one message every 2 s: a burst of follow-ups has to wait.
SLOW_GROUP = RateLimits(per_chat_per_second=1000, per_chat_burst=100, per_group_per_minute=30, per_group_burst=1,
                        global_per_second=10000, global_burst=100)


def relay(group_id: int, customer_id: int, case_id: int, words: str, number: str = "KS-1") -> SendMessage:
    ack = Ack(customer_id, "en", Phrase("relay.passed_on", number=number), Phrase("relay.not_passed_on", number=number))
    text = Phrase("relay.from_customer", customer="Li", number=number, text=words, converted=Lines([]))
    return SendMessage(group_id, "en", text, route=CaseRoute(case_id, Purpose.RELAY), ack=ack)


async def test_follow_ups_waiting_for_the_group_go_out_as_one_message(engine) -> None:
    async with running_sender(engine, limits=SLOW_GROUP) as harness:
        server = harness.server
        customer = server.create_user(first_name="Li", language_code="en")
        group = server.create_group(title="Desk")
        case_id = await harness.add_case("KS-1", customer.chat_id)
        other_id = await harness.add_case("KS-2", customer.chat_id)
        notice = SendMessage(group.id, "en", Phrase("staff.case_closed", number="KS-1"), route=CaseRoute(case_id, Purpose.NOTICE))
        await harness.emit(notice, *(relay(group.id, customer.chat_id, case_id, f"detail {n}") for n in range(3)),
                           relay(group.id, customer.chat_id, other_id, "about the other case", "KS-2"))
        await harness.wait_settled(timeout=30)

        posted = [m for m in server.bot_messages(group.id)]
        texts = [m["text"] for m in posted]
        merged = [t for t in texts if "detail 0" in t]
        assert len(merged) == 1 and merged[0].index("detail 0") < merged[0].index("detail 1") < merged[0].index("detail 2")
        assert len(posted) == 3  # the notice, the three follow-ups together, the other case's
        assert any("about the other case" in t and "detail" not in t for t in texts)
        rows = [r for r in await harness.rows() if r.chat_id == group.id]
        merged_id = next(m["message_id"] for m in posted if "detail 0" in m["text"])
        assert [(r.status, r.sent_message_ids) for r in rows[1:4]] == [("sent", [merged_id])] * 3
        async with harness.uow_factory() as uow:
            links = (await uow.session.execute(select(CaseLink).where(CaseLink.chat_id == group.id))).scalars().all()
        assert {(link.message_id, link.case_id, link.purpose) for link in links} >= {(merged_id, case_id, "relay")}
        # Each part's customer hears it was passed on, only once the group message is there.
        acks = [m for m in server.bot_messages(customer.chat_id) if "Passed on" in m["text"] and "KS-1" in m["text"]]
        assert len(acks) == 3
        merged_at = next(m["_sent_at"] for m in posted if m["message_id"] == merged_id)
        assert sorted(a["_sent_at"] for a in acks)[0] >= merged_at


async def test_with_budget_to_spare_each_follow_up_goes_on_its_own(engine) -> None:
    async with running_sender(engine) as harness:
        server = harness.server
        customer = server.create_user(first_name="Li", language_code="en")
        group = server.create_group(title="Desk")
        case_id = await harness.add_case("KS-1", customer.chat_id)
        await harness.emit(*(relay(group.id, customer.chat_id, case_id, f"detail {n}") for n in range(3)))
        await harness.wait_settled()
        assert [m["text"].split("\n")[-1] for m in server.bot_messages(group.id)] == ["detail 0", "detail 1", "detail 2"]
