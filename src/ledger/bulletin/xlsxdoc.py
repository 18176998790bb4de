"""The bulletin as an XLSX workbook: a sheet 通报 (the ranked table and the criticised units) and a sheet
说明 (what it was made from). Workbook properties and zip entry times are fixed, so the same bulletin gives
the same bytes. Every string is a text cell (`ledger.cells`): a unit named like a formula stays a name."""

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
HEADER_ROWS = (4, 5)  # the two header rows of the table; units from row 6


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
    plain, bold = Font(name=FONT, size=11), Font(name=FONT, size=11, bold=True)
    fill = PatternFill("solid", fgColor="EEEEEE")
    pubs = len(b.columns)
    last = 3 + pubs + 1 + 2  # rank, unit, filed, publications, total adopted, endorsements, score
    end = get_column_letter(last)

    ws["A1"] = f"{b.title}{b.subtitle}"
    ws["A1"].font = Font(name=FONT, size=16, bold=True, color="C00000")
    ws["A1"].alignment = centre
    ws.merge_cells(f"A1:{end}1")
    ws.row_dimensions[1].height = 30
    ws["A2"] = f"{b.issuer}　　{b.number}　　{b.issued_on}"
    ws["A2"].font, ws["A2"].alignment = plain, centre
    ws.merge_cells(f"A2:{end}2")
    ws["A3"] = b.heading
    ws["A3"].font, ws["A3"].alignment = bold, centre
    ws.merge_cells(f"A3:{end}3")

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

    for offset, r in enumerate(b.rows):
        values: list[Any] = [r.rank, r.name, r.filed, *r.adoptions, r.adopted, r.endorsements, r.total]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(low + 1 + offset, col, value)
            cell.font, cell.border = plain, box
            cell.alignment = Alignment(horizontal="left" if col == 2 else "center", vertical="center")

    line = low + len(b.rows) + 2
    for note in b.legend:
        ws.cell(line, 1, f"注：{note}").font = plain
        line += 1
    ws.cell(line, 1, "通报批评").font = bold
    line += 1
    if b.criticisms:
        for c in b.criticisms:
            ws.cell(line, 1, c.name).font = plain
            ws.cell(line, 3, "；".join(c.reasons)).font = plain
            line += 1
    else:
        ws.cell(line, 1, "本期无通报批评单位。").font = plain

    widths = [6.0, 24.0, 9.0, *([12.0] * pubs), 8.0, 8.0, 9.0]
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(low + 1, 3)
    ws.print_title_rows = f"{top}:{low}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait" if pubs <= 6 else "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True

    notes = wb.create_sheet(NOTES)
    notes.append(["项目", "内容"])
    for cell in notes[1]:
        cell.font, cell.fill, cell.border = bold, fill, box
    rows = [
        ("标题", f"{b.title}{b.subtitle}"),
        ("发文机关", b.issuer),
        ("期号", b.number),
        *b.provenance,
        ("规则编号", str(b.rulebook["id"])),
        ("规则版本号", int(b.rulebook["version"])),
        ("知悉时点（UTC）", b.known_at),
        ("账本位置（末条）", b.position),
        ("引擎版本", b.engine),
        *((f"刊物 {c.label}", f"{c.name}（{c.slug}）") for c in b.columns),
    ]
    for key, value in rows:
        notes.append([key, value])
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.font, cell.border = plain, box
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 90

    xlsx_text(wb)  # names, titles, reasons...: text cells, never formulas

    moment = instant(b.known_at).astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
    wb.properties.creator = b.issuer
    wb.properties.lastModifiedBy = b.issuer
    wb.properties.title = f"{b.title}{b.subtitle}"
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
