"""An operator's first hour, through the real `python -m bot`: every mistake gets one line saying what to do.

Never a traceback, never a silent exit 0, and a damaged database is left byte for byte as it was.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.cli import clean_env, run_bot

TOKEN = "MTIz.SECRET-TOKEN.value"
DAMAGED = (
    "kneadbot: the database at {path} is not a SQLite database (or is damaged): "
    "restore a backup with 'python -m bot db restore'"
)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "kb.sqlite3"


@pytest.fixture
def damaged(db_path: Path) -> bytes:
    """A file where the database should be that is not SQLite at all (a half-copied file, a wrong path)."""
    db_path.parent.mkdir(parents=True)
    garbage = b"this is not a database, just some bytes\n" * 200
    db_path.write_bytes(garbage)
    return garbage


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Path:
    """A folder this process cannot create files in: chmod works for a normal user; root ignores it, so
    root gets /sys/kernel, where even root cannot create files."""
    if os.geteuid() == 0:
        return Path("/sys/kernel")
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    return folder


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


def assert_untouched(path: Path, before: bytes) -> None:
    assert path.read_bytes() == before
    assert not path.with_name(path.name + "-wal").exists()
    assert not path.with_name(path.name + "-shm").exists()


def test_start_on_a_damaged_database_stops_with_one_line_and_leaves_the_file(db_path: Path, damaged: bytes) -> None:
    result = run_bot(env=clean_env(KNEADBOT_DB=str(db_path), DISCORD_TOKEN=TOKEN))
    assert result.returncode == 1
    assert one_line(result.stderr) == DAMAGED.format(path=db_path)
    assert_untouched(db_path, damaged)


def test_start_in_a_read_only_folder_stops_with_one_line(read_only_folder: Path) -> None:
    path = read_only_folder / "kneadbot" / "kb.sqlite3"
    result = run_bot(env=clean_env(KNEADBOT_DB=str(path), DISCORD_TOKEN=TOKEN))
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert line.startswith(f"kneadbot: cannot write to the folder {path.parent}")
    assert "set KNEADBOT_DB" in line
    assert not path.parent.exists()


@pytest.mark.parametrize("action", ["check", "migrate"])
def test_db_check_and_migrate_on_a_damaged_file_say_one_line(db_path: Path, damaged: bytes, action: str) -> None:
    result = run_bot("db", action, env=clean_env(KNEADBOT_DB=str(db_path)))
    assert result.returncode == 1
    assert one_line(result.stderr) == DAMAGED.format(path=db_path)
    assert_untouched(db_path, damaged)


def test_db_backup_to_a_folder_that_cannot_exist_says_one_line(db_path: Path) -> None:
    env = clean_env(KNEADBOT_DB=str(db_path))
    run_bot("db", "migrate", env=env)
    result = run_bot("db", "backup", "/proc/kneadbot-nowhere/backup.sqlite3", env=env)
    assert result.returncode == 1
    assert one_line(result.stderr).startswith("kneadbot: cannot write to the folder /proc/kneadbot-nowhere")


def test_db_restore_from_a_damaged_backup_says_one_line_and_keeps_the_database(db_path: Path, tmp_path: Path) -> None:
    env = clean_env(KNEADBOT_DB=str(db_path))
    run_bot("db", "migrate", env=env)
    before = db_path.read_bytes()
    bad_backup = tmp_path / "bad.sqlite3"
    bad_backup.write_bytes(b"not a backup" * 100)
    result = run_bot("db", "restore", str(bad_backup), env=env)
    assert result.returncode == 1
    assert "not a SQLite database" in one_line(result.stderr)
    assert db_path.read_bytes() == before


def test_db_restore_replaces_a_damaged_database(db_path: Path, damaged: bytes, tmp_path: Path) -> None:
    """The one-line message says to restore a backup: that must then work on the damaged file."""
    good = tmp_path / "good.sqlite3"
    assert run_bot("db", "migrate", env=clean_env(KNEADBOT_DB=str(good))).returncode == 0
    with closing(sqlite3.connect(good)) as db:
        db.execute("INSERT INTO members (user_id, consented_at, timezone) VALUES (7, '2026-01-01', 'UTC')")
        db.commit()
    env = clean_env(KNEADBOT_DB=str(db_path))
    result = run_bot("db", "restore", str(good), env=env)
    assert result.returncode == 0, result.stderr
    with closing(sqlite3.connect(db_path)) as db:
        assert db.execute("SELECT user_id FROM members").fetchall() == [(7,)]
    assert run_bot("db", "check", env=env).stdout.strip() == "ok"


def test_db_restore_into_a_read_only_folder_says_one_line(read_only_folder: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.sqlite3"
    run_bot("db", "migrate", env=clean_env(KNEADBOT_DB=str(good)))
    target = read_only_folder / "kneadbot" / "kb.sqlite3"
    result = run_bot("db", "restore", str(good), env=clean_env(KNEADBOT_DB=str(target)))
    assert result.returncode == 1
    assert one_line(result.stderr).startswith("kneadbot: cannot write to the folder")


def test_doctor_fails_a_database_under_proc() -> None:
    result = run_bot("doctor", env=clean_env(KNEADBOT_DB="/proc/kneadbot/kb.sqlite3"))
    assert result.returncode == 1
    assert "[FAIL] cannot write to the folder /proc/kneadbot" in result.stdout
    assert "will be created" not in result.stdout


def test_doctor_fails_a_damaged_database_and_leaves_it(db_path: Path, damaged: bytes) -> None:
    result = run_bot("doctor", env=clean_env(KNEADBOT_DB=str(db_path)))
    assert result.returncode == 1
    assert f"[FAIL] the database at {db_path} is not a SQLite database" in result.stdout
    assert_untouched(db_path, damaged)


def test_doctor_runs_quick_check_on_every_page(db_path: Path) -> None:
    """A file whose header is fine but whose pages are not passes a schema read; quick_check catches it."""
    env = clean_env(KNEADBOT_DB=str(db_path))
    run_bot("db", "migrate", env=env)
    with closing(sqlite3.connect(db_path)) as db:
        db.execute("CREATE TABLE filler (x TEXT)")
        db.executemany("INSERT INTO filler VALUES (?)", [("x" * 500,) for _ in range(200)])
        db.commit()
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        pages = db.execute("PRAGMA page_count").fetchone()[0]
    data = bytearray(db_path.read_bytes())
    for page in range(pages - 20, pages - 1):  # scribble over late pages, keep page 1 (the schema)
        data[page * page_size : page * page_size + 64] = b"\xff" * 64
    db_path.write_bytes(bytes(data))
    result = run_bot("doctor", env=env)
    assert result.returncode == 1
    assert "is not a SQLite database (or is damaged)" in result.stdout


def test_no_token_and_no_terminal_says_so_and_exits_2() -> None:
    for token in ("", "   "):
        result = run_bot(env=clean_env(DISCORD_TOKEN=token), stdin="")
        assert result.returncode == 2
        assert one_line(result.stderr) == (
            "kneadbot: DISCORD_TOKEN is not set; run with a token, or run in a terminal for the offline console"
        )
        assert result.stdout == ""


def test_whitespace_token_is_not_set_for_doctor_either() -> None:
    result = run_bot("doctor", env=clean_env(DISCORD_TOKEN="  \t "))
    assert "fix: set DISCORD_TOKEN" in result.stdout


def test_version_and_lower_case_log_level() -> None:
    version = run_bot("--version", env=clean_env())
    assert version.returncode == 0
    assert version.stdout.strip().startswith("kneadbot 0.")
    debug = run_bot("content", "check", env=clean_env(KNEADBOT_LOG_LEVEL="debug"))
    assert debug.returncode == 0, debug.stderr
    assert "bad configuration" not in debug.stderr


def test_license_file_matches_what_pyproject_promises() -> None:
    root = Path(__file__).resolve().parents[2]
    assert 'license = { text = "MIT" }' in (root / "pyproject.toml").read_text(encoding="utf-8")
    assert (root / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
