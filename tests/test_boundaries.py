"""Architecture rules that keep the code honest as it grows."""

from __future__ import annotations

import ast
import re
from collections import Counter, defaultdict
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


SQL_METHODS = {"execute", "execute_fetchall", "executemany", "executescript", "exec_driver_sql"}
SQL_FUNCTIONS = {"text"}
"""Where SQL text enters: driver methods, and SQLAlchemy's text(). Core statements (select(), update(), ...)
bind every value by construction, so a variable holding one is fine; a string built at run time is not."""
BUILT_SQL_ALLOWED = {
    ("bot/storage/db.py", "connect"): "PRAGMA busy_timeout takes no parameter (an int); the other pragmas are ours",
    ("bot/storage/db.py", "_begin"): "BEGIN IMMEDIATE or BEGIN, chosen by our own code",
    ("bot/storage/db.py", "_migrate_sqlite"): "the script is our own migration file, wrapped with its version number",
    ("bot/storage/bulk.py", "reset_identity"): "the table name comes from our own Table objects; names cannot be bound",
}
"""Where a statement may be built: (file, function) -> why. Each must still exist."""


def _fixed_string_names(tree: ast.Module) -> set[str]:
    """Module-level names bound exactly once in the module, to a string constant."""
    bindings = Counter(
        node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    )
    return {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name) and bindings[target.id] == 1
    }


def _is_text(node: ast.AST) -> bool:
    """An expression that makes a str: a literal, an f-string, +/% on one, or a .format() call."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str | bytes)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _is_text(node.left) or _is_text(node.right)
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"


def _text_names(function: ast.AST) -> set[str]:
    """Names a function (or the module) binds to a str expression."""
    return {
        target.id
        for node in ast.walk(function)
        if isinstance(node, ast.Assign) and _is_text(node.value)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def built_sql(source: str) -> list[tuple[str, int]]:
    """(function, line) of every SQL call whose statement is not a fixed string.

    Fixed means a string literal (implicit concatenation "a" "b" is one literal to the parser) or a
    module-level name bound once to one, or a SQLAlchemy statement object (which binds its values).
    Anything else that is text (+, .format, f-strings, %, a local string variable, a parameter passed
    to text()) could carry a value into the SQL text.
    """
    tree = ast.parse(source)
    fixed = _fixed_string_names(tree)
    found: list[tuple[str, int]] = []

    def is_fixed(statement: ast.AST | None, text_names: set[str], sql_text: bool) -> bool:
        if isinstance(statement, ast.Constant) and isinstance(statement.value, str):
            return True
        if isinstance(statement, ast.Name):
            if statement.id in fixed:
                return True
            return not sql_text and statement.id not in text_names
        if isinstance(statement, ast.Call):  # a Core construct or text("...") made in place
            return not sql_text and not _is_text(statement)
        return not sql_text and statement is not None and not _is_text(statement)

    def visit(node: ast.AST, function: str, text_names: set[str]) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function, text_names = node.name, _text_names(node)
        call_name = None
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute) and node.func.attr in SQL_METHODS:
                call_name = node.func.attr
            elif isinstance(node.func, ast.Name) and node.func.id in SQL_FUNCTIONS:
                call_name = node.func.id
        if isinstance(node, ast.Call) and call_name is not None:
            statement = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "sql"), None)
            raw_text = call_name != "execute"  # only a string can go to these
            if not is_fixed(statement, text_names, raw_text):
                found.append((function, node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child, function, text_names)

    visit(tree, "<module>", _text_names(tree))
    return sorted(set(found))


@pytest.mark.parametrize(
    "statement",
    [
        '"SELECT * FROM checkins WHERE id = " + str(checkin_id)',
        '"SELECT * FROM checkins WHERE id = {}".format(checkin_id)',
        'f"SELECT * FROM checkins WHERE id = {checkin_id}"',
        '"SELECT * FROM checkins WHERE id = %s" % checkin_id',
        "local_sql",
        "_REASSIGNED",
        "_NOT_A_STRING",
        'text(f"SELECT * FROM checkins WHERE id = {checkin_id}")',
        "text(local_sql)",
    ],
)
def test_sql_checker_catches_statements_built_at_run_time(statement: str) -> None:
    sample = (
        '_REASSIGNED = "SELECT 1"\n'
        "_NOT_A_STRING = b'SELECT 1'\n"
        "async def fetch(db, checkin_id):\n"
        "    global _REASSIGNED\n"
        '    _REASSIGNED = "SELECT " + str(checkin_id)\n'
        '    local_sql = "SELECT 1"\n'
        f"    return await db.execute_fetchall({statement})\n"
    )
    assert built_sql(sample) == [("fetch", 7)]


def test_sql_checker_accepts_literals_and_module_constants() -> None:
    sample = (
        '_BY_ID = ("SELECT * FROM checkins"\n    " WHERE id = ?")\n'
        "async def fetch(db, checkin_id):\n"
        "    await db.execute(_BY_ID, (checkin_id,))\n"
        '    await db.executemany("DELETE FROM checkins WHERE id = ?", [(checkin_id,)])\n'
        "    await db.read(select(checkins).where(checkins.c.id == checkin_id))\n"
        '    statement = update(checkins).values(state="sent")\n'
        "    await connection.execute(statement)\n"
        '    await connection.execute(text("SELECT 1"))\n'
        '    return await db.execute_fetchall(sql="SELECT 1")\n'
    )
    assert built_sql(sample) == []


STORAGE_MAY_NOT_IMPORT = ("bot.checkins", "bot.daily", "bot.guilds", "bot.library", "bot.exts", "bot.ui", "bot.app")


@pytest.mark.parametrize("path", python_files("bot/storage", "bot/models"), ids=lambda p: str(p.relative_to(ROOT)))
def test_storage_and_models_import_no_service_package(path: Path) -> None:
    """Storage builds the values in bot.models and computes no business rule, so it needs no service code."""
    imported = imported_modules(path)
    assert not {m for m in imported for banned in STORAGE_MAY_NOT_IMPORT if m == banned or m.startswith(f"{banned}.")}


def test_sql_values_travel_as_parameters() -> None:
    """Every statement under bot/ is fixed text, values bound as parameters, except the listed few."""
    unexpected, allowed_seen = [], set()
    for path in python_files("bot"):
        where = str(path.relative_to(ROOT))
        for function, line in built_sql(path.read_text(encoding="utf-8")):
            if (where, function) in BUILT_SQL_ALLOWED:
                allowed_seen.add((where, function))
            else:
                unexpected.append(f"{where}:{line} in {function}() builds its SQL statement")
    assert unexpected == []
    assert allowed_seen == set(BUILT_SQL_ALLOWED), "an allowed exception is gone: remove it from the list"


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


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def bot_import_graph() -> dict[str, set[str]]:
    """Which bot modules each bot module imports, TYPE_CHECKING imports included (a cycle there is
    still two modules that each need the other to be understood)."""
    modules = {module_name(path): path for path in python_files("bot")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
            else:
                continue
            graph[name] |= {target for target in targets if target in modules and target != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None (depth-first search, three colours)."""
    finished: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in finished:
            return None
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if cycle := visit(target):
                return cycle
        path.pop()
        finished.add(node)
        return None

    for start in sorted(graph):
        if cycle := visit(start):
            return cycle
    return None


