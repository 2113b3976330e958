"""Staff actions on a case, from the card's buttons, replies to prompts and commands.

Every action is checked (group membership and tier), recorded in the case's history,
and reflected on the card, which is edited in place.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Awaitable, Callable

from core.domain.events import Claimed, Escalated, StaffWroteToCustomer
from core.domain.lifecycle import FINAL_STAGES, Severity
from core.domain.staff import ACTION_MIN_ROLE, Role, allowed
from core.intents import AnswerCallback, Button, CaseRoute, Phrase, Purpose, SendMessage, prompt_purpose
from core.services.callbacks import StaffButton
from core.services.case_card import SEVERITY_NAMES, stage_name
from core.services.case_stage import advance, case_changed, may, severity_changed, transition
from core.services.intake_prompts import localized
from core.services.routing import notice_in_thread
from core.services.staff_desk import StaffDesk
from core.storage.models import Case, User
from core.storage.uow import UnitOfWork

log = logging.getLogger("kesu.staff")

PROMPTED_ACTIONS = ("ask", "propose", "reject", "terminate")


@dataclass(frozen=True)
class Actor:
    """A staff member acting in a chat, with what was verified about them."""

    user: User
    role: Role
    is_member: bool  # of the handler group, checked with getChatMember
    chat_id: int

    @property
    def tag(self) -> str:
        return f"staff:{self.user.id}"


def handled_elsewhere(desk: StaffDesk, case: Case) -> Phrase:
    """What staff acting on a case from another group than its own are told: where it is handled."""
    return Phrase("staff.refused.other_group", number=case.number, group=desk.group_name(desk.of(case).chat_id))


def refusal(desk: StaffDesk, actor: Actor, action: str, case: Case | None = None) -> Phrase | None:
    """Why the actor may not do this (to `case`, which is acted on only from its own group), or
    None when they may."""
    reason = None
    if desk.chat_id is None or not desk.is_group(actor.chat_id):
        reason = Phrase("staff.refused.wrong_chat")
    elif case is not None and desk.of(case).chat_id != actor.chat_id:
        reason = handled_elsewhere(desk, case)
    elif not actor.is_member:
        reason = Phrase("staff.refused.not_member")
    elif not allowed(action, actor.role):
        reason = Phrase("staff.refused.no_role") if actor.role == Role.NONE else Phrase("staff.refused.tier")
    if reason is not None:
        log.warning(
            "staff action refused",
            extra={"user": actor.user.id, "chat": actor.chat_id, "action": action, "role": actor.role.name, "member": actor.is_member},
        )
    return reason


ButtonHandler = Callable[["StaffActions", str, Case, str], Awaitable[None]]


@dataclass(frozen=True)
class StaffButtonAction:
    handler: ButtonHandler  # (actions, callback_id, case, arg)
    permission: str  # checked by refusal(): pressed in the handler group, by a member, of ACTION_MIN_ROLE[permission]


# Every staff button, each declared with @_button beside its handler; any other action is stale.
STAFF_BUTTONS: dict[str, StaffButtonAction] = {}


def _button(action: str, *, permission: str) -> Callable[[ButtonHandler], ButtonHandler]:
    """Declares the handler of the staff button `action` and the permission that guards it
    (a key of ACTION_MIN_ROLE, core/domain/staff.py: several buttons may share one)."""
    if permission not in ACTION_MIN_ROLE:
        raise ValueError(f"staff button {action!r}: no permission {permission!r} in ACTION_MIN_ROLE")

    def register(handler: ButtonHandler) -> ButtonHandler:
        if action in STAFF_BUTTONS:
            raise ValueError(f"staff button {action!r} declared twice")
        STAFF_BUTTONS[action] = StaffButtonAction(handler, permission)
        return handler

    return register


class StaffActions:
    def __init__(self, uow: UnitOfWork, desk: StaffDesk, actor: Actor) -> None:
        self.uow = uow
        self.desk = desk
        self.actor = actor

    def _record(self, case: Case, action: str, **detail: object) -> None:
        now = self.uow.clock.now()
        case.updated_at = now
        self.uow.cases.record_event(case.id, now, self.actor.tag, action, **detail)

    def _answer(self, callback_id: str, text: Phrase | None = None, alert: bool = False) -> None:
        self.uow.emit(AnswerCallback(self.actor.chat_id, self.actor.user.locale, callback_id, text, show_alert=alert))

    # --- buttons ------------------------------------------------------------------------
    async def press(self, callback_id: str, data: str) -> None:
        button = StaffButton.decode(data)
        case = await self.uow.cases.get(button.case_id) if button else None
        if button is None or case is None:
            self._answer(callback_id, Phrase("button.expired"))
            return
        declared = STAFF_BUTTONS.get(button.action)
        reason = Phrase("button.expired") if declared is None else refusal(self.desk, self.actor, declared.permission, case)
        if reason is not None or declared is None:
            self._answer(callback_id, reason, alert=True)
            return
        self.desk = self.desk.of(case)
        if case.stage in FINAL_STAGES:
            self._answer(callback_id, Phrase("staff.case_closed", number=case.number), alert=True)
            return
        await declared.handler(self, callback_id, case, button.arg)

    @_button("claim", permission="claim")
    async def _claim(self, callback_id: str, case: Case, arg: str) -> None:
        if not await self.uow.cases.claim(case.id, self.actor.user.id, self.uow.clock.now()):
            await self.uow.session.refresh(case)
            owner = await self.uow.users.get(case.owner_id) if case.owner_id else None
            self._answer(callback_id, Phrase("staff.already_claimed", name=owner.first_name if owner else "?"), alert=True)
            return
        await self.uow.session.refresh(case)
        if may(case, "claim"):
            await advance(self.uow, case, "claim", actor_role=int(self.actor.role), actor_id=self.actor.user.id)
        self._record(case, "claimed", stage=case.stage)
        self._answer(callback_id, Phrase("staff.claimed", number=case.number))
        await self.uow.publish(Claimed(case, self.actor.user.first_name))
        await case_changed(self.uow, case)

    @_button("severity", permission="severity")
    async def _severity(self, callback_id: str, case: Case, arg: str) -> None:
        if arg not in SEVERITY_NAMES or arg == case.severity:
            self._answer(callback_id)
            return
        case.severity = arg
        # docs/process.md §4: major cases are handled from tier 2 up.
        if arg == Severity.MAJOR and case.tier < 2:
            case.tier = 2
        self._record(case, "severity", severity=arg, tier=case.tier)
        await severity_changed(self.uow, case)  # urgent cases run on a shorter clock
        self._answer(callback_id, Phrase("staff.severity_set", severity=SEVERITY_NAMES[arg]))

    @_button("category", permission="category")
    async def _category(self, callback_id: str, case: Case, arg: str) -> None:
        buttons = tuple(
            (Button(localized(c.label), StaffButton(case.id, "setcat", c.key).encode()),) for c in self.desk.intake.categories
        )
        self._answer(callback_id)
        assert self.desk.chat_id is not None
        self.uow.emit(SendMessage(self.desk.chat_id, self.desk.locale, Phrase("staff.choose_category", number=case.number), buttons, route=CaseRoute(case.id, Purpose.PICKER)))

    @_button("setcat", permission="category")
    async def _setcat(self, callback_id: str, case: Case, arg: str) -> None:
        category = self.desk.intake.category(arg)
        if category is not None and arg == case.category:
            self._answer(callback_id)  # already so: nothing to change or rename
            return
        if category is None:
            self._answer(callback_id, Phrase("button.expired"))
            return
        case.category = arg
        self._record(case, "category", category=arg)
        self._answer(callback_id, Phrase("staff.category_set", category=localized(category.label)))
        await case_changed(self.uow, case, renamed=True)

    @_button("escalate", permission="escalate")
    async def _escalate(self, callback_id: str, case: Case, arg: str) -> None:
        if not transition(case, "escalate"):
            self._answer(callback_id, Phrase("staff.top_tier"), alert=True)
            return
        self._record(case, "escalated", tier=case.tier)
        self._answer(callback_id)
        await self.uow.publish(Escalated(case, self.actor.user.first_name))

    @_button("reveal", permission="reveal")
    async def _reveal(self, callback_id: str, case: Case, arg: str) -> None:
        self._record(case, "contact_revealed")
        text = Phrase("staff.contact", phone=case.contact_phone) if case.contact_phone else Phrase("staff.no_contact")
        self._answer(callback_id, text, alert=True)  # only the supervisor sees it

    @_button("party", permission="record")
    async def _party(self, callback_id: str, case: Case, arg: str) -> None:
        await self._record_choice(callback_id, case, "party", arg)

    @_button("kind", permission="record")
    async def _kind(self, callback_id: str, case: Case, arg: str) -> None:
        await self._record_choice(callback_id, case, "kind", arg)

    async def _record_choice(self, callback_id: str, case: Case, question: str, key: str) -> None:
        from core.services.resolution_record import ResolutionRecordForm

        if not await ResolutionRecordForm(self.uow, self.desk, self.actor.user.id).choose(case, question, key):
            self._answer(callback_id, Phrase("record.not_now", number=case.number), alert=True)
            return
        self._answer(callback_id)

    async def _prompt(self, callback_id: str, case: Case, action: str) -> None:
        self._answer(callback_id)
        await self.prompt_in_thread(case, action)

    async def prompt_in_thread(self, case: Case, action: str) -> None:
        """Asks for the text of an action; the staff member's reply carries the action."""
        reason = refusal(self.desk, self.actor, action)
        if reason is not None:
            self._reply(case, reason)
            return
        assert self.desk.chat_id is not None
        texts = {
            "ask": Phrase("staff.prompt.ask", number=case.number),
            "propose": Phrase("staff.prompt.propose", number=case.number),
            "reject": Phrase("staff.prompt.reject", number=case.number),
            "terminate": Phrase("staff.prompt.terminate", number=case.number),
        }
        self.uow.emit(
            SendMessage(self.desk.chat_id, self.desk.locale, texts[action], route=CaseRoute(case.id, prompt_purpose(action)), force_reply=True)
        )

    @_button("ask", permission="ask")
    async def _ask(self, callback_id: str, case: Case, arg: str) -> None:
        await self._prompt(callback_id, case, "ask")

    @_button("propose", permission="propose")
    async def _propose(self, callback_id: str, case: Case, arg: str) -> None:
        await self._prompt(callback_id, case, "propose")

    @_button("reject", permission="reject")
    async def _reject(self, callback_id: str, case: Case, arg: str) -> None:
        await self._prompt(callback_id, case, "reject")

    # --- texts answering a prompt ---------------------------------------------------------
    async def answer_prompt(self, action: str, case: Case, text: str, message_id: int) -> None:
        reason = refusal(self.desk, self.actor, action)
        if reason is not None:
            self._reply(case, reason)
            return
        if case.stage in FINAL_STAGES:
            self._reply(case, Phrase("staff.case_closed", number=case.number))
            return
        moved = await self._move_for(action, case, text)
        if moved is None:
            return
        await self._send_to_customer(action, case, text, moved)

    async def _send_to_customer(self, action: str, case: Case, text: str, moved: bool) -> None:
        self._record(case, {"ask": "asked", "propose": "proposed", "reject": "rejected", "terminate": "terminated"}[action], text=text)
        if action == "propose":
            case.pending_proposal, case.pending_proposal_by = None, None  # a held one is superseded
        await self.uow.publish(StaffWroteToCustomer(case, action, text, self.actor.user.first_name))

    async def _move_for(self, action: str, case: Case, text: str) -> bool | None:
        """Lifecycle step for a prompt's answer: True moved, False stayed, None refused."""
        role = int(self.actor.role)
        started = may(case, "start_investigation") and await advance(self.uow, case, "start_investigation")
        if action == "ask":
            return started
        if action == "propose":
            if not may(case, "propose"):
                self._reply(case, Phrase("staff.cannot_propose_now", stage=stage_name(case.stage)))
                return None
            if not await advance(self.uow, case, "propose", proposal_text=text, actor_role=role):
                # docs/process.md §2: a major case's solution needs a supervisor's approval first.
                await self._hold_for_approval(case, text)
                return None
            return True
        if action == "terminate":
            # docs/process.md §3: e.g. the complaint proved untrue or the customer is unreachable.
            if not may(case, "terminate") or not await advance(self.uow, case, "terminate", reason=text, actor_role=role):
                self._reply(case, Phrase("staff.cannot_terminate_now", stage=stage_name(case.stage)))
                return None
            return True
        if not may(case, "reject") or not await advance(self.uow, case, "reject", reason=text, actor_role=role):
            self._reply(case, Phrase("staff.cannot_reject_now", stage=stage_name(case.stage)))
            return None
        return True

    # --- a major case's proposal, held for a supervisor ----------------------------------
    async def _hold_for_approval(self, case: Case, text: str) -> None:
        case.pending_proposal, case.pending_proposal_by = text, self.actor.user.id
        self._record(case, "proposal_held", text=text)
        assert self.desk.chat_id is not None
        buttons = ((
            Button(Phrase("staff.button.approve"), StaffButton(case.id, "approve", _fingerprint(text)).encode()),
            Button(Phrase("staff.button.send_back"), StaffButton(case.id, "sendback").encode()),
        ),)
        self.uow.emit(
            SendMessage(
                self.desk.chat_id,
                self.desk.locale,
                Phrase("staff.approval_needed", number=case.number, name=self.actor.user.first_name, text=text),
                buttons,
                route=CaseRoute(case.id, Purpose.APPROVAL),
            )
        )

    @_button("approve", permission="approve")
    async def _approve(self, callback_id: str, case: Case, arg: str) -> None:
        text = case.pending_proposal
        # The button approves the text it was posted with, not a later revision.
        if not text or arg != _fingerprint(text) or not may(case, "propose"):
            self._answer(callback_id, Phrase("button.expired"))
            return
        role = int(self.actor.role)
        if not await advance(self.uow, case, "propose", proposal_text=text, actor_role=role, approved_by_supervisor=True):
            self._answer(callback_id, Phrase("button.expired"))
            return
        author = case.pending_proposal_by
        case.pending_proposal, case.pending_proposal_by = None, None
        self._record(case, "proposal_approved", author=author)
        self._answer(callback_id, Phrase("staff.approved", number=case.number))
        await self._send_to_customer("propose", case, text, True)

    @_button("sendback", permission="approve")
    async def _sendback(self, callback_id: str, case: Case, arg: str) -> None:
        if not case.pending_proposal:
            self._answer(callback_id, Phrase("button.expired"))
            return
        author = await self.uow.users.get(case.pending_proposal_by) if case.pending_proposal_by else None
        case.pending_proposal, case.pending_proposal_by = None, None
        self._record(case, "proposal_sent_back")
        self._answer(callback_id)
        notice_in_thread(
            self.uow, self.desk, case,
            Phrase("staff.notice.sent_back", name=self.actor.user.first_name, author=author.first_name if author else "?"),
        )

    def _reply(self, case: Case, text: Phrase) -> None:
        notice_in_thread(self.uow, self.desk, case, text)

    async def note(self, case: Case, text: str) -> None:
        reason = refusal(self.desk, self.actor, "note")
        if reason is not None:
            self._reply(case, reason)
            return
        self._record(case, "note", text=text)


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:10]
