"""One shared `transitions` Machine per dialog or lifecycle, many models over time."""
from __future__ import annotations

from typing import Any

from transitions import Machine


def fire_detached(machine: Machine, model: Any, trigger: str, initial: Any) -> bool:
    """Attaches the model, fires one trigger, and detaches it again.

    The machine binds trigger methods onto the model; they are removed afterwards so the
    model stays plain data and the next attach binds afresh (transitions warns about
    attributes that already exist). MachineError propagates to the caller.
    """
    bare = set(vars(model))
    machine.add_model(model, initial=initial)
    try:
        return bool(model.trigger(trigger))
    finally:
        machine.remove_model(model)
        for name in set(vars(model)) - bare:
            delattr(model, name)


def sources_of(row: dict[str, Any]) -> list[Any]:
    """A transitions row's source states (one state or a list of them)."""
    return row["source"] if isinstance(row["source"], list) else [row["source"]]


def triggers_from(transitions: list[dict[str, Any]], state: Any) -> list[str]:
    """The triggers a transitions table allows from one state, sorted."""
    return sorted({row["trigger"] for row in transitions if state in sources_of(row)})
