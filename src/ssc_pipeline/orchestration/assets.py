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


def inbox_folder(org: Organisation) -> Path:
    """``<SSC_INBOX>/<ORG>``; computed only, never touched (no I/O at DAG import)."""
    from ssc_pipeline.warehouse import ssc_home

    return Path(os.environ.get("SSC_INBOX") or ssc_home(create=False) / "inbox") / org.code


def ready_asset(org: Organisation) -> Asset:
    """An organisation's "data ready": posted through the REST API, or for a file drop the
    ``READY`` marker it writes after its data files (the triggerer watches, then deletes it)."""
    watchers = []
    if org.source == "files":
        from airflow.providers.standard.triggers.file import DirectoryFileDeleteTrigger

        trigger = DirectoryFileDeleteTrigger(directory=str(inbox_folder(org)), filename=READY_MARKER,
                                             poke_interval=5.0)
        watchers.append(AssetWatcher(name=f"inbox_{org.code.lower()}", trigger=trigger))
    return Asset(name=f"ready_{org.code.lower()}", uri=f"ssc://ready/{org.code.lower()}", watchers=watchers)


MARTS = Asset(name="marts", uri="ssc://marts/all")


PUBLISHED = Asset(name="published", uri="ssc://published/all")
