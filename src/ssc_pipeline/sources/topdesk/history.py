"""Hold periods of TOPdesk incidents, read from each incident's progress trail.

Why: the SLA clocks stop while a ticket waits for the user (DESIGN 5), and
the incident itself only tells the *current* hold (``onHold``/``onHoldDate``)
and the summed ``onHoldDuration`` -- not when earlier holds began and ended,
which is what business-minute arithmetic needs. The progress trail
(``GET /tas/api/incidents/id/{id}/progresstrail``) has every status change as
an entry ``"Status gewijzigd naar <status>"`` with its ``entryDate``; a hold
runs from a change *to* a hold status until the next change to any other.
First response needs no history: it is the incident's ``responseDate``.
The wording is tenant configuration (and was modelled on the simulator, not
checked against a live tenant): ``_STATUS_CHANGE`` and ``HOLD_STATUSES`` are
the one place to adapt it.

Cost control: one request (or more, for long trails) per incident, so this is
called only for the incidents that changed in the window, with at most
``max_concurrency`` requests in flight -- enough to hide latency, few enough
not to trip the tenant's rate limit. Every request goes through
``request_with_retries``; a page replayed by the server is asked for again
(bounded), never double-counted. The first error that survives the retries
cancels the rest and is raised: a window's holds are landed whole or not at all.

The trail's free text is personal data; it is read in memory for the
status-change lines only and never returned.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from datetime import datetime
from typing import Any

import httpx

from ssc_pipeline.sources.http import FatalError, PaginationLoopError, request_with_retries
from ssc_pipeline.sources.topdesk.client import TopdeskConnection, TopdeskPaginator
from ssc_pipeline.sources.topdesk.timestamps import parse_topdesk_ts

__all__ = [
    "fetch_hold_intervals",
    "holds_from_progress_trail",
    "HoldInterval",
    "HOLD_STATUSES",
    "TRAIL_PAGE_SIZE",
    "MAX_PAGE_REPEATS",
]

log = logging.getLogger(__name__)

HoldInterval = tuple[datetime, datetime | None]
# Processing statuses that stop the SLA clock. Status names are tenant configuration in
# TOPdesk: pass the tenant's own set when it differs.
HOLD_STATUSES: frozenset[str] = frozenset({"Wachten op gebruiker", "Wachten op leverancier"})
TRAIL_PAGE_SIZE = 100  # TOPdesk's maximum page_size for the progress trail
MAX_PAGE_REPEATS = 2
_STATUS_CHANGE = re.compile(r"^\s*Status gewijzigd (?:van .+? )?naar (.+?)\.?\s*$")
_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
_USER_AGENT = "ssc-pipeline (TOPdesk connector)"


def holds_from_progress_trail(
    entries: Iterable[dict[str, Any]], *, hold_statuses: frozenset[str] = HOLD_STATUSES
) -> list[HoldInterval]:
    """Hold intervals from one incident's trail entries (any order; newest-first is TOPdesk's)."""
    changes: list[tuple[datetime, str]] = []
    for entry in entries:
        text = entry.get("memoText") or entry.get("plainText") or ""
        match = _STATUS_CHANGE.match(text) if isinstance(text, str) else None
        if match and entry.get("entryDate"):
            changes.append((parse_topdesk_ts(entry["entryDate"]), match.group(1).strip()))
    intervals: list[HoldInterval] = []
    start: datetime | None = None
    for moment, status in sorted(changes, key=lambda change: change[0]):
        if status in hold_statuses and start is None:
            start = moment
        elif status not in hold_statuses and start is not None:
            intervals.append((start, moment))
            start = None
    if start is not None:
        intervals.append((start, None))
    return intervals


def _trail(
    http: httpx.Client, url: str, auth: httpx.Auth, sleep: Callable[[float], None], page_size: int
) -> list[dict[str, Any]]:
    """All entries of one trail (206 = more follow), a replayed page re-requested."""
    headers = {"Accept": "application/json", "User-Agent": _USER_AGENT}
    paginator = TopdeskPaginator(page_size)
    entries: list[dict[str, Any]] = []
    while not paginator.finished:
        params = {"start": paginator.current_value, "page_size": page_size}
        for repeat in range(MAX_PAGE_REPEATS + 1):
            response = request_with_retries(http, "GET", url, params=params, headers=headers, auth=auth, sleep=sleep)
            page = [] if response.status_code == 204 or not response.content.strip() else response.json()
            if not isinstance(page, list):
                raise FatalError(
                    f"unexpected TOPdesk progress trail from {url}: expected a JSON array, got {type(page).__name__}",
                    status_code=response.status_code,
                )
            try:
                paginator.advance(response, page)
                break
            except PaginationLoopError as exc:
                if repeat == MAX_PAGE_REPEATS:
                    raise
                log.warning("TOPdesk repeated a trail page, asking again: %s", exc)
        entries += page
    return entries


def fetch_hold_intervals(
    conn: TopdeskConnection,
    incident_ids: Iterable[str],
    *,
    max_concurrency: int = 4,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
    hold_statuses: frozenset[str] = HOLD_STATUSES,
    page_size: int = TRAIL_PAGE_SIZE,
) -> dict[str, list[HoldInterval]]:
    """Hold intervals per incident id; every requested id is a key (no holds: ``[]``).

    Pass only the ids of incidents that changed in the window. ``client``
    must be thread-safe (an ``httpx.Client`` is); the default one keeps at
    most ``max_concurrency`` connections.
    """
    if max_concurrency < 1:
        raise ValueError("max_concurrency must be at least 1")
    wanted = list(dict.fromkeys(incident_ids))
    for incident_id in wanted:
        try:
            uuid.UUID(incident_id)  # also keeps '/', '?' and '..' out of the URL path
        except (ValueError, AttributeError, TypeError):
            raise ValueError(f"not a TOPdesk incident id (UUID): {incident_id!r}") from None
    if not wanted:
        return {}
    owned = client is None
    http = (
        client
        if client is not None
        else httpx.Client(timeout=_TIMEOUT, limits=httpx.Limits(max_connections=max_concurrency))
    )
    auth = httpx.BasicAuth(conn.username, conn.password)
    base = conn.base_url.rstrip("/")
    try:
        with ThreadPoolExecutor(max_workers=max_concurrency, thread_name_prefix="topdesk-history") as pool:
            futures = {
                pool.submit(
                    _trail, http, f"{base}/tas/api/incidents/id/{incident_id}/progresstrail", auth, sleep, page_size
                ): incident_id
                for incident_id in wanted
            }
            done, pending = wait(futures, return_when=FIRST_EXCEPTION)
            for future in pending:
                future.cancel()
            for future in done:
                if future.exception() is not None:
                    raise future.exception()  # type: ignore[misc]
            trails = {futures[f]: f.result() for f in futures}
    finally:
        if owned:
            http.close()
    log.info("TOPdesk %s: progress trails of %d incidents read", base, len(wanted))
    return {i: holds_from_progress_trail(trails[i], hold_statuses=hold_statuses) for i in wanted}
