"""Spreadsheet cells made from recorded text: always text, never a formula.

A unit's name or a title such as `=1+2+cmd|'/C calc'!A0` is text the ledger was given, and must not run
when an office opens a bulletin or a CSV in Excel or WPS. In XLSX every string is written as a text cell
(with Excel's quote prefix when it begins like a formula, so that editing it keeps it text); numbers stay
numbers. In CSV, where a cell has no type, a text cell beginning with `=`, `+`, `-`, `@`, tab or carriage
return gets a leading `'` (OWASP's advice on CSV injection); numeric columns are left alone. Both show the
characters `ledger.characters` hides as `<U+XXXX>`.
"""

from __future__ import annotations

from typing import Any

from ledger.characters import visible

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: Any) -> str:
    """Recorded text as a CSV cell: hidden characters shown, a formula-like start neutralised."""
    shown = visible(str(value))
    return "'" + shown if shown.startswith(FORMULA_STARTS) else shown


def xlsx_text(workbook: Any) -> None:
    """Make every string cell of an openpyxl workbook a text cell showing hidden characters; numbers,
    dates and empty cells are left as they are. Call it once the workbook is filled, before saving."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    shown = visible(cell.value)
                    if shown != cell.value:
                        cell.value = shown
                    cell.data_type = "s"  # openpyxl takes any string beginning with '=' for a formula
                    if shown.startswith(FORMULA_STARTS):
                        cell.quotePrefix = True  # and Excel would on editing one beginning like a formula
