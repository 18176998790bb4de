"""The web pages: plain HTTP checks of sign-in, roles and errors, then a real Chromium driving a served
sample year (pickers, sorting, a score line's acts, what-if, a rulebook), with screenshots.

Browser tests need Debian's `chromium` and `chromium-driver`; without them they skip, unless
LEDGER_REQUIRE_BROWSER is set (as CI sets it), when they fail.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.api import create_app
from ledger.rulebooks import Catalogue
from ledger.services import Ledger, Settings
from ledger.tokens import new_token
from tests.projected import filled_database
from tests.serving import Server, serving
from tests.signing import login, sign_in

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
REQUIRE_BROWSER = os.environ.get("LEDGER_REQUIRE_BROWSER", "") not in ("", "0")
SHOTS = Path("/tmp/web-shots")
ROLES = ("office", "auditor", "unit:xingqing", "admin")
UNITS_IN_SAMPLE = 58
LINKS = re.compile(r"""\b(?:src|href|action)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)


def draft_toml(**replace: str) -> str:
    """The shipped yinchuan-2018 rulebook as a draft, with some of its text replaced."""
    text = (ROOT / "rulebooks" / "yinchuan-2018.toml").read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    return text


# Quotas worth 30 instead of 10: units that file steadily overtake units that rely on adoptions.
RICHER_QUOTA = {"met = 10": "met = 30"}
BAD_CADENCE = {'cadence = "quarter"': 'cadence = "weekly"'}


def outside_links(html: str, own: str = "") -> list[str]:
    """The src, href and action values of a page that point anywhere but the page's own server."""
    found = []
    for link in LINKS.findall(html):
        if link.startswith(("/", "#", "?")) and not link.startswith("//"):
            continue
        if own and link.startswith(own + "/"):
            continue
        found.append(link)
    return found


# --- plain HTTP: sign-in, roles and readable errors ----------------------------------------------


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    url = filled_database(tmp_path_factory.mktemp("web-http"))
    application = create_app(Settings(database_url=url))
    with TestClient(application) as client:
        tokens = {role: new_token() for role in (*ROLES, "revocable")}
        for role, token in tokens.items():
            application.state.tokens.create(
                token, role.replace(":", "-"), "office" if role == "revocable" else role
            )
        yield client, tokens


@pytest.fixture
def http(app: tuple[TestClient, dict[str, str]]) -> Iterator[TestClient]:
    client, _ = app
    client.cookies.clear()
    yield client
    client.cookies.clear()


@pytest.fixture
def tokens(app: tuple[TestClient, dict[str, str]]) -> dict[str, str]:
    return app[1]


@pytest.mark.parametrize("path", ["/", "/units/xingqing?period=2019-Q3", "/whatif", "/rulebooks"])
def test_pages_send_a_stranger_to_sign_in(http: TestClient, path: str) -> None:
    """Without a session cookie every page redirects to /login, remembering where it was going."""
    answer = http.get(path, follow_redirects=False)
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.startswith("/login?next=")
    assert http.get(location).status_code == 200


def test_signing_in_sets_a_strict_httponly_cookie_and_returns_to_the_page(
    http: TestClient, tokens: dict[str, str]
) -> None:
    """A good token sets an HttpOnly, SameSite=Strict cookie and goes back to the page asked for."""
    answer = login(http, tokens["office"], "/rulebooks")
    assert answer.status_code == 303 and answer.headers["location"] == "/rulebooks"
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    assert http.get("/rulebooks").status_code == 200


def test_signing_in_goes_nowhere_but_this_site(http: TestClient, tokens: dict[str, str]) -> None:
    """A `next` naming another host, or a scheme-relative path, lands on the ranking instead."""
    for target in ("https://elsewhere.example/", "//elsewhere.example/", "/\\elsewhere.example"):
        answer = login(http, tokens["office"], target)
        assert answer.headers["location"] == "/"


def test_a_bad_token_is_refused_on_the_page(http: TestClient) -> None:
    """An unknown token is answered 401 with the sign-in form and a readable reason; no cookie is set."""
    answer = login(http, "lt_not-a-token")
    assert answer.status_code == 401
    assert "令牌无效" in answer.text and "set-cookie" not in answer.headers


def test_a_revoked_token_signs_the_reader_out(app: tuple[TestClient, dict[str, str]]) -> None:
    """Once its token is revoked, the next page sends the reader to /login and clears the cookie."""
    client, tokens = app
    client.cookies.clear()
    sign_in(client, tokens["revocable"])
    assert client.get("/rulebooks").status_code == 200
    client.app.state.tokens.revoke("revocable")  # type: ignore[attr-defined]
    answer = client.get("/rulebooks", follow_redirects=False)
    assert answer.status_code == 303 and "expired=1" in answer.headers["location"]
    assert (
        'ledger_session=""' in answer.headers["set-cookie"]
        or "max-age=0" in answer.headers["set-cookie"].lower()
    )
    client.cookies.clear()


def test_the_admin_role_sees_a_readable_refusal(http: TestClient, tokens: dict[str, str]) -> None:
    """An admin token cannot sign in to the pages: it reads no acts or scores (403 on the form, no
    session); put in the cookie itself, it is no session and opens nothing."""
    answer = login(http, tokens["admin"])
    assert answer.status_code == 403 and "管理员" in answer.text
    assert "ledger_session" not in answer.headers.get("set-cookie", "")
    http.cookies.set("ledger_session", tokens["admin"])
    for path in ("/", "/units/xingqing", "/whatif", "/rulebooks/yinchuan-2018"):
        page = http.get(path, follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].startswith("/login?")


def test_a_unit_token_sees_only_its_own_unit(http: TestClient, tokens: dict[str, str]) -> None:
    """unit:xingqing ranks only itself, reads its own page, and gets readable 403s elsewhere."""
    sign_in(http, tokens["unit:xingqing"])
    ranking = http.get("/?rulebook=yinchuan-2018&period=2019")
    assert ranking.status_code == 200
    assert re.findall(r'data-unit="([^"]+)"', ranking.text) == ["xingqing"]
    assert http.get("/units/xingqing").status_code == 200
    other = http.get("/units/jinfeng")
    assert other.status_code == 403 and "只能查看本单位" in other.text
    assert http.get("/whatif").status_code == 403
    assert http.post("/whatif", data={"base": "yinchuan-2018"}).status_code == 403


def test_office_sees_every_unit(http: TestClient, tokens: dict[str, str]) -> None:
    """The office ranking lists every registered unit, ranked, with the rulebook's identity."""
    sign_in(http, tokens["office"])
    page = http.get("/?rulebook=yinchuan-2018&period=2019")
    assert page.status_code == 200
    assert len(re.findall(r'data-unit="', page.text)) == UNITS_IN_SAMPLE
    assert Catalogue.load().select("yinchuan-2018").latest.sha256 in page.text


