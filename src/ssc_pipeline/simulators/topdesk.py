"""A small TOPdesk REST API simulator: enough of ``/tas/api/incidents`` to exercise the connector.

Why: the pipeline must be demonstrable and testable end to end without a
real TOPdesk tenant (and without personal data). Each organisation is a
tenant under its own path prefix (``{base_url}/gm0505``), standing in for its
own ``https://<org>.topdesk.net`` host, with its own Basic-auth credentials
(operator login + application password).

Behaviour copied from TOPdesk because the connector depends on it:

* ``pageStart`` / ``pageSize`` (default 10, at most 10000; more is a 400);
* 206 Partial Content while more records follow, 200 on the last page,
  204 No Content (empty body) when the page is empty;
* FIQL ``query`` on ``modificationDate`` with ``gt``/``ge``/``lt``/``le``
  joined by ``;`` (AND); anything else is a 400, not silently ignored;
* errors as a JSON array of ``{"message": ...}``; 401 on bad credentials.

Not TOPdesk: ``GET /healthz`` (for the orchestrator to wait on) and, without a
lower ``modificationDate`` bound, only the last 60 days are served.
The data comes from ``incident_generator``, so the handler stays thin.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hmac
import json
import logging
import re
import signal
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ssc_pipeline.simulators.incident_generator import (
    LOOKBACK,
    incidents_modified_between,
    parse_topdesk_ts,
)

__all__ = ["TopdeskTenant", "TopdeskSimulator", "MAX_PAGE_SIZE", "main"]

log = logging.getLogger(__name__)

MAX_PAGE_SIZE = 10000
DEFAULT_PAGE_SIZE = 10
_TENANT_PATH = re.compile(r"^/([A-Za-z0-9_-]+)(/tas/api/[A-Za-z0-9/_-]*)$")
_FIQL_CLAUSE = re.compile(r"^modificationDate=(gt|ge|lt|le)=(.+)$")
_EPSILON = timedelta(microseconds=1)


@dataclass(frozen=True)
class TopdeskTenant:
    """One organisation's simulated TOPdesk: credentials and the generator's knobs."""

    org_code: str
    username: str
    password: str = field(repr=False)
    seed: int = 0
    tickets_per_weekday: int = 25


class _BadRequest(Exception):
    """A query parameter TOPdesk would reject with 400."""


def _parse_window(query: str, now: datetime) -> tuple[datetime, datetime]:
    """FIQL ``modificationDate`` clauses -> (exclusive lower, inclusive upper) bound."""
    lower = now - LOOKBACK
    upper = now
    if not query.strip():
        return lower, upper
    lowers: list[datetime] = []
    uppers: list[datetime] = []
    for clause in query.split(";"):
        match = _FIQL_CLAUSE.match(clause.strip())
        if match is None:
            raise _BadRequest(
                f"Unsupported or malformed query clause '{clause}'. Supported: "
                "modificationDate=gt=|ge=|lt=|le=<timestamp>, joined with ';'."
            )
        operator, raw = match.groups()
        try:
            moment = parse_topdesk_ts(raw)
        except ValueError as exc:
            raise _BadRequest(f"Invalid date '{raw}' in query: {exc}") from exc
        if operator == "gt":
            lowers.append(moment)
        elif operator == "ge":
            lowers.append(moment - _EPSILON)
        elif operator == "le":
            uppers.append(moment)
        else:
            uppers.append(moment - _EPSILON)
    if lowers:
        lower = max(lowers)
    if uppers:
        upper = min(uppers)
    return lower, upper


def _int_param(params: Mapping[str, list[str]], name: str, default: int) -> int:
    values = params.get(name)
    if not values or values[0] == "":
        return default
    try:
        return int(values[0])
    except ValueError:
        raise _BadRequest(f"The value for the field '{name}' must be an integer.") from None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], tenants: Mapping[str, TopdeskTenant],
                 now: Callable[[], datetime]) -> None:
        super().__init__(address, _Handler)
        self.tenants = tenants
        self.now = now


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "TOPdesk-simulator/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("%s - %s", self.address_string(), format % args)

    # ------------------------------------------------------------------ responses

    def _send(self, status: int, body: bytes = b"", content_type: str = "application/json",
              headers: Mapping[str, str] | None = None) -> None:
        self.send_response(status)
        if status != 204:
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if status != 204 and body:
            self.wfile.write(body)

    def _json(self, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), headers=headers)

    def _error(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        self._json(status, [{"message": message}], headers=headers)

    # ------------------------------------------------------------------ routing

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        try:
            self._route_get()
        except Exception:  # a simulator bug must look like a TOPdesk 500, not a dropped socket
            log.exception("simulator failed on %s", self.path)
            self.close_connection = True
            self._error(500, "Internal server error in the TOPdesk simulator.")

    def _route_get(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/healthz":
            self._send(200, b"ok", content_type="text/plain")
            return
        match = _TENANT_PATH.match(url.path)
        tenant = self.server.tenants.get(match.group(1).lower()) if match else None
        if match is None or tenant is None:
            self._error(404, f"Not found: {url.path}")
            return
        if not self._authorised(tenant):
            self._error(401, "Authentication failed: invalid username or application password.",
                        headers={"WWW-Authenticate": 'Basic realm="TOPdesk"'})
            return
        endpoint = match.group(2).rstrip("/")
        if endpoint == "/tas/api/incidents":
            self._incidents(tenant, parse_qs(url.query, keep_blank_values=True))
        elif endpoint == "/tas/api/version":
            self._json(200, {"version": "simulator"})
        else:
            self._error(404, f"Not found: {url.path}")

    def _method_not_allowed(self) -> None:
        self.close_connection = True  # the unread request body must not poison a kept-alive socket
        self._error(405, f"Method {self.command} is not supported by this simulator.")

    do_POST = do_PUT = do_PATCH = do_DELETE = _method_not_allowed  # noqa: N815

    def _authorised(self, tenant: TopdeskTenant) -> bool:
        header = self.headers.get("Authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic" or not encoded:
            return False
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        username, sep, password = decoded.partition(":")
        # Compare both parts, in constant time, so timing does not reveal which one was wrong.
        user_ok = hmac.compare_digest(username.encode("utf-8"), tenant.username.encode("utf-8"))
        password_ok = hmac.compare_digest(password.encode("utf-8"), tenant.password.encode("utf-8"))
        return bool(sep) and user_ok and password_ok

    def _incidents(self, tenant: TopdeskTenant, params: Mapping[str, list[str]]) -> None:
        now = self.server.now()
        try:
            page_start = _int_param(params, "pageStart", 0)
            page_size = _int_param(params, "pageSize", DEFAULT_PAGE_SIZE)
            if page_start < 0:
                raise _BadRequest("The value for the field 'pageStart' cannot be negative.")
            if page_size < 1:
                raise _BadRequest("The value for the field 'pageSize' must be at least 1.")
            if page_size > MAX_PAGE_SIZE:
                raise _BadRequest(
                    f"The value for the field 'pageSize' cannot be more than {MAX_PAGE_SIZE}."
                )
            lower, upper = _parse_window(params.get("query", [""])[0], now)
        except _BadRequest as exc:
            self._error(400, str(exc))
            return
        # The only supported order is modificationDate:asc (also the default); others are ignored.
        records = incidents_modified_between(
            tenant.org_code, lower, upper, now,
            seed=tenant.seed, tickets_per_weekday=tenant.tickets_per_weekday,
        )
        page = records[page_start:page_start + page_size]
        if not page:
            self._send(204)
        elif page_start + page_size < len(records):
            self._json(206, page)
        else:
            self._json(200, page)


class TopdeskSimulator:
    """Serves simulated TOPdesk tenants on one local port, in a daemon thread."""

    def __init__(self, tenants: Mapping[str, TopdeskTenant], *, host: str = "127.0.0.1",
                 port: int = 0, now: Callable[[], datetime] | None = None) -> None:
        normalised: dict[str, TopdeskTenant] = {}
        for code, tenant in tenants.items():
            if code.lower() != tenant.org_code.lower():
                raise ValueError(f"tenant key {code!r} does not match org_code {tenant.org_code!r}")
            normalised[code.lower()] = tenant
        self._tenants = normalised
        self._host = host
        self._port = port
        self._now = now or (lambda: datetime.now(timezone.utc))
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        """Bind and serve; returns the base URL (``http://127.0.0.1:PORT``)."""
        if self._server is not None:
            return self.base_url
        self._server = _Server((self._host, self._port), self._tenants, self._now)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="topdesk-simulator", daemon=True
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving and release the port; safe to call twice."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("simulator is not running; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def tenant_url(self, org_code: str) -> str:
        """The URL standing in for ``https://<org>.topdesk.net`` of one organisation."""
        return f"{self.base_url}/{org_code.lower()}"

    def __enter__(self) -> TopdeskSimulator:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _parse_tenant(spec: str, seed: int, tickets_per_weekday: int) -> TopdeskTenant:
    code, sep1, rest = spec.partition(":")
    username, sep2, password = rest.partition(":")
    if not (sep1 and sep2 and code and username and password):
        raise argparse.ArgumentTypeError(f"--tenant must be CODE:USER:PASSWORD, got {code or spec!r}:...")
    return TopdeskTenant(code, username, password, seed=seed, tickets_per_weekday=tickets_per_weekday)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ssc_pipeline.simulators.topdesk --port N --tenant CODE:USER:PASSWORD ...``."""
    parser = argparse.ArgumentParser(description="Serve simulated TOPdesk tenants until killed.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--tenant", action="append", required=True, metavar="CODE:USER:PASSWORD")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tickets-per-weekday", type=int, default=25)
    args = parser.parse_args(argv)
    try:
        tenants = [_parse_tenant(s, args.seed, args.tickets_per_weekday) for s in args.tenant]
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with TopdeskSimulator({t.org_code: t for t in tenants}, host=args.host, port=args.port) as sim:
        print(sim.base_url, flush=True)
        for tenant in tenants:
            log.info("tenant %s at %s", tenant.org_code, sim.tenant_url(tenant.org_code))
        try:
            while not stop.wait(1.0):
                pass
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
