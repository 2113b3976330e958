"""Printing the soak's plan, figures and problems, and the JSON line for comparing runs."""
from __future__ import annotations

import argparse
import json
from typing import Any

from bench.soak.customers import CUSTOMER_MIN_GAP_SECONDS
from bench.soak.run import SEND_LIMITS
from bench.throughput import _fmt, print_logs, run_identity


def print_plan(args: argparse.Namespace) -> None:
    gap = args.customers / args.rate
    print(f"Soak: {args.customers} customers and {args.staff} staff for {args.minutes:g} min; offered "
          f"{args.rate:g} customer actions/s (each customer about every {gap:.1f} s, at most one unanswered "
          f"action each); staff think {args.staff_think:g} s; reply timeout {args.reply_timeout:g} s.")
    print(f"Kesu sending limits raised: global {SEND_LIMITS['SEND_GLOBAL_PER_SECOND']}/s, per chat "
          f"{SEND_LIMITS['SEND_PER_CHAT_PER_SECOND']}/s, per group {SEND_LIMITS['SEND_PER_GROUP_PER_MINUTE']}/min. "
          f"SQLite database, LOG_LEVEL=INFO.")
    if gap < CUSTOMER_MIN_GAP_SECONDS:
        print(f"WARNING: customers/rate = {gap:.1f} s is below the {CUSTOMER_MIN_GAP_SECONDS} s pause each customer "
              f"keeps; the offered rate cannot be reached.")
    print(flush=True)


def error_count(f: dict[str, Any]) -> int:
    log = f["log"]
    return (log["error_lines"] + log["update_outcomes"].get("error", 0) + sum(f["failed_api_calls"].values())
            + sum(f["refused_buttons"].values()) + f["unanswered_buttons"] + f["harness_problem_count"]
            + f["timed_out_actions"])


def lost_or_duplicated(f: dict[str, Any]) -> int:
    return sum(f[scope][k] for scope in ("customer_chats", "group_threads") for k in ("lost", "late", "duplicated"))


def print_figures(f: dict[str, Any]) -> None:
    cust, staff, log = f["latency_ms"]["customer"], f["latency_ms"]["staff"], f["log"]
    lag, cases = f["send_lag_ms"], f["cases"]
    rows = [
        ("load / drain duration s", f"{_fmt(f['load_s'])} / {_fmt(f['drain_s'])}"),
        ("customer actions sent", f["customer_actions"]),
        ("staff actions sent", f["staff_actions"]),
        ("updates sent", f["updates_sent"]),
        ("updates answered in time", f["updates_answered"]),
        ("achieved updates/s", f["achieved_updates_per_s"]),
        ("customer latency p50/p90/p99/max ms", "/".join(_fmt(cust[k]) for k in ("p50", "p90", "p99", "max"))),
        ("staff latency p50/p90/p99/max ms", "/".join(_fmt(staff[k]) for k in ("p50", "p90", "p99", "max"))),
        ("bot RSS start / half time MiB", f"{_fmt(f['rss_start_mib'])} / {_fmt(f['rss_half_time_mib'])}"),
        ("bot RSS peak / end MiB", f"{_fmt(f['rss_peak_mib'])} / {_fmt(f['rss_end_mib'])}"),
        ("bot CPU % (of one core)", f["bot_cpu_percent"]),
        ("harness CPU %", f["harness_cpu_percent"]),
        ("send lag p99 / max ms", f"{_fmt(lag['p99'])} / {_fmt(lag['max'])}"),
        ("sends that waited for a customer", f["waited_for_customer"]),
        ("cases filed/claimed/proposed", "/".join(str(cases[k]) for k in ("filed", "claimed", "proposed"))),
        ("proposals accepted/rejected, rated", f"{cases['accepted']}/{cases['rejected']}, {cases['rated']}"),
        ("cases withdrawn", cases["withdrawn"]),
        ("repeat complaints filed", cases["repeats"]),
        ("ERROR log lines", log["error_lines"]),
        ("updates failed (outcome error)", log["update_outcomes"].get("error", 0)),
        ("non-2xx API answers", sum(f["failed_api_calls"].values())),
        ("buttons refused / unanswered", f"{sum(f['refused_buttons'].values())} / {f['unanswered_buttons']}"),
        ("unexpected replies (harness)", f["harness_problem_count"]),
        ("actions timed out", f["timed_out_actions"]),
        ("customers retired", f["customers_retired"]),
        ("updates never confirmed", f["unconfirmed_updates"]),
    ]
    for scope, label in (("customer_chats", "customer chats"), ("group_threads", "group threads")):
        s = f[scope]
        rows.append((f"{label}: expected / received", f"{s['expected']:,} / {s['received']:,}"))
        rows.append((f"{label}: lost / late / duplicated", f"{s['lost']} / {s['late']} / {s['duplicated']}"))
    rows.append(("bot exit code", f["exit_code"]))
    for label, value in rows:
        print(f"{label:38}{_fmt(value):>24}")


def print_steps(f: dict[str, Any]) -> None:
    print(f"{'step':30}{'count':>8}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for name, s in f["steps"].items():
        print(f"{name:30}{s['count']:>8,}{_fmt(s['p50']):>10}{_fmt(s['p99']):>10}{_fmt(s['max']):>10}")


def print_problems(f: dict[str, Any], ledger_notes: dict[str, list[str]]) -> None:
    for title, items in (("non-2xx API answers", f["failed_api_calls"]), ("buttons refused", f["refused_buttons"]),
                         ("unexpected replies", f["harness_problems"])):
        for text, count in items.items():
            print(f"{title}: {count:>5} x {text}")
    for title, keys in ledger_notes.items():
        if keys:
            print(f"{title}: {', '.join(keys)}")


def report(args: argparse.Namespace, f: dict[str, Any], ledger_notes: dict[str, list[str]]) -> bool:
    print()
    print_figures(f)
    print()
    print_steps(f)
    print()
    print_logs({"kesu": f})
    print_problems(f, ledger_notes)
    errors, broken = error_count(f), lost_or_duplicated(f)
    ok = errors == 0 and broken == 0
    summary = {
        **run_identity("soak"),
        "customers": args.customers,
        "staff": args.staff,
        "minutes": args.minutes,
        "rate": args.rate,
        "reply_timeout_s": args.reply_timeout,
        "seed": args.seed,
        "ok": ok,
        "errors": errors,
        "lost_late_or_duplicated": broken,
        **{k: v for k, v in f.items() if k not in ("log", "steps")},
        "update_outcomes": f["log"]["update_outcomes"],
        "update_ms": f["log"]["update_ms"],
    }
    print()
    if not ok:
        print(f"FAILED: {broken} messages lost, late or duplicated; {errors} errors (see above).")
    print(json.dumps(summary, ensure_ascii=False, separators=(",", ":")), flush=True)
    return ok
