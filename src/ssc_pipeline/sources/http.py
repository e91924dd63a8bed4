"""Shared HTTP plumbing for every API connector (TOPdesk, ServiceNow, ...).

Why one module: a nightly load that fails must fail for the right reason and
say so. Three decisions live here so that every connector makes them the
same way (after singer-sdk and dlt):

* ``validate_response`` decides whether a response is worth retrying
  (429 and the transient 5xx codes, honouring ``Retry-After``) or is fatal
  (bad credentials, missing permission, wrong URL, bad request).
* ``request_with_retries`` retries transient trouble -- including network
  errors and truncated JSON bodies -- with bounded exponential backoff and
  jitter, so twenty organisations' loads do not hammer a struggling server
  in lock-step.
* ``BasePaginator.advance`` detects pagination loops (a page token or offset
  seen twice, or a page identical to the previous one) instead of looping
  forever and landing duplicates. Subclasses only say how to find the next
  page, by overriding ``get_next``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar, Generic, Self, TypeVar
from urllib.parse import urlsplit

import httpx

from ssc_pipeline.connections import ConnectionInfo

__all__ = [
    "SourceError",
    "RetriableError",
    "FatalError",
    "PaginationLoopError",
    "RETRIABLE_STATUS_CODES",
    "validate_response",
    "parse_retry_after",
    "request_with_retries",
    "BasePaginator",
    "OffsetPaginator",
    "PageNumberPaginator",
    "LinkHeaderPaginator",
]

log = logging.getLogger(__name__)

RETRIABLE_STATUS_CODES: frozenset[int] = frozenset({429, 500, 502, 503, 504})

_HINTS: Mapping[int, str] = {
    401: "authentication failed: check the username and (application) password of the connection",
    403: "access denied: the account lacks permission for this resource",
    404: "not found: check the base URL / tenant path of the connection",
}

_BODY_SNIPPET = 300


class SourceError(Exception):
    """Base class of every error a connector raises on purpose."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class RetriableError(SourceError):
    """Transient failure: trying again later may succeed."""

    def __init__(self, message: str, *, status_code: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, status_code=status_code)
        self.retry_after = retry_after


class FatalError(SourceError):
    """Failure that retrying cannot fix; a person has to act (credentials, URL, permissions)."""


class PaginationLoopError(FatalError):
    """The server sent us in a circle; continuing would land duplicates forever."""


# --------------------------------------------------------------------------- responses


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait according to a ``Retry-After`` header (delta-seconds or HTTP-date)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    current = now or datetime.now(timezone.utc)
    return max(0.0, (when - current).total_seconds())


def _describe(response: httpx.Response) -> str:
    """``GET https://host/path -> HTTP 503 Service Unavailable: <body snippet>`` without credentials."""
    request = response.request
    url = request.url.copy_with(username=None, password=None)
    reason = response.reason_phrase or ""
    text = f"{request.method} {url} -> HTTP {response.status_code} {reason}".rstrip()
    try:
        body = response.text.strip()
    except (httpx.ResponseNotRead, UnicodeDecodeError):
        body = ""
    if body:
        snippet = body[:_BODY_SNIPPET] + ("..." if len(body) > _BODY_SNIPPET else "")
        text += f": {snippet}"
    return text


def validate_response(response: httpx.Response) -> None:
    """Raise ``RetriableError`` or ``FatalError`` unless ``response`` is a 2xx.

    Only 429 and 500/502/503/504 are retriable: they are what overloaded or
    restarting servers and gateways send. Everything else (401, 403, 404,
    other 4xx, 501, 3xx, ...) will not fix itself by waiting, so it is fatal
    and the message names the status and the likely cause.
    """
    code = response.status_code
    if 200 <= code < 300:
        return
    description = _describe(response)
    if code in RETRIABLE_STATUS_CODES:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        raise RetriableError(f"transient error: {description}", status_code=code, retry_after=retry_after)
    hint = _HINTS.get(code)
    if hint is None:
        hint = "request rejected" if 400 <= code < 500 else "unexpected response"
    raise FatalError(f"{hint} ({description})", status_code=code)


def _check_json(response: httpx.Response) -> None:
    """A 2xx whose body is not valid JSON is almost always a cut-off transfer: retry it."""
    if response.status_code == 204 or not response.content.strip():
        return
    try:
        json.loads(response.content)
    except ValueError as exc:
        raise RetriableError(
            f"invalid or truncated JSON body ({len(response.content)} bytes) from "
            f"{response.request.method} {response.request.url}: {exc}",
            status_code=response.status_code,
        ) from exc


