"""manage.py: `demo` runs the demo package in the project's environment, and `start` without a
token names the demo."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def manage(monkeypatch: pytest.MonkeyPatch):
    spec = importlib.util.spec_from_file_location("kesu_manage", ROOT / "manage.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    executed: list[list[str]] = []
    monkeypatch.setattr(module, "ensure_environment", lambda profile: executed.append(["env", profile]))
    monkeypatch.setattr(module, "compile_catalogs", lambda: None)
    monkeypatch.setattr(module.os, "execv", lambda path, args: executed.append(list(args)))
    module.executed = executed
    return module


def test_demo_runs_the_package_with_the_runtime_profile(manage) -> None:
    manage.main(["demo", "--port", "9000"])
    assert manage.executed == [["env", "runtime"], [str(manage.PY), "-m", "demo", "--port", "9000"]]


@pytest.mark.parametrize("env_file, has", [
    (None, False),
    ("HANDLER_CHAT_ID=-100\n", False),
    ("BOT_TOKEN=\n", False),
    ("# a comment\nexport BOT_TOKEN = 123:abc\n", True),
])
def test_start_names_the_demo_when_there_is_no_token(manage, tmp_path, monkeypatch, capsys, env_file, has) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    if env_file is not None:
        (tmp_path / ".env").write_text(env_file)
    manage.main(["start"])
    assert ("python3 manage.py demo" in capsys.readouterr().out) is not has
    assert manage.executed[-1] == [str(manage.PY), str(ROOT / "run_bot.py")]


def test_a_token_in_the_environment_is_enough(manage, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    manage.main(["start"])
    assert "manage.py demo" not in capsys.readouterr().out


def test_manage_needs_only_the_standard_library() -> None:
    source = (ROOT / "manage.py").read_text(encoding="utf-8")
    imported = {line.split()[1].split(".")[0] for line in source.splitlines() if line.startswith(("import ", "from "))}
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}
