"""Deadline rows on a real database: due rows are claimed once, however many workers."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from core.storage.models import Case


async def _case(uow_factory, clock) -> int:
    async with uow_factory() as uow:
        now = clock.now()
        case = await uow.cases.add(
            Case(number="KS-20261125-0001", customer_id=1, category="other", statement="s", reference_values={},
                 contact_phone=None, resolution="refund", resolution_note=None, locale="en", channel="telegram",
                 stage="received", severity="general", tier=1, reopen_count=0, appealed=False, created_at=now, updated_at=now)
        )
        await uow.commit()
        return case.id


async def test_two_workers_never_claim_the_same_row(uow_factory, clock) -> None:
    case_id = await _case(uow_factory, clock)
    async with uow_factory() as uow:
        for n in range(40):
            uow.deadlines.add(case_id, "breach", "received", clock.now() - timedelta(minutes=n), breach_no=1)
        uow.deadlines.add(case_id, "breach", "received", clock.now() + timedelta(hours=1), breach_no=1)  # not due
        await uow.commit()

    async def claim(worker: str) -> list[int]:
        # Claims until a pass finds nothing left, as the worker does.
        claimed: list[int] = []
        while True:
            async with uow_factory() as uow:
                _token, ids = await uow.deadlines.claim_due(worker, clock.now(), timedelta(minutes=2), 7)
                await uow.commit()
            if not ids:
                return claimed
            claimed += ids

    first, second = await asyncio.gather(claim("a"), claim("b"))
    assert not set(first) & set(second)
    assert len(first) + len(second) == 40  # every due row, once; the future one untouched


async def test_an_expired_lease_can_be_claimed_again_but_a_done_row_cannot(uow_factory, clock) -> None:
    case_id = await _case(uow_factory, clock)
    async with uow_factory() as uow:
        uow.deadlines.add(case_id, "remind", "received", clock.now() - timedelta(minutes=1))
        uow.deadlines.add(case_id, "remind", "received", clock.now() - timedelta(minutes=1))
        await uow.commit()
    async with uow_factory() as uow:
        _token, (first, second) = await uow.deadlines.claim_due("a", clock.now(), timedelta(minutes=2), 10)
        (await uow.deadlines.get(first)).status = "done"
        await uow.commit()
    async with uow_factory() as uow:
        assert list((await uow.deadlines.claim_due("b", clock.now(), timedelta(minutes=2), 10))[1]) == []  # lease held
    clock.advance(minutes=3)
    async with uow_factory() as uow:
        assert list((await uow.deadlines.claim_due("b", clock.now(), timedelta(minutes=2), 10))[1]) == [second]


async def test_cancelling_a_stage_cancels_only_pending_rows(uow_factory, clock) -> None:
    case_id = await _case(uow_factory, clock)
    async with uow_factory() as uow:
        uow.deadlines.add(case_id, "remind", "received", clock.now())
        uow.deadlines.add(case_id, "breach", "received", clock.now() + timedelta(hours=1), breach_no=1)
        await uow.commit()
    async with uow_factory() as uow:
        rows = await uow.deadlines.for_case(case_id)
        rows[0].status = "done"
        await uow.deadlines.cancel_pending(case_id, clock.now())
        await uow.commit()
    async with uow_factory() as uow:
        assert [r.status for r in await uow.deadlines.for_case(case_id)] == ["done", "cancelled"]
