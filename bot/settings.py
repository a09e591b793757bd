"""The one typed Settings object, read from the environment and an optional `.env` file.

Nothing else in the bot reads `os.environ`: settings are built once at start-up, where a bad value
stops the bot with one line naming the variable, and then passed down.
"""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, HttpUrl, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.models.shards import ShardSlice

ENV_PREFIX = "KNEADBOT_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Everything an operator can set. `DISCORD_TOKEN` absent means: open the offline console."""

    model_config = SettingsConfigDict(env_file=".env", env_prefix=ENV_PREFIX, frozen=True, extra="ignore")

    discord_token: SecretStr | None = Field(default=None, validation_alias="DISCORD_TOKEN")
    db: Path = PROJECT_ROOT / "data" / "kneadbot.sqlite3"
    database_url: SecretStr | None = None
    """`postgresql://user:password@host:port/name`: use PostgreSQL instead of the SQLite file `db`.
    A SecretStr, since the URL may hold a password: it never shows in a repr, a log or a traceback."""
    content_dir: Path = PROJECT_ROOT / "content"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    """When set, Prometheus metrics are served on 127.0.0.1 at this port."""
    sharded: bool = False
    """Run discord.py's AutoShardedBot (one process, several shards); see docs/scaling.md."""
    shard_count: int | None = Field(default=None, ge=1, le=10_000)
    """How many shards the whole bot has: the same explicit number in every process (with `shard_ids`)."""
    shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = None
    """The shards this process runs, e.g. `0,1` (with `shard_count`); the other processes run the rest."""
    dev_guild: int | None = Field(default=None, gt=0)
    min_checkin_delay: int = Field(default=60, ge=1, le=86_400)
    """Shortest `/session log checkin_in` allowed, in seconds."""
    retention_days: int = Field(default=365, ge=1, le=3650)
    """Sessions and answers older than this are purged by a daily job."""
    amortise_bucket_sweep: bool = False
    """Patch discord.py's rate-limit bucket sweep (bot/http_buckets.py): off unless an operator opts in."""
    delivery_concurrency: int = Field(default=10, ge=1, le=100)
    """Check-ins (and daily tips) sent at once by one process; the global rate still paces them."""
    global_rate: float = Field(default=48.0, gt=0, le=50)
    """REST requests per second this process sends Discord, paced ahead of time (bot/ratelimit.py).
    Discord's 50/s is per bot token: with N processes on one token, set 48/N each, e.g. 16 for three (or
    use a proxy). The default keeps 2/s of headroom: requests paced at exactly 50/s can still land 51 in
    one second when the network delays one more than the next, and every 429 counts toward Cloudflare's
    ban."""
    discord_api_url: HttpUrl | None = None
    """The REST base (e.g. http://proxy:8080/api/v10) of an operator's rate-limit proxy; unset: Discord."""

    @field_validator("database_url", mode="before")
    @classmethod
    def _postgres_only(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        if isinstance(value, str) and not value.startswith(("postgresql://", "postgres://", "postgresql+asyncpg://")):
            raise ValueError("must be a postgresql:// URL (leave it unset for the SQLite file KNEADBOT_DB)")
        return value

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        """`0,1` as an operator writes it in an env file (not JSON); blank means unset."""
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",")]
            return None if parts == [""] else tuple(parts)
        return value

    @model_validator(mode="after")
    def _shards_agree(self) -> Settings:
        """Both shard settings or neither; each id a shard of the count, once: a wrong slice would leave
        servers that no process serves, or serve one twice."""
        if (self.shard_count is None) != (self.shard_ids is None):
            raise ValueError("KNEADBOT_SHARD_COUNT and KNEADBOT_SHARD_IDS go together: set both or neither")
        if self.shard_count is not None and self.shard_ids is not None:
            if not self.shard_ids:
                raise ValueError("KNEADBOT_SHARD_IDS: name at least one shard")
            if len(set(self.shard_ids)) != len(self.shard_ids):
                raise ValueError("KNEADBOT_SHARD_IDS: a shard id is listed twice")
            if any(not 0 <= shard < self.shard_count for shard in self.shard_ids):
                raise ValueError(f"KNEADBOT_SHARD_IDS: every id must be from 0 to {self.shard_count - 1}")
        return self

    @property
    def shards(self) -> ShardSlice | None:
        """The shards this process runs, or None: every shard (one process, sharded or not)."""
        if self.shard_count is None or self.shard_ids is None:
            return None
        return ShardSlice(self.shard_count, frozenset(self.shard_ids))

    @property
    def database(self) -> Path | str:
        """Where the data lives: the PostgreSQL URL when set, else the SQLite file."""
        return self.db if self.database_url is None else self.database_url.get_secret_value()

    @field_validator("discord_token", mode="before")
    @classmethod
    def _blank_token_is_unset(cls, value: object) -> object:
        """`DISCORD_TOKEN=` (compose, systemd) or a stray space means "not set", never a token to try."""
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        """`debug` is as clear as `DEBUG`; refusing it would only annoy the operator."""
        return value.strip().upper() if isinstance(value, str) else value


class SettingsError(Exception):
    """A setting has a bad value; the message names the environment variable and the problem."""


def load_settings(**overrides: object) -> Settings:
    """Build Settings, turning pydantic's report into one line per bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise SettingsError(_describe(error)) from None


def _describe(error: ValidationError) -> str:
    lines = []
    for problem in error.errors(include_input=False, include_url=False):
        if not problem["loc"]:  # a check across settings: its message names the variables itself
            lines.append(problem["msg"].removeprefix("Value error, "))
            continue
        field = str(problem["loc"][0]) if problem["loc"] else "?"
        variable = "DISCORD_TOKEN" if field in {"discord_token", "DISCORD_TOKEN"} else ENV_PREFIX + field.upper()
        lines.append(f"{variable}: {problem['msg']}")
    return "; ".join(lines)


def version() -> str:
    """kneadbot's version: from the installed package metadata, else from pyproject.toml in a checkout."""
    try:
        return importlib.metadata.version("kneadbot")
    except importlib.metadata.PackageNotFoundError:
        pass
    try:
        with (PROJECT_ROOT / "pyproject.toml").open("rb") as file:
            return str(tomllib.load(file)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"
