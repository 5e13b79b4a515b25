"""Browser safety of the workspace: cookies, CSRF tokens, login rate limits, response headers.

- The session cookie is HttpOnly and SameSite=Strict, and Secure when the workspace is served over
  TLS (``lockstep ui --tls-cert``) or told it sits behind a TLS proxy (``--secure-cookies``).
- Every form carries a CSRF token: a signed-in session's own (``ui_sessions.csrf``); the login
  form, before any session exists, a random value that must match a cookie (double submit).
  A POST without the right token is refused (403) before it does anything.
- Failed logins are limited per username and client address and per address alone
  (:class:`LoginLimiter`); a limited login answers 429 without checking the password.
- Pages forbid framing and scripts from anywhere but the workspace itself (CSP).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import OrderedDict

SESSION_COOKIE = "lockstep_session"
LOGIN_CSRF_COOKIE = "lockstep_login_csrf"
CSRF_FIELD = "csrf_token"

#: inline styles are allowed for the charts' SVG (matplotlib writes style attributes); scripts are not
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def new_token() -> str:
    return secrets.token_urlsafe(32)


def same_token(sent: str | None, expected: str | None) -> bool:
    """Constant-time comparison; a missing or empty token never matches."""
    if not sent or not expected:
        return False
    return hmac.compare_digest(sent.encode(), expected.encode())


class LoginLimiter:
    """Failed logins allowed per (username, address) and per address within ``window_s``.

    Kept in the process: with several workers each limits on its own (docs/ui.md says so). At most
    ``max_keys`` keys are tracked, the oldest forgotten first."""

    def __init__(self, per_user: int = 5, per_address: int = 30, window_s: float = 900.0,
                 max_keys: int = 50_000) -> None:
        self.per_user, self.per_address, self.window_s, self.max_keys = per_user, per_address, window_s, max_keys
        self._fails: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> list[float]:
        times = [t for t in self._fails.get(key, []) if now - t < self.window_s]
        if times:
            self._fails[key] = times
        else:
            self._fails.pop(key, None)
        return times

    def retry_after(self, username: str, remote: str, now: float | None = None) -> int:
        """Seconds until a login for ``username`` from ``remote`` may be tried again (0: now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            waits = []
            for key, limit in ((f"u:{username.lower()}|{remote}", self.per_user), (f"a:{remote}", self.per_address)):
                times = self._recent(key, now)
                if len(times) >= limit:
                    waits.append(int(times[-limit] + self.window_s - now) + 1)
            return max(waits, default=0)

    def failed(self, username: str, remote: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            for key in (f"u:{username.lower()}|{remote}", f"a:{remote}"):
                self._fails.setdefault(key, []).append(now)
                self._fails.move_to_end(key)
            while len(self._fails) > self.max_keys:
                self._fails.popitem(last=False)

    def succeeded(self, username: str, remote: str) -> None:
        with self._lock:
            self._fails.pop(f"u:{username.lower()}|{remote}", None)
