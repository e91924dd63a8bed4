"""Deterministic service-desk tickets, the ground truth behind the TOPdesk simulator.

Why deterministic: the simulator, the demo and the tests must agree on every
ticket without sharing state. A ticket is a pure function of
``(seed, org_code, day, index)``: each day's tickets come from a
``random.Random`` seeded with a SHA-256 of ``"{seed}:{ORG}:{day}"`` (never
Python's salted ``hash()``), so two processes -- the simulator serving HTTP
and a test computing the expected answer -- produce identical data.

A ticket's whole life (response, on-hold period, resolution, closing) is
decided when it is generated; each simulator renders it as its system would
at a given moment (``topdesk_render``, ``servicenow_render``), showing only the
events up to then. Every ticket's last
event is at most ``MAX_TICKET_LIFETIME`` after it was opened, which is what
lets ``incidents_modified_between`` look back a bounded number of days.

On-hold periods: 0-2 per ticket, each inside the ticket's life (after the
first response, before resolution). The second period is drawn from its own
``Random`` (seeded from the ticket's identity), so adding it did not shift the
random stream -- every other property of every ticket is what it was when a
ticket had at most one hold. ``SimTicket.on_hold_from``/``on_hold_until`` are
the first period (kept for existing callers); ``SimTicket.holds`` has them all.

Simplification, on purpose: the target is a calendar offset per priority
(real TOPdesk uses the service window).
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from ssc_pipeline.codes import PRIORITIES
from ssc_pipeline.simulators.vocabulary import CATEGORIES, FIRST_NAMES, LAST_NAMES

__all__ = [
    "SimTicket",
    "generate_day",
    "CATEGORY_TO_SERVICE_CODE",
    "MAX_TICKET_LIFETIME",
    "HoldInterval",
    "hold_intervals_as_of",
    "tickets_modified_between",
    "visible_events",
    "find_ticket",
    "find_caller",
    "FIND_HORIZON_DAYS",
    "stable_uuid",
]

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MAX_TICKET_LIFETIME = timedelta(days=45)
LOOKBACK = timedelta(days=60)
_MAX_RESOLUTION = timedelta(days=40)
FIND_HORIZON_DAYS = 400  # how far back ``find_ticket`` looks for a ticket id

HoldInterval = tuple[datetime, datetime | None]

_PRIORITY_WEIGHTS = (3, 12, 50, 35)
# (response minutes range, resolution hours range, calendar target) per priority
_PRIORITY_TIMING: dict[str, tuple[tuple[float, float], tuple[float, float], timedelta]] = {
    "P1": ((2, 30), (0.5, 8), timedelta(hours=4)),
    "P2": ((5, 120), (2, 48), timedelta(days=1)),
    "P3": ((10, 480), (4, 240), timedelta(days=3)),
    "P4": ((15, 960), (24, 480), timedelta(days=10)),
}

_CATEGORY_NAMES = tuple(CATEGORIES)
_CATEGORY_WEIGHTS = tuple(c[1] for c in CATEGORIES.values())
CATEGORY_TO_SERVICE_CODE: dict[str, str] = {name: c[0] for name, c in CATEGORIES.items()}

_CALLERS_PER_ORG = 150


@dataclass(frozen=True)
class SimTicket:
    """One ticket's complete life, decided at generation time (all datetimes aware, UTC).

    For a cancelled ticket ``resolved_at`` and ``closed_at`` are the moment of
    cancelling: TOPdesk marks it completed and closed then, but it carries no
    resolution meaning and SLA marts exclude it.
    """

    org_code: str
    ticket_id: str
    number: str
    opened_at: datetime
    first_response_at: datetime | None
    on_hold_from: datetime | None
    on_hold_until: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    cancelled: bool
    priority: str
    category: str
    subcategory: str
    operator_group: str
    caller_id: str
    caller_name: str
    caller_email: str
    feedback_rating: int | None
    brief_description: str
    target_at: datetime
    holds: tuple[tuple[datetime, datetime], ...] = ()
    sequence: int = 0  # 1-based position among the tickets opened that day

    def __post_init__(self) -> None:
        if not self.holds and self.on_hold_from is not None and self.on_hold_until is not None:
            object.__setattr__(self, "holds", ((self.on_hold_from, self.on_hold_until),))

    @property
    def service_category(self) -> str:
        """Alias of ``category`` (the TOPdesk category name)."""
        return self.category

    @property
    def service_code(self) -> str:
        """The SSC-wide service code (DESIGN 4.2) this category maps onto."""
        return CATEGORY_TO_SERVICE_CODE[self.category]

    @property
    def last_event_at(self) -> datetime:
        """When the ticket last changes, ever."""
        events = (
            self.opened_at,
            self.first_response_at,
            self.resolved_at,
            self.closed_at,
            *(moment for hold in self.holds for moment in hold),
        )
        return max(e for e in events if e is not None)


# --------------------------------------------------------------------------- helpers


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def _rng(text: str) -> random.Random:
    """A Random seeded from a stable hash; identical in every process and Python version."""
    return random.Random(int.from_bytes(_digest(text)[:8], "big"))


@lru_cache(maxsize=4096)
def stable_uuid(text: str) -> str:
    return str(uuid.UUID(bytes=_digest(text)[:16], version=4))


def _email(first: str, last: str, org: str) -> str:
    local = f"{first}.{last.replace(' ', '')}".lower()
    return f"{local}@{org.lower()}.example.nl"


@lru_cache(maxsize=256)
def _callers(seed: int, org: str) -> tuple[tuple[str, str, str], ...]:
    """The organisation's recurring callers as (id, name, email): the same people call again."""
    rng = _rng(f"{seed}:{org}:callers")
    names: list[str] = []
    while len(names) < _CALLERS_PER_ORG:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if name not in names:
            names.append(name)
    result = []
    for name in names:
        first, last = name.split(" ", 1)
        result.append((stable_uuid(f"{seed}:{org}:caller:{name}"), name, _email(first, last, org)))
    return tuple(result)


