"""The README's architecture section names every module, one line each, and names no
module that is gone: it stays a true map of the code."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAPPED_DIRS = ("core", "bot", "fake_telegram", "bench")
DESCRIPTION_COLUMN = 20


def _map_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Architecture\n", 1)[1]
    return section.split("```", 2)[1]


def mapped_paths() -> set[str]:
    """Paths named in the map: a name ending in / opens a directory for the deeper lines."""
    named, stack = set(), []
    for line in _map_block().splitlines():
        match = re.match(r"( *)(\S+)", line)
        # Blank lines and a description's continuation lines (indented to its column) name nothing.
        if not match or len(match.group(1)) >= DESCRIPTION_COLUMN:
            continue
        depth, name = len(match.group(1)) // 2, match.group(2)
        del stack[depth:]
        path = "".join(stack) + name
        named.add(path.rstrip("/"))
        if name.endswith("/"):
            stack.append(name)
    return named


def modules() -> set[str]:
    found = set()
    for top in MAPPED_DIRS:
        for path in (ROOT / top).rglob("*.py"):
            relative = path.relative_to(ROOT)
            if path.name == "__init__.py" or "versions" in relative.parts:
                continue
            found.add(relative.as_posix())
    return found


def test_every_module_is_on_the_map() -> None:
    assert sorted(modules() - mapped_paths()) == []


def test_everything_on_the_map_exists() -> None:
    assert sorted(p for p in mapped_paths() if not (ROOT / p).exists()) == []


def test_the_map_is_read_as_paths() -> None:
    # The parser itself: nested names resolve to their full paths.
    assert {"core/services/case_messages.py", "bot/delivery/sender.py", "bench/soak/run.py", "run_bot.py"} <= mapped_paths()
