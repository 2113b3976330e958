"""Privacy through the real process: a customer's data export, erasure after their cases
close (personal fields anonymised, statistics kept), the contact masked to staff until a
supervisor reveals it, and the confidential mode's pseudonyms."""
from __future__ import annotations

import json
from pathlib import Path
from typing import AsyncIterator

import pytest

from tests.e2e.conversation import Conversation
from tests.e2e.harness import wait_outbox_settled
from tests.e2e.staffed import Staffed, case_row, filed_case, query, running, setup_staffed, staff_post
from tests.e2e.test_lifecycle import press_in_group

@pytest.mark.parametrize("staffed", [True], ids=["forum"], indirect=True)
async def test_my_data_then_forget_after_the_case_is_closed(staffed: Staffed) -> None:
    desk, server = staffed, staffed.server
    customer, talk, number, card = await filed_case(desk, statement="My neighbour Wang Lei at Room 1203 saw the kettle explode.")
    case = case_row(desk, number)
    staff_post(desk, desk.agent, "#note customer sounds upset, call back later", case, card)
    await talk.send("Also, the plug melted.")
    await server.wait_for(lambda: query(desk, "SELECT count(*) FROM case_events WHERE action = 'note'")[0][0] == 1)

    [export] = await talk.send("/mydata")
    assert export["caption"] == "Here is everything we hold about you and your complaints, as a JSON file."
    stored = server.files.get(export["document"]["file_id"])
    assert stored is not None and export["document"]["file_name"].startswith("kesu-my-data-")
    data = json.loads(stored.data.decode("utf-8"))
    assert data["user"] == {"telegram_id": customer.id, "name": "Cust", "language": "en", "first_seen": data["user"]["first_seen"]}
    [complaint] = data["complaints"]
    assert complaint["number"] == number and "Wang Lei" in complaint["statement"]
    assert {"at": complaint["history"][-1]["at"], "event": "customer_message", "text": "Also, the plug melted."} in complaint["history"]
    assert "upset" not in stored.data.decode("utf-8")  # internal notes are not the customer's data

    [still_open] = await talk.send("/forget")
    assert still_open["text"].startswith(f"These complaints are still open:\n• {number}\n")
    [which] = await talk.send("/withdraw")
    [question] = await talk.press(which, number)
    await talk.press(question, "Yes, withdraw it")

    await wait_outbox_settled(desk.database_url)  # erasure comes long after the case closed
    [confirm] = await talk.send("/forget")
    assert confirm["text"].endswith("This cannot be undone. Erase your data?")
    [done] = await talk.press(confirm, "erase my data")
    assert done["text"] == "Done: your personal data has been erased. If you write to us again, we will start afresh."

    assert query(desk, "SELECT count(*) FROM users WHERE id = ?", customer.id) == [(0,)]
    [(customer_id, statement, phone, stage, category)] = query(
        desk, "SELECT customer_id, statement, contact_phone, stage, category FROM cases WHERE number = ?", number
    )
    assert customer_id < 0 and statement == "" and phone is None and (stage, category) == ("withdrawn", "product_quality")
    texts = [json.loads(d).get("text") for (d,) in query(desk, "SELECT detail FROM case_events WHERE case_id = ?", case["id"])]
    # Every free text about the case goes, staff notes included: they are about this person too.
    assert texts and all(text in (None, "") for text in texts)
    leftover = query(desk, "SELECT chat_id, method, status, payload FROM outbox WHERE payload LIKE '%plug melted%' OR payload LIKE '%Wang Lei%'")
    assert leftover == [], leftover
    # Staff still see the case, under a pseudonym.
    before = len(desk.group_messages())
    desk.supervisor.send_text_in(desk.group, f"/case {number}")
    await server.wait_for(lambda: len(desk.group_messages()) > before)
    history = desk.group_messages()[-1]["text"]
    assert history.startswith(f"📋 {number}") and "Cust" not in history
    await server.wait_for(lambda: "Wang Lei" not in next(m for m in desk.group_messages() if m["message_id"] == card["message_id"])["text"])

    # Writing again starts afresh: a new user row, no old cases.
    [fresh] = await talk.send("/status")
    assert fresh["text"] == "You have no complaints with us. Send /new to file one."


@pytest.fixture
async def confidential(fake_server, tmp_path: Path) -> AsyncIterator[Staffed]:
    async with running(setup_staffed(fake_server, tmp_path, forum=True, confidential="true")) as desk:
        yield desk


async def test_confidential_mode_and_the_masked_contact(confidential: Staffed) -> None:
    desk, server = confidential, confidential.server
    customer = server.create_user(first_name="Zhang Wei", language_code="en")
    talk = Conversation(server, customer)
    first = await talk.send("/new", replies=2)
    await talk.press(first[-1], "Product quality")
    [progress] = await talk.send("The kettle arrived broken and leaks.")
    await talk.press(progress, "Done")
    await talk.send("skip")
    _saved, _summary = await talk.send("+86 138 0013 8000", replies=2)
    [resolution] = await talk.send("confirm")
    await talk.press(resolution, "Refund")
    [submitted] = await talk.send("submit")
    number = submitted["text"].split("filed as ")[1].split(".")[0]
    await server.wait_for(lambda: any(number in (m.get("text") or "") and m.get("reply_markup") for m in desk.group_messages()))
    card = next(m for m in desk.group_messages() if number in (m.get("text") or "") and m.get("reply_markup"))
    assert "Zhang Wei" not in card["text"] and "#" in card["text"]  # a pseudonym instead of the name
    phone = case_row(desk, number)["contact_phone"]
    assert phone.endswith("8000") and phone not in card["text"] and "8000" in card["text"]  # masked: the last digits only
    await talk.send("Any news?")
    await server.wait_for(lambda: any("Any news?" in (m.get("text") or "") for m in desk.group_messages()))
    assert not any("Zhang Wei" in (m.get("text") or "") for m in desk.group_messages())

    await press_in_group(desk, desk.agent, card, "联系方式")
    assert server.callback_answers[-1]["text"] == "已拒绝：此操作需要主管或总监权限。"
    await press_in_group(desk, desk.supervisor, card, "联系方式")
    assert phone in server.callback_answers[-1]["text"]
    assert query(desk, "SELECT count(*) FROM case_events WHERE action = 'contact_revealed'") == [(1,)]
