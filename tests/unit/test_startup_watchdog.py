"""The start-up watchdog on an injected monotonic clock."""
from __future__ import annotations

import logging
import threading

import pytest

from bot.startup import STEPS, StartupFailed, StartupWatchdog


class Ticking:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Ticking:
    return Ticking()


@pytest.fixture
def stalls() -> list[tuple[str, float]]:
    return []


@pytest.fixture
def watchdog(clock: Ticking, stalls: list) -> StartupWatchdog:
    dog = StartupWatchdog(default=10, timeouts={"database-migrations": 30}, now=clock, on_stall=lambda *s: stalls.append(s), backstop=False)
    dog.logging_ready()
    return dog


def test_a_step_is_overdue_only_once_its_limit_has_passed(watchdog: StartupWatchdog, clock: Ticking, stalls: list) -> None:
    watchdog.begin("database-connect")
    clock.t += 9.9
    assert watchdog.overdue() is None and not watchdog.check()
    clock.t += 0.1
    assert watchdog.check()
    assert stalls == [("database-connect", 10)]


def test_named_limits_and_extra_wait_apply(watchdog: StartupWatchdog, clock: Ticking) -> None:
    watchdog.begin("database-migrations")
    clock.t += 29
    assert watchdog.overdue() is None
    clock.t += 1
    assert watchdog.overdue() == ("database-migrations", 30)
    watchdog.begin("first-getupdates", extra_seconds=25)
    clock.t += 34
    assert watchdog.overdue() is None
    clock.t += 1
    assert watchdog.overdue() == ("first-getupdates", 35)


def test_loading_the_code_has_a_longer_limit_unless_named(clock: Ticking) -> None:
    dog = StartupWatchdog(default=10, now=clock, backstop=False)
    assert (dog.limit("code"), dog.limit("catalogs")) == (180, 10)
    dog.configure(10, {"code": 30})
    assert dog.limit("code") == 30


def test_a_finished_step_and_a_finished_start_are_never_overdue(watchdog: StartupWatchdog, clock: Ticking) -> None:
    watchdog.begin("catalogs")
    watchdog.done()
    clock.t += 1000
    assert watchdog.overdue() is None
    watchdog.begin("first-getupdates")
    watchdog.finish()
    clock.t += 1000
    assert watchdog.overdue() is None


def test_each_step_is_logged_by_name_with_its_duration(watchdog: StartupWatchdog, clock: Ticking, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "kesu.startup")
    with watchdog.step("bot-identity"):
        clock.t += 1.5
    watchdog.finish()
    lines = [(r.getMessage(), getattr(r, "step", None), getattr(r, "ms", None)) for r in caplog.records]
    assert lines[:2] == [("start-up step", "bot-identity", None), ("start-up step done", "bot-identity", 1500)]
    assert lines[2][0] == "started"


def test_lines_before_logging_is_ready_are_held_then_written_with_their_time(clock: Ticking, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "kesu.startup")
    dog = StartupWatchdog(now=clock, on_stall=lambda *s: None, backstop=False)
    with dog.step("settings"):
        pass
    assert caplog.records == []
    dog.logging_ready()
    assert [(r.getMessage(), r.step) for r in caplog.records] == [("start-up step", "settings"), ("start-up step done", "settings")]
    with dog.step("deployment-file"):
        pass
    assert len(caplog.records) == 4  # written at once from now on


def test_an_error_in_a_step_names_the_step(watchdog: StartupWatchdog, caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(StartupFailed) as failed:
        with watchdog.step("database-connect"):
            raise OSError("disk gone")
    assert failed.value.step == "database-connect"
    [error] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert error.step == "database-connect" and "disk gone" in error.getMessage()


def test_exceptions_the_caller_answers_pass_unchanged(watchdog: StartupWatchdog) -> None:
    with pytest.raises(KeyError):
        with watchdog.step("bot-identity", passes=(KeyError,)):
            raise KeyError("token")


def test_unknown_step_names_are_refused(watchdog: StartupWatchdog) -> None:
    with pytest.raises(ValueError, match="unknown start-up step"):
        watchdog.begin("warm-up")
    with pytest.raises(ValueError, match="unknown start-up steps: warm-up"):
        watchdog.configure(5, {"warm-up": 1})
    watchdog.configure(5, {name: 1 for name in STEPS})


def test_the_watchdog_thread_reacts_to_an_overrun(clock: Ticking) -> None:
    stalled = threading.Event()
    seen: list = []

    def on_stall(step: str, limit: float) -> None:
        seen.append((step, limit))
        stalled.set()

    dog = StartupWatchdog(default=5, now=clock, on_stall=on_stall, backstop=False)
    dog.begin("handler-group")
    clock.t += 5
    dog.watch(every_seconds=0.01)
    try:
        assert stalled.wait(10)
        assert seen[0] == ("handler-group", 5)
    finally:
        dog.finish()
