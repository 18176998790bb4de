"""Registers kept in Excel: CSV and XLSX imports in the documented templates, and the blank templates."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from ledger.errors import BatchRejected, LedgerError
from ledger.services import Ledger
from ledger.spreadsheets import (
    NOTES_SHEET,
    STRIDE,
    TEMPLATE_DOC,
    TEMPLATES,
    SheetError,
    SheetRejected,
    import_sheet,
    read_sheet,
    template,
    write_template,
    write_templates,
)

UNITS = [
    ["单位代码", "单位名称", "单位类别", "登记日期"],
    ["xingqing", "兴庆区", "county", "2019-01-01"],
    ["jinfeng", "金凤区", "county", "2019/1/1"],
]


def write_csv(path: Path, rows: list[list[Any]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    book.save(path)
    return path


def snapshot(ledger: Ledger) -> tuple[tuple[int, str | None], list[Any]]:
    return ledger.store.head(), list(ledger.store.read())


def test_a_filings_csv_is_imported_with_its_dates_normalised(sqlite_ledger: Ledger, tmp_path: Path) -> None:
    """A units CSV and then a filings CSV are stored, with every accepted date form written as ISO."""
    import_sheet(sqlite_ledger, write_csv(tmp_path / "units.csv", UNITS))
    filings = [
        ["报送日期", "报送单位", "信息编号", "标题", "编号"],
        ["2019-07-03", "xingqing", "2019001", " 兴庆区推进老旧小区改造 ", "f-1"],
        ["2019/7/4", "jinfeng", "2019002", "金凤区优化营商环境", ""],
        ["", "", "", "", ""],
        ["2019年7月5日", "xingqing", "XQ-2019-103", "兴庆区秋粮收购", ""],
        ["2019.7.6", "jinfeng", "JF-2019-104", "金凤区社区治理", ""],
    ]
    result = import_sheet(sqlite_ledger, write_csv(tmp_path / "报送登记.csv", filings))
    assert (result.new, result.duplicates) == (4, 0)
    stored = list(sqlite_ledger.store.read(types=["report.filed"]))
    assert [a.occurred_on.isoformat() for a in stored] == [
        "2019-07-03",
        "2019-07-04",
        "2019-07-05",
        "2019-07-06",
    ]
    assert stored[0].id == "f-1"
    assert dict(stored[0].fields) == {
        "unit": "xingqing",
        "report": "2019001",
        "title": "兴庆区推进老旧小区改造",
    }


def test_an_xlsx_workbook_with_excel_dates_and_chinese_words_is_imported(
    ledger: Ledger, tmp_path: Path
) -> None:
    """A workbook's sheets (in any order) are imported with Excel date cells, numeric report numbers and
    Chinese form and level words mapped to the vocabulary; importing it again changes nothing."""
    day = dt.datetime
    book = write_xlsx(
        tmp_path / "2019年登记.xlsx",
        {
            "采用": [
                ["采用日期", "信息编号", "刊物", "形式", "综合单位", "备注"],
                [day(2019, 7, 10), 2019001, "yinchuan-zwxx", "单条", None, "头版"],
                [dt.date(2019, 7, 11), 2019002.0, "yinchuan-zwxx", "综合多个单位", "xingqing、jinfeng", None],
                ["2019-07-12", "2019002", "yinchuan-ztxx", "brief", None, None],
            ],
            "批示": [
                ["批示日期", "信息编号", "批示级别"],
                [day(2019, 7, 20), 2019001, "市级领导"],
                [day(2019, 7, 21), 2019002, "国务院"],
                [day(2019, 7, 22), 2019002, "自治区"],
            ],
            "单位": UNITS,
            "报送": [
                ["报送日期", "报送单位", "信息编号", "标题"],
                [day(2019, 7, 3), "xingqing", 2019001, "兴庆区推进老旧小区改造"],
                [day(2019, 7, 4), "jinfeng", 2019002, "两区联合开展河湖整治"],
            ],
        },
    )
    sheet = read_sheet(book)
    assert [t.template.name for t in sheet.tables] == ["单位登记", "报送登记", "采用登记", "批示登记"]
    first = import_sheet(ledger, book)
    assert (first.new, first.duplicates) == (10, 0)
    adopted = [dict(a.fields) for a in ledger.store.read(types=["report.adopted"])]
    assert adopted == [
        {"report": "2019001", "publication": "yinchuan-zwxx", "form": "item"},
        {
            "report": "2019002",
            "publication": "yinchuan-zwxx",
            "form": "combined",
            "units": ["xingqing", "jinfeng"],
        },
        {"report": "2019002", "publication": "yinchuan-ztxx", "form": "brief"},
    ]
    endorsed = list(ledger.store.read(types=["endorsement.received"]))
    assert [a.fields["level"] for a in endorsed] == ["city", "national", "region"]
    assert endorsed[0].occurred_on == dt.date(2019, 7, 20)
    before = snapshot(ledger)
    again = import_sheet(ledger, book)
    assert (again.new, again.duplicates) == (0, 10)
    assert snapshot(ledger) == before


def test_importing_the_same_csv_twice_changes_nothing(sqlite_ledger: Ledger, tmp_path: Path) -> None:
    """Rows without 编号 get ids from their content, so a second import finds every row stored."""
    path = write_csv(tmp_path / "units.csv", UNITS)
    assert import_sheet(sqlite_ledger, path).new == 2
    before = snapshot(sqlite_ledger)
    again = import_sheet(sqlite_ledger, path)
    assert (again.new, again.duplicates) == (0, 2)
    assert snapshot(sqlite_ledger) == before


def test_every_bad_row_of_a_csv_is_named_by_row_and_column(sqlite_ledger: Ledger, tmp_path: Path) -> None:
    """Shape and ledger errors alike are reported for every bad row, by spreadsheet row and Chinese column,
    and nothing of the file is stored."""
    import_sheet(sqlite_ledger, write_csv(tmp_path / "units.csv", UNITS))
    rows = [
        ["报送日期", "报送单位", "信息编号", "标题"],
        ["2019-07-03", "xingqing", "R1", "好的一行"],
        ["2019-13-03", "xingqing", "R2", "日期不对"],
        [],
        ["2019-07-05", "xq", "R3", "单位不对"],
        ["2019-07-06", "jinfeng", "R4", ""],
        ["7月7日", "jinfeng", "R5", "日期写法不对"],
    ]
    before = snapshot(sqlite_ledger)
    with pytest.raises(SheetRejected) as caught:
        import_sheet(sqlite_ledger, write_csv(tmp_path / "报送登记.csv", rows))
    assert caught.value.lines == [
        "第 3 行，报送日期（occurred_on）列：不是存在的日期：'2019-13-03' (not a calendar date)",
        "第 5 行，报送单位（unit）列：未知的单位 'xq'，请先登记 (unknown unit 'xq' (register it first))",
        "第 6 行，标题（title）列：缺少此字段 (is missing)；报送（report.filed）须有 unit, report, title",
        "第 7 行，报送日期（occurred_on）列：应为 YYYY-MM-DD 格式的日期，而不是 '7月7日' "
        "(must be an ISO date YYYY-MM-DD)（表中也可写 2019/7/3、2019.7.3、2019年7月3日，或用日期单元格）",
    ]
    assert [e.where for e in caught.value.errors] == [3, 5, 6, 7]
    head = "报送登记.csv：4 行有误，未存入任何行为（4 bad row(s); nothing was stored）："
    assert caught.value.summary().startswith(f"{head}\n  第 3 行，")
    assert isinstance(caught.value, BatchRejected)
    assert snapshot(sqlite_ledger) == before


def test_a_date_that_is_no_day_is_quoted_as_typed(sqlite_ledger: Ledger, tmp_path: Path) -> None:
    """A cell 2019/13/9 is refused in Chinese, naming the row and column and quoting the cell as typed
    (not its ISO reading 2019-13-09); a cell 2019/7/9 is read as 2019-07-09."""
    import_sheet(sqlite_ledger, write_csv(tmp_path / "units.csv", UNITS))
    rows = [["报送日期", "报送单位", "信息编号", "标题"], ["2019/13/9", "xingqing", "R1", "月份不对"]]
    with pytest.raises(SheetRejected) as caught:
        import_sheet(sqlite_ledger, write_csv(tmp_path / "报送登记.csv", rows))
    (line,) = caught.value.lines
    assert line.startswith("第 2 行，报送日期（occurred_on）列：") and "'2019/13/9'" in line, line
    assert "2019-13-09" not in line
    rows[1][0] = "2019/7/9"
    import_sheet(sqlite_ledger, write_csv(tmp_path / "报送登记.csv", rows))
    assert [a.occurred_on.isoformat() for a in sqlite_ledger.events(unit="xingqing")][-1] == "2019-07-09"


def test_every_bad_row_of_a_workbook_is_reported_and_nothing_stored(ledger: Ledger, tmp_path: Path) -> None:
    """A bad date, an unknown unit, a missing title, an unknown form word and an adoption before its filing
    are all reported at once, each with its sheet, row and column; the ledger is unchanged."""
    import_sheet(ledger, write_csv(tmp_path / "units.csv", UNITS))
    book = write_xlsx(
        tmp_path / "登记.xlsx",
        {
            "报送": [
                ["报送日期", "报送单位", "信息编号", "标题"],
                [dt.datetime(2019, 7, 3), "xingqing", "R1", "好的一行"],
                ["2019-02-30", "xingqing", "R2", "日期不对"],
                [dt.datetime(2019, 7, 5), "xq", "R3", "单位不对"],
                [dt.datetime(2019, 7, 6), "jinfeng", "R4", None],
            ],
            "采用": [
                ["采用日期", "信息编号", "刊物", "形式"],
                [dt.datetime(2019, 7, 10), "R1", "yinchuan-zwxx", "头条"],
                [dt.datetime(2019, 7, 1), "R1", "yinchuan-zwxx", "单条"],
                [dt.datetime(2019, 7, 10), "R1", "yinchuan-zwxx", "简讯"],
            ],
        },
    )
    before = snapshot(ledger)
    with pytest.raises(SheetRejected) as caught:
        import_sheet(ledger, book)
    assert caught.value.lines == [
        "工作表 报送 第 3 行，报送日期（occurred_on）列：不是存在的日期：'2019-02-30' (not a calendar date)",
        "工作表 报送 第 4 行，报送单位（unit）列：未知的单位 'xq'，请先登记 "
        "(unknown unit 'xq' (register it first))",
        "工作表 报送 第 5 行，标题（title）列：缺少此字段 (is missing)；"
        "报送（report.filed）须有 unit, report, title",
        "工作表 采用 第 2 行，形式（form）列：应为 item、brief、research、combined 之一，而不是 '头条' "
        "(must be one of item, brief, research, combined)（也可写 单条、简讯、综合调研、综合多个单位）",
        "工作表 采用 第 3 行，采用日期（occurred_on）列：2019-07-01 早于报送 'R1' 的报送日期 2019-07-03 "
        "(2019-07-01 is before report 'R1' was filed (2019-07-03))",
    ]
    assert snapshot(ledger) == before


def test_hidden_and_non_nfc_cells_are_named_by_sheet_row_and_column(ledger: Ledger, tmp_path: Path) -> None:
    """A workbook's cells holding a right-to-left override, a zero-width space or an id not in NFC are
    each named by sheet, row and column, with the code point; nothing of the workbook is stored."""
    import_sheet(ledger, write_csv(tmp_path / "units.csv", UNITS))
    book = write_xlsx(
        tmp_path / "登记.xlsx",
        {
            "报送": [
                ["编号", "报送日期", "报送单位", "信息编号", "标题"],
                ["f-1", dt.datetime(2019, 7, 3), "xingqing", "R1", "好的一行"],
                ["f-2", dt.datetime(2019, 7, 4), "xingqing", "R2", "报告\u202eexe.txt"],
                ["f\u200b3", dt.datetime(2019, 7, 5), "jinfeng", "R3", "金凤区"],
            ],
            "批示": [["批示日期", "信息编号", "批示级别"], [dt.datetime(2019, 7, 9), "R-e\u0301", "市"]],
        },
    )
    before = snapshot(ledger)
    with pytest.raises(SheetRejected) as caught:
        import_sheet(ledger, book)
    lines = caught.value.lines
    assert [line.split("：", 1)[0] for line in lines] == [
        "工作表 报送 第 3 行，标题（title）列",
        "工作表 报送 第 4 行，编号（id）列",
        "工作表 批示 第 2 行，信息编号（report）列",
    ]
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in lines[0] and "U+200B ZERO WIDTH SPACE" in lines[1]
    assert "NFC" in lines[2] and "'R-\u00e9'" in lines[2]
    assert snapshot(ledger) == before


def test_a_clean_sheet_is_checked_by_the_store_and_refused_whole(
    sqlite_ledger: Ledger, tmp_path: Path
) -> None:
    """When every row is well formed, the store's own rejection comes back by row and column."""
    import_sheet(sqlite_ledger, write_csv(tmp_path / "units.csv", UNITS))
    rows = [
        ["批示日期", "信息编号", "批示级别", "编号"],
        ["2019-07-03", "nowhere", "市", "e-1"],
    ]
    before = snapshot(sqlite_ledger)
    with pytest.raises(SheetRejected) as caught:
        import_sheet(sqlite_ledger, write_csv(tmp_path / "批示.csv", rows))
    unknown = "第 2 行，信息编号（report）列：未知的报送 'nowhere' (unknown report 'nowhere')"
    assert caught.value.lines == [unknown]
    assert snapshot(sqlite_ledger) == before


