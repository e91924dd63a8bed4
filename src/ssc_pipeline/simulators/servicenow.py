"""A small ServiceNow Table API simulator: incidents, their state audit and callers.

Why: organisations on ServiceNow must be as testable as TOPdesk ones, without
an instance. Each organisation is a tenant under its own path prefix
(``{base_url}/gm0344`` stands in for ``https://<org>.service-now.com``),
with Basic-auth credentials of an integration user. The tickets are the
generator's, rendered by ``servicenow_render``.

Behaviour copied from ServiceNow because the connector depends on it:

* ``GET /api/now/table/incident`` with ``sysparm_query``: ``sys_updated_on``
  compared with ``>``, ``>=``, ``<``, ``<=`` to ``YYYY-MM-DD HH:MM:SS`` (UTC:
  the integration user's time zone is UTC, as it should be) or to
  ``javascript:gs.dateGenerate('YYYY-MM-DD','HH:MM:SS')``; terms joined by
  ``^``; ``^ORDERBYsys_updated_on`` / ``^ORDERBYsys_id`` (rows always come by
  ``sys_updated_on`` then ``sys_id``, a stable order offset paging needs);
* ``sysparm_limit`` (default and maximum 10000; more is clamped),
  ``sysparm_offset``, ``sysparm_fields``, ``sysparm_display_value=false``,
  ``sysparm_exclude_reference_link``;
* ``{"result": [...]}`` with ``X-Total-Count`` and an RFC 8288 ``Link``
  header (``first``, ``prev``, ``next`` while more remain, ``last``);
* ``GET /api/now/table/sys_audit`` with
  ``tablename=incident^fieldname=state^documentkeyIN<id>,<id>`` (or
  ``documentkey=<id>``) and ``^ORDERBYsys_created_on``;
* ``GET /api/now/table/incident/<sys_id>`` and ``/sys_user/<sys_id>``
  (``{"result": {...}}``; 404 ``No Record found``);
* errors as ``{"error": {"message", "detail"}, "status": "failure"}``; 401
  on bad credentials and on every request of a tenant whose password expired.

Deliberately stricter than ServiceNow: a query term the simulator does not
understand is a 400, where a real instance silently ignores an invalid
field and returns *everything* -- a connector bug should fail loudly here.
Not ServiceNow: ``GET /healthz``; without a lower ``sys_updated_on`` bound
only the last 60 days are served; ``sys_audit`` needs a document filter.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from ssc_pipeline.simulators.faults import ERROR_FAULTS, request_key
from ssc_pipeline.simulators.http_server import (
    BackgroundSimulator,
    FaultInjectingHandler,
    basic_credentials_match,
    run_simulator_cli,
)
from ssc_pipeline.simulators.incident_generator import LOOKBACK, find_ticket
from ssc_pipeline.simulators.servicenow_render import (
    render_servicenow,
    render_sys_user,
    servicenow_incidents_modified_between,
    state_audit_rows,
)
from ssc_pipeline.sources.servicenow.streams import parse_servicenow_ts

__all__ = ["ServiceNowTenant", "ServiceNowSimulator", "MAX_LIMIT", "main"]

MAX_LIMIT = 10000
_TENANT_PATH = re.compile(r"^/([A-Za-z0-9_-]+)(/api/now/[A-Za-z0-9/_-]*)$")
_TABLE_PATH = re.compile(r"^/api/now/table/(incident|sys_audit|sys_user)(?:/([0-9a-f]{32}))?$")
_TERM = re.compile(r"^([a-z_]+?)(IN|>=|<=|>|<|=)(.*)$")
_GS_DATE = re.compile(r"^javascript:gs\.dateGenerate\('(\d{4}-\d\d-\d\d)','(\d\d:\d\d:\d\d)'\)$")
_SYS_ID = re.compile(r"^[0-9a-f]{32}$")
_EPSILON = timedelta(microseconds=1)
_INCIDENT_OPTIONAL = ("hold_reason", "assignment_group.link")
_AUDIT_OPTIONAL = ("user", "reason")
_USER_OPTIONAL = ("first_name", "last_name")
_EXTRA = ("u_simulator_extra", "unexpected")


@dataclass(frozen=True)
class ServiceNowTenant:
    """One organisation's simulated ServiceNow instance: credentials and generator knobs."""

    org_code: str
    username: str
    password: str = field(repr=False)
    seed: int = 0
    tickets_per_weekday: int = 25
    password_expired: bool = False  # every request is then a 401


