"""The management report's PDF for tests/service/report_fixture.py's October: its sections,
figures, typical cases and measures, read back from the PDF's text (pypdfium2) in each
locale, and its pages rendered. KESU_REPORT_PAGES names a folder to write the pages to as
PNG pictures, to look at them."""
from __future__ import annotations

import os
from pathlib import Path

import pypdfium2
import pytest

from bot.i18n import Catalogs, Renderer
from bot.reports.files import ReportFiles
from core.domain.staff import Role
from core.intents import SendReportFile
from core.services.report_document import hide_contacts
from core.storage.models import Case, ResolutionRecord
from core.storage.related_cases import REPEAT
from tests.service.report_fixture import clock  # noqa: F401  (a fixture: the reports' day)
from tests.service.report_fixture import OCTOBER, SEPTEMBER, at, write
from tests.service.test_reports import actor, ask, link
from tests.service.conftest import SUPERVISOR

PHONE_STATEMENT = "The kettle leaked over the counter; call me on +86 138 0013 8000 or write to li.wei@example.com any time."


@pytest.fixture
async def desk_rows(uow_factory):
    ids = await write(uow_factory, OCTOBER + SEPTEMBER)
    async with uow_factory() as uow:
        (await uow.session.get(Case, ids["KS-B"])).statement = PHONE_STATEMENT
        # KS-E's customer was erased: no statement is left. Made major, it is a typical case.
        erased = await uow.session.get(Case, ids["KS-E"])
        erased.statement, erased.severity = "", "major"
        record = (await uow.session.get(Case, ids["KS-A"]))
        record.statement = "Le couvercle était fissuré à la livraison."
        [row] = [r for r in (await uow.session.execute(ResolutionRecord.__table__.select())).all()]
        await uow.session.execute(
            ResolutionRecord.__table__.update().where(ResolutionRecord.id == row.id).values(root_cause="Packed without padding", remedy="Refunded in full")
        )
        await uow.commit()
    return ids


async def pdf_request(uow_factory, desk, period: str = "2026-10") -> SendReportFile:
    rows = await ask(uow_factory, desk, actor(SUPERVISOR, Role.SUPERVISOR), "report", period)
    [pdf] = [r for r in rows if isinstance(r, SendReportFile)]
    return pdf


def pages_text(data: bytes, locale: str, name: str) -> list[str]:
    document = pypdfium2.PdfDocument(data)
    texts = []
    folder = os.environ.get("KESU_REPORT_PAGES")
    for index in range(len(document)):
        page = document[index]
        texts.append(page.get_textpage().get_text_range())
        image = page.render(scale=1.4).to_pil()
        assert image.width > 800 and image.getextrema() != ((255, 255), (255, 255), (255, 255))  # something is drawn
        if folder:
            image.save(Path(folder) / f"{name}-{locale}-{index + 1}.png")
    return texts


def flat(texts: list[str]) -> str:
    return "".join("".join(t.split()) for t in texts)


async def make(uow_factory, desk, request: SendReportFile, locale: str) -> bytes:
    files = ReportFiles(uow_factory, desk, Renderer(Catalogs(), "Asia/Shanghai"))
    return await files.make(SendReportFile(**{**request.__dict__, "locale": locale}))


async def test_a_month_report_attaches_a_pdf_after_the_summary_and_charts(uow_factory, desk, clock, desk_rows) -> None:
    rows = await ask(uow_factory, desk, actor(SUPERVISOR, Role.SUPERVISOR), "report", "2026-10", thread_id=5)
    assert [type(r).__name__ for r in rows] == ["SendMessage", "SendCharts", "SendReportFile"]
    pdf = rows[2]
    assert (pdf.file_format, pdf.file_name, pdf.thread_id, pdf.owner_id, pdf.reveal_contacts) == ("pdf", "kesu-report-20261001-20261031.pdf", 5, None, False)
    assert (pdf.start, pdf.end, pdf.period_kind) == (at("2026-10-01 00:00"), at("2026-11-01 00:00"), "calendar_month")
    assert pdf.caption.code == "report.pdf.caption"
    year = await pdf_request(uow_factory, desk, "2026")
    assert (year.start, year.end, year.period_kind) == (at("2026-01-01 00:00"), at("2027-01-01 00:00"), "calendar_year")
    # The last 30 days or a week bring no PDF.
    for words in (None, "week", "2026-10-01..2026-10-31"):
        assert not [r for r in await ask(uow_factory, desk, actor(SUPERVISOR, Role.SUPERVISOR), "report", words) if isinstance(r, SendReportFile)]


