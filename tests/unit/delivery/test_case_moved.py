"""A row whose case moved to another handler group is done, not failed: it was queued again there."""
from bot.delivery.failures import DONE, classify
from bot.delivery.telegram_calls import CaseMoved


def test_a_row_of_a_moved_case_is_done_without_a_failure_notice() -> None:
    verdict = classify(CaseMoved("case 7 moved to -400"))
    assert verdict is not None and (verdict.action, verdict.cause) == (DONE, "case_moved")
