"""The bulletin (《政务信息采用情况通报》): the document an office issues each quarter and year, made from the
ledger as HTML, PDF or XLSX with a manifest that `verify` checks it against."""

from ledger.bulletin.fonts import DIRS_ENV, FONT_ENV, FONTS_ENV, Face, Fonts, find_fonts
from ledger.bulletin.htmldoc import render_html
from ledger.bulletin.issue import FORMATS, Issued, Request, issue, manifest_path, write
from ledger.bulletin.model import Bulletin, Column, Criticism, Row, build, period_name
from ledger.bulletin.particulars import Particulars
from ledger.bulletin.pdfdoc import render_pdf
from ledger.bulletin.verification import Change, LaterAct, Verification, read_manifest, verify, verify_file
from ledger.bulletin.xlsxdoc import render_xlsx

__all__ = [
    "DIRS_ENV",
    "FONTS_ENV",
    "FONT_ENV",
    "FORMATS",
    "Bulletin",
    "Change",
    "Column",
    "Criticism",
    "Face",
    "Fonts",
    "Issued",
    "LaterAct",
    "Particulars",
    "Request",
    "Row",
    "Verification",
    "build",
    "find_fonts",
    "issue",
    "manifest_path",
    "period_name",
    "read_manifest",
    "render_html",
    "render_pdf",
    "render_xlsx",
    "verify",
    "verify_file",
    "write",
]
