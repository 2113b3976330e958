"""Composition root: settings -> storage -> dispatcher -> sender + polling. No work at import."""
from __future__ import annotations

import asyncio
import gc
from datetime import datetime, timezone
import logging
import signal
from typing import Awaitable, Iterable

from aiogram import Bot, Dispatcher
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramUnauthorizedError
from aiogram.types import BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats, User as TelegramUser
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.backoff import Backoff
from bot.deadline_worker import run_deadlines
from bot.telegram_session import BotSession
from bot.backlog_watch import BacklogWatch
from bot.desk_monitor import DeskMonitor
from bot.delivery.commands_menu import customer_commands
from bot.delivery.commands_menu import group_commands
from bot.delivery.lane_claims import LocalLanes, SharedLanes
from bot.delivery.limits import RateLimits, SendRateLimiter
from bot.delivery.shared_limits import SharedRateLimiter
from bot.delivery.sender import OutboxSender, RetryPolicy
from bot.handlers import commands, fallback, reports, staff
from bot.handlers import intake as intake_handlers
from bot.handlers import setup as setup_handlers
from bot.i18n import Catalogs, Renderer
from bot.inline_filters import run_filters_inline
from bot.middlewares.customer_gate import CustomerGate
from bot.middlewares.setup_probe import SetupProbe
from bot.middlewares.staff_gate import StaffGate
from bot.middlewares.transaction import HandlerName, UpdateTransaction
from bot.polling import InvalidToken, poll
from bot.reports.files import ReportFiles
from bot.settings import Settings
from bot.startup import EXIT_FAILED, StartupFailed, StartupWatchdog
from bot.webhook import serve_webhook
from core.clock import Clock, OffsetClock, SystemClock
from core.domain.abuse import AbuseConfig
from core.domain.business_calendar import BusinessCalendar
from core.domain.deployment import DeploymentConfig
from core.domain.lifecycle import Severity, Stage
from core.locale import SUPPORTED_LOCALES, command_scope_language
from core.services.housekeeping import prune_finished_outbox, prune_processed_updates
from core.services.intake import IntakeContext
from core.services.case_events import CaseEventHandlers
from core.services.desk_setup import staff_ids
from core.services.staff_desk import StaffDesk
from core.storage.db import check_connection, create_engine, session_factory
from core.storage.migrate import migrate
from core.storage.uow import UnitOfWork, UnitOfWorkFactory
from core.storage.wal_checkpoints import run_wal_checkpoints

log = logging.getLogger("kesu")

EXIT_CONFIG = 2


def running_calendar(region: str, zone: str, this_year: int) -> BusinessCalendar:
    """The business calendar a running desk uses. Years without official holiday data
    (later years, or this one before the lock is upgraded) are estimated by the holiday
    package's rules, with a warning: a desk that refused to start on New Year's Day would
    be worse than one whose holidays are estimated."""
    official = BusinessCalendar(region, zone).official_years()
    if this_year in official:
        return BusinessCalendar(region, zone, years=range(this_year, this_year + 1))
    log.warning(
        "no official holiday data for this year; estimating it until the holiday package is upgraded "
        "(python3 manage.py upgrade)",
        extra={"region": region, "year": this_year, "covered": f"{official.start}-{official.stop - 1}"},
    )
    return BusinessCalendar(region, zone, years=range(0))


def home_group(settings: Settings, deployment: DeploymentConfig) -> int | None:
    """HANDLER_CHAT_ID, or the first [routing] group when it is not set."""
    if settings.handler_chat_id is not None:
        return settings.handler_chat_id
    return deployment.routing.groups[0].chat_id if deployment.routing.groups else None


def case_services(
    settings: Settings, deployment: DeploymentConfig, is_forum: bool, forums: Iterable[int] = ()
) -> tuple[IntakeContext, StaffDesk]:
    calendar = running_calendar(settings.holiday_region, settings.timezone, datetime.now(timezone.utc).year)

    def first_response_due(filed_at: datetime) -> datetime:
        # A new case is general until staff judge otherwise.
        due = deployment.sla.due(calendar, Severity.GENERAL, Stage.RECEIVED, filed_at)
        assert due is not None
        return due

    desk = StaffDesk(
        home_group(settings, deployment), is_forum, deployment.staff, deployment.intake, deployment.sla, calendar, deployment.repeats,
        deployment.routing, frozenset(forums), posts_per_minute=settings.send_per_group_per_minute,
    )
    intake = IntakeContext(deployment.intake, settings.timezone, first_response_due, desk)
    return intake, desk


