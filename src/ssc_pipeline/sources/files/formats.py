"""The file kinds an organisation (or the SSC) may drop, and how one row of each is parsed.

Why one frozen ``FileKind`` per file type, after the singer-sdk stream idea: the
inbox, the reason files, the raw DDL and ``docs/file-drops.md`` all describe
one contract, so it lives in one place and nothing about it changes at run
time. Parsers are pure -- no database, catalogue or key -- so they are tested
on their own and can run twice over a file (once to judge every row, once to
land) without side effects.

Format errors (a timestamp without offset, priority ``P7``, a third decimal on
an amount) reject the whole file before anything lands. Consistency between
columns (resolved after opened, ...) is left to the GX raw gate, as for the
API sources, so one set of rules judges every source.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ssc_pipeline import codes
from ssc_pipeline.sources.files.checks import (
    FileCheck,
    FixedPctTotal,
    RowError,
    UniqueKey,
    allocation_row_check,
    survey_row_check,
)
from ssc_pipeline.sources.files.reading import normalise_header
from ssc_pipeline.sources.files.values import (
    parse_choice,
    parse_date,
    parse_decimal,
    parse_email,
    parse_int,
    parse_money,
    parse_month,
    parse_org_code,
    parse_text,
    parse_timestamp,
)

__all__ = [
    "SSC_SERVICE_CODES",
    "PRIORITIES",
    "STATUSES",
    "COST_CATEGORIES",
    "ALLOCATION_KEY_NAMES",
    "RowError",
    "Column",
    "FileKind",
    "FileCheck",
    "KINDS",
    "kind_for",
    "jsonable",
    "parse_timestamp",
    "parse_date",
    "parse_month",
    "parse_decimal",
    "parse_money",
    "TICKETS",
    "TICKET_HOLDS",
    "COSTS",
    "ALLOCATION_KEYS",
    "BASELINES",
    "SURVEY_RESPONSES",
]

SSC_SERVICE_CODES = codes.SERVICE_CODES
PRIORITIES = codes.PRIORITIES
STATUSES = codes.STATUSES
COST_CATEGORIES = codes.COST_CATEGORIES
ALLOCATION_KEY_NAMES = codes.ALLOCATION_KEYS
WITHHELD = "[withheld: personal data]"


# --------------------------------------------------------------------------- kinds


@dataclass(frozen=True)
class Column:
    """``required``: the value may not be empty. ``optional_column``: the header may omit it.
    ``personal``: never echoed in an error (reason files and ``audit.files`` would keep it)."""

    name: str
    parse: Callable[[str], Any]
    required: bool = True
    optional_column: bool = False
    personal: bool = False


@dataclass(frozen=True)
class FileKind:
    """One file type: name patterns, columns, typed raw keys and checks.

    ``scope`` says which inbox folder may send it: ``org`` (an organisation's
    own folder), ``ssc`` (only the reserved ``SSC/`` folder) or ``any``.
    ``org_column`` holds an organisation code: in an organisation's folder it
    must be that organisation; in ``SSC/`` it names whom the row is about.
    ``raw_keys`` are the typed columns of ``raw.file_<name>`` as (table column,
    record field).
    """

    name: str
    patterns: tuple[str, ...]
    columns: tuple[Column, ...]
    raw_keys: tuple[tuple[str, str], ...]
    scope: str = "org"
    org_column: str | None = None
    service_column: str | None = None
    unique: tuple[str, ...] = ()
    row_check: Callable[[Mapping[str, Any], int], list[RowError]] | None = None
    extra_checks: tuple[Callable[[], FileCheck], ...] = ()

    @property
    def table(self) -> str:
        return f"raw.file_{self.name}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        """Columns every file of this kind must have in its header, in documented order."""
        return tuple(c.name for c in self.columns if not c.optional_column)

    def matches(self, file_name: str) -> bool:
        """Case-insensitive, so ``Costs_2026.XLSX`` is still a cost ledger."""
        return any(fnmatch.fnmatchcase(file_name.lower(), p) for p in self.patterns)

    def file_checks(self) -> list[FileCheck]:
        """Fresh cross-row checks for one pass over one file."""
        checks: list[FileCheck] = [UniqueKey(self.unique)] if self.unique else []
        return checks + [make() for make in self.extra_checks]

    def check_header(self, header: Sequence[str]) -> list[RowError]:
        """Missing, unknown or repeated columns. An unknown column is refused, not ignored:
        it may hold personal data that must not land, or data the sender thinks is loaded."""
        names = [normalise_header(h) for h in header]
        errors = [
            RowError(None, name, "", "column missing from the header")
            for name in self.required_columns
            if name not in names
        ]
        seen: set[str] = set()
        for name in names:
            if name in seen:
                errors.append(RowError(None, name, name, "column appears twice in the header"))
            elif name not in self.column_names:
                errors.append(
                    RowError(None, name or "(empty)", name, "unknown column; expected " + ", ".join(self.column_names))
                )
            seen.add(name)
        return errors

    def parse_row(self, values: Mapping[str, str], row: int) -> tuple[dict[str, Any], list[RowError]]:
        """Parse one row (column name -> text) into typed values; errors name row, field and value."""
        record: dict[str, Any] = {}
        errors: list[RowError] = []
        for column in self.columns:
            if column.name not in values and column.optional_column:
                record[column.name] = None  # the header may omit it; keys still read it
                continue
            text = (values.get(column.name) or "").strip()
            record[column.name] = None
            if not text:
                if column.required:
                    errors.append(RowError(row, column.name, "", "a value is required"))
                continue
            try:
                record[column.name] = column.parse(text)
            except ValueError as exc:
                errors.append(RowError(row, column.name, WITHHELD if column.personal else text, str(exc)))
        if not errors and self.row_check is not None:
            errors.extend(self.row_check(record, row))
        return record, errors


def _ts(name: str, required: bool = False) -> Column:
    return Column(name, parse_timestamp, required=required)


def _text(name: str, limit: int) -> Column:
    return Column(name, lambda t: parse_text(t, limit))


def _choice(name: str, allowed: Sequence[str], upper: bool = False) -> Column:
    return Column(name, lambda t: parse_choice(t, allowed, upper))


def _int(name: str, low: int, high: int) -> Column:
    return Column(name, lambda t: parse_int(t, low, high))


TICKETS = FileKind(
    name="tickets",
    patterns=("tickets_*.csv",),
    columns=(
        _text("ticket_id", 100),
        _text("service_code", 200),
        _choice("priority", PRIORITIES, upper=True),
        _choice("status", STATUSES),
        _ts("opened_at", True),
        _ts("first_response_at"),
        _ts("resolved_at"),
        _ts("closed_at"),
        _ts("updated_at", True),
    ),
    raw_keys=(("ticket_id", "ticket_id"), ("updated_at", "updated_at")),
    service_column="service_code",
    unique=("ticket_id",),
)
TICKET_HOLDS = FileKind(
    name="ticket_holds",
    patterns=("ticket_holds_*.csv",),
    columns=(_text("ticket_id", 100), _ts("hold_start", True), _ts("hold_end")),
    raw_keys=(("ticket_id", "ticket_id"), ("hold_start", "hold_start"), ("hold_end", "hold_end")),
    unique=("ticket_id", "hold_start"),
)
COSTS = FileKind(
    name="costs",
    patterns=("costs_*.csv", "costs_*.xlsx"),
    columns=(
        Column("month", parse_month),
        _choice("cost_category", COST_CATEGORIES),
        Column("amount_eur", parse_money),
        Column("note", lambda t: parse_text(t, 500), required=False, optional_column=True),
    ),
    raw_keys=(("month", "month"), ("cost_category", "cost_category"), ("amount_eur", "amount_eur")),
    scope="ssc",
)
ALLOCATION_KEYS = FileKind(
    name="allocation_keys",
    patterns=("allocation_keys_*.csv", "allocation_keys_*.xlsx"),
    columns=(
        _int("year", 2000, 2100),
        Column("org_code", parse_org_code),
        _choice("key", ALLOCATION_KEY_NAMES),
        Column("value", lambda t: parse_decimal(t, places=6, minimum=Decimal(0)), required=False),
    ),
    raw_keys=(("year", "year"), ("subject_org_code", "org_code"), ("allocation_key", "key"), ("value", "value")),
    scope="ssc",
    org_column="org_code",
    unique=("year", "org_code", "key"),
    row_check=allocation_row_check,
    extra_checks=(FixedPctTotal,),
)
BASELINES = FileKind(
    name="baselines",
    patterns=("baselines_*.csv", "baselines_*.xlsx"),
    columns=(
        Column("org_code", parse_org_code),
        _int("baseline_year", 2000, 2100),
        Column("yearly_cost_eur", parse_money),
        Column(
            "indexation_pct",
            lambda t: parse_decimal(t, places=3, minimum=Decimal(-100), maximum=Decimal(100), small=True),
            required=False,
            optional_column=True,
        ),
    ),
    raw_keys=(
        ("subject_org_code", "org_code"),
        ("baseline_year", "baseline_year"),
        ("yearly_cost_eur", "yearly_cost_eur"),
        ("indexation_pct", "indexation_pct"),
    ),
    scope="any",
    org_column="org_code",
    unique=("org_code", "baseline_year"),
)
SURVEY_RESPONSES = FileKind(
    name="survey_responses",
    patterns=("survey_responses_*.csv",),
    columns=(
        _text("survey_id", 100),
        Column("responded_on", parse_date),
        _text("service_code", 200),
        _int("score", 1, 10),
        Column("scale_max", lambda t: int(parse_choice(t, ("5", "10")))),
        Column("respondent_email", parse_email, required=False, optional_column=True, personal=True),
        Column("org_code", parse_org_code, required=False, optional_column=True),
    ),
    raw_keys=(
        ("survey_id", "survey_id"),
        ("subject_org_code", "org_code"),
        ("responded_on", "responded_on"),
        ("service_code", "service_code"),
        ("score", "score"),
        ("scale_max", "scale_max"),
    ),
    scope="any",
    org_column="org_code",
    service_column="service_code",
    row_check=survey_row_check,
)

KINDS: tuple[FileKind, ...] = (TICKETS, TICKET_HOLDS, COSTS, ALLOCATION_KEYS, BASELINES, SURVEY_RESPONSES)


def kind_for(file_name: str) -> FileKind | None:
    """The kind whose name pattern matches, or None for a file the drop does not know."""
    return next((kind for kind in KINDS if kind.matches(file_name)), None)


def jsonable(record: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-safe values: Decimal as a string (never float, so cents stay exact), dates ISO-8601."""
    out: dict[str, Any] = {}
    for name, value in record.items():
        if isinstance(value, Decimal):
            out[name] = str(value)
        elif isinstance(value, (dt.datetime, dt.date)):
            out[name] = value.isoformat()
        else:
            out[name] = value
    return out
