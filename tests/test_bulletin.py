"""The bulletin (《政务信息采用情况通报》): figures, formats, byte-identical rebuilds, verify, command."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import importlib.util
import io
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import orjson
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

import ledger.cli
from ledger import __version__
from ledger.acts import Act as StoreAct
from ledger.acts import canonical, parse_act
from ledger.bulletin import (
    DIRS_ENV,
    FONT_ENV,
    FONTS_ENV,
    Request,
    find_fonts,
    issue,
    manifest_path,
    period_name,
    render_pdf,
    verify_file,
    write,
)
from ledger.bulletin.model import Criticism
from ledger.cli.bulletin import bulletin_app
from ledger.errors import LedgerError
from ledger.periods import parse_period
from ledger.rulebooks import Catalogue
from ledger.services import Ledger
from ledger.store import open_store

ROOT = Path(__file__).resolve().parents[1]
EARLY = "2020-01-01T00:00:00.000000Z"  # a recorded time before any test's bulletin
BOOK = "yinchuan-2018"
Act = dict[str, Any]
Make = Callable[..., Act]
PUBLICATIONS = [
    "yinchuan-zwxx",
    "yinchuan-ztxx",
    "forwarded-region",
    "guobao",
    "ningxia-kuaibao",
    "ningxia-chenbao",
]


needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed"
)


def filings(act: Make, unit: str, count: int, day: str, tag: str = "") -> list[Act]:
    return [
        act("report.filed", day, id=f"f-{unit}{tag}-{i}", unit=unit, report=f"{unit}{tag}-{i}", title="信息")
        for i in range(count)
    ]


def year(act: Make) -> list[Act]:
    """A small known 2019 under yinchuan-2018 (vertical class: quota 10 a quarter).

    Q3 totals: 甲局 29 = quota 10 + 《银川政务信息》 3 + 《银川专题信息》 5 + 《国报信息》 5 + a combined
    《银川政务信息》 3 + a city endorsement 3; 乙局 14 = 10 + a brief 1 + the combined adoption 3 (a duplicate
    adoption is voided); 丁局 7 = 10 − 3 for a missed commission, criticised by the city; 丙局 0 = quota
    missed in Q2 and Q3, hence criticised (连续2个季度未完成).
    """

    def reg(unit: str, name: str, day: str) -> Act:
        return act("unit.registered", day, id=f"reg-{unit}", unit=unit, name=name, **{"class": "vertical"})

    def adopt(day: str, report: str, publication: str, form: str = "item", **more: Any) -> Act:
        return act("report.adopted", day, report=report, publication=publication, form=form, **more)

    return [
        reg("alpha", "甲局", "2019-07-01"),
        reg("beta", "乙局", "2019-07-01"),
        reg("gamma", "丙局", "2019-04-01"),
        reg("delta", "丁局", "2019-07-01"),
        *filings(act, "gamma", 5, "2019-05-10", "q2"),
        *filings(act, "alpha", 10, "2019-07-05"),
        *filings(act, "beta", 10, "2019-07-08"),
        *filings(act, "gamma", 5, "2019-08-01"),
        *filings(act, "delta", 10, "2019-07-09"),
        act("report.filed", "2019-10-08", id="f-alpha-q4", unit="alpha", report="alpha-q4", title="四季度"),
        adopt("2019-07-10", "alpha-0", "yinchuan-zwxx", id="ad-a0"),
        adopt("2019-07-11", "alpha-1", "yinchuan-ztxx", id="ad-a1"),
        adopt("2019-08-12", "alpha-2", "guobao", id="ad-a2"),
        adopt("2019-08-15", "alpha-3", "yinchuan-zwxx", "combined", units=["alpha", "beta"], id="ad-a3"),
        adopt("2019-07-20", "beta-0", "yinchuan-zwxx", "brief", id="ad-b0"),
        adopt("2019-07-21", "beta-1", "ningxia-kuaibao", id="ad-dup"),
        act("event.voided", "2019-07-25", id="void-dup", target="ad-dup", reason="重复登记"),
        act("endorsement.received", "2019-08-01", id="en-a0", report="alpha-0", level="city"),
        act("commission.missed", "2019-09-02", id="cm-delta", unit="delta"),
        act("criticism.notified", "2019-08-20", id="cr-delta", unit="delta", notifier="city"),
    ]


HEADERS = ["《银川政务信息》", "《银川专题信息》", "采编上报自治区", "《国报信息》", "《宁夏政务快报》"]
HEADERS += ["《宁夏政务晨报》"]
EXPECTED = {  # unit: (rank, name, filed, adoptions per publication, endorsements, total)
    "alpha": (1, "甲局", 10, [2, 1, 0, 1, 0, 0], 1, 29),
    "beta": (2, "乙局", 10, [2, 0, 0, 0, 0, 0], 0, 14),
    "delta": (3, "丁局", 10, [0, 0, 0, 0, 0, 0], 0, 7),
    "gamma": (4, "丙局", 5, [0, 0, 0, 0, 0, 0], 0, 0),
}


@pytest.fixture
def known(sqlite_ledger: Ledger, act: Make) -> Ledger:
    sqlite_ledger.append(year(act))
    return sqlite_ledger


class Cells(HTMLParser):
    """The ranked table's body rows (by data-unit) and the criticised units' list items."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, list[str]] = {}
        self.criticised: dict[str, str] = {}
        self.headers: list[str] = []
        self._row: str | None = None
        self._item: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        unit = dict(attrs).get("data-unit")
        if tag == "tr" and unit:
            self._row = unit
            self.rows[unit] = []
        elif tag == "li" and unit:
            self._item = unit
            self.criticised[unit] = ""
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell).strip()
            if tag == "td" and self._row:
                self.rows[self._row].append(text)
            elif tag == "th":
                self.headers.append(text)
            self._cell = None
        elif tag == "tr":
            self._row = None
        elif tag == "li":
            self._item = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._item:
            self.criticised[self._item] += data


def parse_html(content: bytes) -> Cells:
    parser = Cells()
    parser.feed(content.decode("utf-8"))
    return parser


