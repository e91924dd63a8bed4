"""Run ``ssc_pipeline.simulators.serve`` inside a container, reachable from the other containers.

``serve`` binds each simulator to 127.0.0.1 on a free port: right for the
demo on one machine, unreachable from the Airflow containers. This wrapper
changes only that: it hands ``serve`` simulator classes bound to
``SSC_SIMULATOR_HOST`` (default 0.0.0.0) and a fixed port per source
(``SSC_SIMULATOR_TOPDESK_PORT``, ``SSC_SIMULATOR_SERVICENOW_PORT``), then
runs ``serve.main()`` unchanged: tenants still come from
``SSC_SIMULATOR_TENANTS``, faults from ``SSC_SIMULATOR_FAULTS``, and the URLs
go to ``--url-file`` (they show the bind address; other containers use
``http://simulators:<port>``, as the ``AIRFLOW_CONN_*`` variables in
docker-compose.yml do).
"""

from __future__ import annotations

import functools
import os

from ssc_pipeline.simulators import serve

DEFAULT_PORTS = {"topdesk": 8081, "servicenow": 8082}


def bind_simulators(env: os._Environ[str] | dict[str, str] = os.environ) -> dict[str, int]:
    """Point ``serve.SIMULATORS`` at a fixed host and port per source; returns the ports used."""
    host = env.get("SSC_SIMULATOR_HOST", "0.0.0.0")  # noqa: S104 - a container's own interface
    ports = {}
    for source, (simulator_class, tenant_class) in list(serve.SIMULATORS.items()):
        port = int(env.get(f"SSC_SIMULATOR_{source.upper()}_PORT", DEFAULT_PORTS.get(source, 0)))
        ports[source] = port
        bound = functools.partial(simulator_class, host=host, port=port)
        serve.SIMULATORS[source] = (bound, tenant_class)  # type: ignore[assignment]
    return ports


if __name__ == "__main__":
    bind_simulators()
    serve.main()
