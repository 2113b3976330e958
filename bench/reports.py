"""/report and /export over a large desk: how long the figures, charts and files take.

    .venv/bin/python -m bench.reports [--cases 100000] [--engines sqlite,postgres] [--repeat 3] [--no-export]
                                      [--postgres-url postgresql+asyncpg://postgres@127.0.0.1/postgres]

It writes a year of a busy desk into a fresh database per engine: `--cases` cases filed
evenly from 1 January 2026 to 30 November 2026 (Shanghai), each with its history (filed,
then for most a claim, a reply, a proposal, an acceptance; some reopened, appealed or
withdrawn), its stage deadline rows, and for the resolved ones a rating and a resolution
record. Then, with the bot's clock at 1 December 2026 10:00, it times what the bot does
for `/report year` as a supervisor:
  figures   both periods' aggregates and business-time durations (core/services/report_figures.py)
  charts    the four PNG pages (bot/reports/charts.py)
and for `/export year`, each split into what runs on the bot's event loop (reading the
rows) and what the bot does off it (building the sheets and writing the file):
  xlsx      the case rows and every figure sheet, written with openpyxl
  csv       the case rows as CSV
Each step runs `--repeat` times; the best (and for the figures the worst) is printed, and
a JSON line. It also prints the longest the event loop was held while the figures and
the export's rows were read: what every other conversation waits at worst meanwhile. The
target is the report's figures in under 2 s.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Awaitable, Callable
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text

from bot.i18n import Catalogs, Renderer
from bot.reports.charts import render_page
from bot.reports.files import csv_bytes, render_sheets, xlsx_bytes
from core.clock import FrozenClock
from core.domain.business_calendar import BusinessCalendar
from core.domain.deployment import config_from_mapping
from core.intents import SendReportFile
from core.services import report_charts
from core.services.report_export import build_sheets, export_data
from core.services.report_figures import compare
from core.services.report_periods import parse_period
from core.services.staff_desk import StaffDesk
from core.storage.db import create_engine, session_factory
from core.storage.migrate import migrate
from core.storage.models import Case, CaseEvent, CaseRating, Deadline, ResolutionRecord, User
from core.storage.uow import UnitOfWork
from tests.postgres_databases import create_database, drop_database

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI).astimezone(timezone.utc)
FIRST_FILED = datetime(2026, 1, 1, tzinfo=SHANGHAI).astimezone(timezone.utc)
LAST_FILED = datetime(2026, 11, 30, 23, 0, tzinfo=SHANGHAI).astimezone(timezone.utc)
AGENTS, SUPERVISOR = list(range(11, 21)), 22
CUSTOMERS = 30_000
FIRST_CUSTOMER = 1_000_000
CATEGORIES = ("product_quality", "service_attitude", "delivery", "billing", "after_sales", "other")
SEVERITIES = ("general",) * 17 + ("major",) * 2 + ("urgent",)
BATCH = 5_000


def desk() -> StaffDesk:
    config = config_from_mapping({"staff": {"agents": AGENTS, "supervisors": [SUPERVISOR], "directors": [33]}})
    return StaffDesk(-100123, True, config.staff, config.intake, config.sla, BusinessCalendar("CN", years=range(2026, 2027)))


def one_case(n: int, total: int, rng: random.Random) -> dict[str, Any]:
    """A case's rows: the case, its events, deadlines, and maybe a rating and a record."""
    filed = FIRST_FILED + (LAST_FILED - FIRST_FILED) * n / total
    case_id = n + 1
    customer = FIRST_CUSTOMER + n % CUSTOMERS
    owner = rng.choice(AGENTS)
    events = [(filed, f"customer:{customer}", "filed")]
    deadlines = []
    claimed = filed + timedelta(minutes=rng.randint(5, 60 * 30))
    due = filed + timedelta(hours=8)
    answered = rng.random() < 0.9 and claimed < NOW
    stage, rating, record, reopened, appealed = "received", None, None, 0, False
    if answered:
        stage = "accepted"
        events.append((claimed, f"staff:{owner}", "claimed"))
        deadlines.append(dict(case_id=case_id, kind="breach", stage="received", breach_no=1, due_at=due, status="cancelled" if claimed < due else "done", done_at=min(claimed, due)))
        replied = claimed + timedelta(hours=rng.randint(1, 20))
        events.append((replied, f"staff:{owner}", "staff_reply"))
        if rng.random() < 0.75:
            proposed = replied + timedelta(hours=rng.randint(1, 48))
            accepted = proposed + timedelta(hours=rng.randint(1, 30))
            events += [(proposed, f"staff:{owner}", "proposed"), (accepted, f"customer:{customer}", "solution_accepted")]
            stage = "closed"
            rating = dict(case_id=case_id, round=0, stars=rng.choice((1, 2, 3, 4, 4, 5, 5, 5)), aspects={"quality": rng.randint(1, 5), "speed": rng.randint(1, 5)},
                          comment="太慢了，等了很久才有人回复" if rng.random() < 0.1 else None, rated_at=accepted + timedelta(minutes=5), updated_at=accepted + timedelta(minutes=5))
            if rng.random() < 0.6:
                record = dict(case_id=case_id, round=0, responsible_party=rng.choice(("employee", "department", "management", "third_party")),
                              responsibility_kind=rng.choice(("direct", "indirect", "joint")), root_cause="批次质检遗漏", remedy="退款并补发",
                              cost_cents=rng.randint(0, 50_000), improvement="加强出厂检验" if rng.random() < 0.3 else None, recorded_by=owner,
                              started_at=accepted, completed_at=accepted + timedelta(hours=1))
                events.append((accepted + timedelta(hours=1), f"staff:{owner}", "resolution_recorded"))
            if rng.random() < 0.08:
                reopened, stage = 1, "investigating"
                events.append((accepted + timedelta(hours=2), f"customer:{customer}", "reopened_unsatisfied"))
        elif rng.random() < 0.1:
            events += [(replied + timedelta(hours=3), f"staff:{SUPERVISOR}", "rejected")]
            stage = "rejected"
            if rng.random() < 0.3:
                appealed, stage = True, "investigating"
                events.append((replied + timedelta(hours=20), f"customer:{customer}", "appealed"))
        else:
            stage = "investigating"
            deadlines.append(dict(case_id=case_id, kind="breach", stage="investigating", breach_no=1, due_at=replied + timedelta(days=5), status="pending", done_at=None))
    else:
        deadlines.append(dict(case_id=case_id, kind="breach", stage="received", breach_no=1, due_at=due, status="pending" if due > NOW else "done", done_at=None if due > NOW else due))
        if rng.random() < 0.3:
            stage = "withdrawn"
            events.append((filed + timedelta(hours=30), f"customer:{customer}", "withdrawn"))
    case = dict(
        id=case_id, number=f"KS-{filed.astimezone(SHANGHAI):%Y%m%d}-{n:06d}", customer_id=customer, category=rng.choice(CATEGORIES),
        statement="收到的商品有破损，包装也被压坏了，希望尽快处理。", reference_values={"order": f"E{n:09d}"}, contact_phone="+8613800138000",
        resolution="refund", resolution_note=None, locale="zh_Hans", channel="telegram", stage=stage, severity=rng.choice(SEVERITIES),
        tier=1 + reopened + int(appealed), owner_id=owner if answered else None, reopen_count=reopened, appealed=appealed,
        stage_entered_at=events[-1][0], first_response_at=claimed if answered else None, created_at=filed, updated_at=events[-1][0],
    )
    return {
        "case": case,
        "events": [dict(case_id=case_id, at=at, actor=actor, action=action, detail={}) for at, actor, action in events],
        "deadlines": deadlines, "rating": rating, "record": record,
    }



