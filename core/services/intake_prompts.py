"""What the customer sees at each intake step: one table of prompts and their buttons.

Buttons carry the draft's step number (core.services.callbacks.IntakeButton), so a press
on an older prompt is recognised as stale.
"""
from __future__ import annotations

from dataclasses import asdict
from typing import Callable

from core.domain.deployment import IntakeConfig, LocalizedText, ReferenceField
from core.domain.intake import Draft, Step
from core.domain.phone import mask_phone
from core.intents import Button, Lines, Localized, Phrase, SendMessage
from core.services.callbacks import IntakeButton

READ_BACK_STATEMENT_CHARS = 300

RESOLUTION_LABELS = {
    "refund": Phrase("intake.resolution.refund"),
    "replacement": Phrase("intake.resolution.replacement"),
    "repair": Phrase("intake.resolution.repair"),
    "apology": Phrase("intake.resolution.apology"),
    "compensation": Phrase("intake.resolution.compensation"),
    "explanation": Phrase("intake.resolution.explanation"),
    "other": Phrase("intake.resolution.other"),
}
NOT_SURE = "unsure"


def localized(text: LocalizedText) -> Localized:
    return Localized(asdict(text))


def category_label(config: IntakeConfig, key: str | None) -> Phrase | Localized:
    category = config.category(key) if key and key != NOT_SURE else None
    return localized(category.label) if category else Phrase("intake.category.unsure")


def shortened(text: str, limit: int = READ_BACK_STATEMENT_CHARS) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