@pytest.mark.parametrize(
    ("query", "status", "says"),
    [
        ("period=2019-Q5", 400, "期间 period 应为"),
        ("period=2019-07", 400, "短于考核办法的计分周期"),
        ("rulebook=nonesuch", 400, "unknown rulebook"),
        ("rulebook=..%2Frulebooks%2Fyinchuan-2018.toml", 400, "unknown rulebook"),
        ("rulebook=yinchuan-2018%402", 400, "unknown rulebook"),
        ("as_of=2019-13-01", 400, "截止日期 as_of"),
        ("known_at=yesterday", 400, "已知时间 known_at"),
        ("period=" + "9" * 50, 400, "过长"),
    ],
)
def test_bad_picker_values_are_explained_on_the_page(
    http: TestClient, tokens: dict[str, str], query: str, status: int, says: str
) -> None:
    """A bad rulebook, period, date or time shows the pickers and a readable error, never a 500."""
    sign_in(http, tokens["auditor"])
    for path in ("/", "/units/xingqing"):
        page = http.get(f"{path}?{query}")
        assert page.status_code == status, page.text
        assert says in page.text.replace("&#39;", "'") and 'id="pick-period"' in page.text


@pytest.mark.parametrize(
    "value",
    ["0001-01-01T00:00:00", "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+14:00", "9999-12-31T16:00Z"],
)
def test_instants_out_of_range_are_a_400_page(http: TestClient, tokens: dict[str, str], value: str) -> None:
    """A known-at time before year 1 or after 9999 (UTC or China time) is a 400 page naming the picker and
    the value, on the ranking, the unit page and the what-if form; the last instant is answered."""
    csrf = sign_in(http, tokens["office"])
    for path in ("/", "/units/xingqing"):
        page = http.get(path, params={"period": "2019", "known_at": value})
        assert page.status_code == 400, page.text
        assert "已知时间 known_at 超出可表示的范围" in page.text and value in page.text
        assert http.get(path, params={"period": "2019", "known_at": "9999-12-31"}).status_code == 200
    form = {"base": "yinchuan-2018", "period": "2019", "source": "catalogue", "draft": "yinchuan-2018"}
    form["csrf"] = csrf
    page = http.post("/whatif", data={**form, "known_at": value})
    assert page.status_code == 400 and "known_at" in page.text and value in page.text
    assert http.post("/whatif", data={**form, "known_at": "9999-12-31"}).status_code == 200


def test_an_overlong_picker_value_is_refused_whole_not_cut(http: TestClient, tokens: dict[str, str]) -> None:
    """A known-at, as-of or period longer than its picker allows is a 400 page naming it, on the ranking
    and the what-if form alike: it is never cut to its limit and read as another value."""
    csrf = sign_in(http, tokens["office"])
    form = {"base": "yinchuan-2018", "period": "2019", "source": "catalogue", "draft": "yinchuan-2018"}
    # Cut to its limit (40, 20) and stripped, each would read as a valid time or date.
    overlong = {
        "known_at": "2019-10-05T18:00:00+08:00" + " " * 15 + "x",
        "as_of": "2019-09-30" + " " * 10 + "x",
    }
    for name, value in overlong.items():
        page = http.post("/whatif", data={**form, "csrf": csrf, name: value})
        assert page.status_code == 400 and f"{name} 过长" in page.text, (name, page.status_code)
        assert http.get("/", params={"period": "2019", name: value}).status_code == 400


def test_a_period_before_the_units_were_registered(http: TestClient, tokens: dict[str, str]) -> None:
    """Scoring 2018 as known at the end of 2019: the ranking is empty and says so; the unit page
    explains that the unit was registered later."""
    sign_in(http, tokens["office"])
    ranking = http.get("/?rulebook=yinchuan-2018&period=2018&as_of=2019-12-31")
    assert ranking.status_code == 200 and "没有登记的单位" in ranking.text
    unit = http.get("/units/xingqing?rulebook=yinchuan-2018&period=2018&as_of=2019-12-31")
    assert unit.status_code == 400 and "registered later" in unit.text


def page_text(html: str) -> str:
    """An HTML fragment as the reader sees its words: tags dropped, entities read, whitespace as one space."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def section(page: str, anchor: str) -> str:
    """The HTML of the page's <section> with this id."""
    start = page.index(f'id="{anchor}"')
    return page[start : page.index("</section>", start)]


@pytest.mark.parametrize("family", sorted(Catalogue.load().families))
def test_a_rulebook_page_reads_in_chinese_with_the_english_folded_beside_it(
    http: TestClient, tokens: dict[str, str], family: str
) -> None:
    """Each reading (clauses, grades, ranking) and the notes are on the rulebook page in Chinese, the
    English after them folded in a <details>."""
    sign_in(http, tokens["auditor"])
    page = http.get(f"/rulebooks/{family}").text
    for book in Catalogue.load().select(family).versions:
        model = book.model
        readable = [(c.id, c) for c in model.clauses] + [("grades", model.grades), ("ranking", model.ranking)]
        for where, item in readable:
            if item is None or not item.reading:
                continue
            html = section(page, f"v{book.version}-{where}")
            chinese = re.search(r'<div class="reading">(.*?)</div>', html, re.DOTALL)
            english = re.search(r'<details class="english">(.*?)</details>', html, re.DOTALL)
            assert chinese and page_text(chinese[1]) == page_text("解读： " + item.reading), where
            assert english and chinese.end() < english.start(), where
            assert page_text(english[1]) == page_text(f"English {item.reading_en}"), where
        if model.notes:
            notes = section(page, f"v{book.version}-notes")
            assert page_text(model.notes) in page_text(notes)
            assert notes.index("<p>") < notes.index('<details class="english">')


def test_a_rulebook_page_names_kinds_classes_and_severities_in_chinese(
    http: TestClient, tokens: dict[str, str]
) -> None:
    """Clause kinds, unit classes, publications and severities are shown by their Chinese names, not
    their codes: 报送任务数, 縣市區人民政府 (a class, not the level 县级), 《颍东政务信息》, 漏报."""
    sign_in(http, tokens["auditor"])
    yinchuan = http.get("/rulebooks/yinchuan-2018").text
    assert "报送任务数" in page_text(section(yinchuan, "v1-9.1-quota"))
    assert "领导批示" in page_text(section(yinchuan, "v1-9.3-endorsement"))
    hengyang = page_text(section(http.get("/rulebooks/hengyang-2018").text, "v1-hy-data-sharing"))
    assert "縣市區人民政府：hy-online-services" in hengyang and "县级" not in hengyang
    yingdong = http.get("/rulebooks/yingdong-2012").text
    assert "刊物 《颍东政务信息》" in page_text(section(yingdong, "v1-yd-3-adopted"))
    major = page_text(section(yingdong, "v1-yd-7-major-report"))
    assert "漏报 -20" in major and "未完成任务" not in major
    assert "连续月数 3" in page_text(section(yingdong, "v1-yd-7-no-filing"))


