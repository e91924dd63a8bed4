"""Serve the source-system simulators as one background process for the demo.

Tenants and their generated credentials come in through the environment
variable ``SSC_SIMULATOR_TENANTS`` (JSON), never the command line, so the
passwords do not show in the process list. The bound base URL is written to
the file named by ``--url-file`` once the server listens.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import threading
from pathlib import Path

from ssc_pipeline.simulators.topdesk import TopdeskSimulator, TopdeskTenant


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--url-file", type=Path, required=True)
    args = parser.parse_args()
    specs = json.loads(os.environ["SSC_SIMULATOR_TENANTS"])
    tenants = {s["org_code"]: TopdeskTenant(**s) for s in specs}
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with TopdeskSimulator(tenants, port=args.port) as sim:
        args.url_file.write_text(sim.base_url)
        stopped.wait()


if __name__ == "__main__":
    main()
