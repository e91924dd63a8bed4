"""TOPdesk incidents of one window, ready to land: pseudonymised, holds embedded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from ssc_pipeline.connections import ConnectionInfo
from ssc_pipeline.sources.holds import with_holds
from ssc_pipeline.sources.topdesk.client import TopdeskConnection, iter_incidents
from ssc_pipeline.sources.topdesk.history import fetch_hold_intervals
from ssc_pipeline.sources.topdesk.scrub import scrub_topdesk_incident
from ssc_pipeline.sources.topdesk.streams import INCIDENTS


def topdesk_records(info: ConnectionInfo, start: dt.datetime, end: dt.datetime, key: bytes) -> Iterator[dict[str, Any]]:
    conn = TopdeskConnection.from_info(info)
    return with_holds(
        iter_incidents(conn, start, end),
        INCIDENTS.primary_key,
        fetch_holds=lambda ids: fetch_hold_intervals(conn, ids),
        scrub=lambda incident: scrub_topdesk_incident(incident, key),
    )
