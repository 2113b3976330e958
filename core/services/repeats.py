"""Repeat complaints and shared references, judged once when a case is filed
(docs/process.md §4, 001 call-centre art. 10(9)).

A repeat (the same customer's open or recently ended case about the same matter, judged
by core/domain/repeats.py) is linked to it and starts at tier 2; an earlier case still
open goes up to tier 2 as well, since its customer had to complain again. A reference
that at least `shared_reference_customers` other customers gave lately is linked to their
cases, for staff to see a possible common cause. Both are rows (related_cases) and history
entries written in the filing's transaction, so a re-delivered update links nothing twice.
What the threads and the customer hear follows from the RelatedCasesFound event
(core/services/case_messages.py).
"""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Sequence

from core.domain.events import RelatedCasesFound
from core.domain.lifecycle import FINAL_STAGES
from core.domain.repeats import Complaint, Reason, likeliest
from core.intents import Phrase
from core.services.intake_prompts import category_label, localized
from core.services.staff_desk import StaffDesk
from core.storage.models import Case, RelatedCase
from core.storage.related_cases import REPEAT, SHARED_REFERENCE
from core.storage.uow import UnitOfWork

REPEAT_TIER = 2  # docs/process.md §4: a repeat complaint skips tier 1
SYSTEM = "system"


def complaint(case: Case) -> Complaint:
    return Complaint(case.category, case.statement, case.reference_values)


async def find_related(uow: UnitOfWork, desk: StaffDesk, case: Case) -> RelatedCasesFound | None:
    """Links a case just filed to the cases it is likely about, before it is routed (its
    first card already shows the tier and the links); the event is for after routing."""
    now = uow.clock.now()
    settings = desk.repeats
    candidates = await uow.related.repeat_candidates(case, now - timedelta(days=settings.recent_days))
    found = likeliest(complaint(case), [(earlier, complaint(earlier)) for earlier in candidates])
    event = RelatedCasesFound(case)
    if found is not None:
        earlier, match = found
        score = round(match.likeness, 3)
        await uow.related.add(
            RelatedCase(case_id=case.id, related_id=earlier.id, kind=REPEAT, reason=match.reason.value, likeness=score,
                        reference_key=match.reference, created_at=now)
        )
        case.tier = max(case.tier, REPEAT_TIER)
        uow.cases.record_event(case.id, now, SYSTEM, "repeat_of", number=earlier.number, why=match.reason.value, likeness=score, tier=case.tier)
        raised = earlier.stage not in FINAL_STAGES and earlier.tier < REPEAT_TIER
        if raised:
            earlier.tier, earlier.updated_at = REPEAT_TIER, now
        uow.cases.record_event(earlier.id, now, SYSTEM, "repeated", number=case.number, why=match.reason.value, tier=earlier.tier)
        event = RelatedCasesFound(case, earlier, match.reason.value, score, match.reference, raised)
    shared = await _shared_references(uow, desk, case)
    if event.repeat_of is None and not shared:
        return None
    return replace(event, shared=shared)


async def _shared_references(uow: UnitOfWork, desk: StaffDesk, case: Case) -> tuple[tuple[str, tuple[str, ...]], ...]:
    now = uow.clock.now()
    settings = desk.repeats
    linked: set[int] = set()
    shared = []
    for key, value in sorted(case.reference_values.items()):
        if not value:
            continue
        others = await uow.related.same_reference(case, key, value, now - timedelta(days=settings.shared_reference_days))
        if len({other.customer_id for other in others}) < settings.shared_reference_customers:
            continue
        for other in others:
            if other.id not in linked:
                linked.add(other.id)
                await uow.related.add(
                    RelatedCase(case_id=case.id, related_id=other.id, kind=SHARED_REFERENCE, reason=Reason.REFERENCE.value,
                                likeness=0.0, reference_key=key, created_at=now)
                )
        numbers = tuple(other.number for other in others)
        uow.cases.record_event(case.id, now, SYSTEM, "shared_reference", number=", ".join(numbers), reference=key)
        shared.append((key, numbers))
    return tuple(shared)


# --- in words ---------------------------------------------------------------------------------

def why(desk: StaffDesk, reason: str, likeness: float, reference: str | None, category: str) -> Phrase:
    """Why a case was judged a repeat, for staff."""
    alike = f"{100 * likeness:.0f}%"
    if reason == Reason.REFERENCE:
        field = desk.intake.reference(reference or "")
        return Phrase("repeat.why.reference", label=localized(field.label) if field else (reference or ""))
    if reason == Reason.CATEGORY:
        return Phrase("repeat.why.category", category=category_label(desk.intake, category), likeness=alike)
    return Phrase("repeat.why.statement", likeness=alike)


def reference_label(desk: StaffDesk, key: str) -> Phrase | str:
    field = desk.intake.reference(key)
    return localized(field.label) if field else key


def card_lines(desk: StaffDesk, case: Case, links: Sequence[tuple[RelatedCase, Case]]) -> list[Phrase]:
    """The card's lines about linked cases: what this one repeats, what repeated it, and
    other customers' cases with the same reference."""
    lines = []
    shared: dict[str, list[str]] = {}
    for link, other in links:
        if link.kind == REPEAT and link.case_id == case.id:
            lines.append(Phrase("card.repeat_of", number=other.number, why=why(desk, link.reason, link.likeness, link.reference_key, case.category)))
        elif link.kind == REPEAT:
            lines.append(Phrase("card.repeated_by", number=other.number))
        elif link.case_id == case.id:
            shared.setdefault(link.reference_key or "", []).append(other.number)
    for key, numbers in shared.items():
        lines.append(Phrase("card.shared_reference", label=reference_label(desk, key), cases=", ".join(numbers)))
    return lines
