"""The tables buttons are dispatched by: every staff button with the permission that
guards it, every customer decision with its lifecycle trigger, and every button the
bot writes has a handler."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from core.domain.lifecycle import TRANSITIONS
from core.domain.staff import ACTION_MIN_ROLE, Role
from core.services import case_lifecycle, staff_actions
from core.services.callbacks import CustomerButton, StaffButton
from core.services.case_card import card_buttons
from core.services.case_lifecycle import DECISIONS, CustomerDecisions
from core.services.customer_buttons import appeal_buttons, follow_up_buttons, proposal_buttons
from core.services.staff_actions import STAFF_BUTTONS, StaffActions

STAFF_BUTTON_PERMISSIONS = {
    "claim": "claim",
    "severity": "severity",
    "category": "category",
    "setcat": "category",
    "escalate": "escalate",
    "reveal": "reveal",
    "ask": "ask",
    "propose": "propose",
    "reject": "reject",
    "party": "record",
    "kind": "record",
    "approve": "approve",
    "sendback": "approve",
}
DECISION_TRIGGERS = {
    "accept": "accept_solution",
    "reject": "reject_solution",
    "withdraw": "withdraw",
    "withdraw_yes": "withdraw",
    "appeal": "appeal",
    "reopen": "reopen_unsatisfied",
    "fu_yes": "follow_up_ok",
    "fu_no": "follow_up_not_solved",
}


def _actions(rows: tuple[tuple, ...], family: type[StaffButton] | type[CustomerButton]) -> set[str]:
    decoded = [family.decode(button.data) for row in rows for button in row]
    assert None not in decoded
    return {button.action for button in decoded if button is not None}


def test_every_staff_button_and_its_permission() -> None:
    assert {action: declared.permission for action, declared in STAFF_BUTTONS.items()} == STAFF_BUTTON_PERMISSIONS


@pytest.mark.parametrize("action", sorted(STAFF_BUTTON_PERMISSIONS))
def test_a_staff_button_is_handled_by_its_own_method(action: str) -> None:
    assert STAFF_BUTTONS[action].handler is getattr(StaffActions, "_" + action)


def test_supervisor_buttons() -> None:
    supervisor_only = {a for a, declared in STAFF_BUTTONS.items() if ACTION_MIN_ROLE[declared.permission] == Role.SUPERVISOR}
    assert supervisor_only == {"reveal", "reject", "approve", "sendback"}


def test_every_button_on_the_card_has_a_handler() -> None:
    case = SimpleNamespace(id=41, severity="general")
    assert _actions(card_buttons(case), StaffButton) <= set(STAFF_BUTTONS)  # type: ignore[arg-type]


def test_every_customer_decision_and_its_trigger() -> None:
    assert {action: decision.trigger for action, decision in DECISIONS.items()} == DECISION_TRIGGERS
    assert {decision.trigger for decision in DECISIONS.values()} <= {row["trigger"] for row in TRANSITIONS}
    assert [action for action, decision in DECISIONS.items() if decision.stale_while_awaiting] == ["reject"]


@pytest.mark.parametrize("action", sorted(DECISION_TRIGGERS))
def test_a_decision_is_handled_by_its_own_method(action: str) -> None:
    assert DECISIONS[action].handler is getattr(CustomerDecisions, "_" + action)


def test_every_customer_button_has_a_handler() -> None:
    case = SimpleNamespace(id=7, appealed=False)
    written = set()
    for buttons in (appeal_buttons, proposal_buttons, follow_up_buttons):
        written |= _actions(buttons(case), CustomerButton)  # type: ignore[arg-type]
    assert written == {"appeal", "accept", "reject", "fu_yes", "fu_no"}
    assert written <= set(DECISIONS)


def test_declaring_a_button_twice_is_refused() -> None:
    async def handler(*args: object) -> None:
        pass

    with pytest.raises(ValueError, match="twice"):
        staff_actions._button("claim", permission="claim")(handler)
    with pytest.raises(ValueError, match="twice"):
        case_lifecycle._decision("accept", trigger="accept_solution")(handler)
    with pytest.raises(ValueError, match="permission"):
        staff_actions._button("new", permission="no such permission")
