"""Local days and months (Europe/Amsterdam), the one home of the business time zone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from ssc_pipeline import periods

ROOT = Path(__file__).resolve().parents[2]
UTC = dt.timezone.utc


def test_dbt_uses_the_same_zone() -> None:
    project = yaml.safe_load((ROOT / "dbt_project" / "dbt_project.yml").read_text())
    assert project["vars"]["ssc_timezone"] == periods.TIMEZONE_NAME


def test_month_bounds_follow_daylight_saving() -> None:
    start, end = periods.month_bounds(dt.date(2026, 10, 17))
    assert start == dt.datetime(2026, 9, 30, 22, 0, tzinfo=UTC)  # CEST: UTC+2
    assert end == dt.datetime(2026, 10, 31, 23, 0, tzinfo=UTC)  # CET: UTC+1
    assert periods.month_bounds(dt.date(2026, 12, 5))[1] == dt.datetime(2026, 12, 31, 23, 0, tzinfo=UTC)


def test_day_window_of_the_short_spring_day() -> None:
    start, end = periods.day_window(dt.date(2026, 3, 29))
    assert end.astimezone(UTC) - start.astimezone(UTC) == dt.timedelta(hours=23)


@pytest.mark.parametrize(
    ("moment", "month"),
    [
        (dt.datetime(2026, 11, 30, 23, 30, tzinfo=UTC), dt.date(2026, 11, 1)),  # already 1 December locally
        (dt.datetime(2026, 11, 30, 22, 59, tzinfo=UTC), dt.date(2026, 10, 1)),
        (dt.datetime(2027, 1, 1, 0, 0, tzinfo=UTC), dt.date(2026, 12, 1)),
    ],
)
def test_previous_month_is_local(moment: dt.datetime, month: dt.date) -> None:
    assert periods.previous_month(moment) == month


def test_add_months_and_parse_month() -> None:
    assert periods.add_months(dt.date(2026, 10, 1), 3) == dt.date(2027, 1, 1)
    assert periods.add_months(dt.date(2026, 1, 1), -1) == dt.date(2025, 12, 1)
    assert periods.parse_month("2026-03") == dt.date(2026, 3, 1)
    with pytest.raises(ValueError, match="not YYYY-MM"):
        periods.parse_month("03-2026")
