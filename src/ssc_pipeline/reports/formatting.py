"""Dutch number, money and month formatting for the director reports.

Directors read these figures next to the SSC's invoices and the council's
budget documents, which write ``1.234,56`` and ``95,20 %``. Python's
``locale`` module depends on locales installed on the host (a slim container
often has only ``C``), so the formatting is done here by hand, on ``Decimal``
values exactly as PostgreSQL returned them: no float ever sits between the
published row and the printed figure.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

MISSING = "–"  # en dash: nothing to count (e.g. attainment without tickets)

MONTHS_NL = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

Number = Decimal | int


def to_decimal(value: Number | float | str | None) -> Decimal | None:
    """A ``Decimal`` for any value a row can hold; floats go through ``str`` so 0.1 stays 0.1."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, float):
        return Decimal(str(value))
    return Decimal(value)


def round_half_up(value: Decimal, decimals: int) -> Decimal:
    """Round like PostgreSQL's ``round(numeric, n)`` (half away from zero), not banker's rounding."""
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def format_number(value: Number | float | None, decimals: int = 0) -> str:
    """``1234.5`` -> ``1.234,50`` (2 decimals): dot groups thousands, comma marks decimals."""
    number = to_decimal(value)
    if number is None:
        return MISSING
    rounded = round_half_up(number, decimals)
    sign = "-" if rounded < 0 else ""
    text = f"{abs(rounded):,.{decimals}f}"  # "1,234.50": swap the two separators
    return sign + text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def format_pct(value: Number | float | None, decimals: int = 2) -> str:
    """``95.2`` -> ``95,20 %`` (a space before the sign, as the Dutch style guides write it)."""
    text = format_number(value, decimals)
    return text if text == MISSING else f"{text} %"


def format_eur(value: Number | float | None, decimals: int = 2) -> str:
    """``-1234.5`` -> ``€ -1.234,50``: the euro sign leads, the minus stays with the digits."""
    text = format_number(value, decimals)
    return text if text == MISSING else f"€ {text}"


def format_count(value: Number | float | None) -> str:
    return format_number(value, 0)


def parse_dutch(text: str) -> Decimal | None:
    """Inverse of the formatters (``€ 1.234,50`` -> ``Decimal('1234.50')``); tests use it."""
    cleaned = text.replace("€", "").replace("%", "").replace("\u00a0", "").replace(" ", "").strip()
    if cleaned in ("", MISSING):
        return None
    return Decimal(cleaned.replace(".", "").replace(",", "."))


def month_key(month: dt.date) -> str:
    """``2026-10``: the month part of every ``data-figure`` name and of the chart axes."""
    return f"{month:%Y-%m}"


def month_label(month: dt.date) -> str:
    """``oktober 2026 / October 2026``: Dutch and English side by side, as all labels."""
    return f"{MONTHS_NL[month.month - 1]} {month.year} / {MONTHS_EN[month.month - 1]} {month.year}"


def month_short(month: dt.date) -> str:
    """``okt / Oct 2026`` for table rows, where the long label would wrap."""
    nl, en = MONTHS_NL[month.month - 1][:3], MONTHS_EN[month.month - 1][:3]
    return f"{nl} / {en} {month.year}" if nl.lower() != en.lower() else f"{nl} {month.year}"
