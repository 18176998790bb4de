"""Inputs that look alike, on SQLite and PostgreSQL: an id not in NFC and a title with a direction override
are refused at every door (append, JSON Lines, registers, HTTP) with the store unchanged; text an earlier
version recorded with such characters is shown escaped on the pages, in the bulletin and the CLI; text
shaped like a spreadsheet formula is never a formula."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import orjson
import pytest
from fastapi.testclient import TestClient

from ledger.acts import Act, canonical
from ledger.api import create_app
from ledger.bulletin import Request, issue
from ledger.errors import BatchRejected, LedgerError
from ledger.services import Ledger, Settings
from ledger.spreadsheets import SheetRejected, import_sheet
from ledger.tokens import check_name, new_token
from tests.serving import serving
from tests.signing import login

ROOT = Path(__file__).resolve().parents[1]
NFC = unicodedata.normalize("NFC", "XQ-café-1")  # é as one code point, U+00E9
NFD = unicodedata.normalize("NFD", NFC)  # e and U+0301 COMBINING ACUTE ACCENT: looks the same
RLO = "\u202e"
FORMULA = "=1+2+cmd|'/C calc'!A0"
UNIT = {"id": "u-xq", "type": "unit.registered", "occurred_on": "2019-01-01", "unit": "xingqing",
        "name": "兴庆区", "class": "county"}  # fmt: skip


def filing(report: str, act_id: str, title: str = "兴庆区推进老旧小区改造") -> dict[str, Any]:
    return {"id": act_id, "type": "report.filed", "occurred_on": "2019-07-03", "unit": "xingqing",
            "report": report, "title": title}  # fmt: skip


def snapshot(ledger: Ledger) -> Any:
    return ledger.store.head(), list(ledger.store.read())


def assert_names_nfc(message: str) -> None:
    assert "NFC" in message and "U+0065 U+0301" in message and "U+00E9" in message
    assert repr(NFC) in message  # the form to send instead


@pytest.fixture
def seeded(ledger: Ledger) -> Ledger:
    """A ledger holding one unit and the NFC form of a report id."""
    ledger.append([UNIT, filing(NFC, "f-1")])
    return ledger


# --- the NFC/NFD pair, at every door -------------------------------------------------------------


def test_the_nfd_form_of_a_stored_report_id_is_refused_by_append(seeded: Ledger) -> None:
    """Filing the NFD form of a report id already filed in NFC is refused naming the item, the field and
    the NFC form, and the store is unchanged (before, it was stored as a second report)."""
    before = snapshot(seeded)
    with pytest.raises(BatchRejected) as caught:
        seeded.append([filing(NFD, "f-2")])
    (error,) = caught.value.errors
    assert (error.where, error.field) == (1, "report")
    assert_names_nfc(error.message)
    assert snapshot(seeded) == before


def test_an_nfd_act_id_is_refused_so_a_retry_cannot_store_a_twin(seeded: Ledger) -> None:
    """An act id sent in NFD is refused, so it cannot become a second act beside its NFC twin."""
    before = snapshot(seeded)
    with pytest.raises(BatchRejected) as caught:
        seeded.append([{**filing("R-2", NFD)}])
    assert [(e.where, e.field) for e in caught.value.errors] == [(1, "id")]
    assert snapshot(seeded) == before


def test_a_json_lines_import_names_the_nfd_line(seeded: Ledger) -> None:
    """A JSON Lines file with the NFD id on its line 2 is refused whole, naming line 2 and the field."""
    before = snapshot(seeded)
    lines = [orjson.dumps(filing("R-2", "f-2")), orjson.dumps(filing(NFD, "f-3"))]
    with pytest.raises(BatchRejected) as caught:
        seeded.import_lines(lines)
    (error,) = caught.value.errors
    assert str(error).startswith("第 2 行，字段 report：")
    assert_names_nfc(error.message)
    assert snapshot(seeded) == before


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_register_names_the_row_and_column_of_an_nfd_report_id(
    seeded: Ledger, tmp_path: Path, suffix: str
) -> None:
    """A filings register (CSV or XLSX) with the NFD id in its row 3 is refused whole, naming row 3 and the
    column 信息编号, and the store is unchanged."""
    rows = [
        ["报送日期", "报送单位", "信息编号", "标题"],
        ["2019-07-04", "xingqing", "R-2", "兴庆区秋粮收购"],
        ["2019-07-05", "xingqing", NFD, "兴庆区社区治理"],
    ]
    path = tmp_path / f"报送登记{suffix}"
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerows(rows)
    else:
        book = openpyxl.Workbook()
        for row in rows:
            book.active.append(row)
        book.save(path)
    before = snapshot(seeded)
    with pytest.raises(SheetRejected) as caught:
        import_sheet(seeded, path)
    (line,) = caught.value.lines
    assert line.startswith("第 3 行，信息编号（report）列：")
    assert_names_nfc(line)
    assert snapshot(seeded) == before


def test_http_refuses_the_nfd_form_with_422_and_stores_nothing(database_url: str) -> None:
    """Over a served ledger, the NFC id is stored (201) and its NFD twin is a 422 problem naming item 1,
    field 'report' and the NFC form; the acts are as before it."""
    with serving(database_url) as server, server.client() as client:
        assert client.post("/v1/events", json=[UNIT, filing(NFC, "f-1")]).status_code == 201
        before = client.get("/v1/events").json()["acts"]
        answer = client.post("/v1/events", json=filing(NFD, "f-2"))
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert "第 1 项，字段 report" in answer.json()["detail"]
        assert_names_nfc(answer.json()["detail"])
        title = client.post("/v1/events", json=filing("R-2", "f-3", f"兴庆区{RLO}改造"))
        assert title.status_code == 422
        assert "字段 title" in title.json()["detail"] and "U+202E" in title.json()["detail"]
        assert client.get("/v1/events").json()["acts"] == before


def test_a_right_to_left_override_in_a_title_is_refused_naming_it(seeded: Ledger) -> None:
    """A title holding U+202E is refused naming the code point, its name and its position."""
    before = snapshot(seeded)
    with pytest.raises(BatchRejected) as caught:
        seeded.append([filing("R-2", "f-2", f"兴庆区{RLO}改造")])
    (error,) = caught.value.errors
    assert error.field == "title"
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in error.message and "第4个字符" in error.message
    assert "position 4" in error.message
    assert snapshot(seeded) == before


# --- text recorded by an earlier version ---------------------------------------------------------


OLD_NAME = f"兴庆{RLO}区"
OLD_TITLE = f"关于{RLO}txt.exe的报告"
OLD_ID = f"x-{RLO}1"


def recorded_earlier(ledger: Ledger, raws: list[dict[str, Any]]) -> None:
    """Store acts as an earlier version of the ledger accepted them: made by hand, past today's parser,
    and written by the store's own append (and its `encode`)."""
    acts = []
    for where, raw in enumerate(raws, start=1):
        fields = {k: v for k, v in raw.items() if k not in ("id", "type", "occurred_on")}
        day = raw["occurred_on"]
        content = canonical(raw["type"], day, fields)
        acts.append((where, Act(raw["id"], raw["type"], dt.date.fromisoformat(day), fields, True, content)))
    ledger.store.append(acts)


