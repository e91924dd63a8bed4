"""Dutch formatting of the figures directors read (1.234,56 and 95,20 %)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ssc_pipeline.periods import add_months
from ssc_pipeline.reports.formatting import (
    format_count,
    format_eur,
    format_number,
    format_pct,
    month_key,
    month_label,
    month_short,
    parse_dutch,
    round_half_up,
    to_decimal,
)


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (Decimal("1234.56"), 2, "1.234,56"),
        (Decimal("1234567.891"), 2, "1.234.567,89"),
        (Decimal("0.5"), 2, "0,50"),
        (Decimal("-1500.00"), 2, "-1.500,00"),
        (Decimal("999.995"), 2, "1.000,00"),
        (Decimal("0.6129"), 4, "0,6129"),
        (245, 0, "245"),
        (1234567, 0, "1.234.567"),
        (Decimal("-0.004"), 2, "0,00"),  # rounds to zero: no "-0,00"
    ],
)
def test_format_number_uses_dot_for_thousands_and_comma_for_decimals(
    value: Decimal | int, decimals: int, expected: str
) -> None:
    assert format_number(value, decimals) == expected


def test_rounding_is_half_away_from_zero_like_postgresql_round() -> None:
    assert format_number(Decimal("90.665"), 2) == "90,67"  # banker's rounding would give 90,66
    assert format_number(Decimal("-7.6925"), 3) == "-7,693"
    assert round_half_up(Decimal("2.5"), 0) == Decimal(3)
    assert round_half_up(Decimal("-2.5"), 0) == Decimal(-3)


def test_percentages_money_and_counts() -> None:
    assert format_pct(Decimal("95.2")) == "95,20 %"
    assert format_pct(Decimal("100.00")) == "100,00 %"
    assert format_pct(Decimal("87.5"), 1) == "87,5 %"
    assert format_eur(Decimal("43125.50")) == "€ 43.125,50"
    assert format_eur(Decimal(-1500)) == "€ -1.500,00"
    assert format_eur(Decimal(48000), 0) == "€ 48.000"
    assert format_count(190) == "190"


def test_null_is_a_dash_not_zero() -> None:
    assert format_number(None) == "–"
    assert format_pct(None) == "–"
    assert format_eur(None) == "–"


def test_parse_dutch_inverts_the_formatters() -> None:
    assert parse_dutch("€ 43.125,50") == Decimal("43125.50")
    assert parse_dutch("95,20 %") == Decimal("95.20")
    assert parse_dutch("€ -1.500,00") == Decimal("-1500.00")
    assert parse_dutch("1.234.567") == Decimal(1234567)
    assert parse_dutch("–") is None
    for value in (Decimal("0.01"), Decimal("12345.67"), Decimal("-99.99")):
        assert parse_dutch(format_eur(value)) == value


def test_floats_pass_through_their_repr_not_their_binary_value() -> None:
    assert to_decimal(0.1) == Decimal("0.1")
    assert to_decimal(None) is None
    assert to_decimal(True) == Decimal(1)


def test_months() -> None:
    october = dt.date(2026, 10, 1)
    assert add_months(october, -11) == dt.date(2025, 11, 1)
    assert add_months(october, 3) == dt.date(2027, 1, 1)
    assert add_months(dt.date(2026, 1, 1), -1) == dt.date(2025, 12, 1)
    assert month_key(october) == "2026-10"
    assert month_label(october) == "oktober 2026 / October 2026"
    assert month_short(october) == "okt / Oct 2026"
    assert month_short(dt.date(2026, 9, 1)) == "sep 2026"  # the same in both languages
    assert month_short(dt.date(2026, 5, 1)) == "mei / May 2026"
