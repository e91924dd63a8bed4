"""The validate task's body: the raw gate over what one extract task landed."""

from __future__ import annotations

from typing import Any

from ssc_pipeline import validation


def validate_loads(org_code: str, extracted: dict[str, Any]) -> dict[str, Any]:
    """Run each load's raw suite; accept, or quarantine and fail naming every problem.

    Every load is judged before failing, so one bad file does not hold back
    the verdict on the others; rejected files (moved aside by the extract)
    fail the task too, so that the data team is told.
    """
    problems = [f"organisation {org_code}: file rejected: {r}" for r in extracted.get("rejected", [])]
    accepted: list[str] = []
    warnings: list[str] = []
    try:
        for load in extracted.get("loads", []):
            try:
                outcome = validation.validate_load(load["load_id"], load["suite"], docs=False)
            except validation.LoadQuarantined as exc:
                problems.append(str(exc))
                continue
            accepted.append(load["load_id"])
            warnings += [f.describe() for f in outcome.failed]
    finally:
        validation.flush_data_docs()
    if problems:
        raise validation.LoadQuarantined("; ".join(problems))
    return {"accepted": accepted, "warnings": warnings}
