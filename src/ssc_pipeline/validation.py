"""Runs the Great Expectations suites in ``expectations/`` on one load or one mart.

Suites are JSON files (loaded, never rebuilt inline) and run as SQL inside
PostgreSQL through a GX query asset restricted to the rows of one load: nothing
is pulled into pandas. Each expectation carries GX's own ``severity``: a failed
``critical`` expectation quarantines the load (its rows stay in ``raw`` but
staging only reads ``accepted`` loads); ``warning`` and ``info`` are recorded
and pass (DESIGN §6).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ssc_pipeline import warehouse
from ssc_pipeline.registry import project_root

class LoadQuarantined(RuntimeError):
    """A load failed a critical expectation; the message names org, suite, expectation, examples."""


@dataclass
class FailedExpectation:
    expectation: str
    column: str | None
    severity: str
    rule: str | None
    unexpected_count: int | None
    examples: list[Any] = field(default_factory=list)

    def describe(self) -> str:
        where = f" on {self.column}" if self.column else ""
        count = f" ({self.unexpected_count} rows)" if self.unexpected_count is not None else ""
        examples = f"; examples: {self.examples[:5]}" if self.examples else ""
        rule = f" [{self.rule}]" if self.rule else ""
        return f"{self.severity}: {self.expectation}{where}{rule}{count}{examples}"


@dataclass
class ValidationOutcome:
    validation_id: str
    suite: str
    success: bool
    expectations: int
    failed: list[FailedExpectation]

    @property
    def critical_failures(self) -> list[FailedExpectation]:
        return [f for f in self.failed if f.severity == "critical"]


def expectations_dir() -> Path:
    return project_root() / "expectations"


def load_suite_json(suite_name: str) -> dict[str, Any]:
    path = expectations_dir() / f"{suite_name}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def run_suite(suite_name: str, query: str, url: str | None = None) -> ValidationOutcome:
    """Validate the rows of ``query`` against the stored suite, in PostgreSQL."""
    import great_expectations as gx
    from great_expectations.core import ExpectationSuite

    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    suite = context.suites.add(ExpectationSuite(**load_suite_json(suite_name)))
    source = context.data_sources.add_postgres(name="ssc", connection_string=url or warehouse.database_url())
    asset = source.add_query_asset(name=suite_name, query=query)
    batch_definition = asset.add_batch_definition_whole_table("whole")
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{suite_name}-run", data=batch_definition, suite=suite)
    )
    result = definition.run(result_format={"result_format": "SUMMARY", "partial_unexpected_count": 5})
    failed: list[FailedExpectation] = []
    for res in result.results:
        if res.success:
            continue
        cfg = res.expectation_config
        details = res.result or {}
        failed.append(FailedExpectation(
            expectation=cfg.type,
            column=cfg.kwargs.get("column") or _pair(cfg.kwargs),
            severity=str(getattr(cfg.severity, "value", cfg.severity) or "critical"),
            rule=(cfg.meta or {}).get("rule"),
            unexpected_count=details.get("unexpected_count"),
            examples=[_jsonable(v) for v in details.get("partial_unexpected_list") or []],
        ))
        if res.exception_info and res.exception_info.get("raised_exception"):
            failed[-1].examples.append(str(res.exception_info.get("exception_message"))[:300])
    critical = any(f.severity == "critical" for f in failed)
    return ValidationOutcome(
        validation_id=str(uuid.uuid4()), suite=suite_name, success=not critical,
        expectations=len(result.results), failed=failed,
    )


def _pair(kwargs: dict[str, Any]) -> str | None:
    if "column_A" in kwargs:
        return f"{kwargs['column_A']} vs {kwargs['column_B']}"
    return None


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def record_outcome(outcome: ValidationOutcome, target: str, load_id: str | None = None,
                   month: str | None = None) -> None:
    results = [f.__dict__ for f in outcome.failed]
    with warehouse.connect(autocommit=True) as conn:
        conn.execute(
            "insert into audit.validations (validation_id, suite, target, load_id, month, success,"
            " expectations, failed, results) values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (outcome.validation_id, outcome.suite, target, load_id, month, outcome.success,
             outcome.expectations, len(outcome.failed), json.dumps(results)),
        )


def validate_load(load_id: str, suite_name: str) -> ValidationOutcome:
    """Validate one landed load; accept it, or quarantine it and raise ``LoadQuarantined``."""
    with warehouse.connect() as conn:
        row = conn.execute("select org_code, status from audit.loads where load_id = %s",
                           (load_id,)).fetchone()
    if row is None:
        raise ValueError(f"unknown load {load_id}")
    org_code, status = row
    if status not in ("landed", "quarantined"):
        raise ValueError(f"load {load_id} of {org_code} is {status}; only a landed load can be validated")
    suite = load_suite_json(suite_name)
    query = suite.get("meta", {}).get("query")
    if not query or "{load_id}" not in query:
        raise ValueError(f"suite {suite_name} has no meta.query restricted to '{{load_id}}'")
    outcome = run_suite(suite_name, query.replace("{load_id}", str(uuid.UUID(load_id))))
    record_outcome(outcome, target=f"load:{load_id}", load_id=load_id)
    new_status = "accepted" if outcome.success else "quarantined"
    message = "; ".join(f.describe() for f in outcome.failed) or None
    with warehouse.connect(autocommit=True) as conn:
        conn.execute("update audit.loads set status = %s, message = %s where load_id = %s",
                     (new_status, message, load_id))
    if not outcome.success:
        raise LoadQuarantined(
            f"load {load_id} of organisation {org_code} quarantined by suite {suite_name}: "
            + "; ".join(f.describe() for f in outcome.critical_failures)
        )
    return outcome


def accept_unsuited(load_id: str) -> None:
    """Accept a load of an entity without a GX suite (its row parser checked every value)."""
    with warehouse.connect(autocommit=True) as conn:
        conn.execute(
            "update audit.loads set status = 'accepted', message = coalesce(message, %s)"
            " where load_id = %s and status = 'landed'",
            ("no GX suite for this entity: every value was checked by the file's row parser", load_id))
