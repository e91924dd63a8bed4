"""SSC data pipeline: SLA, cost-saving and satisfaction figures for a Shared Service Center.

All logic lives in this package; Airflow DAG files and the ``ssc`` command are thin
wrappers around it (see ``../shared/DESIGN.md`` §3).
"""

from __future__ import annotations

__version__ = "0.1.0"
