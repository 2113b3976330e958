"""The soak's command-line options."""
from __future__ import annotations

import argparse

import bench.soak


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=bench.soak.__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=200, help="simulated customers (default 200)")
    parser.add_argument("--staff", type=int, default=5, help="staff in the handler group (default 5)")
    parser.add_argument("--minutes", type=float, default=10.0, help="minutes of load (default 10)")
    parser.add_argument("--rate", type=float, default=20.0,
                        help="offered customer actions per second, all customers together (default 20)")
    parser.add_argument("--staff-think", type=float, default=0.5,
                        help="seconds a staff member takes before each action (default 0.5)")
    parser.add_argument("--reply-timeout", type=float, default=30.0,
                        help="a message not there this many seconds after its action is lost (default 30)")
    parser.add_argument("--grace", type=float, default=2.0,
                        help="seconds to wait at the end for duplicates to show up (default 2)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the customers' and staff's choices (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir with the bot's log and database")
    args = parser.parse_args(argv)
    if min(args.customers, args.staff) < 1 or min(args.minutes, args.rate, args.reply_timeout) <= 0 \
            or min(args.staff_think, args.grace) < 0:
        parser.error("--customers, --staff, --minutes, --rate and --reply-timeout must be positive")
    return args
