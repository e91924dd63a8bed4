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
* errors as a JSON array of ``{"message": ...}``; 401 on bad credentials, and
  on every request of a tenant whose application password has expired
  (``TopdeskTenant.password_expired``);
* ``GET /tas/api/incidents/id/{id}`` (one incident) and
  ``GET /tas/api/incidents/id/{id}/progresstrail`` (``start``/``page_size``,
  default 10, at most 100; newest entry first; 206 while more follow). Each
  status change is an entry ``"Status gewijzigd naar <status>"``; holds are
  the spans in "Wachten op gebruiker". The incident keeps
  ``onHold``/``onHoldDate``/``onHoldDuration`` consistent with the trail.
  (Not verified against a live tenant: whether and in what words a tenant
  logs status changes in the trail is configuration; the connector's parser
  in ``sources/topdesk/history.py`` is the one place to adapt.)

Not TOPdesk: ``GET /healthz`` (for the orchestrator to wait on) and, without a
lower ``modificationDate`` bound, only the last 60 days are served.
The data comes from ``incident_generator``, so the handler stays thin; the
optional ``FaultPlan`` (``faults`` module) injects errors, timeouts, cut-off
bodies, repeated pages and extra/missing fields.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ssc_pipeline.simulators.faults import ERROR_FAULTS, request_key
from ssc_pipeline.simulators.http_server import (
    BackgroundSimulator,
    FaultInjectingHandler,
    basic_credentials_match,
    run_simulator_cli,
)
from ssc_pipeline.simulators.incident_generator import LOOKBACK, SimTicket, find_ticket
from ssc_pipeline.simulators.topdesk_render import (
    format_topdesk_ts,
    incidents_modified_between,
    parse_topdesk_ts,
    state_as_of,
)

__all__ = ["TopdeskTenant", "TopdeskSimulator", "MAX_PAGE_SIZE", "progress_trail", "main"]

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
    password_expired: bool = False  # every request is then a 401, as after a password expiry


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


_TRAIL_PATH = re.compile(r"^/tas/api/incidents/id/([0-9a-fA-F-]{32,36})(/progresstrail)?$")
_INCIDENT_OPTIONAL = ("feedbackRating", "priority.id")
_TRAIL_OPTIONAL = ("operator",)
TRAIL_DEFAULT_PAGE_SIZE = 10
TRAIL_MAX_PAGE_SIZE = 100


def _entry(ticket: SimTicket, n: int, moment: datetime, memo: str, *, by_caller: bool = False) -> dict[str, Any]:
    ref = {"id": str(uuid.uuid5(uuid.UUID(ticket.ticket_id), "operatorGroup")), "name": ticket.operator_group}
    person = {"id": ticket.caller_id, "name": ticket.caller_name}
    return {
        "id": str(uuid.uuid5(uuid.UUID(ticket.ticket_id), f"progresstrail:{n}")),
        "entryDate": format_topdesk_ts(moment),
        "operator": None if by_caller else ref,
        "person": person if by_caller else None,
        "invisibleForCaller": False,
        "memoText": memo,
        "plainText": memo,
    }


def progress_trail(ticket: SimTicket, now: datetime) -> list[dict[str, Any]]:
    """The incident's progress trail as of ``now``, newest entry first (as TOPdesk lists it).

    The first entry is the caller's request; every status change is an entry
    ``"Status gewijzigd naar <status>"`` at the moment of the change -- that is
    what a connector reads holds from ("Wachten op gebruiker" until the next
    change).
    """
    if ticket.opened_at > now:
        return []
    changes: list[tuple[datetime, str]] = []
    if ticket.first_response_at is not None:
        changes.append((ticket.first_response_at, "In behandeling"))
    for start, end in ticket.holds:
        changes += [(start, "Wachten op gebruiker"), (end, "In behandeling")]
    if ticket.cancelled and ticket.resolved_at is not None:
        changes.append((ticket.resolved_at, "Geannuleerd"))
    else:
        if ticket.resolved_at is not None:
            changes.append((ticket.resolved_at, "Gereed"))
        if ticket.closed_at is not None:
            changes.append((ticket.closed_at, "Afgemeld"))
    request = f"{ticket.brief_description}. Melding van {ticket.caller_name} ({ticket.caller_email})."
    entries = [_entry(ticket, 0, ticket.opened_at, request, by_caller=True)]
    for n, (moment, status) in enumerate(sorted(changes), start=1):
        if moment <= now:
            entries.append(_entry(ticket, n, moment, f"Status gewijzigd naar {status}"))
    return entries[::-1]


def _page_params(
    params: Mapping[str, list[str]], start_name: str, size_name: str, default_size: int, max_size: int
) -> tuple[int, int]:
    start = _int_param(params, start_name, 0)
    size = _int_param(params, size_name, default_size)
    if start < 0:
        raise _BadRequest(f"The value for the field '{start_name}' cannot be negative.")
    if size < 1:
        raise _BadRequest(f"The value for the field '{size_name}' must be at least 1.")
    if size > max_size:
        raise _BadRequest(f"The value for the field '{size_name}' cannot be more than {max_size}.")
    return start, size


def _previous_key(
    tenant: str, path: str, params: Mapping[str, list[str]], start_name: str, start: int, size: int
) -> str | None:
    if start < size:
        return None
    return request_key(tenant, path, {**params, start_name: [str(start - size)]})


