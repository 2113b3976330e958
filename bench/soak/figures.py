"""The soak's figures, from the load's records and the ledger."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from bench.launcher import MIB
from bench.soak.ledger import Action, Ledger
from bench.soak.load import Soak
from bench.throughput import _round, spread

CASE_COUNTS = ("filed", "repeats", "claimed", "proposed", "accepted", "rejected", "rated", "withdrawn")


def load_figures(soak: Soak) -> dict[str, Any]:
    finished = soak.ledger.finished
    answered = [a for a in finished if a.first_at is not None and not a.timed_out]
    by_actor = {actor: sorted((a.first_at - a.sent_at) * 1000 for a in answered if a.actor == actor)
                for actor in ("customer", "staff")}
    window = None
    if answered:
        window = max(a.last_at for a in answered) - soak.started_at
    lags = sorted(lag * 1000 for lag in soak.send_lags)
    return {
        "load_s": _round(soak.sending_ended_at - soak.started_at, 1),
        "drain_s": _round(soak.drained_at - soak.sending_ended_at, 1),
        "rss_half_time_mib": round(soak.rss_half_time / MIB, 1),
        "customer_actions": soak.updates_sent["customer"],
        "staff_actions": soak.updates_sent["staff"],
        "updates_sent": sum(soak.updates_sent.values()),
        "updates_answered": len(answered),
        "achieved_updates_per_s": _round(len(answered) / window if window else None, 1),
        "latency_ms": {actor: latency_summary(values) for actor, values in by_actor.items()},
        "steps": step_table(answered),
        "timed_out_actions": sum(a.timed_out for a in finished),
        "send_lag_ms": spread(lags, (99,)),
        "waited_for_customer": soak.waited_for_customer,
        "customers_retired": sum(c.retired for c in soak.customers.values()),
        "cases": {k: soak.counts[k] for k in CASE_COUNTS},
        "customer_chats": scope_figures(soak.ledger, "chat"),
        "group_threads": scope_figures(soak.ledger, "case"),
        "harness_problems": dict(soak.problems.most_common(10)),
        "harness_problem_count": sum(soak.problems.values()),
        "ledger_notes": {"missing": soak.ledger.missing_keys(), "unexpected": soak.ledger.unexpected_keys()},
    }


def scope_figures(ledger: Ledger, scope: str) -> dict[str, int]:
    return {
        "expected": sum(n for k, n in ledger.expected.items() if k[0] == scope),
        "received": sum(n for k, n in ledger.received.items() if k[0] == scope),
        "lost": ledger.missing(scope),
        "late": ledger.late_count(scope),
        "duplicated": ledger.duplicated(scope),
    }


def latency_summary(ordered: list[float]) -> dict[str, float | None]:
    return {"count": len(ordered), **spread(ordered)}


def step_table(answered: list[Action]) -> dict[str, dict[str, float | None]]:
    by_step: dict[str, list[float]] = defaultdict(list)
    for action in answered:
        by_step[action.name].append((action.first_at - action.sent_at) * 1000)
    return {name: latency_summary(sorted(values)) for name, values in sorted(by_step.items())}
