"""Which outgoing messages must keep their order.

Order matters within one conversation: a customer's private chat, or one case's thread in
the handler group (its topic, or the replies under its card). Each conversation is a queue
of its own, so a row that keeps failing holds up only the rows behind it there.

Cosmetic calls (the delivered mark, topic renames, card refreshes) queue apart from the
words people wait for: they never sit in front of a relay, and a stuck one holds nothing
else. Answers to button presses have no order at all.
"""
from __future__ import annotations

from core.intents import (
    AnswerCallback, CopyMessage, CreateTopic, EditCard, EditTopic, Intent, SendCharts, SendMessage, SendReportFile, SetReaction, SetTopicClosed,
)

CHAT = "chat"  # the one conversation of a private chat, and the group's messages about no case
# Lanes where only the newest row matters: each one carries the whole new state.
COALESCING_METHODS = frozenset({"edit_card", "edit_topic"})


def case_conversation(case_id: int) -> str:
    return f"case:{case_id}"


def conversation_of(intent: Intent) -> str:
    if isinstance(intent, AnswerCallback):
        return f"callback:{intent.callback_query_id}"
    if isinstance(intent, SetReaction):
        return f"reaction:{intent.message_id}"
    if isinstance(intent, EditCard):
        return f"{case_conversation(intent.case_id)}:card"
    if isinstance(intent, EditTopic):
        return f"{case_conversation(intent.case_id)}:topic"
    if isinstance(intent, (CreateTopic, SetTopicClosed)):
        return case_conversation(intent.case_id)
    if isinstance(intent, (SendMessage, CopyMessage)) and intent.route is not None:
        return case_conversation(intent.route.case_id)
    if isinstance(intent, (SendMessage, SendCharts, SendReportFile)) and intent.thread_id is not None:
        return f"thread:{intent.thread_id}"
    return CHAT


def is_cosmetic(intent: Intent) -> bool:
    """Nobody waits for it: a failure is recorded quietly and staff are not told."""
    return isinstance(intent, (SetReaction, EditTopic, EditCard))


def target_conversation(intent: Intent) -> str | None:
    """The conversation whose earlier rows create what this cosmetic row changes (the card,
    the topic): until they are sent, a missing target is not yet a failure."""
    if isinstance(intent, (EditCard, EditTopic)):
        return case_conversation(intent.case_id)
    return None
