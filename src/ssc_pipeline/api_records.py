"""Record streams of the API sources, ready to land: pseudonymised, holds embedded.

The incidents that changed in the window are read page by page; per chunk of
them the hold history (TOPdesk progress trail, ServiceNow ``sys_audit``) is
fetched — only for those incidents, with bounded concurrency — and embedded
in each payload as ``"_holds": [{"start": ISO, "end": ISO | null}, ...]``,
the shape the dbt staging models read. Memory stays bounded by the chunk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any

from ssc_pipeline.connections import ConnectionInfo

CHUNK = 500
Holds = Mapping[str, Sequence[tuple[dt.datetime, dt.datetime | None]]]


def _chunks(items: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _with_holds(incidents: Iterable[dict[str, Any]], key_field: str,
                fetch_holds: Callable[[list[str]], Holds],
                scrub: Callable[[dict[str, Any]], dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for chunk in _chunks(incidents, CHUNK):
        holds = fetch_holds([inc[key_field] for inc in chunk])
        for incident in chunk:
            clean = scrub(incident)
            clean["_holds"] = [
                {"start": start.astimezone(dt.timezone.utc).isoformat(),
                 "end": end.astimezone(dt.timezone.utc).isoformat() if end else None}
                for start, end in holds.get(incident[key_field], ())
            ]
            yield clean


def topdesk_records(info: ConnectionInfo, start: dt.datetime, end: dt.datetime,
                    key: bytes) -> Iterator[dict[str, Any]]:
    from ssc_pipeline.pseudonymisation import scrub_topdesk_incident
    from ssc_pipeline.sources.topdesk.client import TopdeskConnection, iter_incidents
    from ssc_pipeline.sources.topdesk.history import fetch_hold_intervals

    conn = TopdeskConnection.from_parts(info.host or "", info.login or "", info.password or "",
                                        port=info.port, schema=info.schema)
    return _with_holds(iter_incidents(conn, start, end), "id",
                       lambda ids: fetch_hold_intervals(conn, ids),
                       lambda inc: scrub_topdesk_incident(inc, key))


def servicenow_records(info: ConnectionInfo, start: dt.datetime, end: dt.datetime,
                       key: bytes) -> Iterator[dict[str, Any]]:
    from ssc_pipeline.sources.servicenow.client import ServiceNowConnection, fetch_state_audit, iter_incidents
    from ssc_pipeline.sources.servicenow.scrub import scrub_servicenow_incident

    conn = ServiceNowConnection.from_parts(info.host or "", info.login or "", info.password or "",
                                           port=info.port, schema=info.schema)
    return _with_holds(iter_incidents(conn, start, end), "sys_id",
                       lambda ids: fetch_state_audit(conn, ids),
                       lambda inc: scrub_servicenow_incident(inc, key))
