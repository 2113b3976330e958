"""Routing: a filed case reaches the handler group; messages go both ways between a
customer and their case's thread, in each reader's script."""
from __future__ import annotations

from collections.abc import Sequence

from core.domain.desk_routing import least_busy
from core.domain.lifecycle import FINAL_STAGES
from core.domain.scripts import for_reader
from core.intents import Ack, AnswerCallback, Button, CaseRoute, CopyMessage, CreateTopic, EditCard, EditTopic, Lines, Phrase, Purpose, Receipt, SendMessage, SetTopicClosed
from core.services.callbacks import RelayChoice
from core.services.case_card import card_buttons, card_text, topic_name
from core.services.next_step import next_step
from core.services.repeats import card_lines
from core.services.staff_desk import StaffDesk
from core.storage.desk_load import group_loads
from core.storage.models import Case, User
from core.storage.uow import UnitOfWork


async def choose_group(uow: UnitOfWork, desk: StaffDesk, case: Case) -> int | None:
    """The group the case belongs in now ([routing]); of several, the least busy one."""
    candidates = desk.routing.candidates(desk.home, case.category, case.severity, case.tier)
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    return least_busy(candidates, await group_loads(uow.session, candidates, desk.home))


async def route_new_case(uow: UnitOfWork, desk: StaffDesk, case: Case, customer: User) -> None:
    """Topic (forum) or card (plain group), then the evidence copied beneath it."""
    if desk.chat_id is None:
        return
    case.group_chat_id = await choose_group(uow, desk, case)
    await post_case(uow, desk.of(case), case, customer)


async def post_case(uow: UnitOfWork, desk: StaffDesk, case: Case, customer: User | None) -> None:
    """The case's topic and card in the group `desk` is at, and its evidence beneath."""
    if desk.chat_id is None:
        return
    evidence = await uow.cases.evidence(case.id)
    owner = await uow.users.get(case.owner_id) if case.owner_id else None
    if desk.is_forum:
        uow.emit(CreateTopic(desk.chat_id, desk.locale, case.id, topic_name(case, desk)))
    uow.emit(
        SendMessage(
            desk.chat_id,
            desk.locale,
            card_text(
                case, desk, customer, owner, len(evidence), await next_step(uow, case, for_staff=True),
                card_lines(desk, case, await uow.related.of_case(case.id)),
            ),
            card_buttons(case),
            route=CaseRoute(case.id, Purpose.CARD),
        )
    )
    for item in evidence:
        uow.emit(CopyMessage(desk.chat_id, desk.locale, case.customer_id, item.message_id, route=CaseRoute(case.id, Purpose.EVIDENCE)))


async def refresh_card(uow: UnitOfWork, desk: StaffDesk, case: Case, stage_changed: bool = False, reopened: bool = False) -> None:
    desk = desk.of(case)
    if desk.chat_id is None:
        return
    customer = await uow.users.get(case.customer_id)
    owner = await uow.users.get(case.owner_id) if case.owner_id else None
    evidence = await uow.cases.evidence(case.id)
    related = card_lines(desk, case, await uow.related.of_case(case.id))
    text = card_text(case, desk, customer, owner, len(evidence), await next_step(uow, case, for_staff=True), related)
    uow.emit(EditCard(desk.chat_id, desk.locale, case.id, text, card_buttons(case)))
    if stage_changed and desk.is_forum:
        uow.emit(EditTopic(desk.chat_id, desk.locale, case.id, topic_name(case, desk)))
        if case.stage in FINAL_STAGES or reopened:
            uow.emit(SetTopicClosed(desk.chat_id, desk.locale, case.id, closed=not reopened))


def notice_in_thread(uow: UnitOfWork, desk: StaffDesk, case: Case, text: Phrase) -> None:
    desk = desk.of(case)
    if desk.chat_id is not None:
        uow.emit(SendMessage(desk.chat_id, desk.locale, text, route=CaseRoute(case.id, Purpose.NOTICE)))


# --- customer -> thread ------------------------------------------------------------------

async def customer_message(
    uow: UnitOfWork, desk: StaffDesk, customer: User, message_id: int, text: str | None, media: bool = False,
    open_cases: Sequence[Case] | None = None,
) -> bool:
    """A customer's message outside the intake dialog (for media, `text` is the caption).
    False when they have no open case. `open_cases`: already read in this unit of work."""
    cases = open_cases if open_cases is not None else await uow.cases.open_for_customer(customer.id)
    if not cases:
        return False
    if len(cases) == 1:
        await _relay_to_case(uow, desk, customer, cases[0], message_id, text, media)
        return True
    held = await uow.cases.hold_relay(customer.id, message_id, text, uow.clock.now())
    # The held row keeps only the text: whether it was media travels in the button.
    buttons = tuple((Button(Phrase("relay.case_button", number=c.number), RelayChoice(held.id, c.id, media).encode()),) for c in cases)
    uow.emit(SendMessage(customer.id, customer.locale, Phrase("relay.which_case"), buttons))
    return True


