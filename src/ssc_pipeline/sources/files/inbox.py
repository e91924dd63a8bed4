"""Process an organisation's file-drop inbox: every file loaded once, atomically, or rejected.

Layout: ``<inbox>/<ORG>/`` holds the organisation's drops (``<inbox>/SSC/``, a
reserved folder, the SSC-wide ones: cost ledger, allocation keys); handled
files move to ``processed/`` or ``rejected/`` under that folder. The ``READY``
marker and dot-files (a sender's half-written ``.tickets_x.csv.part``) are left
alone: the marker belongs to the Asset watcher that triggers the run.

Per file, why in this order:

1. SHA-256 first. ``audit.files`` holds one ``processed`` row per (org,
   sha256) -- a unique index, so even two concurrent runs cannot both load a
   file. A file seen before moves to ``processed/`` as ``duplicate``.
2. Parse every row before anything lands (pass 1). One bad row rejects the
   whole file: half a ledger is worse than none, and the sender can fix and
   resend it. The reason file beside it names row, field and value.
3. Land (pass 2, a re-read: memory stays flat for any file size) as one load
   through ``landing.run_load``, then register the file. The move comes only
   after both commits, so a database failure leaves the file in the inbox for
   the next run; a crash after the commit but before the move is harmless too
   (the next run sees the checksum and files it as a duplicate).

Personal data (``respondent_email``) is pseudonymised in pass 2, before the
row is written; error messages never echo it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo
from typing import Any

import psycopg

from ssc_pipeline import landing, warehouse
from ssc_pipeline.sources.files.catalogue import ServiceCatalogue, load_catalogue
from ssc_pipeline.sources.files.formats import KINDS, FileKind, RowError, jsonable, kind_for
from ssc_pipeline.sources.files.reading import FileFormatError, open_table, row_mapping

__all__ = ["FileLoad", "InboxError", "SSC_FOLDER", "READY_MARKER", "SOURCE_SYSTEM", "inbox_root",
           "pending_files", "process_inbox", "raw_entity"]

log = logging.getLogger(__name__)

SSC_FOLDER = "SSC"
READY_MARKER = "READY"
SOURCE_SYSTEM = "files"
MAX_REASON_LINES = 50


@dataclass(frozen=True)
class FileLoad:
    """What happened to one file. ``rows`` is the number landed (0 unless ``landed``)."""

    file_name: str
    kind: str
    status: str  # 'landed' | 'rejected' | 'duplicate'
    load_id: str | None
    rows: int
    reason: str | None
    unmapped: tuple[str, ...] = ()

    def describe(self) -> str:
        text = f"{self.file_name}: {self.status}"
        if self.status == "landed":
            text += f" ({self.rows} rows, load {self.load_id})"
        if self.unmapped:
            text += f"; unmapped service values: {', '.join(self.unmapped)}"
        if self.reason and self.status != "landed":
            text += f"; {self.reason}"
        return text


class InboxError(RuntimeError):
    """Some files could not be handled (database, key, registry); they stay in the inbox."""


def inbox_root() -> Path:
    """``SSC_INBOX``, or ``<ssc_home>/inbox``."""
    if env := os.environ.get("SSC_INBOX"):
        return Path(env)
    return warehouse.ssc_home() / "inbox"


def pending_files(folder: Path) -> list[Path]:
    """Files waiting in ``folder``: tickets before holds (kind order), then by name."""
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir()
             if p.is_file() and not p.name.startswith(".") and p.name != READY_MARKER]
    order = {kind.name: index for index, kind in enumerate(KINDS)}

    def sort_key(path: Path) -> tuple[int, str]:
        kind = kind_for(path.name)
        return (order[kind.name] if kind else len(order), path.name)

    return sorted(files, key=sort_key)


@dataclass
class _Context:
    """Per-run state, each part loaded only when a file needs it."""

    org_code: str

    @property
    def is_ssc(self) -> bool:
        return self.org_code == SSC_FOLDER

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


def _enrich(kind: FileKind, record: dict[str, Any], row: int, ctx: _Context) -> tuple[list[RowError], str | None]:
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
            return [RowError(row, kind.org_column, named,
                             f"a row for another organisation in the inbox of {ctx.org_code}")], None
        record[kind.org_column] = subject
    if not kind.service_column:
        return [], None
    source_value = record[kind.service_column]
    code, mapped = ctx.catalogue.map_service(subject, SOURCE_SYSTEM, source_value)
    record[kind.service_column], record["source_category"], record["service_mapped"] = code, source_value, mapped
    return [], None if mapped else source_value


_Parsed = tuple[int, dict[str, Any], list[RowError], str | None]


def _parsed(path: Path, kind: FileKind, ctx: _Context) -> Iterator[_Parsed]:
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
                yield row, {}, [RowError(row, "(row)", f"{len(values)} fields",
                                         f"more fields than the header's {len(table.header)}")], None
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
class _Verdict:
    problems: list[str] = field(default_factory=list)
    count: int = 0
    unmapped: set[str] = field(default_factory=set)


def _judge(path: Path, kind: FileKind, ctx: _Context) -> _Verdict:
    """Pass 1: every problem in the file (the first ``MAX_REASON_LINES`` kept verbatim)."""
    verdict = _Verdict()
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


def _landing_rows(path: Path, kind: FileKind, ctx: _Context) -> Iterator[_Payload]:
    """Pass 2: the rows as landed. Pass 1 found no error, so one now means the file changed."""
    for row, record, errors, _ in _parsed(path, kind, ctx):
        if errors:
            raise RuntimeError(f"{path.name} changed while it was being loaded ({errors[0]}); "
                               "it stays in the inbox for the next run")
        if "respondent_email" in record:
            email = record.pop("respondent_email")
            record["respondent_pseudonym"] = _pseudonym(email, ctx)
        payload = _Payload(jsonable(record))
        payload.key_values = (path.name, row, *(record[name] for _, name in kind.raw_keys))
        yield payload


def _pseudonym(email: str | None, ctx: _Context) -> str | None:
    from ssc_pipeline.pseudonymisation import pseudonymise

    return pseudonymise(email, ctx.key) if email else None


def raw_entity(kind: FileKind) -> landing.RawEntity:
    """Where a file kind lands: ``raw.file_<kind>``, typed keys after source file and row."""
    return landing.RawEntity(
        source_system=SOURCE_SYSTEM, entity=kind.name, table=kind.table,
        key_columns=("source_file", "source_row", *(column for column, _ in kind.raw_keys)),
        keys=lambda record: record.key_values,  # type: ignore[attr-defined]
    )


def _sha256(path: Path) -> tuple[str, int]:
    with path.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    return digest, path.stat().st_size


def _processed_before(org_code: str, sha256: str) -> tuple[str, str] | None:
    with warehouse.connect() as conn:
        row = conn.execute("select load_id::text, file_name from audit.files where org_code = %s"
                           " and sha256 = %s and status = 'processed'", (org_code, sha256)).fetchone()
    return (row[0], row[1]) if row else None


def _register(org_code: str, path: Path, kind: str, digest: tuple[str, int], status: str,
              load_id: str | None, reason: str | None) -> None:
    with warehouse.connect(autocommit=True) as conn:
        conn.execute(
            "insert into audit.files (file_id, org_code, file_name, kind, sha256, size_bytes, status,"
            " load_id, reason) values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (str(uuid.uuid4()), org_code, path.name, kind, digest[0], digest[1], status, load_id,
             reason[:4000] if reason else None),
        )


def _free_name(folder: Path, name: str, *, suffixes: tuple[str, ...] = ("",)) -> Path:
    """``name`` in ``folder``, or ``<stem>__2<ext>``... when a file of that name was handled before."""
    stem, dot, ext = name.rpartition(".") if "." in name else (name, "", "")
    candidate, n = name, 1
    while any((folder / f"{candidate}{s}").exists() for s in suffixes):
        n += 1
        candidate = f"{stem}__{n}{dot}{ext}"
    return folder / candidate


def _move(path: Path, folder_name: str, *, suffixes: tuple[str, ...] = ("",)) -> Path:
    target_dir = path.parent / folder_name
    target_dir.mkdir(exist_ok=True)
    target = _free_name(target_dir, path.name, suffixes=suffixes)
    os.replace(path, target)
    return target


def _reject(path: Path, ctx: _Context, kind: str, digest: tuple[str, int], verdict: _Verdict) -> FileLoad:
    summary = f"{verdict.count} problem(s): " + "; ".join(verdict.problems[:10])
    _register(ctx.org_code, path, kind, digest, "rejected", None, summary)
    folder = path.parent / "rejected"
    folder.mkdir(exist_ok=True)
    target = _free_name(folder, path.name, suffixes=("", ".reason.txt"))
    lines = [f"{path.name} was rejected: nothing from it was loaded.",
             f"Organisation {ctx.org_code}, kind {kind}, sha256 {digest[0]}, {verdict.count} problem(s).",
             "Rows are numbered from 1 under the header line.", "", *verdict.problems]
    if verdict.count > len(verdict.problems):
        lines.append(f"... and {verdict.count - len(verdict.problems)} more")
    lines += ["", "Correct the file and drop it again (docs/file-drops.md describes every column)."]
    reason_file = folder / f"{target.name}.reason.txt"
    temporary = folder / f".{reason_file.name}.tmp"
    temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(temporary, reason_file)
    os.replace(path, target)
    log.warning("%s/%s rejected: %s", ctx.org_code, path.name, summary)
    return FileLoad(path.name, kind, "rejected", None, 0, summary, tuple(sorted(verdict.unmapped)))


def _duplicate(path: Path, ctx: _Context, kind: str, digest: tuple[str, int], load_id: str,
               first_name: str) -> FileLoad:
    reason = f"same content as {first_name}, already loaded as load {load_id}"
    _register(ctx.org_code, path, kind, digest, "duplicate", None, reason)
    _move(path, "processed")
    log.info("%s/%s is a duplicate: %s", ctx.org_code, path.name, reason)
    return FileLoad(path.name, kind, "duplicate", None, 0, reason)


def _scope_problem(kind: FileKind, ctx: _Context) -> str | None:
    if kind.scope == "org" and ctx.is_ssc:
        return f"{kind.name} files belong in an organisation's own inbox folder, not in {SSC_FOLDER}/"
    if kind.scope == "ssc" and not ctx.is_ssc:
        return f"{kind.name} files are SSC-wide: drop them in the {SSC_FOLDER}/ folder of the inbox"
    return None


_AMSTERDAM = ZoneInfo("Europe/Amsterdam")
_DAY_IN_NAME = re.compile(r"_(\d{4}-\d{2}-\d{2})\.(csv|xlsx)$", re.IGNORECASE)


def _file_window(name: str, run_start: dt.datetime | None,
                 run_end: dt.datetime | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The window a file's load covers: the local day its name ends with (``tickets_GM0610_2026-11-20.csv``),
    whichever run picked it up; otherwise the run's data interval.

    The monthly close judges completeness by these windows, and a file for
    a past day may well arrive with a later run (or by its READY event).
    """
    match = _DAY_IN_NAME.search(name)
    if match is None:
        return run_start, run_end
    day = dt.date.fromisoformat(match.group(1))
    start = dt.datetime.combine(day, dt.time(0), tzinfo=_AMSTERDAM)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=_AMSTERDAM)