def test_a_combined_adoption_without_its_units_is_reported_on_the_units_column(
    sqlite_ledger: Ledger, tmp_path: Path
) -> None:
    """An adoption of form 综合多个单位 with no 综合单位 is refused on that column."""
    rows = [
        ["采用日期", "信息编号", "刊物", "形式", "综合单位"],
        ["2019-07-03", "R1", "yinchuan-zwxx", "综合多个单位"],
    ]
    with pytest.raises(SheetRejected) as caught:
        import_sheet(sqlite_ledger, write_csv(tmp_path / "采用.csv", rows))
    assert caught.value.lines[0].startswith("第 2 行，综合单位（units）列：缺少此字段")


def test_unknown_headers_are_named(tmp_path: Path) -> None:
    """A header row with columns outside its template is refused, naming them and the template's columns."""
    rows = [
        ["报送日期", "报送单位", "信息编号", "标题", "联系人", "电话"],
        ["2019-07-03", "xingqing", "R1", "t", "张三", "1"],
    ]
    with pytest.raises(SheetError, match=r"报送登记模板没有 联系人、电话 列"):
        read_sheet(write_csv(tmp_path / "f.csv", rows))


def test_a_header_row_that_fits_no_template_lists_the_templates(tmp_path: Path) -> None:
    """A header row lacking required columns names the nearest template's missing ones and every template."""
    path = write_csv(tmp_path / "f.csv", [["报送日期", "报送单位", "题目"]])
    with pytest.raises(SheetError) as caught:
        read_sheet(path)
    message = str(caught.value)
    assert "f.csv: 表头不符合任何模板（报送登记缺少 信息编号、标题 列）" in message
    assert all(t.name in message for t in TEMPLATES)