SECTIONS = {
    "en": ("Complaint handling report 2026-10-01 – 2026-10-31", "1. Overview of the period's complaints", "2. By category, severity and channel",
           "3. Handling times and deadlines met", "4. Customer satisfaction", "5. Typical cases", "6. Problems found and improvement measures",
           "7. Plans for the next period"),
    "zh_Hans": ("投诉处理工作报告 2026-10-01 – 2026-10-31", "一、本期投诉情况概述", "二、按类别、严重程度和渠道", "三、处理时效与时限达成", "四、客户满意度",
                "五、典型案例", "六、发现的问题与改进措施", "七、下期工作计划"),
    "zh_Hant": ("投訴處理工作報告 2026-10-01 – 2026-10-31", "一、本期投訴情況概述", "二、按類別、嚴重程度和管道", "三、處理時效與時限達成", "四、客戶滿意度",
                "五、典型案例", "六、發現的問題與改進措施", "七、下期工作計畫"),
}
# Words and figures each locale's PDF must show (compared without spaces: lines wrap).
FIGURES = {
    "en": ("Complaints filed in the period: 5; in the previous period: 2 (+150%)", "Product quality", "40%", "Urgent", "Major", "Whole desk",
           "First response (business hours)", "1.2", "6.9", "33%", "Ratings given: 2, 3.5 of 5 stars", "Too slow", "Train staff", "Packed without padding",
           "Refunded in full", "cost 100.00", "reopened 1×", "appealed", "(erased at the customer's request)", "Carried over into the next period, still open: 2"),
    "zh_Hans": ("本期共收到投诉5件，上期2件（+150%）", "产品质量", "40%", "紧急", "全部案件", "首次回应（工作小时）", "6.9", "33%", "平均3.5星", "Tooslow", "Trainstaff",
                "Packedwithoutpadding", "费用100.00", "重新处理1次", "已申诉", "（已应客户要求删除）", "将转入下期继续处理"),
    "zh_Hant": ("本期共收到投訴5件，上期2件（+150%）", "產品品質", "40%", "緊急", "全部案件", "首次回應（工作小時）", "6.9", "33%", "平均3.5星", "Tooslow", "Trainstaff",
                "Packedwithoutpadding", "費用100.00", "重新處理1次", "已申訴", "（已應客戶要求刪除）", "將轉入下期繼續處理"),
}


@pytest.mark.parametrize("locale", ["en", "zh_Hans", "zh_Hant"])
async def test_the_pdf_has_the_sections_figures_and_cases_in_the_readers_locale(uow_factory, desk, clock, desk_rows, locale) -> None:
    data = await make(uow_factory, desk, await pdf_request(uow_factory, desk), locale)
    assert data.startswith(b"%PDF-")
    texts = pages_text(data, locale, "month")
    text = flat(texts)
    positions = [text.find("".join(heading.split())) for heading in SECTIONS[locale]]
    assert -1 not in positions and positions == sorted(positions), positions  # every section, in order
    missing = [words for words in FIGURES[locale] if "".join(words.split()) not in text]
    assert missing == []
    # Typical cases: the urgent one first, then the major one, then the reopened, appealed
    # or costly; D (general, never reopened, no cost) is not one of them.
    cases = text[text.find("".join(SECTIONS[locale][5].split())):text.find("".join(SECTIONS[locale][6].split()))]
    assert cases.find("KS-B") < cases.find("KS-C") < cases.find("KS-E") < cases.find("KS-A") and "KS-D" not in cases
    # Contacts never appear, whoever reads it; the customer is never named.
    for hidden in ("13800138000", "1380013", "li.wei@example.com", "+86138"):
        assert hidden not in text
    assert "Li" not in cases.replace("Lid", "")  # "Li" is the customer's name in the fixture
    # Every page carries its number out of the total.
    assert all(f"{n}/{len(texts)}" in "".join(page.split()) for n, page in enumerate(texts, start=1))


