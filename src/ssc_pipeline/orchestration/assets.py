"""The Assets every hand-over between DAGs goes through (DESIGN §2).

URIs use the ``ssc`` scheme and name the logical data, not a host and port:
the embedded database picks a free port on every start.
"""

from __future__ import annotations

from airflow.sdk import Asset, AssetWatcher

from ssc_pipeline.registry import SSC_CODE, Organisation
from ssc_pipeline.sources.files.drops import READY_MARKER, inbox_root


def raw_asset(org: Organisation) -> Asset:
    """Updated when a load of the organisation passed the raw gate (accepted)."""
    return Asset(name=f"raw_{org.code.lower()}", uri=f"ssc://raw/{org.code.lower()}")


def _inbox_watcher(folder: str) -> AssetWatcher:
    from airflow.providers.standard.triggers.file import DirectoryFileDeleteTrigger

    directory = inbox_root(create=False) / folder  # computed only: no I/O at DAG import
    trigger = DirectoryFileDeleteTrigger(directory=str(directory), filename=READY_MARKER, poke_interval=5.0)
    return AssetWatcher(name=f"inbox_{folder.lower()}", trigger=trigger)


def ready_asset(org: Organisation) -> Asset:
    """An organisation's "data ready": posted through the REST API, or for a file drop the
    ``READY`` marker it writes after its data files (the triggerer watches, then deletes it)."""
    watchers = [_inbox_watcher(org.code)] if org.source == "files" else []
    return Asset(name=f"ready_{org.code.lower()}", uri=f"ssc://ready/{org.code.lower()}", watchers=watchers)


def service_data_ready_asset() -> Asset:
    """The SSC's own drop folder: READY there starts the service-data load."""
    code = SSC_CODE.lower()
    return Asset(name=f"ready_{code}", uri=f"ssc://ready/{code}", watchers=[_inbox_watcher(SSC_CODE)])


SERVICE_DATA = Asset(name="raw_ssc", uri="ssc://raw/ssc")
MARTS = Asset(name="marts", uri="ssc://marts/all")
PUBLISHED = Asset(name="published", uri="ssc://published/all")