@pytest.fixture
def earlier(ledger: Ledger) -> Ledger:
    """A ledger where an earlier version recorded a unit name, a title and an act id holding U+202E."""
    excellent = {"id": OLD_ID, "type": "report.excellent", "occurred_on": "2019-07-20", "report": "R-1"}
    recorded_earlier(ledger, [{**UNIT, "name": OLD_NAME}, filing("R-1", "f-1", OLD_TITLE), excellent])
    return ledger


def test_text_recorded_earlier_reads_back_byte_identical_and_restores(
    earlier: Ledger, tmp_path: Path, catalogue: Any
) -> None:
    """The stored name and title read back as recorded, and the ledger's export of them restores (the
    character rules are for new acts; an acknowledged act is never lost)."""
    names = [a.fields.get("name") or a.fields.get("title") for a in earlier.store.read()]
    assert names == [OLD_NAME, OLD_TITLE, None]
    assert [a.id for a in earlier.store.read()][2] == OLD_ID
    assert earlier.store.verify()[1] is None
    copy = Ledger.open(Settings(database_url=f"sqlite:///{tmp_path / 'copy.db'}"))
    try:
        assert copy.restore(list(earlier.export())) == 3
        assert list(copy.store.read()) == list(earlier.store.read())
    finally:
        copy.close()


def test_the_unit_page_shows_text_recorded_earlier_escaped(earlier: Ledger, database_url: str) -> None:
    """The unit page shows the name, the title and the act id with <U+202E> where the override is, never
    the raw character, and links to the act by the id as shown."""
    app = create_app(Settings(database_url=database_url))
    with TestClient(app) as client:
        token = new_token()
        app.state.tokens.create(token, "office-page", "office")
        assert login(client, token).is_redirect
        page = client.get("/units/xingqing?rulebook=yinchuan-2018&period=2019-Q3")
    assert page.status_code == 200, page.text
    assert RLO not in page.text
    assert "兴庆&lt;U+202E&gt;区" in page.text
    assert "关于&lt;U+202E&gt;txt.exe的报告" in page.text
    assert 'id="act-x-&lt;U+202E&gt;1"' in page.text and 'href="#act-x-%3CU%2B202E%3E1"' in page.text


