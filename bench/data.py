"""The benchmark's load: tickets shaped exactly like the pipeline sees them, with holds and history.

Tickets come from the simulators' own generator (``incident_generator``: the
same priorities, categories, response and resolution times, 0-2 hold periods
per held ticket), so every stage works on data the pipeline really meets.
A TOPdesk record is what the connector lands: the incident JSON as the
simulator serves it at a moment (``state_as_of``), pseudonymised by the
pipeline's own ``scrub_topdesk_incident``, with its hold periods embedded as
``_holds`` (``api_records``' shape). A file-drop record is a line of
``tickets_*.csv`` / ``ticket_holds_*.csv`` (``file_drop.ticket_row``).

History: a share of the tickets is also landed in an earlier version (as it
stood halfway through its life, in a load before the current one), so raw
holds several versions per ticket and staging must pick the latest.

Generation is Python (~150 µs a record) and is never inside a timed section.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ssc_pipeline.simulators import incident_generator as gen
from ssc_pipeline.simulators.file_drop import HOLD_COLUMNS, TICKET_COLUMNS, ticket_row
from ssc_pipeline.simulators.incident_generator import SimTicket

UTC = dt.timezone.utc
PERIOD_DAYS = 365


def period_end(today: dt.date | None = None) -> dt.datetime:
    """The moment the generated history ends: midnight UTC two days ago.

    Two days back leaves room for the nightly delta (end + 1 day) to lie in the
    past, as the raw gate's "no timestamps in the future" rule wants.
    """
    today = today or dt.datetime.now(UTC).date()
    return dt.datetime.combine(today - dt.timedelta(days=2), dt.time(0), tzinfo=UTC)


def _bucket(ticket_id: str, salt: str) -> float:
    """A stable number in [0, 1) per ticket: which tickets have history, which change tonight."""
    digest = hashlib.sha256(f"{salt}:{ticket_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def org_tickets(org_code: str, count: int, end: dt.datetime, seed: int = 0) -> list[SimTicket]:
    """Exactly ``count`` tickets of one organisation, opened in the year before ``end``.

    The generator makes weekdays busy and weekends quiet; its rate is set so the
    year holds a little more than ``count`` tickets, and the surplus is thinned
    evenly over the year.
    """
    first = (end - dt.timedelta(days=PERIOD_DAYS)).date()
    days = [first + dt.timedelta(days=i) for i in range(PERIOD_DAYS)]
    weight = sum(1.0 if d.weekday() < 5 else 0.1 for d in days)
    per_weekday = max(1, int(count / weight * 1.08) + 1)
    found: list[SimTicket] = []
    for day in days:
        found.extend(
            t for t in gen.generate_day(org_code, day, seed=seed, tickets_per_weekday=per_weekday) if t.opened_at <= end
        )
    gen._generate_day_cached.cache_clear()  # keep memory flat over many organisations
    if len(found) > count:
        step = len(found) / count
        found = [found[int(i * step)] for i in range(count)]
    return found


def topdesk_record(ticket: SimTicket, as_of: dt.datetime, key: bytes) -> dict[str, Any]:
    """The record the TOPdesk connector lands for ``ticket`` as it stood at ``as_of``."""
    from ssc_pipeline.sources.topdesk.scrub import scrub_topdesk_incident

    state = gen.state_as_of(ticket, as_of)
    if state is None:
        raise ValueError(f"ticket {ticket.ticket_id} not opened by {as_of}")
    record = scrub_topdesk_incident(state, key)
    record["_holds"] = [
        {"start": start.astimezone(UTC).isoformat(), "end": end_.astimezone(UTC).isoformat() if end_ else None}
        for start, end_ in gen.hold_intervals_as_of(ticket, as_of)
    ]
    return record


@dataclass
class OrgLoad:
    """One organisation's records for the landing benchmark: earlier versions, then current ones."""

    org_code: str
    history: list[dict[str, Any]]
    current: list[dict[str, Any]]
    tickets: list[SimTicket]

    @property
    def rows(self) -> int:
        return len(self.history) + len(self.current)


def org_load(org_code: str, count: int, end: dt.datetime, key: bytes, history_share: float) -> OrgLoad:
    tickets = org_tickets(org_code, count, end)
    current = [topdesk_record(t, end, key) for t in tickets]
    history = []
    for ticket in tickets:
        if _bucket(ticket.ticket_id, "history") >= history_share:
            continue
        last = min(ticket.last_event_at, end)
        halfway = ticket.opened_at + (last - ticket.opened_at) / 2
        history.append(topdesk_record(ticket, max(halfway, ticket.opened_at), key))
    return OrgLoad(org_code, history, current, tickets)


def nightly_delta(tickets: Sequence[SimTicket], end: dt.datetime, key: bytes, share: float) -> list[dict[str, Any]]:
    """The night after ``end``: ``share`` of the tickets changed, in their state a day later.

    A ticket that had finished its life by then is "touched" (an operator's note):
    the same content with a new ``modificationDate``, as TOPdesk would re-deliver it.
    """
    as_of = end + dt.timedelta(days=1)
    delta = []
    for n, ticket in enumerate(t for t in tickets if _bucket(t.ticket_id, "changed") < share):
        record = topdesk_record(ticket, as_of, key)
        touched = end + dt.timedelta(seconds=60 + n * 7 % 80_000)
        if gen.parse_topdesk_ts(record["modificationDate"]) <= end:
            record["modificationDate"] = gen.format_topdesk_ts(touched)
        delta.append(record)
    return delta


def _text_field(value: str) -> str:
    """A value in COPY's text format: backslash, tab, newline and carriage return escaped."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_buffer(load_id: str, org_code: str, records: Sequence[dict[str, Any]]) -> bytes:
    """The same rows as a ready file in COPY's text format (the format run_load streams too):
    what a plain ``COPY ... FROM STDIN`` is fed when the data is a file already."""
    return "".join(
        f"{load_id}\t{_text_field(org_code)}\t{_text_field(r['id'])}\t{_text_field(r['modificationDate'])}\t"
        f"{_text_field(json.dumps(r))}\n"
        for r in records
    ).encode("utf-8")


# --------------------------------------------------------------------------- file drops (stage 6)


def _csv(columns: Sequence[str], rows: Iterator[Sequence[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def write_drop(
    inbox: Path, org_code: str, day: dt.date, tickets: Sequence[SimTicket], as_of: dt.datetime
) -> tuple[int, int]:
    """``tickets_<ORG>_<day>.csv`` + ``ticket_holds_<ORG>_<day>.csv`` as the organisation exports them.

    Written under a dot-name and renamed, like ``file_drop`` does; no READY marker:
    the bench triggers the nightly runs itself through the REST API.
    Returns (ticket rows, hold rows).
    """
    from ssc_pipeline.simulators.file_drop import _local

    folder = inbox / org_code
    folder.mkdir(parents=True, exist_ok=True)
    ticket_rows = [[ticket_row(t, as_of)[c] for c in TICKET_COLUMNS] for t in tickets]
    hold_rows = [
        [t.ticket_id, _local(start), _local(end)] for t in tickets for start, end in gen.hold_intervals_as_of(t, as_of)
    ]
    for name, columns, rows in (
        (f"tickets_{org_code}_{day.isoformat()}.csv", TICKET_COLUMNS, ticket_rows),
        (f"ticket_holds_{org_code}_{day.isoformat()}.csv", HOLD_COLUMNS, hold_rows),
    ):
        temporary = folder / f".{name}.tmp"
        temporary.write_bytes(_csv(columns, iter(rows)))
        temporary.replace(folder / name)
    return len(ticket_rows), len(hold_rows)
