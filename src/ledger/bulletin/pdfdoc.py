"""The bulletin as an A4 PDF (fpdf2) laid out after GB/T 9704-2012 《党政机关公文格式》: the red masthead with
the 文号/期号 and the red line, the title, 主送, the text and the ranked table, the signature kept on the
page of the last paragraph, the 核验码 as a note, the 版记 (抄送, 印发) at the foot of the last page, and
page numbers "— 1 —" at the foot (odd pages right, even pages left).

The text is on portrait pages. A table too wide for them is set on landscape pages of its own (横排表格),
and the text after it goes on portrait again. Printed the usual way (turned a quarter counter-clockwise
onto the portrait sheet), a landscape page has its table's head at the sheet's left edge, which is the
binding edge (订口) of an odd page and the cut edge (切口) of an even one, as GB/T 9704 wants; so its page
number is drawn turned, along the page's left edge, where it lands at the sheet's foot like every other.

The fonts are embedded (only the glyphs used; `ledger.bulletin.fonts` says which). The creation date is the
bulletin's known-at instant, so the same bulletin and the same font files give the same bytes.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from typing import Any

from ledger.bulletin.fonts import FONTS_ENV, Face, Fonts, find_fonts
from ledger.bulletin.model import Bulletin, instant, points_text
from ledger.characters import visible
from ledger.errors import LedgerError

RED = (192, 0, 0)
PT = 25.4 / 72  # mm per point
MARGINS = {"P": (28.0, 37.0, 26.0, 35.0), "L": (32.0, 25.0, 25.0, 25.0)}  # left, top, right, bottom (mm)
FOLIO_TOP = 28.0  # mm from the sheet's foot to the top of the page number's line
BODY, TITLE, MASTHEAD, TABLE, FOLIO = 16.0, 22.0, 30.0, 9.0, 14.0  # 3号, 2号, 发文机关标志, 表格, 4号
LINE = 9.0  # mm between lines of the text (GB/T 9704: 22 lines to the 225 mm of a page)
PADDING = (1.0, 1.5)  # table cells: top/bottom, left/right (mm)
FIXED = {"rank": 10.0, "unit": 34.0, "filed": 12.0, "adopted": 11.0, "endorsed": 10.0, "total": 12.0}
HEADER_SIZES = {"P": (9.0, 8.5, 8.0), "L": (9.0, 8.5, 8.0, 7.5, 7.0, 6.5, 6.0)}


def render_pdf(b: Bulletin, fonts: Fonts | None = None) -> bytes:
    """The bulletin as PDF bytes."""
    from fpdf import FPDF

    fonts = fonts or find_fonts()
    b, orientation, header_size, widths = layout(b)

    class Document(FPDF):
        families: dict[str, str] = {}  # noqa: RUF012  (set once, before the first page)

        def use(self, role: str, size: float) -> None:
            """The font of a role (title, body, heading) at a size in points."""
            self.set_font(self.families[role], size=size)

        def footer(self) -> None:
            self.use("body", FOLIO)
            folio = f"— {self.page_no()} —"
            width = self.get_string_width(folio)
            inset = FOLIO * PT  # one character in from the edge of the text block
            odd = self.page_no() % 2
            if self.w < self.h:
                self.set_xy(
                    self.w - self.r_margin - inset - width if odd else self.l_margin + inset, -FOLIO_TOP
                )
                self.cell(width, 6, folio)
                return
            # the sheet's foot is this page's left edge, its right edge this page's foot: read downwards
            y = self.h - self.b_margin - inset - width if odd else self.t_margin + inset
            self.set_xy(FOLIO_TOP, y)
            with self.rotation(-90, FOLIO_TOP, y):
                self.cell(width, 6, folio)

    pdf = Document(orientation="P", unit="mm", format="A4")
    _add_fonts(pdf, fonts)
    pdf.set_creation_date(instant(b.known_at))
    pdf.set_title(f"{b.title}{b.subtitle}")
    pdf.set_author(b.issuer)
    pdf.set_subject(b.heading)
    pdf.set_creator("ledger bulletin")
    pdf.set_producer(f"ledger {b.engine}")
    pdf.set_lang("zh-CN")
    _turn(pdf, "P")
    _masthead(pdf, b)
    _text(pdf, b)
    if orientation == "L":
        _turn(pdf, "L")
    _heading(pdf, "一、各单位信息报送采用情况")
    _table(pdf, b, widths, header_size)
    if orientation == "L":
        _turn(pdf, "P")
    _criticisms_and_signature(pdf, b)
    _colophon(pdf, b)
    return bytes(pdf.output())


def _turn(pdf: Any, orientation: str) -> None:
    """Go on on a new page of an orientation ("P" or "L"), with its margins."""
    left, top, right, bottom = MARGINS[orientation]
    pdf.add_page(orientation=orientation)  # the page before gets its footer first, as it was
    pdf.set_margins(left, top, right)
    pdf.set_auto_page_break(True, margin=bottom)
    pdf.set_xy(left, top)


def _add_fonts(pdf: Any, fonts: Fonts) -> None:
    """Embed each font once, however many roles it serves."""
    families: dict[Face, str] = {}
    for role in ("title", "body", "heading"):
        face = getattr(fonts, role)
        if face not in families:
            families[face] = f"f{len(families) + 1}"
            try:
                pdf.add_font(families[face], "", str(face.path), collection_font_number=face.index)
            except Exception as e:  # fpdf2 raises many kinds on a font it cannot read
                raise LedgerError(f"字体 {face.path} 无法嵌入（{e}）：请以 {FONTS_ENV} 指定其他字体") from e
        pdf.families = {**pdf.families, role: families[face]}


def layout(b: Bulletin) -> tuple[Bulletin, str, float, list[float]]:
    """The table's page orientation, its header's size (points) and the column widths (mm): every
    publication's name fits its column on one line, never broken inside 《》; portrait when it can. Where
    the names cannot fit even so, the columns are headed 刊物1, 刊物2 ... with the names in a note (the
    bulletin returned says which)."""
    short = replace(b, columns=tuple(replace(c, label=f"刊物{i}") for i, c in enumerate(b.columns, 1)))
    for shown in (b, short):
        for orientation, sizes in HEADER_SIZES.items():
            for size in sizes:
                widths = _widths(shown, size)
                if sum(widths) <= _room(orientation):
                    return shown, orientation, size, widths
    f = FIXED
    before, after = [f["rank"], f["unit"], f["filed"]], [f["adopted"], f["endorsed"], f["total"]]
    share = (_room("L") - sum(before) - sum(after)) / max(1, len(b.columns))
    return short, "L", HEADER_SIZES["L"][-1], [*before, *([share] * len(b.columns)), *after]


def _room(orientation: str) -> float:
    left, _, right, _ = MARGINS[orientation]
    return (297.0 if orientation == "L" else 210.0) - left - right


def _widths(b: Bulletin, size: float) -> list[float]:
    pubs = [max(11.0, ems(c.label) * size * PT + 2 * PADDING[1] + 0.5) for c in b.columns]
    f = FIXED
    longest = max((ems(visible(r.name)) for r in b.rows), default=0.0) * TABLE * PT + 2 * PADDING[1] + 0.5
    unit = min(max(f["unit"], longest), 2 * f["unit"])
    return [f["rank"], unit, f["filed"], *pubs, f["adopted"], f["endorsed"], f["total"]]


def ems(text: str) -> float:
    """Text's width in ems: a Chinese character (and 《》) one, anything else about half."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.55 for ch in text)