def test_html_table_holds_the_known_years_figures(known: Ledger) -> None:
    """The HTML bulletin's ranked table gives each unit's rank, filings, adoptions by publication,
    endorsements and total exactly as computed by hand, in rank order."""
    issued = issue(known, Request(BOOK, "2019-Q3", "html"))
    page = parse_html(issued.content)
    assert list(page.rows) == ["alpha", "beta", "delta", "gamma"]
    for unit, (rank, name, filed, adoptions, endorsed, total) in EXPECTED.items():
        expected = [str(rank), name, str(filed), *map(str, adoptions), str(sum(adoptions)), str(endorsed)]
        assert page.rows[unit] == [*expected, str(total)], unit
    score = {
        u["unit"]: u["total"]
        for u in known.score(BOOK, "2019-Q3", known_at=issued.bulletin.known_at)["units"]
    }
    assert score == {unit: e[5] for unit, e in EXPECTED.items()}
    assert page.headers[:6] == ["排名", "单位", "报送数", "采用数", "批示", "得分"]
    assert page.headers[6:13] == [*HEADERS, "合计"]


def test_html_names_the_criticised_units_and_why(known: Ledger) -> None:
    """通报批评 lists the unit two quarters below quota and the unit the city criticised, no other."""
    page = parse_html(issue(known, Request(BOOK, "2019-Q3", "html")).content)
    assert set(page.criticised) == {"gamma", "delta"}
    assert "连续2个季度未完成信息报送任务（2019年第二季度、2019年第三季度）" in page.criticised["gamma"]
    assert "受到市级通报批评（2019年8月20日）" in page.criticised["delta"]


def test_html_is_a_chinese_bulletin_whose_provenance_is_in_its_manifest(known: Ledger) -> None:
    """The page carries the title, issuer, period, issue number, rulebook document, 主送, the 印发 line and a
    核验码, and no external asset; the rulebook's sha256 and the ledger position are in the manifest only."""
    issued = issue(known, Request(BOOK, "2019-Q3", "html"))
    text = issued.content.decode("utf-8")
    book = Catalogue.load().select(BOOK).latest
    for piece in (
        "政务信息采用情况通报",
        "银川市人民政府办公厅",
        "2019年第三季度",
        "2019年第3期",
        "银政办发〔2018〕94号",
        "各有关单位：",
        f"{issued.bulletin.issued_on}印发",
        f"核验码：{issued.manifest['code']}",
    ):
        assert piece in text
    assert book.sha256 not in text and f"第{issued.bulletin.position}条记录" not in text
    assert issued.manifest["provenance"]["规则 sha256"] == book.sha256
    assert issued.manifest["provenance"]["账本位置"] == f"第{issued.bulletin.position}条记录"
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)
    assert "<style>" in text and "@page" in text


def test_the_period_is_named_in_chinese() -> None:
    """Years, halves, quarters and months are named as a bulletin names them."""
    names = {p: period_name(parse_period(p)) for p in ("2019", "2019-H1", "2019-H2", "2019-Q3", "2019-07")}
    assert names == {
        "2019": "2019年", "2019-H1": "2019年上半年", "2019-H2": "2019年下半年", "2019-Q3": "2019年第三季度",
        "2019-07": "2019年7月",
    }  # fmt: skip


def test_as_of_inside_the_period_counts_only_acts_up_to_it(known: Ledger) -> None:
    """A bulletin as of 2019-07-31 counts July's filings and adoptions only, and says so in its subtitle."""
    issued = issue(known, Request(BOOK, "2019-Q3", "html", as_of="2019-07-31"))
    page = parse_html(issued.content)
    assert page.rows["gamma"][2] == "0"  # gamma filed in August
    assert page.rows["alpha"][3:5] == ["1", "1"]  # the combined adoption is in August
    assert "截至2019年7月31日" in issued.bulletin.subtitle


def pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@needs_poppler
def test_pdf_renders_chinese(known: Ledger, tmp_path: Path) -> None:
    """The PDF rasterises to a page with dark text and a red masthead; its text holds the Chinese names."""
    from PIL import Image

    out = tmp_path / "bulletin.pdf"
    write(issue(known, Request(BOOK, "2019-Q3", "pdf")), out)
    assert out.read_bytes().startswith(b"%PDF-")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(out), str(tmp_path / "page")], check=True
    )
    png = next(tmp_path.glob("page*.png"))
    image = Image.open(png).convert("RGB")
    pixels = list(image.getdata())
    dark = sum(1 for r, g, b in pixels if r + g + b < 240)
    red = sum(1 for r, g, b in pixels if r > 150 and g < 90 and b < 90)
    assert dark > 2000, "the page is blank"
    assert red > 200, "the red masthead is missing"
    text = pdf_text(out)
    for piece in (
        "政务信息采用情况通报",
        "银川市人民政府办公厅",
        "甲局",
        "丙局",
        "通报批评",
        "2019年第三季度",
    ):
        assert piece in text


def test_pdf_names_its_fonts_and_refuses_a_named_file_that_is_not_there(
    known: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The manifest names the font of each role (title, body, heading); a font file named by
    LEDGER_CJK_FONT or LEDGER_BULLETIN_FONTS that is not there is an error naming the setting."""
    issued = issue(known, Request(BOOK, "2019-Q3", "pdf"))
    fonts = find_fonts()
    assert issued.manifest["renderer"]["fonts"] == fonts.describe()
    assert issued.manifest["renderer"]["fonts"]["body"]["sha256"] == fonts.body.sha256
    monkeypatch.setenv(FONT_ENV, "/nonexistent/font.ttc")
    with pytest.raises(LedgerError, match=FONT_ENV):
        issue(known, Request(BOOK, "2019-Q3", "pdf"))
    monkeypatch.delenv(FONT_ENV)
    monkeypatch.setenv(FONTS_ENV, "heading=/nonexistent/simhei.ttf")
    with pytest.raises(LedgerError, match=FONTS_ENV):
        issue(known, Request(BOOK, "2019-Q3", "pdf"))


@needs_poppler
def test_pdf_is_made_with_no_system_font_and_its_text_is_chinese(
    known: Ledger, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With the system font search pointed at nothing, the PDF is still made, with the fonts the ledger's
    dependencies install, its text extracts as Chinese and its glyphs are drawn."""
    from PIL import Image

    monkeypatch.setenv(DIRS_ENV, "")
    monkeypatch.delenv(FONT_ENV, raising=False)
    monkeypatch.delenv(FONTS_ENV, raising=False)
    out = tmp_path / "bare.pdf"
    issued = issue(known, Request(BOOK, "2019-Q3", "pdf"))
    write(issued, out)
    used = {face["path"] for face in issued.manifest["renderer"]["fonts"].values()}
    assert all("/usr/share/fonts" not in path for path in used)
    text = "".join(pdf_text(out).split())  # the title may turn a line on a portrait page
    for piece in ("关于2019年第三季度政务信息报送采用情况的通报", "银川市人民政府办公厅", "甲局", "通报批评"):
        assert piece in text
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    assert "NotoSerifSC" in fonts and "NotoSansSC" in fonts
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(out), str(tmp_path / "bare")],
                   check=True)  # fmt: skip
    pixels = list(Image.open(next(tmp_path.glob("bare*.png"))).convert("L").getdata())
    assert sum(1 for p in pixels if p < 100) > 1500, "the glyphs are not drawn"


