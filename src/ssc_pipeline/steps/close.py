"""The monthly close task's body: publish the month before the run, when it may be."""

from __future__ import annotations

import datetime as dt

from ssc_pipeline.periods import previous_month
from ssc_pipeline.publishing import close_month


def close_due_month(run_after: dt.datetime | None) -> dict[str, object]:
    """Gate, write, audit and publish the month before ``run_after``.

    Raises ``publishing.MonthBlocked`` naming what blocks it; the DAG decides
    whether that fails the run or waits for the next one.
    """
    month = previous_month(run_after or dt.datetime.now(dt.timezone.utc))
    result = close_month(month, actor="airflow monthly_close")
    return {"month": month.isoformat(), "published": [(p.mart, p.version, p.created) for p in result.published]}
