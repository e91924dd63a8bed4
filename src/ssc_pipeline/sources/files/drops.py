"""The file source: the files waiting in an inbox folder, judged and read as records.

Like the API connectors, this module only reads and yields: which files wait
(``pending_files``), whether a file may land at all (``judge``: every row
parsed, mapped and checked, the first problems kept verbatim for the reason
file), and its rows as the records that land (``records``: a second, streaming
read, so memory stays flat for any file size). Landing the records, the
``audit.files`` register and moving files to ``processed/`` or ``rejected/``
are the inbox step's (``ssc_pipeline.steps.inbox``).

Personal data (``respondent_email``) is pseudonymised in ``records``, before a
row can land; error messages never echo it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ssc_pipeline.periods import day_window
from ssc_pipeline.registry import SSC_CODE, ssc_home
from ssc_pipeline.sources.files.catalogue import ServiceCatalogue, load_catalogue
from ssc_pipeline.sources.files.formats import KINDS, FileKind, RowError, jsonable, kind_for
from ssc_pipeline.sources.files.reading import FileFormatError, open_table, row_mapping

__all__ = [
    "READY_MARKER",
    "SOURCE_SYSTEM",
    "DropContext",
    "Verdict",
    "file_window",
    "inbox_root",
    "judge",
    "pending_files",
    "records",
    "scope_problem",
]

READY_MARKER = "READY"  # written by the sender after its data files; the Asset watcher deletes it
SOURCE_SYSTEM = "files"
MAX_REASON_LINES = 50


def inbox_root(create: bool = True) -> Path:
    """``SSC_INBOX``, or ``<ssc_home>/inbox``; ``create=False`` only computes it (no I/O)."""
    if env := os.environ.get("SSC_INBOX"):
        return Path(env)
    return ssc_home(create=create) / "inbox"


def pending_files(folder: Path) -> list[Path]:
    """Files waiting in ``folder``: tickets before holds (kind order), then by name."""
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".") and p.name != READY_MARKER]
    order = {kind.name: index for index, kind in enumerate(KINDS)}

    def sort_key(path: Path) -> tuple[int, str]:
        kind = kind_for(path.name)
        return (order[kind.name] if kind else len(order), path.name)

    return sorted(files, key=sort_key)


@dataclass
class DropContext:
    """What reading one folder's files needs, each part loaded only when a file needs it."""

    org_code: str

    @property
    def is_ssc(self) -> bool:
        return self.org_code == SSC_CODE

    @cached_property
    def catalogue(self) -> ServiceCatalogue:
        return load_catalogue()

    @cached_property
    def known_orgs(self) -> frozenset[str]:
        from ssc_pipeline.registry import load_registry

        return frozenset(org.code for org in load_registry())

    @cached_property
    def key(self) -> bytes:
        from ssc_pipeline.pseudonymisation import load_key

        return load_key()


def scope_problem(kind: FileKind, ctx: DropContext) -> str | None:
    """Why this folder may not send this kind of file, or None."""
    if kind.scope == "org" and ctx.is_ssc:
        return f"{kind.name} files belong in an organisation's own inbox folder, not in {SSC_CODE}/"
    if kind.scope == "ssc" and not ctx.is_ssc:
        return f"{kind.name} files are SSC-wide: drop them in the {SSC_CODE}/ folder of the inbox"
    return None


def _enrich(kind: FileKind, record: dict[str, Any], row: int, ctx: DropContext) -> tuple[list[RowError], str | None]:
    """Organisation check and service mapping; returns errors and an unmapped source value."""
    subject = ctx.org_code
    if kind.org_column:
        named = record.get(kind.org_column)
        if ctx.is_ssc:
            if named is None:
                return [RowError(row, kind.org_column, "", "required in SSC-wide files")], None
            if named not in ctx.known_orgs:
                return [RowError(row, kind.org_column, named, "not an organisation in organisations.yml")], None
            subject = named
        elif named is not None and named != ctx.org_code:
            return [
                RowError(row, kind.org_column, named, f"a row for another organisation in the inbox of {ctx.org_code}")
            ], None
        record[kind.org_column] = subject
    if not kind.service_column:
        return [], None
    source_value = record[kind.service_column]
    code, mapped = ctx.catalogue.map_service(subject, SOURCE_SYSTEM, source_value)
    record[kind.service_column], record["source_category"], record["service_mapped"] = code, source_value, mapped
    return [], None if mapped else source_value


