"""The lifecycle of a filed case (docs/process.md §3–§4): stages as an Enum, transitions as data.

One Machine serves every case: a case is attached with add_model for one trigger and
detached again, so nothing per-case lives in the machine. The case's stage, tier and
counters are plain data stored in its row.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from transitions import Machine, MachineError

from core.domain.machines import fire_detached, triggers_from
from core.domain.staff import Role


class Stage(StrEnum):
    # Values are stored in the database: never rename them.
    RECEIVED = "received"
    ACCEPTED = "accepted"
    INVESTIGATING = "investigating"
    SOLUTION_PROPOSED = "solution_proposed"
    RESOLVED = "resolved"
    FOLLOW_UP = "follow_up"
    CLOSED = "closed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    TERMINATED = "terminated"


class Severity(StrEnum):
    GENERAL = "general"
    MAJOR = "major"
    URGENT = "urgent"


# Rejected is final too: only a first appeal leads out of it.
FINAL_STAGES: tuple[Stage, ...] = (Stage.CLOSED, Stage.REJECTED, Stage.WITHDRAWN, Stage.TERMINATED)
OPEN_STAGES: list[Stage] = [s for s in Stage if s not in FINAL_STAGES]
# Before a solution is proposed staff may still refuse the case instead of handling it.
REJECTABLE_STAGES: list[Stage] = [Stage.RECEIVED, Stage.ACCEPTED, Stage.INVESTIGATING]

MIN_TIER, MAX_TIER = 1, 3
AGENT, SUPERVISOR = Role.AGENT, Role.SUPERVISOR

# Order matters: for one trigger and source the first row whose conditions hold wins.
TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "claim", "source": Stage.RECEIVED, "dest": Stage.ACCEPTED, "conditions": "is_staff", "after": "take_ownership"},
    {"trigger": "start_investigation", "source": Stage.ACCEPTED, "dest": Stage.INVESTIGATING},
    # docs/process.md §2: a major case's solution needs a supervisor before it reaches the customer.
    {"trigger": "propose", "source": Stage.INVESTIGATING, "dest": Stage.SOLUTION_PROPOSED, "conditions": ["has_proposal", "approval_sufficient"]},
    {"trigger": "accept_solution", "source": Stage.SOLUTION_PROPOSED, "dest": Stage.RESOLVED},
    {"trigger": "reject_solution", "source": Stage.SOLUTION_PROPOSED, "dest": Stage.INVESTIGATING, "after": "reopen"},
    # An unanswered proposal or follow-up question closes the case after a wait.
    {"trigger": "close_unanswered", "source": [Stage.SOLUTION_PROPOSED, Stage.FOLLOW_UP], "dest": Stage.CLOSED},
    # docs/process.md §5: the follow-up waits for staff's record of the resolution.
    {"trigger": "finish", "source": Stage.RESOLVED, "dest": Stage.FOLLOW_UP, "conditions": "has_record"},
    {"trigger": "follow_up_ok", "source": Stage.FOLLOW_UP, "dest": Stage.CLOSED},
    # docs/process.md §3: a dissatisfied customer reopens the case one tier up.
    {"trigger": "follow_up_not_solved", "source": Stage.FOLLOW_UP, "dest": Stage.INVESTIGATING, "after": "reopen"},
    {"trigger": "reopen_unsatisfied", "source": [Stage.RESOLVED, Stage.FOLLOW_UP], "dest": Stage.INVESTIGATING, "after": "reopen"},
    {"trigger": "reject", "source": REJECTABLE_STAGES, "dest": Stage.REJECTED, "conditions": ["has_reason", "is_supervisor"]},
    {"trigger": "appeal", "source": Stage.REJECTED, "dest": Stage.INVESTIGATING, "conditions": "not_appealed", "after": ["mark_appealed", "tier_up"]},
    {"trigger": "withdraw", "source": OPEN_STAGES, "dest": Stage.WITHDRAWN},
    {"trigger": "terminate", "source": OPEN_STAGES, "dest": Stage.TERMINATED, "conditions": ["has_reason", "is_supervisor"]},
    # Reflexive, one row per stage so every row names a concrete destination.
    *[{"trigger": "escalate", "source": s, "dest": s, "conditions": "below_top_tier", "after": "tier_up"} for s in OPEN_STAGES],
]

class InvalidTrigger(Exception):
    """The trigger does not exist from the case's current stage."""