def _process_file(path: Path, ctx: _Context, run_id: str | None,
                  window_start: dt.datetime | None, window_end: dt.datetime | None) -> FileLoad:
    kind = kind_for(path.name)
    digest = _sha256(path)
    if kind is None:
        patterns = ", ".join(p for k in KINDS for p in k.patterns)
        return _reject(path, ctx, "unknown", digest, _Verdict(
            [f"{path.name}: the name matches no file kind; expected one of {patterns}"], 1))
    if previous := _processed_before(ctx.org_code, digest[0]):
        return _duplicate(path, ctx, kind.name, digest, *previous)
    if problem := _scope_problem(kind, ctx):
        return _reject(path, ctx, kind.name, digest, _Verdict([problem], 1))
    verdict = _judge(path, kind, ctx)
    if verdict.count:
        return _reject(path, ctx, kind.name, digest, verdict)
    if any(column.personal for column in kind.columns):
        _ = ctx.key  # refuse before the load starts when the key is missing
    start, end = _file_window(path.name, window_start, window_end)
    if start is None:
        end = window_end or dt.datetime.now(dt.timezone.utc)
        start = min(end, dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc))
    result = landing.run_load(ctx.org_code, raw_entity(kind), start, end,
                              _landing_rows(path, kind, ctx), run_id=run_id)
    unmapped = tuple(sorted(verdict.unmapped))
    note = f"unmapped service values loaded as OVERIG: {', '.join(unmapped)}" if unmapped else None
    try:
        _register(ctx.org_code, path, kind.name, digest, "processed", result.load_id, note)
    except psycopg.errors.UniqueViolation:
        landing.fail_load(result.load_id, "superseded: a concurrent run processed the same file first")
        first = _processed_before(ctx.org_code, digest[0]) or ("?", "?")
        return _duplicate(path, ctx, kind.name, digest, *first)
    except BaseException as exc:
        landing.fail_load(result.load_id, f"file registry update failed: {type(exc).__name__}: {exc}")
        raise
    _move(path, "processed")
    if unmapped:
        log.warning("%s/%s: %s", ctx.org_code, path.name, note)
    log.info("%s/%s landed: %d rows, load %s", ctx.org_code, path.name, result.rows, result.load_id)
    return FileLoad(path.name, kind.name, "landed", result.load_id, result.rows, note, unmapped)


