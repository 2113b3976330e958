"""Every row of the intake transitions table, the guards, and invalid triggers."""
from __future__ import annotations

import pytest

from core.domain.intake import MACHINE, TRANSITIONS, Draft, IntakeRules, InvalidTrigger, Step, available_triggers, fire


def _conditions(row: dict) -> set[str]:
    conditions = row.get("conditions", [])
    return {conditions} if isinstance(conditions, str) else set(conditions)


def _draft_for(row: dict, source: Step) -> tuple[Draft, IntakeRules]:
    wanted = _conditions(row)
    draft = Draft(state=source, editing="is_editing" in wanted)
    draft.add_statement_part(1, "我的订单一直没有发货，客服也不回复" if "statement_long_enough" in wanted else "")
    if "resolution_complete" in wanted:
        draft.resolution = "refund"
    rules = IntakeRules(min_statement_length=10, reference_field_count=1 if "has_reference_fields" in wanted else 0)
    return draft, rules


ROWS = [
    pytest.param(row, source, id=f"{row['trigger']}:{source.value}->{row['dest'].value}")
    for row in TRANSITIONS
    for source in (row["source"] if isinstance(row["source"], list) else [row["source"]])
]


@pytest.mark.parametrize(("row", "source"), ROWS)
def test_each_transition_row(row: dict, source: Step) -> None:
    draft, rules = _draft_for(row, source)
    assert fire(draft, row["trigger"], rules) is True
    assert draft.state == row["dest"]
    if row["dest"] == Step.CONFIRM:
        assert draft.editing is False  # coming back to the read-back ends an edit
    if row["trigger"].startswith("edit_"):
        assert draft.editing is True
    assert MACHINE.models == []  # the shared machine keeps no conversation


@pytest.mark.parametrize("step", list(Step))
def test_invalid_triggers_raise(step: Step) -> None:
    all_triggers = {row["trigger"] for row in TRANSITIONS}
    for trigger in sorted(all_triggers - set(available_triggers(step))) + ["no_such_trigger"]:
        draft = Draft(state=step)
        with pytest.raises(InvalidTrigger):
            fire(draft, trigger)
        assert draft.state == step
    assert MACHINE.models == []


def test_a_short_statement_is_refused_and_kept() -> None:
    draft = Draft(state=Step.STATEMENT)
    draft.add_statement_part(7, "坏了")
    assert fire(draft, "finish_statement", IntakeRules(min_statement_length=10)) is False
    assert draft.state == Step.STATEMENT and draft.statement == "坏了"


def test_captions_count_towards_the_statement() -> None:
    from core.domain.intake import Evidence

    draft = Draft(state=Step.STATEMENT)
    draft.evidence.append(Evidence("photo", "f", "u", 3, caption="收到的水壶外壳裂开了"))
    assert fire(draft, "finish_statement", IntakeRules(min_statement_length=10, reference_field_count=0)) is True
    assert draft.state == Step.CONTACT


def test_other_needs_text_before_submit() -> None:
    draft = Draft(state=Step.RESOLUTION_NOTE, resolution="other")
    assert fire(draft, "submit") is False
    draft.resolution_note = "  "
    assert fire(draft, "submit") is False
    draft.resolution_note = "请上门检查"
    assert fire(draft, "submit") is True and draft.state == Step.SUBMITTED


def test_edits_to_statement_messages_replace_their_text() -> None:
    draft = Draft(state=Step.STATEMENT)
    draft.add_statement_part(1, "first")
    draft.add_statement_part(2, "second")
    assert draft.edit_statement_part(2, "second, corrected") is True
    assert draft.edit_statement_part(99, "x") is False
    assert draft.statement == "first\nsecond, corrected"


def test_draft_round_trips_through_its_stored_form() -> None:
    from core.domain.intake import Evidence

    draft = Draft(state=Step.CONFIRM, category="after_sales", references={"order_number": "A-1234"}, contact="+8613800138000")
    draft.add_statement_part(1, "text")
    draft.evidence.append(Evidence("document", "f", "u", 2, "cap", "a.pdf"))
    import json

    stored = json.loads(json.dumps(draft.to_data()))
    assert Draft.from_data(draft.state.value, stored) == draft


def test_the_readme_diagram_is_generated_from_the_table() -> None:
    from core.domain.diagram import README, intake_block

    assert intake_block() in README.read_text(encoding="utf-8"), "run: python -m core.domain.diagram --write"


def test_firing_twice_on_one_draft_binds_cleanly(caplog: pytest.LogCaptureFixture) -> None:
    draft = Draft()
    with caplog.at_level("WARNING"):
        fire(draft, "choose_category")
        draft.add_statement_part(1, "我的订单一直没有发货，客服也不回复")
        fire(draft, "finish_statement", IntakeRules(reference_field_count=0))
    assert draft.state == Step.CONTACT
    assert [r.getMessage() for r in caplog.records] == []
    assert not hasattr(draft, "trigger")  # nothing of the machine is left on the draft
