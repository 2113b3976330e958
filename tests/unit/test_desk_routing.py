"""The [routing] table: its parsing, its errors, and which group a case goes to."""
from __future__ import annotations

import pytest

from core.domain.config_errors import DeploymentConfigError
from core.domain.deployment import config_from_mapping
from core.domain.desk_routing import GroupLoad, RoutingConfig, least_busy
from core.services.staff_desk import StaffDesk

HOME, AFTER_SALES, BILLING, SUPERVISORS, SPARE = -100, -200, -300, -400, -500

ROUTING = {
    "groups": [
        {"name": "after-sales", "chat_id": AFTER_SALES, "locale": "en"},
        {"name": "billing", "chat_id": BILLING},
        {"name": "supervisors", "chat_id": SUPERVISORS},
        {"name": "spare", "chat_id": SPARE},
    ],
    "rules": [
        {"tiers": [2, 3], "groups": ["supervisors"]},
        {"categories": ["after_sales"], "groups": ["after-sales"]},
        {"categories": ["price_billing"], "severities": ["major", "urgent"], "groups": ["billing", "spare"]},
    ],
}


def routing() -> RoutingConfig:
    return config_from_mapping({"routing": ROUTING}).routing


def test_no_routing_table_means_the_home_group_alone() -> None:
    config = config_from_mapping({}).routing
    assert config == RoutingConfig()
    assert config.candidates(HOME, "after_sales", "general", 3) == (HOME,)
    assert config.chat_ids(HOME) == (HOME,)


def test_the_first_matching_rule_names_the_groups() -> None:
    config = routing()
    assert config.candidates(HOME, "after_sales", "general", 1) == (AFTER_SALES,)
    assert config.candidates(HOME, "after_sales", "general", 2) == (SUPERVISORS,)  # the tier rule comes first
    assert config.candidates(HOME, "price_billing", "major", 1) == (BILLING, SPARE)
    # Every criterion of a rule must hold: a general billing case matches no rule.
    assert config.candidates(HOME, "price_billing", "general", 1) == (HOME,)
    assert config.candidates(None, "other", "general", 1) == (AFTER_SALES,)  # no home group: the first listed
    assert config.chat_ids(HOME) == (HOME, AFTER_SALES, BILLING, SUPERVISORS, SPARE)


def test_of_several_groups_the_least_busy_is_chosen() -> None:
    assert least_busy((BILLING, SPARE), {BILLING: GroupLoad(5, 1), SPARE: GroupLoad(2, 9)}) == SPARE
    assert least_busy((BILLING, SPARE), {BILLING: GroupLoad(2, 3), SPARE: GroupLoad(2, 1)}) == SPARE  # then open cases
    assert least_busy((BILLING, SPARE), {}) == BILLING  # then the order listed


def test_the_desk_seen_from_a_case_group_keeps_its_home() -> None:
    config = config_from_mapping({"routing": ROUTING})
    desk = StaffDesk(HOME, False, config.staff, config.intake, config.sla, None, routing=config.routing,  # type: ignore[arg-type]
                     forum_chats=frozenset({AFTER_SALES}))
    there = desk.at(AFTER_SALES)
    assert (there.chat_id, there.is_forum, there.locale, there.home) == (AFTER_SALES, True, "en", HOME)
    back = there.at(HOME)
    assert (back.chat_id, back.is_forum, back.locale) == (HOME, False, config.staff.group_locale)
    assert desk.is_group(SPARE) and not desk.is_group(-999)
    assert desk.group_name(SUPERVISORS) == "supervisors"


@pytest.mark.parametrize(("routing_table", "message"), [
    ({"rules": [{"groups": ["nobody"]}]}, "routing.rules[0].groups[0]: no group named 'nobody' in routing.groups"),
    ({"groups": [{"name": "a", "chat_id": -1}, {"name": "a", "chat_id": -2}]}, "routing.groups[1].name: the group name 'a' is used twice"),
    ({"groups": [{"name": "a", "chat_id": -1}, {"name": "b", "chat_id": -1}]}, "routing.groups[1].chat_id: the chat id -1 is listed twice"),
    ({"groups": [{"name": "a", "chat_id": -1}], "rules": [{"groups": []}]}, "routing.rules[0].groups: name at least one group"),
    ({"groups": [{"name": "a", "chat_id": -1}], "rules": [{"groups": ["a"], "tiers": [4]}]}, "routing.rules[0].tiers[0]: must be at most 3, got 4"),
    ({"groups": [{"name": "a", "chat_id": -1}], "rules": [{"groups": ["a"], "severities": ["high"]}]},
     "routing.rules[0].severities[0]: must be one of 'general', 'major', 'urgent'"),
    ({"groups": [{"name": "a", "chat_id": "-1"}]}, "routing.groups[0].chat_id: expected an integer, got a string"),
    ({"group": []}, "routing.group: unknown key (expected one of: groups, rules)"),
])
def test_a_wrong_routing_table_is_one_line_naming_the_key(routing_table: dict, message: str) -> None:
    with pytest.raises(DeploymentConfigError) as caught:
        config_from_mapping({"routing": routing_table})
    assert str(caught.value) == message