def test_xlsx_has_the_chinese_table_and_notes(known: Ledger, tmp_path: Path) -> None:
    """The workbook's sheet 通报 has the bold two-row Chinese header and each unit's numbers; 说明 holds the
    provenance."""
    out = tmp_path / "bulletin.xlsx"
    write(issue(known, Request(BOOK, "2019-Q3", "xlsx")), out)
    wb = load_workbook(out)
    assert wb.sheetnames == ["通报", "说明"]
    ws = wb["通报"]
    assert ws["A1"].value == "关于2019年第三季度政务信息报送采用情况的通报"
    assert [ws.cell(6, c).value for c in (1, 2, 3, 4, 11, 12)] == [
        "排名",
        "单位",
        "报送数",
        "采用数",
        "批示",
        "得分",
    ]
    assert [ws.cell(7, c).value for c in range(4, 11)] == [*HEADERS, "合计"]
    assert ws.cell(6, 1).font.b and ws.cell(7, 4).font.b
    assert ws.column_dimensions["B"].width > 10
    rows = {ws.cell(r, 2).value: [ws.cell(r, c).value for c in range(1, 13)] for r in range(8, 12)}
    for _, (rank, name, filed, adoptions, endorsed, total) in EXPECTED.items():
        assert rows[name] == [rank, name, filed, *adoptions, sum(adoptions), endorsed, total]
    column_a = [ws.cell(r, 1).value for r in range(12, ws.max_row + 1)]
    column_b = [ws.cell(r, 2).value for r in range(12, ws.max_row + 1)]
    assert "二、通报批评" in column_a and "丙局" in column_b and "丁局" in column_b
    notes = {row[0]: row[1] for row in wb["说明"].iter_rows(min_row=2, values_only=True)}
    assert notes["规则 sha256"] == Catalogue.load().select(BOOK).latest.sha256
    assert notes["发文机关"] == "银川市人民政府办公厅"


FORMULA = "=1+2+cmd|'/C calc'!A0"
OLD_NAME = "戊\u202e局"  # a name with a right-to-left override, as an earlier version accepted it


@pytest.fixture
def odd_names(known: Ledger, act: Make) -> Ledger:
    """The known year plus a unit named like a formula and one an earlier version recorded with U+202E
    (made by hand past today's parser, written by the store), both criticised by the city."""
    known.append([act("unit.registered", "2019-07-01", id="reg-eps", unit="epsilon", name=FORMULA,
                      **{"class": "vertical"})])  # fmt: skip
    fields = {"unit": "zeta", "name": OLD_NAME, "class": "vertical"}
    old = StoreAct("reg-zeta", "unit.registered", dt.date(2019, 7, 1), fields, True,
                   canonical("unit.registered", "2019-07-01", fields))  # fmt: skip
    known.store.append([(1, old)])
    known.append([act("criticism.notified", "2019-08-21", id=f"cr-{u}", unit=u, notifier="city")
                  for u in ("epsilon", "zeta")])  # fmt: skip
    return known


def test_xlsx_cells_of_recorded_text_are_text_and_numbers_stay_numbers(odd_names: Ledger) -> None:
    """In the XLSX bulletin every string is a text cell (the formula-shaped name, quote-prefixed, in the
    table and among the criticised), the U+202E name is shown as <U+202E>, no sheet holds a formula, and
    the figures are numbers."""
    content = issue(odd_names, Request(BOOK, "2019-Q3", "xlsx")).content
    wb = load_workbook(io.BytesIO(content))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type == "s" for c in cells if isinstance(c.value, str))
    formulas = [c for c in cells if c.value == FORMULA]
    assert len(formulas) == 2 and all(c.quotePrefix for c in formulas)
    assert [c.value for c in cells if "U+202E" in str(c.value)] == ["戊<U+202E>局"] * 2
    assert not any("\u202e" in str(c.value) for c in cells)
    ws = wb["通报"]
    figures = [ws.cell(r, c) for r in range(8, 14) for c in range(3, 13)]
    assert all(c.data_type == "n" and isinstance(c.value, int | float) for c in figures)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any(re.search(rb"<f[ >]", xml) for xml in sheets)


def test_html_shows_recorded_text_escaped(odd_names: Ledger) -> None:
    """The HTML bulletin shows the U+202E name as <U+202E> in the table and among the criticised, and the
    formula-shaped name as plain text."""
    page = parse_html(issue(odd_names, Request(BOOK, "2019-Q3", "html")).content)
    assert page.rows["zeta"][1] == "戊<U+202E>局" and page.rows["epsilon"][1] == FORMULA
    assert page.criticised["zeta"].startswith("戊<U+202E>局")


@needs_poppler
def test_pdf_shows_recorded_text_escaped(odd_names: Ledger, tmp_path: Path) -> None:
    """The PDF bulletin's text holds <U+202E> where the name has the override, never the character."""
    out = tmp_path / "odd.pdf"
    write(issue(odd_names, Request(BOOK, "2019-Q3", "pdf")), out)
    text = pdf_text(out)
    assert "<U+202E>" in text and "\u202e" not in text