async def build(url: str, cases: int) -> float:
    """A migrated database holding the desk's year; returns the seconds it took."""
    started = time.perf_counter()
    engine = create_engine(url)
    await migrate(engine)
    rng = random.Random(2026)
    async with engine.begin() as connection:
        await connection.execute(
            insert(User),
            [dict(id=i, first_name=f"U{i}", language_code="zh-cn", locale="zh_Hans", locale_chosen=False, created_at=NOW, updated_at=NOW)
             for i in [*range(FIRST_CUSTOMER, FIRST_CUSTOMER + CUSTOMERS), *AGENTS, SUPERVISOR]],
        )
        for start in range(0, cases, BATCH):
            rows = [one_case(n, cases, rng) for n in range(start, min(cases, start + BATCH))]
            await connection.execute(insert(Case), [r["case"] for r in rows])
            await connection.execute(insert(CaseEvent), [e for r in rows for e in r["events"]])
            deadlines = [d for r in rows for d in r["deadlines"]]
            if deadlines:
                await connection.execute(insert(Deadline), deadlines)
            ratings = [r["rating"] for r in rows if r["rating"]]
            if ratings:
                await connection.execute(insert(CaseRating), ratings)
            records = [r["record"] for r in rows if r["record"]]
            if records:
                await connection.execute(insert(ResolutionRecord), records)
        if engine.dialect.name == "postgresql":
            await connection.execute(text("SELECT setval('cases_id_seq', (SELECT max(id) FROM cases))"))
    if engine.dialect.name == "postgresql":
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("ANALYZE"))
    await engine.dispose()
    return time.perf_counter() - started


async def timed(step: Callable[[], Awaitable[object]], repeat: int) -> tuple[float, float, object]:
    runs, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = await step()
        runs.append(time.perf_counter() - started)
    return min(runs), max(runs), result


async def longest_stall(step: Callable[[], Awaitable[object]]) -> float:
    """The longest the event loop went without serving another task while `step` ran:
    what every other conversation waits at worst while a manager exports."""
    longest, done = 0.0, asyncio.Event()

    async def heartbeat() -> None:
        nonlocal longest
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            longest, last = max(longest, now - last), now

    beating = asyncio.create_task(heartbeat())
    await step()
    done.set()
    await beating
    return longest