def build_dispatcher(
    settings: Settings,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    intake: IntakeContext,
    desk: StaffDesk,
    abuse: AbuseConfig = AbuseConfig(),
    monitor: DeskMonitor | None = None,
) -> Dispatcher:
    # Workflow data reaches handlers by parameter name ("intake", "desk").
    # Dialog state lives in the database (core/domain/intake.py), so aiogram's FSM would only cost time.
    dispatcher = Dispatcher(disable_fsm=True, intake=intake, desk=desk)
    # The membership check makes a network call, so it runs before the transaction opens.
    dispatcher.update.outer_middleware(StaffGate(desk.group_ids))
    # The Bot API questions /setup and /members need, before the transaction too.
    monitor = monitor or DeskMonitor(None, settings.handler_chat_id)
    monitor.desk = desk
    dispatcher.update.outer_middleware(SetupProbe(monitor))
    dispatcher.update.outer_middleware(UpdateTransaction(uow_factory, settings.default_locale, clock))
    dispatcher.update.outer_middleware(CustomerGate(abuse.messages_per_minute))
    for observer in (dispatcher.message, dispatcher.edited_message, dispatcher.callback_query):
        observer.middleware(HandlerName())
    dispatcher.include_router(setup_handlers.router)  # /id, /setup, /members and the bot's membership, in any chat: first

    # Fixed order; the catch-all comes last.
    dispatcher.include_routers(commands.router, intake_handlers.router, reports.router, staff.router, fallback.router)
    run_filters_inline(dispatcher)
    return dispatcher


def build_bot(settings: Settings) -> Bot:
    session = BotSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
    return Bot(settings.bot_token.get_secret_value(), session=session)


async def wait_for_bot_api(bot: Bot, settings: Settings, stop: asyncio.Event) -> TelegramUser | None:
    """getMe until it answers: an unreachable API is retried with backoff, a 401 is final."""
    backoff = Backoff(first=1.0, cap=60.0)
    while not stop.is_set():
        try:
            return await bot.get_me(request_timeout=15)
        except TelegramUnauthorizedError as error:
            raise InvalidToken(str(error)) from error
        except Exception as error:
            delay = backoff.next()
            log.warning(
                "cannot reach the Bot API; retrying",
                extra={"api": settings.telegram_api_base, "error": f"{type(error).__name__}: {error}", "retry_in_s": round(delay, 1)},
            )
            await backoff.wait(delay, stop)
    return None


async def register_commands(bot: Bot, renderer: Renderer, default_locale: str) -> None:
    for scope, commands in ((BotCommandScopeAllPrivateChats(), customer_commands), (BotCommandScopeAllGroupChats(), group_commands)):
        await bot.set_my_commands(commands(renderer, default_locale), scope=scope)
        for locale in SUPPORTED_LOCALES:
            language = command_scope_language(locale)
            if language:
                await bot.set_my_commands(commands(renderer, locale), scope=scope, language_code=language)


async def housekeeping(uow_factory: UnitOfWorkFactory, stop: asyncio.Event, every_seconds: float = 3600) -> None:
    while not stop.is_set():
        try:
            async with uow_factory() as uow:
                removed = await prune_processed_updates(uow)
            async with uow_factory() as uow:
                sent = await prune_finished_outbox(uow)
            if removed or sent:
                log.info("pruned bookkeeping rows", extra={"update_ids": removed, "outbox_rows": sent})
        except Exception:
            log.exception("housekeeping failed")
        await Backoff.wait(every_seconds, stop)