class _BadRequest(Exception):
    """A request ServiceNow would answer with 400 (or this simulator refuses to guess about)."""


def _moment(raw: str) -> datetime:
    match = _GS_DATE.match(raw)
    text = f"{match.group(1)} {match.group(2)}" if match else raw
    try:
        return parse_servicenow_ts(text)
    except ValueError as exc:
        raise _BadRequest(f"Invalid date-time '{raw}' in sysparm_query") from exc


def _terms(query: str) -> tuple[list[tuple[str, str, str]], list[str]]:
    """``a>1^b=2^ORDERBYc`` -> ([(a, >, 1), (b, =, 2)], [c]); OR-queries are refused."""
    conditions: list[tuple[str, str, str]] = []
    order: list[str] = []
    for term in filter(None, (t.strip() for t in query.split("^"))):
        if term.startswith("ORDERBY") and not term.startswith("ORDERBYDESC"):
            order.append(term[len("ORDERBY") :])
            continue
        if term.startswith(("OR", "NQ")):  # OR terms, NQ (new query) and ORDERBYDESC
            raise _BadRequest(f"Unsupported query term '{term}' (this simulator: AND terms, ascending ORDERBY only)")
        match = _TERM.match(term)
        if match is None:
            raise _BadRequest(f"Malformed query term '{term}'")
        conditions.append((match.group(1), match.group(2), match.group(3)))
    return conditions, order


def _incident_window(query: str, now: datetime) -> tuple[datetime, datetime]:
    """``sys_updated_on`` terms -> (exclusive lower, inclusive upper) bound."""
    lower, upper = now - LOOKBACK, now
    conditions, order = _terms(query)
    for name in order:
        if name not in ("sys_updated_on", "sys_id"):
            raise _BadRequest(f"Unsupported ORDERBY field '{name}' on incident")
    for name, op, raw in conditions:
        if name != "sys_updated_on" or op not in (">", ">=", "<", "<="):
            raise _BadRequest(
                f"Unsupported incident query term '{name}{op}{raw}' (supported: sys_updated_on with >, >=, <, <=)"
            )
        moment = _moment(raw)
        if op == ">":
            lower = max(lower, moment)
        elif op == ">=":
            lower = max(lower, moment - _EPSILON)
        elif op == "<=":
            upper = min(upper, moment)
        else:
            upper = min(upper, moment - _EPSILON)
    return lower, upper


def _audit_documents(query: str) -> list[str]:
    """The document keys a ``sys_audit`` query on ``incident.state`` asks for."""
    conditions, order = _terms(query)
    if any(name != "sys_created_on" for name in order):
        raise _BadRequest("Unsupported ORDERBY on sys_audit (supported: sys_created_on)")
    keys: list[str] | None = None
    for name, op, raw in conditions:
        if (name, op) in (("tablename", "="), ("fieldname", "=")):
            if raw != {"tablename": "incident", "fieldname": "state"}[name]:
                raise _BadRequest(f"This simulator audits only incident.state, not {name}={raw}")
        elif name == "documentkey" and op in ("IN", "="):
            keys = [k.strip() for k in raw.split(",") if k.strip()] if op == "IN" else [raw.strip()]
        else:
            raise _BadRequest(f"Unsupported sys_audit query term '{name}{op}{raw}'")
    if not keys:
        raise _BadRequest("sys_audit queries need documentkey=<sys_id> or documentkeyIN<ids>")
    if not all(_SYS_ID.match(k) for k in keys):
        raise _BadRequest("documentkey values must be 32-character sys_ids")
    return keys


def _int(params: Mapping[str, str], name: str, default: int) -> int:
    raw = params.get(name, "")
    try:
        value = int(raw) if raw != "" else default
    except ValueError:
        raise _BadRequest(f"{name} must be an integer, got '{raw}'") from None
    if value < (1 if name == "sysparm_limit" else 0):
        raise _BadRequest(f"{name} out of range: {value}")
    return value