@pytest.mark.parametrize("family", sorted(Catalogue.load().families))
def test_every_shipped_rulebook_has_its_page_and_a_ranking(
    http: TestClient, tokens: dict[str, str], family: str
) -> None:
    """Each rulebook's page quotes every clause's sentence; ranking the sample year by it is a page
    (a readable 400 where the rulebook's cadence or units do not fit the period), never a 500."""
    sign_in(http, tokens["office"])
    page = http.get(f"/rulebooks/{family}")
    assert page.status_code == 200
    for book in Catalogue.load().select(family).versions:
        assert book.sha256 in page.text
        for clause in book.model.clauses:
            assert f'id="v{book.version}-{clause.id}"' in page.text
    for period in ("2019", "2019-Q2"):
        ranking = http.get(f"/?rulebook={family}&period={period}")
        assert ranking.status_code in (200, 400), ranking.text
        unit = http.get(f"/units/xingqing?rulebook={family}&period={period}")
        assert unit.status_code in (200, 400), unit.text


def test_unknown_units_and_rulebooks_are_readable_404s(http: TestClient, tokens: dict[str, str]) -> None:
    """A unit or rulebook that does not exist is a 404 page naming it."""
    sign_in(http, tokens["office"])
    for path, name in (
        ("/units/nobody", "nobody"),
        ("/rulebooks/nonesuch", "nonesuch"),
        ("/units/%3Cb%3Ebold", "&lt;b&gt;bold"),
    ):
        page = http.get(path)
        assert page.status_code == 404 and name in page.text
        assert page.headers["content-type"].startswith("text/html")
        assert "<b>bold" not in page.text


def draft_ranks(html: str) -> list[int]:
    """The draft ranks of the what-if table's rows, in the order the page lists them."""
    return [int(c) for c in re.findall(r'<td class="num draft-rank" data-value="(\d+)">', html)]


def test_whatif_compares_a_pasted_draft(http: TestClient, tokens: dict[str, str]) -> None:
    """A pasted draft is scored beside its base: its changes in words, the units in the draft's rank
    order."""
    csrf = sign_in(http, tokens["office"])
    form = {
        "base": "yinchuan-2018",
        "period": "2019",
        "source": "toml",
        "draft_toml": draft_toml(**RICHER_QUOTA),
        "csrf": csrf,
    }
    page = http.post("/whatif", data=form)
    assert page.status_code == 200, page.text
    changes = int(re.search(r'id="rank-changes">(\d+)<', page.text).group(1))  # type: ignore[union-attr]
    assert changes > 0
    assert len(re.findall(r'<tr class="moved">', page.text)) == changes
    assert draft_ranks(page.text) == sorted(draft_ranks(page.text))
    assert "clauses.9.1-quota" in page.text  # the rulebooks' difference, key by key
    assert "<li>9.1-quota 完成任务得分 10 → 30</li>" in page.text  # and in words


def test_whatif_names_the_bad_key_of_an_invalid_draft(http: TestClient, tokens: dict[str, str]) -> None:
    """An invalid draft is a 422 page quoting the RulebookError, which names the key; the text is kept."""
    csrf = sign_in(http, tokens["auditor"])
    form = {
        "base": "yinchuan-2018",
        "period": "2019",
        "source": "toml",
        "draft_toml": draft_toml(**BAD_CADENCE),
        "csrf": csrf,
    }
    page = http.post("/whatif", data=form)
    assert page.status_code == 422
    assert "键 &#39;cadence&#39;" in page.text and "weekly" in page.text
    broken = http.post("/whatif", data={**form, "draft_toml": "id = [unclosed"})
    assert broken.status_code == 422 and "not valid TOML" in broken.text


def test_whatif_refuses_what_the_catalogue_does_not_hold(http: TestClient, tokens: dict[str, str]) -> None:
    """A draft or base outside the catalogue (a server path, say) is refused on the page, unread."""
    csrf = sign_in(http, tokens["office"])
    form = {
        "base": "yinchuan-2018",
        "period": "2019",
        "source": "catalogue",
        "draft": "/etc/x.toml",
        "csrf": csrf,
    }
    assert http.post("/whatif", data=form).status_code == 422
    assert http.post("/whatif", data={**form, "base": "rulebooks/x.toml"}).status_code == 400
    assert http.post("/whatif", data={**form, "draft": "county-info", "period": "2019-Q9"}).status_code == 400
    assert (
        http.post("/whatif", content=b"{}", headers={"content-type": "application/json"}).status_code == 415
    )
    huge = b"draft_toml=" + b"x" * (8 * 1024 * 1024)
    form_type = {"content-type": "application/x-www-form-urlencoded"}
    answer = http.post("/whatif", content=huge, headers=form_type)
    assert answer.status_code == 413 and "KiB" in answer.text


def test_pages_name_no_other_host_and_forbid_fetching_one(http: TestClient, tokens: dict[str, str]) -> None:
    """No page links a script, style, font or image elsewhere, and each forbids it by its CSP."""
    sign_in(http, tokens["office"])
    for path in ("/", "/units/xingqing", "/whatif", "/rulebooks", "/rulebooks/district-info", "/login"):
        page = http.get(path)
        assert page.status_code == 200
        assert outside_links(page.text) == [], path
        assert "default-src 'self'" in page.headers["content-security-policy"]
    for name, kind in (
        ("ledger.css", "text/css"),
        ("sort.js", "text/javascript"),
        ("favicon.svg", "image/svg"),
    ):
        asset = http.get(f"/static/{name}")
        assert asset.status_code == 200 and asset.headers["content-type"].startswith(kind)
        text = asset.text.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert "http://" not in text and "https://" not in text
    assert http.get("/static/../pyproject.toml").status_code == 404
    assert http.get("/static/nothing.js").status_code == 404


# --- a real browser ------------------------------------------------------------------------------


def need_browser() -> None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if not missing:
        return
    reason = f"{' and '.join(missing)} missing: install Debian's chromium and chromium-driver"
    if REQUIRE_BROWSER:
        pytest.fail(f"LEDGER_REQUIRE_BROWSER is set but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    need_browser()
    with serving(filled_database(tmp_path_factory.mktemp("web-served")), roles=ROLES) as served:
        yield served


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Screenshots go to a temporary directory and, to look at after a run, to /tmp/web-shots."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--window-size=1280,1000", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--lang=zh-CN",
    ):  # fmt: skip
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


