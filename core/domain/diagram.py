"""Mermaid diagrams generated from the transitions tables, so the README cannot drift.

    python -m core.domain.diagram            print the intake diagram
    python -m core.domain.diagram --write    refresh it in README.md
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Iterable

from core.domain.intake import TRANSITIONS, Step
from core.domain.machines import sources_of

README = Path(__file__).resolve().parents[2] / "README.md"
BEGIN, END = "<!-- intake-diagram:begin -->", "<!-- intake-diagram:end -->"


def mermaid(transitions: Iterable[dict[str, Any]], initial: Step) -> str:
    lines = ["stateDiagram-v2", f"    [*] --> {initial.value}"]
    for row in transitions:
        sources = sources_of(row)
        conditions = row.get("conditions", [])
        conditions = [conditions] if isinstance(conditions, str) else conditions
        label = row["trigger"] + (f" [{', '.join(conditions)}]" if conditions else "")
        for source in sources:
            lines.append(f"    {source.value} --> {row['dest'].value}: {label}")
    lines += [f"    {Step.SUBMITTED.value} --> [*]", f"    {Step.CANCELLED.value} --> [*]"]
    return "\n".join(lines)


def intake_block() -> str:
    return f"{BEGIN}\n```mermaid\n{mermaid(TRANSITIONS, Step.CATEGORY)}\n```\n{END}"


def write_readme(path: Path = README) -> None:
    text = path.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    path.write_text(text[:start] + intake_block() + text[end:], encoding="utf-8")


if __name__ == "__main__":
    if "--write" in sys.argv:
        write_readme()
    else:
        print(mermaid(TRANSITIONS, Step.CATEGORY))
