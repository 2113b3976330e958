"""How long each stage of a case may take, when staff are reminded, and how a late case
climbs the escalation tiers (docs/process.md §3–§4).

Two kinds of stage have deadlines. In the staff stages (received, accepted,
investigating, resolved) the deadline is the staff's: at `remind_at` of it they are
reminded, at the deadline the case breaches and goes one tier up, and it keeps breaching
along the ladder while it stays late. In the customer stages the wait is the customer's:
an unanswered proposal is recalled once and then closed, and a resolved case gets its
follow-up message. A customer's silence never escalates anything.

`SlaTable` is the `[sla]` table of the deployment file; `sla_from_mapping` reads one on
its own, with the same key-path errors as core.domain.deployment.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum, StrEnum
from itertools import islice
from types import MappingProxyType
from typing import Annotated, Any

from pydantic import Field, PlainValidator, model_validator

from core.domain.business_calendar import WORKING_DAYS, BusinessCalendar, Duration
from core.domain.config_errors import Table, error_at, say, type_name, validated
from core.domain.lifecycle import Severity, Stage
from core.domain.staff import Role

__all__ = [
    "CUSTOMER_STAGES",
    "CatchUp",
    "DeadlineKind",
    "SEVERITIES",
    "STAFF_STAGES",
    "STAGES_WITH_DEADLINES",
    "TOP_TIER",
    "SlaPolicy",
    "SlaTable",
    "default_sla",
    "scaled",
    "sla_from_mapping",
    "tier_after_breaches",
]

SEVERITIES: tuple[Severity, ...] = tuple(Severity)
# The staff must act before these deadlines; they are set per severity.
STAFF_STAGES = (Stage.RECEIVED, Stage.ACCEPTED, Stage.INVESTIGATING, Stage.RESOLVED)
# The customer's turn: the wait does not depend on severity and is never a breach.
CUSTOMER_STAGES = (Stage.SOLUTION_PROPOSED, Stage.FOLLOW_UP)
STAGES_WITH_DEADLINES = tuple(s for s in Stage if s in STAFF_STAGES or s in CUSTOMER_STAGES)
# A case's whole life, for the row of the overall limit, which no stage change ends.
WHOLE_CASE = "open"


class DeadlineKind(StrEnum):
    """What a deadline row stands for (stored in deadlines.kind: never rename)."""

    REMIND = "remind"  # staff: 75 % of the stage's deadline
    BREACH = "breach"  # staff: the deadline itself; the case climbs a tier
    CUSTOMER_REMIND = "customer_remind"  # a proposal the customer has not answered
    CLOSE_UNANSWERED = "close_unanswered"  # ... closes the case after the wait
    FOLLOW_UP = "follow_up"  # ask whether the problem stayed solved
    OVERALL = "overall"  # the whole case's limit

TOP_TIER = int(Role.DIRECTOR)
# A case left alone for weeks climbs no higher than the top; the cap keeps a misconfigured
# minute-long ladder from walking its breaches for long.
_MAX_BREACH_STEPS = 10_000


def tier_after_breaches(start_tier: int, breaches: int) -> int:
    """Each breach moves a case one tier up; the top tier is only told again."""
    return min(start_tier + max(breaches, 0), TOP_TIER)


@dataclass(frozen=True)
class CatchUp:
    missed: int  # breaches that fell due by now, the one being acted on included
    breach_no: int  # the number of the last of them
    tier: int  # the tier they lead to
    next_breach_at: datetime | None  # planned from now


@dataclass(frozen=True, kw_only=True)
class SlaPolicy:
    # (severity, stage) -> how long the stage may take, for every severity x STAFF_STAGES.
    deadlines: Mapping[tuple[str, str], Duration]
    remind_at: float = 0.75
    # Waits between successive breaches of an urgent case after its first one.
    escalation_ladder_urgent: tuple[Duration, ...]
    proposal_reminder_after: Duration
    proposal_close_after: Duration
    follow_up_after: Duration
    # How long the follow-up question stays open before the case closes as it is.
    follow_up_close_after: Duration
    overall_limit: Duration
    # General and major cases: how long the tier a late case reached has before it goes
    # up again, and how often the top tier hears again while the case stays late.
    escalated_deadline: Duration
    top_tier_repeat: Duration
    # Once the customer was told a case is late, further breaches of the same stretch are
    # told at most this often (a new stage, a new owner or a proposal starts a new stretch).
    late_notice_interval: Duration
    urgent_late_notice_interval: Duration

    def __post_init__(self) -> None:
        expected = {(severity, stage) for severity in SEVERITIES for stage in STAFF_STAGES}
        missing = expected - set(self.deadlines)
        extra = set(self.deadlines) - expected
        if missing or extra:
            raise ValueError(
                f"SLA deadlines must cover every severity and staff stage exactly "
                f"(missing {sorted(missing)}, unexpected {sorted(extra)})"
            )
        if isinstance(self.remind_at, bool) or not isinstance(self.remind_at, (int, float)) or not 0 < self.remind_at < 1:
            raise ValueError(f"remind_at must be a fraction between 0 and 1, not {self.remind_at!r}")
        if not self.escalation_ladder_urgent:
            raise ValueError("The urgent escalation ladder needs at least one step")
        durations = [
            *self.deadlines.values(), *self.escalation_ladder_urgent, self.proposal_reminder_after,
            self.proposal_close_after, self.follow_up_after, self.follow_up_close_after, self.overall_limit,
            self.escalated_deadline, self.top_tier_repeat, self.late_notice_interval, self.urgent_late_notice_interval,
        ]
        for duration in durations:
            if not isinstance(duration, Duration):
                raise ValueError(f"Expected a Duration, got {duration!r}")
            # A zero step would make a late case breach again and again at the same instant.
            if duration.amount <= 0:
                raise ValueError(f"SLA durations must be longer than zero, not {duration}")
        if _surely_not_shorter(self.proposal_reminder_after, self.proposal_close_after):
            raise ValueError(
                f"The proposal reminder ({self.proposal_reminder_after}) must come before "
                f"the proposal closes ({self.proposal_close_after})"
            )
        # Read-only copies: a shared policy must not change under a running sweep.
        object.__setattr__(self, "deadlines", MappingProxyType(dict(self.deadlines)))
        object.__setattr__(self, "escalation_ladder_urgent", tuple(self.escalation_ladder_urgent))

    def __hash__(self) -> int:
        return hash((
            tuple(sorted(self.deadlines.items())), self.remind_at, self.escalation_ladder_urgent,
            self.proposal_reminder_after, self.proposal_close_after, self.follow_up_after,
            self.follow_up_close_after, self.overall_limit, self.escalated_deadline, self.top_tier_repeat,
            self.late_notice_interval, self.urgent_late_notice_interval,
        ))

    # -- lengths ---------------------------------------------------------------------------

    def deadline(self, severity: str, stage: str) -> Duration | None:
        """How long `stage` may take; None for a stage without a deadline (closed, ...)."""
        severity, stage = _severity(severity), _plain(stage)
        if stage == Stage.SOLUTION_PROPOSED:
            return self.proposal_close_after
        if stage == Stage.FOLLOW_UP:
            return self.follow_up_after
        if stage in STAFF_STAGES:
            return self.deadlines[(severity, stage)]
        return None

    def wait_after_breach(self, severity: str, stage: str, breaches: int, tier: int) -> Duration | None:
        """How long a case has after its `breaches`-th breach (>= 1) of `stage`, which left
        it at `tier`: the tier's own deadline, never just "one more hour". Urgent cases
        follow the short ladder, whose last step repeats. None where nothing escalates."""
        severity, stage = _severity(severity), _plain(stage)
        if breaches < 1:
            raise ValueError(f"a wait follows a breach; breaches must be >= 1, not {breaches}")
        if stage not in STAFF_STAGES:
            return None
        if severity == Severity.URGENT:
            ladder = self.escalation_ladder_urgent
            return ladder[min(breaches - 1, len(ladder) - 1)]
        return self.top_tier_repeat if tier >= TOP_TIER else self.escalated_deadline

    def late_notice_every(self, severity: str) -> Duration:
        return self.urgent_late_notice_interval if _severity(severity) == Severity.URGENT else self.late_notice_interval

    # -- instants --------------------------------------------------------------------------

    def due(self, calendar: BusinessCalendar, severity: str, stage: str, entered_at: datetime) -> datetime | None:
        """When `stage`, entered at `entered_at`, is late (a customer stage: when it
        closes unanswered or the follow-up is sent). Aware UTC."""
        duration = self.deadline(severity, stage)
        return None if duration is None else calendar.add(entered_at, duration)

    def reminder_time(
        self, calendar: BusinessCalendar, severity: str, stage: str, entered_at: datetime
    ) -> datetime | None:
        """When staff are reminded: after `remind_at` of the deadline, measured in the
        deadline's own time (business time for business hours and working days). None
        for customer stages and stages without a deadline."""
        severity, stage = _severity(severity), _plain(stage)
        if stage not in STAFF_STAGES:
            return None
        return _after_fraction(calendar, entered_at, self.deadlines[(severity, stage)], self.remind_at)

    def customer_reminder_time(self, calendar: BusinessCalendar, stage: str, entered_at: datetime) -> datetime | None:
        """When the customer is reminded of an unanswered proposal; None in other stages."""
        if _plain(stage) != Stage.SOLUTION_PROPOSED:
            return None
        return calendar.add(entered_at, self.proposal_reminder_after)

    def breach_times(
        self, calendar: BusinessCalendar, severity: str, stage: str, entered_at: datetime, count: int, start_tier: int = 1
    ) -> tuple[datetime, ...]:
        """The first `count` breach instants of a stage that is never left, for a case that
        entered it at `start_tier` and is acted on the moment each breach falls due."""
        first = self.due(calendar, severity, stage, entered_at)
        if first is None or stage not in STAFF_STAGES or count <= 0:
            return ()
        return tuple(at for at, _, _ in islice(self._breaches_from(calendar, severity, stage, first, 1, start_tier), count))

    def catch_up(
        self, calendar: BusinessCalendar, severity: str, stage: str, breach_at: datetime, breach_no: int, tier: int,
        now: datetime,
    ) -> "CatchUp":
        """Acting at `now` on the breach that fell due at `breach_at`: how many breaches the
        case has had by now (the bot may have been down for days), the tier it has reached,
        and when it breaches next, planned from now: nothing missed is replayed."""
        chain = islice(self._breaches_from(calendar, severity, stage, breach_at, breach_no, tier), _MAX_BREACH_STEPS)
        _, last_no, reached = next(chain)  # the breach acted on counts, however late
        for at, number, tier_then in chain:
            if at > now:
                break
            last_no, reached = number, tier_then
        wait = self.wait_after_breach(severity, stage, last_no, reached)
        return CatchUp(last_no - breach_no + 1, last_no, reached, calendar.add(now, wait) if wait else None)

    def promise_after(
        self, calendar: BusinessCalendar, severity: str, stage: str, catch_up: "CatchUp", now: datetime
    ) -> datetime | None:
        """The time named to a customer told now that the case is late: the first planned
        breach at which they will be told again, so every promise is kept by a message."""
        if catch_up.next_breach_at is None:
            return None
        quiet_until = calendar.add(now, self.late_notice_every(severity))
        at = catch_up.next_breach_at
        chain = self._breaches_from(calendar, severity, stage, at, catch_up.breach_no + 1, catch_up.tier)
        for at, _, _ in islice(chain, _MAX_BREACH_STEPS):
            if at >= quiet_until:
                break
        return at

    def _breaches_from(
        self, calendar: BusinessCalendar, severity: str, stage: str, at: datetime, breach_no: int, tier_before: int
    ) -> Iterator[tuple[datetime, int, int]]:
        """Breach `breach_no` at `at`, which moves a case from `tier_before` one tier up, and
        every later breach of a stage that is never left: (when, its number, the tier it
        leaves the case at). Ends where nothing escalates (a customer stage)."""
        tier = tier_after_breaches(tier_before, 1)
        while True:
            yield at, breach_no, tier
            wait = self.wait_after_breach(severity, stage, breach_no, tier)
            if wait is None:
                return
            at, breach_no, tier = calendar.add(at, wait), breach_no + 1, tier_after_breaches(tier, 1)

    def overall_due(self, calendar: BusinessCalendar, filed_at: datetime) -> datetime:
        """When the whole case should be closed (001 county art. 11), counted from filing:
        stricter than the policy's count from acceptance, which comes later."""
        return calendar.add(filed_at, self.overall_limit)


