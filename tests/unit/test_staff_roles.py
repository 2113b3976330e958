import pytest

from core.domain.staff import ACTION_MIN_ROLE, Role, StaffConfig, allowed


@pytest.mark.parametrize("action", sorted(ACTION_MIN_ROLE))
@pytest.mark.parametrize("role", list(Role))
def test_every_action_against_every_role(action: str, role: Role) -> None:
    expected = role != Role.NONE and role >= ACTION_MIN_ROLE[action]
    assert allowed(action, role) is expected


def test_supervisor_only_actions() -> None:
    assert {a for a, r in ACTION_MIN_ROLE.items() if r == Role.SUPERVISOR} == {"reject", "terminate", "approve", "ban", "assign", "reveal", "members"}


def test_the_highest_listed_role_wins() -> None:
    staff = StaffConfig(agents=frozenset({1, 3}), supervisors=frozenset({2, 3}), directors=frozenset({4}))
    assert [staff.role_of(u) for u in (1, 2, 3, 4, 5)] == [Role.AGENT, Role.SUPERVISOR, Role.SUPERVISOR, Role.DIRECTOR, Role.NONE]
