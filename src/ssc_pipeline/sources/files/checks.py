"""Why a dropped file is rejected: one ``RowError`` per problem, and the rules over several rows.

The row parsers (``formats``, ``values``) judge one value at a time; the
checks here are fed every parsed row of one file and then asked for errors
(a key used twice, fixed percentages that do not add up to 100).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

__all__ = ["FileCheck", "FixedPctTotal", "RowError", "UniqueKey", "allocation_row_check", "survey_row_check"]


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
        return [
            RowError(
                rows[0],
                "value",
                str(total),
                f"fixed_pct values for {year} (rows {', '.join(map(str, rows))}) add up to {total}, not 100",
            )
            for year, (total, rows) in sorted(self.totals.items())
            if total != 100
        ]


def allocation_row_check(record: Mapping[str, Any], row: int) -> list[RowError]:
    key, value = record["key"], record["value"]
    shown = "" if value is None else str(value)
    if key == "ticket_share":
        return (
            []
            if value is None
            else [RowError(row, "value", shown, "leave empty for ticket_share: the share follows from the tickets")]
        )
    if value is None:
        return [RowError(row, "value", "", f"a value is required for key {key}")]
    if key == "fixed_pct" and value > 100:
        return [RowError(row, "value", shown, "a percentage from 0 to 100")]
    if key in ("inhabitants", "workplaces") and value != value.to_integral_value():
        return [RowError(row, "value", shown, f"{key} is a whole number")]
    return []


def survey_row_check(record: Mapping[str, Any], row: int) -> list[RowError]:
    if record["score"] > record["scale_max"]:
        return [RowError(row, "score", str(record["score"]), f"above scale_max {record['scale_max']}")]
    return []