async def test_an_erased_customers_case_stays_pseudonymous_and_statement_free(uow_factory, desk, clock, desk_rows) -> None:
    from core.services.report_document import build

    async with uow_factory() as uow:
        document = await build(uow, desk, await pdf_request(uow_factory, desk))
    [cases] = [s for s in document.sections if s.heading.code == "report.pdf.section.cases"]
    table = cases.blocks[1]
    numbers = [row[0] for row in table.rows]
    assert numbers == ["KS-B", "KS-C", "KS-E", "KS-A"]
    statements = [row[2] for row in table.rows]
    assert statements[0] == "The kettle leaked over the counter; call me on ••• or write to ••• any time."
    # Nothing of the erased customer's is left to show, and no customer column exists.
    assert statements[2].code == "report.pdf.erased" and "report.column.customer" not in [c.code for c in table.columns]


async def test_an_empty_year_says_so_instead_of_drawing_nothing(uow_factory, desk, clock, desk_rows) -> None:
    data = await make(uow_factory, desk, await pdf_request(uow_factory, desk, "2025"), "en")
    text = flat(pages_text(data, "en", "empty"))
    for words in ("Complaints filed in the period: 0", "No case of the period meets the rule.", "No resolution record naming a cause",
                  "Nothing in this period's figures calls for special attention."):
        assert "".join(words.split()) in text, words


def test_contacts_in_free_text_are_hidden() -> None:
    assert hide_contacts("ring 0912-345-678 or (02) 2345 6789, mail a.b+c@d.co.uk; order SO-2024") == "ring ••• or •••, mail •••; order SO-2024"


async def test_an_agents_pdf_holds_their_own_cases_under_their_name(uow_factory, desk, clock, desk_rows) -> None:
    from core.services.report_document import build
    from tests.service.report_fixture import AGENT

    rows = await ask(uow_factory, desk, actor(AGENT, Role.AGENT), "report", "2026-10")
    [request] = [r for r in rows if isinstance(r, SendReportFile)]
    async with uow_factory() as uow:
        document = await build(uow, desk, request)
    scope = document.subtitle.params["scope"]
    assert (scope.code, scope.params) == ("report.scope.own", {"name": "Ann"})
    [cases] = [s for s in document.sections if s.heading.code == "report.pdf.section.cases"]
    assert [row[0] for row in cases.blocks[1].rows] == ["KS-A"]  # Ann's only: the others are not hers
    text = flat(pages_text(await make(uow_factory, desk, request, "en"), "en", "agent"))
    assert "CasesownedbyAnn" in text and "KS-B" not in text


def test_the_busiest_week_or_month_is_named_only_when_one_stands_out() -> None:
    from types import SimpleNamespace

    from core.services.report_document import peak
    from core.services.report_periods import parse_period

    october = parse_period("2026-10", at("2026-11-05 12:00"), "Asia/Shanghai")
    weeks = SimpleNamespace(period=october, buckets=october.buckets(), timeline={"filed": [1, 3, 0, 2, 1]})
    assert (peak(weeks).code, peak(weeks).params) == ("report.pdf.peak_week", {"start": "2026-10-05", "count": 3})
    assert peak(SimpleNamespace(period=october, buckets=october.buckets(), timeline={"filed": [1, 1, 1, 1, 1]})) is None
    assert peak(SimpleNamespace(period=october, buckets=october.buckets(), timeline={"filed": [0, 0, 0, 0, 0]})) is None
    year = parse_period("2026", at("2026-11-05 12:00"), "Asia/Shanghai")
    months = SimpleNamespace(period=year, buckets=year.buckets(), timeline={"filed": [0] * 10 + [4, 1]})
    assert (peak(months).code, peak(months).params) == ("report.pdf.peak_month", {"month": "2026-11", "count": 4})


REPEATS = {
    "en": "Repeat complaints: 1 of the period's cases (20%) came from a customer about a matter they had complained about before, against 0",
    "zh_Hans": "重复投诉：本期案件中有 1 件（20%）是客户就之前投诉过的同一事项再次投诉，上期为 0 件",
    "zh_Hant": "重複客訴：本期案件中有 1 件（20%）是客戶就先前客訴過的同一事項再次客訴，上期為 0 件",
}


@pytest.mark.parametrize("locale", ["en", "zh_Hans", "zh_Hant"])
async def test_the_problems_section_counts_the_repeat_complaints(uow_factory, desk, clock, desk_rows, locale) -> None:
    await link(uow_factory, desk_rows["KS-B"], desk_rows["KS-A"], REPEAT)
    text = flat(pages_text(await make(uow_factory, desk, await pdf_request(uow_factory, desk), locale), locale, "repeats"))
    problems = text[text.find("".join(SECTIONS[locale][6].split())):]
    assert "".join(REPEATS[locale].split()) in problems
