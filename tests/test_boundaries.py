"""Architecture rules that keep the code honest as it grows."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVICE_PACKAGES = ["bot/library", "bot/checkins", "bot/daily", "bot/guilds", "bot/storage"]


def python_files(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", python_files(*SERVICE_PACKAGES), ids=lambda p: str(p.relative_to(ROOT)))
def test_services_know_nothing_of_discord(path: Path) -> None:
    assert not {m for m in imported_modules(path) if m == "discord" or m.startswith("discord.")}


def test_yaml_is_only_ever_safe_loaded() -> None:
    for path in python_files("bot"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"yaml\.(load|unsafe_load|full_load)\(", text), path


def test_sql_values_travel_as_parameters() -> None:
    """No f-string or %-formatting builds SQL: values must be bound parameters."""
    sql_start = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|REPLACE|WITH)\b", re.I)
    for path in python_files("bot"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                literal = "".join(
                    v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
                )
                assert not sql_start.match(literal), f"{path}:{node.lineno} builds SQL with an f-string"
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant):
                assert not sql_start.match(str(node.left.value)), f"{path}:{node.lineno} builds SQL with %"


def _is_per_module_by_design(value: ast.expr) -> bool:
    """`log = get_logger(__name__)` and `T = TypeVar("T")` belong in each module, and two limits may
    well be the same number by coincidence (a query length and a zone name length, say)."""
    if isinstance(value, ast.Constant):
        return isinstance(value.value, int | float)
    return isinstance(value, ast.Call) and ast.unparse(value.func) in {"get_logger", "TypeVar"}


def test_each_helper_is_written_once() -> None:
    """A module-level function or constant copied into a second module drifts from the first: import it."""
    functions: defaultdict[str, list[str]] = defaultdict(list)
    constants: defaultdict[str, list[str]] = defaultdict(list)
    for path in python_files("bot"):
        where = str(path.relative_to(ROOT))
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                body = node.body[1:] if ast.get_docstring(node) is not None else node.body
                key = ast.dump(node.args) + "".join(ast.dump(statement) for statement in body)
                functions[key].append(f"{where}:{node.name}")
            elif isinstance(node, ast.Assign) and not _is_per_module_by_design(node.value):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        constants[f"{target.id} = {ast.dump(node.value)}"].append(f"{where}:{target.id}")
    copies = [places for places in (*functions.values(), *constants.values()) if len(places) > 1]
    assert copies == []
