"""The handler group as core sees it: where cases go and how staff see customers."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from core.domain.business_calendar import BusinessCalendar
from core.domain.deployment import IntakeConfig
from core.domain.desk_routing import RoutingConfig
from core.domain.repeats import RepeatsConfig
from core.domain.sla import SlaPolicy
from core.domain.staff import StaffConfig
from core.storage.models import Case, User


@dataclass(frozen=True)
class StaffDesk:
    # The group this view of the desk posts in: the home group (HANDLER_CHAT_ID, or the
    # first [routing] group), or a case's own group (of()); None: cases are stored, not routed.
    chat_id: int | None
    is_forum: bool
    staff: StaffConfig
    intake: IntakeConfig
    sla: SlaPolicy
    calendar: BusinessCalendar
    repeats: RepeatsConfig = RepeatsConfig()
    routing: RoutingConfig = RoutingConfig()
    forum_chats: frozenset[int] = frozenset()  # every handler group that is a forum (with several groups)
    home_chat_id: int | None = None  # set by at(): the home group when chat_id is another one
    posts_per_minute: float = 19.0  # SEND_PER_GROUP_PER_MINUTE: how fast a group's backlog drains

    @property
    def home(self) -> int | None:
        return self.home_chat_id if self.home_chat_id is not None else self.chat_id

    @property
    def group_ids(self) -> tuple[int, ...]:
        """Every handler group, the home group first."""
        return self.routing.chat_ids(self.home)

    def is_group(self, chat_id: int | None) -> bool:
        return chat_id is not None and chat_id in self.group_ids

    def at(self, chat_id: int | None) -> StaffDesk:
        """The desk as seen from one of its groups."""
        if chat_id == self.chat_id:
            return self
        return replace(self, chat_id=chat_id, is_forum=chat_id in self.forum_chats, home_chat_id=self.home)

    def of(self, case: Case) -> StaffDesk:
        """The desk as seen from the group the case lives in (no group recorded: the home group)."""
        return self.at(case.group_chat_id if case.group_chat_id is not None else self.home)

    def group_name(self, chat_id: int | None) -> str:
        group = self.routing.group(chat_id)
        return group.name if group is not None else str(chat_id)

    @property
    def locale(self) -> str:
        group = self.routing.group(self.chat_id)
        return group.locale if group is not None and group.locale else self.staff.group_locale

    def customer_label(self, customer: User | None, customer_id: int) -> str:
        """The customer's name, or a stable pseudonym when identities are confidential."""
        if self.staff.confidential or customer is None:
            return "#" + hashlib.sha256(f"kesu-customer-{customer_id}".encode()).hexdigest()[:6].upper()
        return customer.first_name