def process_inbox(org_code: str, *, root: Path | None = None, run_id: str | None = None,
                  window_start: dt.datetime | None = None,
                  window_end: dt.datetime | None = None) -> list[FileLoad]:
    """Handle every file waiting in ``<root>/<org_code>/``; one ``FileLoad`` per file.

    ``window_start``/``window_end`` (from the Airflow data interval) are the
    window recorded on each load; unset, a file's mtime and now. A file that
    cannot be handled for a reason of ours (database down, no pseudonymisation
    key) stays in the inbox; the others are still handled, then ``InboxError``
    names what was left.
    """
    org = org_code.strip().upper()
    ctx = _Context(org)
    results: list[FileLoad] = []
    left: list[str] = []
    for path in pending_files((root or inbox_root()) / org):
        try:
            results.append(_process_file(path, ctx, run_id, window_start, window_end))
        except FileNotFoundError:
            if path.exists():
                raise
            log.info("%s/%s was taken by a concurrent run", org, path.name)
        except Exception as exc:  # reported below; the file stays for the next run
            log.exception("%s/%s could not be handled", org, path.name)
            left.append(f"{path.name}: {type(exc).__name__}: {exc}")
    if left:
        raise InboxError(f"inbox of {org}: {len(left)} file(s) left for the next run: " + "; ".join(left))
    return results