def _plain(value: str) -> str:
    # Stage and severity may come as str-valued Enum members; messages and keys use the value.
    return value.value if isinstance(value, Enum) else value


def _severity(severity: str) -> str:
    severity = _plain(severity)
    # A typo here would silently give no deadline at all.
    if severity not in SEVERITIES:
        raise ValueError(f"Unknown severity {severity!r}; expected one of {', '.join(SEVERITIES)}")
    return severity


def _surely_not_shorter(a: Duration, b: Duration) -> bool:
    # Different units only compare on a given calendar, so only same-unit pairs are checked.
    return a.unit == b.unit and a.amount >= b.amount


def scaled(duration: Duration, fraction: float) -> Duration:
    """`fraction` of a duration, in the same unit. Working days are refused: a fraction
    of one is business hours, and how many depends on the calendar's working hours."""
    if duration.unit == WORKING_DAYS:
        raise ValueError("A fraction of working days depends on the calendar's working hours")
    return Duration(duration.amount * fraction, duration.unit)


def _after_fraction(calendar: BusinessCalendar, start: datetime, duration: Duration, fraction: float) -> datetime:
    if duration.unit == WORKING_DAYS:
        # The working-day deadline's open time, so a reminder never lands on a day off.
        span = calendar.business_hours_between(start, calendar.add(start, duration))
        return calendar.add_business_hours(start, span * fraction)
    return calendar.add(start, scaled(duration, fraction))


