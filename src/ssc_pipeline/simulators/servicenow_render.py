"""The generator's tickets as ServiceNow would show them: incident rows, state audit, users.

Why a renderer and not a second generator: the TOPdesk and ServiceNow
simulators serve the *same* deterministic tickets (``incident_generator``),
so one set of ground-truth functions and one set of SLA expectations cover
both sources; only the wire format differs.

Rendering choices (a typical SSC instance, documented so staging can rely on them):

* ``sys_id`` is the ticket UUID as 32 hex digits; ``number`` is
  ``INC`` + 7 digits: days since 2020-01-01 times 1000 plus the ticket's
  sequence that day (unique per organisation, increasing with time).
* Every value is a string; empty is ``""`` (also for an empty reference).
  Date-times are UTC ``YYYY-MM-DD HH:MM:SS``.
* ``state``: 1 New, 2 In Progress (from the first response), 3 On Hold
  (``hold_reason`` "1" = Awaiting Caller while held, else ""), 6 Resolved,
  7 Closed, 8 Canceled (then ``closed_at`` is the cancelling moment and
  ``resolved_at`` stays empty: a cancel is no resolution).
* ``priority`` "1".."4" is the SSC's P1..P4, with the OOB impact/urgency pair
  that yields it.
* ``category``: Werkplek -> hardware, Applicaties -> software, Accounts en
  toegang -> access, Netwerk -> network, Telefonie -> telephony, Printen ->
  printing, Facilitair -> facilities, Overig -> inquiry ("database" exists in
  the mapping but the generator never picks it).
* ``u_first_response_at``: the custom field many SSCs add because OOB
  ServiceNow has no first-response timestamp on the incident (it lives in
  task_sla or the audit); "" until the first response.
* Reference fields are ``{"link", "value"}``; links name the organisation's
  production-like instance (``https://<org>.service-now.com``), not the
  simulator's port, so served rows equal the ground truth in any run.
* ``sys_audit`` rows exist for every change of ``state`` (inserts are not
  audited, as with ``glide.sys.audit_inserts`` off).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from ssc_pipeline.simulators.incident_generator import (
    AMSTERDAM,
    SimTicket,
    find_caller,
    hold_intervals_as_of,
    tickets_modified_between,
    visible_events,
)
from ssc_pipeline.sources.servicenow.streams import (
    STATE_CANCELED,
    STATE_CLOSED,
    STATE_IN_PROGRESS,
    STATE_NEW,
    STATE_ON_HOLD,
    STATE_RESOLVED,
    format_servicenow_ts,
)

__all__ = [
    "render_servicenow",
    "state_audit_rows",
    "render_sys_user",
    "servicenow_sys_id",
    "servicenow_incidents_modified_between",
    "instance_url",
    "CATEGORY_TO_SERVICENOW",
    "SERVICE_DESK_USER",
]

CATEGORY_TO_SERVICENOW: dict[str, str] = {
    "Werkplek": "hardware",
    "Applicaties": "software",
    "Accounts en toegang": "access",
    "Netwerk": "network",
    "Telefonie": "telephony",
    "Printen": "printing",
    "Facilitair": "facilities",
    "Overig": "inquiry",
}
_IMPACT_URGENCY = {"P1": ("1", "1"), "P2": ("1", "2"), "P3": ("2", "2"), "P4": ("2", "3")}
_NUMBER_EPOCH = date(2020, 1, 1)
_NAMESPACE = uuid.UUID("6f1d7c2e-5b0a-4c1e-9a57-3d2f8e6b1c40")
SERVICE_DESK_USER = "ssc.servicedesk"  # the integration/agent account that changes states
HOLD_REASON_AWAITING_CALLER = "1"


def servicenow_sys_id(uuid_text: str) -> str:
    """A UUID as ServiceNow's 32 lower-case hex digits."""
    return uuid.UUID(uuid_text).hex


def _derived_id(*parts: str) -> str:
    return uuid.uuid5(_NAMESPACE, ":".join(parts)).hex


def instance_url(org_code: str) -> str:
    return f"https://{org_code.lower()}.service-now.com"


def _ref(org: str, table: str, sys_id: str) -> dict[str, str]:
    return {"link": f"{instance_url(org)}/api/now/table/{table}/{sys_id}", "value": sys_id}


def _user_name(email: str) -> str:
    return email.split("@", 1)[0]


def _ts(moment: datetime | None, now: datetime) -> str:
    return format_servicenow_ts(moment) if moment is not None and moment <= now else ""


def _transitions(ticket: SimTicket) -> list[tuple[datetime, str]]:
    """Every state change of the ticket's whole life, in order."""
    changes: list[tuple[datetime, str]] = []
    if ticket.first_response_at is not None:  # a cancelled ticket may never have been answered
        changes.append((ticket.first_response_at, STATE_IN_PROGRESS))
    for start, end in ticket.holds:
        changes += [(start, STATE_ON_HOLD), (end, STATE_IN_PROGRESS)]
    if ticket.cancelled and ticket.resolved_at is not None:
        changes.append((ticket.resolved_at, STATE_CANCELED))
    else:
        if ticket.resolved_at is not None:
            changes.append((ticket.resolved_at, STATE_RESOLVED))
        if ticket.closed_at is not None:
            changes.append((ticket.closed_at, STATE_CLOSED))
    return sorted(changes)


def _state(ticket: SimTicket, now: datetime) -> str:
    state = STATE_NEW
    for moment, new in _transitions(ticket):
        if moment <= now:
            state = new
    return state


