"""Web sessions and CSRF: the pure rules, then a real `ledger serve` on SQLite and PostgreSQL driven over
HTTP as a browser would (the sign-in form, its cookies and the `Origin` a browser sends)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from ledger.api import create_app
from ledger.errors import LedgerError
from ledger.rulebooks import Catalogue
from ledger.services import Settings
from ledger.sessions import Lifetimes, Session, csrf_token, new_session_id
from ledger.store import Store, open_store
from ledger.store.sessions import Sessions
from ledger.store.tokens import Tokens
from ledger.tokens import Principal, new_token
from ledger.web import pages
from ledger.web.templating import PageRoute
from tests.serving import ROOT, Server, serving
from tests.signing import CSRF, login_form_token, sign_in

OFFICE = Principal("office-0", "office")
T0 = dt.datetime(2024, 3, 1, 8, 0, tzinfo=dt.UTC)


# --- the rules, pure ---------------------------------------------------------------------------


def test_a_session_ends_when_idle_too_long_or_at_its_lifetime() -> None:
    """A session lives while used within its idle time, and ends at its lifetime however busy."""
    rules = Lifetimes(idle=dt.timedelta(hours=2), lifetime=dt.timedelta(hours=12))
    made = Session(OFFICE, T0, T0, rules.ends_at(T0))
    assert not rules.ended(made, T0 + dt.timedelta(hours=1, minutes=59))
    assert rules.ended(made, T0 + dt.timedelta(hours=2))
    busy = Session(OFFICE, T0, T0 + dt.timedelta(hours=11, minutes=59), rules.ends_at(T0))
    assert not rules.ended(busy, T0 + dt.timedelta(hours=11, minutes=59, seconds=59))
    assert rules.ended(busy, T0 + dt.timedelta(hours=12))


def test_use_is_written_down_at_most_every_few_minutes() -> None:
    """Reading a page writes the session's last use only when an eighth of the idle time (at most five
    minutes) has passed since it was last written."""
    rules = Lifetimes(idle=dt.timedelta(hours=2))
    seen = Session(OFFICE, T0, T0, rules.ends_at(T0))
    assert not rules.refresh_due(seen, T0 + dt.timedelta(minutes=4, seconds=59))
    assert rules.refresh_due(seen, T0 + dt.timedelta(minutes=5))
    short = Lifetimes(idle=dt.timedelta(seconds=8))
    assert short.refresh_due(seen, T0 + dt.timedelta(seconds=1))
    assert not short.refresh_due(seen, T0 + dt.timedelta(seconds=0.9))


def test_a_csrf_token_belongs_to_its_session_alone() -> None:
    """Each session's CSRF token is its own, stable, and neither is the session id nor reveals it."""
    first, second = new_session_id(), new_session_id()
    assert first != second and len(first) >= 43
    assert csrf_token(first) == csrf_token(first) != csrf_token(second)
    assert first not in csrf_token(first) and csrf_token(first) != hashlib.sha256(first.encode()).hexdigest()


@pytest.mark.parametrize("value", ["0", "-5", "soon", "nan", "inf", "1e12"])
def test_bad_session_lifetimes_in_the_environment_are_named(value: str) -> None:
    """A session time that is not a positive number of seconds (up to a year) names the variable."""
    with pytest.raises(LedgerError, match="LEDGER_SESSION_IDLE_SECONDS"):
        Lifetimes.from_env({"LEDGER_SESSION_IDLE_SECONDS": value})
    assert Lifetimes.from_env({}) == Lifetimes()
    assert Lifetimes.from_env({"LEDGER_SESSION_LIFETIME_SECONDS": "90"}).lifetime == dt.timedelta(seconds=90)


# --- a served ledger, as a browser uses it -----------------------------------------------------


def browser(server: Server, origin: str | None = None) -> httpx.Client:
    """A client that keeps cookies and sends the `Origin` a browser sends with a page's form."""
    headers = {"Origin": origin or server.url}
    return httpx.Client(base_url=server.url, headers=headers, follow_redirects=False, timeout=60)


def reads(client: httpx.Client) -> int:
    return client.get("/rulebooks").status_code


def with_cookie(server: Server, value: str) -> httpx.Client:
    client = browser(server)
    client.cookies.set("ledger_session", value)
    return client