def test_the_cycle_finder_finds_cycles_and_only_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle_among_bot_modules() -> None:
    """bot/app.py and bot/ui once imported each other: the UI now depends on Protocols (bot/ui/services.py)."""
    assert find_cycle(bot_import_graph()) is None


def test_the_ui_never_reaches_for_the_bot() -> None:
    """No `cast("KneadBot", interaction.client)`: a button gets its services from the cog that registered it."""
    graph = bot_import_graph()
    for name in graph:
        if name.startswith(("bot.ui", "bot.jobs", "bot.checkins", "bot.daily", "bot.guilds", "bot.library")):
            assert "bot.app" not in graph[name], name
    for path in python_files("bot"):
        assert "cast(KneadBot" not in path.read_text(encoding="utf-8").replace('"', ""), path


RETRY_POLICY = "bot/jobs/policy.py"


def retry_arithmetic(source: str) -> list[int]:
    """Lines that compute a backoff: a power of a variable (2 ** n, 1 << n; 2**63 is a constant), or
    arithmetic on an attempt count. A SQLAlchemy column (`table.c.attempts`, `c.attempts`) is not a count
    but SQL: storage bumps the stored counter (`attempts + 1` on a claim, as the SQL text did before)."""

    def is_column(node: ast.AST) -> bool:
        owner = node.value if isinstance(node, ast.Attribute) else None
        return (isinstance(owner, ast.Name) and owner.id == "c") or (
            isinstance(owner, ast.Attribute) and owner.attr == "c"
        )

    def mentions_attempts(node: ast.expr) -> bool:
        return any(
            "attempt" in (sub.id if isinstance(sub, ast.Name) else sub.attr if isinstance(sub, ast.Attribute) else "")
            for sub in ast.walk(node)
            if not is_column(sub)
        )

    def is_variable_power(node: ast.BinOp) -> bool:
        constant = isinstance(node.left, ast.Constant) and isinstance(node.right, ast.Constant)
        return isinstance(node.op, ast.Pow | ast.LShift) and not constant

    return sorted(
        {
            node.lineno
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.BinOp)
            and (is_variable_power(node) or mentions_attempts(node.left) or mentions_attempts(node.right))
        }
    )


@pytest.mark.parametrize(
    "source",
    [
        "at = now + retry_delay * 2 ** attempt",
        "pause = base << due.attempt",
        "x = item.attempt - 1",
        "at = now + delay * 2 ** posts.c.attempts",
        "x = row.attempts + 1",
    ],
)
def test_the_retry_checker_catches_backoff_arithmetic(source: str) -> None:
    assert retry_arithmetic(source) == [1]


def test_the_retry_checker_lets_storage_bump_the_stored_counter() -> None:
    assert retry_arithmetic("values(attempts=posts.c.attempts + 1)\nvalues(attempts=c.attempts - 1)") == []


def test_retry_policy_is_computed_only_in_the_job_runner() -> None:
    """The 1, 2, 4 ... minute backoff was once written in three places; now only bot/jobs/policy.py has it."""
    found = {
        str(path.relative_to(ROOT)): lines
        for path in python_files("bot")
        if str(path.relative_to(ROOT)) != RETRY_POLICY and (lines := retry_arithmetic(path.read_text(encoding="utf-8")))
    }
    assert found == {}
    assert retry_arithmetic((ROOT / RETRY_POLICY).read_text(encoding="utf-8"))  # the checker still sees it there