@pytest.mark.parametrize("fmt", ["html", "pdf", "xlsx"])
def test_rebuilds_are_byte_identical(known: Ledger, fmt: str, tmp_path: Path) -> None:
    """The same acts, rulebook and known-at give the same bytes, whenever the document is made."""
    first = issue(known, Request(BOOK, "2019-Q3", fmt))
    second = issue(known, Request(BOOK, "2019-Q3", fmt, known_at=first.bulletin.known_at))
    assert first.content == second.content
    assert first.manifest["document"]["sha256"] == second.manifest["document"]["sha256"]
    write(first, tmp_path / f"a.{fmt}")
    write(second, tmp_path / f"b.{fmt}")
    assert (tmp_path / f"a.{fmt}").read_bytes() == (tmp_path / f"b.{fmt}").read_bytes()
    if fmt == "xlsx":
        with zipfile.ZipFile(io.BytesIO(first.content)) as archive:
            assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
            core = archive.read("docProps/core.xml").decode()
        stamp = first.bulletin.known_at[:19]
        assert f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}Z' in core
        assert f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}Z' in core
    if fmt == "pdf":
        moment = first.bulletin.known_at
        stamp = moment[0:4] + moment[5:7] + moment[8:10] + moment[11:13] + moment[14:16] + moment[17:19]
        assert f"/CreationDate (D:{stamp}".encode() in first.content


def test_manifest_names_what_the_bulletin_was_made_from(known: Ledger, tmp_path: Path) -> None:
    """The manifest beside the document names the last position and its recorded time (the default
    known-at), the rulebook's sha256, the engine version, the document's sha256 and each unit's figures."""
    out = tmp_path / "q3.html"
    issued = issue(known, Request(BOOK, "2019-Q3", "html"))
    path = write(issued, out)
    assert path == tmp_path / "q3.html.manifest.json"
    manifest = orjson.loads(path.read_bytes())
    position, recorded_at = known.store.head()
    assert manifest["position"] == position
    assert manifest["known_at"] == recorded_at
    assert manifest["known_at_given"] is False
    assert manifest["rulebook"]["sha256"] == Catalogue.load().select(BOOK).latest.sha256
    assert manifest["engine_version"] == __version__
    assert manifest["document"] == {
        "file": "q3.html",
        "sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
        "bytes": out.stat().st_size,
    }
    alpha = next(u for u in manifest["units"] if u["unit"] == "alpha")
    assert alpha["rank"] == 1 and alpha["filed"] == 10 and alpha["endorsements"] == 1 and alpha["total"] == 29
    assert alpha["adoptions"] == dict(zip(PUBLICATIONS, [2, 1, 0, 1, 0, 0], strict=True))
    gamma = next(u for u in manifest["units"] if u["unit"] == "gamma")
    assert gamma["criticised"] == ["连续2个季度未完成信息报送任务（2019年第二季度、2019年第三季度）"]


def new_adoption(act: Make) -> Act:
    return act(
        "report.adopted",
        "2019-09-10",
        id="ad-late",
        report="beta-2",
        publication="ningxia-kuaibao",
        form="item",
    )


def test_verify_identical_then_names_the_unit_and_act_recorded_since(
    ledger: Ledger, act: Make, tmp_path: Path
) -> None:
    """On an unchanged ledger verify says identical and current; after an adoption is recorded, it still
    makes the same document from the same acts, and names the unit whose figures changed and the new act
    (on both backends)."""
    ledger.append(year(act))
    path = write(issue(ledger, Request(BOOK, "2019-Q3", "html")), tmp_path / "q3.html")
    result = verify_file(ledger, path)
    assert result.identical and result.current and result.history_intact and result.file_matches
    assert result.exit_code == 0
    assert result.report()[1].startswith("一致 (identical)")

    ledger.append([new_adoption(act)])
    result = verify_file(ledger, path)
    assert result.identical and not result.current
    assert result.exit_code == 1
    assert [c.unit for c in result.changed_now] == ["beta"]
    figures = result.changed_now[0].figures
    assert figures["total"] == (14, 17)
    assert figures["adopted"] == (2, 3)
    assert figures["adoptions"][1]["ningxia-kuaibao"] == 1
    assert [(a.id, a.type, a.units) for a in result.explaining] == [("ad-late", "report.adopted", ("beta",))]
    assert result.recorded_since == 1
    text = "\n".join(result.report())
    assert "乙局（beta）" in text and "得分 14 → 17" in text and "行为 ad-late（report.adopted" in text


def test_verify_ignores_acts_that_change_nothing_in_the_bulletin(
    known: Ledger, act: Make, tmp_path: Path
) -> None:
    """An act recorded since for another period leaves the bulletin identical and current."""
    path = write(issue(known, Request(BOOK, "2019-Q3", "html")), tmp_path / "q3.html")
    known.append([act("report.adopted", "2019-10-20", report="alpha-q4", publication="guobao", form="item")])
    result = verify_file(known, path)
    assert result.identical and result.current and result.exit_code == 0
    assert result.recorded_since == 1
    assert "此后记录的 1 条行为均未改变其数字" in "\n".join(result.report())


def test_verify_explains_a_void_recorded_since(known: Ledger, act: Make, tmp_path: Path) -> None:
    """A void recorded since is named as the act that explains the voided adoption's unit's new figures."""
    path = write(issue(known, Request(BOOK, "2019-Q3", "html")), tmp_path / "q3.html")
    known.append([act("event.voided", "2019-10-02", id="void-a2", target="ad-a2", reason="登记有误")])
    result = verify_file(known, path)
    assert result.identical and not result.current
    assert result.changed_now[0].unit == "alpha"
    assert result.changed_now[0].figures["total"] == (29, 24)
    assert [(a.id, a.units) for a in result.explaining] == [("void-a2", ("alpha",))]


def test_verify_with_a_known_at_keeps_the_cut(known: Ledger, act: Make, tmp_path: Path) -> None:
    """A bulletin made as known at an earlier time is made again from the acts known then, and the acts
    recorded after it are reported as the ones that supersede it."""
    first_head = known.store.head()
    known.append([new_adoption(act)])
    assert first_head[1] is not None
    path = write(issue(known, Request(BOOK, "2019-Q3", "html", known_at=first_head[1])), tmp_path / "q3.html")
    manifest = orjson.loads(path.read_bytes())
    assert manifest["position"] == first_head[0] and manifest["known_at_given"] is True
    result = verify_file(known, path)
    assert result.identical and not result.current
    assert [a.id for a in result.explaining] == ["ad-late"]


