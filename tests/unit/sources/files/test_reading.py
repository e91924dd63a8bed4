"""Reading dropped files into rows of strings: encodings, delimiters, XLSX cells."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from ssc_pipeline.sources.files.reading import (
    FileFormatError,
    cell_text,
    normalise_header,
    open_table,
    row_mapping,
    sniff_delimiter,
)


def read(path: Path) -> tuple[tuple[str, ...], list[tuple[int, tuple[str, ...]]], str | None]:
    with open_table(path) as table:
        return table.header, list(table.rows), table.delimiter


def test_csv_with_bom_and_commas(tmp_path: Path) -> None:
    path = tmp_path / "tickets_x.csv"
    path.write_bytes('\ufeffticket_id,service_code\r\nT-1,"Accounts, toegang"\r\nT-2,Werkplek\r\n'.encode())
    header, rows, delimiter = read(path)
    assert header == ("ticket_id", "service_code")
    assert rows == [(1, ("T-1", "Accounts, toegang")), (2, ("T-2", "Werkplek"))]
    assert delimiter == ","


def test_semicolon_csv_keeps_dutch_decimal_commas_intact(tmp_path: Path) -> None:
    path = tmp_path / "costs_x.csv"
    path.write_text("month;cost_category;amount_eur\n2026-01;personnel;1.234,56\n", encoding="utf-8")
    _, rows, delimiter = read(path)
    assert delimiter == ";"
    assert rows == [(1, ("2026-01", "personnel", "1.234,56"))]


def test_blank_rows_are_skipped_but_keep_their_number(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n\n,\n3,4\n", encoding="utf-8")
    assert read(path)[1] == [(1, ("1", "2")), (4, ("3", "4"))]


def test_non_utf8_csv_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "tickets_cp1252.csv"
    path.write_bytes("ticket_id,service_code\nT-1,Caf\u00e9 beheer\n".encode("cp1252"))
    with pytest.raises(
        FileFormatError, match=r"tickets_cp1252\.csv is not UTF-8 encoded \(invalid bytes on line 2 of the file\)"
    ):
        read(path)


def test_empty_and_unsupported_files(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(FileFormatError, match="empty.csv is empty"):
        read(tmp_path / "empty.csv")
    (tmp_path / "costs.ods").write_bytes(b"x")
    with pytest.raises(FileFormatError, match="unsupported file type '.ods'"):
        read(tmp_path / "costs.ods")
    (tmp_path / "costs.xlsx").write_bytes(b"not a zip")
    with pytest.raises(FileFormatError, match="costs.xlsx is not a readable XLSX workbook"):
        read(tmp_path / "costs.xlsx")


def test_xlsx_first_sheet_cells_as_a_person_sees_them(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["month", "cost_category", "amount_eur", "note", None])
    sheet.append([dt.datetime(2026, 1, 1), "personnel", 1234.56, None])
    sheet.append([None, None, None, None])
    sheet.append(["2026-02", "housing", 1234.5600000000002, 12])
    workbook.create_sheet("Toelichting").append(["ignored"])
    path = tmp_path / "costs_2026.xlsx"
    workbook.save(path)
    header, rows, delimiter = read(path)
    assert header == ("month", "cost_category", "amount_eur", "note")
    assert rows == [(1, ("2026-01-01", "personnel", "1234.56", "")), (3, ("2026-02", "housing", "1234.56", "12"))]
    assert delimiter is None


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "true"),
        (7, "7"),
        (2026.0, "2026"),
        (0.1 + 0.2, "0.3"),
        (1e-7, "0.0000001"),
        (dt.date(2026, 3, 1), "2026-03-01"),
        (dt.datetime(2026, 3, 1, 9, 30), "2026-03-01T09:30:00"),
        ("  Werkplek ", "Werkplek"),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_sniff_delimiter() -> None:
    assert sniff_delimiter("a;b;c\n") == ";"
    assert sniff_delimiter("a,b,c\n") == ","
    assert sniff_delimiter("a\n") == ","


def test_row_mapping_pads_short_rows_and_refuses_long_ones() -> None:
    assert row_mapping(["A ", "b", "c"], ["1"]) == {"a": "1", "b": "", "c": ""}
    assert row_mapping(["a", "b"], ["1", "2", " "]) == {"a": "1", "b": "2"}
    assert row_mapping(["a", "b"], ["1", "2", "3"]) is None
    assert normalise_header("\ufeffTicket_ID ") == "ticket_id"
