"""The handler group as core sees it: where cases go and how staff see customers."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from core.domain.business_calendar import BusinessCalendar
from core.domain.deployment import IntakeConfig
from core.domain.repeats import RepeatsConfig
from core.domain.sla import SlaPolicy
from core.domain.staff import StaffConfig
from core.storage.models import User


@dataclass(frozen=True)
class StaffDesk:
    chat_id: int | None  # HANDLER_CHAT_ID; None: cases are stored, not routed
    is_forum: bool
    staff: StaffConfig
    intake: IntakeConfig
    sla: SlaPolicy
    calendar: BusinessCalendar
    repeats: RepeatsConfig = RepeatsConfig()

    @property
    def locale(self) -> str:
        return self.staff.group_locale

    def customer_label(self, customer: User | None, customer_id: int) -> str:
        """The customer's name, or a stable pseudonym when identities are confidential."""
        if self.staff.confidential or customer is None:
            return "#" + hashlib.sha256(f"kesu-customer-{customer_id}".encode()).hexdigest()[:6].upper()
        return customer.first_name
