"""Cases and what they sent, for the service tests."""
from __future__ import annotations

from datetime import datetime, timezone

from core.intents import decode_intent
from core.services.deadlines import schedule_stage
from core.storage.models import Case, User
from tests.service.conftest import GROUP_ID

CUSTOMER = 501
# Monday 30 November 2026, 09:00 in Shanghai.
FILED = datetime(2026, 11, 30, 1, 0, tzinfo=timezone.utc)


async def file_case(uow_factory, desk, severity: str = "general", tier: int = 1) -> int:
    async with uow_factory() as uow:
        now = uow.clock.now()
        if await uow.users.get(CUSTOMER) is None:
            uow.session.add(User(id=CUSTOMER, first_name="Li", language_code="zh-hk", locale="zh_Hant", locale_chosen=False, created_at=now, updated_at=now))
        case = await uow.cases.add(
            Case(number=f"KS-20261130-{CUSTOMER}", customer_id=CUSTOMER, category="other", statement="s", reference_values={},
                 contact_phone=None, resolution="refund", resolution_note=None, locale="zh_Hant", channel="telegram",
                 stage="received", severity=severity, tier=tier, reopen_count=0, appealed=False, created_at=now, updated_at=now)
        )
        await schedule_stage(uow, desk, case)
        await uow.commit()
        return case.id


async def sent(uow_factory) -> list[tuple[int, str]]:
    """(chat, Phrase code) of every message recorded so far."""
    async with uow_factory() as uow:
        rows = await uow.outbox.pending_for_chat(CUSTOMER, limit=1000) + await uow.outbox.pending_for_chat(GROUP_ID, limit=1000)
    messages = [decode_intent(r.method, r.chat_id, r.locale, r.payload) for r in sorted(rows, key=lambda r: r.id)]
    return [(m.chat_id, m.text.code) for m in messages if type(m).__name__ == "SendMessage"]


async def messages_to(uow_factory, chat_id: int) -> list:
    """Every message recorded for a chat, oldest first, as intents (text, buttons...)."""
    async with uow_factory() as uow:
        rows = await uow.outbox.pending_for_chat(chat_id, limit=1000)
    return [m for m in (decode_intent(r.method, r.chat_id, r.locale, r.payload) for r in rows) if type(m).__name__ == "SendMessage"]


async def add_staff_user(uow_factory, user_id: int, name: str) -> User:
    async with uow_factory() as uow:
        now = uow.clock.now()
        user = User(id=user_id, first_name=name, language_code="zh-cn", locale="zh_Hans", locale_chosen=False, created_at=now, updated_at=now)
        uow.session.add(user)
        await uow.commit()
    return user
