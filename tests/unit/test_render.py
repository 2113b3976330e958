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
