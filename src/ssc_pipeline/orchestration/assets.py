"""The Assets every hand-over between DAGs goes through (DESIGN §2).

URIs use the ``ssc`` scheme and name the logical data, not a host and port:
the embedded database picks a free port on every start.
"""

from __future__ import annotations

import os
from pathlib import Path

from airflow.sdk import Asset, AssetWatcher

from ssc_pipeline.registry import Organisation

READY_MARKER = "READY"


def raw_asset(org: Organisation) -> Asset:
    """Updated when a load of the organisation passed the raw gate (accepted)."""
    return Asset(name=f"raw_{org.code.lower()}", uri=f"ssc://raw/{org.code.lower()}")


SSC_FOLDER = "SSC"  # the SSC's own drops: cost ledger, allocation keys, baselines, surveys


def inbox_folder(folder: str) -> Path:
    """``<SSC_INBOX>/<folder>``; computed only, never touched (no I/O at DAG import)."""
    from ssc_pipeline.warehouse import ssc_home

    return Path(os.environ.get("SSC_INBOX") or ssc_home(create=False) / "inbox") / folder


def _inbox_watcher(folder: str) -> AssetWatcher:
    from airflow.providers.standard.triggers.file import DirectoryFileDeleteTrigger

    trigger = DirectoryFileDeleteTrigger(directory=str(inbox_folder(folder)), filename=READY_MARKER,
                                         poke_interval=5.0)
    return AssetWatcher(name=f"inbox_{folder.lower()}", trigger=trigger)


def ready_asset(org: Organisation) -> Asset:
    """An organisation's "data ready": posted through the REST API, or for a file drop the
    ``READY`` marker it writes after its data files (the triggerer watches, then deletes it)."""
    watchers = [_inbox_watcher(org.code)] if org.source == "files" else []
    return Asset(name=f"ready_{org.code.lower()}", uri=f"ssc://ready/{org.code.lower()}", watchers=watchers)


def service_data_ready_asset() -> Asset:
    """The SSC's own drop folder: READY there starts the service-data load."""
    return Asset(name="ready_ssc", uri="ssc://ready/ssc", watchers=[_inbox_watcher(SSC_FOLDER)])


SERVICE_DATA = Asset(name="raw_ssc", uri="ssc://raw/ssc")


MARTS = Asset(name="marts", uri="ssc://marts/all")


PUBLISHED = Asset(name="published", uri="ssc://published/all")
