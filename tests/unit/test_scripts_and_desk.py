from datetime import datetime, timezone

from core.domain.business_calendar import BusinessCalendar
from core.domain.deployment import default_config
from core.domain.sla import default_sla
from core.domain.scripts import for_reader
from core.domain.staff import StaffConfig
from core.services.staff_desk import StaffDesk
from core.storage.models import User


def test_staff_text_reaches_each_reader_in_their_script() -> None:
    text = "您的退款已经处理，请查收。软件更新后请重新登录。"
    assert for_reader(text, "zh_Hant", "tw") == "您的退款已經處理，請查收。軟體更新後請重新登入。"
    assert for_reader(text, "zh_Hant", "hk") == "您的退款已經處理，請查收。軟件更新後請重新登錄。"
    assert for_reader("我的訂單還沒出貨", "zh_Hans") == "我的订单还没出货"
    assert for_reader(text, "en") == text


def _desk(confidential: bool) -> StaffDesk:
    return StaffDesk(-100, True, StaffConfig(confidential=confidential), default_config().intake, default_sla(), BusinessCalendar("CN"))


def test_confidential_deployments_show_a_stable_pseudonym() -> None:
    now = datetime(2026, 11, 25, tzinfo=timezone.utc)
    user = User(id=42, first_name="Wang Fang", language_code="zh-cn", locale="zh_Hans", locale_chosen=False, created_at=now, updated_at=now)
    assert _desk(False).customer_label(user, 42) == "Wang Fang"
    pseudonym = _desk(True).customer_label(user, 42)
    assert pseudonym.startswith("#") and len(pseudonym) == 7 and "Wang" not in pseudonym
    assert _desk(True).customer_label(user, 42) == pseudonym != _desk(True).customer_label(user, 43)
