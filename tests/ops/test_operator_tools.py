"""Operator tools, run as the real `python -m bot` process an operator would type."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.cli import clean_env, run_bot

TOKEN = "MTIz.SECRET-TOKEN.value"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return clean_env(KNEADBOT_DB=str(tmp_path / "data" / "kb.sqlite3"))


def test_migrate_check_backup_and_restore_round_trip(env: dict[str, str], tmp_path: Path) -> None:
    assert run_bot("db", "migrate", env=env).stdout.startswith("database at schema version")
    db_path = Path(env["KNEADBOT_DB"])
    with closing(sqlite3.connect(db_path)) as db:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("INSERT INTO members (user_id, consented_at, timezone) VALUES (42, '2026-01-01', 'Europe/Paris')")
        db.commit()
        backup = run_bot("db", "backup", str(tmp_path / "b.sqlite3"), env=env)  # while a connection is open
    assert backup.returncode == 0, backup.stderr
    with closing(sqlite3.connect(db_path)) as db:
        db.execute("DELETE FROM members")
        db.commit()
    assert run_bot("db", "restore", str(tmp_path / "b.sqlite3"), env=env).returncode == 0
    with closing(sqlite3.connect(db_path)) as db:
        assert db.execute("SELECT user_id, timezone FROM members").fetchall() == [(42, "Europe/Paris")]
    check = run_bot("db", "check", env=env)
    assert (check.returncode, check.stdout.strip()) == (0, "ok")


def test_backup_never_overwrites(env: dict[str, str], tmp_path: Path) -> None:
    run_bot("db", "migrate", env=env)
    (tmp_path / "taken.sqlite3").write_text("keep me", encoding="utf-8")
    result = run_bot("db", "backup", str(tmp_path / "taken.sqlite3"), env=env)
    assert result.returncode == 1
    assert "already exists" in result.stderr
    assert (tmp_path / "taken.sqlite3").read_text(encoding="utf-8") == "keep me"


def test_database_newer_than_the_code_refuses_to_start(env: dict[str, str]) -> None:
    db_path = Path(env["KNEADBOT_DB"])
    db_path.parent.mkdir(parents=True)
    with closing(sqlite3.connect(db_path)) as db:
        db.execute("PRAGMA user_version = 999")
    result = run_bot("db", "migrate", env=env)
    assert result.returncode == 1
    assert "schema version 999" in result.stderr
    doctor = run_bot("doctor", env=env)
    assert "newer than this code" in doctor.stdout
    start = run_bot(env={**env, "DISCORD_TOKEN": TOKEN})
    assert start.returncode == 1
    assert start.stderr.startswith("kneadbot: The database is at schema version 999")


def test_doctor_says_what_to_fix(env: dict[str, str]) -> None:
    """With a token, doctor asks Discord about it: tests/ops/test_discord_checks.py, against the fake."""
    missing = run_bot("doctor", env=env)
    assert missing.returncode == 1
    assert "fix: set DISCORD_TOKEN" in missing.stdout
    assert "[ok  ] database" in missing.stdout


def test_doctor_reports_an_unmigrated_database(env: dict[str, str]) -> None:
    db_path = Path(env["KNEADBOT_DB"])
    db_path.parent.mkdir(parents=True)
    sqlite3.connect(db_path).close()
    assert "fix: run: python -m bot db migrate" in run_bot("doctor", env=env).stdout