class _Handler(FaultInjectingHandler):
    server_version = "TOPdesk-simulator/1.1"

    def error_body(self, status: int, message: str) -> bytes:
        return json.dumps([{"message": message}]).encode("utf-8")

    def route_get(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/healthz":
            self.send_bytes(200, b"ok", content_type="text/plain")
            return
        match = _TENANT_PATH.match(url.path)
        tenant = self.server.tenants.get(match.group(1).lower()) if match else None
        if match is None or tenant is None:
            self.send_error_json(404, f"Not found: {url.path}")
            return
        challenge = {"WWW-Authenticate": 'Basic realm="TOPdesk"'}
        if not basic_credentials_match(self.headers.get("Authorization", ""), tenant.username, tenant.password):
            self.send_error_json(
                401, "Authentication failed: invalid username or application password.", headers=challenge
            )
            return
        if tenant.password_expired:
            self.send_error_json(
                401, "Authentication failed: the application password of this operator has expired.", headers=challenge
            )
            return
        endpoint = match.group(2).rstrip("/")
        params = parse_qs(url.query, keep_blank_values=True)
        key = request_key(tenant.org_code, endpoint, params)
        kind = self.draw_fault(key)
        if kind in ERROR_FAULTS:
            return
        trail = _TRAIL_PATH.match(endpoint)
        if endpoint == "/tas/api/incidents":
            self._incidents(tenant, endpoint, params, key, kind)
        elif trail is not None:
            self._incident(tenant, trail.group(1), bool(trail.group(2)), endpoint, params, key, kind)
        elif endpoint == "/tas/api/version":
            self.send_bytes(200, json.dumps({"version": "simulator"}).encode())
        else:
            self.send_error_json(404, f"Not found: {url.path}")

    def _incidents(
        self, tenant: TopdeskTenant, endpoint: str, params: Mapping[str, list[str]], key: str, kind: str | None
    ) -> None:
        now = self.server.now()
        try:
            page_start, page_size = _page_params(params, "pageStart", "pageSize", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
            lower, upper = _parse_window(params.get("query", [""])[0], now)
        except _BadRequest as exc:
            self.send_error_json(400, str(exc))
            return
        # The only supported order is modificationDate:asc (also the default); others are ignored.
        records = incidents_modified_between(
            tenant.org_code,
            lower,
            upper,
            now,
            seed=tenant.seed,
            tickets_per_weekday=tenant.tickets_per_weekday,
        )
        page = records[page_start : page_start + page_size]
        if not page:
            self.send_bytes(204)
            return
        status = 206 if page_start + page_size < len(records) else 200
        self.send_records(
            status,
            page,
            kind=kind,
            page_key=key,
            optional_fields=_INCIDENT_OPTIONAL,
            previous_page_key=_previous_key(tenant.org_code, endpoint, params, "pageStart", page_start, page_size),
        )

    def _incident(
        self,
        tenant: TopdeskTenant,
        incident_id: str,
        want_trail: bool,
        endpoint: str,
        params: Mapping[str, list[str]],
        key: str,
        kind: str | None,
    ) -> None:
        now = self.server.now()
        ticket = find_ticket(
            tenant.org_code, incident_id, now, seed=tenant.seed, tickets_per_weekday=tenant.tickets_per_weekday
        )
        if ticket is None:
            self.send_error_json(404, f"No incident found with id '{incident_id}'.")
            return
        if not want_trail:
            self.send_records(
                200,
                state_as_of(ticket, now),
                kind=kind,
                page_key=key,
                optional_fields=_INCIDENT_OPTIONAL,
                records=lambda one: [one],
            )
            return
        try:
            start, size = _page_params(params, "start", "page_size", TRAIL_DEFAULT_PAGE_SIZE, TRAIL_MAX_PAGE_SIZE)
        except _BadRequest as exc:
            self.send_error_json(400, str(exc))
            return
        entries = progress_trail(ticket, now)
        page = entries[start : start + size]
        if not page:
            self.send_bytes(204)
            return
        status = 206 if start + size < len(entries) else 200
        self.send_records(
            status,
            page,
            kind=kind,
            page_key=key,
            optional_fields=_TRAIL_OPTIONAL,
            previous_page_key=_previous_key(tenant.org_code, endpoint, params, "start", start, size),
        )


class TopdeskSimulator(BackgroundSimulator):
    """Serves simulated TOPdesk tenants on one local port, in a daemon thread.

    ``faults`` (a ``FaultPlan``) makes it misbehave on purpose; see ``faults``.
    """

    handler_class = _Handler
    thread_name = "topdesk-simulator"

    def tenant_url(self, org_code: str) -> str:
        """The URL standing in for ``https://<org>.topdesk.net`` of one organisation."""
        return f"{self.base_url}/{org_code.lower()}"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ssc_pipeline.simulators.topdesk --port N --tenant CODE:USER:PASSWORD ...``.

    ``--faults JSON`` (default: ``$SSC_SIMULATOR_FAULTS``) switches faults on;
    ``--password-expired CODE`` makes that tenant answer 401 to everything.
    """
    return run_simulator_cli(argv, name="TOPdesk", simulator=TopdeskSimulator, tenant=TopdeskTenant)


if __name__ == "__main__":
    raise SystemExit(main())
