"""Validation helpers shared by the deployment file's sections: errors name the key path."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


class DeploymentConfigError(Exception):
    """The configuration file cannot be used. The message names the file and the key path."""

    def __init__(self, problem: str, *, file: Path | None = None, key_path: str | None = None) -> None:
        self.problem = problem
        self.file = file
        self.key_path = key_path
        prefix = "".join(f"{part}: " for part in (file, key_path) if part)
        super().__init__(prefix + problem)


def config_error(path: str, problem: str) -> DeploymentConfigError:
    return DeploymentConfigError(problem, key_path=path or None)


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def type_name(value: Any) -> str:
    return {
        bool: "a boolean", int: "an integer", float: "a number", str: "a string",
        list: "an array", dict: "a table",
    }.get(type(value), type(value).__name__)


def table(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise config_error(path, f"expected a table, got {type_name(value)}")
    return value


def only_keys(section: Mapping[str, Any], allowed: tuple[str, ...], path: str) -> None:
    what = "key" if path else "section"
    for key in section:
        if key not in allowed:
            raise config_error(join(path, key), f"unknown {what} (expected one of: {', '.join(allowed)})")
