"""python -m demo as a visitor runs it: it prints the page's address, Ctrl-C stops the bot and
itself, and a bot that cannot start is named instead of waited for."""
from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path
from urllib.request import urlopen

import psutil
import pytest

from demo.launcher import Demo

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def test_ctrl_c_stops_the_bot_and_the_page(tmp_path: Path) -> None:
    demo = subprocess.Popen([sys.executable, "-m", "demo", "--port", "0", "--dir", str(tmp_path)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        for line in demo.stdout:  # blocks until the launcher says where the page is
            lines.append(line)
            if "open http://" in line:
                break
        url = lines[-1].split("open ", 1)[1].split()[0]
        with urlopen(url, timeout=10) as page:
            assert b'<main class="panes">' in page.read()
        [bot] = psutil.Process(demo.pid).children()
        assert "run_bot.py" in " ".join(bot.cmdline())
        demo.send_signal(signal.SIGINT)
        assert demo.wait(timeout=60) == 0
        assert "Stopping the demo" in demo.stdout.read()
        assert not psutil.pid_exists(bot.pid)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()


async def test_a_bot_that_cannot_start_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "NOISY")  # a setting the bot refuses: it exits with code 2
    demo = Demo(tmp_path)
    try:
        with pytest.raises(RuntimeError, match="the bot exited with 2"):
            await asyncio.wait_for(demo.start(), timeout=120)
    finally:
        await demo.stop()