# --- defaults (docs/process.md §3–§4) ------------------------------------------------------------

def _d(text: str) -> Duration:
    return Duration.parse(text)


_DEFAULT_DEADLINES: dict[tuple[Severity, Stage], Duration] = {
    # received: first response within 1 hour (004 §7.1.1 "初步响应 1 小时内"), in business
    # time; urgent 15 minutes of clock time (001 mall: the team leader has 15 minutes).
    (Severity.GENERAL, Stage.RECEIVED): _d("1 business hour"),
    (Severity.MAJOR, Stage.RECEIVED): _d("1 business hour"),
    (Severity.URGENT, Stage.RECEIVED): _d("15 minutes"),
    # accepted: the case reaches the handling department within 1 working day (000 第二节
    # 6.2.1), well inside the 2 working days for initial handling (6.2.2); urgent 30
    # minutes (001 mall: a handling opinion within 30 minutes).
    (Severity.GENERAL, Stage.ACCEPTED): _d("1 working day"),
    (Severity.MAJOR, Stage.ACCEPTED): _d("1 working day"),
    (Severity.URGENT, Stage.ACCEPTED): _d("30 minutes"),
    # investigating: a solution for an ordinary complaint within 24 hours, a complex one
    # within 3 working days (003 三.3); 000 6.2.3's 5 working days is the outer bound.
    # Urgent: 4 hours of clock time; no seed gives a figure (002 leaves it blank), so it
    # is a sixth of the general 24 hours and stays on clock time like the earlier stages.
    (Severity.GENERAL, Stage.INVESTIGATING): _d("24 hours"),
    (Severity.MAJOR, Stage.INVESTIGATING): _d("3 working days"),
    (Severity.URGENT, Stage.INVESTIGATING): _d("4 hours"),
    # resolved: the result is given within 2 working days of the investigation (000 5.1,
    # 6.2.4); the only figure in the seeds, so it applies to every severity.
    (Severity.GENERAL, Stage.RESOLVED): _d("2 working days"),
    (Severity.MAJOR, Stage.RESOLVED): _d("2 working days"),
    (Severity.URGENT, Stage.RESOLVED): _d("2 working days"),
}

