"""Turning a confirmed draft into a case with a number and its first history entry."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from core.domain.lifecycle import Severity, Stage
from core.domain.intake import Draft
from core.storage.models import Case, CaseEvidence, User
from core.storage.uow import UnitOfWork

NUMBER_PREFIX = "KS"
INITIAL_STAGE = Stage.RECEIVED.value


async def file_case(uow: UnitOfWork, user: User, draft: Draft, timezone: str) -> Case:
    now = uow.clock.now()
    day = now.astimezone(ZoneInfo(timezone)).strftime("%Y%m%d")
    sequence = await uow.cases.next_sequence(day)
    case = await uow.cases.add(
        Case(
            number=f"{NUMBER_PREFIX}-{day}-{sequence:04d}",
            customer_id=user.id,
            category=draft.category or "unsure",
            statement=draft.statement,
            reference_values=dict(draft.references),
            contact_phone=draft.contact,
            resolution=draft.resolution or "other",
            resolution_note=draft.resolution_note,
            locale=user.locale,
            channel="telegram",
            stage=INITIAL_STAGE,
            severity=Severity.GENERAL.value,
            tier=1,
            reopen_count=0,
            appealed=False,
            created_at=now,
            updated_at=now,
        )
    )
    for item in draft.evidence:
        uow.cases.add_evidence(
            CaseEvidence(
                case_id=case.id,
                kind=item.kind,
                file_id=item.file_id,
                file_unique_id=item.file_unique_id,
                file_name=item.file_name,
                caption=item.caption,
                message_id=item.message_id,
            )
        )
    uow.cases.record_event(case.id, now, f"customer:{user.id}", "filed", stage=INITIAL_STAGE, evidence=len(draft.evidence))
    return case
