"""Every row of the case lifecycle table, the guards, invalid triggers and random walks."""
from __future__ import annotations

import dataclasses
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain.lifecycle import (
    FINAL_STAGES,
    MACHINE,
    OPEN_STAGES,
    TRANSITIONS,
    CaseState,
    InvalidTrigger,
    Severity,
    Stage,
    available_triggers,
    fire,
)

ALL_TRIGGERS = sorted({row["trigger"] for row in TRANSITIONS})
PERSISTENT = ("stage", "severity", "tier", "owner_id", "appealed", "reopen_count")
FIELDS = {f.name for f in dataclasses.fields(CaseState)}
STAFF_ID = 42


def _sources(row: dict) -> list[Stage]:
    return row["source"] if isinstance(row["source"], list) else [row["source"]]


def _conditions(row: dict) -> set[str]:
    conditions = row.get("conditions", [])
    return {conditions} if isinstance(conditions, str) else set(conditions)


def _persistent(case: CaseState) -> dict:
    return {name: getattr(case, name) for name in PERSISTENT}


def _case_for(row: dict, source: Stage) -> CaseState:
    """A tier-1 case whose inputs make exactly the row's conditions hold."""
    wanted = _conditions(row)
    case = CaseState(stage=source, actor_id=STAFF_ID)
    if "is_staff" in wanted:
        case.actor_role = 1
    if "is_supervisor" in wanted:
        case.actor_role = 2
    if "has_proposal" in wanted:
        case.proposal_text = "退还全部货款并补偿运费"
    if "approval_sufficient" in wanted:
        # The harder path: an agent proposing for a major case with a supervisor's approval.
        case.severity, case.actor_role, case.approved_by_supervisor = Severity.MAJOR, 1, True
    if "has_reason" in wanted:
        case.reason = "不属于本店经营范围"
    if "has_record" in wanted:
        case.record_complete = True
    return case


# The effect of each trigger on a tier-1 case, written out independently of the table.
EFFECTS: dict[str, dict] = {
    "claim": {"owner_id": STAFF_ID},
    "reject_solution": {"tier": 2, "reopen_count": 1},
    "follow_up_not_solved": {"tier": 2, "reopen_count": 1},
    "reopen_unsatisfied": {"tier": 2, "reopen_count": 1},
    "appeal": {"tier": 2, "appealed": True},
    "escalate": {"tier": 2},
}

ROWS = [
    pytest.param(row, source, id=f"{row['trigger']}:{source.value}->{row['dest'].value}")
    for row in TRANSITIONS
    for source in _sources(row)
]


@pytest.mark.parametrize(("row", "source"), ROWS)
def test_each_transition_row(row: dict, source: Stage) -> None:
    case = _case_for(row, source)
    earlier = [r for r in TRANSITIONS[: TRANSITIONS.index(row)] if r["trigger"] == row["trigger"] and source in _sources(r)]
    for other in earlier:  # the row under test must be the one that wins
        assert not all(getattr(case, c)() for c in _conditions(other))
    before = _persistent(case)
    assert fire(case, row["trigger"]) is True
    assert case.stage == row["dest"]
    expected = {**before, "stage": row["dest"], **EFFECTS.get(row["trigger"], {})}
    assert _persistent(case) == expected
    assert MACHINE.models == []  # the shared machine keeps no case
    assert set(vars(case)) == FIELDS  # nothing the machine bound is left on the case


@pytest.mark.parametrize("stage", list(Stage))
def test_invalid_triggers_raise(stage: Stage) -> None:
    for trigger in sorted(set(ALL_TRIGGERS) - set(available_triggers(stage))) + ["no_such_trigger"]:
        case = CaseState(stage=stage, tier=2)
        before = _persistent(case)
        with pytest.raises(InvalidTrigger):
            fire(case, trigger, actor_role=3, reason="r", proposal_text="p", approved_by_supervisor=True)
        assert _persistent(case) == before
        assert MACHINE.models == []


def test_stage_values_match_the_stored_ones() -> None:
    assert [s.value for s in Stage] == [
        "received", "accepted", "investigating", "solution_proposed", "resolved", "follow_up", "closed",
        "rejected", "withdrawn", "terminated",
    ]
    assert set(FINAL_STAGES) == {Stage.CLOSED, Stage.REJECTED, Stage.WITHDRAWN, Stage.TERMINATED}
    assert set(OPEN_STAGES) | set(FINAL_STAGES) == set(Stage) and not set(OPEN_STAGES) & set(FINAL_STAGES)


def test_final_stages_offer_only_a_first_appeal() -> None:
    assert available_triggers(Stage.REJECTED) == ["appeal"]
    for stage in (Stage.CLOSED, Stage.WITHDRAWN, Stage.TERMINATED):
        assert available_triggers(stage) == []


