"""A deployment with a handler group and staff of every role, and a quick way to file a case."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


def setup_staffed(server: FakeTelegramServer, tmp_path: Path, forum: bool, **config: str) -> Staffed:
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
        f"directors = [{director.id}]\n" + extra,
        encoding="utf-8",
    )
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'kesu.db'}"
    bot = BotProcess(tmp_path, bot_env(server.base_url, database_url, HANDLER_CHAT_ID=str(group.id)))
    return Staffed(server, bot, database_url, group, agent, agent2, supervisor, director, no_role, outsider)


async def file_complaint(talk: Conversation, statement: str, category: str = "Product quality", photos: int = 0) -> str:
    """Files a case as an English-speaking customer would, quickly; returns the case number."""
    first = await talk.send("/new", replies=2)
    category_prompt = first[-1]
    await talk.press(category_prompt, category)
    [progress] = await talk.send(statement)
    for n in range(photos):
        [progress] = await talk.act(lambda n=n: talk.user.send_photo(caption=f"evidence {n}"))
    await talk.press(progress, "Done" if talk.user.language_code == "en" else "完成")
    await talk.send("skip")
    _saved, summary = await talk.send("skip", replies=2)
    [resolution] = await talk.send("confirm")
    [note] = await talk.send("refund")
    [submitted] = await talk.send("submit")
    number = submitted["text"].split("filed as ")[1].split(".")[0] if "filed as" in submitted["text"] else submitted["text"].split("编号为 ")[1].split("。")[0]
    return number
