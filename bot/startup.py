"""Bounded start-up (docs/design.md rule 12): every step is named in the log and has a time limit.

A watchdog thread, not the event loop, enforces the limits, so a step that blocks the loop
(synchronous work, a stuck driver call) is caught as well as one awaiting forever. A step
that overruns ends the process at once with EXIT_STALLED and the step's name in the log, so
a supervisor restarts it; nothing is cleaned up, exactly as after a power cut, which the
storage and the outbox survive. Standard library only: it runs before anything else loads.
"""
from __future__ import annotations

import faulthandler
import logging
import os
import sys
import threading
import time
import traceback
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Mapping

log = logging.getLogger("kesu.startup")

EXIT_STALLED = 3
EXIT_FAILED = 1

# In the order run_bot.py takes them.
STEPS = (
    "settings",
    "deployment-file",
    "code",
    "database-connect",
    "database-migrations",
    "catalogs",
    "bot-identity",
    "handler-group",
    "business-calendar",
    "command-menus",
    "webhook-removal",
    "first-getupdates",
    "webhook-serving",  # instead of the first getUpdates: listening and setWebhook
)
DEFAULT_STEP_TIMEOUT = 60.0
# Loading the code is CPU-bound and takes half a minute on a busy small machine: a limit
# it could hit there would turn a slow start into a restart loop.
BUILT_IN_LIMITS = {"code": 180.0}
# If the watchdog thread itself cannot run (the interpreter lock held by a stuck extension),
# faulthandler's C thread dumps every stack and exits this long after the limit.
BACKSTOP_GRACE = 10.0


class StartupFailed(Exception):
    """A step raised: logged once with the step's name; the process exits with EXIT_FAILED."""

    def __init__(self, step: str) -> None:
        super().__init__(step)
        self.step = step


def _stacks() -> str:
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    parts = []
    for ident, frame in sys._current_frames().items():
        parts.append(f"thread {names.get(ident, ident)}:\n" + "".join(traceback.format_stack(frame)))
    return "\n".join(parts)


def exit_stalled(step: str, timeout: float) -> None:
    """The default reaction to an overrun: one error line naming the step (with every
    thread's stack, to show where it hung), then exit without waiting for anything."""
    log.error(
        f"start-up step {step!r} did not finish within {timeout:g} s; exiting",
        extra={"step": step, "timeout_s": timeout, "stacks": _stacks()},
    )
    for handler in logging.getLogger().handlers:
        handler.flush()
    sys.stderr.flush()
    os._exit(EXIT_STALLED)


class StartupWatchdog:
    """Tracks the current start-up step against its limit on an injected monotonic clock.

    `timeouts` maps step names to seconds; steps not named get BUILT_IN_LIMITS or else
    `default`. Lines logged before `logging_ready()` are held back and written then, so a
    configuration error stays the single line on stderr.
    """

    def __init__(
        self,
        default: float = DEFAULT_STEP_TIMEOUT,
        timeouts: Mapping[str, float] | None = None,
        now: Callable[[], float] = time.monotonic,
        on_stall: Callable[[str, float], None] = exit_stalled,
        backstop: bool = True,
    ) -> None:
        self._now = now
        self._on_stall = on_stall
        self._backstop = backstop
        self._lock = threading.Lock()
        self._current: tuple[str, float, float] | None = None  # step, started, limit
        self._began = now()
        self._held: list[logging.LogRecord] | None = []
        self._finished = threading.Event()
        self._thread: threading.Thread | None = None
        self.configure(default, timeouts or {})

    def configure(self, default: float, timeouts: Mapping[str, float]) -> None:
        unknown = set(timeouts) - set(STEPS)
        if unknown:
            raise ValueError(f"unknown start-up steps: {', '.join(sorted(unknown))}")
        self._default, self._timeouts = default, dict(timeouts)

    def limit(self, step: str) -> float:
        return self._timeouts.get(step, BUILT_IN_LIMITS.get(step, self._default))

    def begin(self, step: str, extra_seconds: float = 0.0) -> None:
        """`extra_seconds`: time the step spends waiting on purpose (a long poll)."""
        if step not in STEPS:
            raise ValueError(f"unknown start-up step {step!r}")
        limit = self.limit(step) + extra_seconds
        with self._lock:
            self._current = (step, self._now(), limit)
        if self._backstop:
            faulthandler.dump_traceback_later(limit + BACKSTOP_GRACE, exit=True, file=sys.stderr)
        self._log("start-up step", step=step, timeout_s=limit)

    def done(self) -> None:
        with self._lock:
            current, self._current = self._current, None
        if current is not None:
            step, started, _limit = current
            self._log("start-up step done", step=step, ms=round((self._now() - started) * 1000))

    @contextmanager
    def step(self, name: str, extra_seconds: float = 0.0, passes: tuple[type[Exception], ...] = ()) -> Iterator[None]:
        """`passes`: exceptions the caller answers itself (logged there, not here)."""
        self.begin(name, extra_seconds)
        try:
            yield
        except (StartupFailed, *passes):
            raise
        except Exception as error:
            log.error(
                f"start-up step {name!r} failed: {type(error).__name__}: {error}",
                extra={"step": name, "error": f"{type(error).__name__}: {error}"},
                exc_info=True,
            )
            # The step stays current: clean-up on the way out is bounded by its limit too.
            raise StartupFailed(name) from error
        self.done()

    def overdue(self) -> tuple[str, float] | None:
        """The current step and its limit once the limit has passed, else None."""
        with self._lock:
            current = self._current
        if current is None or self._finished.is_set():
            return None
        step, started, limit = current
        return (step, limit) if self._now() - started >= limit else None

    def check(self) -> bool:
        """One look by the watchdog: reacts to an overrun; True if there was one."""
        overdue = self.overdue()
        if overdue is None:
            return False
        self._on_stall(*overdue)
        return True

    def watch(self, every_seconds: float = 0.1) -> None:
        """Starts the watchdog thread (a daemon: it never keeps the process alive)."""

        def loop() -> None:
            while not self._finished.wait(every_seconds):
                self.check()

        self._thread = threading.Thread(target=loop, name="startup-watchdog", daemon=True)
        self._thread.start()

    def finish(self) -> None:
        """Start-up is over: the bot is serving. Stops the watchdog."""
        self._finished.set()
        if self._backstop:
            faulthandler.cancel_dump_traceback_later()
        self._log("started", ms=round((self._now() - self._began) * 1000))

    def logging_ready(self) -> None:
        held, self._held = self._held, None
        for record in held or ():
            if log.isEnabledFor(record.levelno):
                log.handle(record)

    def _log(self, message: str, **extra: Any) -> None:
        if self._held is None:
            log.info(message, extra=extra)
            return
        # Made now, so that it carries the time of the event, not of the writing.
        self._held.append(log.makeRecord(log.name, logging.INFO, __file__, 0, message, (), None, extra=extra))