def test_open_stages_can_be_withdrawn_terminated_and_escalated() -> None:
    for stage in OPEN_STAGES:
        assert {"withdraw", "terminate", "escalate"} <= set(available_triggers(stage))


def _refused(case: CaseState, trigger: str, **inputs) -> None:
    before = _persistent(case)
    assert fire(case, trigger, **inputs) is False
    assert _persistent(case) == before
    assert MACHINE.models == []


@pytest.mark.parametrize("text", [None, "", "   ", "\n\t"])
def test_a_blank_proposal_is_refused(text: str | None) -> None:
    _refused(CaseState(stage=Stage.INVESTIGATING), "propose", proposal_text=text, actor_role=3)


def test_a_major_case_needs_supervisor_approval() -> None:
    major = Severity.MAJOR
    _refused(CaseState(stage=Stage.INVESTIGATING, severity=major), "propose", proposal_text="退款", actor_role=1)
    assert fire(CaseState(stage=Stage.INVESTIGATING, severity=major), "propose", proposal_text="退款", actor_role=1, approved_by_supervisor=True)
    assert fire(CaseState(stage=Stage.INVESTIGATING, severity=major), "propose", proposal_text="退款", actor_role=2)
    for severity in (Severity.GENERAL, Severity.URGENT):
        assert fire(CaseState(stage=Stage.INVESTIGATING, severity=severity), "propose", proposal_text="退款", actor_role=1)


def test_an_approval_does_not_carry_over_to_the_next_proposal() -> None:
    case = CaseState(stage=Stage.INVESTIGATING, severity="major")
    assert fire(case, "propose", proposal_text="换货", actor_role=1, approved_by_supervisor=True)
    assert fire(case, "reject_solution")
    assert case.proposal_text is None and case.approved_by_supervisor is False and case.actor_role == 0
    _refused(case, "propose", proposal_text="退款", actor_role=1)


def test_inputs_set_on_the_case_before_firing_are_read() -> None:
    case = CaseState(stage=Stage.INVESTIGATING)
    case.proposal_text, case.actor_role = "退款", 1
    assert fire(case, "propose") is True


def test_only_staff_claim() -> None:
    _refused(CaseState(), "claim", actor_role=0, actor_id=7)
    case = CaseState()
    assert fire(case, "claim", actor_role=1) is True
    assert case.stage == Stage.ACCEPTED and case.owner_id is None  # no actor given: owner unchanged


@pytest.mark.parametrize("trigger", ["reject", "terminate"])
@pytest.mark.parametrize(("role", "reason"), [(1, "重复投诉"), (0, "重复投诉"), (2, ""), (3, "  "), (2, None)])
def test_reject_and_terminate_need_a_supervisor_and_a_reason(trigger: str, role: int, reason: str | None) -> None:
    _refused(CaseState(stage=Stage.INVESTIGATING), trigger, actor_role=role, reason=reason)


def test_a_rejection_can_be_appealed_only_once() -> None:
    case = CaseState(stage=Stage.ACCEPTED)
    assert fire(case, "reject", actor_role=2, reason="证据不足")
    assert fire(case, "appeal") is True
    assert (case.stage, case.appealed, case.tier) == (Stage.INVESTIGATING, True, 2)
    assert fire(case, "reject", actor_role=2, reason="复核后仍不予受理")
    _refused(case, "appeal")
    assert case.stage == Stage.REJECTED


def test_escalate_is_refused_at_the_top_tier() -> None:
    for stage in OPEN_STAGES:
        case = CaseState(stage=stage)
        assert fire(case, "escalate") and fire(case, "escalate")
        assert case.tier == 3
        _refused(case, "escalate")


@pytest.mark.parametrize(
    ("stage", "trigger"),
    [
        (Stage.SOLUTION_PROPOSED, "reject_solution"),
        (Stage.FOLLOW_UP, "follow_up_not_solved"),
        (Stage.RESOLVED, "reopen_unsatisfied"),
        (Stage.FOLLOW_UP, "reopen_unsatisfied"),
    ],
)
def test_reopening_at_the_top_tier_keeps_tier_3_and_counts(stage: Stage, trigger: str) -> None:
    case = CaseState(stage=stage, tier=3, reopen_count=2)
    assert fire(case, trigger) is True
    assert (case.stage, case.tier, case.reopen_count) == (Stage.INVESTIGATING, 3, 3)


