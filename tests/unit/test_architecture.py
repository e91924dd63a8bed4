"""ARCHITECTURE.md's rules hold for the code, and a broken rule is named with its file and line."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _checker():
    spec = importlib.util.spec_from_file_location("check_architecture", ROOT / "scripts" / "check_architecture.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_architecture"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def checker():
    return _checker()


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    """A copy of the code and the map, to break on purpose."""
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copytree(ROOT / "dags", tmp_path / "dags", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "ARCHITECTURE.md", tmp_path / "ARCHITECTURE.md")
    return tmp_path


def _append(path: Path, text: str) -> int:
    """Add ``text`` at the end of ``path``; return the line number it starts on."""
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, text]) + "\n", encoding="utf-8")
    return len(lines) + 1


def test_the_code_keeps_to_the_map(checker) -> None:
    assert checker.check(ROOT) == []


def test_an_upward_import_is_named_with_file_and_line(checker, tree: Path) -> None:
    target = tree / "src" / "ssc_pipeline" / "steps" / "extract.py"
    line = _append(target, "from ssc_pipeline.local import demo  # noqa")
    assert checker.check(tree) == [f"{target}:{line}: steps imports local (ssc_pipeline.local), a layer above it"]


def test_a_lazy_import_counts_too(checker, tree: Path) -> None:
    target = tree / "src" / "ssc_pipeline" / "landing.py"
    line = _append(target, "def sneaky():\n    from ssc_pipeline import validation\n    return validation")
    assert checker.check(tree) == [
        f"{target}:{line + 1}: landing imports validation (ssc_pipeline.validation); they are independent siblings"
    ]


def test_airflow_outside_orchestration_and_local_is_refused(checker, tree: Path) -> None:
    target = tree / "src" / "ssc_pipeline" / "publishing.py"
    line = _append(target, "from airflow.sdk.exceptions import AirflowSkipException  # noqa")
    assert checker.check(tree) == [f"{target}:{line}: imports airflow; only orchestration, local may"]


def test_a_private_module_of_a_dependency_is_refused(checker, tree: Path) -> None:
    target = tree / "src" / "ssc_pipeline" / "orchestration" / "transform_dag.py"
    line = _append(target, "from cosmos.operators._watcher.triggerer import WatcherTrigger  # noqa")
    assert checker.check(tree) == [
        f"{target}:{line}: imports cosmos.operators._watcher.triggerer, a private module of a dependency"
    ]


def test_simulators_stay_out_of_production_and_production_out_of_simulators(checker, tree: Path) -> None:
    steps = tree / "src" / "ssc_pipeline" / "steps" / "extract.py"
    line = _append(steps, "from ssc_pipeline.simulators import topdesk  # noqa")
    assert checker.check(tree) == [
        f"{steps}:{line}: steps imports simulators (ssc_pipeline.simulators), a layer above it"
    ]


def test_a_dag_file_calls_only_into_orchestration(checker, tree: Path) -> None:
    dag = tree / "dags" / "transform.py"
    line = _append(dag, "from ssc_pipeline.steps.transform import build_marts  # noqa")
    assert checker.check(tree) == [
        f"{dag}:{line}: a DAG file imports ssc_pipeline.steps.transform; "
        "DAG files call only into ssc_pipeline.orchestration"
    ]


def test_a_module_over_400_lines_is_refused(checker, tree: Path) -> None:
    target = tree / "src" / "ssc_pipeline" / "codes.py"
    _append(target, "\n" * 400)
    [problem] = checker.check(tree)
    assert problem.startswith(f"{target}:1: ") and "modules stay under 400" in problem


def test_a_part_missing_from_the_map_is_refused(checker, tree: Path) -> None:
    extra = tree / "src" / "ssc_pipeline" / "helpers.py"
    extra.write_text('"""Grab bag."""\n', encoding="utf-8")
    assert checker.check(tree) == [f"{extra}:1: helpers is in no layer of ARCHITECTURE.md"]