def ended(client: httpx.Client) -> bool:
    """Whether the client's session is over: a page sends it to sign in again, saying why."""
    answer = client.get("/rulebooks")
    if answer.status_code != 303:
        return False
    assert answer.headers["location"] == "/login?next=%2Frulebooks&expired=1"
    assert "登录已失效" in client.get(answer.headers["location"]).text
    return True


@contextmanager
def store_of(database_url: str) -> Iterator[Store]:
    catalogue = Catalogue.load()
    with open_store(database_url, catalogue.publications(), catalogue.items()) as store:
        yield store


def session_rows(database_url: str) -> list[dict[str, Any]]:
    with store_of(database_url) as store:
        if not store.has_table("ledger_sessions"):
            return []
        with store.transaction(commit=False) as c:
            c.execute(f"SELECT * FROM {store.qualify('ledger_sessions')} ORDER BY created_at")
            return [dict(row) for row in c.fetchall()]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_the_cookie_holds_a_session_id_and_the_database_only_its_hash(database_url: str) -> None:
    """Signing in sets a strict HttpOnly cookie holding a random session id, not the token; the database
    keeps only the id's sha256, bound to the token's hash."""
    with serving(database_url) as server, browser(server) as client:
        token = server.tokens["office"]
        answer = client.post("/login", data={"token": token, "csrf": login_form_token(client)})
        assert answer.status_code == 303
        cookie = answer.headers["set-cookie"]
        assert re.search(r"(?i)ledger_session=[^;]+;.*httponly", cookie)
        assert "samesite=strict" in cookie.lower() and "path=/" in cookie.lower()
        session_id = client.cookies["ledger_session"]
        assert session_id != token and token not in cookie and len(session_id) >= 43
        rows = session_rows(database_url)
        assert len(rows) == 1
        assert rows[0]["id_hash"] == sha256(session_id) and rows[0]["token_hash"] == sha256(token)
        assert (rows[0]["name"], rows[0]["role"]) == ("office-0", "office")
        stored = repr(rows)
        assert session_id not in stored and token not in stored
        print(f"cookie {len(session_id)} characters; row columns {sorted(rows[0])}")


def test_signing_out_ends_the_session_on_the_server(database_url: str) -> None:
    """After signing out (a POST with the page's CSRF token), the old cookie, replayed, gets the sign-in
    page: the session is gone from the database, not just from the browser."""
    with serving(database_url) as server, browser(server) as client:
        csrf = sign_in(client, server.tokens["auditor"])
        old = client.cookies["ledger_session"]
        answer = client.post("/logout", data={"csrf": csrf})
        assert answer.status_code == 303 and answer.headers["location"] == "/login"
        assert "ledger_session" not in client.cookies
        with with_cookie(server, old) as replay:
            assert ended(replay)
        assert session_rows(database_url) == []


def test_get_logout_offers_the_button_and_signs_no_one_out(database_url: str) -> None:
    """GET /logout (a link, a prefetch) is a page with the sign-out button; the session lives on."""
    with serving(database_url) as server, browser(server) as client:
        csrf = sign_in(client, server.tokens["office"])
        page = client.get("/logout")
        assert page.status_code == 200 and 'action="/logout"' in page.text and f'value="{csrf}"' in page.text
        assert "set-cookie" not in page.headers
        assert reads(client) == 200 and len(session_rows(database_url)) == 1


