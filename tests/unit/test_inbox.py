"""What a customer's private message means: every path, and which wins when several could apply."""
from __future__ import annotations

import pytest

from core.services.inbox import Kind, Path, Situation, decide

TEXT, MEDIA, EDITED, EDITED_CAPTION, START = Kind.TEXT, Kind.MEDIA, Kind.EDITED_TEXT, Kind.EDITED_CAPTION, Kind.START

# (why, situation, path)
TABLE: list[tuple[str, Situation, Path]] = [
    # A text message.
    ("nothing open: a new complaint", Situation(TEXT), Path.NEW_COMPLAINT),
    ("only closed cases: a new complaint", Situation(TEXT, earlier_cases=True), Path.NEW_COMPLAINT),
    ("one open case: words for it", Situation(TEXT, open_cases=1, earlier_cases=True), Path.CASE),
    ("several open cases: words for one of them", Situation(TEXT, open_cases=3, earlier_cases=True), Path.CASE),
    ("a question waits: its answer", Situation(TEXT, awaited=True, open_cases=1, earlier_cases=True), Path.AWAITED),
    ("a rating comment after the case closed", Situation(TEXT, awaited=True, earlier_cases=True), Path.AWAITED),
    ("a draft: its answer", Situation(TEXT, draft_open=True), Path.DRAFT),
    ("a draft wins over an open case", Situation(TEXT, draft_open=True, open_cases=2, earlier_cases=True), Path.DRAFT),
    ("a draft wins over a question waiting", Situation(TEXT, draft_open=True, awaited=True, open_cases=1, earlier_cases=True), Path.DRAFT),
    # Media: never an answer to a question.
    ("media, nothing open: a new complaint's evidence", Situation(MEDIA), Path.NEW_COMPLAINT),
    ("media, only closed cases: a new complaint", Situation(MEDIA, earlier_cases=True), Path.NEW_COMPLAINT),
    ("media for the open case", Situation(MEDIA, open_cases=1, earlier_cases=True), Path.CASE),
    ("media while a question waits goes to the case", Situation(MEDIA, awaited=True, open_cases=1, earlier_cases=True), Path.CASE),
    ("media while a rating comment waits on a closed case", Situation(MEDIA, awaited=True, earlier_cases=True), Path.NEW_COMPLAINT),
    ("media in a draft: its evidence", Situation(MEDIA, draft_open=True, open_cases=1, earlier_cases=True), Path.DRAFT),
    # An edited text: the correction follows what it corrects.
    ("an edited part of the draft's statement", Situation(EDITED, draft_open=True, edits_draft=True), Path.DRAFT),
    ("an edit of another message while a draft is open", Situation(EDITED, draft_open=True, open_cases=1, earlier_cases=True), Path.CASE),
    ("an edit with no draft: a message passed on", Situation(EDITED, open_cases=1, earlier_cases=True), Path.CASE),
    ("an edit, nothing open: whatever it was follows if passed on", Situation(EDITED), Path.CASE),
    ("an edit is never an answer", Situation(EDITED, awaited=True, open_cases=1, earlier_cases=True), Path.CASE),
    ("a statement part only counts in an open draft", Situation(EDITED, edits_draft=True), Path.CASE),
    # An edited caption: evidence captions are not statement parts.
    ("an edited caption in a draft", Situation(EDITED_CAPTION, draft_open=True, edits_draft=True), Path.CASE),
    ("an edited caption of media passed on", Situation(EDITED_CAPTION, open_cases=1, earlier_cases=True), Path.CASE),
    # /start.
    ("/start, first time: greeting and a new complaint", Situation(START), Path.NEW_COMPLAINT),
    ("/start with a draft: greeting and the offer to continue", Situation(START, draft_open=True, earlier_cases=True), Path.DRAFT),
    ("/start after earlier cases: greeting with a new-complaint button", Situation(START, earlier_cases=True), Path.RETURNING),
    ("/start with an open case is a returning customer", Situation(START, open_cases=1, earlier_cases=True), Path.RETURNING),
    ("/start never answers a question", Situation(START, awaited=True, earlier_cases=True), Path.RETURNING),
]


@pytest.mark.parametrize(("why", "situation", "path"), TABLE, ids=[row[0] for row in TABLE])
def test_what_a_message_means(why: str, situation: Situation, path: Path) -> None:
    assert decide(situation) is path


def test_the_table_covers_every_kind_and_path() -> None:
    assert {situation.kind for _, situation, _ in TABLE} == set(Kind)
    assert {path for _, _, path in TABLE} == set(Path)


def test_each_input_changes_the_answer_somewhere() -> None:
    """Every field of the situation is read: flipping it alone changes a row's path."""
    flips = {
        "draft_open": (Situation(TEXT, open_cases=1), Path.DRAFT),
        "edits_draft": (Situation(EDITED, draft_open=True), Path.DRAFT),
        "awaited": (Situation(TEXT, open_cases=1), Path.AWAITED),
        "open_cases": (Situation(TEXT), Path.CASE),
        "earlier_cases": (Situation(START), Path.RETURNING),
    }
    for field, (situation, flipped) in flips.items():
        value = 1 if field == "open_cases" else True
        assert decide(situation) is not flipped
        assert decide(Situation(**{**vars(situation), field: value})) is flipped, field
