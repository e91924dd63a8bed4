"""File drops for organisations without an API (DESIGN §4.3).

An organisation (or the SSC, in the reserved ``SSC/`` folder) drops CSV or XLSX
files into ``<inbox>/<ORG>/`` and writes a ``READY`` marker; ``process_inbox``
loads each file once (checksum registry ``audit.files``), atomically, into
``raw.file_<kind>``, or rejects it with a reason file naming row, field and
value. The formats are documented in ``docs/file-drops.md``.

Modules: ``formats`` (the file kinds and their row parsers), ``reading``
(CSV/XLSX to rows of strings), ``catalogue`` (own categories -> SSC service
codes) and ``inbox`` (the processing itself).
"""

from __future__ import annotations

from ssc_pipeline.sources.files.catalogue import ServiceCatalogue, load_catalogue, map_service
from ssc_pipeline.sources.files.formats import KINDS, FileKind, RowError, kind_for
from ssc_pipeline.sources.files.inbox import (
    READY_MARKER,
    SSC_FOLDER,
    FileLoad,
    InboxError,
    inbox_root,
    process_inbox,
    raw_entity,
)

# Raw-gate suite per file kind (validation.validate_load): the row parsers reject malformed
# files before landing; the suites judge each landed load again, in SQL, as every source's are.
SUITES: dict[str, str] = {kind: f"raw_file_{kind}" for kind in
                          ("tickets", "ticket_holds", "costs", "allocation_keys", "baselines", "survey_responses")}

__all__ = ["KINDS", "READY_MARKER", "SSC_FOLDER", "SUITES", "FileKind", "FileLoad", "InboxError",
           "RowError", "ServiceCatalogue", "inbox_root", "kind_for", "load_catalogue", "map_service",
           "process_inbox", "raw_entity"]
