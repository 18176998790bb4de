"""The bulletin (《政务信息采用情况通报》): the document an office issues each quarter and year, made from the
ledger as HTML, PDF or XLSX with a manifest that `verify` checks it against."""

from ledger.bulletin.htmldoc import render_html
from ledger.bulletin.issue import FORMATS, Issued, Request, issue, manifest_path, write
from ledger.bulletin.model import Bulletin, Column, Criticism, Row, build, period_name
from ledger.bulletin.pdfdoc import FONT_ENV, CjkFont, find_cjk_font, render_pdf
from ledger.bulletin.verification import Change, LaterAct, Verification, read_manifest, verify, verify_file
from ledger.bulletin.xlsxdoc import render_xlsx

__all__ = [
    "FONT_ENV",
    "FORMATS",
    "Bulletin",
    "Change",
    "CjkFont",
    "Column",
    "Criticism",
    "Issued",
    "LaterAct",
    "Request",
    "Row",
    "Verification",
    "build",
    "find_cjk_font",
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
