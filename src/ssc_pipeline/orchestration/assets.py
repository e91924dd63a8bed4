"""The Assets every hand-over between DAGs goes through (DESIGN §2).

URIs use the ``ssc`` scheme and name the logical data, not a host and port:
the embedded database picks a free port on every start.
"""

from __future__ import annotations

from airflow.sdk import Asset

from ssc_pipeline.registry import Organisation


def raw_asset(org: Organisation) -> Asset:
    """Updated when a load of the organisation passed the raw gate (accepted)."""
    return Asset(name=f"raw_{org.code.lower()}", uri=f"ssc://raw/{org.code.lower()}")


def ready_asset(org: Organisation) -> Asset:
    """Posted by the organisation (REST API) to announce that new data is ready."""
    return Asset(name=f"ready_{org.code.lower()}", uri=f"ssc://ready/{org.code.lower()}")


MARTS = Asset(name="marts", uri="ssc://marts/all")
