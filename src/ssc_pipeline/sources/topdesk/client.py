"""Extract incidents from one organisation's TOPdesk, for one incremental window.

Why it looks like this:

* The window ``(window_start, window_end]`` is passed in -- it is the Airflow
  data interval -- and never derived from ``now()``: re-running a night must
  ask TOPdesk the same question, and consecutive nights must tile without
  gaps or overlaps. Bounds go to TOPdesk as whole UTC seconds (floored), the
  same way on both ends, so the tiling survives the rounding.
* TOPdesk pages by record offset (``pageStart``) and signals "more" with
  206 Partial Content; 200 or 204 end the walk. The paginator's shared loop
  detection stops a server that hands out the same page twice.
* Every request goes through ``request_with_retries``: transient failures are
  retried with backoff; a 401 is fatal at once with a message saying so.
* Records are yielded exactly as received (raw JSON); deduplication by
  ``id``/``modificationDate`` belongs to the warehouse, which sees all loads.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

import httpx

from ssc_pipeline.sources.http import (
    ApiConnection,
    FatalError,
    OffsetPaginator,
    PaginationLoopError,
    check_window,
    request_with_retries,
)
from ssc_pipeline.sources.topdesk.streams import INCIDENTS
from ssc_pipeline.sources.topdesk.timestamps import format_fiql_ts

__all__ = ["TopdeskConnection", "TopdeskPaginator", "iter_incidents", "MAX_PAGE_SIZE"]

log = logging.getLogger(__name__)

MAX_PAGE_SIZE = 10000
MAX_PAGE_REPEATS = 2  # re-requests of a page the server handed out twice
_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
_USER_AGENT = "ssc-pipeline (TOPdesk connector)"


class TopdeskConnection(ApiConnection):
    """Where and as whom to call TOPdesk (``host`` may carry a scheme and a path)."""

    system = "TOPdesk"
    login_name = "operator username"
    password_name = "application password"


class TopdeskPaginator(OffsetPaginator):
    """TOPdesk's offset paging: 206 means more records follow; 200 and 204 mean done."""

    def get_next(self, response: httpx.Response, records: Sequence[Any]) -> int | None:
        if response.status_code == 206:
            return self.current_value + len(records)
        return None


def _records(response: httpx.Response) -> list[dict[str, Any]]:
    if response.status_code == 204 or not response.content.strip():
        return []
    body = response.json()
    if not isinstance(body, list) or not all(isinstance(r, dict) for r in body):
        raise FatalError(
            f"unexpected TOPdesk response from {response.request.url}: "
            f"expected a JSON array of incidents, got {type(body).__name__}",
            status_code=response.status_code,
        )
    return body


def iter_incidents(
    conn: TopdeskConnection,
    window_start: datetime,
    window_end: datetime,
    *,
    page_size: int = 500,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[dict[str, Any]]:
    """Yield raw incidents with ``window_start < modificationDate <= window_end``.

    Oldest modification first (``sort=modificationDate:asc``). Raises
    ``FatalError`` (401 = authentication, 403, 404, 400...) or
    ``RetriableError`` (still failing after the retries); the caller adds the
    organisation and the connection id to the message.
    """
    check_window(window_start, window_end)
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {page_size}")
    query = (
        f"{INCIDENTS.cursor_field}=gt={format_fiql_ts(window_start)};"
        f"{INCIDENTS.cursor_field}=le={format_fiql_ts(window_end)}"
    )
    url = conn.base_url.rstrip("/") + INCIDENTS.path
    auth = httpx.BasicAuth(conn.username, conn.password)
    headers = {"Accept": "application/json", "User-Agent": _USER_AGENT}
    owned = client is None
    http = client if client is not None else httpx.Client(timeout=_TIMEOUT)
    paginator = TopdeskPaginator(page_size)
    total = 0
    try:
        while not paginator.finished:
            params = {
                "pageStart": paginator.current_value,
                "pageSize": page_size,
                "query": query,
                "sort": f"{INCIDENTS.cursor_field}:asc",
            }
            for repeat in range(MAX_PAGE_REPEATS + 1):
                response = request_with_retries(
                    http, "GET", url, params=params, headers=headers, auth=auth, sleep=sleep
                )
                records = _records(response)
                try:
                    paginator.advance(response, records)  # detect a loop before yielding duplicates
                    break
                except PaginationLoopError as exc:  # a replayed page: ask for this one again
                    if repeat == MAX_PAGE_REPEATS:
                        raise
                    log.warning("TOPdesk repeated a page, asking again (%d/%d): %s", repeat + 1, MAX_PAGE_REPEATS, exc)
            total += len(records)
            log.debug("TOPdesk %s page %d: %d incidents", url, paginator.pages, len(records))
            yield from records
    finally:
        if owned:
            http.close()
    log.info(
        "TOPdesk %s: %d incidents in %d pages for (%s, %s]",
        url,
        total,
        paginator.pages,
        window_start.isoformat(),
        window_end.isoformat(),
    )
