"""Signing in and out. The login form is protected by a double-submit CSRF token (no session exists
yet), failed attempts are rate-limited, and every attempt is audited."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lockstep.serve import audit
from lockstep.ui import security, users
from lockstep.ui.deps import engine, form, remote, render, settings, user

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host, no '//'), so the login cannot redirect away."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/"


def _cookie_args(request: Request) -> dict[str, object]:
    return {"httponly": True, "samesite": "strict", "secure": settings(request).secure_cookies, "path": "/"}


def _login_form(request: Request, error: str | None = None, status: int = 200, retry: int = 0) -> Response:
    token = request.cookies.get(security.LOGIN_CSRF_COOKIE) or security.new_token()
    resp = render(request, "login.html.j2", {"login_csrf": token, "error": error,
                                             "next": _safe_next(request.query_params.get("next"))}, status=status)
    resp.set_cookie(security.LOGIN_CSRF_COOKIE, token, max_age=3600, **_cookie_args(request))  # type: ignore[arg-type]
    if retry:
        resp.headers["Retry-After"] = str(retry)
    return resp


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return _login_form(request)


@router.post("/login")
async def login(request: Request) -> Response:
    data = await request.form()
    values = {k: v for k, v in data.items() if isinstance(v, str)}
    if not security.same_token(values.get(security.CSRF_FIELD), request.cookies.get(security.LOGIN_CSRF_COOKIE)):
        return _login_form(request, "The form's security token was missing or out of date; try again.", 403)
    name, password, where = values.get("username", "").strip()[:100], values.get("password", ""), remote(request)
    limiter: security.LoginLimiter = request.app.state.login_limiter
    wait = limiter.retry_after(name, where)
    if wait:
        audit.record(engine(request), action="ui.login", outcome="limited", actor=name, remote=where)
        return _login_form(request, f"Too many failed sign-ins. Try again in {wait // 60 + 1} minute(s).", 429, wait)
    found = users.authenticate(engine(request), name, password)
    if found is None:
        limiter.failed(name, where)
        audit.record(engine(request), action="ui.login", outcome="denied", actor=name, remote=where)
        return _login_form(request, "Wrong username or password.", 401)
    limiter.succeeded(name, where)
    token, _ = users.start_session(engine(request), found, settings(request).session_hours)
    audit.record(engine(request), action="ui.login", outcome="ok", organisation=found.organisation,
                 actor=found.username, remote=where)
    resp = RedirectResponse(_safe_next(values.get("next")), status_code=303)
    resp.set_cookie(security.SESSION_COOKIE, token, max_age=settings(request).session_hours * 3600,
                    **_cookie_args(request))  # type: ignore[arg-type]
    resp.delete_cookie(security.LOGIN_CSRF_COOKIE, path="/")
    return resp


@router.post("/logout")
async def logout(request: Request, u: users.User = Depends(user)) -> Response:
    await form(request)
    users.end_session(engine(request), request.cookies.get(security.SESSION_COOKIE))
    audit.record(engine(request), action="ui.logout", outcome="ok", organisation=u.organisation, actor=u.username,
                 remote=remote(request))
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(security.SESSION_COOKIE, path="/")
    return resp
