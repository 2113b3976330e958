"""Staff roles and what each may do (PROCESS.md §4: three tiers)."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


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
