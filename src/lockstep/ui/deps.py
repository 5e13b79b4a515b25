"""What every workspace request needs: the signed-in user, the template environment, rendering
with the store (or, while a writer holds it, from the page cache), and the CSRF check of forms."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jinja2
from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine

from lockstep.ingest.normalize import defang, defang_text
from lockstep.report import html as report_html
from lockstep.share.pseudonymizer import Pseudonymizer
from lockstep.store import Store
from lockstep.ui import security, users
from lockstep.ui.settings import UiSettings
from lockstep.ui.storeview import PageCache, StoreBusy, reading, version
from lockstep.ui.verdicts import VERDICTS


class NeedLogin(Exception):
    """Raised by :func:`user`; answered with a redirect to the login page."""


def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("lockstep.ui", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]),
                             undefined=jinja2.StrictUndefined)
    env.filters.update(defang=defang, defang_text=defang_text)
    env.globals.update(confidence=report_html.confidence, offset_label=report_html.offset_label,
                       fmt_time=report_html.fmt_time, fmt_date=report_html.fmt_date, num=report_html.num,
                       verdict_names=VERDICTS, fmt_us=lambda us: time.strftime("%Y-%m-%d %H:%M:%S UTC",
                                                                                time.gmtime(us / 1e6)))
    return env


def engine(request: Request) -> Engine:
    return request.app.state.engine  # type: ignore[no-any-return]


def settings(request: Request) -> UiSettings:
    return request.app.state.settings  # type: ignore[no-any-return]


def user(request: Request) -> users.User:
    """The signed-in user (dependency); :class:`NeedLogin` without a live session."""
    found = users.session_user(engine(request), request.cookies.get(security.SESSION_COOKIE))
    if found is None:
        raise NeedLogin()
    request.state.user, request.state.csrf = found
    return found[0]


def require(u: users.User, role: str) -> None:
    if not u.may(role):
        raise HTTPException(403, f"Your role ({u.role}) may not do this; it needs {role} or higher.")


async def form(request: Request) -> dict[str, str]:
    """The posted form, after checking its CSRF token against the session's (403 without it)."""
    data = await request.form()
    values = {k: v for k, v in data.items() if isinstance(v, str)}
    if not security.same_token(values.get(security.CSRF_FIELD), getattr(request.state, "csrf", None)):
        raise HTTPException(403, "This form was refused: its security token is missing or out of date. "
                                 "Reload the page and send it again.")
    return values


def pseudonymizer(u: users.User) -> Pseudonymizer:
    return Pseudonymizer(u.pseudonym_key)


def remote(request: Request) -> str:
    return request.client.host if request.client else "-"


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    env: jinja2.Environment = request.app.state.templates
    u = getattr(request.state, "user", None)
    html = env.get_template(template).render(
        request=request, user=u, csrf=getattr(request.state, "csrf", ""), title=settings(request).title,
        notice=context.pop("notice", None), **context)
    return HTMLResponse(html, status_code=status)


def page(request: Request, template: str, build: Callable[[Store], dict[str, Any]],
         fresh: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> HTMLResponse:
    """Render ``template`` with what ``build`` reads from the store. While another process writes the
    store, answer with the last rendering of this address for this organisation, with a notice.
    ``fresh`` adds what never comes from the store (verdicts: the server database), to a new or a
    cached context alike, so a verdict recorded while the store is busy shows at once."""
    fresh = fresh or (lambda _: {})
    u: users.User = request.state.user
    key = (str(request.url.path), str(request.url.query), u.organisation_id)
    cache: PageCache = request.app.state.pages
    path = settings(request).db
    now = version(path)
    cached = cache.get(key)
    if cached is not None and cached[0] == now:  # the store has not changed since this was rendered
        return render(request, template, {**cached[2], **fresh(cached[2])})
    try:
        with reading(path) as store:
            context = build(store)
    except StoreBusy as exc:
        if cached is None:
            return render(request, "busy.html.j2", {"notice": f"{exc} This page has not been shown before, so "
                                                    "there is nothing to show until it finishes. Verdicts can "
                                                    "still be recorded."}, status=503)
        _, at, context = cached
        return render(request, template, {**context, **fresh(context), "notice": (
            f"{exc} Shown as it was at {time.strftime('%H:%M:%S UTC', time.gmtime(at))}; verdicts are still "
            "recorded (they are kept in the server database).")})
    cache.put(key, now, context)
    return render(request, template, {**context, **fresh(context)})
