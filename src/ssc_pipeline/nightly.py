"""The bodies of the nightly tasks: extract one organisation's window, validate its loads.

Each function is one Airflow task and one transaction per load (DESIGN §8):
re-running it for the same window lands new, complete loads, and staging keeps
the latest version of every record, so nothing is duplicated or half-written.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from ssc_pipeline import api_records, landing, validation, warehouse
from ssc_pipeline.connections import get_connection
from ssc_pipeline.registry import Organisation, load_registry

log = logging.getLogger(__name__)

TOPDESK_INCIDENTS = landing.RawEntity(
    source_system="topdesk", entity="incidents", table="raw.topdesk_incidents",
    key_columns=("incident_id", "modified_at"),
    keys=lambda r: (r["id"], r["modificationDate"]),
)
SERVICENOW_INCIDENTS = landing.RawEntity(
    source_system="servicenow", entity="incidents", table="raw.servicenow_incidents",
    key_columns=("incident_id", "modified_at"),
    keys=lambda r: (r["sys_id"], f"{r['sys_updated_on']}+00"),  # ServiceNow values are UTC
)
API_ENTITIES = {"topdesk": TOPDESK_INCIDENTS, "servicenow": SERVICENOW_INCIDENTS}
API_RECORDS = {"topdesk": api_records.topdesk_records, "servicenow": api_records.servicenow_records}
API_SUITES = {"topdesk": "raw_topdesk_incidents", "servicenow": "raw_servicenow_incidents"}
TICKET_ENTITY = {"topdesk": "incidents", "servicenow": "incidents", "files": "tickets"}


class ExtractError(RuntimeError):
    """An organisation's extract failed; the message names the organisation and connection."""


@dataclass
class Extracted:
    """What one extract task landed, handed to the validate task through XCom."""

    loads: list[dict[str, str]] = field(default_factory=list)  # {"load_id", "suite" | ""}
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


def _extract_api(org: Organisation, start: dt.datetime, end: dt.datetime, run_id: str | None) -> Extracted:
    from ssc_pipeline.pseudonymisation import load_key
    from ssc_pipeline.sources.http import FatalError, SourceError

    where = f"organisation {org.code}, connection '{org.connection}'"
    system = {"topdesk": "TOPdesk", "servicenow": "ServiceNow"}[org.source]
    try:
        info = get_connection(org.connection)
        records = API_RECORDS[org.source](info, start, end, load_key())
        result = landing.run_load(org.code, API_ENTITIES[org.source], start, end, records, run_id)
    except (LookupError, ValueError) as exc:
        raise ExtractError(f"{where}: connection unusable: {exc}") from exc
    except FatalError as exc:
        raise ExtractError(f"{where}: {system} refused the extract: {exc}") from exc
    except SourceError as exc:
        raise ExtractError(f"{where}: {system} kept failing after retries: {exc}") from exc
    log.info("landed %s rows for %s (%s .. %s) as load %s", result.rows, org.code,
             start.isoformat(), end.isoformat(), result.load_id)
    return Extracted(loads=[{"load_id": result.load_id, "suite": API_SUITES[org.source]}])


def _extract_folder(folder: str, start: dt.datetime | None, end: dt.datetime | None,
                    run_id: str | None) -> Extracted:
    from ssc_pipeline.sources.files import SUITES, process_inbox

    # One inbox run per folder at a time: two runs must not race for one file.
    with warehouse.connect(autocommit=True) as lock:
        lock.execute("select pg_advisory_lock(hashtext(%s))", (f"inbox:{folder}",))
        results = process_inbox(folder, run_id=run_id, window_start=start, window_end=end)
    out = Extracted()
    for item in results:
        if item.status == "landed" and item.load_id:
            out.loads.append({"load_id": item.load_id, "suite": SUITES.get(item.kind, "")})
        elif item.status == "rejected":
            out.rejected.append(f"{item.file_name}: {item.reason}")
        log.info("inbox %s: %s", folder, item.describe())
    return out


def _extract_files(org: Organisation, start: dt.datetime, end: dt.datetime, run_id: str | None) -> Extracted:
    return _extract_folder(org.code, start, end, run_id)


def extract_service_data(window_start: dt.datetime | None, window_end: dt.datetime | None,
                         run_id: str | None = None) -> dict[str, Any]:
    """Land the SSC's own files (``<inbox>/SSC``): cost ledger, allocation keys, baselines, surveys."""
    warehouse.ensure_schema()
    result = _extract_folder("SSC", window_start, window_end, run_id)
    return {"loads": result.loads, "rejected": result.rejected}


def extract_load(org_code: str, window_start: dt.datetime, window_end: dt.datetime,
                 run_id: str | None = None) -> dict[str, Any]:
    """Land what changed in (window_start, window_end]: one load per API window or per file."""
    warehouse.ensure_schema()
    org = organisation(org_code)
    extract = _extract_files if org.source == "files" else _extract_api
    result = extract(org, window_start, window_end, run_id)
    return {"loads": result.loads, "rejected": result.rejected}


def validate_loads(org_code: str, extracted: dict[str, Any]) -> dict[str, Any]:
    """Run each load's raw suite; accept, or quarantine and fail naming every problem.

    Every load is judged before failing, so one bad file does not hold back
    the verdict on the others; rejected files (moved aside by the extract)
    fail the task too, so that the data team is told.
    """
    problems = [f"organisation {org_code}: file rejected: {r}" for r in extracted.get("rejected", [])]
    accepted: list[str] = []
    warnings: list[str] = []
    try:
        for load in extracted.get("loads", []):
            if not load["suite"]:
                validation.accept_unsuited(load["load_id"])
                accepted.append(load["load_id"])
                continue
            try:
                outcome = validation.validate_load(load["load_id"], load["suite"], docs=False)
            except validation.LoadQuarantined as exc:
                problems.append(str(exc))
                continue
            accepted.append(load["load_id"])
            warnings += [f.describe() for f in outcome.failed]
    finally:
        validation.flush_data_docs()
    if problems:
        raise validation.LoadQuarantined("; ".join(problems))
    return {"accepted": accepted, "warnings": warnings}