# --------------------------------------------------------------------------- retries


def request_with_retries(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    auth: httpx.Auth | tuple[str, str] | None = None,
    json_body: Any = None,
    expect_json: bool = True,
    max_tries: int = 5,
    base_delay: float | None = None,
    max_delay: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> httpx.Response:
    """Send one request, retrying transient failures; return a validated 2xx response.

    Retried: ``RetriableError`` statuses, ``httpx.TransportError`` (connection
    refused/reset, timeouts, incomplete bodies) and -- when ``expect_json`` --
    a 2xx body that is not valid JSON. The wait before try ``n+1`` is
    ``base_delay * 2**(n-1)`` with jitter (50-100 %), capped at ``max_delay``;
    a ``Retry-After`` from the server is honoured when longer. A server asking
    us to wait longer than ``max_delay`` is not waited for: the error is raised
    and the orchestrator's task retry takes over. After ``max_tries`` the last
    failure is raised as ``RetriableError``; fatal errors are raised at once.
    """
    if max_tries < 1:
        raise ValueError("max_tries must be at least 1")
    if base_delay is None:  # tunable per deployment (and short in tests) without code changes
        base_delay = float(os.environ.get("SSC_HTTP_BACKOFF_BASE_SECONDS", "0.5"))
    jitter = rng or random.Random()
    last_error: RetriableError | None = None
    extra: dict[str, Any] = {}
    if auth is not None:  # passing auth=None would switch off auth configured on the client
        extra["auth"] = auth
    if json_body is not None:
        extra["json"] = json_body
    for attempt in range(1, max_tries + 1):
        try:
            response = client.request(method, url, params=params, headers=headers, **extra)
            validate_response(response)
            if expect_json:
                _check_json(response)
            return response
        except httpx.TransportError as exc:
            last_error = RetriableError(f"{type(exc).__name__} on {method} {url}: {exc or 'no detail'}")
            last_error.__cause__ = exc
        except RetriableError as exc:
            last_error = exc
        if attempt == max_tries:
            break
        delay = min(max_delay, base_delay * 2 ** (attempt - 1)) * (0.5 + jitter.random() / 2)
        if last_error.retry_after is not None:
            if last_error.retry_after > max_delay:
                raise RetriableError(
                    f"server asked to retry after {last_error.retry_after:.0f} s "
                    f"(more than {max_delay:.0f} s): {last_error}",
                    status_code=last_error.status_code,
                    retry_after=last_error.retry_after,
                ) from last_error
            delay = max(delay, last_error.retry_after)
        log.warning("try %d/%d failed, retrying in %.2f s: %s", attempt, max_tries, delay, last_error)
        sleep(delay)
    assert last_error is not None
    raise RetriableError(
        f"gave up after {max_tries} tries: {last_error}",
        status_code=last_error.status_code,
        retry_after=last_error.retry_after,
    ) from last_error


# --------------------------------------------------------------------------- pagination

T = TypeVar("T")


class BasePaginator(Generic[T]):
    """Walks pages; subclasses override ``get_next`` only.

    ``current_value`` is what the caller puts in the next request (an offset,
    a page number, a URL). ``advance`` is shared so that loop detection cannot
    be forgotten by a new connector.
    """

    def __init__(self, start_value: T) -> None:
        self.current_value: T = start_value
        self.finished = False
        self.pages = 0
        self._seen_values: set[Any] = {start_value}
        self._last_fingerprint: str | None = None

    def get_next(self, response: httpx.Response, records: Sequence[Any]) -> T | None:
        """Return the value for the next request, or ``None`` when this was the last page."""
        raise NotImplementedError

    def advance(self, response: httpx.Response, records: Sequence[Any]) -> None:
        """Move to the next page, or finish; raise ``PaginationLoopError`` on a loop."""
        if self.finished:
            raise RuntimeError("paginator already finished")
        self.pages += 1
        fingerprint = hashlib.sha256(response.content).hexdigest() if response.content else None
        if fingerprint is not None and fingerprint == self._last_fingerprint:
            raise PaginationLoopError(
                f"page {self.pages} is identical to the previous page "
                f"(at {self.current_value!r}); the server is not advancing"
            )
        self._last_fingerprint = fingerprint
        next_value = self.get_next(response, records)
        if next_value is None:
            self.finished = True
            return
        if next_value in self._seen_values:
            raise PaginationLoopError(
                f"page {self.pages} points to {next_value!r}, which was already requested; refusing to loop"
            )
        self._seen_values.add(next_value)
        self.current_value = next_value


class OffsetPaginator(BasePaginator[int]):
    """Record offsets (``start=0, 100, 200...``); a short page is the last one."""

    def __init__(self, page_size: int, start: int = 0) -> None:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        super().__init__(start)
        self.page_size = page_size

    def get_next(self, response: httpx.Response, records: Sequence[Any]) -> int | None:
        if len(records) < self.page_size:
            return None
        return self.current_value + len(records)


class PageNumberPaginator(BasePaginator[int]):
    """Page numbers (``page=1, 2, 3...``); an empty page is the end."""

    def __init__(self, start: int = 1) -> None:
        super().__init__(start)

    def get_next(self, response: httpx.Response, records: Sequence[Any]) -> int | None:
        return self.current_value + 1 if records else None


class LinkHeaderPaginator(BasePaginator[str]):
    """RFC 8288 ``Link: <url>; rel="next"`` (ServiceNow's Table API); no next link is the end."""

    def get_next(self, response: httpx.Response, records: Sequence[Any]) -> str | None:
        return response.links.get("next", {}).get("url") or None


_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


@dataclass(frozen=True)
class ApiConnection:
    """Where and as whom to call a source system's API. The password never appears in ``repr``/logs.

    Each system's connection subclasses it, naming the system and what its login
    and password are called there (for the error a data team reads).
    """

    system: ClassVar[str] = "API"
    login_name: ClassVar[str] = "user"
    password_name: ClassVar[str] = "password"

    base_url: str
    username: str
    password: str = field(repr=False)

    @classmethod
    def from_parts(
        cls, host: str, login: str, password: str, port: int | None = None, schema: str | None = None
    ) -> Self:
        """Build from Airflow-connection-like parts (see ``base_url_from_parts`` for the host)."""
        if not login:
            raise ValueError(f"{cls.system} connection has no login ({cls.login_name})")
        if not password:
            raise ValueError(f"{cls.system} connection has no password ({cls.password_name})")
        return cls(base_url=base_url_from_parts(cls.system, host, port, schema), username=login, password=password)

    @classmethod
    def from_info(cls, info: ConnectionInfo) -> Self:
        return cls.from_parts(
            info.host or "", info.login or "", info.password or "", port=info.port, schema=info.schema
        )


def check_window(window_start: datetime, window_end: datetime) -> None:
    """An incremental window is the Airflow data interval: aware, and not empty."""
    for name, value in (("window_start", window_start), ("window_end", window_end)):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{name} must be timezone-aware (use the Airflow data interval)")
    if window_end <= window_start:
        raise ValueError(f"empty window: {window_start.isoformat()} .. {window_end.isoformat()}")


def base_url_from_parts(system: str, host: str, port: int | None = None, schema: str | None = None) -> str:
    """A base URL from Airflow-connection-like parts, for any of the API sources.

    ``host`` may carry a scheme and a path; without a scheme, https is assumed,
    except for 127.0.0.1/localhost (the simulators), which get http. ``schema``,
    if given, is appended as a path segment (the simulator's tenant prefix,
    e.g. ``gm0505``). Credentials in the host are dropped, never kept in a URL.
    """
    if not host or not host.strip():
        raise ValueError(f"{system} connection has no host")
    raw = host.strip()
    if "://" not in raw:
        bare = raw.split("/", 1)[0]
        hostname = bare.rsplit(":", 1)[0] if bare.count(":") == 1 else bare
        raw = f"{'http' if hostname.lower() in _LOCAL_HOSTS else 'https'}://{raw}"
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{system} connection host is not a usable URL: {host!r}")
    netloc = parts.netloc.rsplit("@", 1)[-1]
    if port is not None:
        if parts.port is not None and parts.port != int(port):
            raise ValueError(f"port {port} conflicts with the port in host {host!r}")
        if parts.port is None:
            netloc = f"{netloc}:{int(port)}"
    path = parts.path.rstrip("/")
    if schema and schema.strip("/"):
        path = f"{path}/{schema.strip('/')}"
    return f"{parts.scheme}://{netloc}{path}"