def test_a_header_named_twice_is_refused(tmp_path: Path) -> None:
    """Two columns with the same header are ambiguous and refused."""
    path = write_csv(tmp_path / "f.csv", [["报送日期", "报送单位", "信息编号", "标题", "标题"]])
    with pytest.raises(SheetError, match="表头中 标题 列出现了不止一次"):
        read_sheet(path)


def test_empty_files_are_refused_and_a_header_only_sheet_imports_nothing(
    sqlite_ledger: Ledger, tmp_path: Path
) -> None:
    """An empty CSV or workbook has no header and is refused; a header row alone is a valid empty register."""
    empty_csv = tmp_path / "empty.csv"
    empty_csv.write_bytes(b"")
    with pytest.raises(SheetError, match=r"empty\.csv: 是空的，没有表头行"):
        import_sheet(sqlite_ledger, empty_csv)
    blank = write_csv(tmp_path / "blank.csv", [[], ["", " "]])
    with pytest.raises(SheetError, match="没有表头行"):
        read_sheet(blank)
    with pytest.raises(SheetError, match=r"empty\.xlsx: 是空的"):
        read_sheet(write_xlsx(tmp_path / "empty.xlsx", {"Sheet1": []}))
    header_only = write_csv(tmp_path / "units.csv", UNITS[:1])
    assert import_sheet(sqlite_ledger, header_only).acts == 0
    assert sqlite_ledger.store.head() == (0, None)


