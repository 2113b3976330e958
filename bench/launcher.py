"""Child processes for benchmarks: start, sample memory and CPU, and always stop them."""
from __future__ import annotations

import asyncio
import atexit
import ctypes
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import psutil

_LIVE: set[subprocess.Popen[bytes]] = set()

# Loaded before any fork: the child only calls prctl, which is safe between fork and exec.
try:
    _LIBC: Any = ctypes.CDLL("libc.so.6", use_errno=True) if sys.platform.startswith("linux") else None
except OSError:
    _LIBC = None
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    # A SIGKILLed benchmark must not leave a bot polling a dead server forever.
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@atexit.register
def _kill_leftovers() -> None:
    for process in list(_LIVE):
        if process.poll() is None:
            process.kill()
            process.wait()


class ChildProcess:
    """A bot process whose stdout and stderr go to a log file."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path, log_path: Path) -> None:
        self.argv = argv
        self.env = env
        self.cwd = cwd
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.returncode: int | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(self.argv, cwd=self.cwd, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        _LIVE.add(self.process)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    async def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, then SIGKILL after ``timeout``. Async so that the in-process fake server
        keeps answering the requests the bot finishes while it shuts down."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            while process.poll() is None and loop.time() < deadline:
                await asyncio.sleep(0.05)
            if process.poll() is None:
                process.kill()
                process.wait()
        _LIVE.discard(process)
        self.returncode = process.returncode
        return self.returncode

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""


class ResourceSampler(threading.Thread):
    """Samples the RSS of a process and its children every ``interval`` seconds, on its own
    thread so that a busy event loop in the benchmark does not skip samples."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(name=f"rss-{pid}", daemon=True)
        self.process = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self.samples = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(self.interval)

    def _tree(self) -> list[psutil.Process]:
        try:
            return [self.process, *self.process.children(recursive=True)]
        except psutil.Error:
            return []

    def sample(self) -> int:
        total = 0
        for proc in self._tree():
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                pass
        if total:
            self.peak = max(self.peak, total)
            self.samples += 1
        return total

    def cpu_seconds(self) -> float:
        total = 0.0
        for proc in self._tree():
            try:
                times = proc.cpu_times()
            except psutil.Error:
                continue
            total += times.user + times.system
        return total

    def stop(self) -> None:
        self._halt.set()
        if self.is_alive():
            self.join(timeout=2)
