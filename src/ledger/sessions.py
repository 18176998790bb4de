"""Web sessions (网页登录会话): what signing in to the pages leaves in the browser and on the server.

Signing in with a token makes a random session id. The browser keeps the id in a cookie, never the
token; the server keeps only the id's sha256, bound to the token, with its principal and times. A session
ends when it has been idle too long, when it reaches its lifetime, when its reader signs out, and when its
token is revoked. Forms carry a CSRF token derived from the session id, so only a page the server sent
to that browser can submit them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from ledger.errors import LedgerError
from ledger.tokens import Principal, token_hash

COOKIE = "ledger_session"
IDLE = dt.timedelta(hours=2)  # a lunch break or a long meeting; not an afternoon left signed in
LIFETIME = dt.timedelta(hours=12)  # one working day, however busy: every morning starts with a sign-in
IDLE_VARIABLE = "LEDGER_SESSION_IDLE_SECONDS"
LIFETIME_VARIABLE = "LEDGER_SESSION_LIFETIME_SECONDS"


@dataclass(frozen=True)
class Lifetimes:
    """How long a session lasts: `idle` since it was last used, `lifetime` since it was made."""

    idle: dt.timedelta = IDLE
    lifetime: dt.timedelta = LIFETIME

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Lifetimes:
        return cls(
            seconds(environ, IDLE_VARIABLE, IDLE),
            seconds(environ, LIFETIME_VARIABLE, LIFETIME),
        )

    def ends_at(self, created: dt.datetime) -> dt.datetime:
        return created + self.lifetime

    def ended(self, session: Session, now: dt.datetime) -> bool:
        return now >= session.expires_at or now >= session.seen_at + self.idle

    def refresh_due(self, session: Session, now: dt.datetime) -> bool:
        """Whether to write down that the session was used: at most every eighth of the idle time (and
        at least every 5 minutes), so that reading pages is not a write each time."""
        return now - session.seen_at >= min(self.idle / 8, dt.timedelta(minutes=5))


@dataclass(frozen=True)
class Session:
    principal: Principal
    created_at: dt.datetime
    seen_at: dt.datetime
    expires_at: dt.datetime


def seconds(environ: Mapping[str, str], name: str, default: dt.timedelta) -> dt.timedelta:
    text = environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0 or value > 366 * 86400:
        wanted = "应为 1 年以内的正秒数 (positive seconds, at most a year)"
        raise LedgerError(f"环境变量 {name} {wanted}：{text!r}")
    return dt.timedelta(seconds=value)


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def session_hash(session_id: str) -> str:
    """What the server keeps of a session id (its sha256, as of a token)."""
    return token_hash(session_id)


def csrf_token(session_id: str) -> str:
    """The CSRF token of a session's forms: keyed by the session id, so it cannot be made without the
    cookie, and the id cannot be learnt from it."""
    return hmac.new(session_id.encode("utf-8", "surrogatepass"), b"ledger csrf", hashlib.sha256).hexdigest()


def new_login_token() -> str:
    """The CSRF token of the sign-in form, which has no session yet (kept in a cookie beside the form)."""
    return secrets.token_urlsafe(32)


def same_token(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode())


def stamp(moment: dt.datetime) -> str:
    """A UTC time as the side tables store it (as `utc_now` writes it, so stamps sort as times do)."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_stamp(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
