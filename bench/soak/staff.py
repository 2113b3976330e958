"""Simulated staff in the forum handler group: they claim new cases and propose solutions."""
from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import TYPE_CHECKING

from bench.soak.customers import SoakCase
from bench.soak.messages import CANNOT_GO_ON
from fake_telegram import FakeGroup, FakeTelegramServer, FakeUser

if TYPE_CHECKING:
    from bench.soak.load import Soak

PROPOSALS = ("我们将全额退款 199 元。", "我们明天寄出新的商品，并上门取回坏的那件。", "我们提供 50 元代金券作为补偿。")


def create_desk(server: FakeTelegramServer, size: int) -> tuple[FakeGroup, list[FakeUser]]:
    """The first staff member is a supervisor, the others agents; all in one forum group."""
    staff = [server.create_user(first_name=f"Staff {i}", language_code="zh-cn") for i in range(size)]
    members = {member: "administrator" if i == 0 else "member" for i, member in enumerate(staff)}
    return server.create_group(title="Complaints desk", forum=True, members=members), staff


def write_deployment(workdir: Path, staff: list[FakeUser]) -> Path:
    path = workdir / "kesu.toml"
    path.write_text(
        "[staff]\n"
        f"agents = [{', '.join(str(m.id) for m in staff[1:])}]\n"
        f"supervisors = [{staff[0].id}]\n"
        "directors = []\n",
        encoding="utf-8",
    )
    return path


class Desk:
    """Staff in the forum handler group: one takes each new case, claims it and proposes a
    solution; a reopened case gets a new proposal from whoever is free."""

    def __init__(self, soak: Soak, group: FakeGroup, members: list[FakeUser], think: float, rng: random.Random) -> None:
        self.soak = soak
        self.group = group
        self.members = members
        self.think = think
        self.rng = rng
        self.jobs: asyncio.Queue[tuple[str, SoakCase]] = asyncio.Queue()

    def card_or_filing_seen(self, case: SoakCase) -> None:
        # A case is claimable once both its card and its customer are known, in either order.
        if case.card_id is not None and case.customer is not None:
            self.jobs.put_nowait(("claim", case))

    def reopened(self, case: SoakCase) -> None:
        self.jobs.put_nowait(("propose", case))

    async def work(self, member: FakeUser) -> None:
        while True:
            job, case = await self.jobs.get()
            if self.soak.stopping:
                continue
            try:
                if job == "propose" or await self.claim(member, case):
                    await self.propose(member, case)
            except CANNOT_GO_ON as error:
                self.soak.note_problem(f"staff: {job} {case.number}: could not act: {error!r}")

    async def claim(self, member: FakeUser, case: SoakCase) -> bool:
        await asyncio.sleep(self.think)
        if self.soak.stopping:
            return False
        assert case.customer is not None and case.card_id is not None
        action = self.soak.act(
            "staff", "staff: claim",
            lambda: member.press_button(case.card_id, f"s:{case.case_id}:claim", chat=self.group),
            {("case", case.number, "🙋"): 1, ("chat", case.customer.chat_id, "accepted"): 1},
        )
        await action.done
        if not action.timed_out:
            self.soak.counts["claimed"] += 1
        return not action.timed_out and not self.soak.stopping

    async def propose(self, member: FakeUser, case: SoakCase) -> None:
        await asyncio.sleep(self.think)
        if self.soak.stopping:
            return
        assert case.customer is not None and case.card_id is not None
        asked = self.soak.act(
            "staff", "staff: propose button",
            lambda: member.press_button(case.card_id, f"s:{case.case_id}:propose", chat=self.group),
            {("case", case.number, "prompt"): 1},
        )
        await asked.done
        if asked.timed_out or self.soak.stopping:
            return
        prompt = asked.messages[0]
        await asyncio.sleep(self.think)
        text = self.rng.choice(PROPOSALS)
        sent = self.soak.act(
            "staff", "staff: proposal text",
            lambda: member.send_text_in(self.group, text, reply_to_message_id=prompt["message_id"],
                                        message_thread_id=case.thread_id),
            {("case", case.number, "✓"): 1, ("chat", case.customer.chat_id, "proposal"): 1},
        )
        await sent.done
        if not sent.timed_out:
            self.soak.counts["proposed"] += 1
