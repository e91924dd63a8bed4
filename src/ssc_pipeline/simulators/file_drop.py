"""Deterministic file drops: what an organisation without an API would put in its inbox.

Ticket drops reuse ``incident_generator`` (the same ``SimTicket`` life for the
same seed, organisation and day), so a file-drop organisation's figures are
comparable with a TOPdesk organisation's and a test knows the ground truth
(``ticket_ids_changed``) without reading the files back.

A day's drop holds the tickets whose last change, as of the end of that day
(or ``now``, if earlier), falls on that local (Europe/Amsterdam) day, in their
state at that moment -- what an export "changed today" run at midnight gives.
Timestamps are written in local time with their offset (``+01:00``/``+02:00``),
as a Dutch system exports them; the service column carries the organisation's
own category names, which the service catalogue maps. The hold file lists
every hold period begun so far of each ticket in the ticket file.

SSC-wide service data (cost ledger, allocation keys, baselines, the yearly
klanttevredenheidsonderzoek) goes to the reserved ``SSC/`` folder of the
inbox: it is not one organisation's data. The ledger is an XLSX (a finance
department's export), the baselines a semicolon CSV with Dutch decimal commas.

Every file is written under a dot-name and renamed into place, and the
``READY`` marker is written last: a watcher that sees the marker never sees a
half-written file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import random
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from ssc_pipeline.registry import SSC_CODE as SSC_FOLDER
from ssc_pipeline.simulators.incident_generator import (
    SimTicket,
    hold_intervals_as_of,
    tickets_modified_between,
    visible_events,
)
from ssc_pipeline.sources.files.drops import READY_MARKER

__all__ = [
    "READY_MARKER",
    "SSC_FOLDER",
    "write_ticket_drop",
    "ticket_ids_changed",
    "ticket_row",
    "write_service_data",
    "cost_ledger",
    "TICKET_COLUMNS",
    "HOLD_COLUMNS",
]

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TICKET_COLUMNS = (
    "ticket_id",
    "service_code",
    "priority",
    "status",
    "opened_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "updated_at",
)
HOLD_COLUMNS = ("ticket_id", "hold_start", "hold_end")
_COST_BASE = {"personnel": 412_000, "licences": 96_500, "infrastructure": 71_250, "housing": 23_800}
_CENT = Decimal("0.01")


def _rng(text: str) -> random.Random:
    """Seeded from SHA-256, never Python's salted ``hash()``: identical in every process."""
    return random.Random(int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big"))


def _day_bounds(day: date, now: datetime | None) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=AMSTERDAM).astimezone(timezone.utc)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=AMSTERDAM).astimezone(timezone.utc)
    if now is not None and now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return start, min(end, now) if now is not None else end


def _changed(
    org_code: str, day: date, seed: int, tickets_per_weekday: int, now: datetime | None
) -> tuple[list[SimTicket], datetime]:
    start, as_of = _day_bounds(day, now)
    tickets = tickets_modified_between(
        org_code, start, as_of, as_of, seed=seed, tickets_per_weekday=tickets_per_weekday
    )
    return tickets, as_of


def ticket_ids_changed(
    org_code: str, day: date, *, seed: int = 0, tickets_per_weekday: int = 25, now: datetime | None = None
) -> list[str]:
    """Ground truth: the ticket ids ``write_ticket_drop`` puts in that day's ticket file."""
    return [t.ticket_id for t in _changed(org_code, day, seed, tickets_per_weekday, now)[0]]


def _local(moment: datetime | None) -> str:
    return moment.astimezone(AMSTERDAM).isoformat(timespec="seconds") if moment is not None else ""


def _status(ticket: SimTicket, as_of: datetime) -> str:
    """The canonical status (DESIGN §4.2) the ticket has at ``as_of``."""
    holds = hold_intervals_as_of(ticket, as_of)

    def seen(moment: datetime | None) -> bool:
        return moment is not None and moment <= as_of

    if ticket.cancelled and seen(ticket.resolved_at):
        return "cancelled"
    if seen(ticket.closed_at):
        return "closed"
    if seen(ticket.resolved_at):
        return "resolved"
    if holds and holds[-1][1] is None:
        return "on_hold"
    return "in_progress" if seen(ticket.first_response_at) else "open"