class Visit:
    """A browser signed in with one role, checking after every page that nothing left the server."""

    def __init__(self, driver: Any, server: Server, shots: Path) -> None:
        self.driver, self.server, self.shots = driver, server, shots

    def sign_in(self, role: str) -> None:
        from selenium.webdriver.common.by import By

        self.driver.delete_all_cookies()
        self.get("/")
        assert "/login" in self.driver.current_url
        self.driver.find_element(By.ID, "token").send_keys(self.server.tokens[role])
        self.driver.find_element(By.ID, "login-submit").click()
        self.wait_for("table, .error")

    def get(self, path: str) -> None:
        self.driver.get(self.server.url + path)
        self.check_local()

    def wait_for(self, css: str, timeout: float = 30) -> Any:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, timeout).until(
            ec.presence_of_element_located((By.CSS_SELECTOR, css))
        )

    def check_local(self) -> None:
        """No request went to another host (Chrome's performance log), and no src/href names one."""
        requested = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                requested.append(message["params"]["request"]["url"])
        strangers = [u for u in requested if not u.startswith((self.server.url + "/", "data:", "about:"))]
        assert strangers == []
        assert outside_links(self.driver.page_source, self.server.url) == []

    def shoot(self, name: str, *, full: bool = True, limit: int = 4000) -> Path:
        """A PNG of the page (the whole page up to `limit` px high), here and in /tmp/web-shots."""
        path = self.shots / f"{name}.png"
        if full:
            size = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
            clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], limit), "scale": 1}
            shot = self.driver.execute_cdp_cmd(
                "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
            )
            path.write_bytes(base64.b64decode(shot["data"]))
        else:
            self.driver.save_screenshot(str(path))
        assert path.stat().st_size > 10_000
        shutil.copy(path, SHOTS / path.name)
        return path

    def fits_1280(self) -> None:
        width = self.driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= 1280, f"the page is {width} px wide"


@pytest.fixture
def visit(browser: Any, server: Server, shots: Path) -> Visit:
    browser.get_log("performance")  # forget the earlier tests' requests
    return Visit(browser, server, shots)


def rows(visit: Visit) -> list[Any]:
    from selenium.webdriver.common.by import By

    return list(visit.driver.find_elements(By.CSS_SELECTOR, "#ranking tbody tr"))


def test_ranking_pickers_change_the_period(visit: Visit) -> None:
    """Signed in as the office, the ranking lists every unit; picking 2019-Q3 shows that quarter."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    visit.sign_in("office")
    assert len(rows(visit)) == UNITS_IN_SAMPLE
    visit.check_local()
    visit.fits_1280()
    visit.shoot("ranking")
    Select(visit.driver.find_element(By.ID, "pick-rulebook")).select_by_value("yinchuan-2018")
    period = visit.driver.find_element(By.ID, "pick-period")
    period.clear()
    period.send_keys("2019-Q3")
    visit.driver.find_element(By.ID, "pick-submit").click()
    visit.wait_for("#shown-period")
    assert visit.driver.find_element(By.ID, "shown-period").text == "2019-Q3"
    assert "period=2019-Q3" in visit.driver.current_url
    assert len(rows(visit)) == UNITS_IN_SAMPLE
    assert visit.driver.find_elements(By.CSS_SELECTOR, "svg.chart rect")
    visit.check_local()
    visit.shoot("ranking-2019-Q3", full=False)


def test_ranking_sorts_by_a_column(visit: Visit) -> None:
    """Clicking the total's heading sorts the rows by total, ascending and then descending."""
    from selenium.webdriver.common.by import By

    visit.sign_in("auditor")

    def totals() -> list[float]:
        cells = visit.driver.find_elements(By.CSS_SELECTOR, "#ranking tbody td.total")
        return [float(c.get_attribute("data-value")) for c in cells]

    button = visit.driver.find_element(By.CSS_SELECTOR, "#sort-total button")
    button.click()
    assert totals() == sorted(totals())
    assert visit.driver.find_element(By.ID, "sort-total").get_attribute("aria-sort") == "ascending"
    button.click()
    assert totals() == sorted(totals(), reverse=True)
    name = visit.driver.find_element(By.CSS_SELECTOR, "#ranking thead th:nth-child(2) button")
    name.click()
    first = visit.driver.find_elements(By.CSS_SELECTOR, "#ranking tbody tr td:nth-child(2)")
    assert len(first) == UNITS_IN_SAMPLE
    visit.shoot("ranking-sorted", full=False)


def test_a_score_line_links_to_its_acts(visit: Visit) -> None:
    """From the ranking to a unit; an explanation line's act link scrolls to that act, which shows
    when it happened and when it was recorded."""
    from selenium.webdriver.common.by import By

    visit.sign_in("office")
    visit.driver.find_element(By.CSS_SELECTOR, 'tr[data-unit="xingqing"] a.unit-link').click()
    visit.wait_for("#lines")
    assert "/units/xingqing" in visit.driver.current_url
    visit.check_local()
    visit.fits_1280()
    visit.shoot("unit", limit=3000)
    timeline = visit.driver.find_element(By.ID, "timeline-heading")
    visit.driver.execute_script("arguments[0].scrollIntoView()", timeline)
    visit.shoot("unit-timeline", full=False)
    link = visit.driver.find_elements(By.CSS_SELECTOR, "#lines a.act-link")[3]
    act_id = link.text
    visit.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    link.click()
    assert visit.driver.current_url.endswith(f"#act-{act_id}")
    act = visit.driver.find_element(By.ID, f"act-{act_id}")
    assert act.is_displayed()
    assert visit.driver.execute_script("return document.querySelector(':target').id") == f"act-{act_id}"
    top = visit.driver.execute_script("return arguments[0].getBoundingClientRect().top", act)
    assert 0 <= top < visit.driver.execute_script("return window.innerHeight")
    occurred = act.find_element(By.CSS_SELECTOR, ".occurred").text
    recorded = act.find_element(By.CSS_SELECTOR, ".recorded").text
    assert re.fullmatch(r"2019-\d\d-\d\d", occurred) and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", recorded)
    visit.shoot("unit-act", full=False)


