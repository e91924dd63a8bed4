"""Serve the source-system simulators as one background process for the demo and tests.

Tenants and their generated credentials come in through the environment
variable ``SSC_SIMULATOR_TENANTS`` (JSON list of ``{"source": "topdesk" |
"servicenow", "org_code", "username", "password", ...}``), never the command
line, so the passwords do not show in the process list. Faults come from
``SSC_SIMULATOR_FAULTS`` (see ``faults.FaultPlan``). The base URL of each
simulator is written as JSON to ``--url-file`` once they listen.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import threading
from contextlib import ExitStack
from pathlib import Path

from ssc_pipeline.simulators.faults import FaultPlan
from ssc_pipeline.simulators.servicenow import ServiceNowSimulator, ServiceNowTenant
from ssc_pipeline.simulators.topdesk import TopdeskSimulator, TopdeskTenant

SIMULATORS = {"topdesk": (TopdeskSimulator, TopdeskTenant), "servicenow": (ServiceNowSimulator, ServiceNowTenant)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url-file", type=Path, required=True)
    args = parser.parse_args()
    specs = json.loads(os.environ["SSC_SIMULATOR_TENANTS"])
    faults = FaultPlan.from_env()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    urls: dict[str, str] = {}
    with ExitStack() as stack:
        for source, (simulator_class, tenant_class) in SIMULATORS.items():
            tenants = {
                s["org_code"]: tenant_class(**{k: v for k, v in s.items() if k != "source"})
                for s in specs
                if s["source"] == source
            }
            if tenants:
                sim = stack.enter_context(simulator_class(tenants, faults=faults))
                urls[source] = sim.base_url
        args.url_file.write_text(json.dumps(urls))
        stopped.wait()


if __name__ == "__main__":
    main()
