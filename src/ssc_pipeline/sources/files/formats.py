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
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from ssc_pipeline.sources.files.reading import normalise_header

__all__ = [
    "SSC_SERVICE_CODES", "PRIORITIES", "STATUSES", "COST_CATEGORIES", "ALLOCATION_KEY_NAMES",
    "RowError", "Column", "FileKind", "FileCheck", "KINDS", "kind_for", "jsonable",
    "parse_timestamp", "parse_date", "parse_month", "parse_decimal", "parse_money",
    "TICKETS", "TICKET_HOLDS", "COSTS", "ALLOCATION_KEYS", "BASELINES", "SURVEY_RESPONSES",
]

SSC_SERVICE_CODES = ("WERKPLEK", "APPLICATIES", "ACCOUNTS", "NETWERK", "TELEFONIE", "PRINTEN",
                     "FACILITAIR", "OVERIG")
PRIORITIES = ("P1", "P2", "P3", "P4")
STATUSES = ("open", "in_progress", "on_hold", "resolved", "closed", "cancelled")
COST_CATEGORIES = ("personnel", "licences", "infrastructure", "housing")
ALLOCATION_KEY_NAMES = ("inhabitants", "workplaces", "ticket_share", "fixed_pct")
WITHHELD = "[withheld: personal data]"
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class RowError:
    """One reason to reject a file: the 1-based data row (None: the header), field and bad value."""

    row: int | None
    field: str
    value: str
    message: str

    def __str__(self) -> str:
        where = "header" if self.row is None else f"row {self.row}"
        return f"{where}, field {self.field}, value {self.value!r}: {self.message}"


# --------------------------------------------------------------------------- value parsers
# Each takes a non-empty, trimmed string and returns the typed value or raises ValueError
# with a message that tells the sender what was expected.

_ISO_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def parse_timestamp(text: str) -> dt.datetime:
    """ISO-8601 with a UTC offset, normalised to UTC; no offset is refused, never guessed."""
    example = "expected ISO-8601 with offset, e.g. 2026-11-20T09:15:00+01:00"
    if not _ISO_PREFIX.match(text):
        raise ValueError(f"not an ISO-8601 timestamp; {example}")
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not a valid ISO-8601 timestamp; {example}") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(f"timestamp without a UTC offset (ambiguous around the DST switch); {example}")
    return parsed.astimezone(dt.timezone.utc)