def test_revoking_a_token_ends_its_sessions(database_url: str) -> None:
    """`ledger token revoke` deletes every session of the token; a session whose token was revoked in the
    database some other way ends too, as each request checks that the token is live."""
    with serving(database_url) as server:
        office = [browser(server), browser(server)]
        auditor = browser(server)
        for client in office:
            sign_in(client, server.tokens["office"])
        sign_in(auditor, server.tokens["auditor"])
        revoke = subprocess.run(
            [sys.executable, "-m", "ledger", "token", "revoke", "office-0", "--db", database_url],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert revoke.returncode == 0 and "网页登录会话已结束" in revoke.stdout, revoke.stderr
        assert all(ended(client) for client in office)
        assert reads(auditor) == 200
        assert [row["name"] for row in session_rows(database_url)] == ["auditor-1"]
        with store_of(database_url) as store, store.transaction(commit=True) as c:
            c.execute(
                f"UPDATE {store.qualify('ledger_tokens')} SET revoked_at = 'now' WHERE name = 'auditor-1'"
            )
        assert ended(auditor)
        for client in (*office, auditor):
            client.close()


def test_an_idle_session_ends_and_a_used_one_lives_on(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With LEDGER_SESSION_IDLE_SECONDS=3, a session read every half second outlives its idle time; left
    alone for longer than that it ends, and the next sign-in clears its row away."""
    monkeypatch.setenv("LEDGER_SESSION_IDLE_SECONDS", "3")
    with serving(database_url) as server, browser(server) as client:
        sign_in(client, server.tokens["office"])
        started = time.monotonic()
        statuses = Counter()
        while time.monotonic() - started < 7:
            statuses[reads(client)] += 1
            time.sleep(0.5)
        assert statuses.keys() == {200}, statuses
        time.sleep(4)
        assert ended(client)
        print(f"reads over 7 s: {dict(statuses)}; ended after 4 s idle")
        with browser(server) as other:
            sign_in(other, server.tokens["auditor"])
        assert [row["name"] for row in session_rows(database_url)] == ["auditor-1"]


def test_a_session_ends_at_its_lifetime_however_busy(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With LEDGER_SESSION_LIFETIME_SECONDS=3, a session in steady use still ends 3 seconds after it began."""
    monkeypatch.setenv("LEDGER_SESSION_LIFETIME_SECONDS", "3")
    with serving(database_url) as server, browser(server) as client:
        sign_in(client, server.tokens["office"])
        began = time.monotonic()
        statuses = []
        session_id = client.cookies["ledger_session"]
        while time.monotonic() - began < 4.5:
            with with_cookie(server, session_id) as replay:
                statuses.append(reads(replay))
            time.sleep(0.3)
        assert statuses[0] == 200 and statuses[-1] == 303
        assert statuses == sorted(statuses), statuses  # once ended, ended for good
        assert ended(client)
        print(f"statuses over 4.5 s: {dict(Counter(statuses))}")


FORMS = ("/login", "/logout", "/whatif", "/whatif/draft", "/whatif/load", "/bulletin")
FOREIGN = "https://elsewhere.example"
FORGERIES: dict[str, dict[str, str]] = {
    "no token": {"csrf": ""},
    "a wrong token": {"csrf": "0" * 64},
    "another session's token": {"csrf": "other"},
    "a foreign Origin": {"origin": FOREIGN},
    "Origin null": {"origin": "null"},
    "a foreign Referer": {"origin": "", "referer": FOREIGN + "/page"},
}


def test_forged_form_posts_are_refused_and_change_nothing(database_url: str) -> None:
    """POSTs to /login, /logout, /whatif, the what-if draft's download and upload, and /bulletin without
    the CSRF token, with a wrong one, with another session's, or from another site (Origin, or Referer
    without one) even with the right token, are refused 403 with a readable page, and neither sign anyone
    in nor out; the genuine ones then work."""
    with serving(database_url) as server, browser(server) as victim, browser(server) as other:
        csrf = sign_in(victim, server.tokens["office"])
        other_csrf = sign_in(other, server.tokens["auditor"])
        before = session_rows(database_url)
        whatif = {"base": "yinchuan-2018", "period": "2019", "source": "catalogue", "draft": "yinchuan-2018"}
        draft = (ROOT / "rulebooks" / "yinchuan-2018.toml").read_text(encoding="utf-8")
        upload = {"draft_file": ("draft.toml", draft.encode(), "application/toml")}
        bulletin = {"rulebook": "yinchuan-2018", "period": "2019-Q3", "format": "xlsx", "to": "各有关单位"}
        forms = {
            "/login": ({"token": server.tokens["auditor"]}, login_form_token),
            "/logout": ({}, lambda client: csrf),
            "/whatif": (whatif, lambda client: csrf),
            "/whatif/draft": ({"draft_toml": draft}, lambda client: csrf),
            "/whatif/load": ({"base": "yinchuan-2018"}, lambda client: csrf),  # with the file, multipart
            "/bulletin": (bulletin, lambda client: csrf),
        }
        assert set(forms) == set(FORMS)
        tried = Counter()
        for path, (fields, token_of) in forms.items():
            for case, forgery in FORGERIES.items():
                kind = forgery.get("csrf", "right")
                given = {"right": token_of(victim), "other": other_csrf}.get(kind, kind) if kind else None
                data = {**fields, "filler": "x", **({"csrf": given} if given else {})}
                headers = {"origin": forgery.get("origin", server.url), "referer": forgery.get("referer", "")}
                with httpx.Client(base_url=server.url, cookies=victim.cookies, timeout=60) as forger:
                    files = upload if path == "/whatif/load" else None
                    sent = {k: v for k, v in headers.items() if v}
                    answer = forger.post(path, data=data, files=files, headers=sent)
                tried[answer.status_code] += 1
                assert answer.status_code == 403, (path, case, answer.status_code, answer.text[:300])
                assert "提交被拒绝" in answer.text and "ledger_session" not in answer.headers.get(
                    "set-cookie", ""
                )
                assert session_rows(database_url) == before, (path, case)
                assert reads(victim) == 200
        print(f"{sum(tried.values())} forged posts: {dict(tried)}")
        assert victim.post("/whatif", data={**whatif, "csrf": csrf}).status_code != 403
        assert victim.post("/whatif/draft", data={"draft_toml": draft, "csrf": csrf}).status_code == 200
        loaded = victim.post("/whatif/load", data={"base": "yinchuan-2018", "csrf": csrf}, files=upload)
        assert loaded.status_code == 200
        assert victim.post("/bulletin", data={**bulletin, "csrf": csrf}).status_code != 403
        assert victim.post("/logout", data={"csrf": csrf}).status_code == 303
        with browser(server) as fresh:
            answer = fresh.post(
                "/login", data={"token": server.tokens["office"], "csrf": login_form_token(fresh)}
            )
            assert answer.status_code == 303


@pytest.mark.parametrize("scheme", ["https", "http"])
def test_cookies_are_secure_over_https(sqlite_url: str, scheme: str) -> None:
    """Over https the sign-in form's cookie and the session cookie are Secure (over plain http, as on a
    bare intranet address, they cannot be)."""
    app = create_app(Settings(database_url=sqlite_url))
    with TestClient(app, base_url=f"{scheme}://ledger.example") as client:
        token = new_token()
        app.state.tokens.create(token, "office-s", "office")
        form = client.get("/login")
        csrf = CSRF.search(form.text).group(1)  # type: ignore[union-attr]
        answer = client.post("/login", data={"token": token, "csrf": csrf}, follow_redirects=False)
        assert answer.status_code == 303
        cookies = [form.headers["set-cookie"], answer.headers.get_list("set-cookie")[0]]
        assert cookies[0].startswith("ledger_login=") and cookies[1].startswith("ledger_session=")
        assert all(("; secure" in c.lower()) == (scheme == "https") for c in cookies), cookies


def test_every_page_form_is_one_the_forgery_test_posts() -> None:
    """Every page route that takes a POST is a PageRoute (its Origin checked) that the forgery test above
    posts to, so a new form cannot go unchecked unnoticed."""
    routes = [route for module in pages.MODULES for route in module.router.routes]
    posts = [route for route in routes if "POST" in getattr(route, "methods", ())]
    assert sorted(route.path for route in posts) == sorted(FORMS)  # type: ignore[attr-defined]
    assert all(isinstance(route, PageRoute) for route in routes)


@pytest.mark.postgres
def test_signing_in_needs_a_writable_database(scratch_database: tuple[str, Any]) -> None:
    """On a read-only database (as a replica is) pages still open for a session made on the primary, even
    one whose use is due to be written down; signing in is refused 503, saying it needs a writable one."""
    url, admin = scratch_database
    with store_of(url) as store:
        token = "lt_" + new_session_id()
        Tokens(store).create(token, "office-r", "office")
        principal = Principal("office-r", "office")
        sessions = Sessions(store)
        session_id = sessions.begin(token, principal, now=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10))
    name = url.rsplit("/", 1)[1]
    admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    with serving(url, roles=()) as server:
        with with_cookie(server, session_id) as replica:
            assert [reads(replica) for _ in range(3)] == [200, 200, 200]
        with browser(server) as client:
            answer = client.post("/login", data={"token": token, "csrf": login_form_token(client)})
            assert answer.status_code == 503
            assert "不能写入" in answer.text and "writable" in answer.text and 'id="token"' in answer.text
