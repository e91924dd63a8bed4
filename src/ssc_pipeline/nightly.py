"""The bodies of the nightly tasks: extract one organisation's window, validate the load.

Each function is one Airflow task and one transaction (DESIGN §8): re-running
it for the same window lands a new, complete load, and staging keeps the
latest version of every record, so nothing is duplicated or half-written.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Mapping
from typing import Any

from ssc_pipeline import landing, validation, warehouse
from ssc_pipeline.connections import get_connection
from ssc_pipeline.registry import Organisation, load_registry

log = logging.getLogger(__name__)

TOPDESK_INCIDENTS = landing.RawEntity(
    source_system="topdesk", entity="incidents", table="raw.topdesk_incidents",
    key_columns=("incident_id", "modified_at"),
    keys=lambda r: (r["id"], r["modificationDate"]),
)
RAW_ENTITIES = {"topdesk": TOPDESK_INCIDENTS}
SUITES = {"topdesk": "raw_topdesk_incidents"}


class ExtractError(RuntimeError):
    """An organisation's extract failed; the message names the organisation and connection."""


def organisation(org_code: str) -> Organisation:
    for org in load_registry():
        if org.code == org_code:
            return org
    raise KeyError(f"organisation {org_code} is not in organisations.yml")


def _topdesk_records(org: Organisation, start: dt.datetime, end: dt.datetime) -> Iterator[Mapping[str, Any]]:
    from ssc_pipeline.pseudonymisation import load_key, scrub_topdesk_incident
    from ssc_pipeline.sources.http import FatalError, SourceError
    from ssc_pipeline.sources.topdesk.client import TopdeskConnection, iter_incidents

    where = f"organisation {org.code}, connection '{org.connection}'"
    try:
        info = get_connection(org.connection)
        conn = TopdeskConnection.from_parts(info.host or "", info.login or "", info.password or "",
                                            port=info.port, schema=info.schema)
    except (LookupError, ValueError) as exc:
        raise ExtractError(f"{where}: connection unusable: {exc}") from exc
    key = load_key()
    try:
        for incident in iter_incidents(conn, start, end):
            yield scrub_topdesk_incident(incident, key)
    except FatalError as exc:
        raise ExtractError(f"{where}: TOPdesk refused the extract: {exc}") from exc
    except SourceError as exc:
        raise ExtractError(f"{where}: TOPdesk kept failing after retries: {exc}") from exc


def cursor(org_code: str, entity: str) -> dt.datetime | None:
    """End of the latest window that landed and passed the gate for (organisation, entity)."""
    with warehouse.connect() as conn:
        row = conn.execute(
            "select max(window_end) from audit.loads where org_code = %s and entity = %s"
            " and status = 'accepted'", (org_code, entity)).fetchone()
    return row[0] if row else None


def resolve_window(org_code: str, entity: str, interval_start: dt.datetime | None,
                   interval_end: dt.datetime | None, run_after: dt.datetime | None,
                   triggered_by_event: bool) -> tuple[dt.datetime, dt.datetime]:
    """The incremental window of a run, from Airflow's data interval.

    A scheduled or manual run has a proper data interval. A run started by a
    "data ready" event has none worth the name (Airflow spans the event
    timestamps), so it continues from the organisation's cursor — the end of
    its last accepted window — up to the event (at most 31 days back).
    """
    end = interval_end or run_after
    if end is None:
        raise ValueError(f"organisation {org_code}: the run has no data interval and no run_after")
    if not triggered_by_event and interval_start is not None and interval_start < end:
        return interval_start, end
    start = cursor(org_code, entity)
    if start is None or start >= end or end - start > dt.timedelta(days=31):
        start = end - dt.timedelta(days=1)
    return start, end


def extract_load(org_code: str, window_start: dt.datetime, window_end: dt.datetime,
                 run_id: str | None = None) -> str:
    """Pull the records changed in (window_start, window_end] and land them as one load."""
    warehouse.ensure_schema()
    org = organisation(org_code)
    if org.source != "topdesk":
        raise ExtractError(f"organisation {org.code}: source '{org.source}' has no connector yet")
    records = _topdesk_records(org, window_start, window_end)
    result = landing.run_load(org.code, RAW_ENTITIES[org.source], window_start, window_end, records, run_id)
    log.info("landed %s rows for %s (%s .. %s) as load %s", result.rows, org.code,
             window_start.isoformat(), window_end.isoformat(), result.load_id)
    return result.load_id


def validate_load(org_code: str, load_id: str) -> dict[str, Any]:
    """Run the raw suite on the load; raises ``LoadQuarantined`` on a critical failure."""
    org = organisation(org_code)
    outcome = validation.validate_load(load_id, SUITES[org.source])
    return {"load_id": load_id, "validation_id": outcome.validation_id,
            "warnings": [f.describe() for f in outcome.failed]}
