"""Bot processes for benchmarks: start them against the fake server, sample memory and CPU,
always stop them; and the main() every benchmark shares (temp dir, interrupts, exit codes)."""
from __future__ import annotations

import argparse
import asyncio
import atexit
import ctypes
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import psutil

from fake_telegram import FakeTelegramServer

MIB = 1024 * 1024

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


class BenchError(Exception):
    """The benchmark could not run (a bot did not start or died); not a measurement."""


async def wait_until_polling(server: FakeTelegramServer, child: ChildProcess, name: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not any(call.method.lower() == "getupdates" for call in server.calls):
        if child.exited():
            raise BenchError(f"{name} exited with code {child.process.returncode} before polling; "
                             f"log tail:\n{child.log_text()[-3000:]}")
        if time.monotonic() > deadline:
            raise BenchError(f"{name} did not poll within {timeout:.0f}s; log tail:\n{child.log_text()[-3000:]}")
        await server.changed(0.1)


class PollingBot:
    """A bot process that polls the fake server, with its memory sampled from the start."""

    def __init__(self, name: str, child: ChildProcess, sampler: ResourceSampler) -> None:
        self.name = name
        self.child = child
        self.sampler = sampler
        # Before any load, so that growth under load shows against it.
        self.rss_start_mib = round(sampler.sample() / MIB, 1)
        self.bot_cpu_percent = 0.0
        self.harness_cpu_percent = 0.0

    def sample_rss(self) -> int:
        return self.sampler.sample()

    @property
    def rss_peak_mib(self) -> float:
        return round(self.sampler.peak / MIB, 1)

    async def measure(self, load: Awaitable[None]) -> None:
        """Awaits the load and keeps the CPU the bot and this process used over its wall time."""
        harness = psutil.Process()
        bot_cpu0, own_cpu0, wall0 = self.sampler.cpu_seconds(), sum(harness.cpu_times()[:2]), time.monotonic()
        await load
        wall = time.monotonic() - wall0
        bot_cpu, own_cpu = self.sampler.cpu_seconds() - bot_cpu0, sum(harness.cpu_times()[:2]) - own_cpu0
        if self.child.exited():
            raise BenchError(f"{self.name} exited with code {self.child.process.returncode} during the run; "
                             f"log tail:\n{self.child.log_text()[-3000:]}")
        self.bot_cpu_percent = round(100 * bot_cpu / wall, 1)
        self.harness_cpu_percent = round(100 * own_cpu / wall, 1)


@asynccontextmanager
async def polling_bot(name: str, server: FakeTelegramServer, argv: list[str], env: dict[str, str],
                      workdir: Path) -> AsyncIterator[PollingBot]:
    """Starts the bot (log in ``workdir/<name>.log``) and waits until it polls; on the way out,
    however it is left, stops the sampler, the bot and then the server, which must keep
    answering while the bot shuts down. The exit code is ``child.returncode`` afterwards."""
    child = ChildProcess(argv, env, workdir, workdir / f"{name}.log")
    sampler: ResourceSampler | None = None
    try:
        child.start()
        sampler = ResourceSampler(child.pid)
        sampler.start()
        await wait_until_polling(server, child, name, timeout=60)
        yield PollingBot(name, child, sampler)
    finally:
        if sampler is not None:
            sampler.stop()
        await child.stop()
        await server.stop()


async def _cancelled_by_sigterm(work: Callable[[], Awaitable[bool]]) -> bool:
    task = asyncio.current_task()
    assert task is not None
    # SIGTERM cleans up like Ctrl-C does: cancel, let the finally blocks stop the bots.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    return await work()


def run_benchmark(args: argparse.Namespace, run: Callable[[argparse.Namespace, Path], Awaitable[bool]], *,
                  name: str, temp_prefix: str, temp_contents: str) -> int:
    """Runs ``run(args, workdir)`` in a fresh temp dir and returns the exit code: 0 when it
    reports success, 1 when not, 2 when the benchmark could not run (BenchError), 130 when
    interrupted. The temp dir stays, and its path is printed, with --keep, after a failure or
    when the benchmark could not run, so that the bot's log can be read."""
    workdir = Path(tempfile.mkdtemp(prefix=temp_prefix))
    keep = args.keep
    try:
        ok = asyncio.run(_cancelled_by_sigterm(lambda: run(args, workdir)))
        keep = keep or not ok
        return 0 if ok else 1
    except BenchError as error:
        keep = True
        print(f"{name} could not run: {error}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        if keep:
            print(f"{temp_contents} kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