async def measure(url: str, repeat: int, export: bool = True) -> dict[str, Any]:
    engine = create_engine(url)
    sessions = session_factory(engine)
    clock = FrozenClock(NOW)
    the_desk = desk()
    renderer = Renderer(Catalogs(), "Asia/Shanghai")
    locale = "zh_Hans"
    period = parse_period("year", NOW, "Asia/Shanghai")
    assert period is not None

    async def figures():  # type: ignore[no-untyped-def]
        async with UnitOfWork(sessions, clock) as uow:
            return await compare(uow, the_desk, period, None, NOW)

    label = renderer.labels(locale)

    best: dict[str, Any] = {}
    figures_best, figures_worst, report = await timed(figures, repeat)

    async def charts():  # type: ignore[no-untyped-def]
        return [render_page(page, locale, label) for page in report_charts.pages(the_desk, report)]  # type: ignore[arg-type]

    charts_best, charts_worst, pictures = await timed(charts, repeat)

    def request(file_format: str) -> SendReportFile:
        return SendReportFile(-100123, locale, file_format, f"bench.{file_format}", period.start, period.end, period.kind, None, False, None)  # type: ignore[arg-type]

    async def read(file_format: str):  # type: ignore[no-untyped-def]
        async with UnitOfWork(sessions, clock) as uow:
            return await export_data(uow, the_desk, request(file_format))

    async def write(file_format: str, data):  # type: ignore[no-untyped-def]
        rendered = render_sheets(build_sheets(the_desk, request(file_format), data), renderer, locale)
        return xlsx_bytes(rendered) if file_format == "xlsx" else csv_bytes(rendered[0])

    files = {"xlsx": (0, 0, 0, 0), "csv": (0, 0, 0, 0)}
    for file_format in ("xlsx", "csv") if export else ():
        read_best, _, data = await timed(lambda: read(file_format), repeat)
        write_best, _, content = await timed(lambda: write(file_format, data), repeat)
        stall = await longest_stall(lambda: read(file_format))
        files[file_format] = (round(read_best, 3), round(write_best, 3), round(len(content) / 2**20, 1), round(stall * 1000))  # type: ignore[arg-type]
    figures_stall = await longest_stall(figures)
    await engine.dispose()
    now = report.current  # type: ignore[attr-defined]
    best.update(
        filed_in_period=now.filed, concluded=now.concluded,
        figures_s=(round(figures_best, 3), round(figures_worst, 3)), charts_s=(round(charts_best, 3), round(charts_worst, 3)),
        chart_pages=len(pictures),  # type: ignore[arg-type]
        figures_stall_ms=round(figures_stall * 1000),
        # (read on the event loop, written off it, MiB, longest stall of the loop while reading in ms)
        xlsx=files["xlsx"], csv=files["csv"],
    )
    return best


async def postgres_database(admin_url: str) -> tuple[str, Callable[[], Awaitable[None]]]:
    """A fresh database beside the admin URL's, and how to drop it."""
    url, name = await create_database(admin_url, prefix="kesu_bench")
    return url, lambda: drop_database(admin_url, name)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--postgres-url", default="postgresql+asyncpg://postgres@127.0.0.1/postgres")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-export", action="store_true", help="time the report's figures and charts only")
    args = parser.parse_args()
    results = []
    for engine_name in args.engines.split(","):
        with tempfile.TemporaryDirectory() as directory:
            if engine_name == "sqlite":
                url, drop = f"sqlite+aiosqlite:///{Path(directory) / 'reports.db'}", None
            else:
                url, drop = await postgres_database(args.postgres_url)
            try:
                built = await build(url, args.cases)
                figures = await measure(url, args.repeat, export=not args.no_export)
            finally:
                if drop is not None:
                    await drop()
        results.append({"engine": engine_name, "cases": args.cases, "build_s": round(built, 1), **figures})
        f = figures
        exported = (
            f"xlsx read {f['xlsx'][0]:.2f} s (loop held {f['xlsx'][3]} ms at most) + write {f['xlsx'][1]:.2f} s ({f['xlsx'][2]} MiB)  "
            f"csv read {f['csv'][0]:.2f} s + write {f['csv'][1]:.2f} s ({f['csv'][2]} MiB)  "
        ) if not args.no_export else ""
        print(
            f"{engine_name:<9} {args.cases:>7,} cases ({f['filed_in_period']:,} this year)  "
            f"figures {f['figures_s'][0]:.2f}-{f['figures_s'][1]:.2f} s (loop held {f['figures_stall_ms']} ms at most)  charts {f['charts_s'][0]:.2f} s ({f['chart_pages']} pages)  "
            f"{exported}[built in {built:.0f} s]",
            flush=True,
        )
    print(json.dumps({"benchmark": "reports", "results": results}))


if __name__ == "__main__":
    asyncio.run(main())