def test_the_bulletins_show_text_recorded_earlier_escaped(earlier: Ledger) -> None:
    """The HTML bulletin and the XLSX bulletin show the unit's name with <U+202E>, never the raw character."""
    html = issue(earlier, Request(rulebook="yinchuan-2018", period="2019-Q3", format="html")).content
    text = html.decode()
    assert RLO not in text and "兴庆&lt;U+202E&gt;区" in text
    xlsx = issue(earlier, Request(rulebook="yinchuan-2018", period="2019-Q3", format="xlsx")).content
    values = [c for row in openpyxl.load_workbook(io.BytesIO(xlsx))["通报"].values for c in row]
    assert "兴庆<U+202E>区" in values and not any(RLO in str(v) for v in values)


def ledger_cli(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "ledger", *args, "--db", db],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result


def test_the_cli_table_and_csv_show_text_recorded_earlier_escaped(earlier: Ledger, database_url: str) -> None:
    """`ledger score` as a table and as CSV shows the name with <U+202E>, never the raw character; the
    JSON keeps the text as stored."""
    score = ("score", "--rulebook", "yinchuan-2018", "--period", "2019-Q3")
    table = ledger_cli(*score, db=database_url).stdout
    assert RLO not in table and "兴庆<U+202E>区" in table
    rows = list(csv.reader(io.StringIO(ledger_cli(*score, "--format", "csv", db=database_url).stdout)))
    assert rows[1][2] == "兴庆<U+202E>区"
    document = orjson.loads(ledger_cli(*score, "--format", "json", db=database_url).stdout)
    assert document["units"][0]["name"] == OLD_NAME


# --- text shaped like a formula --------------------------------------------------------------------


def test_a_formula_as_a_unit_name_and_a_title_is_stored_and_never_a_formula(
    ledger: Ledger, database_url: str
) -> None:
    """A unit named, and a report titled, `=1+2+cmd|'/C calc'!A0` are stored as sent; the XLSX bulletin
    holds the name as a text cell (read back, and no <f> in the sheet's XML); the CSV prefixes it with '
    while the numeric columns (a negative total among them) stay numbers."""
    ledger.append(
        [
            {**UNIT, "name": FORMULA},
            {**UNIT, "id": "u-jf", "unit": "jinfeng", "name": "-金凤区"},
            filing("R-1", "f-1", FORMULA),
            {"id": "c-1", "type": "commission.missed", "occurred_on": "2019-07-05", "unit": "jinfeng"},
        ]
    )
    stored = {a.id: a.fields for a in ledger.store.read()}
    assert stored["u-xq"]["name"] == FORMULA and stored["f-1"]["title"] == FORMULA

    xlsx = issue(ledger, Request(rulebook="yinchuan-2018", period="2019-Q3", format="xlsx")).content
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx))["通报"]
    cells = {c.value: c for row in sheet.iter_rows() for c in row if c.value in (FORMULA, "-金凤区")}
    assert set(cells) == {FORMULA, "-金凤区"}
    assert all(c.data_type == "s" and c.quotePrefix for c in cells.values())
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)

    score = ("score", "--rulebook", "yinchuan-2018", "--period", "2019-Q3", "--format", "csv")
    rows = {r[1]: r for r in csv.reader(io.StringIO(ledger_cli(*score, db=database_url).stdout))}
    assert rows["xingqing"][2] == "'" + FORMULA
    assert rows["jinfeng"][2] == "'-金凤区"
    assert float(rows["jinfeng"][4]) < 0 and not rows["jinfeng"][4].startswith("'")


def test_a_token_name_not_in_nfc_is_refused() -> None:
    """Token names are how tokens are revoked: a name in NFD (Hangul jamo, or e and an accent) is refused
    naming NFC, so two names that look the same cannot name two tokens."""
    assert check_name("信息科 office-1") == "信息科 office-1"
    for name in (unicodedata.normalize("NFD", "한글"), unicodedata.normalize("NFD", "Café")):
        with pytest.raises(LedgerError, match="NFC"):
            check_name(name)
    with pytest.raises(LedgerError):
        check_name("信息科 ")


def test_values_shaped_like_terminal_markup_are_reported_not_crashed_on(tmp_path: Path) -> None:
    """A file whose bad line quotes `[/x]` (rich's markup for a closing tag) is refused with the line and
    field named, exit 1, instead of a traceback from the terminal printer."""
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(orjson.dumps({**UNIT, "unit": "[/x]"}) + b"\n")
    result = subprocess.run(
        [sys.executable, "-m", "ledger", "import", str(bad), "--db", f"sqlite:///{tmp_path / 'l.db'}"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "第 1 行，字段 unit" in result.stderr and "[/x]" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_unit_name_shaped_like_terminal_markup_is_shown_as_written(
    ledger: Ledger, database_url: str
) -> None:
    """A unit named `[/x][bold]兴庆区` appears as written in the `ledger score` table (before, rich read it
    as markup and the command died)."""
    ledger.append([{**UNIT, "name": "[/x][bold]兴庆区"}])
    table = ledger_cli("score", "--rulebook", "yinchuan-2018", "--period", "2019-Q3", db=database_url).stdout
    assert "[/x][bold]兴庆区" in table