def _log_uniform(rng: random.Random, low: float, high: float) -> float:
    """Durations are skewed: many quick tickets, a long tail of slow ones."""
    return low * (high / low) ** rng.random()


def _open_times(rng: random.Random, day: date, count: int, weekday: bool) -> list[datetime]:
    """Opening moments: mostly within office hours (08:00-17:00 local) on weekdays."""
    seconds = []
    for _ in range(count):
        if weekday and rng.random() < 0.88:
            seconds.append(rng.randrange(8 * 3600, 17 * 3600))
        else:
            seconds.append(rng.randrange(0, 24 * 3600))
    midnight = datetime.combine(day, time(0), tzinfo=AMSTERDAM)
    return [(midnight + timedelta(seconds=s)).astimezone(timezone.utc) for s in sorted(seconds)]


def _number(day: date, index: int) -> str:
    """``I yymm dd<index>``: unique within org and month without a counter across days."""
    seq = f"{day.day * 100 + index:04d}" if index < 100 else f"{day.day:02d}{index:04d}"
    return f"I {day:%y%m} {seq}"


def _second_hold(
    org: str, seed: int, day: date, index: int, opened: datetime, first_until: datetime, resolved: datetime | None
) -> tuple[datetime, datetime] | None:
    """About a third of held tickets wait a second time, if it fits before the resolution."""
    rng = _rng(f"{seed}:{org}:{day.isoformat()}:{index}:second-hold")
    if rng.random() >= 0.35:
        return None
    start = first_until + timedelta(seconds=int(rng.uniform(10 * 60, 24 * 3600)))
    end = start + timedelta(seconds=int(rng.uniform(30 * 60, 48 * 3600)))
    limit = resolved if resolved is not None else opened + MAX_TICKET_LIFETIME
    return (start, end) if end < limit else None