def test_whatif_in_the_browser(visit: Visit) -> None:
    """The office pastes a draft, compares it with its base, and sees the units in the draft's rank
    order and a chart of the differences; a broken draft shows the key that is wrong."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    visit.sign_in("office")
    visit.driver.find_element(By.CSS_SELECTOR, 'nav a[href="/whatif"]').click()
    visit.wait_for("#whatif-form")
    visit.check_local()
    Select(visit.driver.find_element(By.ID, "whatif-base")).select_by_value("yinchuan-2018")
    visit.driver.find_element(By.ID, "source-toml").click()
    textarea = visit.driver.find_element(By.ID, "whatif-toml")
    visit.driver.execute_script("arguments[0].value = arguments[1]", textarea, draft_toml(**RICHER_QUOTA))
    visit.driver.find_element(By.ID, "whatif-submit").click()
    visit.wait_for("#whatif-table")
    visit.check_local()
    assert int(visit.driver.find_element(By.ID, "rank-changes").text) > 0
    cells = visit.driver.find_elements(By.CSS_SELECTOR, "#whatif-table td.draft-rank")
    ranks = [int(td.text) for td in cells]
    assert ranks[0] == 1 and ranks == sorted(ranks)
    assert visit.driver.find_elements(By.CSS_SELECTOR, "svg.chart rect")
    visit.fits_1280()
    visit.shoot("whatif")

    textarea = visit.driver.find_element(By.ID, "whatif-toml")
    visit.driver.execute_script("arguments[0].value = arguments[1]", textarea, draft_toml(**BAD_CADENCE))
    visit.driver.find_element(By.ID, "whatif-submit").click()
    error = visit.wait_for(".error")
    assert "cadence" in error.text
    visit.shoot("whatif-invalid", full=False)


def test_rulebook_page_in_the_browser(visit: Visit) -> None:
    """From the navigation to a rulebook: its version, window, sha256 and each clause's seed sentence."""
    from selenium.webdriver.common.by import By

    visit.sign_in("auditor")
    visit.driver.find_element(By.CSS_SELECTOR, 'nav a[href="/rulebooks"]').click()
    visit.wait_for("#rulebooks")
    visit.driver.find_element(By.CSS_SELECTOR, 'a[href="/rulebooks/yinchuan-2018#v1"]').click()
    visit.wait_for("#rulebook-sha256")
    visit.check_local()
    book = Catalogue.load().select("yinchuan-2018").latest
    assert visit.driver.find_element(By.ID, "rulebook-sha256").text == book.sha256
    for clause in book.model.clauses:
        section = visit.driver.find_element(By.ID, f"v{book.version}-{clause.id}")
        assert section.find_element(By.CSS_SELECTOR, "blockquote.wording").text == f"“{clause.wording}”"
    # The reading is shown in Chinese; its English is folded until the reader opens it.
    [quota] = [c for c in book.model.clauses if c.id == "9.1-quota"]
    assert quota.reading and quota.reading_en
    section = visit.driver.find_element(By.ID, f"v{book.version}-{quota.id}")
    reading = section.find_element(By.CSS_SELECTOR, ".reading")
    assert reading.text == "解读：" + " ".join(quota.reading.split())
    english = section.find_element(By.CSS_SELECTOR, "details.english p")
    assert not english.is_displayed()
    section.find_element(By.CSS_SELECTOR, "details.english summary").click()
    assert english.is_displayed() and english.text == " ".join(quota.reading_en.split())
    visit.fits_1280()
    visit.shoot("rulebook")


def test_a_unit_token_in_the_browser(visit: Visit) -> None:
    """unit:xingqing sees only itself in the ranking and a readable refusal for another unit."""
    from selenium.webdriver.common.by import By

    visit.sign_in("unit:xingqing")
    assert [r.get_attribute("data-unit") for r in rows(visit)] == ["xingqing"]
    visit.shoot("ranking-unit-token", full=False)
    visit.get("/units/jinfeng")
    assert "无权查看" in visit.driver.find_element(By.TAG_NAME, "h1").text
    visit.shoot("unit-forbidden", full=False)
    visit.get("/whatif")
    assert "403" in visit.driver.find_element(By.TAG_NAME, "h1").text


def test_signing_out_in_the_browser_ends_the_session(visit: Visit) -> None:
    """The office signs in, signs out with the header's button, and its old session cookie, put back
    into the browser, opens nothing: the sign-in page says the session has ended."""
    from selenium.webdriver.common.by import By

    visit.sign_in("office")
    old = visit.driver.get_cookie("ledger_session")
    assert old["httpOnly"] and old["sameSite"] == "Strict" and old["value"] != visit.server.tokens["office"]
    visit.driver.find_element(By.CSS_SELECTOR, "form.who button").click()
    visit.wait_for("#token")
    assert "/login" in visit.driver.current_url and visit.driver.get_cookie("ledger_session") is None
    replayed = {"name": "ledger_session", "value": old["value"], "path": "/", "httpOnly": True}
    visit.driver.add_cookie({**replayed, "sameSite": "Strict"})
    visit.get("/")
    visit.wait_for("#token")
    assert "/login" in visit.driver.current_url
    assert "登录已失效" in visit.driver.find_element(By.CSS_SELECTOR, ".error").text
    visit.shoot("signed-out", full=False)


