"""Which handler group a case goes to: the [routing] table of the deployment file.

Groups are named (`[[routing.groups]]`: a name, a chat id, optionally the language of its
cards); rules (`[[routing.rules]]`) send cases by category, severity or tier to one or more
of them, and the first rule that matches a case wins. A rule with no criteria matches every
case. A case that no rule matches goes to the home group (HANDLER_CHAT_ID, or the first
group listed). Several groups on one rule share its load: the least busy one is chosen
(`least_busy`). Without a [routing] table the home group is the only one.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from core.domain.config_errors import Table, Text, error_at, one_of, say

SEVERITIES = ("general", "major", "urgent")
TIERS = (1, 2, 3)


@dataclass(frozen=True)
class DeskGroup:
    name: str
    chat_id: int
    locale: str | None = None  # None: [staff] group_locale


@dataclass(frozen=True)
class RoutingRule:
    groups: tuple[str, ...]
    categories: frozenset[str] = frozenset()
    severities: frozenset[str] = frozenset()
    tiers: frozenset[int] = frozenset()

    def matches(self, category: str, severity: str, tier: int) -> bool:
        """Every criterion the rule names must hold; a rule without criteria takes every case."""
        return (
            (not self.categories or category in self.categories)
            and (not self.severities or severity in self.severities)
            and (not self.tiers or tier in self.tiers)
        )


@dataclass(frozen=True)
class GroupLoad:
    """How busy a group is: its messages waiting to be posted, then its open cases."""

    pending: int = 0
    open_cases: int = 0


@dataclass(frozen=True)
class RoutingConfig:
    groups: tuple[DeskGroup, ...] = ()
    rules: tuple[RoutingRule, ...] = ()

    def group(self, chat_id: int | None) -> DeskGroup | None:
        return next((g for g in self.groups if g.chat_id == chat_id), None)

    def chat_ids(self, home: int | None) -> tuple[int, ...]:
        """Every handler group, the home group first."""
        ids = [home] if home is not None else []
        ids += [g.chat_id for g in self.groups if g.chat_id != home]
        return tuple(ids)

    def candidates(self, home: int | None, category: str, severity: str, tier: int) -> tuple[int, ...]:
        """The groups a case in this state belongs in (one of them is chosen)."""
        by_name = {g.name: g.chat_id for g in self.groups}
        for rule in self.rules:
            if rule.matches(category, severity, tier):
                return tuple(by_name[name] for name in rule.groups)
        if home is not None:
            return (home,)
        return (self.groups[0].chat_id,) if self.groups else ()


def least_busy(candidates: tuple[int, ...], load: Mapping[int, GroupLoad]) -> int:
    """Fewest messages waiting to be posted (each group has its own budget of 20 a minute),
    then fewest open cases, then the first listed."""
    return min(candidates, key=lambda chat: (load.get(chat, GroupLoad()).pending, load.get(chat, GroupLoad()).open_cases, candidates.index(chat)))


# --- the [routing] table -------------------------------------------------------------------------------

class _GroupTable(Table):
    name: Text
    chat_id: int
    locale: one_of("zh_Hans", "zh_Hant", "en") | None = None  # type: ignore[valid-type]


class _RuleTable(Table):
    groups: Annotated[list[Text], Field(min_length=1), say(too_short="name at least one group")]
    categories: list[Text] = []
    severities: list[one_of(*SEVERITIES)] = []  # type: ignore[valid-type]
    tiers: list[Annotated[int, Field(ge=1, le=3)]] = []


def _unique_groups(groups: list[_GroupTable]) -> list[_GroupTable]:
    seen_names: set[str] = set()
    seen_ids: set[int] = set()
    for index, group in enumerate(groups):
        if group.name in seen_names:
            raise error_at((index, "name"), f"the group name {group.name!r} is used twice")
        if group.chat_id in seen_ids:
            raise error_at((index, "chat_id"), f"the chat id {group.chat_id} is listed twice")
        seen_names.add(group.name)
        seen_ids.add(group.chat_id)
    return groups


class RoutingTable(Table):
    """The [routing] table of the deployment file."""

    groups: Annotated[list[_GroupTable], AfterValidator(_unique_groups), say(list_type="expected an array of tables, got {type}")] = []
    rules: Annotated[list[_RuleTable], say(list_type="expected an array of tables, got {type}")] = []

    @model_validator(mode="after")
    def _known_groups(self) -> RoutingTable:
        names = {g.name for g in self.groups}
        for index, rule in enumerate(self.rules):
            for position, name in enumerate(rule.groups):
                if name not in names:
                    raise error_at(("rules", index, "groups", position), f"no group named {name!r} in {{mention}}", ("groups",))
        return self

    def config(self) -> RoutingConfig:
        return RoutingConfig(
            tuple(DeskGroup(g.name, g.chat_id, g.locale) for g in self.groups),
            tuple(
                RoutingRule(tuple(r.groups), frozenset(r.categories), frozenset(r.severities), frozenset(r.tiers))
                for r in self.rules
            ),
        )
