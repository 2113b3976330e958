"""The case card posted in the handler group, and the topic name; rebuilt after every change."""
from __future__ import annotations

from typing import Sequence

from core.domain.lifecycle import Severity, Stage
from core.domain.phone import mask_phone
from core.intents import Button, Lines, Phrase
from core.services.callbacks import StaffButton
from core.services.intake_prompts import RESOLUTION_LABELS, category_label, localized, shortened
from core.services.onboarding import LANGUAGE_NAMES
from core.services.staff_desk import StaffDesk
from core.storage.models import Case, User

CARD_STATEMENT_CHARS = 1500

SEVERITY_NAMES = {
    Severity.GENERAL: Phrase("severity.general"),
    Severity.MAJOR: Phrase("severity.major"),
    Severity.URGENT: Phrase("severity.urgent"),
}
STAGE_NAMES = {
    Stage.RECEIVED: Phrase("stage.received"),
    Stage.ACCEPTED: Phrase("stage.accepted"),
    Stage.INVESTIGATING: Phrase("stage.investigating"),
    Stage.SOLUTION_PROPOSED: Phrase("stage.solution_proposed"),
    Stage.RESOLVED: Phrase("stage.resolved"),
    Stage.FOLLOW_UP: Phrase("stage.follow_up"),
    Stage.CLOSED: Phrase("stage.closed"),
    Stage.REJECTED: Phrase("stage.rejected"),
    Stage.WITHDRAWN: Phrase("stage.withdrawn"),
    Stage.TERMINATED: Phrase("stage.terminated"),
}
UNKNOWN_STAGE = Phrase("stage.unknown")


def stage_name(stage: str) -> Phrase:
    return STAGE_NAMES.get(stage, UNKNOWN_STAGE)


def severity_name(severity: str) -> Phrase:
    return SEVERITY_NAMES.get(severity, SEVERITY_NAMES[Severity.GENERAL])


def owner_label(owner: User | None) -> Phrase | str:
    return owner.first_name if owner else Phrase("card.unclaimed")


def topic_name(case: Case, desk: StaffDesk) -> Phrase:
    return Phrase("card.topic", number=case.number, category=category_label(desk.intake, case.category), stage=stage_name(case.stage))


def card_text(
    case: Case, desk: StaffDesk, customer: User | None, owner: User | None, evidence_count: int, due: Phrase,
    related: Sequence[Phrase] = (),
) -> Phrase:
    """`related`: lines about linked cases (core/services/repeats.py), shown with the references."""
    references = [
        Phrase("intake.confirm.reference_line", label=localized(field.label), value=case.reference_values[field.key])
        for field in desk.intake.references
        if case.reference_values.get(field.key)
    ]
    statement = case.statement
    if len(statement) > CARD_STATEMENT_CHARS:
        statement = shortened(statement, CARD_STATEMENT_CHARS)
    return Phrase(
        "card.text",
        number=case.number,
        category=category_label(desk.intake, case.category),
        severity=severity_name(case.severity),
        stage=stage_name(case.stage),
        tier=case.tier,
        customer=desk.customer_label(customer, case.customer_id),
        contact=mask_phone(case.contact_phone) if case.contact_phone else Phrase("card.no_contact"),
        language=LANGUAGE_NAMES.get(case.locale, LANGUAGE_NAMES["en"]),
        statement=statement or Phrase("intake.confirm.evidence_only"),
        evidence=evidence_count,
        references=Lines([*references, *related]),
        resolution=RESOLUTION_LABELS.get(case.resolution, RESOLUTION_LABELS["other"]),
        resolution_note=case.resolution_note or "",
        owner=owner_label(owner),
        due=due,
        overall=desk.sla.overall_due(desk.calendar, case.created_at),
    )


def card_buttons(case: Case) -> tuple[tuple[Button, ...], ...]:
    def button(label: Phrase, action: str, arg: str = "") -> Button:
        return Button(label, StaffButton(case.id, action, arg).encode())

    severity_row = tuple(
        button(Phrase("card.button.current", label=name) if case.severity == key else name, "severity", key)
        for key, name in SEVERITY_NAMES.items()
    )
    return (
        (button(Phrase("card.button.claim"), "claim"), button(Phrase("card.button.escalate"), "escalate")),
        severity_row,
        (button(Phrase("card.button.category"), "category"), button(Phrase("card.button.ask"), "ask")),
        (button(Phrase("card.button.propose"), "propose"), button(Phrase("card.button.reject"), "reject")),
        (button(Phrase("card.button.reveal"), "reveal"),),
    )