def _make_ticket(rng: random.Random, org: str, seed: int, day: date, index: int, opened: datetime) -> SimTicket:
    priority = rng.choices(PRIORITIES, weights=_PRIORITY_WEIGHTS)[0]
    category = rng.choices(_CATEGORY_NAMES, weights=_CATEGORY_WEIGHTS)[0]
    _, _, subcategories, group, descriptions = CATEGORIES[category]
    subcategory = rng.choice(subcategories)
    description = rng.choice(descriptions)
    caller_id, caller_name, caller_email = rng.choice(_callers(seed, org))
    (resp_lo, resp_hi), (res_lo, res_hi), target = _PRIORITY_TIMING[priority]

    def after(start: datetime, delta: timedelta) -> datetime:
        return start + timedelta(seconds=max(1, int(delta.total_seconds())))

    cancelled = rng.random() < 0.02
    never_resolved = not cancelled and rng.random() < 0.05
    responded = after(opened, timedelta(minutes=_log_uniform(rng, resp_lo, resp_hi)))
    response: datetime | None = responded
    hold_from: datetime | None = None
    hold_until: datetime | None = None
    resolved: datetime | None = None
    closed: datetime | None = None
    rating: int | None = None
    if cancelled:
        resolved = closed = after(opened, timedelta(minutes=rng.uniform(5, 24 * 60)))
        if responded >= resolved:
            response = None
    else:
        if rng.random() < 0.15:
            hold_from = after(responded, timedelta(minutes=rng.uniform(5, 8 * 60)))
            hold_until = after(hold_from, timedelta(minutes=rng.uniform(30, 72 * 60)))
        if not never_resolved:
            duration = timedelta(hours=_log_uniform(rng, res_lo, res_hi))
            resolved = after(opened, min(duration, _MAX_RESOLUTION))
            earliest = hold_until or responded
            if resolved <= earliest:
                resolved = after(earliest, timedelta(minutes=rng.uniform(10, 240)))
            if rng.random() < 0.9:
                closed = after(resolved, timedelta(hours=rng.uniform(0, 72)))
                if rng.random() < 0.3:
                    rating = rng.choices((1, 2, 3, 4, 5), weights=(3, 5, 12, 40, 40))[0]
    holds: tuple[tuple[datetime, datetime], ...] = ()
    if hold_from is not None and hold_until is not None:
        second = _second_hold(org, seed, day, index, opened, hold_until, resolved)
        holds = ((hold_from, hold_until),) + ((second,) if second else ())
    ticket = SimTicket(
        org_code=org,
        ticket_id=stable_uuid(f"{seed}:{org}:{day.isoformat()}:{index}"),
        number=_number(day, index),
        opened_at=opened,
        first_response_at=response,
        on_hold_from=hold_from,
        on_hold_until=hold_until,
        resolved_at=resolved,
        closed_at=closed,
        cancelled=cancelled,
        priority=priority,
        category=category,
        subcategory=subcategory,
        operator_group=group,
        caller_id=caller_id,
        caller_name=caller_name,
        caller_email=caller_email,
        feedback_rating=rating,
        brief_description=description,
        target_at=opened + target,
        holds=holds,
        sequence=index,
    )
    if ticket.last_event_at - opened > MAX_TICKET_LIFETIME:  # pragma: no cover - guard
        raise AssertionError(f"ticket {ticket.number} outlives {MAX_TICKET_LIFETIME}")
    return ticket


@lru_cache(maxsize=8192)
def _generate_day_cached(org: str, day: date, seed: int, tickets_per_weekday: int) -> tuple[SimTicket, ...]:
    rng = _rng(f"{seed}:{org}:{day.isoformat()}")
    weekday = day.weekday() < 5
    expected = tickets_per_weekday if weekday else tickets_per_weekday * 0.1
    count = max(0, round(expected * rng.uniform(0.7, 1.3)))
    opened = _open_times(rng, day, count, weekday)
    return tuple(_make_ticket(rng, org, seed, day, i, t) for i, t in enumerate(opened, start=1))


# --------------------------------------------------------------------------- public API


def generate_day(org_code: str, day: date, *, seed: int = 0, tickets_per_weekday: int = 25) -> list[SimTicket]:
    """All tickets opened on local (Europe/Amsterdam) ``day`` for ``org_code``, by opening time.

    ``org_code`` is case-insensitive. Weekdays get ``tickets_per_weekday`` +-30 %,
    weekend days about a tenth of that.
    """
    if tickets_per_weekday < 0:
        raise ValueError("tickets_per_weekday must not be negative")
    return list(_generate_day_cached(org_code.upper(), day, seed, tickets_per_weekday))


