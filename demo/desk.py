"""The demo's people and places on the fake server: a forum staff group with an agent, a supervisor
and a director, customers, and the deployment file that names the staff."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fake_telegram import FakeGroup, FakeTelegramServer, FakeUser

ROLES = ("agent", "supervisor", "director")
LANGUAGE_CODES = ("zh-hans", "zh-hant", "zh-hk", "en")
GROUP_LOCALES = ("zh_Hans", "zh_Hant", "en")
# A number the bot accepts for each customer language's region (core/domain/phone.py).
SAMPLE_PHONES = {"zh-hans": "+8613800138000", "zh-hant": "+886912345678", "zh-hk": "+85291234567",
                 "en": "+447700900123"}
_CUSTOMER_NAMES = ("Mei", "Jun", "Ada", "Hao", "Lin", "Kai", "Yan", "Bo")


@dataclass
class DemoDesk:
    server: FakeTelegramServer
    group: FakeGroup
    staff: dict[str, FakeUser]
    customers: list[FakeUser] = field(default_factory=list)
    _numbers: Any = field(default_factory=lambda: itertools.count(1))

    def new_customer(self, language_code: str) -> FakeUser:
        if language_code not in LANGUAGE_CODES:
            raise ValueError(f"unknown language code {language_code!r}; expected one of {LANGUAGE_CODES}")
        n = next(self._numbers)
        name = _CUSTOMER_NAMES[(n - 1) % len(_CUSTOMER_NAMES)]
        customer = self.server.create_user(first_name=name, last_name=str(n), language_code=language_code)
        self.customers.append(customer)
        return customer

    def customer(self, user_id: int) -> FakeUser:
        found = next((c for c in self.customers if c.id == user_id), None)
        if found is None:
            raise LookupError(f"no customer {user_id}")
        return found

    def as_dict(self) -> dict[str, Any]:
        return {
            "group_id": self.group.id,
            "group_title": self.group.title,
            "staff": [{"role": role, "id": user.id, "name": user.first_name, "language_code": user.language_code}
                      for role, user in self.staff.items()],
            "customers": [{"id": c.id, "name": f"{c.first_name} {c.last_name}", "language_code": c.language_code,
                           "phone": SAMPLE_PHONES.get(c.language_code or "", SAMPLE_PHONES["en"])}
                          for c in self.customers],
        }


def build_desk(server: FakeTelegramServer, first_language: str = "zh-hans") -> DemoDesk:
    staff = {
        "agent": server.create_user(first_name="Ann", last_name="Lee", language_code="zh-hans"),
        "supervisor": server.create_user(first_name="Sam", last_name="Sun", language_code="zh-hans"),
        "director": server.create_user(first_name="Dora", last_name="Du", language_code="zh-hant"),
    }
    group = server.create_group(
        title="Kesu desk", forum=True,
        members={staff["agent"]: "member", staff["supervisor"]: "administrator", staff["director"]: "creator"},
    )
    desk = DemoDesk(server, group, staff)
    desk.new_customer(first_language)
    return desk


def write_deployment(desk: DemoDesk, path: Path, group_locale: str) -> None:
    """The default categories and references, and [staff] naming the demo's three people."""
    if group_locale not in GROUP_LOCALES:
        raise ValueError(f"unknown group locale {group_locale!r}; expected one of {GROUP_LOCALES}")
    path.write_text(
        "# Written by the demo (python3 manage.py demo) at each start and reset.\n"
        "[staff]\n"
        f"agents = [{desk.staff['agent'].id}]\n"
        f"supervisors = [{desk.staff['supervisor'].id}]\n"
        f"directors = [{desk.staff['director'].id}]\n"
        f'group_locale = "{group_locale}"\n',
        encoding="utf-8",
    )