def test_the_whole_way_with_a_reopen() -> None:
    case = CaseState(severity="major")
    assert fire(case, "claim", actor_role=1, actor_id=STAFF_ID)
    assert fire(case, "start_investigation")
    assert fire(case, "propose", proposal_text="更换新品", actor_role=2)
    assert fire(case, "reject_solution")
    assert fire(case, "propose", proposal_text="全额退款", actor_role=2)
    assert fire(case, "accept_solution")
    assert fire(case, "finish", record_complete=True)
    assert fire(case, "follow_up_ok")
    assert _persistent(case) == {
        "stage": Stage.CLOSED, "severity": Severity.MAJOR, "tier": 2, "owner_id": STAFF_ID, "appealed": False, "reopen_count": 1,
    }


def test_the_follow_up_waits_for_the_resolution_record() -> None:
    case = CaseState(stage="resolved")
    _refused(case, "finish")
    assert fire(case, "finish", record_complete=True) and case.stage == Stage.FOLLOW_UP
    # The input holds for one fire only.
    assert case.record_complete is False


def test_repeated_fires_on_one_case_log_no_warnings(caplog: pytest.LogCaptureFixture) -> None:
    case = CaseState()
    with caplog.at_level(logging.WARNING, logger="transitions"):
        for _ in range(3):
            fire(case, "escalate") if case.tier < 3 else fire(case, "withdraw")
    assert case.stage == Stage.WITHDRAWN
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_stored_strings_are_accepted_and_bad_values_refused() -> None:
    case = CaseState(stage="follow_up", severity="urgent", tier=3)
    assert case.stage is Stage.FOLLOW_UP and case.severity is Severity.URGENT
    for bad in ({"stage": "archived"}, {"severity": "minor"}, {"tier": 0}, {"tier": 4}):
        with pytest.raises(ValueError):
            CaseState(**bad)


def test_unknown_inputs_are_refused() -> None:
    case = CaseState()
    with pytest.raises(TypeError):
        fire(case, "claim", role=2)
    assert case.stage == Stage.RECEIVED and MACHINE.models == []


def test_the_table_renders_as_a_diagram() -> None:
    from core.domain.diagram import mermaid

    text = mermaid(TRANSITIONS, Stage.RECEIVED)
    assert text.splitlines()[:2] == ["stateDiagram-v2", "    [*] --> received"]
    for row in TRANSITIONS:
        for source in _sources(row):
            assert f"    {source.value} --> {row['dest'].value}: {row['trigger']}" in text
    assert "    investigating --> solution_proposed: propose [has_proposal, approval_sufficient]" in text


def test_the_readme_shows_the_current_lifecycle() -> None:
    from core.domain.diagram import README, lifecycle_block

    block = lifecycle_block()
    assert "    resolved --> follow_up: finish [has_record]" in block
    assert "    closed --> [*]" in block and "    rejected --> [*]" not in block
    assert block in README.read_text(encoding="utf-8"), "run: python -m core.domain.diagram --write"


# --- random walks ----------------------------------------------------------------------

TEXTS = st.sampled_from([None, "", "  ", "请核实", "退款"])
STEPS = st.lists(
    st.tuples(
        st.sampled_from(ALL_TRIGGERS + ["no_such_trigger"]),
        st.fixed_dictionaries(
            {
                "actor_role": st.integers(0, 3),
                "proposal_text": TEXTS,
                "reason": TEXTS,
                "approved_by_supervisor": st.booleans(),
                "record_complete": st.booleans(),
            }
        ),
    ),
    max_size=30,
)
CASES = st.builds(
    CaseState,
    stage=st.sampled_from(list(Stage)),
    severity=st.sampled_from(list(Severity)),
    tier=st.integers(1, 3),
    appealed=st.booleans(),
    reopen_count=st.integers(0, 3),
)


@settings(max_examples=400, deadline=None)
@given(case=CASES, steps=STEPS)
def test_random_walks_stay_legal(case: CaseState, steps: list[tuple[str, dict]]) -> None:
    for trigger, inputs in steps:
        before = _persistent(case)
        source = case.stage
        if trigger not in available_triggers(source):
            with pytest.raises(InvalidTrigger):
                fire(case, trigger, **inputs)
            moved = False
        else:
            moved = fire(case, trigger, **inputs)
        assert MACHINE.models == [] and set(vars(case)) == FIELDS
        assert isinstance(case.stage, Stage) and 1 <= case.tier <= 3
        if not moved:
            assert _persistent(case) == before
            continue
        assert case.stage in {r["dest"] for r in TRANSITIONS if r["trigger"] == trigger and source in _sources(r)}
        assert case.tier >= before["tier"] and case.reopen_count >= before["reopen_count"]
        assert case.appealed >= before["appealed"]  # an appeal is never given back
        if source in FINAL_STAGES:
            # Out of a final stage only a first appeal of a rejection leads back.
            assert (source, trigger, before["appealed"]) == (Stage.REJECTED, "appeal", False)
            assert case.stage == Stage.INVESTIGATING and case.appealed
