"""Settings: read from the environment, bad values stop start-up naming the variable, never the token."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings
from tests.cli import run_bot


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("KNEADBOT_") or name == "DISCORD_TOKEN":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's checkout


def test_defaults_mean_console_mode_and_a_data_folder() -> None:
    settings = load_settings()
    assert settings.discord_token is None
    assert settings.db.parent.name == "data"
    assert settings.log_level == "INFO"


def test_values_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "abc.def.ghi")
    monkeypatch.setenv("KNEADBOT_DEV_GUILD", "1234")
    monkeypatch.setenv("KNEADBOT_LOG_LEVEL", "DEBUG")
    settings = load_settings()
    assert settings.discord_token is not None
    assert settings.discord_token.get_secret_value() == "abc.def.ghi"
    assert "abc.def.ghi" not in repr(settings)
    assert (settings.dev_guild, settings.log_level) == (1234, "DEBUG")


def test_dot_env_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("KNEADBOT_LOG_LEVEL=WARNING\n", encoding="utf-8")
    assert load_settings().log_level == "WARNING"


@pytest.mark.parametrize(
    ("variable", "value"), [("KNEADBOT_LOG_LEVEL", "LOUD"), ("KNEADBOT_DEV_GUILD", "not-a-number")]
)
def test_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith(f"{variable}: ")
    assert value not in str(caught.value)


def test_bad_value_stops_start_up_with_one_line_and_no_token(tmp_path: Path) -> None:
    env = {**os.environ, "KNEADBOT_DEV_GUILD": "-5", "DISCORD_TOKEN": "SECRET.TOKEN.VALUE"}
    result = run_bot(env=env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "kneadbot: bad configuration: KNEADBOT_DEV_GUILD: Input should be greater than 0"
    ]
    assert "SECRET" not in result.stdout + result.stderr


@pytest.mark.parametrize("token", ["", " ", "\t\n"])
def test_a_blank_token_is_not_set(monkeypatch: pytest.MonkeyPatch, token: str) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", token)
    assert load_settings().discord_token is None


def test_log_level_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KNEADBOT_LOG_LEVEL", "debug")
    assert load_settings().log_level == "DEBUG"
    monkeypatch.setenv("KNEADBOT_LOG_LEVEL", "loud")
    with pytest.raises(SettingsError, match="KNEADBOT_LOG_LEVEL"):
        load_settings()
