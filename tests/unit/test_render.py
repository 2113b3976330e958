from datetime import datetime, timezone

from bot.i18n import Catalogs, Renderer
from core.intents import Phrase


def test_user_text_is_escaped_and_catalog_html_kept() -> None:
    renderer = Renderer(Catalogs(), "Asia/Shanghai")
    text = renderer.render(Phrase("start.greeting", name="<b>Li</b> & co"), "en")
    assert "&lt;b&gt;Li&lt;/b&gt; &amp; co" in text
    assert renderer.render(Phrase("help.text"), "en").startswith("<b>")


def test_nested_phrases_render_in_the_same_locale() -> None:
    renderer = Renderer(Catalogs(), "Asia/Shanghai")
    text = renderer.render(Phrase("language.changed", language=Phrase("language.name.zh_Hant")), "zh_Hans")
    assert text == "好的，之后我会用繁體中文和您沟通。"


def test_datetimes_are_shown_in_the_deployment_zone_and_locale() -> None:
    from core.intents import Phrase as P

    renderer = Renderer(Catalogs(), "Asia/Shanghai")
    when = datetime(2026, 10, 8, 1, 50, tzinfo=timezone.utc)  # 09:50 in Shanghai
    assert renderer._value(when, "en") == "Thu, Oct 8, 2026 09:50"
    assert renderer._value(when, "zh_Hans") == "2026年10月8日周四 09:50"
    assert renderer._value(when, "zh_Hant") == "2026年10月8日 週四 09:50"
    assert renderer.render(P("language.prompt", current="x"), "zh_Hant") == "請選擇我和您溝通時使用的語言。目前：x"


def test_every_weekday_reads_as_the_product_chose_in_each_locale() -> None:
    # The whole format is ours (bot.i18n.DATETIME_PATTERNS); a Babel upgrade that changes
    # a weekday's name or the spacing shows up here, on the upgrade, not on main.
    renderer = Renderer(Catalogs(), "Asia/Taipei")
    monday = datetime(2026, 10, 5, 0, 5, tzinfo=timezone.utc)  # 08:05 in Taipei
    week = [monday.replace(day=5 + offset) for offset in range(7)]
    expected = {
        "zh_Hans": ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
        "zh_Hant": ["週一", "週二", "週三", "週四", "週五", "週六", "週日"],
        "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    }
    for offset, when in enumerate(week):
        day = 5 + offset
        assert renderer._value(when, "zh_Hans") == f"2026年10月{day}日{expected['zh_Hans'][offset]} 08:05"
        assert renderer._value(when, "zh_Hant") == f"2026年10月{day}日 {expected['zh_Hant'][offset]} 08:05"
        assert renderer._value(when, "en") == f"{expected['en'][offset]}, Oct {day}, 2026 08:05"