def test_pages_print_without_pickers_or_navigation(visit: Visit) -> None:
    """In print, the pickers and the navigation are hidden; the page prints to PDF."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.print_page_options import PrintOptions

    visit.sign_in("office")
    visit.get("/units/xingqing?rulebook=yinchuan-2018&period=2019-Q2")
    visit.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not visit.driver.find_element(By.CSS_SELECTOR, "form.pickers").is_displayed()
        assert not visit.driver.find_element(By.CSS_SELECTOR, "header nav").is_displayed()
        assert visit.driver.find_element(By.ID, "lines").is_displayed()
        visit.shoot("unit-print", limit=2500)
    finally:
        visit.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    options = PrintOptions()
    options.page_ranges = ["1-2"]
    pdf = base64.b64decode(visit.driver.print_page(options))
    assert pdf.startswith(b"%PDF")
    (SHOTS / "unit-print.pdf").write_bytes(pdf)


def test_the_api_docs_render_with_nothing_from_outside(visit: Visit) -> None:
    """Swagger UI at /docs, signed out, lists the API's operations in a real browser, and neither the
    page nor anything it loaded asked another host (as on an intranet with no way out)."""
    from selenium.webdriver.common.by import By

    visit.driver.delete_all_cookies()
    visit.get("/docs")
    visit.wait_for(".opblock")
    visit.check_local()
    assert "ledger" in visit.driver.find_element(By.CSS_SELECTOR, ".info .title").text
    paths = {e.text for e in visit.driver.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")}
    assert {"/v1/events", "/v1/scores", "/v1/whatif"} <= paths
    visit.shoot("api-docs", limit=2500)


# --- the acts a unit's period did not count ------------------------------------------------------


def small_year() -> list[dict[str, Any]]:
    """Two 银川 districts in 2019, each with acts that count and acts that do not."""

    def act(kind: str, day: str, **fields: Any) -> dict[str, Any]:
        return {"type": kind, "occurred_on": day, **fields}

    def filed(day: str, unit: str, report: str, title: str) -> dict[str, Any]:
        return act("report.filed", day, id=f"f-{report}", unit=unit, report=report, title=title)

    def adopted(day: str, name: str, publication: str) -> dict[str, Any]:
        return act("report.adopted", day, id=name, report="xq-1", publication=publication, form="item")

    def registered(unit: str, slug: str, name: str) -> dict[str, Any]:
        county = {"class": "county"}
        return act("unit.registered", "2019-01-01", id=f"reg-{slug}", unit=unit, name=name, **county)

    return [
        registered("xingqing", "xq", "兴庆区"),
        registered("jinfeng", "jf", "金凤区"),
        # 兴庆区 files xq-1, which 《银川政务信息》 adopts (3 points) and then 《国报信息》 (5: 2 more);
        # 《宁夏政务晨报》 (1) runs it last, which the highest-only rule (第九条(三)) leaves uncounted.
        filed("2019-01-08", "xingqing", "xq-1", "春运保障情况"),
        adopted("2019-01-20", "a-zwxx", "yinchuan-zwxx"),
        adopted("2019-04-15", "a-guobao", "guobao"),
        adopted("2019-08-01", "a-chenbao", "ningxia-chenbao"),
        # A filing sent twice is voided; one filed after the as-of date (2019-09-30) waits for it.
        filed("2019-02-10", "xingqing", "xq-2", "重复报送的信息"),
        act("event.voided", "2019-02-12", id="v-xq-2", target="f-xq-2", reason="与 xq-1 重复"),
        filed("2019-10-15", "xingqing", "xq-3", "十月的信息"),
        # 金凤区's only filing is voided too: its page, not 兴庆区's, lists it.
        filed("2019-03-01", "jinfeng", "jf-1", "金凤区的信息"),
        act("event.voided", "2019-03-02", id="v-jf-1", target="f-jf-1", reason="误报"),
    ]


SMALL_YEAR = "/units/{unit}?rulebook=yinchuan-2018&period={period}&as_of=2019-09-30"


@pytest.fixture(scope="module")
def small_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    need_browser()
    url = f"sqlite:///{tmp_path_factory.mktemp('web-small') / 'ledger.db'}"
    ledger = Ledger.open(Settings(database_url=url))
    try:
        ledger.append(small_year())
    finally:
        ledger.close()
    with serving(url, roles=ROLES) as served:
        yield served


@pytest.fixture
def small_visit(browser: Any, small_server: Server, shots: Path) -> Visit:
    browser.get_log("performance")
    return Visit(browser, small_server, shots)


def not_counted_rows(visit: Visit) -> dict[str, list[str]]:
    """The section's rows by act id: date, type, act id, reason, detail as the reader sees them."""
    from selenium.webdriver.common.by import By

    table = visit.driver.find_elements(By.CSS_SELECTOR, "#not-counted-table tbody tr")
    cells = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")] for tr in table]
    return {row[2]: row for row in cells}


def test_the_unit_page_lists_each_act_not_counted_with_its_reason(small_visit: Visit) -> None:
    """A unit's page lists each act of the period no line counted, with its date, type, reason and
    detail in Chinese, tallies the counted and the rest, and links each act to the timeline."""
    from selenium.webdriver.common.by import By

    visit = small_visit
    visit.sign_in("office")
    visit.get(SMALL_YEAR.format(unit="xingqing", period="2019"))
    visit.wait_for("#not-counted")
    rows = not_counted_rows(visit)
    assert {act: (row[1], row[3]) for act, row in rows.items()} == {
        "reg-xq": ("单位登记", "登记事项，不计分"),
        "f-xq-2": ("报送", "已作废"),
        "a-chenbao": ("采用", "已按更高级别采用计分"),
        "f-xq-3": ("报送", "晚于截止日"),
    }
    assert [row[0] for row in rows.values()] == ["2019-01-01", "2019-02-10", "2019-08-01", "2019-10-15"]
    assert "与 xq-1 重复" in rows["f-xq-2"][4] and "只记最高分" in rows["a-chenbao"][4]
    assert "晚于截止日 2019-09-30" in rows["f-xq-3"][4]
    # Counted: f-xq-1 (the quota), a-zwxx and a-guobao (the adoption); 3 + 4 are the period's 7 acts.
    tally = visit.driver.find_element(By.ID, "tally").text
    assert tally == "本期共 7 项行为：计分 3 项，未计分 4 项"
    assert not visit.driver.find_elements(By.ID, "all-counted")
    visit.fits_1280()
    # The screenshot shows the section under the score lines it sits beside.
    visit.driver.execute_script("arguments[0].scrollIntoView()", visit.driver.find_element(By.ID, "lines"))
    visit.shoot("not-counted", full=False)
    section = visit.driver.find_element(By.ID, "not-counted")
    link = section.find_element(By.CSS_SELECTOR, 'a.act-link[href="#act-f-xq-2"]')
    link.click()
    assert visit.driver.execute_script("return document.querySelector(':target').id") == "act-f-xq-2"
    act = visit.driver.find_element(By.ID, "act-f-xq-2")
    assert act.is_displayed() and "voided" in act.get_attribute("class")


def test_a_period_whose_acts_all_count_says_so(small_visit: Visit) -> None:
    """In 2019-Q2 兴庆区's one act counts: the page says all were counted and names the earlier act a
    line of the quarter also cites."""
    from selenium.webdriver.common.by import By

    visit = small_visit
    visit.sign_in("auditor")
    visit.get(SMALL_YEAR.format(unit="xingqing", period="2019-Q2"))
    visit.wait_for("#not-counted")
    assert visit.driver.find_element(By.ID, "all-counted").text == "本期所有行为均已计分。"
    assert not visit.driver.find_elements(By.ID, "not-counted-table")
    # a-guobao counts in Q2; the quota criticism of Q2 also cites Q1's filing f-xq-1.
    assert visit.driver.find_element(By.ID, "tally").text == (
        "本期共 1 项行为：计分 1 项，未计分 0 项（另有 1 项其他期间的行为为本期计分说明所引用）"
    )