_DEFAULT = SlaPolicy(
    deadlines=_DEFAULT_DEADLINES,
    # docs/process.md §4: staff are reminded at 75 % of a deadline.
    remind_at=0.75,
    # 001 mall: 15 min -> 30 min -> 1 h. After a new urgent case's 15-minute deadline
    # the next breaches come 15 and 30 minutes later, i.e. at 30 min (tier 3) and 1 h
    # after filing, then hourly while it stays unanswered.
    escalation_ladder_urgent=(_d("15 minutes"), _d("30 minutes"), _d("60 minutes")),
    # docs/process.md §3 leaves both waits to configuration; no seed gives a figure.
    proposal_reminder_after=_d("2 working days"),
    proposal_close_after=_d("5 working days"),
    # 000 ch. 4 item 6.1 asks for a follow-up visit without a figure; a week lets the remedy show.
    follow_up_after=_d("7 calendar days"),
    # No seed gives a figure; the same wait as an unanswered proposal.
    follow_up_close_after=_d("5 working days"),
    # 001 county art. 11: handled within 30 working days of acceptance.
    overall_limit=_d("30 working days"),
    # No seed gives a figure. A tier that takes over a late case gets a working day to
    # act, and the top tier is called again each working day while the case stays late.
    escalated_deadline=_d("1 working day"),
    top_tier_repeat=_d("1 working day"),
    # A late case's customer hears of it at most once a working day (urgent: hourly),
    # always with a time at which they will hear again (001 call-centre art. 10).
    late_notice_interval=_d("1 working day"),
    urgent_late_notice_interval=_d("60 minutes"),
)