async def run(settings: Settings, deployment: DeploymentConfig, startup: StartupWatchdog, clock: Clock | None = None) -> int:
    """Run until SIGINT/SIGTERM; returns the process exit code. Each start-up step runs
    under `startup`, which ends the process if one does not finish in time."""
    clock = clock or (OffsetClock(settings.clock_offset_file) if settings.clock_offset_file else SystemClock())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    bot = build_bot(settings)
    engine: AsyncEngine | None = None
    checkpoints: asyncio.Task[None] | None = None
    try:
        with startup.step("database-connect"):
            engine = create_engine(settings.database_url)
            await check_connection(engine)
        with startup.step("database-migrations"):
            await migrate(engine)
        if engine.dialect.name == "sqlite":
            checkpoints = asyncio.create_task(run_wal_checkpoints(engine, stop), name="wal-checkpoints")
        sessions = session_factory(engine)
        with startup.step("catalogs"):
            renderer = Renderer(Catalogs(), settings.timezone)
        limits = RateLimits(
            per_chat_per_second=settings.send_per_chat_per_second,
            per_chat_burst=settings.send_per_chat_burst,
            per_group_per_minute=settings.send_per_group_per_minute,
            per_group_burst=settings.send_per_group_burst,
            global_per_second=settings.send_global_per_second,
            global_burst=settings.send_global_burst,
        )
        # Several instances: the budgets and the conversations being sent are shared in the database.
        lanes = SharedLanes(sessions) if settings.shared_database else LocalLanes()
        limiter = SharedRateLimiter(engine, limits, lanes=lanes) if settings.shared_database else SendRateLimiter(limits)
        sender: OutboxSender | None = None
        # Set once the desk is known; until then no step that publishes events runs.
        event_handlers: CaseEventHandlers | None = None

        def uow_factory() -> UnitOfWork:
            return UnitOfWork(sessions, clock, on_outbox_commit=sender.wake if sender else None, event_handlers=event_handlers)

        # Watches the handler group: at start, on the bot's membership changes, after a failed call.
        monitor = DeskMonitor(bot, home_group(settings, deployment), others=deployment.routing.chat_ids(None))
        sender = OutboxSender(
            bot,
            uow_factory,
            renderer,
            limiter,
            clock,
            RetryPolicy(max_attempts=settings.send_max_attempts, backoff_cap_seconds=settings.send_backoff_cap_seconds),
            on_final_failure=monitor.on_final_failure,
            lanes=lanes,
        )
        with startup.step("bot-identity", passes=(InvalidToken,)):
            me = await wait_for_bot_api(bot, settings, stop)
        if me is None:
            return 0
        with startup.step("handler-group"):
            # Reachable, the bot a member with the rights it needs: each problem is logged.
            handler_group = await monitor.check_at_start(me, staff_ids(deployment.staff))
        with startup.step("business-calendar"):
            intake, desk = case_services(settings, deployment, bool(handler_group and handler_group.is_forum), monitor.forums)
        event_handlers = CaseEventHandlers(desk)
        sender.serve_reports(ReportFiles(uow_factory, desk, renderer))
        monitor.desk, monitor.uow_factory = desk, uow_factory
        if settings.deadline_worker_only:
            sender = None  # the main process sends what this one commits
            startup.finish()
            log.info("running as a deadline worker only")
            await run_deadlines(uow_factory, desk, clock, stop, settings.deadline_poll_seconds, deployment.reports)
            return 0
        dispatcher = build_dispatcher(settings, uow_factory, clock, intake, desk, deployment.abuse, monitor)
        # Where the bot can still post in the handler group, one notice lists what is wrong.
        await monitor.announce_at_start(desk, uow_factory)
        log.info("connected to the Bot API", extra={"bot": me.username, "api": settings.telegram_api_base})
        if desk.chat_id is None:
            log.warning(
                "HANDLER_CHAT_ID is not set: complaints are stored but not routed to staff; add the bot to the staff "
                "group and it answers there with the line to put in .env (README: Set up your desk)"
            )
        # Both are cosmetic (polling works without them): a failure is a warning, but a call
        # that never answers still ends the start, like any other step.
        with startup.step("command-menus", passes=(InvalidToken,)):
            await cosmetic("could not register the command menu", register_commands(bot, renderer, settings.default_locale))
        if settings.webhook_url is None:
            with startup.step("webhook-removal", passes=(InvalidToken,)):
                await cosmetic("could not remove a webhook", bot.delete_webhook(drop_pending_updates=False))

        workers = [
            asyncio.create_task(sender.run(stop), name="outbox-sender"),
            asyncio.create_task(lanes.run(stop), name="outbox-lane-leases"),
            asyncio.create_task(housekeeping(uow_factory, stop), name="housekeeping"),
            asyncio.create_task(
                BacklogWatch(uow_factory, desk, clock, settings.send_per_group_per_minute, settings.backlog_notice_minutes)
                .run(stop, settings.backlog_check_seconds),
                name="backlog-watch",
            ),
            asyncio.create_task(run_deadlines(uow_factory, desk, clock, stop, settings.deadline_poll_seconds, deployment.reports), name="deadlines"),
        ]

        def serving() -> None:
            startup.done()
            startup.finish()

        # What start-up made (aiogram's hundreds of models, the catalogs, the calendar) lives as
        # long as the process: kept out of the garbage collector's scans, whose full passes
        # over it were pauses of a tenth of a second under load.
        gc.freeze()
        try:
            if settings.webhook_url is not None:
                assert settings.webhook_secret is not None  # the settings refuse a URL without one
                startup.begin("webhook-serving")
                await serve_webhook(
                    dispatcher, bot, stop, settings.webhook_url, settings.webhook_secret.get_secret_value(), settings.webhook_host,
                    settings.webhook_port, settings.webhook_max_connections, on_serving=serving,
                )
            else:
                # The first answer may take the whole long poll when nothing is waiting.
                startup.begin("first-getupdates", extra_seconds=settings.polling_timeout_seconds)
                await poll(dispatcher, bot, stop, settings.polling_timeout_seconds, settings.telegram_api_base, on_first_answer=serving)
        finally:
            stop.set()
            await asyncio.gather(*workers)
        return 0
    except InvalidToken:
        log.error("BOT_TOKEN was rejected by the Bot API (401 Unauthorized); check the token @BotFather gave you")
        return EXIT_CONFIG
    except StartupFailed:
        return EXIT_FAILED
    finally:
        await bot.session.close()
        if checkpoints is not None:
            checkpoints.cancel()
            await asyncio.gather(checkpoints, return_exceptions=True)
        if engine is not None:
            await engine.dispose()


async def cosmetic(warning: str, call: Awaitable[object]) -> None:
    try:
        await call
    except TelegramUnauthorizedError as error:
        raise InvalidToken(str(error)) from error
    except Exception as error:
        log.warning(warning, extra={"error": f"{type(error).__name__}: {error}"})