def _shape(row: dict[str, Any], params: Mapping[str, str]) -> dict[str, Any]:
    """Apply ``sysparm_fields`` and ``sysparm_exclude_reference_link``."""
    wanted = [f.strip() for f in params.get("sysparm_fields", "").split(",") if f.strip()]
    if wanted:
        row = {name: row.get(name, "") for name in wanted}
    if params.get("sysparm_exclude_reference_link", "").lower() == "true":
        row = {k: (v["value"] if isinstance(v, dict) and "value" in v else v) for k, v in row.items()}
    return row


class _Handler(FaultInjectingHandler):
    server_version = "ServiceNow-simulator/1.0"

    def error_body(self, status: int, message: str) -> bytes:
        detail = {
            401: "Required to provide Auth information",
            404: "Record doesn't exist or ACL restricts the record retrieval",
        }.get(status, "")
        return json.dumps({"error": {"message": message, "detail": detail}, "status": "failure"}).encode("utf-8")

    def route_get(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/healthz":
            self.send_bytes(200, b"ok", content_type="text/plain")
            return
        match = _TENANT_PATH.match(url.path)
        tenant = self.server.tenants.get(match.group(1).lower()) if match else None
        if match is None or tenant is None:  # another instance, really: say so plainly
            self.send_error_json(404, f"No such instance or path: {url.path}")
            return
        challenge = {"WWW-Authenticate": 'BASIC realm="Service-now"'}
        if not basic_credentials_match(self.headers.get("Authorization", ""), tenant.username, tenant.password):
            self.send_error_json(401, "User Not Authenticated", headers=challenge)
            return
        if tenant.password_expired:
            self.send_bytes(
                401,
                json.dumps(
                    {
                        "error": {
                            "message": "User Not Authenticated",
                            "detail": "Password has expired; the integration user must set a new password",
                        },
                        "status": "failure",
                    }
                ).encode("utf-8"),
                headers=challenge,
            )
            return
        endpoint = match.group(2).rstrip("/")
        pairs = parse_qsl(url.query, keep_blank_values=True)
        params = dict(pairs)
        key = request_key(tenant.org_code, endpoint, {k: [v] for k, v in pairs})
        kind = self.draw_fault(key)
        if kind in ERROR_FAULTS:
            return
        table = _TABLE_PATH.match(endpoint)
        if table is None:
            self.send_error_json(400, "Requested URI does not represent any resource")
            return
        try:
            if params.get("sysparm_display_value", "false").lower() != "false":
                raise _BadRequest("sysparm_display_value other than false is not simulated")
            name, sys_id = table.groups()
            if sys_id is not None:
                self._one(tenant, name, sys_id, params, key, kind)
            elif name == "incident":
                self._incidents(tenant, endpoint, pairs, params, key, kind)
            elif name == "sys_audit":
                self._audit(tenant, endpoint, pairs, params, key, kind)
            else:
                raise _BadRequest("Listing sys_user is not simulated; get one user by sys_id")
        except _BadRequest as exc:
            self.send_error_json(400, str(exc))

    def _one(
        self, tenant: ServiceNowTenant, table: str, sys_id: str, params: Mapping[str, str], key: str, kind: str | None
    ) -> None:
        now = self.server.now()
        row: dict[str, Any] | None = None
        if table == "sys_user":
            row = render_sys_user(tenant.org_code, sys_id, seed=tenant.seed)
        elif table == "incident":
            ticket = find_ticket(
                tenant.org_code, sys_id, now, seed=tenant.seed, tickets_per_weekday=tenant.tickets_per_weekday
            )
            row = render_servicenow(ticket, now) if ticket is not None else None
        if row is None:
            self.send_error_json(404, "No Record found")
            return
        optional = _INCIDENT_OPTIONAL if table == "incident" else _USER_OPTIONAL
        self.send_records(
            200,
            {"result": _shape(row, params)},
            kind=kind,
            page_key=key,
            extra_field=_EXTRA,
            optional_fields=optional,
            records=lambda payload: [payload["result"]],
        )

    def _incidents(
        self,
        tenant: ServiceNowTenant,
        endpoint: str,
        pairs: Sequence[tuple[str, str]],
        params: Mapping[str, str],
        key: str,
        kind: str | None,
    ) -> None:
        now = self.server.now()
        lower, upper = _incident_window(params.get("sysparm_query", ""), now)
        rows = servicenow_incidents_modified_between(
            tenant.org_code, lower, upper, now, seed=tenant.seed, tickets_per_weekday=tenant.tickets_per_weekday
        )
        self._page(tenant, endpoint, pairs, params, key, kind, rows, _INCIDENT_OPTIONAL)

    def _audit(
        self,
        tenant: ServiceNowTenant,
        endpoint: str,
        pairs: Sequence[tuple[str, str]],
        params: Mapping[str, str],
        key: str,
        kind: str | None,
    ) -> None:
        now = self.server.now()
        rows: list[dict[str, Any]] = []
        for document in dict.fromkeys(_audit_documents(params.get("sysparm_query", ""))):
            ticket = find_ticket(
                tenant.org_code, document, now, seed=tenant.seed, tickets_per_weekday=tenant.tickets_per_weekday
            )
            if ticket is not None:
                rows += state_audit_rows(ticket, now)
        rows.sort(key=lambda r: (r["sys_created_on"], r["documentkey"], int(r["record_checkpoint"])))
        self._page(tenant, endpoint, pairs, params, key, kind, rows, _AUDIT_OPTIONAL)

    def _page(
        self,
        tenant: ServiceNowTenant,
        endpoint: str,
        pairs: Sequence[tuple[str, str]],
        params: Mapping[str, str],
        key: str,
        kind: str | None,
        rows: list[dict[str, Any]],
        optional: Sequence[str],
    ) -> None:
        limit = min(_int(params, "sysparm_limit", MAX_LIMIT), MAX_LIMIT)
        offset = _int(params, "sysparm_offset", 0)
        total = len(rows)
        page = [_shape(row, params) for row in rows[offset : offset + limit]]
        base = f"{self.server.base_url}/{tenant.org_code.lower()}{endpoint}"

        def link(at: int) -> str:
            query = [(k, v) for k, v in pairs if k not in ("sysparm_offset", "sysparm_limit")]
            return f"{base}?{urlencode([*query, ('sysparm_offset', at), ('sysparm_limit', limit)])}"

        links = [(link(0), "first")]
        if offset > 0:
            links.append((link(max(0, offset - limit)), "prev"))
        if offset + limit < total:
            links.append((link(offset + limit), "next"))
        links.append((link(max(0, (total - 1) // limit * limit)), "last"))
        headers = (("X-Total-Count", str(total)), ("Link", ",".join(f'<{url}>;rel="{rel}"' for url, rel in links)))
        previous = None
        if offset >= limit:
            previous = request_key(
                tenant.org_code, endpoint, {**{k: [v] for k, v in pairs}, "sysparm_offset": [str(offset - limit)]}
            )
        self.send_records(
            200,
            {"result": page},
            kind=kind,
            page_key=key,
            headers=headers,
            previous_page_key=previous,
            extra_field=_EXTRA,
            optional_fields=optional,
            records=lambda payload: payload["result"],
        )


class ServiceNowSimulator(BackgroundSimulator):
    """Serves simulated ServiceNow instances on one local port, in a daemon thread.

    ``faults`` (a ``FaultPlan``) makes it misbehave on purpose; see ``faults``.
    """

    handler_class = _Handler
    thread_name = "servicenow-simulator"

    def tenant_url(self, org_code: str) -> str:
        """The URL standing in for ``https://<org>.service-now.com`` of one organisation."""
        return f"{self.base_url}/{org_code.lower()}"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ssc_pipeline.simulators.servicenow --port N --tenant CODE:USER:PASSWORD ...``.

    ``--faults JSON`` (default: ``$SSC_SIMULATOR_FAULTS``) switches faults on;
    ``--password-expired CODE`` makes that tenant answer 401 to everything.
    """
    return run_simulator_cli(argv, name="ServiceNow", simulator=ServiceNowSimulator, tenant=ServiceNowTenant)


if __name__ == "__main__":
    raise SystemExit(main())
