"""Workspace users and their browser sessions.

Passwords are hashed with argon2id (argon2-cffi's defaults: memory-hard, salted, parameters kept in
the hash so they can be raised later; :func:`verify` re-hashes on the next login when they were).
A session cookie holds 32 random bytes; the database keeps only their SHA-256, so a copy of the
table signs nobody in. Each session carries its own CSRF token (see :mod:`lockstep.ui.security`).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, insert, select, update

from lockstep.errors import ConfigError
from lockstep.serve import audit
from lockstep.serve.database import now_us
from lockstep.serve.schema import organisations, ui_sessions, users

ROLES = ("viewer", "analyst", "admin")
MIN_PASSWORD = 12
SESSION_HOURS = 12
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
_hasher = PasswordHasher()  # argon2id
#: verified against when the user does not exist, so a wrong name costs as long as a wrong password
_DUMMY = _hasher.hash(secrets.token_hex(16))


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    organisation_id: int
    organisation: str
    pseudonym_key: bytes | None

    def may(self, role: str) -> bool:
        """Whether this user holds ``role`` or a higher one."""
        return ROLES.index(self.role) >= ROLES.index(role)


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ConfigError(f"A password needs at least {MIN_PASSWORD} characters (got {len(password)}). "
                          "Use a passphrase of several words.")


def add_user(engine: Engine, username: str, organisation: str, role: str, password: str,
             actor: str | None = None) -> dict[str, Any]:
    """Create a user of ``organisation`` (which must exist: `lockstep admin org add`)."""
    if not _USERNAME.match(username):
        raise ConfigError(f"A username is 1-100 letters, digits or . _ @ - (starting with a letter or digit). "
                          f"Got {username!r}.")
    if role not in ROLES:
        raise ConfigError(f"The role must be one of {', '.join(ROLES)}. Got {role!r}.")
    check_password(password)
    with engine.begin() as conn:
        oid = conn.execute(select(organisations.c.id).where(organisations.c.name == organisation)).scalar()
        if oid is None:
            raise ConfigError(f"Unknown organisation {organisation!r}. Add it with `lockstep admin org add NAME`.")
        if conn.execute(select(users.c.id).where(users.c.username == username)).scalar() is not None:
            raise ConfigError(f"The user {username!r} already exists (see `lockstep admin user list`).")
        uid = conn.execute(insert(users).values(
            username=username, organisation_id=oid, role=role, password_hash=_hasher.hash(password),
            created_us=now_us())).inserted_primary_key[0]  # type: ignore[index]
        audit.record(conn, action="admin.user.add", outcome="ok", organisation=organisation, actor=actor,
                     target=f"{username} ({role})")
    return {"id": int(uid), "username": username, "organisation": organisation, "role": role}


def list_users(engine: Engine) -> list[dict[str, Any]]:
    q = (select(users.c.id, users.c.username, users.c.role, organisations.c.name.label("organisation"),
                users.c.created_us, users.c.disabled_us)
         .join(organisations, organisations.c.id == users.c.organisation_id).order_by(users.c.username))
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def _user_query() -> Any:
    return (select(users.c.id, users.c.username, users.c.role, users.c.organisation_id, users.c.password_hash,
                   users.c.disabled_us, organisations.c.name, organisations.c.pseudonym_key)
            .join(organisations, organisations.c.id == users.c.organisation_id))


def _user(r: Any) -> User:
    key = bytes.fromhex(r.pseudonym_key) if r.pseudonym_key else None
    return User(id=int(r.id), username=r.username, role=r.role, organisation_id=int(r.organisation_id),
                organisation=r.name, pseudonym_key=key)


def authenticate(engine: Engine, username: str, password: str) -> User | None:
    """The user when the password is right and the account enabled, else None (in the same time)."""
    with engine.connect() as conn:
        r = conn.execute(_user_query().where(users.c.username == username)).first()
    try:
        _hasher.verify(r.password_hash if r is not None else _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return None
    if r is None or r.disabled_us is not None:
        return None
    if _hasher.check_needs_rehash(r.password_hash):
        with engine.begin() as conn:
            conn.execute(update(users).where(users.c.id == r.id).values(password_hash=_hasher.hash(password)))
    return _user(r)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(engine: Engine, user: User, hours: int = SESSION_HOURS) -> tuple[str, str]:
    """(cookie token, CSRF token) of a new session."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = now_us()
    with engine.begin() as conn:
        conn.execute(delete(ui_sessions).where(ui_sessions.c.expires_us < now))
        conn.execute(insert(ui_sessions).values(token_hash=_digest(token), user_id=user.id, csrf=csrf,
                                                created_us=now, expires_us=now + hours * 3_600_000_000))
    return token, csrf


def session_user(engine: Engine, token: str | None) -> tuple[User, str] | None:
    """(user, CSRF token) of a live session, or None."""
    if not token or len(token) > 100:
        return None
    q = (_user_query().add_columns(ui_sessions.c.csrf, ui_sessions.c.expires_us)
         .join(ui_sessions, ui_sessions.c.user_id == users.c.id)
         .where(ui_sessions.c.token_hash == _digest(token)))
    with engine.connect() as conn:
        r = conn.execute(q).first()
    if r is None or r.expires_us < now_us() or r.disabled_us is not None:
        return None
    return _user(r), r.csrf


def end_session(engine: Engine, token: str | None) -> None:
    if token:
        with engine.begin() as conn:
            conn.execute(delete(ui_sessions).where(ui_sessions.c.token_hash == _digest(token)))


def set_pseudonymize(engine: Engine, organisation: str, on: bool, actor: str | None = None) -> bool:
    """Turn the workspace's pseudonymization on or off for an organisation's users. On keeps a key that
    is already set (pseudonyms stay the same); off forgets it, so on again gives new pseudonyms."""
    with engine.begin() as conn:
        r = conn.execute(select(organisations.c.id, organisations.c.pseudonym_key)
                         .where(organisations.c.name == organisation)).first()
        if r is None:
            raise ConfigError(f"Unknown organisation {organisation!r}. Add it with `lockstep admin org add NAME`.")
        key = (r.pseudonym_key or secrets.token_hex(32)) if on else None
        conn.execute(update(organisations).where(organisations.c.id == r.id).values(pseudonym_key=key))
        audit.record(conn, action="admin.org.pseudonymize", outcome="ok", organisation=organisation,
                     actor=actor, target="on" if on else "off")
    return on
