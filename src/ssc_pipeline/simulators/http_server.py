"""The HTTP plumbing the simulators share: a threading server, the fault-injecting handler,
a background runner for tests and the command line that serves a simulator.

What to inject is ``faults``' decision; here it is carried out: an error page,
a late answer, a cut body, a page handed out twice, a field added or removed.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hmac
import json
import logging
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from ssc_pipeline.simulators.faults import (
    ERROR_STATUS,
    FAULTS_ENV_VAR,
    FaultInjector,
    FaultPlan,
    ServedResponse,
)

__all__ = [
    "BackgroundSimulator",
    "FaultInjectingHandler",
    "SimulatorServer",
    "basic_credentials_match",
    "run_simulator_cli",
]

log = logging.getLogger(__name__)


def basic_credentials_match(header: str, username: str, password: str) -> bool:
    """Check an ``Authorization: Basic`` header in constant time (both parts always compared)."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return False
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    given_user, sep, given_password = decoded.partition(":")
    user_ok = hmac.compare_digest(given_user.encode("utf-8"), username.encode("utf-8"))
    password_ok = hmac.compare_digest(given_password.encode("utf-8"), password.encode("utf-8"))
    return bool(sep) and user_ok and password_ok


class SimulatorServer(ThreadingHTTPServer):
    """A threading HTTP server carrying the simulator's tenants, clock and fault state."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        tenants: Mapping[str, Any],
        now: Callable[[], datetime],
        faults: FaultPlan | None,
    ) -> None:
        super().__init__(address, handler)
        self.tenants = tenants
        self.now = now
        self.faults = FaultInjector(faults)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class FaultInjectingHandler(BaseHTTPRequestHandler):
    """Response helpers shared by the simulators, with the fault injection in one place."""

    server: SimulatorServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, delayed ACKs add ~40 ms per request.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("%s - %s", self.address_string(), format % args)

    def error_body(self, status: int, message: str) -> bytes:
        """The system's own error format; simulators override."""
        return json.dumps({"message": message}).encode("utf-8")

    def send_bytes(
        self,
        status: int,
        body: bytes = b"",
        content_type: str = "application/json",
        headers: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
    ) -> None:
        self.send_response(status)
        if status != 204:
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
        items = headers.items() if isinstance(headers, Mapping) else (headers or ())
        for name, value in items:
            self.send_header(name, value)
        if self.close_connection:
            # Say so on the wire: without it a client may reuse the socket for its next
            # request while the server is closing it ("server disconnected without a response").
            self.send_header("Connection", "close")
        self.end_headers()
        if status != 204 and body:
            self.wfile.write(body)

    def send_error_json(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        self.send_bytes(status, self.error_body(status, message), headers=headers)

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        try:
            self.route_get()
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout fault)
            self.close_connection = True
        except Exception:  # a simulator bug must look like a server 500, not a dropped socket
            log.exception("simulator failed on %s", self.path)
            self.close_connection = True
            self.send_error_json(500, "Internal server error in the simulator.")

    def route_get(self) -> None:
        raise NotImplementedError

    def _method_not_allowed(self) -> None:
        self.close_connection = True  # the unread request body must not poison a kept-alive socket
        self.send_error_json(405, f"Method {self.command} is not supported by this simulator.")

    do_POST = do_PUT = do_PATCH = do_DELETE = _method_not_allowed  # noqa: N815

    # ------------------------------------------------------------------ faults

    def draw_fault(self, key: str) -> str | None:
        """Decide this request's fault and return its kind (None: behave).

        Error faults (``ERROR_FAULTS``) are answered here -- the caller must
        stop; ``timeout`` sleeps here and the caller answers normally; content
        faults are left for ``send_records``.
        """
        kind = self.server.faults.draw(key)
        if kind is None:
            return None
        plan = self.server.faults.plan
        assert plan is not None
        if kind in ERROR_STATUS:
            self.server.faults.note(kind)
            status = ERROR_STATUS[kind]
            headers: dict[str, str] = {}
            if status == 429:
                headers["Retry-After"] = f"{plan.retry_after_s:g}"
                body, ctype = self.error_body(429, "Too many requests; slow down."), "application/json"
            elif status == 500:
                body, ctype = self.error_body(500, "Internal server error."), "application/json"
            else:
                body = (f"<html><body><h1>{status} {self.responses[status][0]}</h1></body></html>").encode()
                ctype = "text/html"
            self.close_connection = True
            self.send_bytes(status, body, content_type=ctype, headers=headers)
        if kind == "timeout":
            self.server.faults.note(kind)
            self.close_connection = True
            time.sleep(plan.timeout_s)  # then answer normally: the client has usually gone
        return kind

    def send_records(
        self,
        status: int,
        payload: Any,
        *,
        kind: str | None,
        page_key: str,
        previous_page_key: str | None = None,
        extra_field: tuple[str, Any] = ("simulatorExtraField", "unexpected"),
        optional_fields: Sequence[str] = (),
        records: Callable[[Any], list[dict[str, Any]]] = lambda p: p,
        headers: Sequence[tuple[str, str]] = (),
    ) -> None:
        """Send a 2xx JSON page, applying this request's content fault (``kind``) if any.

        ``records(payload)`` gives the list of records inside ``payload`` (the
        payload itself for TOPdesk, ``payload["result"]`` for ServiceNow), so
        record faults work for either envelope. Dotted ``optional_fields``
        name nested keys (``"priority.id"``).
        """
        faults = self.server.faults
        if kind == "repeated_page" and previous_page_key is not None:
            served = faults.recall(previous_page_key)
            if served is not None:
                faults.note(kind)
                self.send_bytes(served.status, served.body, headers=served.headers)
                return
        rows = records(payload)
        if kind == "extra_field" and rows:
            faults.note(kind)
            name, value = extra_field
            for row in rows:
                row[name] = value
        elif kind == "missing_field" and rows:
            faults.note(kind)
            for row in rows:
                for path in optional_fields:
                    _drop(row, path)
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        if kind == "truncated_json" and body:
            faults.note(kind)
            self.close_connection = True
            self.send_bytes(status, body[: len(body) // 2], headers=headers)
            return
        self.send_bytes(status, body, headers=headers)
        if kind != "timeout":  # a timed-out answer never reached the client: not "its" page
            faults.remember(page_key, ServedResponse(status, body, tuple(headers)))


def _drop(record: dict[str, Any], path: str) -> None:
    head, _, rest = path.partition(".")
    if not rest:
        record.pop(head, None)
    elif isinstance(record.get(head), dict):
        _drop(record[head], rest)


class BackgroundSimulator:
    """Start/stop/URLs/context manager for a simulator serving tenants under path prefixes."""

    handler_class: type[FaultInjectingHandler]
    thread_name = "simulator"

    def __init__(
        self,
        tenants: Mapping[str, Any],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        now: Callable[[], datetime] | None = None,
        faults: FaultPlan | None = None,
    ) -> None:
        normalised: dict[str, Any] = {}
        for code, tenant in tenants.items():
            if code.lower() != tenant.org_code.lower():
                raise ValueError(f"tenant key {code!r} does not match org_code {tenant.org_code!r}")
            normalised[code.lower()] = tenant
        self._tenants = normalised
        self._host = host
        self._port = port
        self._now = now or (lambda: datetime.now(timezone.utc))
        self.faults = faults
        self._server: SimulatorServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        """Bind and serve; returns the base URL (``http://127.0.0.1:PORT``)."""
        if self._server is None:
            self._server = SimulatorServer(
                (self._host, self._port), self.handler_class, self._tenants, self._now, self.faults
            )
            self._thread = threading.Thread(target=self._server.serve_forever, name=self.thread_name, daemon=True)
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
        return self._server.base_url

    @property
    def injected_faults(self) -> Counter[str]:
        """How many faults of each kind were actually injected (empty before ``start``)."""
        return self._server.faults.injected if self._server is not None else Counter()

    def tenant_url(self, org_code: str) -> str:
        """The URL standing in for one organisation's own instance."""
        return f"{self.base_url}/{org_code.lower()}"

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _tenant_spec(spec: str) -> tuple[str, str, str]:
    code, sep1, rest = spec.partition(":")
    username, sep2, password = rest.partition(":")
    if not (sep1 and sep2 and code and username and password):
        raise argparse.ArgumentTypeError(f"--tenant must be CODE:USER:PASSWORD, got {code or spec!r}:...")
    return code, username, password


def run_simulator_cli(
    argv: Sequence[str] | None, *, name: str, simulator: type[BackgroundSimulator], tenant: Callable[..., Any]
) -> int:
    """The shared command line of the simulators: serve tenants until SIGTERM/Ctrl-C.

    Prints the base URL on stdout once listening (a supervisor reads it).
    ``--faults`` takes a ``FaultPlan`` as JSON; without it ``$SSC_SIMULATOR_FAULTS``
    is used. Passwords on the command line show in the process list: for
    anything but a local try-out, use ``ssc_pipeline.simulators.serve``.
    """
    parser = argparse.ArgumentParser(description=f"Serve simulated {name} tenants until killed.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--tenant", action="append", required=True, metavar="CODE:USER:PASSWORD")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tickets-per-weekday", type=int, default=25)
    parser.add_argument(
        "--faults",
        metavar="JSON",
        default=None,
        help=f'fault plan, e.g. \'{{"rate": 0.2, "seed": 1}}\' (default: ${FAULTS_ENV_VAR})',
    )
    parser.add_argument(
        "--password-expired",
        action="append",
        default=[],
        metavar="CODE",
        help="answer 401 to every request of this tenant",
    )
    args = parser.parse_args(argv)
    try:
        specs = [_tenant_spec(s) for s in args.tenant]
        plan = FaultPlan.from_json(args.faults) if args.faults else FaultPlan.from_env()
    except (argparse.ArgumentTypeError, ValueError, TypeError) as exc:
        parser.error(str(exc))
    expired = {code.lower() for code in args.password_expired}
    tenants = [
        tenant(
            code,
            user,
            password,
            seed=args.seed,
            tickets_per_weekday=args.tickets_per_weekday,
            password_expired=code.lower() in expired,
        )
        for code, user, password in specs
    ]
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with simulator({t.org_code: t for t in tenants}, host=args.host, port=args.port, faults=plan) as sim:
        print(sim.base_url, flush=True)
        for item in tenants:
            log.info("tenant %s at %s", item.org_code, sim.tenant_url(item.org_code))
        if plan is not None:
            log.info("fault plan: %s", plan.to_json())
        try:
            while not stop.wait(1.0):
                pass
        except KeyboardInterrupt:
            pass
    return 0
