"""A deployment with a handler group and staff of every role, and a quick way to file a case."""
from __future__ import annotations

import sqlite3
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator

from fake_telegram import FakeTelegramServer
from tests.e2e.conversation import Conversation
from tests.e2e.harness import BotProcess, bot_env


@dataclass
class Staffed:
    server: FakeTelegramServer
    bot: BotProcess
    database_url: str
    group: Any
    agent: Any
    agent2: Any
    supervisor: Any
    director: Any
    no_role: Any
    outsider: Any  # has a role in the file but is not in the group

    @property
    def group_id(self) -> int:
        return self.group.id

    def group_messages(self) -> list[dict[str, Any]]:
        return self.server.bot_messages(self.group_id)


def setup_staffed(
    server: FakeTelegramServer, tmp_path: Path, forum: bool, env: dict[str, str] | None = None, sections: str = "", **config: str
) -> Staffed:
    """`config`: more [staff] keys; `sections`: more TOML tables after it."""
    agent = server.create_user(first_name="Agent Ann", language_code="zh-cn")
    agent2 = server.create_user(first_name="Agent Bo", language_code="en")
    supervisor = server.create_user(first_name="Sup Sun", language_code="zh-cn")
    director = server.create_user(first_name="Dir Du", language_code="zh-tw")
    no_role = server.create_user(first_name="Intern", language_code="en")
    outsider = server.create_user(first_name="Former", language_code="en")
    group = server.create_group(
        title="Complaints desk",
        forum=forum,
        members={agent: "member", agent2: "member", supervisor: "administrator", director: "member", no_role: "member"},
    )
    extra = "".join(f"{key} = {value}\n" for key, value in config.items())
    (tmp_path / "kesu.toml").write_text(
        "[staff]\n"
        f"agents = [{agent.id}, {agent2.id}, {outsider.id}]\n"
        f"supervisors = [{supervisor.id}]\n"
        f"directors = [{director.id}]\n" + extra + sections,
        encoding="utf-8",
    )
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'kesu.db'}"
    bot = BotProcess(tmp_path, bot_env(server.base_url, database_url, HANDLER_CHAT_ID=str(group.id), **(env or {})))
    return Staffed(server, bot, database_url, group, agent, agent2, supervisor, director, no_role, outsider)


@asynccontextmanager
async def running(desk: Staffed) -> AsyncIterator[Staffed]:
    """The desk's bot started and polling; stopped afterwards."""
    desk.bot.start()
    try:
        # Generous: importing aiogram alone takes seconds of CPU, far more on a busy machine.
        await desk.server.wait_for(lambda: any(c[0] == "getUpdates" for c in desk.server.calls), timeout=90)
        yield desk
    finally:
        await desk.bot.stop_async()


async def file_complaint(
    talk: Conversation, statement: str, category: str = "Product quality", photos: int = 0, timeout: float = 15.0
) -> str:
    """Files a case as an English-speaking customer would, quickly; returns the case number.
    `timeout` bounds each step."""
    first = await talk.send("/new", replies=2, timeout=timeout)
    category_prompt = first[-1]
    await talk.press(category_prompt, category, timeout=timeout)
    [progress] = await talk.send(statement, timeout=timeout)
    for n in range(photos):
        [progress] = await talk.act(lambda n=n: talk.user.send_photo(caption=f"evidence {n}"), timeout=timeout)
    await talk.press(progress, "Done" if talk.user.language_code == "en" else "完成", timeout=timeout)
    await talk.send("skip", timeout=timeout)
    _saved, summary = await talk.send("skip", replies=2, timeout=timeout)
    [resolution] = await talk.send("confirm", timeout=timeout)
    [note] = await talk.send("refund", timeout=timeout)
    [submitted] = await talk.send("submit", timeout=timeout)
    number = submitted["text"].split("filed as ")[1].split(".")[0] if "filed as" in submitted["text"] else submitted["text"].split("编号为 ")[1].split("。")[0]
    return number


def database_path(desk: Staffed) -> str:
    return desk.database_url.split("///", 1)[1]


def query(desk: Staffed, sql: str, *args: object) -> list[tuple]:
    """Rows from the desk's database as the bot left them (waits out another writer's lock)."""
    with sqlite3.connect(database_path(desk), timeout=30) as connection:
        return connection.execute(sql, args).fetchall()


def query_dicts(desk: Staffed, sql: str, *args: object) -> list[dict[str, Any]]:
    with sqlite3.connect(database_path(desk), timeout=30) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute(sql, args)]


def case_row(desk: Staffed, number: str) -> dict:
    [case] = query_dicts(desk, "SELECT * FROM cases WHERE number = ?", number)
    return case


async def wait_linked(desk: Staffed, message: dict) -> None:
    """Until the bot has recorded its group message as part of a case. A person replies
    seconds after a prompt appears; a test replies at once, so it waits for this first."""
    def linked() -> bool:
        return bool(query(desk, "SELECT 1 FROM case_links WHERE chat_id = ? AND message_id = ?", desk.group_id, message["message_id"]))

    await desk.server.wait_for(linked, timeout=15)


def staff_post(desk: Staffed, staff, text: str, case: dict, card: dict):
    """A staff message in the case's thread: in its topic (forum) or as a reply to the card."""
    if desk.group.forum:
        return staff.send_text_in(desk.group, text, message_thread_id=case["thread_id"])
    return staff.send_text_in(desk.group, text, reply_to_message_id=card["message_id"])


async def filed_case(desk: Staffed, language_code: str = "en", statement: str = "The kettle arrived broken, the lid is cracked.", photos: int = 0):
    server = desk.server
    customer = server.create_user(first_name="Cust", language_code="en")
    talk = Conversation(server, customer)
    number = await file_complaint(talk, statement, photos=photos)
    await server.wait_for(lambda: any(number in (m.get("text") or "") and m.get("reply_markup") for m in desk.group_messages()))
    card = next(m for m in desk.group_messages() if number in (m.get("text") or "") and m.get("reply_markup"))
    if language_code != "en":
        # The customer switches language after filing: replies follow their current script.
        customer.language_code = language_code
        [menu] = await talk.send("/language")
        await talk.press(menu, {"zh-hk": "繁體中文", "zh-cn": "简体中文"}[language_code])
    return customer, talk, number, card