def test_unreadable_files_are_refused(tmp_path: Path) -> None:
    """A file that is not CSV or XLSX, or a corrupt workbook, is refused with its name."""
    bogus = tmp_path / "bogus.xlsx"
    bogus.write_bytes(b"not a zip")
    with pytest.raises(SheetError, match=r"bogus.xlsx: 无法读取的 \.xlsx 工作簿"):
        read_sheet(bogus)
    old = tmp_path / "old.xls"
    old.write_bytes(b"")
    with pytest.raises(SheetError, match=r"\.xls 工作簿请另存为 \.xlsx"):
        read_sheet(old)
    with pytest.raises(SheetError, match="无法读取"):
        read_sheet(tmp_path / "missing.csv")


def test_a_gb18030_csv_saved_by_excel_is_read(tmp_path: Path) -> None:
    """Excel's plain CSV on Chinese Windows is GBK; such a file is read like UTF-8."""
    sheet = read_sheet(write_csv(tmp_path / "units.csv", UNITS, encoding="gb18030"))
    assert sheet.template.type == "unit.registered"
    assert sheet.tables[0].rows[0] == (
        2,
        {
            "type": "unit.registered",
            "unit": "xingqing",
            "name": "兴庆区",
            "class": "county",
            "occurred_on": "2019-01-01",
        },
    )


