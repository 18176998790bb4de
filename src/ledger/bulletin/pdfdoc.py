"""The bulletin as an A4 PDF (fpdf2), with an embedded CJK font so that Chinese renders anywhere.

The font is the file named by `LEDGER_CJK_FONT`, or the first of the usual system CJK fonts found
(Debian's WenQuanYi, Noto CJK, AR PL, Windows SimSun/YaHei, macOS PingFang/STHeiti/Songti). Only the
glyphs used are embedded. The creation date is the bulletin's known-at instant, so the same bulletin and
the same font file give the same bytes.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ledger.bulletin.model import Bulletin, closing, instant, points_text
from ledger.characters import visible
from ledger.errors import LedgerError

FONT_ENV = "LEDGER_CJK_FONT"
CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansSC-Regular.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
    "/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf",
    "C:/Windows/Fonts/simsun.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "/System/Library/Fonts/Supplemental/Songti.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
)
Rgb = tuple[int, int, int]
RED: Rgb = (192, 0, 0)
FAMILY = "cjk"


@dataclass(frozen=True)
class CjkFont:
    path: Path
    sha256: str

    def describe(self) -> dict[str, str]:
        return {"path": str(self.path), "sha256": self.sha256}


def find_cjk_font() -> CjkFont:
    """The CJK font to embed: $LEDGER_CJK_FONT, else the first common system font present."""
    named = os.environ.get(FONT_ENV, "").strip()
    if named:
        path = Path(named)
        if not path.is_file():
            raise LedgerError(f"{FONT_ENV}={named!r} is not a font file")
        return _font(str(path.resolve()))
    for candidate in CANDIDATES:
        if Path(candidate).is_file():
            return _font(candidate)
    raise LedgerError(
        f"no Chinese (CJK) font found for the PDF: set {FONT_ENV} to a .ttf/.ttc/.otf font file "
        "(e.g. /usr/share/fonts/truetype/wqy/wqy-microhei.ttc from Debian's fonts-wqy-microhei)"
    )


@lru_cache(maxsize=8)
def _font(path: str) -> CjkFont:
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return CjkFont(Path(path), digest)


def render_pdf(b: Bulletin, font: CjkFont | None = None) -> bytes:
    """The bulletin as PDF bytes: masthead, heading, the ranked table (its header repeated on every
    page), the criticised units, the signature and the provenance footer, with page numbers."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    font = font or find_cjk_font()
    widths = _widths(len(b.columns))
    landscape = sum(widths) > 180

    class Document(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(FAMILY, size=9)
            self.cell(0, 6, f"— {self.page_no()} / {{nb}} —", align="C")

    pdf = Document(orientation="L" if landscape else "P", unit="mm", format="A4")
    try:
        pdf.add_font(FAMILY, "", str(font.path))
        pdf.add_font(FAMILY, "B", str(font.path))
    except Exception as e:  # fpdf2 raises many kinds on a font it cannot read
        raise LedgerError(f"the font {font.path} cannot be embedded ({e}); set {FONT_ENV} to another") from e
    pdf.set_creation_date(instant(b.known_at))
    pdf.set_title(f"{b.title}{b.subtitle}")
    pdf.set_author(b.issuer)
    pdf.set_subject(b.heading)
    pdf.set_creator("ledger bulletin")
    pdf.set_producer(f"ledger {b.engine}")
    pdf.set_lang("zh-CN")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    width = pdf.epw

    _bold_text(pdf, 26, lambda: pdf.cell(width, 14, b.title, align="C", new_x="LMARGIN", new_y="NEXT"), RED)
    pdf.set_font(FAMILY, size=11)
    pdf.cell(width, 7, b.number, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(width / 2, 7, b.issuer)
    pdf.cell(width / 2, 7, b.issued_on, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*RED)
    pdf.set_line_width(0.8)
    pdf.line(pdf.l_margin, pdf.get_y() + 1, pdf.l_margin + width, pdf.get_y() + 1)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    pdf.ln(6)
    _bold_text(pdf, 15, lambda: pdf.multi_cell(width, 8, b.heading, align="C", new_x="LMARGIN", new_y="NEXT"))
    pdf.set_font(FAMILY, size=11)
    pdf.cell(width, 7, b.subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.multi_cell(width, 6.5, "　　" + b.intro, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _bold_text(
        pdf, 12, lambda: pdf.cell(width, 8, "一、各单位信息报送采用情况", new_x="LMARGIN", new_y="NEXT")
    )

    pdf.set_font(FAMILY, size=8.5)
    heading = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))
    with pdf.table(
        col_widths=widths,
        width=sum(widths),
        num_heading_rows=2,
        headings_style=heading,
        line_height=4.6,
        text_align="CENTER",
        padding=(0.8, 0.6),
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
        pdf.set_font(FAMILY, size=8.5)
        legend = visible("注：" + "；".join(b.legend) + "。")
        pdf.multi_cell(width, 4.6, legend, new_x="LMARGIN", new_y="NEXT")

    pdf.ln(3)
    _bold_text(pdf, 12, lambda: pdf.cell(width, 8, "二、通报批评", new_x="LMARGIN", new_y="NEXT"))
    pdf.set_font(FAMILY, size=11)
    if b.criticisms:
        pdf.multi_cell(width, 6.5, "　　对以下单位予以通报批评：", new_x="LMARGIN", new_y="NEXT")
        for place, c in enumerate(b.criticisms, start=1):
            text = visible(f"　　{place}. {c.name}：{'；'.join(c.reasons)}。")
            pdf.multi_cell(width, 6.5, text, new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.multi_cell(width, 6.5, "　　本期无通报批评单位。", new_x="LMARGIN", new_y="NEXT")

    pdf.ln(6)
    pdf.cell(width, 7, b.issuer, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(width, 7, b.issued_on, align="R", new_x="LMARGIN", new_y="NEXT")

    pdf.ln(6)
    pdf.set_draw_color(150, 150, 150)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
    pdf.ln(1.5)
    pdf.set_font(FAMILY, size=7.5)
    pdf.set_text_color(70, 70, 70)
    for key, value in b.provenance:
        pdf.multi_cell(width, 3.8, f"{key}：{value}", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(
        width,
        3.8,
        closing(b),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())


def _widths(publications: int) -> list[float]:
    """Column widths (mm): rank, unit, filed, one per publication, adoption total, endorsements, score."""
    return [10.0, 36.0, 12.0, *([13.0] * publications), 11.0, 10.0, 13.0]


def _bold_text(pdf: Any, size: float, draw: Callable[[], object], color: Rgb = (0, 0, 0)) -> None:
    """Draw text in a heavier stroke (the embedded CJK font has no bold face of its own), in a local
    graphics state so that the stroke does not carry over to the text after it."""
    pdf.set_font(FAMILY, size=size)
    with pdf.local_context(
        text_mode="FILL_STROKE", line_width=0.25 * size / 12, draw_color=color, text_color=color
    ):
        draw()