def test_verify_reports_a_changed_rulebook(sqlite_ledger: Ledger, act: Make, tmp_path: Path) -> None:
    """When the rulebook file changed since, the rebuild is not identical, the sha256 change is named and
    the units whose figures it changes are listed."""
    sqlite_ledger.append(year(act))
    draft = tmp_path / "yinchuan-draft.toml"
    draft.write_text(
        (ROOT / "rulebooks" / "yinchuan-2018.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    path = write(issue(sqlite_ledger, Request(str(draft), "2019-Q3", "html")), tmp_path / "q3.html")
    text = draft.read_text(encoding="utf-8")
    draft.write_text(text.replace('name = "《国报信息》"\nlevel = "national"\npoints = { default = 5 }',
                                  'name = "《国报信息》"\nlevel = "national"\npoints = { default = 6 }'),
                     encoding="utf-8")  # fmt: skip
    result = verify_file(sqlite_ledger, path)
    assert not result.identical and result.exit_code == 4
    assert [(c.unit, c.figures) for c in result.changed_then] == [("alpha", {"total": (29, 30)})]
    assert any("现在的 sha256 为" in note for note in result.notes)


def test_verify_detects_an_altered_document_file(known: Ledger, tmp_path: Path) -> None:
    """A document file edited after it was written no longer matches its manifest."""
    out = tmp_path / "q3.html"
    path = write(issue(known, Request(BOOK, "2019-Q3", "html")), out)
    out.write_bytes(out.read_bytes().replace("甲局".encode(), "甲厅".encode()))
    result = verify_file(known, path)
    assert result.identical and result.file_matches is False and result.exit_code == 4


def test_verify_against_another_history(
    known: Ledger, act: Make, tmp_path: Path, catalogue: Catalogue
) -> None:
    """Checked against a ledger with other acts at its position, or none of its acts, verify says the
    history is not the same."""
    path = write(issue(known, Request(BOOK, "2019-Q3", "html")), tmp_path / "q3.html")
    acts = year(act)
    acts[4], acts[5] = acts[5], acts[4]  # the same acts in another order: other chain hashes
    earlier = f"sqlite:///{tmp_path / 'earlier.db'}"
    with open_store(earlier, catalogue.publications(), catalogue.items()) as store:
        store.append([(i, parse_act(a, i)) for i, a in enumerate(acts, 1)], clock=lambda: EARLY)
        result = verify_file(Ledger(store, catalogue), path)
    assert not result.history_intact and result.exit_code == 4
    assert any("历史已不同" in note for note in result.notes)
    later = f"sqlite:///{tmp_path / 'later.db'}"
    with open_store(later, catalogue.publications(), catalogue.items()) as store:
        Ledger(store, catalogue).append(acts)  # recorded after the bulletin was made: none of its acts
        result = verify_file(Ledger(store, catalogue), path)
    assert result.rebuilt_sha256 is None and not result.identical and result.exit_code == 4


def test_an_empty_ledger_has_nothing_to_issue(sqlite_ledger: Ledger) -> None:
    """A bulletin of a ledger without acts is refused with a clear error."""
    with pytest.raises(LedgerError, match="无可通报"):
        issue(sqlite_ledger, Request(BOOK, "2019-Q3", "html"))


@pytest.fixture
def cli_db(sqlite_url: str, act: Make, catalogue: Catalogue) -> Iterator[str]:
    with open_store(sqlite_url, catalogue.publications(), catalogue.items()) as store:
        Ledger(store, catalogue).append(year(act))
    yield sqlite_url


def test_command_makes_and_verifies_a_bulletin(
    cli_db: str, act: Make, tmp_path: Path, catalogue: Catalogue
) -> None:
    """`bulletin --rulebook --period --out` writes the document and its manifest; `bulletin verify` exits 0,
    then 1 naming the unit and act after an adoption is recorded."""
    runner = CliRunner()
    out = tmp_path / "q3.xlsx"
    made = runner.invoke(
        bulletin_app, ["--rulebook", BOOK, "--period", "2019-Q3", "--out", str(out), "--db", cli_db]
    )
    assert made.exit_code == 0, made.output
    assert out.is_file() and manifest_path(out).is_file()
    assert "政务信息采用情况通报（2019年第三季度）" in made.output
    checked = runner.invoke(bulletin_app, ["verify", str(manifest_path(out)), "--db", cli_db])
    assert checked.exit_code == 0, checked.output
    assert "一致 (identical)" in checked.output and "仍为最新" in checked.output
    with open_store(cli_db, catalogue.publications(), catalogue.items()) as store:
        Ledger(store, catalogue).append([new_adoption(act)])
    checked = runner.invoke(bulletin_app, ["--db", cli_db, "verify", str(out), "--format", "json"])
    assert checked.exit_code == 1
    answer = orjson.loads(checked.stdout)
    assert answer["identical"] is True and answer["current"] is False
    assert [c["unit"] for c in answer["changed_now"]] == ["beta"]
    assert [a["id"] for a in answer["explaining"]] == ["ad-late"]


def test_command_refuses_incomplete_or_mixed_options(cli_db: str, tmp_path: Path) -> None:
    """Without --rulebook/--period/--out, with an unknown format, with make options before verify, or with a
    missing manifest, the command says what is wrong."""
    runner = CliRunner()
    missing = runner.invoke(bulletin_app, ["--period", "2019-Q3", "--db", cli_db])
    assert missing.exit_code == 2 and "--rulebook" in missing.output
    unknown = runner.invoke(
        bulletin_app,
        ["--rulebook", BOOK, "--period", "2019-Q3", "--out", str(tmp_path / "x.doc"), "--db", cli_db],
    )
    assert unknown.exit_code == 2 and "--format" in unknown.output
    mixed = runner.invoke(bulletin_app, ["--period", "2019-Q3", "verify", str(tmp_path / "x.manifest.json")])
    assert mixed.exit_code == 2
    absent = runner.invoke(bulletin_app, ["verify", str(tmp_path / "none.manifest.json"), "--db", cli_db])
    assert absent.exit_code == 2 and "无法读取" in absent.output


@pytest.fixture(scope="module")
def sample_acts() -> list[Act]:
    spec = importlib.util.spec_from_file_location("sample_year", ROOT / "scripts" / "sample_year.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    acts: list[Act] = module.generate(2019, 7)
    return acts


@needs_poppler
def test_sample_year_bulletin_spans_pages_with_repeated_header(
    sqlite_ledger: Ledger, sample_acts: list[Act], tmp_path: Path
) -> None:
    """A realistic 银川 city-year gives a multi-page PDF whose table header repeats on each page, with page
    numbers, and every format verifies identical."""
    sqlite_ledger.append(sample_acts)
    for fmt in ("html", "pdf", "xlsx"):
        path = write(issue(sqlite_ledger, Request(BOOK, "2019", fmt)), tmp_path / f"2019.{fmt}")
        assert verify_file(sqlite_ledger, path).exit_code == 0
    pages = pdf_text(tmp_path / "2019.pdf").split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) >= 2
    assert sum("排名" in p for p in pages) >= 2
    for number, _ in enumerate(pages, start=1):  # "— 1 —" at the sheet's foot, as GB/T 9704 prints it
        assert re.fullmatch(rf"\s*—\s*{number}\s*—\s*", folio(tmp_path / "2019.pdf", number))
    assert not re.search(r"—\s*1\s*/", pages[0])


def page_sizes(path: Path) -> list[tuple[float, float]]:
    """Each page's width and height in points, as pdfinfo reads them."""

    def info(*pages: str) -> str:
        return subprocess.run(
            ["pdfinfo", *pages, str(path)], capture_output=True, text=True, check=True
        ).stdout

    count = re.search(r"Pages:\s+(\d+)", info())
    assert count
    found = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info("-f", "1", "-l", count[1]))
    return [(float(w), float(h)) for w, h in found]


def page_text(path: Path, number: int, crop: tuple[float, float, float, float] | None = None) -> str:
    """One page's text, or only what lies in a box (x, y, width, height in points from the top left)."""
    box = [a for o, v in zip("xyWH", crop or (), strict=False) for a in (f"-{o}", str(round(v)))]
    command = ["pdftotext", "-f", str(number), "-l", str(number), *box, str(path), "-"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def folio(path: Path, number: int) -> str:
    """The text at the foot of the printed sheet, right on an odd page and left on an even one: the bottom
    strip of a portrait page; the left strip of a landscape page (printed turned counter-clockwise onto
    the sheet), its lower half on an odd page and its upper half on an even one."""
    width, height = page_sizes(path)[number - 1]
    strip = 30 * 72 / 25.4  # 30 mm in points, short of the text and the table
    if width < height:
        return page_text(path, number, (width / 2 if number % 2 else 0, height - strip, width / 2, strip))
    return page_text(path, number, (0, height / 2 if number % 2 else 0, strip, height / 2))


@needs_poppler
def test_pdf_sets_only_a_wide_table_on_landscape_pages(
    sqlite_ledger: Ledger, sample_acts: list[Act], tmp_path: Path
) -> None:
    """A bulletin whose table is too wide for portrait (the sample city's 2019-Q3) keeps its text on
    portrait A4 (the masthead, title and 主送 first; the signature, 核验码 and 版记 last) and sets only the
    table's pages landscape, each page's "— N —" at the sheet's foot; a rebuild gives the same bytes."""
    sqlite_ledger.append(sample_acts)
    out = tmp_path / "q3.pdf"
    write(issue(sqlite_ledger, Request(BOOK, "2019-Q3", "pdf")), out)
    sizes = page_sizes(out)
    texts = [page_text(out, n) for n in range(1, len(sizes) + 1)]
    portrait = [w < h for w, h in sizes]
    table = [i for i, text in enumerate(texts) if "排名" in text]
    assert len(sizes) >= 4 and len(table) >= 2, sizes
    assert [not p for p in portrait] == [i in table for i in range(len(sizes))], sizes
    assert "政务信息采用情况通报" in texts[0] and "各有关单位：" in texts[0]
    assert "二、通报批评" in texts[table[-1] + 1] and "核验码" in texts[-1] and "印发" in texts[-1]
    for number in range(1, len(sizes) + 1):
        assert re.fullmatch(rf"\s*—\s*{number}\s*—\s*", folio(out, number)), (number, folio(out, number))
    assert verify_file(sqlite_ledger, manifest_path(out)).exit_code == 0


def _registered() -> bool:
    app = ledger.cli.app
    return any(g.name == "bulletin" for g in app.registered_groups) or any(
        c.name == "bulletin" for c in app.registered_commands
    )


@pytest.mark.skipif(not _registered(), reason="`bulletin` is not registered in ledger.cli yet")
def test_ledger_command_end_to_end(cli_db: str, act: Make, tmp_path: Path, catalogue: Catalogue) -> None:
    """`python -m ledger bulletin ...` writes a PDF and its manifest; `ledger bulletin verify` exits 0, then
    1 after an adoption is recorded, naming the unit and the act."""
    out = tmp_path / "q3.pdf"

    def ledger_command(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "ledger", "bulletin", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)

    made = ledger_command(
        "--rulebook", BOOK, "--period", "2019-Q3", "--format", "pdf", "--out", str(out), "--db", cli_db
    )
    assert made.returncode == 0, made.stderr
    assert out.read_bytes().startswith(b"%PDF-") and manifest_path(out).is_file()
    checked = ledger_command("verify", str(manifest_path(out)), "--db", cli_db)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    with open_store(cli_db, catalogue.publications(), catalogue.items()) as store:
        Ledger(store, catalogue).append([new_adoption(act)])
    checked = ledger_command("verify", str(manifest_path(out)), "--db", cli_db)
    assert checked.returncode == 1
    assert "乙局（beta）" in checked.stdout and "行为 ad-late（report.adopted" in checked.stdout


def test_a_bulletin_signed_at_its_position_verifies_and_names_a_rewrite(
    cli_db: str, tmp_path: Path, catalogue: Catalogue
) -> None:
    """`bulletin --checkpoint-key` signs a checkpoint of the chain at the bulletin's position into its
    manifest; `bulletin verify --public-key` checks it, and refuses it once history is rewritten or the
    checkpoint is altered (exit 4)."""
    from ledger.checkpoints import make_key_pair
    from tests.test_chain import _rewrite_from

    private, public = make_key_pair(tmp_path / "keys")
    runner = CliRunner()
    out = tmp_path / "q3.html"
    made = runner.invoke(bulletin_app, ["--rulebook", BOOK, "--period", "2019-Q3", "--out", str(out),
                                        "--checkpoint-key", str(private), "--db", cli_db])  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "检查点已签署" in made.output
    manifest = orjson.loads(manifest_path(out).read_bytes())
    assert manifest["checkpoint"]["position"] == manifest["position"]
    assert manifest["checkpoint"]["chain"] == manifest["chain"]
    verify = ["verify", str(manifest_path(out)), "--public-key", str(public), "--db", cli_db]
    checked = runner.invoke(bulletin_app, verify)
    assert checked.exit_code == 0 and "清单中的检查点相符" in checked.output, checked.output

    altered = {**manifest, "checkpoint": {**manifest["checkpoint"], "made_at": "2000-01-01T00:00:00Z"}}
    forged = tmp_path / "forged.html.manifest.json"
    forged.write_bytes(orjson.dumps(altered))
    refused = runner.invoke(bulletin_app, ["verify", str(forged), *verify[2:]])
    assert refused.exit_code == 4 and "签名无效" in refused.output

    with open_store(cli_db, catalogue.publications(), catalogue.items()) as store:
        titled = next(a.position for a in store.read() if "title" in a.fields)
        _rewrite_from(Ledger(store, catalogue), titled, "篡改")
    rewritten = runner.invoke(bulletin_app, verify)
    assert rewritten.exit_code == 4 and "账本历史与清单中的检查点不符" in rewritten.output


# --- a bulletin fit to issue (GB/T 9704-2012) ------------------------------------------------------

ISSUED = {
    "number": "银政办发〔2019〕12号",
    "to": "各县（市）区人民政府，市直各部门",
    "cc": "自治区人民政府办公厅",
    "issued_on": "2019-10-08",
}


def issued_pdf(ledger: Ledger, tmp_path: Path, **given: str) -> tuple[Path, str]:
    out = tmp_path / "issued.pdf"
    write(issue(ledger, Request(BOOK, "2019-Q3", "pdf", **given)), out)
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    return out, text


@needs_poppler
def test_pdf_carries_the_number_to_cc_and_printed_line(known: Ledger, tmp_path: Path) -> None:
    """The PDF given a 文号, 主送, 抄送 and 印发 date carries each: the 文号 under the masthead, 主送 before
    the text, and the 版记's 抄送 line and 印发 line (issuing office, date and 印发)."""
    out, text = issued_pdf(known, tmp_path, **ISSUED)
    assert "银政办发〔2019〕12号" in text
    assert "各县（市）区人民政府，市直各部门：" in text
    assert "抄送：自治区人民政府办公厅。" in text
    assert re.search(r"银川市人民政府办公厅\s+2019年10月8日印发", pdf_text(out))
    request = orjson.loads(manifest_path(out).read_bytes())["request"]
    assert {k: request[k] for k in ISSUED} == ISSUED
    assert verify_file(known, manifest_path(out)).exit_code == 0


@needs_poppler
def test_pdf_defaults_are_a_number_of_the_period_and_all_concerned(known: Ledger, tmp_path: Path) -> None:
    """Without options the PDF has the period's 期号, 主送 各有关单位, no 抄送 line and a 印发 line dated the
    day the acts were known."""
    out, text = issued_pdf(known, tmp_path)
    day = orjson.loads(manifest_path(out).read_bytes())["provenance"]["知悉时点"].split(" ")[0]
    assert "2019年第3期" in text and "各有关单位：" in text and "抄送" not in text
    assert re.search(rf"银川市人民政府办公厅\s+{day}印发", pdf_text(out))


@needs_poppler
def test_pdf_carries_a_code_and_its_provenance_goes_into_the_manifest(known: Ledger, tmp_path: Path) -> None:
    """The PDF's text holds one 核验码 line and none of the provenance block (rulebook sha256, ledger
    position, `ledger bulletin verify`), which the manifest holds; verify checks the code against the
    manifest and refuses a manifest edited since."""
    out, text = issued_pdf(known, tmp_path)
    manifest = orjson.loads(manifest_path(out).read_bytes())
    book = Catalogue.load().select(BOOK).latest
    assert text.count("核验码") == 1 and f"核验码：{manifest['code']}" in text
    assert re.fullmatch(r"[0-9a-f]{12}", manifest["code"])
    for gone in (book.sha256, "规则 sha256", "账本位置", "ledger bulletin verify", "计分引擎"):
        assert gone not in text
    assert manifest["provenance"]["规则 sha256"] == book.sha256
    assert manifest["provenance"]["账本位置"] == f"第{manifest['position']}条记录"
    result = verify_file(known, manifest_path(out))
    assert result.code_matches and result.exit_code == 0
    assert f"核验码 {manifest['code']}：与清单内容相符" in "\n".join(result.report())
    edited = {**manifest, "provenance": {**manifest["provenance"], "账本位置": "第1条记录"}}
    manifest_path(out).write_bytes(orjson.dumps(edited))
    result = verify_file(known, manifest_path(out))
    assert result.code_matches is False and result.exit_code == 4


@needs_poppler
def test_pdf_keeps_each_publication_name_whole_in_the_table_heading(known: Ledger, tmp_path: Path) -> None:
    """Every publication's heading (《银川政务信息》 ...) is on one line, never broken inside 《》."""
    _, text = issued_pdf(known, tmp_path)
    for heading in HEADERS:
        assert heading in text, heading


@needs_poppler
def test_pdf_turns_a_long_title_between_period_and_matter(known: Ledger, tmp_path: Path) -> None:
    """A title too long for one portrait line turns between the period and the matter, no word broken."""
    out, _ = issued_pdf(known, tmp_path)
    lines = [line.strip() for line in page_text(out, 1).splitlines()]
    assert "关于2019年第三季度" in lines and "政务信息报送采用情况的通报" in lines, lines[:12]


def test_pdf_keeps_the_signature_on_the_page_of_the_last_paragraph(known: Ledger, tmp_path: Path) -> None:
    """However many units are criticised, the signature's date is on the page of the last criticised unit's
    paragraph, also where that paragraph would end a page."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    base = issue(known, Request(BOOK, "2019-Q3", "html")).bulletin
    row = base.rows[0]
    turned = 0
    for n in range(1, 60):  # each more criticised unit adds a row and a paragraph, until a page turns
        places = range(1, n + 1)
        rows = tuple(dataclasses.replace(row, unit=f"u{i}", name=f"第{i}单位", rank=i) for i in places)
        criticisms = tuple(Criticism(f"u{i}", f"第{i}单位", (f"理由{i}号",)) for i in places)
        out = tmp_path / f"{n}.pdf"
        out.write_bytes(render_pdf(dataclasses.replace(base, rows=rows, criticisms=criticisms)))
        text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
        pages = text.split("\f")
        signed = max(i for i, p in enumerate(pages) if base.issued_on in (s.strip() for s in p.splitlines()))
        last = next(i for i, p in enumerate(pages) if f"理由{n}号" in p)
        assert signed == last, f"{n} criticised: the signature on page {signed + 1}, the paragraph {last + 1}"
        turned += signed > 1
        if turned == 2:
            break
    assert turned == 2


def test_xlsx_is_a_bulletin_fit_to_issue(known: Ledger) -> None:
    """The XLSX has one title, the lead-in, a totals row summing the units' figures, numbered 通报批评
    rows, the signature, 抄送 and 印发, landscape A4 with a page-number footer, and a 说明 sheet in which
    no row repeats another."""
    issued = issue(known, Request(BOOK, "2019-Q3", "xlsx", **ISSUED))
    b = issued.bulletin
    wb = load_workbook(io.BytesIO(issued.content))
    ws = wb["通报"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    texts = [v for row in values for v in row if isinstance(v, str)]
    assert [t for t in texts if t.endswith("的通报") or t.startswith("政务信息采用情况通报")] == [b.heading]
    assert any(b.intro in t for t in texts)
    totals_at = next(i for i, row in enumerate(values) if row[0] == "合计")
    totals = values[totals_at]
    units = [row for row in values[:totals_at] if isinstance(row[0], int)]
    assert len(units) == 4
    assert totals[2:11] == [sum(u[c] for u in units) for c in range(2, 11)]
    assert totals[2] == 35 and totals[9] == 6 and totals[10] == 1
    start = next(i for i, row in enumerate(values) if row[0] == "二、通报批评")
    numbered = [(row[0], row[1]) for row in values[start:] if isinstance(row[0], int)]
    assert numbered == [(1, "丁局"), (2, "丙局")] or numbered == [(1, "丙局"), (2, "丁局")]
    tail = [row[0] for row in values[start:] if isinstance(row[0], str)]
    assert tail[-5:] == [
        "银川市人民政府办公厅",
        "2019年10月8日",
        f"（核验码：{issued.manifest['code']}）",
        "抄送：自治区人民政府办公厅。",
        "银川市人民政府办公厅　　2019年10月8日印发",
    ]
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    assert "&P" in ws.oddFooter.center.text
    notes = [(k, v) for k, v in wb["说明"].iter_rows(min_row=2, values_only=True)]
    keys = [k for k, _ in notes]
    assert len(keys) == len(set(keys))
    for key, value in notes:
        repeated = [k for k, v in notes if k != key and str(value) in str(v)]
        assert not repeated, f"{key} {value!r} is repeated in {repeated}"
    assert dict(notes)["核验码"] == issued.manifest["code"] and dict(notes)["主送"] == ISSUED["to"]


def test_command_takes_the_particulars_and_refuses_a_bad_date(cli_db: str, tmp_path: Path) -> None:
    """`bulletin --number --to --cc --issued-on` records them in the manifest and verify makes the same
    document again; an --issued-on that is not a date is refused, naming the option, and nothing is
    written."""
    runner = CliRunner()
    out = tmp_path / "q3.html"
    given = [f"--{k.replace('_', '-')}={v}" for k, v in ISSUED.items()]
    made = runner.invoke(bulletin_app, ["--rulebook", BOOK, "--period", "2019-Q3", "--out", str(out),
                                        *given, "--db", cli_db])  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "核验码" in made.output
    html = out.read_text(encoding="utf-8")
    assert "银政办发〔2019〕12号" in html and "抄送：自治区人民政府办公厅。" in html
    checked = runner.invoke(bulletin_app, ["verify", str(manifest_path(out)), "--db", cli_db])
    assert checked.exit_code == 0, checked.output
    bad = tmp_path / "bad.html"
    refused = runner.invoke(bulletin_app, ["--rulebook", BOOK, "--period", "2019-Q3", "--out", str(bad),
                                           "--issued-on", "2019-13-45", "--db", cli_db])  # fmt: skip
    assert refused.exit_code == 2 and "--issued-on（印发日期）" in refused.output
    assert "不是日期" in refused.output
    assert not bad.exists()


@needs_poppler
def test_pdf_of_more_publications_than_fit_heads_them_by_number(known: Ledger, tmp_path: Path) -> None:
    """A table of 18 publication columns, too many for their names, is still made on landscape A4, headed
    刊物1 … 刊物18 with every name whole in the note under it."""
    from ledger.bulletin.model import Column

    base = issue(known, Request(BOOK, "2019-Q3", "html")).bulletin
    columns = tuple(Column(f"{c.slug}-{i}", c.name, c.label) for i in range(3) for c in base.columns)
    rows = tuple(dataclasses.replace(r, adoptions=r.adoptions * 3) for r in base.rows)
    out = tmp_path / "wide.pdf"
    out.write_bytes(render_pdf(dataclasses.replace(base, columns=columns, rows=rows)))
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "刊物1" in text and "刊物18：《宁夏政务晨报》" in text.replace("\n", "")
    assert all(heading in text for heading in HEADERS)