def default_sla() -> SlaPolicy:
    return _DEFAULT


# --- the [sla] table ------------------------------------------------------------------------

# Where a customer-stage wait is set instead, for a helpful error.
_CUSTOMER_STAGE_KEYS = {Stage.SOLUTION_PROPOSED: "proposal_close_after", Stage.FOLLOW_UP: "follow_up_after"}
_BETWEEN = "must be between 0 and 1 (exclusive), got {input}"


def _duration(value: Any) -> Duration:
    if not isinstance(value, str):
        raise ValueError(f"expected a duration such as \"2 working days\", got {type_name(value)}")
    duration = Duration.parse(value)
    if duration.amount <= 0:
        raise ValueError(f"must be longer than zero, got {value!r}")
    return duration


_Duration = Annotated[Duration, PlainValidator(_duration)]


class _Stages(Table):
    """[sla.<severity>]: the staff stages' deadlines; a stage left out keeps its default."""

    received: _Duration | None = None
    accepted: _Duration | None = None
    investigating: _Duration | None = None
    resolved: _Duration | None = None

    @model_validator(mode="before")
    @classmethod
    def _not_a_customer_stage(cls, data: Any) -> Any:
        for stage in data if isinstance(data, dict) else ():
            if stage in _CUSTOMER_STAGE_KEYS:
                problem = "this wait is on the customer's side and the same for every severity: set {mention} instead"
                raise error_at((stage,), problem, mention=("..", _CUSTOMER_STAGE_KEYS[stage]))
        return data


class SlaTable(Table):
    """The [sla] table of the deployment file; every key defaults to default_sla()'s value."""

    remind_at: Annotated[float, Field(gt=0, lt=1), say(
        float_type="expected a number between 0 and 1, got {type}", greater_than=_BETWEEN, less_than=_BETWEEN,
    )] = _DEFAULT.remind_at
    urgent_ladder: Annotated[list[_Duration], Field(min_length=1), say(
        list_type="expected an array of durations, got {type}", too_short="at least one step is required",
    )] = list(_DEFAULT.escalation_ladder_urgent)
    proposal_reminder_after: _Duration = _DEFAULT.proposal_reminder_after
    proposal_close_after: _Duration = _DEFAULT.proposal_close_after
    follow_up_after: _Duration = _DEFAULT.follow_up_after
    follow_up_close_after: _Duration = _DEFAULT.follow_up_close_after
    overall_limit: _Duration = _DEFAULT.overall_limit
    escalated_deadline: _Duration = _DEFAULT.escalated_deadline
    top_tier_repeat: _Duration = _DEFAULT.top_tier_repeat
    late_notice_interval: _Duration = _DEFAULT.late_notice_interval
    urgent_late_notice_interval: _Duration = _DEFAULT.urgent_late_notice_interval
    general: _Stages = _Stages()
    major: _Stages = _Stages()
    urgent: _Stages = _Stages()

    @model_validator(mode="after")
    def _reminder_before_closing(self) -> SlaTable:
        if _surely_not_shorter(self.proposal_reminder_after, self.proposal_close_after):
            # The key the file sets is the one to fix.
            key = "proposal_reminder_after" if "proposal_reminder_after" in self.model_fields_set else "proposal_close_after"
            raise error_at((key,), f"the proposal reminder ({self.proposal_reminder_after}) must come before the "
                                   f"proposal closes ({self.proposal_close_after})")
        return self

    def policy(self) -> SlaPolicy:
        values = dict(self)
        deadlines = dict(_DEFAULT.deadlines)
        for severity in SEVERITIES:
            deadlines.update({(severity, stage): wait for stage, wait in values.pop(severity) if wait is not None})
        return SlaPolicy(deadlines=deadlines, escalation_ladder_urgent=tuple(values.pop("urgent_ladder")), **values)


def sla_from_mapping(table: Mapping[str, Any], path: str = "sla") -> SlaPolicy:
    """Builds a policy from the parsed `[sla]` table. Every key is optional; unknown keys,
    unreadable durations and impossible values raise DeploymentConfigError naming the key."""
    return validated(SlaTable, table, path).policy()
