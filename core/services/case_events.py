"""What follows from a domain event, in one place (docs/design.md rule 13), run in the transaction
that recorded it:

- StageChanged: the new stage's deadlines are planned (at once: the step that moved the
  case may read them next), and the card and topic are refreshed;
- SeverityChanged: the stage's deadlines are planned again on the new clock, keeping the
  stage's start; the card is refreshed;
- CaseUpdated: the card is refreshed;
- RelatedCasesFound: the earlier case's card is refreshed (it shows the link and tier);
- Claimed, Escalated, StaffWroteToCustomer, RelatedCasesFound, and each step of
  StageChanged: what the customer and the thread hear, from core/services/case_messages.py.

Card edits are left for the commit and made once per case however often it changed, so a
step that changes a case three times costs the group one edit. At that point a case that
[routing] now sends to another group (escalated to a tier with its own group, a new
category) moves there instead (core/services/case_moves.py).
"""
from __future__ import annotations

from core.domain.lifecycle import FINAL_STAGES
from core.domain.events import CaseUpdated, Claimed, Escalated, RelatedCasesFound, SeverityChanged, StaffWroteToCustomer, StageChanged
from core.services import case_messages
from core.services.case_moves import follow_routing
from core.services.deadlines import schedule_stage
from core.services.routing import refresh_card
from core.services.staff_desk import StaffDesk
from core.storage.models import Case
from core.storage.uow import EventHandlers, UnitOfWork


class CaseEventHandlers(EventHandlers):
    def __init__(self, desk: StaffDesk) -> None:
        self.desk = desk

    async def handle(self, uow: UnitOfWork, event: object) -> None:
        if isinstance(event, StageChanged):
            await schedule_stage(uow, self.desk, event.case)
            reopened = event.before in FINAL_STAGES and event.after not in FINAL_STAGES
            self._card_later(uow, event.case, stage_changed=True, reopened=reopened)
            await case_messages.stage_changed(uow, self.desk, event)
        elif isinstance(event, SeverityChanged):
            await schedule_stage(uow, self.desk, event.case, entered=False)
            self._card_later(uow, event.case)
        elif isinstance(event, CaseUpdated):
            self._card_later(uow, event.case, stage_changed=event.renamed)
        elif isinstance(event, Claimed):
            await case_messages.claimed(uow, self.desk, event)
        elif isinstance(event, Escalated):
            await case_messages.escalated(uow, self.desk, event)
            self._card_later(uow, event.case)
        elif isinstance(event, StaffWroteToCustomer):
            await case_messages.staff_wrote_to_customer(uow, self.desk, event)
            self._card_later(uow, event.case)
        elif isinstance(event, RelatedCasesFound):
            await case_messages.related_found(uow, self.desk, event)
            if event.repeat_of is not None:
                self._card_later(uow, event.repeat_of)
        else:
            raise TypeError(f"no handler for {type(event).__name__}")

    async def before_commit(self, uow: UnitOfWork) -> None:
        cards = [key for key in uow.deferred if key[0] == "card"]
        for key in cards:
            case, topic_changed, reopened = uow.deferred.pop(key)
            if not await follow_routing(uow, self.desk, case):
                await refresh_card(uow, self.desk, case, stage_changed=topic_changed, reopened=reopened)

    @staticmethod
    def _card_later(uow: UnitOfWork, case: Case, stage_changed: bool = False, reopened: bool = False) -> None:
        """`stage_changed`: the topic's name changes too; `reopened`: its topic opens again."""
        _case, topic_changed, was_reopened = uow.deferred.get(("card", case.id), (case, False, False))
        uow.deferred[("card", case.id)] = (case, topic_changed or stage_changed, was_reopened or reopened)