def parse_date(text: str) -> dt.date:
    """A calendar date ``YYYY-MM-DD``."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError("expected a date as YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError("not an existing date (YYYY-MM-DD)") from None


def parse_month(text: str) -> dt.date:
    """``YYYY-MM`` (or the first of the month, as a spreadsheet date cell gives it) -> first day."""
    found = re.fullmatch(r"(\d{4})-(\d{2})(-01)?", text)
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise ValueError("expected a month as YYYY-MM")
    return dt.date(int(found.group(1)), int(found.group(2)), 1)


def _plain_number(text: str) -> str:
    """Rewrite ``1.234,56`` / ``1,234.56`` / ``1234,56`` to ``1234.56``.

    With both separators the last one is the decimal mark and the other must
    group thousands by three. One separator used once is a decimal mark (a
    Dutch ``12,5`` is twelve and a half); used repeatedly it groups thousands.
    ``119.000`` is refused: a Dutch sender means 119000, an English one 119, and
    guessing either silently corrupts an allocation key.
    """
    sign = text[0] if text[0] in "+-" else ""
    body = text[len(sign):]
    if "," in body and "." in body:
        mark = "," if body.rfind(",") > body.rfind(".") else "."
        group = "." if mark == "," else ","
        whole, _, frac = body.rpartition(mark)
        if not re.fullmatch(rf"\d{{1,3}}(\{group}\d{{3}})+", whole):
            raise ValueError(f"thousands separator {group!r} misplaced")
        return sign + whole.replace(group, "") + "." + frac
    if re.fullmatch(r"[1-9]\d{0,2}[.,]\d{3}", body):
        raise ValueError("ambiguous: a thousands separator or a decimal mark? write 119000 or 119.0")
    for mark in (",", "."):
        if body.count(mark) > 1:
            if not re.fullmatch(rf"\d{{1,3}}(\{mark}\d{{3}})+", body):
                raise ValueError(f"separator {mark!r} appears more than once")
            return sign + body.replace(mark, "")
    return sign + body.replace(",", ".")


def parse_decimal(text: str, *, places: int | None = None, minimum: Decimal | None = None,
                  maximum: Decimal | None = None, small: bool = False) -> Decimal:
    """A decimal with a dot or a Dutch comma; exact (Decimal, never float).

    ``small``: the value is never in the thousands (a percentage), so one
    separator is always the decimal mark: ``2,125`` is 2.125, not ambiguous.
    """
    body = text.lstrip("+-")
    plain = text.replace(",", ".") if small and body.count(",") + body.count(".") == 1 else _plain_number(text)
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", plain):
        raise ValueError("not a number (digits with a decimal dot or comma, no currency sign)")
    value = Decimal(plain)
    if places is not None and value != value.quantize(Decimal(1).scaleb(-places)):
        raise ValueError(f"more than {places} decimals")
    if minimum is not None and value < minimum:
        raise ValueError(f"below the minimum {minimum}")
    if maximum is not None and value > maximum:
        raise ValueError(f"above the maximum {maximum}")
    return value


def parse_money(text: str) -> Decimal:
    """Euros: at most 2 decimals, not negative, always kept to the cent."""
    return parse_decimal(text, places=2, minimum=Decimal(0)).quantize(_CENT)


def parse_int(text: str, low: int, high: int) -> int:
    if not re.fullmatch(r"[+-]?\d+", text):
        raise ValueError("expected a whole number")
    value = int(text)
    if not low <= value <= high:
        raise ValueError(f"expected a whole number from {low} to {high}")
    return value


def parse_choice(text: str, allowed: Sequence[str], upper: bool = False) -> str:
    """One of ``allowed``; case-insensitive, returned in its canonical spelling."""
    value = text.upper() if upper else text.lower()
    if value not in allowed:
        raise ValueError("expected one of " + ", ".join(allowed))
    return value


def parse_text(text: str, limit: int) -> str:
    if len(text) > limit:
        raise ValueError(f"longer than {limit} characters")
    if any(ord(c) < 32 for c in text):
        raise ValueError("contains a line break or control character")
    return text


def parse_org_code(text: str) -> str:
    value = text.upper()
    if not re.fullmatch(r"[A-Z][A-Z0-9_]{1,15}", value):
        raise ValueError("not an organisation code (e.g. GM0505)")
    return value


def parse_email(text: str) -> str:
    """Lower-cased, so one person gets one pseudonym whatever the capitalisation."""
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
        raise ValueError("not an e-mail address")
    return text.lower()


# --------------------------------------------------------------------------- cross-row checks


class FileCheck(Protocol):
    """A rule over several rows of one file: fed every parsed row, then asked for errors."""

    def add(self, row: int, record: Mapping[str, Any]) -> list[RowError]: ...

    def finish(self) -> list[RowError]: ...


@dataclass
class UniqueKey:
    """The same key twice in one file is ambiguous (which one is current?), so it rejects."""

    fields: tuple[str, ...]
    seen: dict[tuple[Any, ...], int] = field(default_factory=dict)

    def add(self, row: int, record: Mapping[str, Any]) -> list[RowError]:
        key = tuple(record.get(name) for name in self.fields)
        first = self.seen.setdefault(key, row)
        if first == row:
            return []
        shown = ", ".join(v.isoformat() if isinstance(v, dt.date) else str(v) for v in key)
        return [RowError(row, "+".join(self.fields), shown, f"duplicate of row {first}")]

    def finish(self) -> list[RowError]:
        return []


@dataclass
class FixedPctTotal:
    """``fixed_pct`` shares of one year are percentages of the whole: they must add up to 100."""

    totals: dict[int, tuple[Decimal, list[int]]] = field(default_factory=dict)

    def add(self, row: int, record: Mapping[str, Any]) -> list[RowError]:
        if record.get("key") == "fixed_pct" and record.get("value") is not None:
            total, rows = self.totals.get(record["year"], (Decimal(0), []))
            self.totals[record["year"]] = (total + record["value"], [*rows, row])
        return []

    def finish(self) -> list[RowError]:
        return [RowError(rows[0], "value", str(total),
                         f"fixed_pct values for {year} (rows {', '.join(map(str, rows))}) "
                         f"add up to {total}, not 100")
                for year, (total, rows) in sorted(self.totals.items()) if total != 100]


def _allocation_row_check(record: Mapping[str, Any], row: int) -> list[RowError]:
    key, value = record["key"], record["value"]
    shown = "" if value is None else str(value)
    if key == "ticket_share":
        return [] if value is None else [RowError(
            row, "value", shown, "leave empty for ticket_share: the share follows from the tickets")]
    if value is None:
        return [RowError(row, "value", "", f"a value is required for key {key}")]
    if key == "fixed_pct" and value > 100:
        return [RowError(row, "value", shown, "a percentage from 0 to 100")]
    if key in ("inhabitants", "workplaces") and value != value.to_integral_value():
        return [RowError(row, "value", shown, f"{key} is a whole number")]
    return []


def _survey_row_check(record: Mapping[str, Any], row: int) -> list[RowError]:
    if record["score"] > record["scale_max"]:
        return [RowError(row, "score", str(record["score"]),
                         f"above scale_max {record['scale_max']}")]
    return []


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
        errors = [RowError(None, name, "", "column missing from the header")
                  for name in self.required_columns if name not in names]
        seen: set[str] = set()
        for name in names:
            if name in seen:
                errors.append(RowError(None, name, name, "column appears twice in the header"))
            elif name not in self.column_names:
                errors.append(RowError(None, name or "(empty)", name,
                                       "unknown column; expected " + ", ".join(self.column_names)))
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
    name="tickets", patterns=("tickets_*.csv",),
    columns=(_text("ticket_id", 100), _text("service_code", 200), _choice("priority", PRIORITIES, upper=True),
             _choice("status", STATUSES), _ts("opened_at", True), _ts("first_response_at"),
             _ts("resolved_at"), _ts("closed_at"), _ts("updated_at", True)),
    raw_keys=(("ticket_id", "ticket_id"), ("updated_at", "updated_at")),
    service_column="service_code", unique=("ticket_id",),
)
TICKET_HOLDS = FileKind(
    name="ticket_holds", patterns=("ticket_holds_*.csv",),
    columns=(_text("ticket_id", 100), _ts("hold_start", True), _ts("hold_end")),
    raw_keys=(("ticket_id", "ticket_id"), ("hold_start", "hold_start"), ("hold_end", "hold_end")),
    unique=("ticket_id", "hold_start"),
)
COSTS = FileKind(
    name="costs", patterns=("costs_*.csv", "costs_*.xlsx"),
    columns=(Column("month", parse_month), _choice("cost_category", COST_CATEGORIES),
             Column("amount_eur", parse_money),
             Column("note", lambda t: parse_text(t, 500), required=False, optional_column=True)),
    raw_keys=(("month", "month"), ("cost_category", "cost_category"), ("amount_eur", "amount_eur")),
    scope="ssc",
)
ALLOCATION_KEYS = FileKind(
    name="allocation_keys", patterns=("allocation_keys_*.csv", "allocation_keys_*.xlsx"),
    columns=(_int("year", 2000, 2100), Column("org_code", parse_org_code),
             _choice("key", ALLOCATION_KEY_NAMES),
             Column("value", lambda t: parse_decimal(t, places=6, minimum=Decimal(0)), required=False)),
    raw_keys=(("year", "year"), ("subject_org_code", "org_code"), ("allocation_key", "key"),
              ("value", "value")),
    scope="ssc", org_column="org_code", unique=("year", "org_code", "key"),
    row_check=_allocation_row_check, extra_checks=(FixedPctTotal,),
)
BASELINES = FileKind(
    name="baselines", patterns=("baselines_*.csv", "baselines_*.xlsx"),
    columns=(Column("org_code", parse_org_code), _int("baseline_year", 2000, 2100),
             Column("yearly_cost_eur", parse_money),
             Column("indexation_pct", lambda t: parse_decimal(
                 t, places=3, minimum=Decimal(-100), maximum=Decimal(100), small=True),
                 required=False, optional_column=True)),
    raw_keys=(("subject_org_code", "org_code"), ("baseline_year", "baseline_year"),
              ("yearly_cost_eur", "yearly_cost_eur"), ("indexation_pct", "indexation_pct")),
    scope="any", org_column="org_code", unique=("org_code", "baseline_year"),
)
SURVEY_RESPONSES = FileKind(
    name="survey_responses", patterns=("survey_responses_*.csv",),
    columns=(_text("survey_id", 100), Column("responded_on", parse_date), _text("service_code", 200),
             _int("score", 1, 10), Column("scale_max", lambda t: int(parse_choice(t, ("5", "10")))),
             Column("respondent_email", parse_email, required=False, optional_column=True, personal=True),
             Column("org_code", parse_org_code, required=False, optional_column=True)),
    raw_keys=(("survey_id", "survey_id"), ("subject_org_code", "org_code"),
              ("responded_on", "responded_on"), ("service_code", "service_code"),
              ("score", "score"), ("scale_max", "scale_max")),
    scope="any", org_column="org_code", service_column="service_code", row_check=_survey_row_check,
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
