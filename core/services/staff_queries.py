"""Staff commands in the handler group: /queue, /case, /mine, /assign, /find."""
from __future__ import annotations

from typing import Sequence

from core.intents import Lines, Phrase, SendMessage
from core.services.desk_backlog import backlog_line
from core.services.case_card import owner_label, severity_name, stage_name
from core.services.intake_prompts import category_label
from core.services.case_stage import advance, case_changed, may
from core.services.next_step import next_step
from core.services.staff_actions import Actor, refusal
from core.services.staff_desk import StaffDesk
from core.storage.models import Case
from core.storage.uow import UnitOfWork

EVENT_NAMES = {
    "filed": Phrase("event.filed"),
    "claimed": Phrase("event.claimed"),
    "severity": Phrase("event.severity"),
    "category": Phrase("event.category"),
    "escalated": Phrase("event.escalated"),
    "contact_revealed": Phrase("event.contact_revealed"),
    "asked": Phrase("event.asked"),
    "proposed": Phrase("event.proposed"),
    "rejected": Phrase("event.rejected"),
    "note": Phrase("event.note"),
    "staff_reply": Phrase("event.staff_reply"),
    "staff_reply_edited": Phrase("event.staff_reply_edited"),
    "customer_message": Phrase("event.customer_message"),
    "customer_message_edited": Phrase("event.customer_message_edited"),
    "delivery_failed": Phrase("event.delivery_failed"),
    "assigned": Phrase("event.assigned"),
    "deadline_missed": Phrase("event.deadline_missed"),
    "solution_accepted": Phrase("event.solution_accepted"),
    "solution_rejected": Phrase("event.solution_rejected"),
    "withdrawn": Phrase("event.withdrawn"),
    "closed_unanswered": Phrase("event.closed_unanswered"),
    "appealed": Phrase("event.appealed"),
    "terminated": Phrase("event.terminated"),
    "rated": Phrase("event.rated"),
    "rated_aspect": Phrase("event.rated_aspect"),
    "rating_comment": Phrase("event.rating_comment"),
    "resolution_recorded": Phrase("event.resolution_recorded"),
    "follow_up_asked": Phrase("event.follow_up_asked"),
    "follow_up_ok": Phrase("event.follow_up_ok"),
    "follow_up_not_solved": Phrase("event.follow_up_not_solved"),
    "reopened_unsatisfied": Phrase("event.reopened_unsatisfied"),
    "proposal_reminder": Phrase("event.proposal_reminder"),
    "proposal_held": Phrase("event.proposal_held"),
    "proposal_approved": Phrase("event.proposal_approved"),
    "proposal_sent_back": Phrase("event.proposal_sent_back"),
    "customer_banned": Phrase("event.customer_banned"),
    "personal_data_erased": Phrase("event.personal_data_erased"),
    "late_notice": Phrase("event.late_notice"),
    "overall_limit": Phrase("event.overall_limit"),
    "repeat_of": Phrase("event.repeat_of"),
    "repeated": Phrase("event.repeated"),
    "moved": Phrase("event.moved"),
    "shared_reference": Phrase("event.shared_reference"),
}
OTHER_EVENT = Phrase("event.other")


def _detail(detail: dict) -> str:  # type: ignore[type-arg]
    """The part of an event worth a line in /case: words, a reason, a cause, a score, or
    the case numbers it links to."""
    if detail.get("stars"):
        return "⭐" * int(detail["stars"])
    if detail.get("aspect"):
        return f"{detail['aspect']} {detail.get('score', '')}"
    return str(detail.get("text") or detail.get("reason") or detail.get("cause") or detail.get("number") or "")