async def choose_case(uow: UnitOfWork, desk: StaffDesk, customer: User, callback_id: str, data: str) -> None:
    """The customer said which case a held message is about."""
    choice = RelayChoice.decode(data)
    relay = await uow.cases.held_relay(choice.held_id) if choice is not None else None
    case = await uow.cases.get(choice.case_id) if choice is not None and relay is not None else None
    # Only the customer's own held message and own case: anything else is a stale button.
    if choice is None or relay is None or relay.user_id != customer.id or case is None or case.customer_id != customer.id:
        uow.emit(AnswerCallback(customer.id, customer.locale, callback_id, Phrase("button.expired")))
        return
    uow.emit(AnswerCallback(customer.id, customer.locale, callback_id))
    await uow.cases.release_relay(relay)
    media = choice.media or relay.text is None
    await _relay_to_case(uow, desk, customer, case, relay.message_id, relay.text, media)


async def _relay_to_case(
    uow: UnitOfWork, desk: StaffDesk, customer: User, case: Case, message_id: int, text: str | None, media: bool = False
) -> None:
    now = uow.clock.now()
    uow.cases.record_event(case.id, now, f"customer:{customer.id}", "customer_message", text=text, message_id=message_id)
    desk = desk.of(case)
    if desk.chat_id is None:
        uow.emit(SendMessage(customer.id, customer.locale, Phrase("relay.saved", number=case.number)))
        return
    label = desk.customer_label(customer, customer.id)
    # The customer hears it was passed on once it was, and that it was not if it never can be.
    ack = Ack(customer.id, customer.locale, Phrase("relay.passed_on", number=case.number), Phrase("relay.not_passed_on", number=case.number))
    words = None
    if text:
        words = Phrase("relay.from_customer", customer=label, number=case.number, text=text, converted=_converted(desk, customer, text))
    if not media and words is not None:
        uow.emit(SendMessage(desk.chat_id, desk.locale, words, route=CaseRoute(case.id, Purpose.RELAY), ack=ack))
    else:
        # The copy's caption is replaced: it shows who wrote, and their caption like a text's words.
        caption = words or Phrase("relay.media_from_customer", customer=label, number=case.number)
        uow.emit(CopyMessage(desk.chat_id, desk.locale, customer.id, message_id, route=CaseRoute(case.id, Purpose.RELAY), caption=caption, ack=ack))


async def customer_edit(uow: UnitOfWork, desk: StaffDesk, customer: User, message_id: int, text: str) -> bool:
    """A customer corrected a message already passed on (or held while they choose the
    case): the correction follows it. False when the message never left the chat."""
    held = await uow.cases.held_relay_of_message(customer.id, message_id)
    if held is not None:
        held.text = text  # the choice of case is still open; the new words go when it is made
        return True
    relayed = await uow.cases.relayed_from(customer.id, message_id)
    case = await uow.cases.get(relayed.case_id) if relayed is not None else None
    if case is None or case.stage in FINAL_STAGES:
        return False
    uow.cases.record_event(case.id, uow.clock.now(), f"customer:{customer.id}", "customer_message_edited", text=text, message_id=message_id)
    desk = desk.of(case)
    if desk.chat_id is None:
        uow.emit(SendMessage(customer.id, customer.locale, Phrase("relay.saved", number=case.number)))
        return True
    label = desk.customer_label(customer, customer.id)
    words = Phrase("relay.edited_by_customer", customer=label, number=case.number, text=text, converted=_converted(desk, customer, text))
    ack = Ack(customer.id, customer.locale, Phrase("relay.edit_passed_on", number=case.number), Phrase("relay.not_passed_on", number=case.number))
    uow.emit(SendMessage(desk.chat_id, desk.locale, words, route=CaseRoute(case.id, Purpose.RELAY), ack=ack))
    return True


async def staff_correction(uow: UnitOfWork, desk: StaffDesk, staff: User, case: Case, message_id: int, text: str) -> None:
    """Staff edited a reply the customer already has: the corrected words follow it."""
    customer = await uow.users.get(case.customer_id)
    locale = customer.locale if customer else case.locale
    converted = for_reader(text, locale, desk.staff.traditional_standard)
    uow.cases.record_event(case.id, uow.clock.now(), f"staff:{staff.id}", "staff_reply_edited", text=text, message_id=message_id)
    uow.emit(SendMessage(case.customer_id, locale, Phrase("customer.staff_correction", number=case.number, text=converted)))


def _converted(desk: StaffDesk, customer: User, text: str) -> Lines:
    converted = for_reader(text, desk.locale)
    if not desk.staff.show_converted or converted == text:
        return Lines([])
    return Lines([Phrase("relay.converted", text=converted)])


# --- thread -> customer ------------------------------------------------------------------

async def staff_reply(
    uow: UnitOfWork, desk: StaffDesk, staff: User, case: Case, message_id: int, text: str | None, has_media: bool
) -> None:
    """A staff message in the case's thread reaches the customer in the customer's script."""
    customer = await uow.users.get(case.customer_id)
    locale = customer.locale if customer else case.locale
    desk = desk.of(case)
    assert desk.chat_id is not None
    receipt = Receipt(case.id, desk.chat_id, message_id, desk.locale)
    converted = for_reader(text or "", locale, desk.staff.traditional_standard)
    uow.cases.record_event(case.id, uow.clock.now(), f"staff:{staff.id}", "staff_reply", text=text, message_id=message_id)
    if has_media:
        caption = Phrase("customer.staff_media", number=case.number, text=converted)
        uow.emit(CopyMessage(case.customer_id, locale, desk.chat_id, message_id, caption=caption, receipt=receipt))
    else:
        uow.emit(SendMessage(case.customer_id, locale, Phrase("customer.staff_reply", number=case.number, text=converted), receipt=receipt))
