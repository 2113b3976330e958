"""The demo page and its few routes of its own, beside the fake server's control API.

GET  /                       the page (static/index.html); /static/... its scripts, styles and catalogs
GET  /api/state              the desk: group, staff, customers, the bot's clock, whether the bot is up
POST /api/customers          {"language_code"}: a new customer
POST /api/clock              {"hours": n} or {"working_days": 1}: the bot's clock moves forward
POST /api/reset              {"group_locale"?}: a fresh database and fake server, the bot restarted

What people do (type, press, share, upload) goes to /control/users/{id}/{action}, and what the
chats show comes from /control/stream.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from demo.launcher import Demo

STATIC = Path(__file__).resolve().parent / "static"
MAX_CLOCK_HOURS = 24 * 31


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    body = await request.json()
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="a JSON object expected")
    return body


def setup_web(app: web.Application, demo: Demo) -> None:
    async def index(request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    async def state(request: web.Request) -> web.Response:
        return web.json_response(demo.state())

    async def new_customer(request: web.Request) -> web.Response:
        body = await _body(request)
        try:
            customer = demo.desk.new_customer(str(body.get("language_code", "zh-hans")))
        except ValueError as exc:
            raise web.HTTPBadRequest(text=str(exc)) from None
        return web.json_response({"id": customer.id, "state": demo.state()})

    async def clock(request: web.Request) -> web.Response:
        body = await _body(request)
        if body.get("working_days") == 1:
            demo.clock.advance_working_day()
        else:
            hours = body.get("hours")
            if not isinstance(hours, (int, float)) or isinstance(hours, bool) or not 0 < hours <= MAX_CLOCK_HOURS:
                raise web.HTTPBadRequest(text=f"hours: a number above 0 and at most {MAX_CLOCK_HOURS}")
            demo.clock.advance_hours(hours)
        return web.json_response(demo.state())

    async def reset(request: web.Request) -> web.Response:
        body = await _body(request)
        try:
            await demo.reset(body.get("group_locale"))
        except ValueError as exc:
            raise web.HTTPBadRequest(text=str(exc)) from None
        return web.json_response(demo.state())

    app.router.add_get("/", index)
    app.router.add_static("/static/", STATIC, append_version=False)
    app.router.add_get("/api/state", state)
    app.router.add_post("/api/customers", new_customer)
    app.router.add_post("/api/clock", clock)
    app.router.add_post("/api/reset", reset)
