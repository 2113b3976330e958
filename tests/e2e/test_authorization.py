"""The authorization matrix through the real process: every staff button and command, by
everyone who could try it, allowed or refused as docs/process.md §4 and the deployment file say.
Every refusal is explained to the person and logged with who tried what.

Who: a former member (a role in the file, no longer in the group), a member without a
role, an agent, a supervisor, a director, a customer in their private chat, and a user in
another group the bot is in. Telegram lets only members post in a group and only people
who see a message press its buttons, so the former member is tried on buttons, and the
customer and the other group on commands.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.e2e.harness import wait_outbox_settled
from tests.e2e.staffed import Staffed, case_row, filed_case, query

pytestmark = pytest.mark.parametrize("staffed", [True], ids=["forum"], indirect=True)

LOCALES = Path(__file__).resolve().parents[2] / "locales"
REFUSAL_IDS = ("staff.refused.no_role", "staff.refused.not_member", "staff.refused.tier", "staff.refused.wrong_chat")


def refusal_texts() -> set[str]:
    texts = set()
    for locale in ("en", "zh_Hans", "zh_Hant"):
        with (LOCALES / locale / "LC_MESSAGES" / "messages.po").open("rb") as file:
            catalog = read_po(file)
        texts |= {catalog[message_id].string for message_id in REFUSAL_IDS}
    return texts


# Card buttons (callback action) and commands, with the least role each needs, written
# out here independently of the code's table.
BUTTONS = {"claim": 1, "severity": 1, "category": 1, "escalate": 1, "ask": 1, "propose": 1, "reject": 2, "reveal": 2}
COMMANDS = {
    "/queue": 1, "/mine": 1, "/find kettle": 1, "/case": 1, "/note checked the stock": 1, "/ask": 1, "/propose": 1,
    "/record": 1, "/reject": 2, "/terminate": 2, "/assign {agent}": 2, "/ban 999": 2, "/banned": 2, "/unban 999": 2,
    "a reply to the customer": 1,
}


async def test_every_staff_action_by_everyone(staffed: Staffed) -> None:
    desk, server = staffed, staffed.server
    customer, talk, number, card = await filed_case(desk)
    case = case_row(desk, number)
    refusals_shown = refusal_texts()
    roles = {desk.no_role: 0, desk.agent: 1, desk.supervisor: 2, desk.director: 3}
    outcomes: list[tuple[str, str, bool]] = []

    def refusal_log_count() -> int:
        return sum(1 for r in desk.bot.log_records() if r.get("msg") == "staff action refused")

    async def handled(update: dict) -> None:
        await desk.bot.wait_for_log(lambda r: r.get("msg") == "update" and r.get("update_id") == update["update_id"])

    # -- buttons on the card, in the handler group ------------------------------------------
    for actor, role in [(desk.outsider, None), *roles.items()]:
        for action, needed in BUTTONS.items():
            data = next(b["callback_data"] for row in card["reply_markup"]["inline_keyboard"] for b in row if b["callback_data"].split(":")[2] == action)
            logged, answered = refusal_log_count(), len(server.callback_answers)
            await handled(actor.press_button(card["message_id"], data, chat=desk.group))
            await server.wait_for(lambda: len(server.callback_answers) > answered)
            explained = server.callback_answers[-1].get("text") in refusals_shown
            refused = refusal_log_count() > logged
            expected_refused = role is None or role < needed
            assert (refused, explained) == (expected_refused, expected_refused), (actor.first_name, action)
            outcomes.append((actor.first_name, action, refused))

    # -- commands and replies in the case's thread ------------------------------------------
    for actor, role in roles.items():
        for command, needed in COMMANDS.items():
            text = command.format(agent=desk.agent2.id)
            logged, posted = refusal_log_count(), len(desk.group_messages())
            await handled(actor.send_text_in(desk.group, text, message_thread_id=case["thread_id"]))
            refused = refusal_log_count() > logged
            expected_refused = role < needed
            assert refused == expected_refused, (actor.first_name, command)
            if refused:
                await server.wait_for(lambda: any(m.get("text") in refusals_shown for m in desk.group_messages()[posted:]))
            else:
                assert not any(m.get("text") in refusals_shown for m in desk.group_messages()[posted:])
            outcomes.append((actor.first_name, command, refused))

    # -- a user of another group the bot is in ----------------------------------------------
    stranger = server.create_user(first_name="Stranger", language_code="en")
    other = server.create_group(title="Another team", members={stranger: "member", desk.agent: "member"})
    for actor in (stranger, desk.agent):  # even a staff member, outside the handler group
        for command in ("/queue", "/mine", "/find kettle", "/case " + number, "/assign " + number + " 1", "/ban 999", "/banned", "/unban 999"):
            logged, posted = refusal_log_count(), len(server.bot_messages(other.id))
            await handled(actor.send_text_in(other, command))
            await server.wait_for(lambda: len(server.bot_messages(other.id)) > posted)
            assert server.bot_messages(other.id)[-1]["text"] in refusals_shown and refusal_log_count() > logged, (actor.first_name, command)
            outcomes.append((actor.first_name + "@other", command, True))

    # -- a customer in their private chat: staff commands are not staff commands there -------
    await wait_outbox_settled(desk.database_url)  # the staff replies above have reached them
    talk.cursor = len(server.bot_messages(customer.chat_id))
    group_before, case_before = len(desk.group_messages()), case_row(desk, number)
    for command in ("/queue", "/mine", "/find kettle", "/case " + number, "/assign " + number + " 1", "/ban 999", "/banned", "/note hi", "/propose x"):
        [reply] = await talk.send(command)
        assert reply["text"] not in refusals_shown, command  # answered as a customer, not as staff
        outcomes.append(("customer@private", command, True))
    assert len(desk.group_messages()) == group_before and case_row(desk, number) == case_before

    # Nothing the refused attempts tried took effect: only allowed ones are in the history.
    stored = case_row(desk, number)
    assert stored["owner_id"] in {desk.agent.id, desk.agent2.id}
    notes = [o for o in outcomes if o[1].startswith("/note") and not o[2] and "@" not in o[0]]
    [(recorded_notes,)] = query(desk, "SELECT count(*) FROM case_events WHERE action = 'note'")
    assert recorded_notes == len(notes) == 3  # agent, supervisor, director
    # Every refusal in the log names who tried what, and with which role.
    for record in (r for r in desk.bot.log_records() if r.get("msg") == "staff action refused"):
        assert {"user", "chat", "action", "role", "member"} <= set(record)
    print(f"authorization matrix: {len(outcomes)} attempts, {sum(1 for o in outcomes if o[2])} refused")
