"""The one rule for spreadsheet cells (services/spreadsheet_cells.py): formula-leading text is
neutralised in CSV and written as quote-prefixed text in XLSX; numbers stay numbers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from gridcity.services.import_files import Rejects
from gridcity.services.spreadsheet_cells import csv_cell, csv_writer, xlsx_row

LEADING = ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1", "＝1+1", "＋1", "－2", "＠SUM(A1)"]
PLAIN = ["", "暴露垃圾", "a=b", "1-2", " =1", "'=1", "#N/A", "2026-11-16"]


@pytest.mark.parametrize("text", LEADING)
def test_a_formula_leading_csv_cell_gets_a_quote(text: str) -> None:
    out = io.StringIO()
    csv_writer(out).writerow([text, -2.5, 3, Decimal("-1.25"), None])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'" + text, "-2.5", "3", "-1.25", ""]


@pytest.mark.parametrize("text", PLAIN)
def test_other_text_is_written_as_it_is(text: str) -> None:
    assert csv_cell(text) == text


@pytest.mark.parametrize("write_only", [True, False])
def test_xlsx_cells_are_text_or_numbers_never_formulas(write_only: bool) -> None:
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("t") if write_only else book.active
    values = [*LEADING, *PLAIN[1:], -2.5, 7, "a\x0bb"]
    sheet.append(xlsx_row(sheet, values))
    out = io.BytesIO()
    book.save(out)
    cells = list(load_workbook(io.BytesIO(out.getvalue())).worksheets[0][1])
    for cell, value in zip(cells, values, strict=True):
        if isinstance(value, str):
            assert cell.data_type == "s", value
            assert cell.quotePrefix == (value in LEADING), value
        else:
            assert cell.data_type == "n" and cell.value == value
    shown = [c.value for c in cells[: len(LEADING)]]
    assert shown == [v.replace("\r", "\n") for v in LEADING]  # the text itself, no quote added
    assert cells[-1].value == "a\ufffdb"  # a character XML cannot carry no longer fails the export


def test_the_reject_file_neutralises_formula_cells(tmp_path: Path) -> None:
    path = tmp_path / "rejects.csv"
    rejects = Rejects(path, ["id", "description"])
    rejects.write(2, {"id": "1", "description": '=HYPERLINK("http://evil","x")'}, "unknown class")
    rejects.close()
    with path.open(encoding="utf-8", newline="") as fh:
        assert list(csv.reader(fh))[1] == ["unknown class", "2", "1", '\'=HYPERLINK("http://evil","x")']
