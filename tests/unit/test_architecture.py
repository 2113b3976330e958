"""The shape docs/design.md asks for, checked on the source: core knows nothing of Telegram or of
bot/, and no module of core imports itself back through others (function-level imports
included, which hide a cycle rather than break it)."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "core"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in CORE.rglob("*.py") if "migrations" not in path.parts}


def imports_of(path: Path) -> set[str]:
    """Every module named by an import anywhere in the file (as far as it is one of ours)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # `from core.services import callbacks` names a module, not a symbol.
            found.update(f"{node.module}.{alias.name}" for alias in node.names if f"{node.module}.{alias.name}" in MODULES)
    return found


GRAPH = {name: {m for m in imports_of(path) if m in MODULES and m != name} for name, path in MODULES.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_core_has_no_import_cycle() -> None:
    assert len(MODULES) > 30  # the walk found the package
    assert cycles(GRAPH) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_core_imports_nothing_of_telegram_or_bot() -> None:
    forbidden = ("aiogram", "telegram", "bot", "fake_telegram")
    offenders = {
        name: sorted(m for m in imports_of(path) if m.split(".")[0] in forbidden)
        for name, path in MODULES.items()
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_function_level_imports_are_seen(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text("def later():\n    from core.services import routing\n    import core.intents\n", encoding="utf-8")
    assert {"core.services.routing", "core.intents"} <= imports_of(module)