def test_a_unit_token_sees_only_its_own_acts_not_counted(small_visit: Visit) -> None:
    """unit:xingqing's page lists 兴庆区's uncounted acts and none of 金凤区's, whose page it may not
    open; the office sees 金凤区's voided filing on 金凤区's page."""
    from selenium.webdriver.common.by import By

    visit = small_visit
    visit.sign_in("unit:xingqing")
    visit.get(SMALL_YEAR.format(unit="xingqing", period="2019"))
    visit.wait_for("#not-counted")
    assert set(not_counted_rows(visit)) == {"reg-xq", "f-xq-2", "a-chenbao", "f-xq-3"}
    assert "f-jf-1" not in visit.driver.page_source and "reg-jf" not in visit.driver.page_source
    visit.get(SMALL_YEAR.format(unit="jinfeng", period="2019"))
    assert "无权查看" in visit.driver.find_element(By.TAG_NAME, "h1").text
    assert "f-jf-1" not in visit.driver.page_source
    visit.sign_in("office")
    visit.get(SMALL_YEAR.format(unit="jinfeng", period="2019"))
    visit.wait_for("#not-counted")
    rows = not_counted_rows(visit)
    assert set(rows) == {"reg-jf", "f-jf-1"} and rows["f-jf-1"][3] == "已作废"
    assert visit.driver.find_element(By.ID, "tally").text == "本期共 2 项行为：计分 0 项，未计分 2 项"


# --- the pages an office works with: names, figures, links, the period's acts, print -------------


def test_pages_name_classes_publications_and_the_unit_token_s_unit(
    http: TestClient, tokens: dict[str, str]
) -> None:
    """The unit page names its class (县(市)区) and publications (《银川政务信息》) by their names, and a
    unit token's header names its unit (兴庆区), where codes stood."""
    sign_in(http, tokens["unit:xingqing"])
    page = http.get("/units/xingqing?rulebook=yinchuan-2018&period=2019-Q3").text
    assert "县(市)区</span>（自 2019-01-01）" in page and "county（自" not in page
    assert "《银川政务信息》" in page and "(yinchuan-zwxx)" not in page
    assert "单位 unit · 兴庆区" in page and "单位 unit · xingqing" not in page


def test_the_ranking_shows_a_clerks_figures_and_ranks_within_each_class(visit: Visit) -> None:
    """The ranking carries 类内名次, 报送数, 任务数, 完成任务 and 采用数 beside the points, no column that is
    empty for every unit (no 等次 under a rulebook without grades), ranks within each class counted from
    the overall ranks, and a class picked shows that class alone."""
    from selenium.webdriver.common.by import By

    visit.sign_in("office")
    visit.get("/?rulebook=yinchuan-2018&period=2019-Q3")
    headings = [th.text.split()[0] for th in visit.driver.find_elements(By.CSS_SELECTOR, "#ranking th")]
    assert {"类内名次", "报送数", "任务数", "完成任务", "采用数"} <= set(headings)
    assert "等次" not in headings
    table = visit.driver.execute_script(
        "return [...document.querySelectorAll('#ranking tbody tr')].map(r => [r.dataset.class,"
        " [...r.cells].map(c => c.textContent.trim())])"
    )
    columns = {name: n for n, name in enumerate(headings)}
    for n in range(len(headings)):
        assert any(cells[n] not in ("", "—") for _, cells in table), headings[n]
    seen: dict[str, list[tuple[int, int]]] = {}
    for unit_class, cells in table:
        seen.setdefault(unit_class, []).append((int(cells[0]), int(cells[columns["类内名次"]])))
    for ranks in seen.values():  # competition ranks within the class, in overall order
        for k, (overall, in_class) in enumerate(ranks):
            tied = k and overall == ranks[k - 1][0]
            assert in_class == (ranks[k - 1][1] if tied else k + 1)
    assert all(cells[columns["任务数"]] in ("90", "40", "20", "10", "30") for _, cells in table)
    visit.driver.find_element(By.CSS_SELECTOR, '#class-picker a[data-class="county"]').click()
    visit.wait_for("#shown-class")
    counties = rows(visit)
    assert len(counties) == len(seen["county"]) == 6
    assert {r.get_attribute("data-class") for r in counties} == {"county"}
    cells = [r.find_element(By.CSS_SELECTOR, "td.class-rank").text for r in counties]
    assert cells == [str(k) for k in range(1, 7)]
    visit.shoot("ranking-class", full=False)


def test_the_ranking_chart_has_one_bar_per_unit_for_the_period(visit: Visit) -> None:
    """For 2019-Q3 the chart draws one bar per unit, each the unit's 2019-Q3 total, not the year's."""
    from selenium.webdriver.common.by import By

    visit.sign_in("office")
    visit.get("/?rulebook=yinchuan-2018&period=2019-Q3")
    bars = visit.driver.find_elements(By.CSS_SELECTOR, "#ranking-chart svg rect.unit-bar")
    assert len(bars) == UNITS_IN_SAMPLE
    assert len(visit.driver.find_elements(By.CSS_SELECTOR, "#ranking-chart svg rect:not(.band)")) == len(bars)
    totals = {
        r.find_element(By.CSS_SELECTOR, "a.unit-link").text: r.find_element(By.CSS_SELECTOR, "td.total").text
        for r in rows(visit)
    }
    tips = [b.find_element(By.TAG_NAME, "title").get_attribute("textContent") for b in bars]
    assert dict(tip.rsplit(": ", 1) for tip in tips) == totals
    assert "2019-Q3" in visit.driver.find_element(By.CSS_SELECTOR, "#ranking-chart h2").text
    visit.shoot("ranking-chart-q3", limit=5000)


def test_a_quarter_cell_links_to_that_quarters_explanation(visit: Visit) -> None:
    """In the year's ranking, a unit's 2019-Q3 cell opens its unit page for 2019-Q3, whose explanation
    holds only 2019-Q3 lines summing to the cell's value."""
    from selenium.webdriver.common.by import By

    visit.sign_in("office")
    visit.get("/?rulebook=yinchuan-2018&period=2019")
    row = visit.driver.find_element(By.CSS_SELECTOR, 'tr[data-unit="xingqing"]')
    cell = row.find_elements(By.CSS_SELECTOR, "td.period a.period-link")[2]
    value = cell.text
    cell.click()
    visit.wait_for("#lines")
    assert "/units/xingqing" in visit.driver.current_url and "period=2019-Q3" in visit.driver.current_url
    periods = {td.text for td in visit.driver.find_elements(By.CSS_SELECTOR, "#lines tbody td.period")}
    assert periods == {"2019-Q3"}
    assert visit.driver.find_element(By.ID, "unit-total").text == value


