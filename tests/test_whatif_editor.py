"""The what-if page's editor: a clerk changes a number of the rulebook in force, compares, reads the
change in words and the units in the draft's rank order, downloads the draft and loads it back; over
plain HTTP, then in a real Chromium."""

from __future__ import annotations

import html
import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.signing import sign_in
from tests.test_web import (  # the page tests' sample year, over HTTP and served to a signed-in browser
    Visit,
    app,
    browser,
    draft_toml,
    http,
    need_browser,
    server,
    shots,
    visit,
)

__all__ = ["app", "browser", "http", "need_browser", "server", "shots", "visit"]

INPUT = re.compile(r'<input name="(n:[^"]+)" value="([^"]*)"')
ZWXX = "publications.yinchuan-zwxx.points.default"
QUOTA = "classes.county.quota"
IN_WORDS = "《银川政务信息》每条分值 3 → 4"


@pytest.fixture
def csrf(app: tuple[TestClient, dict[str, str]], http: TestClient) -> str:
    return sign_in(http, app[1]["office"])


def editor_form(page: str, csrf: str, changed: dict[str, str]) -> dict[str, str]:
    """The what-if form as the page's editor holds it, with the inputs named by path changed."""
    form = {"csrf": csrf, "base": "yinchuan-2018", "period": "2019", "source": "editor"}
    form.update(INPUT.findall(page))
    ref = re.search(r'name="edit_from" value="([^"]*)"', page)
    if ref:
        form["edit_from"] = ref.group(1)
    else:
        loaded = re.search(r'<textarea name="edit_text" hidden>(.*?)</textarea>', page, re.S)
        assert loaded, "the editor carries neither a catalogue version nor a loaded draft"
        form["edit_text"] = html.unescape(loaded.group(1))
    for path, value in changed.items():
        assert f"n:{path}" in form, path
        form[f"n:{path}"] = value
    return form


def draft_ranks(page: str) -> list[int]:
    return [int(r) for r in re.findall(r'<td class="num draft-rank" data-value="(\d+)">', page)]


def downloaded_text(page: str) -> str:
    found = re.search(r'<textarea name="draft_toml" hidden>(.*?)</textarea>', page, re.S)
    assert found, "the result offers no draft to download"
    return html.unescape(found.group(1))


def test_the_editor_opens_on_the_version_in_force(http: TestClient, csrf: str) -> None:
    """Every number of the base's version in force is an input with its Chinese label, the version
    one past the family's last; starting again follows the base picked."""
    page = http.get("/whatif")
    assert page.status_code == 200
    assert 'name="edit_from" value="yinchuan-2018@1"' in page.text
    inputs = dict(INPUT.findall(page.text))
    assert len(inputs) == 27 and inputs["n:version"] == "2" and inputs[f"n:{ZWXX}"] == "3"
    assert "《银川政务信息》每条分值" in page.text and "县(市)区 季度报送任务数" in page.text
    assert "条款 9.3-endorsement" in page.text
    restart = {**editor_form(page.text, csrf, {ZWXX: "4"}), "base": "county-info", "action": "restart"}
    again = http.post("/whatif", data=restart)
    assert again.status_code == 200 and 'name="edit_from" value="county-info@1"' in again.text
    assert 'id="whatif-table"' not in again.text and f'data-path="{ZWXX}"' not in again.text


def test_a_changed_number_is_compared_said_in_words_downloaded_and_loaded_back(
    http: TestClient, csrf: str
) -> None:
    """3 → 4 points for 《银川政务信息》: said in words, units in draft-rank order with their movement;
    the draft downloads as yinchuan-2018-v2.toml with its comments and loads back into the editor."""
    form = editor_form(http.get("/whatif").text, csrf, {ZWXX: "4"})
    page = http.post("/whatif", data=form)
    assert page.status_code == 200, page.text
    assert f"<li>{IN_WORDS}</li>" in page.text and "<li>版本号 1 → 2</li>" in page.text
    ranks = draft_ranks(page.text)
    assert len(ranks) > 50 and ranks == sorted(ranks)
    assert re.search(r'class="num moved-by"[^>]*><span class="(pos|neg)">[↑↓]\d+</span>', page.text)
    assert 'id="whatif-warning"' not in page.text

    text = downloaded_text(page.text)
    answer = http.post("/whatif/draft", data={"csrf": csrf, "draft_toml": text})
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == 'attachment; filename="yinchuan-2018-v2.toml"'
    assert "points = { default = 4, brief = 1 }   # 被《银川政务信息》采用的每条计3分" in answer.text

    files = {"draft_file": ("yinchuan-2018-v2.toml", answer.content, "application/toml")}
    loaded = http.post("/whatif/load", data={"csrf": csrf, "base": "yinchuan-2018"}, files=files)
    assert loaded.status_code == 200, loaded.text
    inputs = dict(INPUT.findall(loaded.text))
    assert inputs[f"n:{ZWXX}"] == "4" and inputs["n:version"] == "2"
    again = http.post("/whatif", data=editor_form(loaded.text, csrf, {QUOTA: "80"}))
    assert again.status_code == 200, again.text
    assert f"<li>{IN_WORDS}</li>" in again.text and "<li>县(市)区 季度报送任务数 90 → 80</li>" in again.text