class Prompts:
    """Builds the prompt of the draft's current step for one customer."""

    def __init__(self, config: IntakeConfig, chat_id: int, locale: str, seq: int) -> None:
        self.config = config
        self.chat_id = chat_id
        self.locale = locale
        self.seq = seq

    def message(self, text: Phrase, *rows: tuple[Button, ...], **extra: object) -> SendMessage:
        return SendMessage(self.chat_id, self.locale, text, tuple(r for r in rows if r), **extra)  # type: ignore[arg-type]

    def button(self, label: Phrase | Localized, action: str, arg: str = "") -> Button:
        return Button(label, IntakeButton(self.seq, action, arg).encode())

    def for_step(self, draft: Draft) -> SendMessage:
        builders: dict[Step, Callable[[Draft], SendMessage]] = {
            Step.CATEGORY: self.category,
            Step.STATEMENT: self.statement,
            Step.REFERENCES: self.reference,
            Step.CONTACT: self.contact,
            Step.CONFIRM: self.summary,
            Step.RESOLUTION: self.resolution,
            Step.RESOLUTION_NOTE: self.resolution_note,
        }
        return builders[draft.state](draft)

    def category(self, draft: Draft) -> SendMessage:
        buttons = [self.button(localized(c.label), "cat", c.key) for c in self.config.categories]
        rows = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
        rows.append((self.button(Phrase("intake.category.unsure"), "cat", NOT_SURE),))
        noted_first = draft.statement_parts and not draft.editing and draft.category is None
        text = Phrase("intake.category.prompt_with_text") if noted_first else Phrase("intake.category.prompt")
        return self.message(text, *rows)

    def statement(self, draft: Draft) -> SendMessage:
        if draft.statement_parts or draft.evidence:
            return self.statement_progress(draft)
        return self.message(Phrase("intake.statement.prompt"), (self.button(Phrase("intake.button.done"), "done"),))

    def statement_progress(self, draft: Draft) -> SendMessage:
        return self.message(
            Phrase("intake.statement.progress", messages=len(draft.statement_parts), files=len(draft.evidence)),
            (self.button(Phrase("intake.button.done"), "done"),),
        )

    def statement_too_short(self) -> SendMessage:
        return self.message(
            Phrase("intake.statement.too_short", minimum=self.config.min_statement_length),
            (self.button(Phrase("intake.button.done"), "done"),),
        )

    def reference(self, draft: Draft) -> SendMessage:
        field = self.config.references[draft.reference_index]
        optional = () if field.required else (self.button(Phrase("intake.button.skip"), "skip"),)
        text = Phrase("intake.reference.prompt", prompt=localized(field.prompt), example=_example(field))
        return self.message(text, optional)

    def reference_invalid(self, draft: Draft) -> SendMessage:
        field = self.config.references[draft.reference_index]
        optional = () if field.required else (self.button(Phrase("intake.button.skip"), "skip"),)
        return self.message(Phrase("intake.reference.invalid", label=localized(field.label), example=_example(field)), optional)

    def contact(self, draft: Draft) -> SendMessage:
        text = Phrase("intake.contact.prompt") if self.config.contact_required else Phrase("intake.contact.prompt_optional")
        return self.message(text, contact_button=Phrase("intake.contact.share_button"))

    def contact_invalid(self) -> SendMessage:
        text = Phrase("intake.contact.invalid") if self.config.contact_required else Phrase("intake.contact.invalid_optional")
        return self.message(text, contact_button=Phrase("intake.contact.share_button"))

    def summary(self, draft: Draft) -> SendMessage:
        references = [
            Phrase("intake.confirm.reference_line", label=localized(f.label), value=draft.references[f.key])
            for f in self.config.references
            if draft.references.get(f.key)
        ]
        contact: Phrase | str = mask_phone(draft.contact) if draft.contact else Phrase("intake.confirm.no_contact")
        text = Phrase(
            "intake.confirm.summary",
            category=category_label(self.config, draft.category),
            statement=shortened(draft.statement) or Phrase("intake.confirm.evidence_only"),
            evidence=len(draft.evidence),
            references=Lines(references),
            contact=contact,
        )
        edit_rows = [
            (self.button(Phrase("intake.button.edit_category"), "edit", "category"), self.button(Phrase("intake.button.edit_statement"), "edit", "statement")),
        ]
        reference_buttons = [self.button(Phrase("intake.button.edit_field", label=localized(f.label)), "edit", "ref." + f.key) for f in self.config.references]
        edit_rows += [tuple(reference_buttons[i : i + 2]) for i in range(0, len(reference_buttons), 2)]
        edit_rows.append((self.button(Phrase("intake.button.edit_contact"), "edit", "contact"),))
        return self.message(
            text,
            (self.button(Phrase("intake.button.confirm"), "ok"),),
            *edit_rows,
            (self.button(Phrase("intake.button.cancel"), "cancel"),),
        )

    def resolution(self, draft: Draft) -> SendMessage:
        buttons = [self.button(RESOLUTION_LABELS[key], "res", key) for key in self.config.resolution_options]
        rows = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
        return self.message(Phrase("intake.resolution.prompt"), *rows)

    def resolution_note(self, draft: Draft) -> SendMessage:
        option = RESOLUTION_LABELS[draft.resolution or "other"]
        change = self.button(Phrase("intake.button.change_resolution"), "change")
        if not draft.resolution_complete():
            return self.message(Phrase("intake.resolution.note_required", option=option), (change,))
        if draft.resolution_note:
            text = Phrase("intake.resolution.note_saved", option=option, note=draft.resolution_note)
        else:
            text = Phrase("intake.resolution.note_prompt", option=option)
        return self.message(
            text,
            (self.button(Phrase("intake.button.submit"), "submit"),),
            (change,),
        )

    def cancel_question(self) -> SendMessage:
        return self.message(
            Phrase("intake.cancel.question"),
            (self.button(Phrase("intake.button.discard"), "drop"), self.button(Phrase("intake.button.keep"), "keep")),
        )

    def draft_offer(self, draft: Draft) -> SendMessage:
        return self.message(
            Phrase("intake.draft.offer", step=STEP_NAMES[draft.state]),
            (self.button(Phrase("intake.button.continue"), "cont"), self.button(Phrase("intake.button.restart"), "restart")),
        )


def _example(field: ReferenceField) -> Phrase | str:
    return Phrase("intake.reference.example", example=localized(field.example)) if field.example else ""


STEP_NAMES = {
    Step.CATEGORY: Phrase("intake.step.category"),
    Step.STATEMENT: Phrase("intake.step.statement"),
    Step.REFERENCES: Phrase("intake.step.references"),
    Step.CONTACT: Phrase("intake.step.contact"),
    Step.CONFIRM: Phrase("intake.step.confirm"),
    Step.RESOLUTION: Phrase("intake.step.resolution"),
    Step.RESOLUTION_NOTE: Phrase("intake.step.resolution"),
}
