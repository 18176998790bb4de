"""The bulletin page (通报): the office fills in the particulars and downloads the PDF or XLSX (with its
manifest in a ZIP when asked) from a served sample year, over HTTP and in a real Chromium."""

from __future__ import annotations

import base64
import io
import re
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from openpyxl import load_workbook

from ledger.bulletin import verify_file
from ledger.services import Ledger, Settings
from tests import test_web
from tests.projected import filled_database
from tests.serving import Server, serving
from tests.test_web import ROLES, Visit, need_browser

browser, shots, visit = test_web.browser, test_web.shots, test_web.visit  # the browser tests' fixtures

GIVEN = {
    "rulebook": "yinchuan-2018",
    "period": "2019-Q3",
    "number": "银政办发〔2019〕12号",
    "to": "各县（市）区人民政府，市直各部门",
    "cc": "自治区人民政府办公厅",
    "issued_on": "2019-10-08",
}


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    return filled_database(tmp_path_factory.mktemp("bulletin-page"))


@pytest.fixture(scope="module")
def server(database: str) -> Iterator[Server]:
    need_browser()
    with serving(database, roles=ROLES) as served:
        yield served


def post(server: Server, role: str, **fields: str) -> Any:
    client, csrf = server.reader(role)
    try:
        return client.post("/bulletin", data={"csrf": csrf, **fields})
    finally:
        client.close()


def test_the_office_downloads_an_xlsx_with_its_manifest_that_verifies(server: Server, database: str) -> None:
    """A ZIP asked for holds the XLSX, with the 文号 and 抄送 given, and its manifest, which verifies
    against the ledger as identical."""
    answer = post(server, "office", **GIVEN, format="xlsx", manifest="1")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    assert 'filename="bulletin-2019-Q3-xlsx.zip"' in answer.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        assert sorted(archive.namelist()) == ["bulletin-2019-Q3.xlsx", "bulletin-2019-Q3.xlsx.manifest.json"]
        content = archive.read("bulletin-2019-Q3.xlsx")
        manifest = orjson.loads(archive.read("bulletin-2019-Q3.xlsx.manifest.json"))
    texts = [c.value for row in load_workbook(io.BytesIO(content))["通报"].iter_rows() for c in row]
    assert any("银政办发〔2019〕12号" in str(t) for t in texts) and "抄送：自治区人民政府办公厅。" in texts
    assert {k: manifest["request"][k] for k in ("number", "to", "cc", "issued_on")} == {
        k: GIVEN[k] for k in ("number", "to", "cc", "issued_on")
    }
    ledger = Ledger.open(Settings(database_url=database))
    try:
        result = verify_file(ledger, _written(manifest, content))
    finally:
        ledger.close()
    assert result.identical and result.code_matches and result.exit_code == 0


def _written(manifest: dict[str, Any], content: bytes) -> Path:
    import tempfile

    folder = Path(tempfile.mkdtemp())
    (folder / manifest["document"]["file"]).write_bytes(content)
    path = folder / f"{manifest['document']['file']}.manifest.json"
    path.write_bytes(orjson.dumps(manifest))
    return path


def test_the_page_refuses_a_bad_date_other_roles_and_a_form_without_its_token(server: Server) -> None:
    """An 印发日期 that is not a date is a 400 page naming it; the auditor and a unit get 403; a form
    without its CSRF token is refused."""
    bad = post(server, "office", **{**GIVEN, "issued_on": "2019-02-30"}, format="pdf")
    assert bad.status_code == 400 and "印发日期" in bad.text and "不是日期" in bad.text
    assert 'value="银政办发〔2019〕12号"' in bad.text  # the form keeps what was typed
    for role in ("auditor", "unit:xingqing"):
        client, _ = server.reader(role)
        page, nav = client.get("/bulletin"), client.get("/rulebooks").text
        client.close()
        assert page.status_code == 403 and "信息科" in page.text
        assert 'href="/bulletin"' not in nav
    client, _ = server.reader("office")
    refused = client.post("/bulletin", data={**GIVEN, "format": "pdf"})
    client.close()
    assert refused.status_code == 403 and "CSRF" in refused.text


FETCH = """
const done = arguments[arguments.length - 1];
const form = document.getElementById('bulletin-form');
const data = new URLSearchParams(new FormData(form));
data.append('format', arguments[0]);
fetch(form.action, {method: 'POST', body: data, credentials: 'same-origin'})
  .then(r => r.arrayBuffer().then(buffer => {
    const bytes = new Uint8Array(buffer);
    let text = '';
    for (let i = 0; i < bytes.length; i += 8192) {
      text += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
    }
    done({status: r.status, type: r.headers.get('content-type'), body: btoa(text)});
  }))
  .catch(e => done({status: 0, type: String(e), body: ''}));
"""


def test_bulletin_page_in_the_browser(visit: Visit, tmp_path: Path) -> None:
    """The office opens 通报 from the navigation, fills in rulebook, period, 文号, 主送, 抄送 and 印发日期,
    and the PDF its form posts carries the 文号, 主送 and 抄送."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    visit.sign_in("office")
    visit.driver.find_element(By.CSS_SELECTOR, 'nav a[href="/bulletin"]').click()
    visit.wait_for("#bulletin-form")
    visit.check_local()
    Select(visit.driver.find_element(By.ID, "bulletin-rulebook")).select_by_value(GIVEN["rulebook"])
    for name in ("period", "number", "to", "cc"):
        field = visit.driver.find_element(By.ID, f"bulletin-{name}")
        field.clear()
        field.send_keys(GIVEN[name])
    date = visit.driver.find_element(By.ID, "bulletin-issued-on")
    visit.driver.execute_script("arguments[0].value = arguments[1]", date, GIVEN["issued_on"])
    visit.fits_1280()
    visit.shoot("bulletin", full=False)
    visit.driver.set_script_timeout(180)
    answer = visit.driver.execute_async_script(FETCH, "pdf")
    assert answer["status"] == 200 and answer["type"] == "application/pdf", answer["type"]
    out = tmp_path / "bulletin.pdf"
    out.write_bytes(base64.b64decode(answer["body"]))
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "银政办发〔2019〕12号" in text
    assert "各县（市）区人民政府，市直各部门：" in text and "抄送：自治区人民政府办公厅。" in text
    assert re.search(r"核验码：[0-9a-f]{12}", text)
    visit.check_local()