def test_a_bad_number_is_refused_beside_its_input(http: TestClient, csrf: str) -> None:
    """A quota past the bounds gets parse_rulebook's Chinese refusal beside its input, a word that is no
    number the editor's own; the values typed stay in the editor."""
    start = http.get("/whatif").text
    page = http.post("/whatif", data=editor_form(start, csrf, {QUOTA: "2000000"}))
    assert page.status_code == 422
    beside = re.search(
        r'value="2000000"[^>]*data-path="classes.county.quota"[^>]*>\s*<span class="fault"[^>]*>([^<]*)<',
        page.text,
    )
    assert beside and "超出范围" in beside.group(1), page.text
    assert "classes.county.quota" in page.text.split('class="error"', 1)[1].split("</p>", 1)[0]
    page = http.post("/whatif", data=editor_form(start, csrf, {ZWXX: "三"}))
    assert page.status_code == 422 and "须填一个数" in page.text and "《银川政务信息》每条分值：" in page.text


def test_a_draft_keeping_a_published_id_and_version_is_warned(http: TestClient, csrf: str) -> None:
    """Pasted, edited or loaded, a draft that keeps yinchuan-2018's id and version 1 with other content
    is compared with a warning suggesting version 2; one with version 2 is not."""
    form = {"csrf": csrf, "base": "yinchuan-2018", "period": "2019", "source": "toml"}
    pasted = http.post("/whatif", data={**form, "draft_toml": draft_toml(**{"met = 10": "met = 30"})})
    assert pasted.status_code == 200
    warning = re.search(r'id="whatif-warning">([^<]*)<', pasted.text)
    assert warning and "第1版" in warning.group(1) and "建议将版本号改为 2" in warning.group(1)
    bumped = draft_toml(**{"met = 10": "met = 30", "version = 1": "version = 2"})
    assert 'id="whatif-warning"' not in http.post("/whatif", data={**form, "draft_toml": bumped}).text

    edited = http.post(
        "/whatif", data=editor_form(http.get("/whatif").text, csrf, {"version": "1", ZWXX: "4"})
    )
    assert edited.status_code == 200 and "建议将版本号改为 2" in edited.text

    same = draft_toml(**{"met = 10": "met = 30"}).encode()
    files = {"draft_file": ("mine.toml", same, "application/toml")}
    loaded = http.post("/whatif/load", data={"csrf": csrf, "base": "yinchuan-2018"}, files=files)
    assert loaded.status_code == 200 and "建议将版本号改为 2" in loaded.text


def test_drafts_as_files_are_checked(app: tuple[TestClient, dict[str, str]], http: TestClient) -> None:
    """A file that is no rulebook is refused beside the editor, a form without its token refused, and
    a unit's reader can neither download nor load."""
    csrf = sign_in(http, app[1]["office"])
    files = {"draft_file": ("x.toml", b"id = [unclosed", "application/toml")}
    broken = http.post("/whatif/load", data={"csrf": csrf, "base": "yinchuan-2018"}, files=files)
    assert broken.status_code == 422 and "载入的草案无效" in broken.text and "x.toml" in broken.text
    assert 'name="edit_from" value="yinchuan-2018@1"' in broken.text
    assert http.post("/whatif/load", data={"base": "yinchuan-2018"}, files=files).status_code == 403
    assert http.post("/whatif/draft", data={"csrf": csrf, "draft_toml": "id = 1"}).status_code == 422
    sign_in(http, app[1]["unit:xingqing"])
    assert http.post("/whatif/draft", data={"draft_toml": draft_toml()}).status_code == 403
    assert http.post("/whatif/load", files=files).status_code == 403


# --- a real browser ------------------------------------------------------------------------------


def test_the_whatif_editor_in_the_browser(visit: Visit, tmp_path: Path) -> None:
    """The office changes 《银川政务信息》's points in the editor, compares, reads "3 → 4" and the rank
    movements, downloads the draft and loads the file back through the file input."""
    from selenium.webdriver.common.by import By

    visit.sign_in("office")
    visit.get("/whatif")
    visit.wait_for("#whatif-editor")
    points = visit.driver.find_element(By.CSS_SELECTOR, f'input[data-path="{ZWXX}"]')
    assert points.get_attribute("value") == "3"
    points.clear()
    points.send_keys("4")
    visit.driver.find_element(By.ID, "whatif-submit").click()
    visit.wait_for("#whatif-said")
    visit.check_local()
    said = [li.text for li in visit.driver.find_elements(By.CSS_SELECTOR, "#whatif-said li")]
    assert IN_WORDS in said
    ranks = [
        int(td.text) for td in visit.driver.find_elements(By.CSS_SELECTOR, "#whatif-table td.draft-rank")
    ]
    assert ranks == sorted(ranks)
    moved = [td.text for td in visit.driver.find_elements(By.CSS_SELECTOR, "#whatif-table td.moved-by")]
    assert any(m.startswith(("↑", "↓")) for m in moved)
    visit.fits_1280()
    visit.shoot("whatif-editor")

    visit.driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)}
    )
    visit.driver.find_element(By.ID, "whatif-download").click()
    saved = tmp_path / "yinchuan-2018-v2.toml"
    deadline = time.monotonic() + 30
    while not saved.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "points = { default = 4, brief = 1 }" in saved.read_text(encoding="utf-8")

    visit.driver.find_element(By.ID, "draft-file").send_keys(str(saved))
    visit.driver.find_element(By.ID, "draft-load").click()
    visit.wait_for("textarea[name=edit_text]")
    visit.check_local()
    points = visit.driver.find_element(By.CSS_SELECTOR, f'input[data-path="{ZWXX}"]')
    assert points.get_attribute("value") == "4"
    assert "载入的草案" in visit.driver.find_element(By.CSS_SELECTOR, "#whatif-editor h2").text
    visit.driver.find_element(By.ID, "whatif-submit").click()
    visit.wait_for("#whatif-said")
    assert IN_WORDS in visit.driver.find_element(By.ID, "whatif-said").text