_Parsed = tuple[int, dict[str, Any], list[RowError], str | None]


def _parsed(path: Path, kind: FileKind, ctx: DropContext) -> Iterator[_Parsed]:
    """Every row as (row, record, errors, unmapped value); header errors come as row 0."""
    with open_table(path) as table:
        header_errors = kind.check_header(table.header)
        if header_errors:
            yield 0, {}, header_errors, None
            return
        checks = kind.file_checks()
        for row, values in table.rows:
            mapping = row_mapping(table.header, values)
            if mapping is None:
                yield (
                    row,
                    {},
                    [
                        RowError(
                            row, "(row)", f"{len(values)} fields", f"more fields than the header's {len(table.header)}"
                        )
                    ],
                    None,
                )
                continue
            record, errors = kind.parse_row(mapping, row)
            unmapped = None
            if not errors:
                errors, unmapped = _enrich(kind, record, row, ctx)
            for check in checks if not errors else ():
                errors.extend(check.add(row, record))
            yield row, record, errors, unmapped
        for check in checks:
            for error in check.finish():
                yield error.row or 0, {}, [error], None


@dataclass
class Verdict:
    """Pass 1's findings: the problems (the first ``MAX_REASON_LINES`` verbatim), their count,
    and the service values the catalogue did not map."""

    problems: list[str] = field(default_factory=list)
    count: int = 0
    unmapped: set[str] = field(default_factory=set)


def judge(path: Path, kind: FileKind, ctx: DropContext) -> Verdict:
    """Pass 1: every problem in the file; one problem rejects the whole file."""
    verdict = Verdict()
    try:
        for _, _, errors, unmapped in _parsed(path, kind, ctx):
            if unmapped is not None:
                verdict.unmapped.add(unmapped)
            for error in errors:
                verdict.count += 1
                if len(verdict.problems) < MAX_REASON_LINES:
                    verdict.problems.append(str(error))
    except FileFormatError as exc:
        verdict.count += 1
        verdict.problems.append(str(exc))
    return verdict


class _Payload(dict[str, Any]):
    """The JSON payload of one row; ``key_values`` rides along for the typed raw columns."""

    __slots__ = ("key_values",)
    key_values: tuple[Any, ...]


def records(path: Path, kind: FileKind, ctx: DropContext) -> Iterator[dict[str, Any]]:
    """Pass 2: the rows as they land. Pass 1 found no error, so one now means the file changed."""
    for row, record, errors, _ in _parsed(path, kind, ctx):
        if errors:
            raise RuntimeError(
                f"{path.name} changed while it was being loaded ({errors[0]}); it stays in the inbox for the next run"
            )
        if "respondent_email" in record:
            email = record.pop("respondent_email")
            record["respondent_pseudonym"] = _pseudonym(email, ctx)
        payload = _Payload(jsonable(record))
        payload.key_values = (path.name, row, *(record[name] for _, name in kind.raw_keys))
        yield payload


def _pseudonym(email: str | None, ctx: DropContext) -> str | None:
    from ssc_pipeline.pseudonymisation import pseudonymise

    return pseudonymise(email, ctx.key) if email else None


_DAY_IN_NAME = re.compile(r"_(\d{4}-\d{2}-\d{2})\.(csv|xlsx)$", re.IGNORECASE)


def file_window(
    name: str, run_start: dt.datetime | None, run_end: dt.datetime | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The window a file's load covers: the local day its name ends with (``tickets_GM0610_2026-11-20.csv``),
    whichever run picked it up; otherwise the run's data interval.

    The monthly close judges completeness by these windows, and a file for
    a past day may well arrive with a later run (or by its READY event).
    """
    match = _DAY_IN_NAME.search(name)
    if match is None:
        return run_start, run_end
    return day_window(dt.date.fromisoformat(match.group(1)))