def ticket_row(ticket: SimTicket, as_of: datetime) -> dict[str, str]:
    """One line of ``tickets_*.csv``: the ticket as it stands at ``as_of``."""

    def seen(moment: datetime | None) -> datetime | None:
        return moment if moment is not None and moment <= as_of else None

    return {
        "ticket_id": ticket.ticket_id,
        "service_code": ticket.category,
        "priority": ticket.priority,
        "status": _status(ticket, as_of),
        "opened_at": _local(ticket.opened_at),
        "first_response_at": _local(seen(ticket.first_response_at)),
        "resolved_at": _local(seen(ticket.resolved_at)),
        "closed_at": _local(seen(ticket.closed_at)),
        "updated_at": _local(visible_events(ticket, as_of)[-1]),
    }


def _write_atomically(path: Path, data: bytes) -> Path:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    return path


def _csv_bytes(columns: Sequence[str], rows: Sequence[Sequence[object]], delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _write_ready(folder: Path, written: Sequence[Path]) -> Path:
    listing = "".join(f"{p.name}\n" for p in written).encode("utf-8")
    return _write_atomically(folder / READY_MARKER, listing)


def write_ticket_drop(
    org_code: str,
    inbox_root: Path,
    day: date,
    *,
    seed: int = 0,
    tickets_per_weekday: int = 25,
    now: datetime | None = None,
) -> list[Path]:
    """Write ``tickets_<ORG>_<day>.csv`` and ``ticket_holds_<ORG>_<day>.csv``, then ``READY``.

    Returns the paths in the order written (the marker last). A day without
    changes still gets header-only files: "nothing changed" is an answer, and
    the completeness check needs it.
    """
    org = org_code.upper()
    folder = Path(inbox_root) / org
    folder.mkdir(parents=True, exist_ok=True)
    tickets, as_of = _changed(org, day, seed, tickets_per_weekday, now)
    ticket_rows = [[ticket_row(t, as_of)[c] for c in TICKET_COLUMNS] for t in tickets]
    hold_rows = [
        [t.ticket_id, _local(start), _local(end)] for t in tickets for start, end in hold_intervals_as_of(t, as_of)
    ]
    written = [
        _write_atomically(folder / f"tickets_{org}_{day.isoformat()}.csv", _csv_bytes(TICKET_COLUMNS, ticket_rows)),
        _write_atomically(folder / f"ticket_holds_{org}_{day.isoformat()}.csv", _csv_bytes(HOLD_COLUMNS, hold_rows)),
    ]
    return [*written, _write_ready(folder, written)]


def cost_ledger(year: int, *, seed: int = 0, months: int = 12) -> list[tuple[date, str, Decimal]]:
    """Ground truth of the SSC cost ledger: (month, category, amount) for months 1..``months``."""
    rng = _rng(f"{seed}:SSC:costs:{year}")
    ledger = []
    for month in range(1, months + 1):
        for category, base in _COST_BASE.items():
            amount = Decimal(str(base * rng.uniform(0.92, 1.08))).quantize(_CENT)
            ledger.append((date(year, month, 1), category, amount))
    return ledger


def _registry_orgs() -> list[tuple[str, date]]:
    from ssc_pipeline.registry import load_registry

    return [(o.code, o.joined_on) for o in load_registry() if o.active]


def _dutch_amount(amount: Decimal) -> str:
    """``1234567.89`` -> ``1.234.567,89``: how a Dutch spreadsheet exports money."""
    whole, _, cents = f"{amount:,.2f}".partition(".")
    return f"{whole.replace(',', '.')},{cents}"


def _write_costs_xlsx(path: Path, ledger: Sequence[tuple[date, str, Decimal]]) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Kosten SSC"
    sheet.append(["month", "cost_category", "amount_eur", "note"])
    for month, category, amount in ledger:
        sheet.append([f"{month:%Y-%m}", category, float(amount), f"grootboek {category} {month:%m-%Y}"])
    temporary = path.with_name(f".{path.name}.tmp")
    workbook.save(temporary)
    os.replace(temporary, path)
    return path


def write_service_data(
    inbox_root: Path,
    year: int,
    *,
    org_codes: Sequence[str] | None = None,
    seed: int = 0,
    months: int = 12,
    responses_per_org: int = 40,
) -> list[Path]:
    """Write the SSC-wide files for ``year`` into ``<inbox>/SSC/``, then ``READY``.

    ``costs_SSC_<year>.xlsx`` (``cost_ledger``), ``allocation_keys_SSC_<year>.csv``
    (inhabitants, workplaces, fixed_pct summing to 100, ticket_share),
    ``baselines_SSC_<year>.csv`` (semicolons, Dutch decimal commas; the year
    before joining) and ``survey_responses_SSC_<year>.csv`` (scale 10, with
    respondent e-mail addresses the inbox must pseudonymise). ``org_codes``
    defaults to the active organisations in ``organisations.yml``.
    """
    known = dict(_registry_orgs()) if org_codes is None else {}
    orgs = [c.upper() for c in org_codes] if org_codes is not None else sorted(known)
    folder = Path(inbox_root) / SSC_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    written = [_write_costs_xlsx(folder / f"costs_SSC_{year}.xlsx", cost_ledger(year, seed=seed, months=months))]

    sizes = {org: _rng(f"{seed}:{org}:size").randint(25_000, 125_000) for org in orgs}
    pct = {org: (Decimal(100) * sizes[org] / sum(sizes.values())).quantize(_CENT) for org in orgs}
    if orgs:
        pct[orgs[-1]] += Decimal(100) - sum(pct.values())  # rounding rest: the shares add up to 100
    allocation = [
        row
        for org in orgs
        for row in (
            [year, org, "inhabitants", sizes[org]],
            [year, org, "workplaces", sizes[org] // 140],
            [year, org, "fixed_pct", pct[org]],
            [year, org, "ticket_share", ""],
        )
    ]
    written.append(
        _write_atomically(
            folder / f"allocation_keys_SSC_{year}.csv", _csv_bytes(("year", "org_code", "key", "value"), allocation)
        )
    )

    baselines = []
    for org in orgs:
        joined = known.get(org)
        cost = Decimal(sizes[org] * 31) + Decimal(_rng(f"{seed}:{org}:baseline").randint(0, 99)) / 100
        baselines.append([org, (joined.year if joined else year) - 1, _dutch_amount(cost), "2,5"])
    written.append(
        _write_atomically(
            folder / f"baselines_SSC_{year}.csv",
            _csv_bytes(("org_code", "baseline_year", "yearly_cost_eur", "indexation_pct"), baselines, ";"),
        )
    )

    categories = ("Werkplek", "Applicaties", "Accounts en toegang", "Printen", "WERKPLEK", "Overig")
    survey = []
    for org in orgs:
        rng = _rng(f"{seed}:{org}:survey:{year}")
        for n in range(1, responses_per_org + 1):
            answered = date(year, 10, 1) + timedelta(days=rng.randrange(0, 45))
            survey.append(
                [
                    f"KTO-{year}",
                    answered.isoformat(),
                    rng.choice(categories),
                    rng.choices(range(1, 11), weights=(1, 1, 2, 3, 5, 10, 20, 25, 20, 13))[0],
                    10,
                    f"medewerker{n:03d}@{org.lower()}.example.nl",
                    org,
                ]
            )
    written.append(
        _write_atomically(
            folder / f"survey_responses_SSC_{year}.csv",
            _csv_bytes(
                ("survey_id", "responded_on", "service_code", "score", "scale_max", "respondent_email", "org_code"),
                survey,
            ),
        )
    )
    return [*written, _write_ready(folder, written)]
