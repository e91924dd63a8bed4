"""Extract incidents and their hold periods from one organisation's ServiceNow (Table API).

Why it looks like this:

* The window ``(window_start, window_end]`` is the Airflow data interval,
  never ``now()``. It goes to ServiceNow as
  ``sys_updated_on>A^sys_updated_on<=B`` in UTC whole seconds (floored on
  both ends, so consecutive windows tile); the integration user's time zone
  must be UTC, because ServiceNow reads query date-times in the user's zone.
* Rows are ordered by ``sys_updated_on`` *and* ``sys_id``: offset paging over
  rows that share a timestamp is only safe with a total order.
* Pages are followed through the ``Link: rel="next"`` header (not by adding
  offsets ourselves), only to the same origin as the connection -- a next link
  elsewhere would carry our credentials there. ``X-Total-Count`` must stay
  the same on every page and equal what we received; if it does not, the
  result set moved under us and the load is retried rather than landed short.
* A page identical to the previous one (a cache or proxy replaying it) is
  caught by the paginator's loop check and asked for again, at most
  ``MAX_PAGE_REPEATS`` times, instead of landing duplicates or failing the load.
* Every request goes through ``request_with_retries`` (429/5xx/timeouts/cut-off
  JSON retried with backoff and jitter; 401/403/404 fatal at once).
* Hold periods come from ``sys_audit`` rows on ``incident.state``: a hold runs
  from a change *to* On Hold (``"3"``) until the next change away from it; one
  still running has end ``None``.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from ssc_pipeline.sources.http import (
    ApiConnection,
    FatalError,
    LinkHeaderPaginator,
    PaginationLoopError,
    RetriableError,
    check_window,
    request_with_retries,
)
from ssc_pipeline.sources.servicenow.streams import (
    INCIDENTS,
    STATE_AUDIT,
    STATE_ON_HOLD,
    format_servicenow_ts,
    parse_servicenow_ts,
)

__all__ = [
    "ServiceNowConnection",
    "iter_incidents",
    "fetch_state_audit",
    "holds_from_state_audit",
    "HoldInterval",
    "MAX_PAGE_SIZE",
    "MAX_PAGE_REPEATS",
    "AUDIT_CHUNK_SIZE",
]

log = logging.getLogger(__name__)

HoldInterval = tuple[datetime, datetime | None]
MAX_PAGE_SIZE = 10000
MAX_PAGE_REPEATS = 2
AUDIT_CHUNK_SIZE = 100  # sys_ids per sys_audit query: keeps the URL well under 8 KB
_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
_USER_AGENT = "ssc-pipeline (ServiceNow connector)"
_SYS_ID = re.compile(r"^[0-9a-f]{32}$")


class ServiceNowConnection(ApiConnection):
    """Where and as whom to call ServiceNow (``gm0344.service-now.com``)."""

    system = "ServiceNow"
    login_name = "integration user"
    password_name = "password"


def _result(response: httpx.Response) -> list[dict[str, Any]]:
    body = response.json()
    rows = body.get("result") if isinstance(body, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise FatalError(
            f"unexpected ServiceNow response from {response.request.url}: expected "
            f'{{"result": [...]}}, got {type(body).__name__}',
            status_code=response.status_code,
        )
    return rows


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.rsplit("@", 1)[-1].lower()


def _total(response: httpx.Response) -> int | None:
    value = response.headers.get("X-Total-Count")
    return int(value) if value is not None and value.strip().isdigit() else None


class _Session:
    """One connection's HTTP settings, so the page walker takes few arguments."""

    def __init__(self, conn: ServiceNowConnection, client: httpx.Client | None, sleep: Callable[[float], None]) -> None:
        self.conn = conn
        self.owned = client is None
        self.http = client if client is not None else httpx.Client(timeout=_TIMEOUT)
        self.auth = httpx.BasicAuth(conn.username, conn.password)
        self.headers = {"Accept": "application/json", "User-Agent": _USER_AGENT}
        self.sleep = sleep

    def close(self) -> None:
        if self.owned:
            self.http.close()

    def pages(self, path: str, params: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
        """Yield each page's rows, following ``Link: rel="next"`` (see module docstring)."""
        first = str(httpx.URL(self.conn.base_url.rstrip("/") + path, params=params))
        paginator = LinkHeaderPaginator(first)
        announced: int | None = None
        received = 0
        while not paginator.finished:
            url = paginator.current_value
            for repeat in range(MAX_PAGE_REPEATS + 1):
                response = request_with_retries(
                    self.http, "GET", url, headers=self.headers, auth=self.auth, sleep=self.sleep
                )
                rows = _result(response)
                try:
                    paginator.advance(response, rows)  # raises on a replayed page: nothing yielded
                    break
                except PaginationLoopError as exc:
                    if repeat == MAX_PAGE_REPEATS:
                        raise
                    log.warning(
                        "ServiceNow repeated a page, asking again (%d/%d): %s", repeat + 1, MAX_PAGE_REPEATS, exc
                    )
            total = _total(response)
            if announced is None:
                announced = total
            elif total is not None and total != announced:
                raise RetriableError(
                    f"ServiceNow result set changed while paging ({announced} "
                    f"then {total} records) for {path}; retry the load"
                )
            if not paginator.finished and _origin(paginator.current_value) != _origin(first):
                raise FatalError(
                    f"ServiceNow next-page link leaves {_origin(first)[1]}: "
                    f"{paginator.current_value!r}; refusing to send credentials there"
                )
            received += len(rows)
            yield rows
        if announced is not None and received != announced:
            raise RetriableError(
                f"ServiceNow announced {announced} records (X-Total-Count) for "
                f"{path} but {received} arrived; retry the load"
            )


def iter_incidents(
    conn: ServiceNowConnection,
    window_start: datetime,
    window_end: datetime,
    *,
    page_size: int = 500,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[dict[str, Any]]:
    """Yield raw incident rows with ``window_start < sys_updated_on <= window_end``.

    Oldest change first. Raises ``FatalError`` (401 authentication, 403, 404,
    400...) or ``RetriableError`` (still failing after the retries, or the
    result set moved while paging); the caller adds organisation and
    connection id to the message.
    """
    check_window(window_start, window_end)
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {page_size}")
    cursor = INCIDENTS.cursor_field
    params = {
        "sysparm_query": (
            f"{cursor}>{format_servicenow_ts(window_start)}"
            f"^{cursor}<={format_servicenow_ts(window_end)}"
            f"^ORDERBY{cursor}^ORDERBY{INCIDENTS.primary_key}"
        ),
        "sysparm_display_value": "false",
        "sysparm_limit": page_size,
        "sysparm_offset": 0,
    }
    session = _Session(conn, client, sleep)
    total = 0
    try:
        for rows in session.pages(INCIDENTS.path, params):
            total += len(rows)
            yield from rows
    finally:
        session.close()
    log.info(
        "ServiceNow %s: %d incidents for (%s, %s]",
        conn.base_url,
        total,
        window_start.isoformat(),
        window_end.isoformat(),
    )


def holds_from_state_audit(
    rows: Iterable[dict[str, Any]], *, hold_states: frozenset[str] = frozenset({STATE_ON_HOLD})
) -> list[HoldInterval]:
    """Hold intervals of one incident from its ``incident.state`` audit rows (any order).

    A change to a hold state opens an interval (unless one is open); the next
    change to any other state closes it. Only ``newvalue`` is trusted:
    ``oldvalue`` can be stale after an audit-history rebuild.
    """

    def order(row: dict[str, Any]) -> tuple[datetime, int]:
        checkpoint = str(row.get("record_checkpoint") or "0")
        return parse_servicenow_ts(row["sys_created_on"]), int(checkpoint) if checkpoint.isdigit() else 0

    intervals: list[HoldInterval] = []
    start: datetime | None = None
    for row in sorted(rows, key=order):
        moment, new = order(row)[0], str(row.get("newvalue", ""))
        if new in hold_states and start is None:
            start = moment
        elif new not in hold_states and start is not None:
            intervals.append((start, moment))
            start = None
    if start is not None:
        intervals.append((start, None))
    return intervals


def fetch_state_audit(
    conn: ServiceNowConnection,
    sys_ids: Iterable[str],
    *,
    chunk_size: int = AUDIT_CHUNK_SIZE,
    page_size: int = 500,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, list[HoldInterval]]:
    """Hold intervals per incident ``sys_id`` (every requested id is a key; no holds: ``[]``).

    Call it with the ``sys_id``s of the incidents that changed in the window
    only: their whole state history is read, ``chunk_size`` incidents per
    ``documentkeyIN`` query, paged like the incidents.
    """
    wanted = list(dict.fromkeys(sys_ids))
    bad = [s for s in wanted if not _SYS_ID.match(s)]
    if bad:  # also keeps '^' and ',' out of the encoded query
        raise ValueError(f"not ServiceNow sys_ids (32 lower-case hex): {bad[:3]}")
    if not 1 <= chunk_size <= 500:
        raise ValueError("chunk_size must be between 1 and 500")
    rows_by_id: dict[str, list[dict[str, Any]]] = {s: [] for s in wanted}
    session = _Session(conn, client, sleep)
    try:
        for at in range(0, len(wanted), chunk_size):
            chunk = wanted[at : at + chunk_size]
            params = {
                "sysparm_query": (
                    f"tablename=incident^fieldname=state^documentkeyIN{','.join(chunk)}"
                    f"^ORDERBY{STATE_AUDIT.cursor_field}"
                ),
                "sysparm_display_value": "false",
                "sysparm_limit": page_size,
                "sysparm_offset": 0,
            }
            for rows in session.pages(STATE_AUDIT.path, params):
                for row in rows:
                    if row.get("documentkey") in rows_by_id and row.get("fieldname", "state") == "state":
                        rows_by_id[row["documentkey"]].append(row)
    finally:
        session.close()
    return {sys_id: holds_from_state_audit(rows) for sys_id, rows in rows_by_id.items()}