@dataclass
class CaseState:
    """A case as the lifecycle sees it. `stage` is maintained by the shared machine.

    The inputs after reopen_count are read by the guards and hold for one fire only.
    """

    stage: Stage = Stage.RECEIVED
    severity: Severity = Severity.GENERAL
    tier: int = MIN_TIER
    owner_id: int | None = None
    appealed: bool = False
    reopen_count: int = 0
    # --- inputs for one fire ----------------------------------------------------------
    proposal_text: str | None = None
    reason: str | None = None
    approved_by_supervisor: bool = False
    record_complete: bool = False
    actor_role: int = 0
    actor_id: int | None = None

    def __post_init__(self) -> None:
        # Rows hold plain strings; refuse values the lifecycle does not know.
        self.stage = Stage(self.stage)
        self.severity = Severity(self.severity)
        if not MIN_TIER <= self.tier <= MAX_TIER:
            raise ValueError(f"tier {self.tier} outside {MIN_TIER}..{MAX_TIER}")

    # --- guards (plain methods, named in TRANSITIONS) -----------------------------------
    def is_staff(self) -> bool:
        return self.actor_role >= AGENT

    def is_supervisor(self) -> bool:
        return self.actor_role >= SUPERVISOR

    def has_proposal(self) -> bool:
        return bool((self.proposal_text or "").strip())

    def approval_sufficient(self) -> bool:
        return self.severity != Severity.MAJOR or self.approved_by_supervisor or self.actor_role >= SUPERVISOR

    def has_reason(self) -> bool:
        return bool((self.reason or "").strip())

    def has_record(self) -> bool:
        return self.record_complete

    def not_appealed(self) -> bool:
        return not self.appealed

    def below_top_tier(self) -> bool:
        return self.tier < MAX_TIER

    # --- callbacks --------------------------------------------------------------------
    def take_ownership(self) -> None:
        if self.actor_id is not None:
            self.owner_id = self.actor_id

    def tier_up(self) -> None:
        self.tier = min(self.tier + 1, MAX_TIER)

    def reopen(self) -> None:
        self.reopen_count += 1
        self.tier_up()

    def mark_appealed(self) -> None:
        self.appealed = True

    def clear_inputs(self) -> None:
        # A supervisor's approval or a role must never carry over to a later trigger.
        self.proposal_text = None
        self.reason = None
        self.approved_by_supervisor = False
        self.record_complete = False
        self.actor_role = 0
        self.actor_id = None


MACHINE = Machine(
    model=None,
    states=Stage,
    transitions=TRANSITIONS,
    initial=Stage.RECEIVED,
    auto_transitions=False,
    ignore_invalid_triggers=False,
    model_override=False,
    model_attribute="stage",
)

_INPUTS = frozenset({"proposal_text", "reason", "approved_by_supervisor", "record_complete", "actor_role", "actor_id"})


def fire(case: CaseState, trigger: str, **inputs: Any) -> bool:
    """Applies a trigger; False when a guard refused it, InvalidTrigger when it is not allowed here.

    `inputs` set the guards' inputs for this fire (they may also be set on the case before).
    """
    unknown = set(inputs) - _INPUTS
    if unknown:
        raise TypeError(f"unknown inputs: {sorted(unknown)}")
    if trigger not in MACHINE.events:
        raise InvalidTrigger(f"{trigger} is not a lifecycle trigger")
    for name, value in inputs.items():
        setattr(case, name, value)
    try:
        return fire_detached(MACHINE, case, trigger, case.stage)
    except MachineError as error:
        raise InvalidTrigger(f"{trigger} is not possible from {case.stage.value}") from error
    finally:
        case.clear_inputs()


def available_triggers(stage: Stage) -> list[str]:
    return triggers_from(TRANSITIONS, stage)

