"""The aiohttp application that serves the Bot API, file downloads and the control API."""
from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from . import methods_chats, methods_files, methods_messages, methods_topics, methods_updates  # noqa: F401
from .bot_membership import BotMembershipMixin
from .control import setup_control
from .errors import ApiError, not_found, too_many_requests, unauthorized
from .faults import Fault, FaultsMixin
from .flood import FloodControl, is_limited
from .methods_files import download_response
from .params import Params, normalize, read_request
from .registry import METHODS, Ctx
from .state import Call, ServerState
from .waiting import WaitingMixin


def _json(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


def _chat_of(params: dict[str, Any]) -> int | None:
    try:
        return int(params.get("chat_id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None  # an @username: only the overall limit applies


class FakeTelegramServer(ServerState, WaitingMixin, FaultsMixin, BotMembershipMixin):
    """A fake Bot API server bound to 127.0.0.1; see the package docstring for usage."""

    def __init__(self, token: str = "123456:TEST-TOKEN", bot_username: str = "kesu_test_bot", *,
                 strict_html_ampersand: bool = True, real_limits: bool = False):
        ServerState.__init__(self, token, bot_username, strict_html_ampersand)
        self._init_faults()
        # Telegram's flood limits (flood.py); off by default so most tests may send fast.
        self.flood: FloodControl | None = FloodControl() if real_limits else None
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()
        self.host = "127.0.0.1"
        self.port: int | None = None

    def set_real_limits(self, enabled: bool = True) -> None:
        self.flood = FloodControl() if enabled else None

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("server not started")
        return f"http://{self.host}:{self.port}"

    async def start(self, port: int = 0, host: str = "127.0.0.1",
                    more_routes: Callable[[web.Application], None] | None = None) -> FakeTelegramServer:
        """`more_routes` adds an application's own routes beside the Bot API and the control API (a demo page)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        setup_control(app, self)
        if more_routes is not None:
            more_routes(app)
        # handler_cancellation: a client that hangs up (e.g. a stopped bot) must not keep a long poll alive.
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.host = host
        self.port = self._runner.addresses[0][1]
        self.closing = False
        self._stopping = asyncio.Event()
        return self

    async def stop(self) -> None:
        self.closing = True
        self._stopping.set()
        for account in self.bots.values():
            if account.webhook is not None:
                await account.webhook.stop()
        self.notify()  # lets pending long polls return at once
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegramServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _handle_file(self, request: web.Request) -> web.Response:
        return download_response(self, request.match_info["token"], request.match_info["path"])

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        token, name = request.match_info["token"], request.match_info["method"]
        call = Call(name, {}, time.monotonic(), token)
        self.calls.append(call)
        try:
            raw, uploads = await read_request(request)
            call.params = {**normalize(raw),
                           **{k: f"<upload {u.filename!r}, {len(u.data)} bytes>" for k, u in uploads.items()}}
            self.notify()  # waiters may count calls that are still pending (long polls)
            bot = self.bots.get(token)
            if bot is None or self.unauthorized:
                raise unauthorized()
            fault = self.take_fault(name, call.params)
            if fault is not None:
                return await self._apply_fault(fault, request, call)
            if self.flood is not None and is_limited(name):
                retry_after = self.flood.admit(_chat_of(call.params))
                if retry_after is not None:
                    raise too_many_requests(retry_after)
            handler = METHODS.get(name.lower())
            if handler is None:
                raise not_found()
            result = await handler(Ctx(self, bot, Params(raw, uploads)))
        except ApiError as exc:
            call.outcome = f"{exc.error_code}: {exc.description}"
            self.notify()
            return _json(exc.body(), exc.error_code)
        call.outcome = "ok"
        self.notify()
        return _json({"ok": True, "result": result})

    async def _apply_fault(self, fault: Fault, request: web.Request, call: Call) -> web.StreamResponse:
        if fault.kind == "429":
            raise too_many_requests(fault.retry_after)
        if fault.kind.isdigit():
            raise ApiError(*fault.body())
        call.outcome = fault.kind
        self.notify()
        if fault.kind == "timeout":
            try:
                await asyncio.wait_for(self._stopping.wait(), fault.hold)
            except TimeoutError:
                pass
        # Hang up without answering; the client sees a dropped connection.
        if request.transport is not None:
            request.transport.abort()
        raise asyncio.CancelledError
