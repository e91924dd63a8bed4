"""The extract task's body: land what changed in one organisation's window.

Each call is one Airflow task and one transaction per load (DESIGN §8):
re-running it for the same window lands new, complete loads, and staging keeps
the latest version of every record, so nothing is duplicated or half-written.
What to read, where it lands and which suite judges it come from the
organisation's source spec (``sources.spec``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from ssc_pipeline import landing, warehouse
from ssc_pipeline.connections import ConnectionInfo, get_connection
from ssc_pipeline.registry import SSC_CODE, Organisation, load_registry
from ssc_pipeline.sources.spec import FILES, spec_for

log = logging.getLogger(__name__)

ConnectionResolver = Callable[[str], ConnectionInfo]


class ExtractError(RuntimeError):
    """An organisation's extract failed; the message names the organisation and connection."""


@dataclass
class Extracted:
    """What one extract task landed, handed to the validate task through XCom."""

    loads: list[dict[str, str]] = field(default_factory=list)  # {"load_id", "suite"}
    rejected: list[str] = field(default_factory=list)


def organisation(org_code: str) -> Organisation:
    for org in load_registry():
        if org.code == org_code:
            return org
    raise KeyError(f"organisation {org_code} is not in organisations.yml")


def cursor(org_code: str, entity: str) -> dt.datetime | None:
    """End of the latest window that landed and passed the gate for (organisation, entity)."""
    with warehouse.connect() as conn:
        row = conn.execute(
            "select max(window_end) from audit.loads where org_code = %s and entity = %s and status = 'accepted'",
            (org_code, entity),
        ).fetchone()
    return row[0] if row else None


def resolve_window(
    org_code: str,
    interval_start: dt.datetime | None,
    interval_end: dt.datetime | None,
    run_after: dt.datetime | None,
    triggered_by_event: bool,
) -> tuple[dt.datetime, dt.datetime]:
    """The incremental window of a run, from Airflow's data interval.

    A scheduled or manual run has a proper data interval. A run started by a
    "data ready" event has none worth the name (Airflow spans the event
    timestamps), so it continues from the organisation's cursor -- the end of
    its last accepted ticket window -- up to the event (at most 31 days back).
    """
    end = interval_end or run_after
    if end is None:
        raise ValueError(f"organisation {org_code}: the run has no data interval and no run_after")
    if not triggered_by_event and interval_start is not None and interval_start < end:
        return interval_start, end
    start = cursor(org_code, spec_for(organisation(org_code).source).ticket_entity)
    if start is None or start >= end or end - start > dt.timedelta(days=31):
        start = end - dt.timedelta(days=1)
    return start, end


def _extract_api(
    org: Organisation, start: dt.datetime, end: dt.datetime, run_id: str | None, resolve_connection: ConnectionResolver
) -> Extracted:
    from ssc_pipeline.pseudonymisation import load_key
    from ssc_pipeline.sources.http import FatalError, SourceError

    spec = spec_for(org.source)
    where = f"organisation {org.code}, connection '{org.connection}'"
    entity = spec.tickets
    try:
        info = resolve_connection(org.connection)
        records = spec.records(info, start, end, load_key())
        result = landing.run_load(org.code, entity, start, end, records, run_id)
    except (LookupError, ValueError) as exc:
        raise ExtractError(f"{where}: connection unusable: {exc}") from exc
    except FatalError as exc:
        raise ExtractError(f"{where}: {spec.label} refused the extract: {exc}") from exc
    except SourceError as exc:
        raise ExtractError(f"{where}: {spec.label} kept failing after retries: {exc}") from exc
    log.info(
        "landed %s rows for %s (%s .. %s) as load %s",
        result.rows,
        org.code,
        start.isoformat(),
        end.isoformat(),
        result.load_id,
    )
    return Extracted(loads=[{"load_id": result.load_id, "suite": entity.suite}])


def _extract_folder(folder: str, start: dt.datetime | None, end: dt.datetime | None, run_id: str | None) -> Extracted:
    from ssc_pipeline.steps.inbox import process_inbox

    # One inbox run per folder at a time: two runs must not race for one file.
    with warehouse.connect(autocommit=True) as lock:
        lock.execute("select pg_advisory_lock(hashtext(%s))", (f"inbox:{folder}",))
        results = process_inbox(folder, run_id=run_id, window_start=start, window_end=end)
    out = Extracted()
    for item in results:
        if item.status == "landed" and item.load_id:
            out.loads.append({"load_id": item.load_id, "suite": FILES.entity(item.kind).suite})
        elif item.status == "rejected":
            out.rejected.append(f"{item.file_name}: {item.reason}")
        log.info("inbox %s: %s", folder, item.describe())
    return out


def extract_service_data(
    window_start: dt.datetime | None, window_end: dt.datetime | None, run_id: str | None = None
) -> dict[str, Any]:
    """Land the SSC's own files (``<inbox>/SSC``): cost ledger, allocation keys, baselines, surveys."""
    warehouse.ensure_schema()
    return asdict(_extract_folder(SSC_CODE, window_start, window_end, run_id))


def extract_load(
    org_code: str,
    window_start: dt.datetime,
    window_end: dt.datetime,
    run_id: str | None = None,
    resolve_connection: ConnectionResolver = get_connection,
) -> dict[str, Any]:
    """Land what changed in (window_start, window_end]: one load per API window or per file.

    ``resolve_connection`` looks the organisation's connection id up: inside a
    task Airflow's own lookup; by default (outside Airflow) the
    ``AIRFLOW_CONN_<ID>`` environment variable.
    """
    warehouse.ensure_schema()
    org = organisation(org_code)
    if org.source == FILES.name:
        return asdict(_extract_folder(org.code, window_start, window_end, run_id))
    return asdict(_extract_api(org, window_start, window_end, run_id, resolve_connection))