def test_cells_are_read_as_stripped_text_and_odd_dates_pass_through(tmp_path: Path) -> None:
    """Whole numbers lose '.0', Excel datetimes at midnight become dates, and unrecognised dates stay as
    written for the act check to report; a CSV's `where` is its row number."""
    book = write_xlsx(
        tmp_path / "f.xlsx",
        {
            "x": [
                [None, None, None],
                ["批示日期", " 信息编号 ", "批示级别"],
                [dt.datetime(2019, 7, 3, 0, 0), 2019001.0, " 县 "],
                ["2019-07-03 00:00:00", 12.5, "County"],
                ["03/07/2019", "R", "区领导"],
            ],
            NOTES_SHEET: [["不是表头"]],
        },
    )
    sheet = read_sheet(book)
    assert [t.title for t in sheet.tables] == ["x"]
    assert list(sheet.acts()) == [
        (
            3,
            {
                "type": "endorsement.received",
                "occurred_on": "2019-07-03",
                "report": "2019001",
                "level": "county",
            },
        ),
        (
            4,
            {
                "type": "endorsement.received",
                "occurred_on": "2019-07-03",
                "report": "12.5",
                "level": "county",
            },
        ),
        (
            5,
            {"type": "endorsement.received", "occurred_on": "03/07/2019", "report": "R", "level": "district"},
        ),
    ]


def test_later_worksheets_number_their_rows_past_the_stride(tmp_path: Path) -> None:
    """The first worksheet's `where` is its row; the n-th sheet's is n * STRIDE + row, and both map back."""
    book = write_xlsx(tmp_path / "f.xlsx", {"a": UNITS, "b": [*UNITS[:1], UNITS[1]]})
    sheet = read_sheet(book)
    assert [w for w, _ in sheet.acts()] == [2, 3, STRIDE + 2]
    table, row = sheet.locate(STRIDE + 2)
    assert table is not None and (table.title, row) == ("b", 2)


def test_written_templates_read_back_as_empty_registers(tmp_path: Path) -> None:
    """Every template, written as CSV and XLSX, reads back as an empty sheet of that template."""
    paths = write_templates(tmp_path / "templates")
    assert len(paths) == 2 * len(TEMPLATES)
    for t in TEMPLATES:
        for suffix in (".csv", ".xlsx"):
            sheet = read_sheet(tmp_path / "templates" / f"{t.name}{suffix}")
            assert sheet.template == t
            assert [table.rows for table in sheet.tables] == [[]]
    assert (
        (tmp_path / "templates" / "报送登记.csv")
        .read_bytes()
        .startswith(b"\xef\xbb\xbf\xe7\xbc\x96\xe5\x8f\xb7")
    )
    book = openpyxl.load_workbook(tmp_path / "templates" / "采用登记.xlsx")
    assert book.sheetnames == ["采用登记", "说明"]
    ws = book["采用登记"]
    assert [c.value for c in ws[1]] == [c.header for c in template("report.adopted").columns]
    assert all(c.font.bold and c.data_type == "s" for c in ws[1])
    assert ws.column_dimensions["A"].width > 8
    notes = [row[0] for row in book["说明"].iter_rows(values_only=True)]
    assert "形式" in notes and "综合单位" in notes


def test_a_filled_in_template_imports(sqlite_ledger: Ledger, tmp_path: Path) -> None:
    """A written XLSX template with rows typed into it imports like any register."""
    path = write_template("units", tmp_path / "units.xlsx")
    book = openpyxl.load_workbook(path)
    for row in UNITS[1:]:
        book["单位登记"].append(row)
    book.save(path)
    assert import_sheet(sqlite_ledger, path).new == 2


def test_templates_are_found_by_chinese_name_english_name_or_act_type(tmp_path: Path) -> None:
    """报送登记, filings and report.filed name the same template; anything else is refused."""
    assert template("报送登记") is template("filings") is template("report.filed")
    with pytest.raises(LedgerError, match="未知的登记表 'reports'"):
        template("reports")
    with pytest.raises(LedgerError, match=r"as \.csv or \.xlsx"):
        write_template("filings", tmp_path / "f.txt")


def test_the_template_doc_lists_every_column() -> None:
    """TEMPLATE_DOC names every template, act type and column."""
    for t in TEMPLATES:
        assert f"### {t.name} ({t.slug}, `{t.type}`)" in TEMPLATE_DOC
        for c in t.columns:
            assert f"| {c.header} |" in TEMPLATE_DOC