def test_an_act_of_another_unit_in_an_explanation_is_a_link(visit: Visit) -> None:
    """An act an explanation cites that another unit's page lists (an endorsement of a report another
    unit filed) links to that page, at the act's period, scrolled to it; a unit token sees the id
    unlinked and /acts/ID of another unit's act answers as for an act it has not (404)."""
    from selenium.webdriver.common.by import By

    visit.sign_in("office")
    page = "/units/xingqing?rulebook=yinchuan-2018&period=2019-Q3"
    visit.get(page)
    listed = {li.get_attribute("id") for li in visit.driver.find_elements(By.CSS_SELECTOR, "li.act")}
    away = [
        a.text
        for a in visit.driver.find_elements(By.CSS_SELECTOR, "#lines a.act-link")
        if a.is_displayed() and f"act-{a.text}" not in listed
    ]
    assert away, "no act of another page among the explanation's acts"
    assert not visit.driver.find_elements(By.CSS_SELECTOR, "#lines span.missing")
    act_id = away[0]
    link = visit.driver.find_element(By.XPATH, f'//table[@id="lines"]//a[text()="{act_id}"]')
    visit.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    link.click()
    visit.wait_for(f'li[id="act-{act_id}"]')
    url = visit.driver.current_url
    assert "/units/" in url and "/units/xingqing" not in url and url.endswith(f"#act-{act_id}")
    assert "period=2019-Q3" in url
    assert visit.driver.execute_script("return document.querySelector(':target').id") == f"act-{act_id}"
    assert visit.driver.find_element(By.ID, f"act-{act_id}").is_displayed()
    visit.shoot("act-on-another-unit", full=False)

    visit.sign_in("unit:xingqing")
    visit.get(page)
    assert visit.driver.find_element(By.XPATH, f'//table[@id="lines"]//span[text()="{act_id}"]')
    visit.get(f"/acts/{act_id}?rulebook=yinchuan-2018")
    assert "404" in visit.driver.find_element(By.TAG_NAME, "h1").text
    assert "/units/" not in visit.driver.current_url


def test_the_unit_page_lists_the_periods_acts_and_filters_them(visit: Visit) -> None:
    """The unit page lists only the acts of the period picked, and its filter keeps those of one type,
    then those showing a text (an act's id)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.expected_conditions import staleness_of
    from selenium.webdriver.support.ui import Select, WebDriverWait

    visit.sign_in("office")
    visit.get("/units/xingqing?rulebook=yinchuan-2018&period=2019-Q3")

    def listed() -> list[Any]:
        return list(visit.driver.find_elements(By.CSS_SELECTOR, "#timeline li.act"))

    everything = listed()
    days = [a.find_element(By.CSS_SELECTOR, ".occurred").text for a in everything]
    assert everything and all("2019-07-01" <= d <= "2019-09-30" for d in days)
    assert f"本期共 {len(everything)} 项记录" in visit.driver.find_element(By.ID, "acts-count").text
    Select(visit.driver.find_element(By.ID, "sift-type")).select_by_value("report.adopted")
    visit.driver.find_element(By.ID, "sift-submit").click()
    visit.wait_for("#sift-clear")
    adopted = listed()
    assert 0 < len(adopted) < len(everything)
    assert {a.get_attribute("data-type") for a in adopted} == {"report.adopted"}
    assert "period=2019-Q3" in visit.driver.current_url and "type=report.adopted" in visit.driver.current_url
    one = adopted[1].get_attribute("id").removeprefix("act-")
    box = visit.driver.find_element(By.ID, "sift-text")
    box.clear()
    box.send_keys(one)
    before = visit.driver.find_element(By.ID, "sift-clear")
    visit.driver.find_element(By.ID, "sift-submit").click()
    WebDriverWait(visit.driver, 30).until(staleness_of(before))  # the filtered page has replaced this one
    visit.wait_for("#sift-clear")
    assert [a.get_attribute("id") for a in listed()] == [f"act-{one}"]
    visit.shoot("unit-filtered", full=False)


def test_names_and_rulebook_ids_do_not_wrap(visit: Visit) -> None:
    """In a narrow window, each unit name of the ranking and each clause id of an explanation stays one
    line high (no break inside a word)."""
    from selenium.webdriver.common.by import By

    visit.sign_in("office")
    visit.driver.set_window_size(900, 1000)
    try:
        script = (
            "return [...document.querySelectorAll(arguments[0])].filter(e => {"
            " const css = getComputedStyle(e), line = parseFloat(css.lineHeight) || 1.5 * parseFloat("
            "css.fontSize), pad = parseFloat(css.paddingTop) + parseFloat(css.paddingBottom);"
            " return e.getBoundingClientRect().height - pad > 1.4 * line;"
            "}).map(e => e.textContent)"
        )
        visit.get("/?rulebook=yinchuan-2018&period=2019")
        assert visit.driver.find_elements(By.CSS_SELECTOR, "#ranking a.unit-link")
        assert visit.driver.execute_script(script, "#ranking a.unit-link") == []
        assert visit.driver.execute_script(script, "#ranking thead th[data-column=period] button") == []
        visit.get("/units/xingqing?rulebook=yinchuan-2018&period=2019-Q3")
        assert visit.driver.find_elements(By.CSS_SELECTOR, "#lines .clause-id")
        assert visit.driver.execute_script(script, "#lines .clause-id") == []
    finally:
        visit.driver.set_window_size(1280, 1000)


def test_printed_pages_keep_their_headings_and_the_unit_page_its_period(visit: Visit) -> None:
    """In print, every sortable table's headings show (as text: no sort arrows), the class picker and
    the acts' filter are hidden, and the unit page prints its period's acts alone, not the year's
    timeline."""
    from selenium.webdriver.common.by import By

    visit.sign_in("office")
    visit.get("/?rulebook=yinchuan-2018&period=2019")
    visit.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        headings = visit.driver.find_elements(By.CSS_SELECTOR, "#ranking thead th")
        assert headings and all(th.is_displayed() and th.text.strip() for th in headings)
        first = visit.driver.find_element(By.CSS_SELECTOR, "#ranking thead th button")
        assert first.is_displayed() and first.text.startswith("名次")
        arrow = "return getComputedStyle(arguments[0], '::after').content"
        assert visit.driver.execute_script(arrow, first) in ("none", '""', "normal")
        assert not visit.driver.find_element(By.ID, "class-picker").is_displayed()
        visit.shoot("ranking-print", limit=1500)

        visit.get("/units/xingqing?rulebook=yinchuan-2018&period=2019-Q3")
        for hidden in ("form.sift", "form.pickers", "header nav", "#timeline-chart"):
            assert not visit.driver.find_element(By.CSS_SELECTOR, hidden).is_displayed(), hidden
        assert visit.driver.find_element(By.CSS_SELECTOR, "#lines thead th").is_displayed()
        acts = [a for a in visit.driver.find_elements(By.CSS_SELECTOR, "li.act") if a.is_displayed()]
        days = [a.find_element(By.CSS_SELECTOR, ".occurred").text for a in acts]
        assert acts and all("2019-07-01" <= d <= "2019-09-30" for d in days)
        visit.shoot("unit-print-period", limit=2500)
    finally:
        visit.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
