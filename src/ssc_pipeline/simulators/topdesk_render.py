"""A simulated ticket as TOPdesk's incident API shows it at a given moment.

``onHoldDuration`` is rendered as the summed length, in seconds, of the
finished on-hold periods (the unit the simulator documents; to be confirmed
on a live tenant, see docs/tenants.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ssc_pipeline.simulators.incident_generator import (
    SimTicket,
    hold_intervals_as_of,
    stable_uuid,
    tickets_modified_between,
    visible_events,
)
from ssc_pipeline.sources.topdesk.timestamps import format_topdesk_ts, parse_topdesk_ts

__all__ = ["PRIORITY_NAMES", "format_topdesk_ts", "incidents_modified_between", "parse_topdesk_ts", "state_as_of"]

PRIORITY_NAMES: dict[str, str] = {
    "P1": "P1 Kritiek",
    "P2": "P2 Hoog",
    "P3": "P3 Normaal",
    "P4": "P4 Laag",
}


def _ref(org: str, kind: str, name: str) -> dict[str, str]:
    """A TOPdesk ``{"id", "name"}`` reference with an id stable per tenant."""
    return {"id": stable_uuid(f"{org}:{kind}:{name}"), "name": name}


def _visible(moment: datetime | None, now: datetime) -> datetime | None:
    return moment if moment is not None and moment <= now else None


def _ts(moment: datetime | None) -> str | None:
    return format_topdesk_ts(moment) if moment is not None else None


def state_as_of(ticket: SimTicket, now: datetime) -> dict[str, Any] | None:
    """The TOPdesk incident JSON as an API call at ``now`` would return it (None before opening)."""
    if ticket.opened_at > now:
        return None
    org = ticket.org_code
    response = _visible(ticket.first_response_at, now)
    completed = _visible(ticket.resolved_at, now)
    closed = _visible(ticket.closed_at, now)
    holds = hold_intervals_as_of(ticket, now)
    modified = max(visible_events(ticket, now))
    on_hold = bool(holds) and holds[-1][1] is None
    if ticket.cancelled and completed is not None:
        status = "Geannuleerd"
    elif closed is not None:
        status = "Afgemeld"
    elif completed is not None:
        status = "Gereed"
    elif on_hold:
        status = "Wachten op gebruiker"
    elif response is not None:
        status = "In behandeling"
    else:
        status = "Aangemeld"
    held_seconds = sum(int((end - start).total_seconds()) for start, end in holds if end is not None)
    request = (
        f"Beste servicedesk,\n\n{ticket.brief_description}. Kunnen jullie mij helpen?\n\n"
        f"Met vriendelijke groet,\n{ticket.caller_name}\n{ticket.caller_email}"
    )
    return {
        "id": ticket.ticket_id,
        "number": ticket.number,
        "briefDescription": ticket.brief_description,
        "request": request,
        "caller": {
            "id": ticket.caller_id,
            "dynamicName": ticket.caller_name,
            "email": ticket.caller_email,
            "branch": _ref(org, "branch", org),
        },
        "callDate": _ts(ticket.opened_at),
        "creationDate": _ts(ticket.opened_at),
        "modificationDate": _ts(modified),
        "category": _ref(org, "category", ticket.category),
        "subcategory": _ref(org, "subcategory", ticket.subcategory),
        "priority": _ref(org, "priority", PRIORITY_NAMES[ticket.priority]),
        "processingStatus": _ref(org, "processingStatus", status),
        "operatorGroup": _ref(org, "operatorGroup", ticket.operator_group),
        "responded": response is not None,
        "responseDate": _ts(response),
        "completed": completed is not None,
        "completedDate": _ts(completed),
        "closed": closed is not None,
        "closedDate": _ts(closed),
        "onHold": on_hold,
        "onHoldDate": _ts(holds[-1][0]) if on_hold else None,
        "onHoldDuration": held_seconds,
        "feedbackRating": ticket.feedback_rating if closed is not None and not ticket.cancelled else None,
        "targetDate": _ts(ticket.target_at),
    }


def incidents_modified_between(
    org_code: str, gt: datetime, le: datetime, now: datetime, *, seed: int = 0, tickets_per_weekday: int = 25
) -> list[dict[str, Any]]:
    """TOPdesk incident JSONs (as of ``now``) with ``gt < modificationDate <= le``, by (modificationDate, id)."""
    tickets = tickets_modified_between(org_code, gt, le, now, seed=seed, tickets_per_weekday=tickets_per_weekday)
    return [state for state in (state_as_of(t, now) for t in tickets) if state is not None]
