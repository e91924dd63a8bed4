"""The business time zone and the local days and months every figure is counted in.

One home for this fact (DESIGN §5): SLA clocks, months, nightly windows and the
close are all local Europe/Amsterdam time. The dbt project reads the same zone
from its var ``ssc_timezone``; ``tests/unit/test_periods.py`` keeps the two equal.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

TIMEZONE_NAME = "Europe/Amsterdam"
AMS = ZoneInfo(TIMEZONE_NAME)


def local_midnight(day: dt.date) -> dt.datetime:
    """00:00 local time on ``day`` (aware)."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=AMS)


def day_window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[day 00:00, next day 00:00) local time: one nightly window."""
    return local_midnight(day), local_midnight(day + dt.timedelta(days=1))


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    """The first of the month ``count`` months after (or before) ``month``'s month."""
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[first 00:00, first of next month 00:00) local time."""
    first = first_of_month(month)
    return local_midnight(first), local_midnight(add_months(first, 1))


def local_today(moment: dt.datetime | None = None) -> dt.date:
    return (moment or dt.datetime.now(dt.timezone.utc)).astimezone(AMS).date()


def previous_month(moment: dt.datetime) -> dt.date:
    """The first of the local month before ``moment``'s local month."""
    return add_months(first_of_month(local_today(moment)), -1)


def parse_month(text: str) -> dt.date:
    """``YYYY-MM`` as the first of that month."""
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise ValueError(f"month {text!r} is not YYYY-MM") from None
