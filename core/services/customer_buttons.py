"""The buttons a customer answers with: a proposal, the follow-up question, an appeal."""
from __future__ import annotations

from core.intents import Button, Phrase
from core.services.callbacks import CustomerButton
from core.storage.models import Case


def appeal_buttons(case: Case) -> tuple[tuple[Button, ...], ...]:
    if case.appealed:
        return ()
    return ((Button(Phrase("customer.button.appeal"), CustomerButton(case.id, "appeal").encode()),),)


def proposal_buttons(case: Case) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button(Phrase("customer.button.accept"), CustomerButton(case.id, "accept").encode()),
            Button(Phrase("customer.button.reject"), CustomerButton(case.id, "reject").encode()),
        ),
    )


def follow_up_buttons(case: Case) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button(Phrase("customer.button.still_solved"), CustomerButton(case.id, "fu_yes").encode()),
            Button(Phrase("customer.button.not_solved"), CustomerButton(case.id, "fu_no").encode()),
        ),
    )
