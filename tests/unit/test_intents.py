from datetime import datetime, timezone

import pytest

from core.intents import (
    AnswerCallback, Button, CaseRoute, Chart, ChartSeries, CopyMessage, CreateTopic, EditCard, EditTopic, Lines, Localized, Phrase, Receipt,
    SendCharts, SendDocument, SendMessage, SendReportFile, SetChatCommands, SetReaction, SetTopicClosed, decode_intent, encode_intent,
)


@pytest.mark.parametrize(
    "intent",
    [
        SendMessage(1, "en", Phrase("a", name="<x>", n=3, when=datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc), inner=Phrase("b", v="y"))),
        SendMessage(-100, "zh_Hant", Phrase("a"), ((Button(Phrase("b"), "x:1"), Button(Phrase("c"), "x:2")),)),
        AnswerCallback(1, "zh_Hans", "cb-1", Phrase("button.expired")),
        AnswerCallback(1, "zh_Hans", "cb-2"),
        SetChatCommands(5, "zh_Hant"),
        SendMessage(1, "en", Phrase("a", rows=Lines([Phrase("b", v="<1>"), Localized({"en": "x", "zh_Hans": "y", "zh_Hant": "z"})]))),
        SendMessage(1, "en", Phrase("a"), ((Button(Localized({"en": "Refund", "zh_Hans": "退款", "zh_Hant": "退款"}), "i:1:res:refund"),),)),
        SendMessage(1, "zh_Hant", Phrase("a"), contact_button=Phrase("b")),
        SendMessage(1, "zh_Hant", Phrase("a"), remove_keyboard=True),
        SendMessage(-100, "zh_Hans", Phrase("a"), route=CaseRoute(7, "prompt:ask"), force_reply=True, receipt=Receipt(7, -100, 9, "zh_Hans")),
        CopyMessage(5, "en", -100, 42, route=CaseRoute(3, "evidence"), caption=Phrase("c", x="y"), receipt=Receipt(3, -100, 4, "en")),
        CopyMessage(5, "en", -100, 42),
        EditCard(-100, "zh_Hans", 3, Phrase("card"), ((Button(Phrase("b"), "s:3:claim"),),)),
        CreateTopic(-100, "zh_Hans", 3, Phrase("topic", number="KS-1")),
        EditTopic(-100, "zh_Hans", 3, Phrase("topic", number="KS-1")),
        SetReaction(-100, "zh_Hans", 12, "👌"),
        SendDocument(5, "zh_Hant", "kesu-my-data-20261125.json", '{"name": "陳<b>"}', Phrase("privacy.export_caption")),
        SetTopicClosed(-100, "zh_Hans", 3),
        SetTopicClosed(-100, "zh_Hans", 3, closed=False),
        SendMessage(-100, "en", Phrase("q"), thread_id=55),
        AnswerCallback(-100, "en", "cb", Phrase("x"), show_alert=True),
        SendCharts(-100, "zh_Hant", (
            (Chart(Phrase("t"), ("10-01", Localized({"en": "Other"}), Phrase("s")), (ChartSeries(Phrase("a"), (1, None, 2.5)),), Phrase("ax")),),
            (Chart(Phrase("u"), (), (), style="hbars", percent=True, max_value=100, empty=Phrase("e")),),
        ), Phrase("cap", start="2026-10-01"), thread_id=7),
        SendReportFile(-100, "en", "xlsx", "kesu-cases.xlsx", datetime(2026, 9, 30, 16, tzinfo=timezone.utc),
                       datetime(2026, 10, 31, 16, tzinfo=timezone.utc), "calendar_month", 11, False, Phrase("cap"), thread_id=None),
    ],
)
def test_intents_survive_the_outbox_json_round_trip(intent) -> None:
    import json

    method, payload = encode_intent(intent)
    stored = json.loads(json.dumps(payload))
    assert decode_intent(method, intent.chat_id, intent.locale, stored) == intent


def test_callback_data_over_64_bytes_is_refused_before_it_reaches_telegram() -> None:
    with pytest.raises(ValueError):
        Button(Phrase("x"), "投" * 22)
    assert Button(Phrase("x"), "a" * 64).data == "a" * 64
