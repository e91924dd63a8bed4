"""Structure of docker-compose.yml, its .env.example, the image and the init scripts.

No container engine runs in CI, so these checks are what keeps the stack
honest: every service watched by a healthcheck, images pinned, secrets only
from .env, ports only on 127.0.0.1, the Celery profile complete, Metabase on
the read-only bi_reader role, and the Airflow environment in step with
``airflow_runtime.airflow_env`` (the stack ``ssc demo`` starts).
"""

from __future__ import annotations

import importlib.util
import json
import re
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import yaml

from ssc_pipeline.local import airflow_runtime
from ssc_pipeline.registry import load_registry

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
COMPOSE: dict[str, Any] = yaml.safe_load(COMPOSE_TEXT)
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
VAR = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")
SECRET_NAME = re.compile(r"PASSWORD|PASS$|SECRET|_KEY$|TOKEN")
PINNED_TAG = re.compile(r"^v?\d+(\.\d+){1,3}(-[a-z0-9.]+)?$")
ONE_SHOTS = {"airflow-init", "metabase-init"}
AIRFLOW_COMPONENTS = ("airflow-api-server", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer")


def env_example() -> dict[str, str]:
    values: dict[str, str] = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            assert name not in values, f".env.example lists {name} twice"
            values[name.strip()] = value
    return values


def substitute(text: str, env: dict[str, str]) -> str:
    """Compose's interpolation, enough for these files: ${VAR}, ${VAR:-default}, ${VAR:?message}."""

    def value(match: re.Match[str]) -> str:
        name, op, default = match.group(1), match.group(2), match.group(3)
        found = env.get(name, "")
        return default if op in (":-", "-") and not found else found

    return VAR.sub(value, text).replace("$$", "$")


def environment(service: str) -> dict[str, str]:
    env = SERVICES[service].get("environment") or {}
    assert isinstance(env, dict), f"{service}: write environment as a mapping"
    return {k: str(v) for k, v in env.items()}


def load_docker_module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"docker_{name}", ROOT / "docker" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_stack_has_every_part() -> None:
    assert {
        "postgres",
        "simulators",
        "metabase",
        "metabase-init",
        "airflow-init",
        *AIRFLOW_COMPONENTS,
        "redis",
        "airflow-worker",
    } <= set(SERVICES)


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_service_has_a_healthcheck_or_is_a_one_shot(name: str) -> None:
    service = SERVICES[name]
    if name in ONE_SHOTS:
        assert service.get("restart") == "no" and "ports" not in service
        return
    check = service.get("healthcheck") or {}
    assert check.get("test") and not check.get("disable"), f"{name} has no healthcheck"
    assert service.get("restart") == "unless-stopped"


def test_one_shots_gate_what_needs_them() -> None:
    for name in AIRFLOW_COMPONENTS:
        assert SERVICES[name]["depends_on"]["airflow-init"] == {"condition": "service_completed_successfully"}
        assert SERVICES[name]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert SERVICES["metabase-init"]["depends_on"]["metabase"] == {"condition": "service_healthy"}


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_image_is_pinned_to_an_exact_tag(name: str) -> None:
    image = SERVICES[name]["image"]
    assert "${" not in image, f"{name}: the image must not come from the environment"
    repository, _, tag = image.rpartition(":")
    assert repository and "/" not in tag, f"{name}: {image} has no tag"
    assert tag != "latest" and PINNED_TAG.match(tag), f"{name}: {image} is not pinned to an exact version"


def test_the_built_image_carries_the_package_version_and_a_pinned_base() -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    built = {n: s for n, s in SERVICES.items() if "build" in s}
    assert set(built) >= {"airflow-init", "simulators", "metabase-init", *AIRFLOW_COMPONENTS}
    for name, service in built.items():
        assert service["image"] == f"ssc-pipeline:{version}", name
        assert service["build"] == {"context": ".", "dockerfile": "docker/Dockerfile"}
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    bases = re.findall(r"^FROM\s+(\S+)", dockerfile, re.MULTILINE)
    assert bases == ["python:3.11.14-slim-bookworm"]
    assert re.search(r"^USER\s+ssc\s*$", dockerfile, re.MULTILINE), "the image must not run as root"
    assert re.search(r"^RUN pip install \. ", dockerfile, re.MULTILINE)
    for needed in ("dags", "dbt_project", "expectations", "organisations.yml", "service_catalogue.yml"):
        assert re.search(rf"^COPY .*\b{re.escape(needed)}\b", dockerfile, re.MULTILINE), f"{needed} not in the image"


def test_scripts_run_by_compose_are_in_the_image_or_mounted() -> None:
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    for name, service in SERVICES.items():
        for part in service.get("command") or []:
            for script in re.findall(r"/opt/ssc/docker/([\w.-]+)", str(part)):
                assert (ROOT / "docker" / script).exists(), f"{name}: docker/{script} missing"
                assert f"docker/{script}" in dockerfile, f"{name}: docker/{script} not copied into the image"
    mounts = SERVICES["postgres"]["volumes"]
    assert "./docker/postgres/init-roles.sh:/docker-entrypoint-initdb.d/10-ssc-roles.sh:ro" in mounts
    assert "./docker/postgres/roles.sql:/ssc-init/roles.sql:ro" in mounts
    assert "-f /ssc-init/roles.sql" in (ROOT / "docker" / "postgres" / "init-roles.sh").read_text()


def _secrets_in(name: str, key: str, value: str) -> list[str]:
    """Problems with one environment value: a literal where a ${VAR} belongs."""
    problems = []
    if SECRET_NAME.search(key) and not key.endswith("_FILE"):
        refs = VAR.findall(value)
        if not refs or VAR.sub("", value).strip():
            problems.append(f"{name}: {key} must be exactly a ${{VAR}} from .env")
        problems += [f"{name}: {key} has a default ({ref[0]})" for ref in refs if ref[1] in (":-", "-")]
    for password in re.findall(r"://[^:/@\s]*:([^@\s]+)@", value):
        if not VAR.fullmatch(password):
            problems.append(f"{name}: {key} has a literal password in a URL")
    for password in re.findall(r'"password":\s*"([^"]*)"', value):
        if not VAR.fullmatch(password):
            problems.append(f"{name}: {key} has a literal password in JSON")
    return problems


def test_no_literal_secrets() -> None:
    problems = [
        p for name in SERVICES for key, value in environment(name).items() for p in _secrets_in(name, key, value)
    ]
    assert problems == []
    # the checker itself catches what it should
    assert _secrets_in("x", "MB_DB_PASS", "hunter2")
    assert _secrets_in("x", "MB_DB_PASS", "${PW:-hunter2}")
    assert _secrets_in("x", "URL", "postgresql://ssc:hunter2@postgres/ssc")
    assert _secrets_in("x", "CONN", '{"password": "hunter2"}')
    assert not _secrets_in("x", "URL", "postgresql://ssc:${PW}@postgres/ssc")


def test_every_published_port_binds_localhost_only() -> None:
    published = 0
    for name, service in SERVICES.items():
        for port in service.get("ports") or []:
            published += 1
            if isinstance(port, dict):
                assert port.get("host_ip") == "127.0.0.1", f"{name}: {port}"
            else:
                assert str(port).startswith("127.0.0.1:"), f"{name}: {port} is reachable from outside"
    assert published >= 5  # postgres, airflow api, metabase, two simulators


def test_celery_profile_brings_redis_and_workers_and_the_executor_switches_by_env() -> None:
    profiled = {name for name, s in SERVICES.items() if s.get("profiles")}
    assert profiled == {"redis", "airflow-worker"}
    assert all(SERVICES[name]["profiles"] == ["celery"] for name in profiled)
    worker = SERVICES["airflow-worker"]
    assert worker["command"] == ["airflow", "celery", "worker"]
    assert worker["depends_on"]["redis"] == {"condition": "service_healthy"}
    env = environment("airflow-scheduler")
    assert env["AIRFLOW__CORE__EXECUTOR"] == "${AIRFLOW_EXECUTOR:-LocalExecutor}"
    assert env_example()["AIRFLOW_EXECUTOR"] == "LocalExecutor"
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://:${REDIS_PASSWORD")
    assert "@redis:6379/" in env["AIRFLOW__CELERY__BROKER_URL"]
    assert environment("airflow-worker") == env  # workers run tasks: the same environment


def test_every_airflow_component_shares_one_environment_and_volumes() -> None:
    first = environment("airflow-scheduler")
    for name in (*AIRFLOW_COMPONENTS, "airflow-init"):
        env = environment(name)
        assert {k: v for k, v in env.items() if k != "AIRFLOW_API_PASSWORD"} == first, name
        assert set(SERVICES[name]["volumes"]) == {"airflow-home:/opt/airflow", "ssc-home:/var/lib/ssc"}
    assert "AIRFLOW_API_PASSWORD" in environment("airflow-init")  # only the init writes the password file
    assert "AIRFLOW_API_PASSWORD" not in first


def test_airflow_environment_mirrors_airflow_runtime(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for key in list(os.environ):
        if key.startswith(("AIRFLOW", "SSC_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("SSC_HOME", str(tmp_path))
    monkeypatch.setenv("SSC_DATABASE_URL", "postgresql://ssc:pw@127.0.0.1:5432/ssc")
    state = airflow_runtime.AirflowState(port=8080, jwt_secret="j", password="p")
    local = {k: v for k, v in airflow_runtime.airflow_env(state).items() if k.startswith(("AIRFLOW", "SSC_"))}
    compose = environment("airflow-scheduler")
    missing = sorted(set(local) - set(compose))
    assert missing == [], f"airflow_env sets {missing}, docker-compose.yml does not"
    same = (
        "AIRFLOW__CORE__LOAD_EXAMPLES",
        "AIRFLOW__CORE__PARALLELISM",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC",
        "AIRFLOW__LOGGING__LOGGING_LEVEL",
        *airflow_runtime.MEMORY_SETTINGS,
    )
    assert {k: compose[k] for k in same} == {k: local[k] for k in same}
    assert compose["AIRFLOW__CORE__DAGS_FOLDER"] == compose["SSC_PROJECT_ROOT"] + "/dags"
    assert compose["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == (
        f"http://airflow-api-server:{compose['AIRFLOW__API__PORT']}/execution/"
    )
    assert compose["AIRFLOW__API_AUTH__JWT_SECRET"].startswith("${AIRFLOW_JWT_SECRET")
    assert compose["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://airflow:")
    assert compose["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].endswith("@postgres:5432/airflow")
    api = SERVICES["airflow-api-server"]
    assert compose["AIRFLOW__API__PORT"] in api["command"]
    assert f":{compose['AIRFLOW__API__PORT']}/" in " ".join(api["healthcheck"]["test"])
    assert compose["AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK"] == "True"  # the scheduler's /health on 8974


def test_simulators_serve_every_api_organisation_and_airflow_finds_them() -> None:
    env_values = env_example()
    simulators = SERVICES["simulators"]
    assert "serve_simulators.py" in " ".join(simulators["command"])
    assert "--url-file" in simulators["command"]
    sim_env = environment("simulators")
    tenants = json.loads(substitute(sim_env["SSC_SIMULATOR_TENANTS"], env_values))
    api_orgs = [o for o in load_registry() if o.source in ("topdesk", "servicenow")]
    assert {(t["source"], t["org_code"]) for t in tenants} == {(o.source, o.code) for o in api_orgs}
    ports = {"topdesk": sim_env["SSC_SIMULATOR_TOPDESK_PORT"], "servicenow": sim_env["SSC_SIMULATOR_SERVICENOW_PORT"]}
    airflow = environment("airflow-scheduler")
    for org in api_orgs:
        conn = json.loads(substitute(airflow[f"AIRFLOW_CONN_{org.connection.upper()}"], env_values))
        assert conn["host"] == f"http://simulators:{ports[org.source]}/{org.code.lower()}"
        tenant = next(t for t in tenants if t["org_code"] == org.code)
        assert (conn["login"], conn["password"]) == (tenant["username"], tenant["password"])


def test_simulator_wrapper_binds_the_configured_host_and_port(monkeypatch: pytest.MonkeyPatch) -> None:
    from ssc_pipeline.simulators import serve
    from ssc_pipeline.simulators.topdesk import TopdeskTenant

    monkeypatch.setattr(serve, "SIMULATORS", dict(serve.SIMULATORS))
    module = load_docker_module("serve_simulators")
    ports = module.bind_simulators({"SSC_SIMULATOR_HOST": "127.0.0.1", "SSC_SIMULATOR_TOPDESK_PORT": "0"})
    assert ports == {"topdesk": 0, "servicenow": 8082}
    simulator_class, _tenant = serve.SIMULATORS["topdesk"]
    tenant = TopdeskTenant(org_code="GM0505", username="u", password="p")
    with simulator_class({"GM0505": tenant}) as simulator:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", simulator.base_url)


def test_metabase_reads_the_warehouse_as_a_bi_reader_login() -> None:
    init = environment("metabase-init")
    assert init["MB_WAREHOUSE_USER"] == "metabase"
    assert init["MB_WAREHOUSE_PASSWORD"] == "${METABASE_WAREHOUSE_PASSWORD:?set METABASE_WAREHOUSE_PASSWORD in .env}"
    assert (init["MB_WAREHOUSE_HOST"], init["MB_WAREHOUSE_DB"]) == ("postgres", "ssc")
    roles = (ROOT / "docker" / "postgres" / "roles.sql").read_text()
    assert re.search(r"create role metabase login password %L in role bi_reader", roles)
    assert "default_transaction_read_only = on" in roles
    assert ":'metabase_password'" in roles
    assert (
        '-v metabase_password="$METABASE_WAREHOUSE_PASSWORD"'
        in (ROOT / "docker" / "postgres" / "init-roles.sh").read_text()
    )
    assert environment("postgres")["METABASE_WAREHOUSE_PASSWORD"] == init["MB_WAREHOUSE_PASSWORD"]
    metabase = environment("metabase")
    assert metabase["MB_DB_USER"] == "metabase_app"  # its own settings database, not the warehouse owner
    assert not any("POSTGRES_PASSWORD" in v for v in (*metabase.values(), *init.values()))
    core = (ROOT / "src" / "ssc_pipeline" / "warehouse" / "sql" / "00_core.sql").read_text()
    assert "grant select on all tables in schema marts, published to bi_reader" in core


def test_metabase_setup_registers_the_warehouse_once() -> None:
    module = load_docker_module("metabase_setup")
    env = {"MB_ADMIN_EMAIL": "beheer@ssc.example.nl", "MB_ADMIN_PASSWORD": "a", "MB_WAREHOUSE_PASSWORD": "r"}
    calls: list[tuple[str, str, Any]] = []
    state = {"setup": False, "databases": []}

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        calls.append((request.method, request.url.path, body))
        if request.url.path == "/api/session/properties":
            return httpx.Response(200, json={"setup-token": "tok", "has-user-setup": state["setup"]})
        if request.url.path == "/api/setup":
            state["setup"] = True
            state["databases"].append(body["database"])
            return httpx.Response(200, json={"id": "session"})
        if request.url.path == "/api/session":
            return httpx.Response(200, json={"id": "session"})
        if request.url.path == "/api/database" and request.method == "GET":
            return httpx.Response(200, json={"data": state["databases"]})
        return httpx.Response(404)

    with httpx.Client(base_url="http://metabase:3000", transport=httpx.MockTransport(handler)) as client:
        assert module.setup(client, env) == "set up Metabase with the warehouse connection"
        assert module.setup(client, env) == "warehouse connection already present"
    database = next(body for method, path, body in calls if path == "/api/setup")["database"]
    assert database["engine"] == "postgres"
    assert database["details"]["user"] == "metabase" and database["details"]["password"] == "r"
    assert database["details"]["schema-filters-patterns"] == "marts,published"
    assert not any(path == "/api/database" and method == "POST" for method, path, _ in calls)


def scalars(node: Any) -> list[str]:
    """Every string in the parsed file (keys and values): comments are not interpolated, these are."""
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in (*scalars(k), *scalars(v))]
    if isinstance(node, list):
        return [s for item in node for s in scalars(item)]
    return [node] if isinstance(node, str) else []


def test_every_variable_is_in_env_example_and_every_example_is_used() -> None:
    used = {ref for text in scalars(COMPOSE) for ref in VAR.findall(text)}
    names = {name for name, _, _ in used}
    listed = env_example()
    assert sorted(names - set(listed)) == []
    unused = set(listed) - names - {"COMPOSE_PROFILES"}  # read by compose itself
    assert sorted(unused) == []
    required = {name for name, op, _ in used if op in (":?", "?")}
    assert all(listed[name] for name in required), "a required variable has no example value"
    assert all("change-me" in listed[n] for n in required if SECRET_NAME.search(n))


def test_env_example_values_make_valid_json_and_urls() -> None:
    rendered = yaml.safe_load(substitute(COMPOSE_TEXT, env_example()))
    env = rendered["services"]["airflow-scheduler"]["environment"]
    for key, value in env.items():
        if key.startswith("AIRFLOW_CONN_"):
            json.loads(value)
    assert env["SSC_DATABASE_URL"] == "postgresql://ssc:change-me-postgres@postgres:5432/ssc"
    assert rendered["services"]["postgres"]["ports"] == ["127.0.0.1:5432:5432"]
