"""Cells that a spreadsheet program can only show, never run (CSV/formula injection, OWASP).

A case description, an address, a class or department name is typed by someone outside the
command centre (a citizen, a 12345 caller) or by an admin, and staff open the platform's CSV and
XLSX files in Excel, WPS or LibreOffice. A cell that begins like a formula would run there:
`=HYPERLINK("http://evil","x")` becomes a live link, `=cmd|' /c calc'!A1` a DDE call, `@SUM(...)`,
`+1`, `-2+3` a computation. Every CSV and XLSX writer of the platform therefore writes its cells
through this module, and nowhere else is this rule spelt out.

* CSV (`csv_writer`): a text cell whose first character is one of `FORMULA_LEADS` gets a leading
  single quote, as OWASP's CSV Injection page describes; spreadsheet programs take the quote as
  "this is text". Plain-text readers see the quote: the price of safety, documented in
  docs/security.md.
* XLSX (`xlsx_row`): every text cell is written as a string cell (data type `s`), never a formula
  or an error value, and a formula-leading one carries Excel's own "typed with a leading quote"
  style (`quotePrefix`), so the cell shows the text exactly and stays text when someone edits it.
  Characters XML cannot carry (control characters but tab, newline, carriage return) become U+FFFD
  instead of making the whole export fail.

Numbers, dates and None are never touched: a negative number is a number (it is a Python `int`,
`float` or `Decimal`, not text), so a column of them stays numeric in both formats.

The full-width ＝＋－＠ are neutralised too: Chinese input methods produce them, and WPS and Excel's
Chinese editions may read a full-width equals sign as the start of a formula; a cell that begins
with one is rare in real data, so the quote costs little.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import IO, Any

# OWASP: equals, plus, minus, at, tab, carriage return; then their full-width forms (U+FF1D,
# U+FF0B, U+FF0D, U+FF20), which Chinese input methods type.
FORMULA_LEADS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
QUOTE = "'"
# What openpyxl refuses in a cell (and XML 1.0 cannot carry): control characters but \t \n \r.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def formula_like(text: str) -> bool:
    """Whether a spreadsheet program could read this text as a formula."""
    return bool(text) and text[0] in FORMULA_LEADS


def csv_cell(value: Any) -> Any:
    """A CSV cell: formula-leading text behind a single quote; anything else as it is."""
    if isinstance(value, str) and formula_like(value):
        return QUOTE + value
    return value


class SafeCsvWriter:
    """`csv.writer` whose rows go through `csv_cell` (the same dialect and quoting)."""

    def __init__(self, out: IO[str], **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([csv_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: IO[str], **options: Any) -> SafeCsvWriter:
    """The CSV writer every export uses."""
    return SafeCsvWriter(out, **options)


def xlsx_cell(sheet: Any, value: Any) -> Any:
    """A value for `sheet.append`: text as a string cell of `sheet` (quote-prefixed when formula
    leading), anything else as it is. Works for ordinary and write-only openpyxl worksheets."""
    if not isinstance(value, str):
        return value
    from openpyxl.cell import WriteOnlyCell  # imported here: only spreadsheet exports need it

    text = _NOT_XML.sub("\ufffd", value)
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # openpyxl types "=…" as a formula and "#N/A" as an error value
    if formula_like(text):
        cell.quotePrefix = True
    return cell


def xlsx_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """A row for `sheet.append` with every text cell made safe by `xlsx_cell`."""
    return [xlsx_cell(sheet, value) for value in values]
