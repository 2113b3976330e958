"""A customer's private messages through the inbox and a real unit of work: each path
reaches its service (the table of which path wins is tests/unit/test_inbox.py)."""
from __future__ import annotations

import pytest

from core.domain.intake import Evidence
from core.services.inbox import Inbox, Path
from core.services.intake import IntakeContext
from tests.service.cases import CUSTOMER, FILED, file_case, sent
from tests.service.conftest import GROUP_ID


@pytest.fixture
def clock(clock):
    clock.advance(seconds=(FILED - clock.now()).total_seconds())
    return clock


async def inbox_step(uow_factory, desk, step) -> Path:
    async with uow_factory() as uow:
        customer = await uow.users.get(CUSTOMER)
        path = await step(Inbox(uow, customer, IntakeContext(desk.intake, "Asia/Shanghai", lambda filed: filed, desk), desk))
        await uow.commit()
        return path


async def new_codes(uow_factory, seen: list) -> list[tuple[int, str]]:
    now = await sent(uow_factory)
    fresh, seen[:] = now[len(seen):], now
    return fresh


async def set_awaiting(uow_factory, case_id: int, awaiting: str | None, stage: str | None = None) -> None:
    async with uow_factory() as uow:
        case = await uow.cases.get(case_id)
        case.awaiting = awaiting
        case.stage = stage or case.stage
        await uow.commit()


async def test_an_awaited_answer_then_words_for_the_case(uow_factory, clock, desk) -> None:
    case_id = await file_case(uow_factory, desk)
    await set_awaiting(uow_factory, case_id, "rejection_reason", stage="solution_proposed")
    seen: list = []

    assert await inbox_step(uow_factory, desk, lambda inbox: inbox.text(10, "太少了")) is Path.AWAITED
    assert await new_codes(uow_factory, seen) == [(CUSTOMER, "customer.reopened"), (GROUP_ID, "staff.notice.solution_rejected")]

    assert await inbox_step(uow_factory, desk, lambda inbox: inbox.text(11, "還有一張收據")) is Path.CASE
    # The customer hears "passed on" once the relay is delivered (its ack), not before.
    assert await new_codes(uow_factory, seen) == [(GROUP_ID, "relay.from_customer")]
    assert await inbox_step(uow_factory, desk, lambda inbox: inbox.edited(11, "還有兩張收據")) is Path.CASE
    assert await new_codes(uow_factory, seen) == [(GROUP_ID, "relay.edited_by_customer")]


async def test_a_rating_comment_after_the_case_closed(uow_factory, clock, desk) -> None:
    case_id = await file_case(uow_factory, desk)
    await set_awaiting(uow_factory, case_id, "rating_comment", stage="closed")
    seen: list = []
    assert await inbox_step(uow_factory, desk, lambda inbox: inbox.text(10, "很好")) is Path.AWAITED
    assert await new_codes(uow_factory, seen) == [(CUSTOMER, "customer.rating_comment_thanks"), (GROUP_ID, "staff.notice.rating_comment")]
    # Answered once: the next words start a new complaint, the earlier case being closed.
    assert await inbox_step(uow_factory, desk, lambda inbox: inbox.text(11, "另一件事")) is Path.NEW_COMPLAINT


async def test_a_new_complaint_and_its_draft(uow_factory, clock, desk) -> None:
    case_id = await file_case(uow_factory, desk)
    await set_awaiting(uow_factory, case_id, None, stage="closed")
    seen = await sent(uow_factory)

    assert await inbox_step(uow_factory, desk, lambda inbox: inbox.text(20, "The kettle leaks")) is Path.NEW_COMPLAINT
    assert [code for _, code in await new_codes(uow_factory, seen)] == ["intake.start.intro", "intake.category.prompt_with_text"]
    assert await inbox_step(uow_factory, desk, lambda inbox: inbox.edited(20, "The kettle leaks badly")) is Path.DRAFT
    assert [code for _, code in await new_codes(uow_factory, seen)] == ["intake.statement.edited"]
    assert await inbox_step(uow_factory, desk, lambda inbox: inbox.edited(21, "never part of it")) is Path.CASE
    assert await new_codes(uow_factory, seen) == []  # never passed on: nothing to correct
    photo = Evidence("photo", "file-1", "unique-1", 22, caption="the puddle")
    assert await inbox_step(uow_factory, desk, lambda inbox: inbox.media(photo)) is Path.DRAFT
    assert [code for _, code in await new_codes(uow_factory, seen)] == ["intake.evidence.kept", "intake.category.prompt_with_text"]
    assert await inbox_step(uow_factory, desk, lambda inbox: inbox.start()) is Path.DRAFT
    assert [code for _, code in await new_codes(uow_factory, seen)] == ["start.greeting", "intake.draft.offer"]


async def test_start_for_a_returning_customer(uow_factory, clock, desk) -> None:
    await file_case(uow_factory, desk)
    seen = await sent(uow_factory)
    assert await inbox_step(uow_factory, desk, lambda inbox: inbox.start()) is Path.RETURNING
    assert [code for _, code in await new_codes(uow_factory, seen)] == ["start.greeting_returning"]
