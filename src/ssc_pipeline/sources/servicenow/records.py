"""ServiceNow incidents of one window, ready to land: pseudonymised, holds embedded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from ssc_pipeline.connections import ConnectionInfo
from ssc_pipeline.sources.holds import with_holds
from ssc_pipeline.sources.servicenow.client import ServiceNowConnection, fetch_state_audit, iter_incidents
from ssc_pipeline.sources.servicenow.scrub import scrub_servicenow_incident
from ssc_pipeline.sources.servicenow.streams import INCIDENTS


def servicenow_records(
    info: ConnectionInfo, start: dt.datetime, end: dt.datetime, key: bytes
) -> Iterator[dict[str, Any]]:
    conn = ServiceNowConnection.from_info(info)
    return with_holds(
        iter_incidents(conn, start, end),
        INCIDENTS.primary_key,
        fetch_holds=lambda ids: fetch_state_audit(conn, ids),
        scrub=lambda incident: scrub_servicenow_incident(incident, key),
    )