class StaffQueries:
    def __init__(self, uow: UnitOfWork, desk: StaffDesk, actor: Actor, thread_id: int | None) -> None:
        self.uow = uow
        self.desk = desk
        self.actor = actor
        self.thread_id = thread_id

    def _say(self, text: Phrase) -> None:
        # In the staff member's own language, where they asked.
        self.uow.emit(SendMessage(self.actor.chat_id, self.actor.user.locale, text, thread_id=self.thread_id))

    def _allowed(self, action: str) -> bool:
        reason = refusal(self.desk, self.actor, action)
        if reason is not None:
            self._say(reason)
        return reason is None

    async def _lines(self, cases: Sequence[Case]) -> Lines:
        lines = []
        for case in cases:
            owner = await self.uow.users.get(case.owner_id) if case.owner_id else None
            lines.append(
                Phrase(
                    "staff.queue_line",
                    number=case.number,
                    category=category_label(self.desk.intake, case.category),
                    severity=severity_name(case.severity),
                    stage=stage_name(case.stage),
                    owner=owner_label(owner),
                )
            )
        return Lines(lines)

    async def queue(self) -> None:
        if self._allowed("queue"):
            cases = await self.uow.cases.queue()
            text = Phrase("staff.queue", cases=await self._lines(cases)) if cases else Phrase("staff.queue_empty")
            backlog = await backlog_line(self.uow, self.actor.chat_id, self.desk.posts_per_minute)
            self._say(text if backlog is None else Phrase("staff.queue_with_backlog", queue=text, backlog=backlog))

    async def mine(self) -> None:
        if self._allowed("mine"):
            cases = await self.uow.cases.owned_by(self.actor.user.id)
            self._say(Phrase("staff.mine", cases=await self._lines(cases)) if cases else Phrase("staff.mine_empty"))

    async def find(self, text: str | None) -> None:
        if not self._allowed("find"):
            return
        if not text:
            self._say(Phrase("staff.usage.find"))
            return
        cases = await self.uow.cases.find(text)
        self._say(Phrase("staff.found", query=text, cases=await self._lines(cases)) if cases else Phrase("staff.not_found", query=text))

    async def case(self, number: str | None, current: Case | None) -> None:
        if not self._allowed("case"):
            return
        case = await self.uow.cases.by_number(number.strip().upper()) if number else current
        if case is None:
            self._say(Phrase("staff.usage.case") if not number else Phrase("staff.not_found", query=number))
            return
        owner = await self.uow.users.get(case.owner_id) if case.owner_id else None
        events = await self.uow.cases.events(case.id)
        history = []
        for event in events:
            actor = event.actor
            if actor.startswith("staff:"):
                staff = await self.uow.users.get(int(actor.split(":", 1)[1]))
                actor = staff.first_name if staff else actor
            elif actor.startswith("customer:"):
                actor = self.desk.customer_label(await self.uow.users.get(case.customer_id), case.customer_id)
            detail = _detail(event.detail)
            history.append(Phrase("staff.history_line", at=event.at, actor=actor, event=EVENT_NAMES.get(event.action, OTHER_EVENT), detail=detail))
        self._say(
            Phrase(
                "staff.case_detail",
                number=case.number,
                category=category_label(self.desk.intake, case.category),
                severity=severity_name(case.severity),
                stage=stage_name(case.stage),
                tier=case.tier,
                owner=owner_label(owner),
                next=await next_step(self.uow, case, for_staff=True),
                overall=self.desk.sla.overall_due(self.desk.calendar, case.created_at),
                history=Lines(history),
            )
        )

    async def assign(self, argument: str | None, current: Case | None) -> None:
        if not self._allowed("assign"):
            return
        parts = (argument or "").split()
        if current is None and len(parts) == 2:
            current = await self.uow.cases.by_number(parts[0].upper())
            parts = parts[1:]
        if current is None or len(parts) != 1 or not parts[0].lstrip("@").isdigit():
            self._say(Phrase("staff.usage.assign"))
            return
        user_id = int(parts[0].lstrip("@"))
        if self.desk.staff.role_of(user_id).value == 0:
            self._say(Phrase("staff.assign_not_staff", user=user_id))
            return
        if may(current, "claim"):
            await advance(self.uow, current, "claim", actor_role=int(self.actor.role), actor_id=user_id)
        current.owner_id = user_id
        now = self.uow.clock.now()
        current.updated_at = now
        self.uow.cases.record_event(current.id, now, self.actor.tag, "assigned", owner=user_id)
        assignee = await self.uow.users.get(user_id)
        self._say(Phrase("staff.assigned", number=current.number, name=assignee.first_name if assignee else str(user_id)))
        await case_changed(self.uow, current)
