"""The bulletin as an XLSX workbook: a sheet 通报 (one title, the lead-in, the ranked table with its totals
row, the numbered criticised units, the signature, the 核验码, 抄送 and 印发; landscape A4 with the page
number at the foot) and a sheet 说明 (the particulars and what it was made from, each once). Workbook
properties and zip entry times are fixed, so the same bulletin gives the same bytes. Every string is a
text cell (`ledger.cells`): a unit named like a formula stays a name."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

from ledger.bulletin.model import Bulletin, instant
from ledger.cells import xlsx_text

SHEET = "通报"
NOTES = "说明"
FONT = "宋体"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
HEADER_ROWS = (6, 7)  # the two header rows of the table; units from row 8
FOOTER = "— &P —"  # the page number at the foot, as GB/T 9704 prints it


def render_xlsx(b: Bulletin) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    right = Alignment(horizontal="right", vertical="center")
    wrapped = Alignment(horizontal="left", vertical="top", wrap_text=True)
    plain, bold = Font(name=FONT, size=11), Font(name=FONT, size=11, bold=True)
    fill = PatternFill("solid", fgColor="EEEEEE")
    pubs = len(b.columns)
    last = 3 + pubs + 1 + 2  # rank, unit, filed, publications, total adopted, endorsements, score
    end = get_column_letter(last)

    def line(row: int, text: str, font: Any = plain, alignment: Any = None, height: float = 0) -> None:
        """A line of text across the table's width."""
        cell = ws.cell(row, 1, text)
        cell.font, cell.alignment = font, alignment or Alignment(vertical="center")
        ws.merge_cells(f"A{row}:{end}{row}")
        if height:
            ws.row_dimensions[row].height = height

    title = b.heading + (b.subtitle if b.as_of < b.period_end else "")
    line(1, title, Font(name=FONT, size=16, bold=True), centre, 30)
    line(2, f"{b.number}　　{b.issuer}　　{b.issued_on}", plain, centre)
    line(3, f"{b.to}：")
    line(4, "　　" + b.intro, plain, wrapped, 48)
    line(5, "一、各单位信息报送采用情况", bold)

    top, low = HEADER_ROWS
    spans = [("排名", 1), ("单位", 2), ("报送数", 3), ("批示", last - 1), ("得分", last)]
    for text, col in spans:
        ws.cell(top, col, text)
        ws.merge_cells(start_row=top, start_column=col, end_row=low, end_column=col)
    ws.cell(top, 4, "采用数")
    ws.merge_cells(start_row=top, start_column=4, end_row=top, end_column=4 + pubs)
    for place, column in enumerate(b.columns):
        ws.cell(low, 4 + place, column.label)
    ws.cell(low, 4 + pubs, "合计")
    for row in HEADER_ROWS:
        ws.row_dimensions[row].height = 32
        for col in range(1, last + 1):
            cell = ws.cell(row, col)
            cell.font, cell.alignment, cell.border, cell.fill = bold, centre, box, fill

    totals: list[Any] = ["合计", f"{len(b.rows)}个单位", sum(r.filed for r in b.rows)]
    totals += [sum(r.adoptions[i] for r in b.rows) for i in range(pubs)]
    totals += [sum(r.adopted for r in b.rows), sum(r.endorsements for r in b.rows), None]
    lines: list[tuple[list[Any], Any]] = [
        ([r.rank, r.name, r.filed, *r.adoptions, r.adopted, r.endorsements, r.total], plain) for r in b.rows
    ]
    for offset, (values, font) in enumerate([*lines, (totals, bold)]):
        for col, value in enumerate(values, start=1):
            cell = ws.cell(low + 1 + offset, col, value)
            cell.font, cell.border = font, box
            cell.alignment = Alignment(horizontal="left" if col == 2 else "center", vertical="center")

    row = low + len(b.rows) + 3
    for note in b.legend:
        ws.cell(row, 1, f"注：{note}").font = plain
        row += 1
    ws.cell(row, 1, "二、通报批评").font = bold
    row += 1
    if b.criticisms:
        line(row, "　　对以下单位予以通报批评：")
        row += 1
        for place, c in enumerate(b.criticisms, start=1):
            ws.cell(row, 1, place).font = plain
            ws.cell(row, 1).alignment = Alignment(horizontal="center", vertical="top")
            ws.cell(row, 2, c.name).font = plain
            ws.cell(row, 2).alignment = wrapped
            ws.cell(row, 3, "；".join(c.reasons) + "。").font = plain
            ws.cell(row, 3).alignment = wrapped
            ws.merge_cells(start_row=row, start_column=3, end_row=row, end_column=last)
            row += 1
    else:
        line(row, "　　本期无通报批评单位。")
        row += 1
    row += 1
    for text in (b.issuer, b.issued_on):  # the signature
        line(row, text, plain, right)
        row += 1
    line(row, f"（{b.code_line}）")
    row += 2
    if b.cc:
        line(row, f"抄送：{b.cc}。")
        row += 1
    line(row, b.printed)

    widths = [6.0, 24.0, 9.0, *([max(12.0, 2.2 * len(c.label)) for c in b.columns]), 8.0, 8.0, 9.0]
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(low + 1, 3)
    ws.print_title_rows = f"{top}:{low}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = FOOTER
    ws.evenFooter.center.text = FOOTER

    notes = wb.create_sheet(NOTES)
    notes.append(["项目", "内容"])
    for cell in notes[1]:
        cell.font, cell.fill, cell.border = bold, fill, box
    rows = [
        ("标题", title),
        ("发文机关", b.issuer),
        ("文号/期号", b.number),
        ("主送", b.to),
        ("抄送", b.cc or "（无）"),
        ("印发日期", b.issued_on),
        ("核验码", b.code),
        *b.provenance,
        *((f"刊物 {c.label}", f"{c.name}（{c.slug}）") for c in b.columns),
    ]
    for key, value in rows:
        notes.append([key, value])
    for row_cells in notes.iter_rows(min_row=2):
        for cell in row_cells:
            cell.font, cell.border = plain, box
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 90

    xlsx_text(wb)  # names, titles, reasons...: text cells, never formulas

    moment = instant(b.known_at).astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
    wb.properties.creator = b.issuer
    wb.properties.lastModifiedBy = b.issuer
    wb.properties.title = title
    wb.properties.created = moment
    wb.properties.modified = moment
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    return _fixed_times(buffer.getvalue())


def _fixed_times(data: bytes) -> bytes:
    """The same archive with every entry's time set to one fixed date (zip entries carry the clock)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, source.read(entry.filename))
    return out.getvalue()
