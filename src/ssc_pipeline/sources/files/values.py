"""Parsers of one value in a dropped file.

Each takes a non-empty, trimmed string and returns the typed value or raises
``ValueError`` with a message that tells the sender what was expected. Pure
functions: the file kinds (``formats``) combine them per column.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal

__all__ = [
    "parse_choice",
    "parse_date",
    "parse_decimal",
    "parse_email",
    "parse_int",
    "parse_money",
    "parse_month",
    "parse_org_code",
    "parse_text",
    "parse_timestamp",
]

_CENT = Decimal("0.01")

_ISO_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def parse_timestamp(text: str) -> dt.datetime:
    """ISO-8601 with a UTC offset, normalised to UTC; no offset is refused, never guessed."""
    example = "expected ISO-8601 with offset, e.g. 2026-11-20T09:15:00+01:00"
    if not _ISO_PREFIX.match(text):
        raise ValueError(f"not an ISO-8601 timestamp; {example}")
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not a valid ISO-8601 timestamp; {example}") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(f"timestamp without a UTC offset (ambiguous around the DST switch); {example}")
    return parsed.astimezone(dt.timezone.utc)


def parse_date(text: str) -> dt.date:
    """A calendar date ``YYYY-MM-DD``."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError("expected a date as YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError("not an existing date (YYYY-MM-DD)") from None


def parse_month(text: str) -> dt.date:
    """``YYYY-MM`` (or the first of the month, as a spreadsheet date cell gives it) -> first day."""
    found = re.fullmatch(r"(\d{4})-(\d{2})(-01)?", text)
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise ValueError("expected a month as YYYY-MM")
    return dt.date(int(found.group(1)), int(found.group(2)), 1)


def _plain_number(text: str) -> str:
    """Rewrite ``1.234,56`` / ``1,234.56`` / ``1234,56`` to ``1234.56``.

    With both separators the last one is the decimal mark and the other must
    group thousands by three. One separator used once is a decimal mark (a
    Dutch ``12,5`` is twelve and a half); used repeatedly it groups thousands.
    ``119.000`` is refused: a Dutch sender means 119000, an English one 119, and
    guessing either silently corrupts an allocation key.
    """
    sign = text[0] if text[0] in "+-" else ""
    body = text[len(sign) :]
    if "," in body and "." in body:
        mark = "," if body.rfind(",") > body.rfind(".") else "."
        group = "." if mark == "," else ","
        whole, _, frac = body.rpartition(mark)
        if not re.fullmatch(rf"\d{{1,3}}(\{group}\d{{3}})+", whole):
            raise ValueError(f"thousands separator {group!r} misplaced")
        return sign + whole.replace(group, "") + "." + frac
    if re.fullmatch(r"[1-9]\d{0,2}[.,]\d{3}", body):
        raise ValueError("ambiguous: a thousands separator or a decimal mark? write 119000 or 119.0")
    for mark in (",", "."):
        if body.count(mark) > 1:
            if not re.fullmatch(rf"\d{{1,3}}(\{mark}\d{{3}})+", body):
                raise ValueError(f"separator {mark!r} appears more than once")
            return sign + body.replace(mark, "")
    return sign + body.replace(",", ".")


def parse_decimal(
    text: str,
    *,
    places: int | None = None,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
    small: bool = False,
) -> Decimal:
    """A decimal with a dot or a Dutch comma; exact (Decimal, never float).

    ``small``: the value is never in the thousands (a percentage), so one
    separator is always the decimal mark: ``2,125`` is 2.125, not ambiguous.
    """
    body = text.lstrip("+-")
    plain = text.replace(",", ".") if small and body.count(",") + body.count(".") == 1 else _plain_number(text)
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", plain):
        raise ValueError("not a number (digits with a decimal dot or comma, no currency sign)")
    value = Decimal(plain)
    if places is not None and value != value.quantize(Decimal(1).scaleb(-places)):
        raise ValueError(f"more than {places} decimals")
    if minimum is not None and value < minimum:
        raise ValueError(f"below the minimum {minimum}")
    if maximum is not None and value > maximum:
        raise ValueError(f"above the maximum {maximum}")
    return value


def parse_money(text: str) -> Decimal:
    """Euros: at most 2 decimals, not negative, always kept to the cent."""
    return parse_decimal(text, places=2, minimum=Decimal(0)).quantize(_CENT)


def parse_int(text: str, low: int, high: int) -> int:
    if not re.fullmatch(r"[+-]?\d+", text):
        raise ValueError("expected a whole number")
    value = int(text)
    if not low <= value <= high:
        raise ValueError(f"expected a whole number from {low} to {high}")
    return value


def parse_choice(text: str, allowed: Sequence[str], upper: bool = False) -> str:
    """One of ``allowed``; case-insensitive, returned in its canonical spelling."""
    value = text.upper() if upper else text.lower()
    if value not in allowed:
        raise ValueError("expected one of " + ", ".join(allowed))
    return value


def parse_text(text: str, limit: int) -> str:
    if len(text) > limit:
        raise ValueError(f"longer than {limit} characters")
    if any(ord(c) < 32 for c in text):
        raise ValueError("contains a line break or control character")
    return text


def parse_org_code(text: str) -> str:
    value = text.upper()
    if not re.fullmatch(r"[A-Z][A-Z0-9_]{1,15}", value):
        raise ValueError("not an organisation code (e.g. GM0505)")
    return value


def parse_email(text: str) -> str:
    """Lower-cased, so one person gets one pseudonym whatever the capitalisation."""
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
        raise ValueError("not an e-mail address")
    return text.lower()
