"""Entry point of ``python -m bench.soak``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.launcher import run_benchmark
from bench.soak.options import parse_args
from bench.soak.report import print_plan, report
from bench.soak.run import run_soak


async def soak_and_report(args: argparse.Namespace, workdir: Path) -> bool:
    print_plan(args)
    figures = await run_soak(args, workdir)
    notes = figures.pop("ledger_notes", {})
    return report(args, figures, notes)


def main(argv: list[str] | None = None) -> int:
    return run_benchmark(parse_args(argv), soak_and_report, name="soak", temp_prefix="kesu-soak-",
                         temp_contents="log and database")


if __name__ == "__main__":
    sys.exit(main())
