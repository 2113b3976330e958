"""Intake use-cases: every customer input during a complaint, and its answer.

Each call loads the draft row, applies the input through the shared state machine, saves
the draft and records the replies as intents, all in the caller's unit of work.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from core.domain.deployment import IntakeConfig
from core.domain.intake import Draft, Evidence, IntakeRules, InvalidTrigger, Step, fire
from core.domain.phone import parse_phone
from core.domain.typed_answers import matches_label, typed_action
from core.intents import AnswerCallback, Lines, Phrase, SendMessage
from core.services.callbacks import IntakeButton
from core.services.case_filing import file_case
from core.services.deadlines import schedule_stage
from core.services.repeats import find_related
from core.services.routing import route_new_case
from core.services.staff_desk import StaffDesk
from core.services.intake_prompts import NOT_SURE, Prompts
from core.storage.models import IntakeDraft, User
from core.storage.uow import UnitOfWork

OPEN = {s for s in Step if s not in (Step.SUBMITTED, Step.CANCELLED)}


@dataclass(frozen=True)
class IntakeContext:
    config: IntakeConfig
    timezone: str
    first_response_due: Callable[[datetime], datetime]
    desk: StaffDesk | None = None

    @property
    def rules(self) -> IntakeRules:
        return IntakeRules(self.config.min_statement_length, len(self.config.references))


class Intake:
    """The intake dialog of one customer within one unit of work."""

    def __init__(self, uow: UnitOfWork, user: User, context: IntakeContext) -> None:
        self.uow = uow
        self.user = user
        self.context = context
        self.config = context.config
        self.row: IntakeDraft | None = None
        self.draft: Draft | None = None

    # --- loading and saving -----------------------------------------------------------
    async def _load(self) -> Draft | None:
        self.row = await self.uow.drafts.get(self.user.id)
        if self.row is None:
            self.draft = None
        else:
            self.draft = Draft.from_data(self.row.state, self.row.data)
            self.draft.rules = self.context.rules
        return self.draft

    def _is_open(self) -> bool:
        return self.draft is not None and self.draft.state in OPEN

    def _save(self, moved: bool) -> None:
        assert self.row is not None and self.draft is not None
        self.row.state = self.draft.state.value
        self.row.data = self.draft.to_data()
        self.row.updated_at = self.uow.clock.now()
        if moved:
            self.row.seq += 1

    def _prompts(self) -> Prompts:
        return Prompts(self.config, self.user.id, self.user.locale, self.row.seq if self.row else 0)

    def _say(self, text: Phrase, **extra: object) -> None:
        self.uow.emit(SendMessage(self.user.id, self.user.locale, text, **extra))  # type: ignore[arg-type]

    def _prompt(self) -> None:
        assert self.draft is not None
        self.uow.emit(self._prompts().for_step(self.draft))

    def _fire(self, trigger: str) -> bool:
        assert self.draft is not None
        before = self.draft.state
        moved = fire(self.draft, trigger, self.context.rules)
        self._save(moved or before != self.draft.state)
        return moved

    # --- starting -----------------------------------------------------------------------
    async def start(self, first_text: tuple[int, str] | None = None) -> None:
        """/new, the start button, or free text from a customer with nothing open."""
        await self._load()
        if self._is_open():
            assert self.draft is not None
            if first_text is not None:
                await self.text(*first_text)
                return
            self.uow.emit(self._prompts().draft_offer(self.draft))
            return
        open_cases = await self.uow.cases.open_for_customer(self.user.id)
        if len(open_cases) >= self.config.max_open_cases:
            # A new complaint waits for one to close; words about these reach their threads.
            numbers = Lines([Phrase("intake.open_case_line", number=c.number) for c in open_cases])
            self._say(Phrase("intake.too_many_open", count=len(open_cases), cases=numbers))
            return
        await self._new_draft()
        self._say(Phrase("intake.start.intro"))
        if first_text is not None:
            assert self.draft is not None
            self.draft.add_statement_part(*first_text)
            self._save(moved=False)
        self._prompt()

    async def _new_draft(self) -> None:
        now = self.uow.clock.now()
        if self.row is not None:
            await self.uow.drafts.delete(self.row)
        self.draft = Draft()
        self.draft.rules = self.context.rules
        self.row = IntakeDraft(
            user_id=self.user.id, state=self.draft.state.value, seq=1, data=self.draft.to_data(), created_at=now, updated_at=now
        )
        self.uow.drafts.add(self.row)

    async def has_open_draft(self) -> bool:
        await self._load()
        return self._is_open()

    async def has_statement_part(self, message_id: int) -> bool:
        """The message is a part of the open draft's statement: an edit of it corrects the draft."""
        await self._load()
        return self._is_open() and self.draft is not None and self.draft.has_statement_part(message_id)

    # --- inputs -------------------------------------------------------------------------
    async def text(self, message_id: int, text: str) -> None:
        await self._load()
        if not self._is_open():
            await self.start(first_text=(message_id, text))
            return
        assert self.draft is not None
        action = typed_action(text)
        if action == "cancel":
            self.uow.emit(self._prompts().cancel_question())
            return
        handlers = {
            Step.CATEGORY: self._category_text,
            Step.STATEMENT: self._statement_text,
            Step.REFERENCES: self._reference_text,
            Step.CONTACT: self._contact_text,
            Step.CONFIRM: self._confirm_text,
            Step.RESOLUTION: self._resolution_text,
            Step.RESOLUTION_NOTE: self._note_text,
        }
        await handlers[self.draft.state](message_id, text, action)

    async def _category_text(self, message_id: int, text: str, action: str | None) -> None:
        assert self.draft is not None
        if action == "not_sure":
            await self._choose_category(NOT_SURE)
            return
        for category in self.config.categories:
            if matches_label(text, {"key": category.key, **vars(category.label)}):
                await self._choose_category(category.key)
                return
        # Not a category: keep it as the start of the statement and ask again.
        self.draft.add_statement_part(message_id, text)
        self._save(moved=False)
        self._prompt()

    async def _choose_category(self, key: str) -> None:
        assert self.draft is not None
        self.draft.category = key
        self._fire("choose_category")
        self._prompt()

    async def _statement_text(self, message_id: int, text: str, action: str | None) -> None:
        assert self.draft is not None
        if action == "done":
            await self._finish_statement()
            return
        self.draft.add_statement_part(message_id, text)
        self._save(moved=False)
        self.uow.emit(self._prompts().statement_progress(self.draft))

    async def _finish_statement(self) -> None:
        if self._fire("finish_statement"):
            self._enter_references_at_start()
            self._prompt()
        else:
            self.uow.emit(self._prompts().statement_too_short())

    def _enter_references_at_start(self) -> None:
        assert self.draft is not None
        if self.draft.state == Step.REFERENCES and not self.draft.editing:
            self.draft.reference_index = 0
            self._save(moved=False)

    async def _reference_text(self, message_id: int, text: str, action: str | None) -> None:
        assert self.draft is not None
        field = self.config.references[self.draft.reference_index]
        if action == "skip" and not field.required:
            self.draft.references.pop(field.key, None)
            await self._next_reference()
            return
        answer = text.strip()
        if not field.accepts(answer):
            self.uow.emit(self._prompts().reference_invalid(self.draft))
            return
        self.draft.references[field.key] = answer
        await self._next_reference()

    async def _next_reference(self) -> None:
        assert self.draft is not None
        if not self.draft.editing and self.draft.reference_index + 1 < len(self.config.references):
            self.draft.reference_index += 1
            self._save(moved=True)
        else:
            self._fire("finish_references")
        self._prompt()

    async def _contact_text(self, message_id: int, text: str, action: str | None) -> None:
        assert self.draft is not None
        if action == "skip" and not self.config.contact_required:
            self.draft.contact, self.draft.contact_skipped = None, True
            await self._finish_contact(Phrase("intake.contact.skipped"))
            return
        phone = parse_phone(text)
        if phone is None:
            self.uow.emit(self._prompts().contact_invalid())
            return
        await self.contact(phone)

    async def contact(self, phone: str) -> None:
        """A typed number already parsed, or Telegram's shared contact."""
        if not self._is_open():
            await self._load()
        if not self._is_open():
            await self.unsupported()
            return
        assert self.draft is not None
        if self.draft.state != Step.CONTACT:
            # A number shared at another step still belongs to the complaint.
            self.draft.contact, self.draft.contact_skipped = normalized_contact(phone), False
            self._save(moved=False)
            self._say(Phrase("intake.contact.saved_elsewhere"))
            self._prompt()
            return
        self.draft.contact, self.draft.contact_skipped = normalized_contact(phone), False
        await self._finish_contact(Phrase("intake.contact.saved"))

    async def _finish_contact(self, notice: Phrase) -> None:
        self._fire("finish_contact")
        self._say(notice, remove_keyboard=True)
        self._prompt()

    async def _confirm_text(self, message_id: int, text: str, action: str | None) -> None:
        if action == "confirm":
            await self._confirm()
            return
        self._say(Phrase("intake.confirm.use_buttons"))
        self._prompt()

    async def _confirm(self) -> None:
        self._fire("confirm")
        self._prompt()

    async def _resolution_text(self, message_id: int, text: str, action: str | None) -> None:
        for key in self.config.resolution_options:
            if matches_label(text, {"key": key, **RESOLUTION_WORDS[key]}):
                await self._choose_resolution(key)
                return
        self._say(Phrase("intake.resolution.use_buttons"))
        self._prompt()

    async def _choose_resolution(self, key: str) -> None:
        assert self.draft is not None
        self.draft.resolution = key
        self._fire("choose_resolution")
        self._prompt()

    async def _note_text(self, message_id: int, text: str, action: str | None) -> None:
        assert self.draft is not None
        if action == "submit":
            await self._submit()
            return
        self.draft.resolution_note = text.strip()
        self._save(moved=False)
        self._prompt()

    async def _submit(self) -> None:
        assert self.draft is not None and self.row is not None
        if not self._fire("submit"):
            self._prompt()
            return
        case = await file_case(self.uow, self.user, self.draft, self.context.timezone)
        self.row.case_id = case.id
        due = self.context.first_response_due(self.uow.clock.now())
        self._say(Phrase("intake.submitted", number=case.number, due=due))
        desk = self.context.desk
        if desk is not None:
            # Linked before routing, so the first card shows the tier and the links; told
            # after it, so the thread's notices follow its card.
            related = await find_related(self.uow, desk, case)
            await schedule_stage(self.uow, desk, case)
            await route_new_case(self.uow, desk, case, self.user)
            if related is not None:
                await self.uow.publish(related)

    async def media(self, evidence: Evidence) -> None:
        if await self._load() is None or not self._is_open():
            await self.start()
            assert self.draft is not None
        assert self.draft is not None
        self.draft.evidence.append(evidence)
        self._save(moved=False)
        if self.draft.state == Step.STATEMENT:
            self.uow.emit(self._prompts().statement_progress(self.draft))
        else:
            self._say(Phrase("intake.evidence.kept"))
            self._prompt()

    async def edited(self, message_id: int, text: str) -> bool:
        """A customer edited an earlier message: update the statement if it was part of it."""
        if await self._load() is None or not self._is_open():
            return False
        assert self.draft is not None
        if not self.draft.edit_statement_part(message_id, text):
            return False
        self._save(moved=False)
        self._say(Phrase("intake.statement.edited"))
        return True

    async def unsupported(self) -> None:
        """A sticker, location, poll...: a polite answer and the current prompt."""
        await self._load()
        if self._is_open():
            self._say(Phrase("intake.unsupported"))
            self._prompt()
        else:
            self._say(Phrase("intake.unsupported_idle"))

    async def unexpected_command(self) -> None:
        await self._load()
        if self._is_open():
            self._say(Phrase("intake.unexpected_command"))
            self._prompt()
        else:
            self._say(Phrase("fallback.unknown"))

    async def resume(self) -> None:
        """Show the current step again (after a restart, a stale button, /new on a draft)."""
        await self._load()
        if self._is_open():
            self._prompt()

    async def cancel_command(self) -> None:
        await self._load()
        if self._is_open():
            self.uow.emit(self._prompts().cancel_question())
        else:
            self._say(Phrase("intake.cancel.nothing"))

    # --- buttons ------------------------------------------------------------------------
    async def press(self, callback_id: str, data: str) -> None:
        button = IntakeButton.decode(data)
        await self._load()
        if button is None:
            await self._stale(callback_id)
            return
        seq, action, arg = button.seq, button.action, button.arg
        if self.row is not None and self.row.last_press == data:
            self.uow.emit(AnswerCallback(self.user.id, self.user.locale, callback_id))  # a double press acts once
            return
        if action == "new":
            self.uow.emit(AnswerCallback(self.user.id, self.user.locale, callback_id))
            await self.start()
            return
        if self.row is None or seq != self.row.seq or not self._is_open():
            await self._stale(callback_id)
            return
        self.row.last_press = data
        self.uow.emit(AnswerCallback(self.user.id, self.user.locale, callback_id))
        try:
            await self._apply_button(action, arg)
        except InvalidTrigger:
            self._prompt()

    async def _apply_button(self, action: str, arg: str) -> None:
        assert self.draft is not None
        step = self.draft.state
        if action == "cancel":
            self.uow.emit(self._prompts().cancel_question())
        elif action == "drop":
            self._fire("cancel")
            self._say(Phrase("intake.cancelled"))
        elif action in ("keep", "cont"):
            self._prompt()
        elif action == "restart":
            self._fire("cancel")
            await self.start()
        elif action == "cat" and step == Step.CATEGORY and (arg == NOT_SURE or self.config.category(arg)):
            await self._choose_category(arg)
        elif action == "done" and step == Step.STATEMENT:
            await self._finish_statement()
        elif action == "skip" and step == Step.REFERENCES:
            await self._reference_text(0, "", "skip")
        elif action == "ok" and step == Step.CONFIRM:
            await self._confirm()
        elif action == "edit" and step == Step.CONFIRM:
            await self._edit(arg)
        elif action == "res" and step == Step.RESOLUTION and arg in self.config.resolution_options:
            await self._choose_resolution(arg)
        elif action == "change" and step == Step.RESOLUTION_NOTE:
            self._fire("change_resolution")
            self._prompt()
        elif action == "submit" and step == Step.RESOLUTION_NOTE:
            await self._submit()
        else:
            self._prompt()

    async def _edit(self, part: str) -> None:
        assert self.draft is not None
        if part.startswith("ref."):
            keys = [f.key for f in self.config.references]
            if part[4:] not in keys:
                self._prompt()
                return
            self.draft.reference_index = keys.index(part[4:])
            self._fire("edit_reference")
        elif part in ("category", "statement", "contact"):
            self._fire("edit_" + part)
            if part == "statement":
                self._say(Phrase("intake.statement.edit_hint", current=self.draft.statement))
        self._prompt()

    async def _stale(self, callback_id: str) -> None:
        if self.row is not None and self.row.case_id is not None and not self._is_open():
            case = await self.uow.cases.get(self.row.case_id)
            if case is not None:
                self.uow.emit(AnswerCallback(self.user.id, self.user.locale, callback_id, Phrase("intake.already_filed", number=case.number)))
                return
        self.uow.emit(AnswerCallback(self.user.id, self.user.locale, callback_id, Phrase("button.expired")))
        if self._is_open():
            self._say(Phrase("intake.button_expired"))
            self._prompt()


def normalized_contact(phone: str) -> str:
    """E.164 where possible; Telegram's shared contacts come without the leading "+"."""
    return parse_phone(phone) or parse_phone("+" + phone.lstrip("+")) or phone


# The resolution options' words in every script, for customers who type them.
RESOLUTION_WORDS: dict[str, dict[str, str]] = {
    "refund": {"zh_Hans": "退款", "zh_Hant": "退款", "en": "refund"},
    "replacement": {"zh_Hans": "换货", "zh_Hant": "換貨", "en": "replacement"},
    "repair": {"zh_Hans": "维修", "zh_Hant": "維修", "en": "repair"},
    "apology": {"zh_Hans": "道歉", "zh_Hant": "道歉", "en": "apology"},
    "compensation": {"zh_Hans": "赔偿", "zh_Hant": "賠償", "en": "compensation"},
    "explanation": {"zh_Hans": "解释", "zh_Hant": "解釋", "en": "explanation"},
    "other": {"zh_Hans": "其他", "zh_Hant": "其他", "en": "other"},
}