def hold_intervals_as_of(ticket: SimTicket, now: datetime) -> list[HoldInterval]:
    """The on-hold periods begun by ``now``; one still running has end ``None``.

    This is the ground truth the connectors' hold derivation (TOPdesk progress
    trail, ServiceNow ``sys_audit``) must reproduce.
    """
    return [(start, end if end <= now else None) for start, end in ticket.holds if start <= now]


def visible_events(ticket: SimTicket, now: datetime) -> list[datetime]:
    """Every moment the ticket changed up to ``now`` (its max is the modification timestamp)."""
    events = [
        ticket.opened_at,
        ticket.first_response_at,
        ticket.resolved_at,
        ticket.closed_at,
        *(moment for hold in ticket.holds for moment in hold),
    ]
    return sorted(e for e in events if e is not None and e <= now)


def tickets_modified_between(
    org_code: str, gt: datetime, le: datetime, now: datetime, *, seed: int = 0, tickets_per_weekday: int = 25
) -> list[SimTicket]:
    """Tickets whose last change as of ``now`` lies in ``(gt, le]``, by (that moment, id).

    Source-neutral, so every simulator's ground truth is the same set of
    tickets. Only days from ``gt - 60 days`` up to the local date of
    ``min(le, now)`` can hold such tickets (lifetime <= 45 days, and nothing
    opens after ``now``).
    """
    for name, value in (("gt", gt), ("le", le), ("now", now)):
        if value.tzinfo is None:
            raise ValueError(f"{name} must be timezone-aware")
    if gt >= le:
        return []
    day = (gt - LOOKBACK).astimezone(AMSTERDAM).date()
    last = min(le, now).astimezone(AMSTERDAM).date()
    found: list[tuple[datetime, str, SimTicket]] = []
    while day <= last:
        for ticket in _generate_day_cached(org_code.upper(), day, seed, tickets_per_weekday):
            if gt - MAX_TICKET_LIFETIME < ticket.opened_at <= min(le, now):
                modified = visible_events(ticket, now)[-1]
                if gt < modified <= le:
                    found.append((modified, ticket.ticket_id, ticket))
        day += timedelta(days=1)
    found.sort(key=lambda item: (item[0], item[1]))
    return [ticket for _, _, ticket in found]


@lru_cache(maxsize=8192)
def _day_index(org: str, day: date, seed: int, tickets_per_weekday: int) -> dict[str, SimTicket]:
    return {t.ticket_id: t for t in _generate_day_cached(org, day, seed, tickets_per_weekday)}


def find_ticket(
    org_code: str, ticket_id: str, now: datetime, *, seed: int = 0, tickets_per_weekday: int = 25
) -> SimTicket | None:
    """The ticket with ``ticket_id`` (a UUID; 32-hex ServiceNow form accepted), if opened by ``now``.

    Ids are hashes, so this searches day by day backwards from ``now`` over at
    most ``FIND_HORIZON_DAYS`` days (per-day indexes are cached); that is what
    lets a simulator answer ``/incidents/id/{id}/...`` without keeping state.
    """
    try:
        wanted = str(uuid.UUID(ticket_id.strip()))
    except ValueError:
        return None
    org = org_code.upper()
    day = now.astimezone(AMSTERDAM).date()
    for _ in range(FIND_HORIZON_DAYS):
        ticket = _day_index(org, day, seed, tickets_per_weekday).get(wanted)
        if ticket is not None:
            return ticket if ticket.opened_at <= now else None
        day -= timedelta(days=1)
    return None


def find_caller(org_code: str, caller_id: str, *, seed: int = 0) -> tuple[str, str, str] | None:
    """``(id, name, email)`` of one of the organisation's recurring callers (UUID or 32-hex id)."""
    try:
        wanted = str(uuid.UUID(caller_id.strip()))
    except ValueError:
        return None
    return next((c for c in _callers(seed, org_code.upper()) if c[0] == wanted), None)
