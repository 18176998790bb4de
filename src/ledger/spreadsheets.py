"""Registers kept in Excel (报送登记, 采用登记, 批示登记, 单位登记) as CSV or XLSX files, in fixed templates.

A file's template is decided by its header row. Every worksheet of a workbook that has a header row is read
(by its own header; a sheet named 说明 is the templates' own notes and is skipped). Each data row becomes a
raw act, checked by `parse_act` and the store exactly like a JSON Lines act; an act's `where` is its row
number as the spreadsheet shows it (the header normally row 1), plus `STRIDE` times the worksheet's place
in the workbook, so a CSV's or a first worksheet's `where` is just its row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledger import terms
from ledger.acts import FORMS, LEVELS, Act, parse_act
from ledger.cells import xlsx_text
from ledger.errors import ActError, BatchRejected, LedgerError, depending, unlisted
from ledger.index import defined_by
from ledger.services import ImportResult, Ledger, with_file_ids
from ledger.store.base import LARGE, Part

STRIDE = 10_000_000  # above Excel's 1,048,576 rows: where = sheet place * STRIDE + row
NOTES_SHEET = "说明"
FORM_WORDS = {name: code for code, name in terms.FORMS.items() if code in FORMS}  # 单条 -> item ...
LEVEL_WORDS = {"国务院": "national", "国家": "national", "自治区": "region", "省": "province", "市": "city"}
LEVEL_WORDS |= {"区": "district", "县": "county"}


class SheetError(LedgerError):
    """A spreadsheet cannot be read as a register: unreadable, empty, or its header fits no template."""


@dataclass(frozen=True)
class Column:
    header: str
    field: str | None  # None: kept for the office's own notes, ignored
    required: bool
    description: str
    kind: str = "text"  # text, date, form, level or units

    @property
    def words(self) -> dict[str, str]:
        return {"form": FORM_WORDS, "level": LEVEL_WORDS}.get(self.kind, {})


@dataclass(frozen=True)
class Template:
    name: str
    slug: str
    type: str
    columns: tuple[Column, ...]

    @property
    def required(self) -> set[str]:
        return {c.header for c in self.columns if c.required}

    def column(self, header: str) -> Column | None:
        return next((c for c in self.columns if c.header == header), None)

    def column_of(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.field == name), None)


def _id(what: str) -> Column:
    return Column("编号", "id", False, f"本条{what}的编号，可空；留空时由内容生成，重复导入不会重复记录")


NOTE = Column("备注", None, False, "本单位自用的备注，不导入")
REPORT = Column("信息编号", "report", True, "报送登记中的信息编号")
TEMPLATES: tuple[Template, ...] = (
    Template("单位登记", "units", "unit.registered", (
        Column("单位代码", "unit", True, "单位代码：小写字母、数字、- 或 _，如 xingqing"),
        Column("单位名称", "name", True, "单位全称，如 兴庆区"),
        Column("单位类别", "class", True, "考核办法中的单位类别代码，如 county、department"),
        Column("登记日期", "occurred_on", True, "纳入考核的日期", "date"),
        NOTE,
    )),
    Template("报送登记", "filings", "report.filed", (
        _id("报送"),
        Column("报送日期", "occurred_on", True, "报送的日期", "date"),
        Column("报送单位", "unit", True, "报送单位的单位代码（见单位登记）"),
        Column("信息编号", "report", True, "信息的唯一编号，如 XQ-2019-101；采用、批示登记引用它"),
        Column("标题", "title", True, "信息标题"),
        NOTE,
    )),
    Template("采用登记", "adoptions", "report.adopted", (
        _id("采用"),
        Column("采用日期", "occurred_on", True, "刊物采用的日期", "date"),
        REPORT,
        Column("刊物", "publication", True, "刊物代码，见考核办法（如 yinchuan-zwxx）"),
        Column("形式", "form", True, "单条、简讯、综合调研 或 综合多个单位（或 item、brief、research、"
               "combined）", "form"),
        Column("综合单位", "units", False, "形式为综合多个单位时必填：各单位代码，以 、 , ; 或空格分隔",
               "units"),
        NOTE,
    )),
    Template("批示登记", "endorsements", "endorsement.received", (
        _id("批示"),
        Column("批示日期", "occurred_on", True, "领导批示的日期", "date"),
        REPORT,
        Column("批示级别", "level", True, "国务院/国家、自治区、省、市、区、县（可加“级”或“领导”，"
               "或 national、region、province、city、district、county）", "level"),
        NOTE,
    )),
)  # fmt: skip


def template(name: str) -> Template:
    """A template by its Chinese name (报送登记), English name (filings) or act type (report.filed)."""
    for t in TEMPLATES:
        if name in (t.name, t.slug, t.type):
            return t
    known = "、".join(f"{t.name}（{t.slug}，{t.type}）" for t in TEMPLATES)
    raise LedgerError(f"未知的登记表 {name!r}（可选：{known}）(unknown template)")


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """One worksheet (or a CSV file): its title, place in the workbook, template and data rows."""

    title: str | None
    place: int
    template: Template
    rows: list[tuple[int, dict[str, Any]]]  # (spreadsheet row number, raw act)


@dataclass(frozen=True)
class Sheet:
    path: Path
    tables: list[Table] = field(default_factory=list)  # in the order their acts are appended

    @property
    def template(self) -> Template:
        return self.tables[0].template

    def acts(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """Every raw act with its `where` (its row number, for a CSV or a workbook's first sheet)."""
        for table in self.tables:
            for row, raw in table.rows:
                yield table.place * STRIDE + row, raw

    def locate(self, where: int) -> tuple[Table | None, int]:
        place, row = divmod(where, STRIDE)
        return next((t for t in self.tables if t.place == place), None), row


def read_sheet(path: Path) -> Sheet:
    """Read a .csv or .xlsx register; raises SheetError when it cannot be read or fits no template."""
    suffix = path.suffix.lower()
    grids: list[tuple[str | None, list[list[Any]]]]
    if suffix == ".csv":
        grids = [(None, _csv_rows(path))]
    elif suffix == ".xlsx":
        grids = _xlsx_rows(path)
    else:
        raise SheetError(
            f"{path.name}: 不是 .csv 或 .xlsx 文件，.xls 工作簿请另存为 .xlsx "
            "(not a .csv or .xlsx file)"
        )
    tables = [t for place, (title, grid) in enumerate(grids) if (t := _table(path, title, place, grid))]
    if not tables:
        raise SheetError(
            f"{path.name}: 是空的，没有表头行，可用 `ledger template` 生成模板 "
            "(empty, no header row)"
        )
    rank = {t.type: i for i, t in enumerate(TEMPLATES)}  # units, then filings, then what names them
    return Sheet(path, sorted(tables, key=lambda t: (rank[t.template.type], t.place)))


def _csv_rows(path: Path) -> list[list[Any]]:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise SheetError(f"{path.name}: 无法读取（{e.strerror}）(cannot be read)") from None
    for encoding in ("utf-8-sig", "gb18030"):  # GB18030: Excel's plain "CSV" on Chinese Windows
        try:
            return [list(r) for r in csv.reader(io.StringIO(data.decode(encoding), newline=""))]
        except (UnicodeDecodeError, csv.Error):
            continue
    raise SheetError(
        f"{path.name}: 不是 UTF-8 或 GB18030 编码的 CSV 文件 "
        "(not a CSV file in UTF-8 or GB18030)"
    )


def _xlsx_rows(path: Path) -> list[tuple[str | None, list[list[Any]]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises zipfile, KeyError, XML and its own errors alike
        raise SheetError(
            f"{path.name}: 无法读取的 .xlsx 工作簿（{e}）(not a readable .xlsx workbook)"
        ) from None
    try:
        return [
            (ws.title, [list(r) for r in ws.iter_rows(min_row=1, values_only=True)])
            for ws in book.worksheets
            if ws.title != NOTES_SHEET
        ]
    finally:
        book.close()


def _table(path: Path, title: str | None, place: int, grid: list[list[Any]]) -> Table | None:
    cells = [[_cell(v) for v in row] for row in grid]
    numbered = [(n, row) for n, row in enumerate(cells, start=1) if any(row)]
    if not numbered:
        return None
    where = path.name if title is None else f"{path.name}, sheet {title}"
    (_, headers), body = numbered[0], numbered[1:]
    t = _match(headers, where)
    columns = [(i, t.column(h)) for i, h in enumerate(headers) if h]
    rows = []
    for n, row in body:
        raw: dict[str, Any] = {"type": t.type}
        for i, col in columns:
            value = row[i] if i < len(row) else ""
            if col is not None and col.field is not None and value:
                raw[col.field] = _value(col, value)
        rows.append((n, raw))
    return Table(title, place, t, rows)


def _match(headers: list[str], where: str) -> Template:
    named = [h for h in headers if h]
    twice = sorted({h for h in named if named.count(h) > 1})
    if twice:
        raise SheetError(
            f"{where}: 表头中 {'、'.join(twice)} 列出现了不止一次 "
            "(column(s) appear more than once in the header row)"
        )
    present = set(named)
    fits = sorted((t for t in TEMPLATES if t.required <= present), key=lambda t: -len(t.required))
    if not fits:
        known = "；".join(f"{t.name}：{'、'.join(c.header for c in t.columns)}" for t in TEMPLATES)
        near = max(TEMPLATES, key=lambda t: len(t.required & present))
        hint = ""
        if near.required & present:
            lacking = [c.header for c in near.columns if c.required and c.header not in present]
            hint = f"（{near.name}缺少 {'、'.join(lacking)} 列）"
        raise SheetError(
            f"{where}: 表头不符合任何模板{hint}。各模板的列：{known} (the header row fits no template)"
        )
    t = fits[0]
    unknown = [h for h in named if t.column(h) is None]
    if unknown:
        columns = "、".join(c.header for c in t.columns)
        listed = "、".join(unknown)
        raise SheetError(f"{where}: {t.name}模板没有 {listed} 列（可用的列：{columns}）(unknown column(s))")
    return t


def _cell(value: Any) -> str:
    """A cell as stripped text: whole numbers without '.0', dates (and midnight times) as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


DATE = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})(?:\s+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?")
CHINESE_DATE = re.compile(r"([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日")


def _value(col: Column, text: str) -> Any:
    if col.kind == "date":
        m = DATE.fullmatch(text)
        parts = (m.group(1), m.group(3), m.group(4)) if m else None
        if c := CHINESE_DATE.fullmatch(text):
            parts = (c.group(1), c.group(2), c.group(3))
        iso = f"{parts[0]}-{int(parts[1]):02d}-{int(parts[2]):02d}" if parts else text
        # A date written another way is read as ISO; one that is no calendar date stays as typed, so that
        # its refusal quotes the cell (2019/13/9, not 2019-13-09).
        return iso if iso == text or _is_date(iso) else text
    if col.kind == "units":
        return [u for u in re.split(r"[、,;，；\s]+", text) if u]
    if col.kind in ("form", "level"):
        options = FORMS if col.kind == "form" else LEVELS
        if text.lower() in options:
            return text.lower()
        word = text.removesuffix("领导").removesuffix("级") if col.kind == "level" else text
        return col.words.get(word, text)
    return text


# --- importing -----------------------------------------------------------------------------------


def row_error(error: ActError, sheet: Sheet) -> str:
    """An error as '第 5 行，报送单位（unit）列：...' (after '工作表 NAME ' when a workbook has several)."""
    _, place, table = _place(sheet, error.where)
    message = error.message
    if error.depends_on is not None:
        english, chinese, _ = _place(sheet, error.depends_on)
        message += depending(chinese, english)
    if error.field is None:
        return f"{place}：{message}"
    col = table.template.column_of(error.field) if table else None
    if col is None:
        return f"{place}，字段 {error.field}：{message}"
    words = f"（也可写 {'、'.join(col.words)}）" if col.words and "must be one of" in error.message else ""
    if col.kind == "date" and "YYYY-MM-DD" in error.message:
        words = "（表中也可写 2019/7/3、2019.7.3、2019年7月3日，或用日期单元格）"
    return f"{place}，{col.header}（{error.field}）列：{message}{words}"


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _place(sheet: Sheet, where: int) -> tuple[str, str, Table | None]:
    """Where a row is, in English ('sheet NAME, row 5' when a workbook has several, else 'row 5') and in
    Chinese ('工作表 NAME 第 5 行'), and its table."""
    table, row = sheet.locate(where)
    several = table is not None and len(sheet.tables) > 1
    english = f"sheet {table.title}, row {row}" if several and table else f"row {row}"
    chinese = f"工作表 {table.title} 第 {row} 行" if several and table else f"第 {row} 行"
    return english, chinese, table


class SheetRejected(BatchRejected):
    """A register held bad rows; none of it was stored. `lines` name each bad row and column."""

    def __init__(self, sheet: Sheet, errors: list[ActError], *, conflict: bool = False) -> None:
        ordered = sorted(errors, key=lambda e: e.where)
        self.name = sheet.path.name
        self.lines = [row_error(e, sheet) for e in ordered]
        self.rows = len({e.where for e in ordered})
        super().__init__(ordered, conflict=conflict)

    def summary(self, limit: int | None = None) -> str:
        shown = self.lines if limit is None else self.lines[:limit]
        listed = "\n".join(f"  {line}" for line in shown)
        rows = self.rows
        head = f"{self.name}：{rows} 行有误，未存入任何行为（{rows} bad row(s); nothing was stored）："
        return f"{head}\n{listed}{unlisted(len(self.lines) - len(shown))}"


def import_sheet(ledger: Ledger, path: Path, progress: Callable[[int], None] | None = None) -> ImportResult:
    """Import a register: every row, or none when any row is bad (SheetRejected lists them all: rows of the
    wrong shape and rows the ledger refuses, in one run)."""
    sheet = read_sheet(path)
    parsed: list[tuple[int, Act]] = []
    faults: list[ActError] = []
    claims: dict[tuple[str, str], int] = {}
    for where, raw in sheet.acts():
        try:
            parsed.append((where, parse_act(raw, where)))
        except ActError as e:
            faults.append(e)
            for key in defined_by(raw.get("type"), raw.get("id"), raw):
                claims.setdefault(key, where)
    acts = with_file_ids(parsed)
    try:
        new, duplicates = ledger.store.append_parts(
            [Part(acts, faults, claims)], large=len(acts) >= LARGE, progress=progress
        )
    except BatchRejected as e:
        raise SheetRejected(sheet, e.errors, conflict=e.conflict) from None
    return ImportResult(new, duplicates)


# --- templates -----------------------------------------------------------------------------------


def write_template(name_or_type: str, path: Path) -> Path:
    """A blank register: .csv (UTF-8 with BOM, for Excel) or .xlsx (with a 说明 sheet), by the suffix."""
    t = template(name_or_type)
    headers = [c.header for c in t.columns]
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerow(headers)
        return path
    if path.suffix.lower() != ".xlsx":
        raise LedgerError(f"{path.name}: a template is written as .csv or .xlsx")
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = t.name
    ws.append(headers)
    ws.freeze_panes = "A2"
    for i, col in enumerate(t.columns, start=1):
        letter = get_column_letter(i)
        ws.cell(1, i).font = Font(bold=True)
        ws.column_dimensions[letter].width = 40 if col.field in ("title", "name") else 16
        ws.column_dimensions[letter].number_format = "yyyy-mm-dd" if col.kind == "date" else "@"
        if col.words:  # a drop-down of the Chinese words; other values may still be typed
            menu = DataValidation(type="list", formula1=f'"{",".join(col.words)}"', showErrorMessage=False)
            menu.add(f"{letter}2:{letter}10000")
            ws.add_data_validation(menu)
    notes = book.create_sheet(NOTES_SHEET)
    notes.append(["列", "字段", "必填", "说明"])
    for col in t.columns:
        notes.append([col.header, col.field or "", "是" if col.required else "否", col.description])
    for line in ("", *GENERAL_NOTES):
        notes.append([line])
    for i, width in enumerate((14, 14, 8, 80), start=1):
        notes.column_dimensions[get_column_letter(i)].width = width
        notes.cell(1, i).font = Font(bold=True)
    xlsx_text(book)
    book.save(path)
    return path


def write_templates(directory: Path) -> list[Path]:
    """All the templates, each as .csv and .xlsx, named by the register (报送登记.csv, 报送登记.xlsx, ...)."""
    return [write_template(t.type, directory / f"{t.name}{s}") for t in TEMPLATES for s in (".csv", ".xlsx")]


GENERAL_NOTES = (
    "第一个非空行为表头；列的顺序不限；须有全部必填列，不得有模板以外的列；空行跳过；错误按表格实际行号报告。",
    "日期可写作 2019-07-03、2019/7/3、2019.7.3、2019年7月3日，或 Excel 日期单元格。",
    "任何一行有错，整个文件都不导入，并逐行列出错误（行号、列名）；同一文件重复导入不会重复记录。",
    "一个工作簿可有多个工作表（各按表头识别，“说明”表除外），按单位、报送、采用、批示的顺序导入。",
)


def _doc() -> str:
    lines = [
        "`ledger import` takes registers kept in Excel as CSV (UTF-8 or GB18030) or XLSX files in the "
        "templates below; `ledger template` writes them blank. The first non-blank row is the header and "
        "decides the template: it must hold the template's required columns, in any order, and no others. "
        "Every worksheet of a workbook is read by its own header (except one named 说明) and imported units "
        "first, then filings, adoptions and endorsements. Blank rows are skipped. Dates may be written "
        "2019-07-03, 2019/7/3, 2019.7.3 or 2019年7月3日, or be Excel date cells. A file with any bad row is "
        "refused whole, every bad row named by its row number and column; rows without 编号 get ids from "
        "their content, so importing a file again changes nothing.",
    ]
    for t in TEMPLATES:
        lines.append(
            f"\n### {t.name} ({t.slug}, `{t.type}`)\n\n| 列 | field | 必填 | 说明 |\n|---|---|---|---|"
        )
        for c in t.columns:
            name = f"`{c.field}`" if c.field else "—"
            lines.append(f"| {c.header} | {name} | {'是' if c.required else '否'} | {c.description} |")
    return "\n".join(lines) + "\n"


TEMPLATE_DOC: str = _doc()
