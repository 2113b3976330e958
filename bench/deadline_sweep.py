"""Deadline sweep cost against the number of open cases.

    .venv/bin/python -m bench.deadline_sweep [--sizes 1000,10000,100000] [--due 200]

For each size N it builds a fresh SQLite database with N open cases, each with a pending
reminder and breach row in the future, plus `--due` rows that are due now; then it times
one claim of the due rows (what the worker does every few seconds) and the handling of
what was claimed. The claim reads through the (status, due_at) index, so its time should
depend on the due rows, not on N. Prints one line per size and a JSON line.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert

from core.clock import FrozenClock
from core.domain.business_calendar import BusinessCalendar
from core.domain.deployment import default_config
from core.domain.sla import default_sla
from core.services.case_events import CaseEventHandlers
from core.services.deadlines import handle_due
from core.services.staff_desk import StaffDesk
from core.storage.db import create_engine, session_factory
from core.storage.migrate import migrate
from core.storage.models import Case, Deadline
from core.storage.uow import UnitOfWork

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=timezone.utc)


async def build(url: str, cases: int, due: int) -> None:
    engine = create_engine(url)
    await migrate(engine)
    async with engine.begin() as connection:
        for start in range(0, cases, 5000):
            batch = range(start, min(cases, start + 5000))
            await connection.execute(
                insert(Case),
                [
                    dict(number=f"KS-20261125-{n:07d}", customer_id=1_000_000 + n, category="other", statement="s",
                         reference_values={}, contact_phone=None, resolution="refund", resolution_note=None, locale="en",
                         channel="telegram", stage="received", severity="general", tier=1, reopen_count=0, appealed=False,
                         stage_entered_at=NOW, created_at=NOW, updated_at=NOW)
                    for n in batch
                ],
            )
            future = NOW + timedelta(days=1)
            await connection.execute(
                insert(Deadline),
                [dict(case_id=n + 1, kind=kind, stage="received", breach_no=1 if kind == "breach" else 0, due_at=future, status="pending")
                 for n in batch for kind in ("remind", "breach")],
            )
        await connection.execute(
            insert(Deadline),
            [dict(case_id=n + 1, kind="remind", stage="received", breach_no=0, due_at=NOW - timedelta(minutes=1), status="pending")
             for n in range(due)],
        )
    await engine.dispose()


async def sweep(url: str, due: int) -> tuple[float, float, int]:
    engine = create_engine(url)
    sessions = session_factory(engine)
    clock = FrozenClock(NOW)
    desk = StaffDesk(None, False, default_config().staff, default_config().intake, default_sla(), BusinessCalendar("CN"))
    started = time.perf_counter()
    async with UnitOfWork(sessions, clock) as uow:
        token, ids = await uow.deadlines.claim_due("bench", clock.now(), timedelta(minutes=2), due)
        await uow.commit()
    claimed = time.perf_counter()
    handlers = CaseEventHandlers(desk)
    for deadline_id in ids:
        async with UnitOfWork(sessions, clock, event_handlers=handlers) as uow:
            await handle_due(uow, desk, deadline_id, token)
            await uow.commit()
    handled = time.perf_counter()
    await engine.dispose()
    return claimed - started, handled - claimed, len(ids)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--due", type=int, default=200)
    args = parser.parse_args()
    results = []
    for size in [int(s) for s in args.sizes.split(",")]:
        with tempfile.TemporaryDirectory() as directory:
            url = f"sqlite+aiosqlite:///{Path(directory) / 'sweep.db'}"
            await build(url, size, args.due)
            claim_s, handle_s, count = await sweep(url, args.due)
        results.append({"open_cases": size, "due": count, "claim_ms": round(claim_s * 1000, 1), "handle_ms_per_row": round(handle_s * 1000 / max(count, 1), 2)})
        print(f"open cases {size:>7,}  due rows {count:>4}  claim {claim_s * 1000:8.1f} ms  handling {handle_s * 1000 / max(count, 1):6.2f} ms/row", flush=True)
    print(json.dumps({"benchmark": "deadline_sweep", "results": results}))


if __name__ == "__main__":
    asyncio.run(main())
