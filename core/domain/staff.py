"""Staff roles and what each may do (docs/process.md §4: three tiers), and the [staff] table
of the deployment file that names them."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Annotated, Any

from pydantic import PlainValidator

from core.domain.config_errors import Table, one_of
from core.locale import SUPPORTED_LOCALES


class Role(IntEnum):
    """Ordered: a higher tier may do everything a lower one may."""

    NONE = 0
    AGENT = 1
    SUPERVISOR = 2
    DIRECTOR = 3


# The least role each staff action needs. Membership of the handler group is needed too.
ACTION_MIN_ROLE: dict[str, Role] = {
    "claim": Role.AGENT,
    "severity": Role.AGENT,
    "category": Role.AGENT,
    "ask": Role.AGENT,
    "propose": Role.AGENT,
    "escalate": Role.AGENT,
    "reply": Role.AGENT,
    "note": Role.AGENT,
    "queue": Role.AGENT,
    "case": Role.AGENT,
    "mine": Role.AGENT,
    "find": Role.AGENT,
    "record": Role.AGENT,
    # An agent's report and export cover the cases they own; higher tiers see the desk.
    "report": Role.AGENT,
    "export": Role.AGENT,
    "reject": Role.SUPERVISOR,
    "terminate": Role.SUPERVISOR,
    "approve": Role.SUPERVISOR,
    "ban": Role.SUPERVISOR,
    "assign": Role.SUPERVISOR,
    "reveal": Role.SUPERVISOR,
    "members": Role.SUPERVISOR,
}


@dataclass(frozen=True)
class StaffConfig:
    agents: frozenset[int] = field(default_factory=frozenset)
    supervisors: frozenset[int] = field(default_factory=frozenset)
    directors: frozenset[int] = field(default_factory=frozenset)
    # Customers appear to staff under a pseudonym instead of their name.
    confidential: bool = False
    # Traditional-script customers read Taiwan ("tw") or Hong Kong ("hk") standard.
    traditional_standard: str = "tw"
    # Show a customer's message to staff also converted into the staff's script.
    show_converted: bool = True
    # The language of what the bot posts in the handler group (cards, notices).
    group_locale: str = "zh_Hans"

    def role_of(self, user_id: int) -> Role:
        if user_id in self.directors:
            return Role.DIRECTOR
        if user_id in self.supervisors:
            return Role.SUPERVISOR
        if user_id in self.agents:
            return Role.AGENT
        return Role.NONE


def allowed(action: str, role: Role) -> bool:
    return role >= ACTION_MIN_ROLE[action] and role > Role.NONE


def _user_ids(value: Any) -> frozenset[int]:
    # One message for any slip: the operator fixes the list as a whole.
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value):
        raise ValueError("must be a list of Telegram user ids (positive integers)")
    return frozenset(value)


_UserIds = Annotated[frozenset[int], PlainValidator(_user_ids)]
_Standard = one_of("tw", "hk")
_Locale = one_of(*SUPPORTED_LOCALES)
_DEFAULT = StaffConfig()


class StaffTable(Table):
    """The [staff] table of the deployment file; its fields are StaffConfig's."""

    agents: _UserIds = _DEFAULT.agents
    supervisors: _UserIds = _DEFAULT.supervisors
    directors: _UserIds = _DEFAULT.directors
    confidential: bool = _DEFAULT.confidential
    traditional_standard: _Standard = _DEFAULT.traditional_standard
    show_converted: bool = _DEFAULT.show_converted
    group_locale: _Locale = _DEFAULT.group_locale
