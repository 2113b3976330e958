"""The buttons a customer answers with: a proposal, the follow-up question, an appeal."""
from __future__ import annotations

from core.intents import Button, Phrase
from core.services import callbacks
from core.storage.models import Case

CUSTOMER_CALLBACK_PREFIX = "c"


def appeal_buttons(case: Case) -> tuple[tuple[Button, ...], ...]:
    if case.appealed:
        return ()
    return ((Button(Phrase("customer.button.appeal"), callbacks.encode(CUSTOMER_CALLBACK_PREFIX, case.id, "appeal")),),)


def proposal_buttons(case: Case) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button(Phrase("customer.button.accept"), callbacks.encode(CUSTOMER_CALLBACK_PREFIX, case.id, "accept")),
            Button(Phrase("customer.button.reject"), callbacks.encode(CUSTOMER_CALLBACK_PREFIX, case.id, "reject")),
        ),
    )


def follow_up_buttons(case: Case) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button(Phrase("customer.button.still_solved"), callbacks.encode(CUSTOMER_CALLBACK_PREFIX, case.id, "fu_yes")),
            Button(Phrase("customer.button.not_solved"), callbacks.encode(CUSTOMER_CALLBACK_PREFIX, case.id, "fu_no")),
        ),
    )
