"""The per-customer sliding window and the [abuse] / max_open_cases settings."""
from __future__ import annotations

import pytest

from core.domain.abuse import AbuseConfig, Throttle
from core.domain.config_errors import DeploymentConfigError
from core.domain.deployment import config_from_mapping


def test_the_window_lets_the_limit_through_then_answers_once() -> None:
    throttle = Throttle(per_minute=3)
    assert [throttle.check(1, t) for t in (0.0, 1.0, 2.0)] == [(True, False)] * 3
    assert throttle.check(1, 3.0) == (False, True)  # the first refusal is explained
    assert throttle.check(1, 4.0) == (False, False)  # the rest of the burst is not
    assert throttle.check(2, 4.0) == (True, False)  # other customers are not affected
    # 60 s after the first message a slot frees up again.
    assert throttle.check(1, 60.0) == (True, False)
    assert throttle.check(1, 60.5) == (False, True)  # a new burst is explained again


def test_refused_updates_do_not_extend_the_wait() -> None:
    throttle = Throttle(per_minute=2)
    throttle.check(7, 0.0), throttle.check(7, 0.0)
    for t in range(1, 60):
        assert throttle.check(7, float(t))[0] is False
    assert throttle.check(7, 60.0) == (True, False)


def test_idle_users_are_forgotten_when_the_table_is_full() -> None:
    throttle = Throttle(per_minute=1, max_users=2)
    throttle.check(1, 0.0), throttle.check(2, 0.0)
    assert throttle.check(3, 100.0) == (True, False)
    assert set(throttle._seen) == {3}


def test_settings_from_the_deployment_file() -> None:
    config = config_from_mapping({"abuse": {"messages_per_minute": 5}, "intake": {"max_open_cases": 2}})
    assert config.abuse == AbuseConfig(messages_per_minute=5) and config.intake.max_open_cases == 2
    defaults = config_from_mapping({})
    assert defaults.abuse.messages_per_minute == 60 and defaults.intake.max_open_cases == 3


@pytest.mark.parametrize(
    ("data", "key_path"),
    [
        ({"abuse": {"messages_per_minute": 0}}, "abuse.messages_per_minute"),
        ({"abuse": {"messages_per_minute": True}}, "abuse.messages_per_minute"),
        ({"abuse": {"per_hour": 5}}, "abuse.per_hour"),
        ({"intake": {"max_open_cases": 0}}, "intake.max_open_cases"),
    ],
)
def test_bad_settings_name_their_key(data: dict, key_path: str) -> None:
    with pytest.raises(DeploymentConfigError) as caught:
        config_from_mapping(data)
    assert caught.value.key_path == key_path