def render_servicenow(ticket: SimTicket, now: datetime) -> dict[str, Any] | None:
    """The ``incident`` row as ``GET /api/now/table/incident`` at ``now`` returns it (None before opening)."""
    if ticket.opened_at > now:
        return None
    org = ticket.org_code
    state = _state(ticket, now)
    events = visible_events(ticket, now)
    holds = hold_intervals_as_of(ticket, now)
    responded = ticket.first_response_at is not None and ticket.first_response_at <= now
    group_id = _derived_id(org, "group", ticket.operator_group)
    agent_id = _derived_id(org, "agent", ticket.operator_group)
    caller_id = servicenow_sys_id(ticket.caller_id)
    impact, urgency = _IMPACT_URGENCY[ticket.priority]
    local_day = ticket.opened_at.astimezone(AMSTERDAM).date()  # the day the sequence counts in
    cancelled = state == STATE_CANCELED
    finished = state in (STATE_RESOLVED, STATE_CLOSED, STATE_CANCELED)
    closed_at = ticket.resolved_at if cancelled else ticket.closed_at
    description = f"{ticket.brief_description}.\n\nGemeld door {ticket.caller_name} ({ticket.caller_email})."
    return {
        "sys_id": servicenow_sys_id(ticket.ticket_id),
        "number": f"INC{(local_day - _NUMBER_EPOCH).days * 1000 + ticket.sequence:07d}",
        "short_description": ticket.brief_description,
        "description": description,
        "comments": "",
        "work_notes": "",
        "caller_id": _ref(org, "sys_user", caller_id),
        "opened_by": _ref(org, "sys_user", caller_id),
        "assignment_group": _ref(org, "sys_user_group", group_id),
        "assigned_to": _ref(org, "sys_user", agent_id) if responded else "",
        "category": CATEGORY_TO_SERVICENOW[ticket.category],
        "subcategory": ticket.subcategory.lower(),
        "priority": ticket.priority[1:],
        "impact": impact,
        "urgency": urgency,
        "state": state,
        "incident_state": state,
        "active": "false" if finished else "true",
        "hold_reason": HOLD_REASON_AWAITING_CALLER if holds and holds[-1][1] is None else "",
        "opened_at": _ts(ticket.opened_at, now),
        "u_first_response_at": _ts(ticket.first_response_at, now),
        "resolved_at": "" if cancelled else _ts(ticket.resolved_at, now),
        "closed_at": _ts(closed_at, now),
        "close_code": ("Solved (Permanently)" if finished and not cancelled else ""),
        "close_notes": ("Opgelost; melder geïnformeerd." if finished and not cancelled else ""),
        "due_date": format_servicenow_ts(ticket.target_at),
        "reopen_count": "0",
        "sys_class_name": "incident",
        "sys_created_on": _ts(ticket.opened_at, now),
        "sys_created_by": _user_name(ticket.caller_email),
        "sys_updated_on": format_servicenow_ts(events[-1]),
        "sys_updated_by": SERVICE_DESK_USER if len(events) > 1 else _user_name(ticket.caller_email),
        "sys_mod_count": str(len(events) - 1),
    }


def state_audit_rows(ticket: SimTicket, now: datetime) -> list[dict[str, Any]]:
    """``sys_audit`` rows for ``incident.state`` changes up to ``now``, oldest first."""
    rows: list[dict[str, Any]] = []
    sys_id = servicenow_sys_id(ticket.ticket_id)
    old = STATE_NEW
    for n, (moment, new) in enumerate(_transitions(ticket), start=1):
        if moment > now:
            break
        rows.append(
            {
                "sys_id": _derived_id(sys_id, "audit", str(n)),
                "tablename": "incident",
                "documentkey": sys_id,
                "fieldname": "state",
                "oldvalue": old,
                "newvalue": new,
                "sys_created_on": format_servicenow_ts(moment),
                "sys_created_by": SERVICE_DESK_USER,
                "user": SERVICE_DESK_USER,
                "record_checkpoint": str(n),
                "internal_checkpoint": f"{int(moment.timestamp() * 1000):x}",
                "reason": "",
            }
        )
        old = new
    return rows


def render_sys_user(org_code: str, sys_id: str, *, seed: int = 0) -> dict[str, Any] | None:
    """The ``sys_user`` row of one of the organisation's callers (None: no such user)."""
    caller = find_caller(org_code, sys_id, seed=seed)
    if caller is None:
        return None
    _, name, email = caller
    first, _, last = name.partition(" ")
    return {
        "sys_id": servicenow_sys_id(caller[0]),
        "user_name": _user_name(email),
        "name": name,
        "first_name": first,
        "last_name": last,
        "email": email,
        "active": "true",
    }


def servicenow_incidents_modified_between(
    org_code: str, gt: datetime, le: datetime, now: datetime, *, seed: int = 0, tickets_per_weekday: int = 25
) -> list[dict[str, Any]]:
    """Ground truth: incident rows (as of ``now``) with ``gt < sys_updated_on <= le``.

    Ordered by (``sys_updated_on``, ``sys_id``) -- the simulator's order -- and
    the same tickets as TOPdesk's ``incidents_modified_between`` for the same
    arguments, so ``len()`` is the exact count of changed records in a window.
    """
    tickets = tickets_modified_between(org_code, gt, le, now, seed=seed, tickets_per_weekday=tickets_per_weekday)
    return [row for row in (render_servicenow(t, now) for t in tickets) if row is not None]
