"""Land an inbox folder's files: every file loaded once, atomically, or rejected with a reason.

Layout: ``<inbox>/<ORG>/`` holds the organisation's drops (``<inbox>/SSC/``, a
reserved folder, the SSC-wide ones: cost ledger, allocation keys); handled
files move to ``processed/`` or ``rejected/`` under that folder. The ``READY``
marker and dot-files (a sender's half-written ``.tickets_x.csv.part``) are left
alone: the marker belongs to the Asset watcher that triggers the run.

Per file, why in this order:

1. SHA-256 first. ``audit.files`` holds one ``processed`` row per (org,
   sha256) -- a unique index, so even two concurrent runs cannot both load a
   file. A file seen before moves to ``processed/`` as ``duplicate``.
2. The file source judges every row before anything lands
   (``sources.files.drops.judge``). One bad row rejects the whole file: half a
   ledger is worse than none, and the sender can fix and resend it. The
   reason file beside it names row, field and value.
3. Land the source's records (``drops.records``, a streaming re-read) as one
   load through ``landing.run_load``, then register the file. The move comes
   only after both commits, so a database failure leaves the file in the inbox
   for the next run; a crash after the commit but before the move is harmless
   too (the next run sees the checksum and files it as a duplicate).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg

from ssc_pipeline import landing, warehouse
from ssc_pipeline.sources.files.drops import (
    DropContext,
    Verdict,
    file_window,
    inbox_root,
    judge,
    pending_files,
    records,
    scope_problem,
)
from ssc_pipeline.sources.files.formats import KINDS, kind_for
from ssc_pipeline.sources.spec import file_entity

__all__ = ["FileLoad", "InboxError", "process_inbox"]

log = logging.getLogger(__name__)


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


def _sha256(path: Path) -> tuple[str, int]:
    with path.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    return digest, path.stat().st_size


def _processed_before(org_code: str, sha256: str) -> tuple[str, str] | None:
    with warehouse.connect() as conn:
        row = conn.execute(
            "select load_id::text, file_name from audit.files where org_code = %s"
            " and sha256 = %s and status = 'processed'",
            (org_code, sha256),
        ).fetchone()
    return (row[0], row[1]) if row else None


def _register(
    org_code: str, path: Path, kind: str, digest: tuple[str, int], status: str, load_id: str | None, reason: str | None
) -> None:
    with warehouse.connect(autocommit=True) as conn:
        conn.execute(
            "insert into audit.files (file_id, org_code, file_name, kind, sha256, size_bytes, status,"
            " load_id, reason) values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                str(uuid.uuid4()),
                org_code,
                path.name,
                kind,
                digest[0],
                digest[1],
                status,
                load_id,
                reason[:4000] if reason else None,
            ),
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


def _reject(path: Path, ctx: DropContext, kind: str, digest: tuple[str, int], verdict: Verdict) -> FileLoad:
    summary = f"{verdict.count} problem(s): " + "; ".join(verdict.problems[:10])
    _register(ctx.org_code, path, kind, digest, "rejected", None, summary)
    folder = path.parent / "rejected"
    folder.mkdir(exist_ok=True)
    target = _free_name(folder, path.name, suffixes=("", ".reason.txt"))
    lines = [
        f"{path.name} was rejected: nothing from it was loaded.",
        f"Organisation {ctx.org_code}, kind {kind}, sha256 {digest[0]}, {verdict.count} problem(s).",
        "Rows are numbered from 1 under the header line.",
        "",
        *verdict.problems,
    ]
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


def _duplicate(
    path: Path, ctx: DropContext, kind: str, digest: tuple[str, int], load_id: str, first_name: str
) -> FileLoad:
    reason = f"same content as {first_name}, already loaded as load {load_id}"
    _register(ctx.org_code, path, kind, digest, "duplicate", None, reason)
    _move(path, "processed")
    log.info("%s/%s is a duplicate: %s", ctx.org_code, path.name, reason)
    return FileLoad(path.name, kind, "duplicate", None, 0, reason)


def _process_file(
    path: Path, ctx: DropContext, run_id: str | None, window_start: dt.datetime | None, window_end: dt.datetime | None
) -> FileLoad:
    kind = kind_for(path.name)
    digest = _sha256(path)
    if kind is None:
        patterns = ", ".join(p for k in KINDS for p in k.patterns)
        return _reject(
            path,
            ctx,
            "unknown",
            digest,
            Verdict([f"{path.name}: the name matches no file kind; expected one of {patterns}"], 1),
        )
    if previous := _processed_before(ctx.org_code, digest[0]):
        return _duplicate(path, ctx, kind.name, digest, *previous)
    if problem := scope_problem(kind, ctx):
        return _reject(path, ctx, kind.name, digest, Verdict([problem], 1))
    verdict = judge(path, kind, ctx)
    if verdict.count:
        return _reject(path, ctx, kind.name, digest, verdict)
    if any(column.personal for column in kind.columns):
        _ = ctx.key  # refuse before the load starts when the key is missing
    start, end = file_window(path.name, window_start, window_end)
    if start is None:
        end = window_end or dt.datetime.now(dt.timezone.utc)
        start = min(end, dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc))
    result = landing.run_load(ctx.org_code, file_entity(kind), start, end, records(path, kind, ctx), run_id=run_id)
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


def process_inbox(
    org_code: str,
    *,
    root: Path | None = None,
    run_id: str | None = None,
    window_start: dt.datetime | None = None,
    window_end: dt.datetime | None = None,
) -> list[FileLoad]:
    """Handle every file waiting in ``<root>/<org_code>/``; one ``FileLoad`` per file.

    ``window_start``/``window_end`` (from the Airflow data interval) are the
    window recorded on each load; unset, a file's mtime and now. A file that
    cannot be handled for a reason of ours (database down, no pseudonymisation
    key) stays in the inbox; the others are still handled, then ``InboxError``
    names what was left.
    """
    org = org_code.strip().upper()
    ctx = DropContext(org)
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
