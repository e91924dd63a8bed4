"""Streams the ServiceNow connector extracts, and the value formats they carry.

The formats live here
too because the simulator must write exactly what the connector reads: a
ServiceNow date-time (``sysparm_display_value=false``) is the UTC string
``YYYY-MM-DD HH:MM:SS`` -- no offset, no fraction -- and an empty value is
``""``, not ``null``.

State codes are the out-of-the-box ``incident.state`` choices; ``"3"`` (On
Hold) is what the SLA clock stops for. Mapping states, priorities and
categories onto the SSC's codes is the dbt project's (seeds).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from ssc_pipeline.sources.stream import Stream

__all__ = [
    "INCIDENTS",
    "STATE_AUDIT",
    "STATE_NEW",
    "STATE_IN_PROGRESS",
    "STATE_ON_HOLD",
    "STATE_RESOLVED",
    "STATE_CLOSED",
    "STATE_CANCELED",
    "format_servicenow_ts",
    "parse_servicenow_ts",
]

INCIDENTS = Stream("incidents", "/api/now/table/incident", "sys_id", "sys_updated_on")
# State history: one sys_audit row per change of incident.state (holds are state "3" spans).
STATE_AUDIT = Stream("state_audit", "/api/now/table/sys_audit", "sys_id", "sys_created_on")

STATE_NEW, STATE_IN_PROGRESS, STATE_ON_HOLD = "1", "2", "3"
STATE_RESOLVED, STATE_CLOSED, STATE_CANCELED = "6", "7", "8"
_TS = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


def format_servicenow_ts(dt: datetime) -> str:
    """``2026-11-20 09:15:00`` in UTC, whole seconds (floored, so windows still tile)."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"timezone-aware datetime required, got naive {dt.isoformat()}")
    return f"{dt.astimezone(timezone.utc):%Y-%m-%d %H:%M:%S}"


def parse_servicenow_ts(value: str) -> datetime:
    """Parse ``YYYY-MM-DD HH:MM:SS`` (UTC by the API's contract) into an aware UTC datetime."""
    if not isinstance(value, str) or not _TS.match(value.strip()):
        raise ValueError(f"not a ServiceNow date-time (YYYY-MM-DD HH:MM:SS): {value!r}")
    return datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
