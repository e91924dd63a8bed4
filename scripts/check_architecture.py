"""Enforce ARCHITECTURE.md: the layer rules, Airflow's one place, no private imports, small modules.

The rules are read from the ``layers`` and ``rules`` blocks of ARCHITECTURE.md,
so the map a newcomer reads is the contract CI checks. Every import statement
counts, also the lazy ones inside functions. Prints one line per violation,
``path:line: what is wrong``, and exits 1 when there is any.

    python scripts/check_architecture.py [--root DIR]
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "ssc_pipeline"
MAX_MODULE_LINES = 400


@dataclass(frozen=True)
class Rules:
    layers: tuple[tuple[str, ...], ...]  # top to bottom; names in one tuple are independent siblings
    only: dict[str, tuple[str, ...]]  # a part that may import only these parts
    frameworks: dict[str, tuple[str, ...]]  # third-party package -> parts that may import it

    def rank(self, part: str) -> int:
        for index, names in enumerate(self.layers):
            if part in names:
                return index
        raise KeyError(part)


def _block(text: str, name: str) -> list[str]:
    match = re.search(rf"```{name}\n(.*?)```", text, re.S)
    if match is None:
        raise SystemExit(f"ARCHITECTURE.md has no ```{name} block")
    return [line.split("#", 1)[0].strip() for line in match.group(1).splitlines() if line.split("#", 1)[0].strip()]


def read_rules(architecture: Path) -> Rules:
    text = architecture.read_text(encoding="utf-8")
    layers = tuple(tuple(n.strip() for n in line.split("|")) for line in _block(text, "layers"))
    only: dict[str, tuple[str, ...]] = {}
    frameworks: dict[str, tuple[str, ...]] = {}
    for line in _block(text, "rules"):
        subject, verb, objects = re.match(r"(\S+)\s+(may only import|only in)\s+(.+)", line).groups()  # type: ignore[union-attr]
        names = tuple(o.strip() for o in objects.split(","))
        (only if verb == "may only import" else frameworks)[subject] = names
    return Rules(layers, only, frameworks)


def module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def part_of(module: str) -> str | None:
    """The top-level part of the package a module belongs to (``sources`` for ``ssc_pipeline.sources.x``)."""
    pieces = module.split(".")
    return pieces[1] if pieces[0] == PACKAGE and len(pieces) > 1 else None


def _imports(tree: ast.AST, module: str) -> list[tuple[int, str, list[str]]]:
    """(line, imported module, imported names) for every import, relative ones resolved."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")[: len(module.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            names = [alias.name for alias in node.names]
            if base == PACKAGE:  # ``from ssc_pipeline import warehouse``: each name is a part
                found += [(node.lineno, f"{base}.{name}", []) for name in names]
            else:
                found.append((node.lineno, base, names))
    return found


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def check_file(path: Path, module: str, rules: Rules, *, thin_dag: bool = False) -> list[str]:
    text = path.read_text(encoding="utf-8")
    where = str(path)
    problems = []
    if not thin_dag and len(text.splitlines()) > MAX_MODULE_LINES:
        problems.append(f"{where}:1: {len(text.splitlines())} lines; modules stay under {MAX_MODULE_LINES}")
    own = part_of(module) if not thin_dag else None
    for line, target, names in _imports(ast.parse(text, filename=where), module):
        top = target.split(".")[0]
        if top != PACKAGE:
            if any(_private(p) for p in target.split(".")[1:]) or top.startswith("_") and top != "__future__":
                problems.append(f"{where}:{line}: imports {target}, a private module of a dependency")
            allowed = rules.frameworks.get(top)
            if allowed is not None and own not in allowed:
                problems.append(f"{where}:{line}: imports {top}; only {', '.join(allowed)} may")
            continue
        if thin_dag:
            if not target.startswith(f"{PACKAGE}.orchestration"):
                problems.append(
                    f"{where}:{line}: a DAG file imports {target}; DAG files call only into {PACKAGE}.orchestration"
                )
            continue
        theirs = part_of(target)
        if theirs is None or own is None:
            continue
        if theirs != own and any(_private(n) for n in names):
            problems.append(
                f"{where}:{line}: imports private name(s) {', '.join(n for n in names if _private(n))} from {target}"
            )
        if theirs == own:
            continue
        if own in rules.only and theirs not in rules.only[own]:
            problems.append(
                f"{where}:{line}: {own} imports {theirs} ({target}); {own} may only import {', '.join(rules.only[own])}"
            )
            continue
        try:
            mine, other = rules.rank(own), rules.rank(theirs)
        except KeyError as exc:
            problems.append(f"{where}:{line}: {exc.args[0]} is in no layer of ARCHITECTURE.md")
            continue
        if other < mine:
            problems.append(f"{where}:{line}: {own} imports {theirs} ({target}), a layer above it")
        elif other == mine:
            problems.append(f"{where}:{line}: {own} imports {theirs} ({target}); they are independent siblings")
    return problems


def check(root: Path) -> list[str]:
    rules = read_rules(root / "ARCHITECTURE.md")
    src = root / "src"
    problems = []
    for path in sorted((src / PACKAGE).rglob("*.py")):
        module = module_name(path, src)
        part = part_of(module)
        if part is not None:
            try:
                rules.rank(part)
            except KeyError:
                problems.append(f"{path}:1: {part} is in no layer of ARCHITECTURE.md")
                continue
        problems += check_file(path, module, rules)
    for path in sorted((root / "dags").glob("*.py")):
        problems += check_file(path, f"dags.{path.stem}", rules, thin_dag=True)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    args = parser.parse_args(argv)
    problems = check(args.root)
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
