"""Mermaid diagrams generated from the transitions tables, so the README cannot drift.

    python -m core.domain.diagram            print both diagrams
    python -m core.domain.diagram --write    refresh them in README.md
"""
from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Any, Iterable

from core.domain import intake, lifecycle
from core.domain.machines import sources_of

README = Path(__file__).resolve().parents[2] / "README.md"


def mermaid(transitions: Iterable[dict[str, Any]], initial: Enum, finals: Iterable[Enum] = ()) -> str:
    lines = ["stateDiagram-v2", f"    [*] --> {initial.value}"]
    for row in transitions:
        sources = sources_of(row)
        conditions = row.get("conditions", [])
        conditions = [conditions] if isinstance(conditions, str) else conditions
        label = row["trigger"] + (f" [{', '.join(conditions)}]" if conditions else "")
        for source in sources:
            lines.append(f"    {source.value} --> {row['dest'].value}: {label}")
    lines += [f"    {final.value} --> [*]" for final in finals]
    return "\n".join(lines)


def _block(name: str, diagram: str) -> str:
    return f"<!-- {name}-diagram:begin -->\n```mermaid\n{diagram}\n```\n<!-- {name}-diagram:end -->"


def intake_block() -> str:
    return _block("intake", mermaid(intake.TRANSITIONS, intake.Step.CATEGORY, (intake.Step.SUBMITTED, intake.Step.CANCELLED)))


def lifecycle_block() -> str:
    # Rejected is left out of the finals: an appeal can still lead out of it.
    finals = [stage for stage in lifecycle.FINAL_STAGES if stage != lifecycle.Stage.REJECTED]
    return _block("lifecycle", mermaid(lifecycle.TRANSITIONS, lifecycle.Stage.RECEIVED, finals))


def write_readme(path: Path = README) -> None:
    text = path.read_text(encoding="utf-8")
    for name, block in (("intake", intake_block()), ("lifecycle", lifecycle_block())):
        begin, end = f"<!-- {name}-diagram:begin -->", f"<!-- {name}-diagram:end -->"
        start, stop = text.index(begin), text.index(end) + len(end)
        text = text[:start] + block + text[stop:]
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    if "--write" in sys.argv:
        write_readme()
    else:
        print(intake_block(), lifecycle_block(), sep="\n\n")
