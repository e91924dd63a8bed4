"""Read a dropped CSV or XLSX file as a header plus rows of strings, streaming.

Why strings: the type rules live in ``formats``, one place for CSV and XLSX
alike, so a spreadsheet and a CSV with the same content parse the same way.

CSV: UTF-8 with or without BOM (Excel's "CSV UTF-8" writes one); comma or
semicolon delimiter, decided from the header line (Dutch Excel writes
semicolons because the comma is the decimal mark). Any other encoding is
refused with the file named, rather than guessed: a cp1252 "é" read wrongly
would silently change a category name.

XLSX: the first sheet, first row the header, through openpyxl in read-only
mode (streams rows from the zip instead of building the whole workbook).
Cells become the text a person sees: numbers to 15 significant digits (Excel's
own precision, so a cached formula result ``1234.5600000000002`` reads as
``1234.56``), dates as ``YYYY-MM-DD``, date-times in ISO-8601.

Rows are numbered from 1 after the header; wholly empty rows are skipped but
keep their number, so "row 7" is still the seventh line under the header.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

__all__ = ["FileFormatError", "Table", "cell_text", "normalise_header", "open_table", "row_mapping", "sniff_delimiter"]

_MAX_FIELD = 10_000  # a field longer than this is a broken file, not data


class FileFormatError(ValueError):
    """The file as a whole cannot be read (encoding, empty, not a workbook); names the file."""


@dataclass
class Table:
    """A header and an iterator of ``(row number, values)``; consumed once."""

    file_name: str
    header: tuple[str, ...]
    rows: Iterator[tuple[int, tuple[str, ...]]]
    delimiter: str | None = None


def sniff_delimiter(header_line: str) -> str:
    """``;`` when the header has more semicolons than commas, else ``,``.

    Counting on the header is deterministic where ``csv.Sniffer`` guesses on
    data: column names never contain either character.
    """
    return ";" if header_line.count(";") > header_line.count(",") else ","


@contextmanager
def open_table(path: Path) -> Iterator[Table]:
    """Open ``path`` (``.csv`` or ``.xlsx``) and yield its ``Table``; closes the file after."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with _open_csv(path) as table:
            yield table
    elif suffix == ".xlsx":
        with _open_xlsx(path) as table:
            yield table
    else:
        raise FileFormatError(f"{path.name}: unsupported file type {suffix!r}; send .csv or .xlsx")


def _decoded_lines(path: Path, handle: IO[bytes]) -> Iterator[str]:
    """Decode line by line, so an invalid byte is reported with its line number."""
    for number, raw in enumerate(handle, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise FileFormatError(
                f"{path.name} is not UTF-8 encoded (invalid bytes on line {number} of the file); "
                "save it as 'CSV UTF-8' and drop it again"
            ) from None
        yield line.removeprefix("\ufeff") if number == 1 else line


@contextmanager
def _open_csv(path: Path) -> Iterator[Table]:
    with path.open("rb") as handle:
        lines = _decoded_lines(path, handle)
        first = next(lines, "")
        if not first.strip():
            raise FileFormatError(f"{path.name} is empty: a header line is required")
        delimiter = sniff_delimiter(first)
        header = tuple(next(csv.reader([first], delimiter=delimiter)))

        def rows() -> Iterator[tuple[int, tuple[str, ...]]]:
            reader = csv.reader(lines, delimiter=delimiter)
            number = 0
            while True:
                try:
                    values = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raise FileFormatError(f"{path.name}: unreadable CSV near data row {number + 1}: {exc}") from None
                number += 1
                if any(len(v) > _MAX_FIELD for v in values):
                    raise FileFormatError(
                        f"{path.name}: data row {number} has a field over {_MAX_FIELD} characters (an unclosed quote?)"
                    )
                if any(v.strip() for v in values):
                    yield number, tuple(values)

        yield Table(path.name, header, rows(), delimiter)


def cell_text(value: Any) -> str:
    """The text a spreadsheet cell stands for (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = format(value, ".15g")
        if "e" in text or "E" in text:
            text = format(Decimal(text), "f")
        return text
    if isinstance(value, dt.datetime):
        if value.tzinfo is None and value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).strip()


@contextmanager
def _open_xlsx(path: Path) -> Iterator[Table]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise FileFormatError(f"{path.name} is not a readable XLSX workbook: {exc}") from None
    try:
        if not workbook.worksheets:
            raise FileFormatError(f"{path.name} has no worksheet")
        rows_iter = workbook.worksheets[0].iter_rows(values_only=True)
        header_cells = next(rows_iter, None)
        header = tuple(cell_text(c) for c in header_cells or ())
        while header and not header[-1]:
            header = header[:-1]  # trailing empty header cells are formatting, not columns
        if not header:
            raise FileFormatError(f"{path.name} is empty: the first sheet needs a header row")

        def rows() -> Iterator[tuple[int, tuple[str, ...]]]:
            for number, cells in enumerate(rows_iter, start=1):
                values = tuple(cell_text(c) for c in cells)
                if not any(values[len(header) :]):
                    values = values[: len(header)]  # cells right of the header are formatting
                if any(values):
                    yield number, values

        yield Table(path.name, header, rows())
    finally:
        workbook.close()


def normalise_header(name: str) -> str:
    """Header names compare trimmed and lower-case (``Ticket_ID `` is ``ticket_id``)."""
    return name.strip().lstrip("\ufeff").lower()


def row_mapping(header: Sequence[str], values: Sequence[str]) -> dict[str, str] | None:
    """Zip a row with the header; None when the row has more non-empty fields than the header.

    A row with fewer fields is padded with empties: spreadsheets drop trailing
    empty cells, and the column rules judge an empty value.
    """
    names = [normalise_header(h) for h in header]
    if any(v.strip() for v in values[len(names) :]):
        return None
    return dict(zip(names, [*values[: len(names)], *[""] * (len(names) - len(values))], strict=True))