def _masthead(pdf: Any, b: Bulletin) -> None:
    width = pdf.epw
    pdf.set_text_color(*RED)
    pdf.use("title", MASTHEAD)
    with pdf.local_context(text_mode="FILL_STROKE", line_width=0.3, draw_color=RED):
        pdf.cell(width, 16, b.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(4)
    pdf.use("body", BODY)
    pdf.cell(width, 8, visible(b.number), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(width / 2, 8, b.issuer)
    pdf.cell(width / 2, 8, b.issued_on, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*RED)
    pdf.set_line_width(0.8)
    pdf.line(pdf.l_margin, pdf.get_y() + 2, pdf.l_margin + width, pdf.get_y() + 2)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    pdf.ln(10)


def _text(pdf: Any, b: Bulletin) -> None:
    width = pdf.epw
    pdf.use("title", TITLE)
    heading = b.heading
    if pdf.get_string_width(heading) > width:  # 回行时词意完整: the period on a line, the matter after
        period, matter, rest = heading.partition("政务信息")
        heading = f"{period}\n{matter}{rest}" if matter else heading
    with pdf.local_context(text_mode="FILL_STROKE", line_width=0.2):
        pdf.multi_cell(width, 11, heading, align="C", new_x="LMARGIN", new_y="NEXT", wrapmode="CHAR")
    pdf.use("body", BODY)
    pdf.cell(width, LINE, b.subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(LINE / 2)
    _paragraph(pdf, f"{visible(b.to)}：", indent=False)
    _paragraph(pdf, b.intro)


def _paragraph(pdf: Any, text: str, *, indent: bool = True, doc: Any = None) -> None:
    (doc or pdf).multi_cell(
        pdf.epw, LINE, ("　　" if indent else "") + text, new_x="LMARGIN", new_y="NEXT", wrapmode="CHAR"
    )


def _heading(pdf: Any, text: str) -> None:
    pdf.use("heading", BODY)
    pdf.cell(pdf.epw, LINE, "　　" + text, new_x="LMARGIN", new_y="NEXT")
    pdf.use("body", BODY)


def _table(pdf: Any, b: Bulletin, widths: list[float], header_size: float) -> None:
    from fpdf.fonts import FontFace

    pdf.use("body", TABLE)
    heading = FontFace(family=pdf.families["heading"], size_pt=header_size, fill_color=(235, 235, 235))
    with pdf.table(
        col_widths=widths,
        width=sum(widths),
        num_heading_rows=2,
        headings_style=heading,
        line_height=TABLE * PT * 1.45,
        text_align="CENTER",
        padding=PADDING,
        repeat_headings=1,
    ) as table:
        top = table.row()
        for text in ("排名", "单位", "报送数"):
            top.cell(text, rowspan=2)
        top.cell("采用数", colspan=len(b.columns) + 1)
        top.cell("批示", rowspan=2)
        top.cell("得分", rowspan=2)
        low = table.row()
        for column in b.columns:
            low.cell(visible(column.label))
        low.cell("合计")
        for r in b.rows:
            row = table.row()
            row.cell("—" if r.rank is None else str(r.rank))
            row.cell(visible(r.name), align="LEFT")
            row.cell(str(r.filed))
            for n in r.adoptions:
                row.cell(str(n))
            row.cell(str(r.adopted))
            row.cell(str(r.endorsements))
            row.cell(points_text(r.total))
    if b.legend:
        pdf.use("body", TABLE)
        legend = visible("注：" + "；".join(b.legend) + "。")
        pdf.multi_cell(pdf.epw, TABLE * PT * 1.6, legend, new_x="LMARGIN", new_y="NEXT", wrapmode="CHAR")
    pdf.ln(LINE / 2)


def _criticisms_and_signature(pdf: Any, b: Bulletin) -> None:
    """二、通报批评, then the signature and the 核验码 note, kept on the page of the last paragraph."""
    _heading(pdf, "二、通报批评")
    if b.criticisms:
        paragraphs = ["对以下单位予以通报批评："]
        for place, c in enumerate(b.criticisms, 1):
            paragraphs.append(f"{place}. {c.name}：{'；'.join(c.reasons)}。")
    else:
        paragraphs = ["本期无通报批评单位。"]
    for text in paragraphs[:-1]:
        _paragraph(pdf, visible(text))
    with pdf.unbreakable() as doc:  # a page break anywhere in here comes before the last paragraph
        _paragraph(pdf, visible(paragraphs[-1]), doc=doc)
        doc.ln(LINE * 1.5)
        date_width = pdf.get_string_width(b.issued_on)
        date_x = pdf.l_margin + pdf.epw - 4 * BODY * PT - date_width  # 成文日期右空四字
        issuer_width = pdf.get_string_width(b.issuer)
        doc.set_x(max(pdf.l_margin, date_x + date_width / 2 - issuer_width / 2))
        doc.cell(issuer_width, LINE, b.issuer, new_x="LMARGIN", new_y="NEXT")
        doc.set_x(date_x)
        doc.cell(date_width, LINE, b.issued_on, new_x="LMARGIN", new_y="NEXT")
        doc.ln(LINE / 2)
        doc.cell(pdf.epw, LINE, f"　　（{b.code_line}）", new_x="LMARGIN", new_y="NEXT")


def _colophon(pdf: Any, b: Bulletin) -> None:
    """The 版记 at the foot of the last page: 抄送 (when given) and the 印发 line between rules."""
    size, height = 14.0, 8.0
    pdf.use("body", size)
    inset = size * PT
    copied = visible(f"抄送：{b.cc}。") if b.cc else ""
    lines = 1
    if copied:
        room = pdf.epw - 2 * inset
        lines += len(pdf.multi_cell(room, height, copied, dry_run=True, output="LINES", wrapmode="CHAR"))
    block = lines * height + 2
    bottom = pdf.h - pdf.b_margin
    if pdf.get_y() + block + 4 > bottom:
        pdf.add_page()
    y = bottom - block
    x0, x1 = pdf.l_margin, pdf.l_margin + pdf.epw
    pdf.set_line_width(0.35)
    pdf.line(x0, y, x1, y)
    pdf.set_xy(x0 + inset, y + 1)
    if copied:
        pdf.multi_cell(pdf.epw - 2 * inset, height, copied, wrapmode="CHAR", new_x="LMARGIN", new_y="NEXT")
        pdf.set_line_width(0.25)
        pdf.line(x0, pdf.get_y(), x1, pdf.get_y())
        pdf.set_xy(x0 + inset, pdf.get_y())
    pdf.cell(pdf.epw / 2, height, b.issuer)
    printed = f"{b.issued_on}印发"
    pdf.set_x(x1 - inset - pdf.get_string_width(printed))
    pdf.cell(pdf.get_string_width(printed), height, printed, new_x="LMARGIN", new_y="NEXT")
    pdf.set_line_width(0.35)
    pdf.line(x0, pdf.get_y() + 1, x1, pdf.get_y() + 1)
