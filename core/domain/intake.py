"""The intake dialog as a state machine: states as an Enum, transitions as data.

One Machine serves every conversation: a draft is attached with add_model for one
trigger and detached again, so nothing per-conversation lives in the machine. The draft's
state and answers are plain data stored in a row after every step.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from transitions import Machine, MachineError

from core.domain.machines import fire_detached, triggers_from


class Step(str, Enum):
    CATEGORY = "category"
    STATEMENT = "statement"
    REFERENCES = "references"
    CONTACT = "contact"
    CONFIRM = "confirm"
    RESOLUTION = "resolution"
    RESOLUTION_NOTE = "resolution_note"
    SUBMITTED = "submitted"
    CANCELLED = "cancelled"


OPEN_STEPS = [s for s in Step if s not in (Step.SUBMITTED, Step.CANCELLED)]

# Order matters: for one trigger and source the first row whose conditions hold wins.
TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "choose_category", "source": Step.CATEGORY, "dest": Step.CONFIRM, "conditions": "is_editing", "after": "stop_editing"},
    {"trigger": "choose_category", "source": Step.CATEGORY, "dest": Step.STATEMENT},
    {"trigger": "finish_statement", "source": Step.STATEMENT, "dest": Step.CONFIRM, "conditions": ["statement_long_enough", "is_editing"], "after": "stop_editing"},
    {"trigger": "finish_statement", "source": Step.STATEMENT, "dest": Step.REFERENCES, "conditions": ["statement_long_enough", "has_reference_fields"]},
    {"trigger": "finish_statement", "source": Step.STATEMENT, "dest": Step.CONTACT, "conditions": "statement_long_enough"},
    {"trigger": "finish_references", "source": Step.REFERENCES, "dest": Step.CONFIRM, "conditions": "is_editing", "after": "stop_editing"},
    {"trigger": "finish_references", "source": Step.REFERENCES, "dest": Step.CONTACT},
    {"trigger": "finish_contact", "source": Step.CONTACT, "dest": Step.CONFIRM, "after": "stop_editing"},
    {"trigger": "edit_category", "source": Step.CONFIRM, "dest": Step.CATEGORY, "before": "start_editing"},
    {"trigger": "edit_statement", "source": Step.CONFIRM, "dest": Step.STATEMENT, "before": "start_editing"},
    {"trigger": "edit_reference", "source": Step.CONFIRM, "dest": Step.REFERENCES, "before": "start_editing", "conditions": "has_reference_fields"},
    {"trigger": "edit_contact", "source": Step.CONFIRM, "dest": Step.CONTACT, "before": "start_editing"},
    {"trigger": "confirm", "source": Step.CONFIRM, "dest": Step.RESOLUTION},
    {"trigger": "choose_resolution", "source": Step.RESOLUTION, "dest": Step.RESOLUTION_NOTE},
    {"trigger": "change_resolution", "source": Step.RESOLUTION_NOTE, "dest": Step.RESOLUTION},
    {"trigger": "submit", "source": Step.RESOLUTION_NOTE, "dest": Step.SUBMITTED, "conditions": "resolution_complete"},
    {"trigger": "cancel", "source": OPEN_STEPS, "dest": Step.CANCELLED},
]


class InvalidTrigger(Exception):
    """The trigger does not exist from the draft's current step."""


@dataclass(frozen=True)
class IntakeRules:
    """The deployment's settings the guards read."""

    min_statement_length: int = 10
    reference_field_count: int = 1


@dataclass
class Evidence:
    kind: str  # photo, document, voice, video
    file_id: str
    file_unique_id: str
    message_id: int
    caption: str | None = None
    file_name: str | None = None


@dataclass
class Draft:
    """A complaint being written. `state` is maintained by the shared machine."""

    state: Step = Step.CATEGORY
    category: str | None = None
    statement_parts: list[dict[str, Any]] = field(default_factory=list)  # {"message_id", "text"}
    evidence: list[Evidence] = field(default_factory=list)
    references: dict[str, str] = field(default_factory=dict)
    reference_index: int = 0
    contact: str | None = None
    contact_skipped: bool = False
    resolution: str | None = None
    resolution_note: str | None = None
    editing: bool = False
    rules: IntakeRules = field(default_factory=IntakeRules, repr=False, compare=False)

    # --- answers ----------------------------------------------------------------------
    @property
    def statement(self) -> str:
        return "\n".join(part["text"] for part in self.statement_parts if part["text"])

    def add_statement_part(self, message_id: int, text: str) -> None:
        self.statement_parts.append({"message_id": message_id, "text": text})

    def has_statement_part(self, message_id: int) -> bool:
        return any(part["message_id"] == message_id for part in self.statement_parts)

    def edit_statement_part(self, message_id: int, text: str) -> bool:
        for part in self.statement_parts:
            if part["message_id"] == message_id:
                part["text"] = text
                return True
        return False

    def statement_length(self) -> int:
        captions = "".join(e.caption or "" for e in self.evidence)
        return len("".join(self.statement.split())) + len("".join(captions.split()))

    # --- guards (plain methods, named in TRANSITIONS) -----------------------------------
    def is_editing(self) -> bool:
        return self.editing

    def statement_long_enough(self) -> bool:
        return self.statement_length() >= self.rules.min_statement_length

    def has_reference_fields(self) -> bool:
        return self.rules.reference_field_count > 0

    def resolution_complete(self) -> bool:
        return self.resolution is not None and (self.resolution != "other" or bool((self.resolution_note or "").strip()))

    # --- callbacks --------------------------------------------------------------------
    def start_editing(self) -> None:
        self.editing = True

    def stop_editing(self) -> None:
        self.editing = False

    # --- persistence ------------------------------------------------------------------
    def to_data(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "statement_parts": self.statement_parts,
            "evidence": [vars(e) for e in self.evidence],
            "references": self.references,
            "reference_index": self.reference_index,
            "contact": self.contact,
            "contact_skipped": self.contact_skipped,
            "resolution": self.resolution,
            "resolution_note": self.resolution_note,
            "editing": self.editing,
        }

    @classmethod
    def from_data(cls, state: str, data: dict[str, Any]) -> "Draft":
        # A deep copy: the row's JSON must not change under SQLAlchemy's feet, or the
        # change goes unnoticed and is never written.
        values = copy.deepcopy(dict(data))
        values["evidence"] = [Evidence(**e) for e in values.get("evidence", [])]
        return cls(state=Step(state), **values)


MACHINE = Machine(
    model=None,
    states=Step,
    transitions=TRANSITIONS,
    initial=Step.CATEGORY,
    auto_transitions=False,
    ignore_invalid_triggers=False,
    model_override=False,
)


def fire(draft: Draft, trigger: str, rules: IntakeRules | None = None) -> bool:
    """Applies a trigger; False when a guard refused it, InvalidTrigger when it is not allowed here."""
    if rules is not None:
        draft.rules = rules
    if trigger not in MACHINE.events:
        raise InvalidTrigger(f"{trigger} is not an intake trigger")
    try:
        return fire_detached(MACHINE, draft, trigger, draft.state)
    except MachineError as error:
        raise InvalidTrigger(f"{trigger} is not possible from {draft.state.value}") from error


def available_triggers(step: Step) -> list[str]:
    return triggers_from(TRANSITIONS, step)
