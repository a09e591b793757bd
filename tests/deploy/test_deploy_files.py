"""deploy/: the image, compose file, env example and systemd unit agree with each other and the code.

No Docker engine is needed: the files are parsed and cross-checked. `systemd-analyze` checks the unit
when it is installed, and .ci/docker-check is run against a stub `docker`.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from bot.settings import ENV_PREFIX, Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
DOCKERIGNORE = DEPLOY / "Dockerfile.dockerignore"
COMPOSE = DEPLOY / "compose.yaml"
ENV_EXAMPLE = DEPLOY / "kneadbot.env.example"
UNIT = DEPLOY / "kneadbot.service"
TEMPLATE = DEPLOY / "kneadbot@.service"
UNITS = [UNIT, TEMPLATE]
POSTGRES_ENV_EXAMPLE = DEPLOY / "postgres.env.example"
SHARD_GROUP_EXAMPLE = DEPLOY / "shard-group.env.example"
README = ROOT / "README.md"
SHARD_SETTINGS = {"KNEADBOT_SHARD_COUNT", "KNEADBOT_SHARD_IDS"}
"""Being added to bot/settings.py by another branch; deploy/ already names them."""
DISCORD_BUDGET = 48
"""Requests/s the processes of one token may pace at together: Discord's 50 less the headroom the
single process keeps (bot/settings.py `global_rate`)."""
DOCKER_CHECK = ROOT / ".ci" / "docker-check"
DOCTOR = ["python", "-m", "bot", "doctor"]


# Dockerfile


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, arguments = full.partition(" ")
        instructions.append((keyword.upper(), " ".join(arguments.split())))
    return instructions


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def arguments_of(keyword: str, stage: list[tuple[str, str]]) -> list[str]:
    return [arguments for found, arguments in stage if found == keyword]


def exec_form(arguments: str) -> list[str]:
    parsed = yaml.safe_load(arguments)  # a JSON array is YAML too
    assert isinstance(parsed, list), f"use the exec (JSON array) form: {arguments}"
    return [str(part) for part in parsed]


def dockerfile_uid() -> str:
    (uid,) = (args.partition("=")[2] for args in arguments_of("ARG", final_stage()) if args.startswith("UID="))
    return uid


def test_image_is_python_311_slim() -> None:
    instructions = dockerfile_instructions()
    assert instructions[0] == ("ARG", "PYTHON_IMAGE=python:3.11-slim")
    assert {args.split()[0] for args in arguments_of("FROM", instructions)} == {"${PYTHON_IMAGE}"}


def test_dependencies_come_from_the_lock_with_hashes() -> None:
    runs = arguments_of("RUN", dockerfile_instructions())
    assert "pip install --require-hashes -r requirements.lock" in runs
    assert not [run for run in runs if "pip install" in run and "--require-hashes" not in run]


def test_runs_as_a_non_root_user() -> None:
    stage = final_stage()
    users = arguments_of("USER", stage)
    assert users, "the final stage must switch to a non-root USER"
    user, _, group = users[-1].partition(":")
    assert user not in {"root", "0"}
    assert group not in {"root", "0"}
    assert [keyword for keyword, _ in stage].index("USER") < [keyword for keyword, _ in stage].index("CMD")
    assert int(dockerfile_uid()) >= 1000


def test_copies_code_and_content_only() -> None:
    copies = arguments_of("COPY", final_stage())
    assert "bot/ bot/" in copies
    assert "content/ content/" in copies
    assert not [copy for copy in copies if copy.split()[0] in {".", "./"}], "never COPY the whole context"


def test_python_finds_the_bot_package_from_any_directory() -> None:
    """`python -m bot` imports ./bot: the code sits in WORKDIR, which is also on PYTHONPATH (docker exec)."""
    stage = final_stage()
    (workdir,) = arguments_of("WORKDIR", stage)
    assert f"PYTHONPATH={workdir}" in " ".join(arguments_of("ENV", stage)).split()
    assert f"KNEADBOT_CONTENT_DIR={workdir}/content" in " ".join(arguments_of("ENV", stage)).split()


def test_database_on_the_data_volume() -> None:
    stage = final_stage()
    env = " ".join(arguments_of("ENV", stage))
    assert "KNEADBOT_DB=/data/kneadbot.sqlite3" in env.split()
    assert exec_form(arguments_of("VOLUME", stage)[0]) == ["/data"]
    assert any("chown kneadbot:kneadbot /data" in run for run in arguments_of("RUN", stage))


def test_healthcheck_runs_doctor_and_cmd_runs_the_bot() -> None:
    stage = final_stage()
    (healthcheck,) = arguments_of("HEALTHCHECK", stage)
    assert exec_form(healthcheck.partition(" CMD ")[2]) == DOCTOR
    assert exec_form(arguments_of("CMD", stage)[-1]) == ["python", "-m", "bot"]


# .dockerignore next to the Dockerfile


def dockerignore_excludes(path: str) -> bool:
    """Docker's rule, closely enough: the last pattern matching the path or a parent decides."""
    parts = PurePosixPath(path).parts
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for raw in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negated, pattern = line.startswith("!"), line.lstrip("!").rstrip("/")
        variants = {pattern, pattern.removeprefix("**/")}
        if any(fnmatch.fnmatchcase(candidate, variant) for candidate in candidates for variant in variants):
            excluded = not negated
    return excluded


@pytest.mark.parametrize(
    "path",
    [
        ".venv/bin/python",
        ".git/config",
        ".env",
        "data/kneadbot.sqlite3",
        "tests/test_metrics.py",
        "bench/faq_autocomplete.py",
        ".mypy_cache/3.11/x.json",
        ".ruff_cache/x",
        ".pytest_cache/v",
        ".hypothesis/examples/x",
        "deploy/kneadbot.env",
        "bot/__pycache__/app.cpython-311.pyc",
        "bot/.env",
    ],
)
def test_build_context_leaves_out(path: str) -> None:
    assert dockerignore_excludes(path)


def test_build_context_keeps_everything_the_dockerfile_copies() -> None:
    needed = ["requirements.lock"] + [
        str(path.relative_to(ROOT))
        for folder in ("bot", "content")
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    ]
    assert [path for path in needed if dockerignore_excludes(path)] == []


# compose.yaml


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def service(compose: dict[str, Any]) -> dict[str, Any]:
    """The single process on SQLite: the one service that runs without a profile."""
    assert [name for name, found in compose["services"].items() if not found.get("profiles")] == ["kneadbot"]
    found = compose["services"]["kneadbot"]
    assert isinstance(found, dict)
    return found


@pytest.fixture(scope="module")
def cluster(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The bot processes of the profile "cluster" (every service built from the bot image)."""
    found = {
        name: one
        for name, one in compose["services"].items()
        if one.get("image") == "kneadbot:latest" and "cluster" in one.get("profiles", [])
    }
    assert len(found) >= 2
    return found


def test_compose_builds_deploy_dockerfile_from_the_repo_root(service: dict[str, Any]) -> None:
    context = (DEPLOY / service["build"]["context"]).resolve()
    assert context == ROOT
    assert context / service["build"]["dockerfile"] == DOCKERFILE


def test_compose_reads_the_env_file_next_to_it(service: dict[str, Any]) -> None:
    assert [DEPLOY / name for name in service["env_file"]] == [DEPLOY / "kneadbot.env"]


def test_compose_keeps_the_database_on_a_named_volume(compose: dict[str, Any], service: dict[str, Any]) -> None:
    mounts = dict(volume.split(":", 1) for volume in service["volumes"])
    assert mounts == {"kneadbot-data": "/data"}
    assert "kneadbot-data" in compose["volumes"]
    database = PurePosixPath(service["environment"]["KNEADBOT_DB"])
    assert database == PurePosixPath("/data/kneadbot.sqlite3")
    assert database.parent == PurePosixPath(mounts["kneadbot-data"])


def test_compose_user_is_the_image_user(service: dict[str, Any]) -> None:
    assert service["user"] == f"{dockerfile_uid()}:{dockerfile_uid()}"


def test_compose_health_check_is_doctor_like_the_image(service: dict[str, Any]) -> None:
    (healthcheck,) = arguments_of("HEALTHCHECK", final_stage())
    assert service["healthcheck"]["test"] == ["CMD", *DOCTOR]
    assert exec_form(healthcheck.partition(" CMD ")[2]) == DOCTOR


def test_compose_hardening(service: dict[str, Any]) -> None:
    assert service["restart"] == "unless-stopped"
    assert service["read_only"] is True
    assert [mount.split(":")[0] for mount in service["tmpfs"]] == ["/tmp"]  # noqa: S108 - the container's tmpfs
    assert service["security_opt"] == ["no-new-privileges:true"]
    assert service["cap_drop"] == ["ALL"]
    assert "cap_add" not in service
    assert "privileged" not in service
    assert service["init"] is True
    assert "ports" not in service, "metrics are loopback-only; nothing is published"


def test_compose_runs_postgres_from_the_official_image_on_a_named_volume(compose: dict[str, Any]) -> None:
    postgres = compose["services"]["postgres"]
    name, _, tag = postgres["image"].partition(":")
    assert name == "postgres" and int(tag.split("-")[0]) >= 13  # README: PostgreSQL 13 or newer
    assert postgres["profiles"] == ["cluster"]
    mounts = dict(volume.split(":", 1) for volume in postgres["volumes"])
    assert mounts == {"kneadbot-pgdata": "/var/lib/postgresql/data"}
    assert "kneadbot-pgdata" in compose["volumes"]
    assert "ports" not in postgres, "only the bot processes reach it, on the project network"
    assert postgres["restart"] == "unless-stopped"


def test_compose_postgres_health_check_asks_for_the_bots_database(compose: dict[str, Any]) -> None:
    postgres = compose["services"]["postgres"]
    check = postgres["healthcheck"]["test"]
    assert check[:2] == ["CMD", "pg_isready"]
    user, database = postgres["environment"]["POSTGRES_USER"], postgres["environment"]["POSTGRES_DB"]
    assert f"--username={user}" in check and f"--dbname={database}" in check


def test_compose_postgres_password_comes_from_its_own_env_file(compose: dict[str, Any]) -> None:
    """Never in compose.yaml, and never beside the token: the database gets no DISCORD_TOKEN."""
    postgres = compose["services"]["postgres"]
    assert [DEPLOY / name for name in postgres["env_file"]] == [DEPLOY / "postgres.env"]
    assert "POSTGRES_PASSWORD" not in postgres["environment"]
    assert env_file_assignments(POSTGRES_ENV_EXAMPLE) == {"POSTGRES_PASSWORD": ""}


def documented_database_url() -> Any:
    """The KNEADBOT_DATABASE_URL that compose.yaml's header and postgres.env.example tell operators to set."""
    pattern = re.compile(r"KNEADBOT_DATABASE_URL=(postgresql://\S+)")
    (url,) = set(pattern.findall(COMPOSE.read_text(encoding="utf-8")))
    assert pattern.findall(POSTGRES_ENV_EXAMPLE.read_text(encoding="utf-8")) == [url.replace("THAT_", "THE_")]
    return make_url(url)


def test_documented_database_url_reaches_the_compose_postgres(compose: dict[str, Any]) -> None:
    url, postgres = documented_database_url(), compose["services"]["postgres"]
    assert url.host in compose["services"] and compose["services"][url.host] is postgres
    assert (url.port, url.username, url.database) == (
        5432,
        postgres["environment"]["POSTGRES_USER"],
        postgres["environment"]["POSTGRES_DB"],
    )


def test_cluster_processes_wait_for_a_healthy_postgres(cluster: dict[str, dict[str, Any]]) -> None:
    for name, process in cluster.items():
        assert process["profiles"] == ["cluster"], name
        assert process["depends_on"] == {"postgres": {"condition": "service_healthy"}}, name
        assert "KNEADBOT_DB" not in process["environment"] and "volumes" not in process, name


def test_cluster_processes_split_the_shards_exactly(cluster: dict[str, dict[str, Any]]) -> None:
    """One count everywhere; every shard id in exactly one process; shard 0 (DMs) somewhere."""
    counts = {int(process["environment"]["KNEADBOT_SHARD_COUNT"]) for process in cluster.values()}
    assert len(counts) == 1
    ids = [int(i) for p in cluster.values() for i in str(p["environment"]["KNEADBOT_SHARD_IDS"]).split(",")]
    assert sorted(ids) == list(range(counts.pop()))


def test_cluster_processes_share_discords_budget(cluster: dict[str, dict[str, Any]]) -> None:
    """Their paces add up to at most what one process may use: 50/s is per token, not per process."""
    rates = [float(process["environment"]["KNEADBOT_GLOBAL_RATE"]) for process in cluster.values()]
    assert sum(rates) <= DISCORD_BUDGET


def test_cluster_processes_are_hardened_like_the_single_one(
    service: dict[str, Any], cluster: dict[str, dict[str, Any]]
) -> None:
    own = {"environment", "volumes", "profiles", "depends_on"}
    shared = {key: value for key, value in service.items() if key not in own}
    for name, process in cluster.items():
        assert {key: value for key, value in process.items() if key not in own} == shared, name


def test_documented_cluster_command_leaves_the_single_process_off(compose: dict[str, Any]) -> None:
    """Services without a profile start with any profile: the single SQLite process must be scaled to 0,
    or a fourth process would send with the same token from the old database."""
    header = [line for line in COMPOSE.read_text(encoding="utf-8").splitlines() if "--profile cluster up" in line]
    assert header, "compose.yaml's header shows how to start the cluster"
    for line in header:
        words = shlex.split(line.lstrip("# "))
        scaled = {w.partition("=")[0] for w, before in zip(words[1:], words, strict=False) if before == "--scale"}
        unprofiled = {name for name, one in compose["services"].items() if not one.get("profiles")}
        assert unprofiled <= scaled and all(f"{name}=0" in words for name in unprofiled), line


# Every variable deploy/ names


def deploy_variables() -> dict[str, set[str]]:
    """Variable -> the deploy/ files naming it (kneadbot's only: KNEADBOT_* and DISCORD_TOKEN)."""
    found: dict[str, set[str]] = {}
    for path in sorted(DEPLOY.iterdir()):
        for name in re.findall(r"\b(KNEADBOT_[A-Z0-9_]+|DISCORD_TOKEN)\b", path.read_text(encoding="utf-8")):
            found.setdefault(name, set()).add(path.name)
    return found


def test_every_variable_in_deploy_is_a_setting() -> None:
    known = {env_name(field) for field in Settings.model_fields} | SHARD_SETTINGS
    unknown = {name: files for name, files in deploy_variables().items() if name not in known}
    assert unknown == {}, "deploy/ names variables bot/settings.py does not read"


def test_the_variable_check_sees_the_cluster_settings() -> None:
    """Guards the test above against a pattern that finds nothing."""
    found = deploy_variables()
    assert {"compose.yaml", "kneadbot.env.example"} <= found["KNEADBOT_SHARD_IDS"]
    assert {"compose.yaml", "kneadbot@.service"} <= found["KNEADBOT_GLOBAL_RATE"]


@pytest.mark.parametrize("secret_file", ["deploy/kneadbot.env", "deploy/postgres.env"])
def test_secret_env_files_are_never_committed_or_built_in(secret_file: str) -> None:
    """Named in .gitignore line by line (no git needed: CI may run from an unpacked archive)."""
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert secret_file in ignored, f"{secret_file} is not in .gitignore"
    assert dockerignore_excludes(secret_file)


# kneadbot.env.example


def env_assignments() -> dict[str, str]:
    return env_file_assignments(ENV_EXAMPLE)


def env_file_assignments(path: Path) -> dict[str, str]:
    assignments = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, separator, value = line.partition("=")
            assert separator and name == name.strip() and value == value.strip(), line
            assignments[name] = value
    return assignments


def env_name(field: str) -> str:
    alias = Settings.model_fields[field].validation_alias
    return alias if isinstance(alias, str) else ENV_PREFIX + field.upper()


@pytest.mark.parametrize("field", list(Settings.model_fields))
def test_env_example_lists_every_setting(field: str) -> None:
    name = env_name(field)
    assert re.search(rf"^#? ?{name}=", ENV_EXAMPLE.read_text(encoding="utf-8"), re.M), f"{name} is missing"


def test_env_example_holds_no_secret_and_loads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assignments = env_assignments()
    assert assignments["DISCORD_TOKEN"] == ""
    assert set(assignments) <= {env_name(field) for field in Settings.model_fields}
    for name in os.environ:
        if name.startswith(ENV_PREFIX) or name == "DISCORD_TOKEN":
            monkeypatch.delenv(name)
    for name, value in assignments.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)  # no stray .env file may add to it
    settings = load_settings()
    assert settings.log_format == "json"
    assert settings.sharded is False


# kneadbot.service


def unit_entries(unit: Path = UNIT) -> dict[str, dict[str, list[str]]]:
    """section -> key -> every value (systemd allows repeating a key)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in unit.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


@pytest.mark.parametrize(
    ("unit", "environment_files"),
    [
        (UNIT, ["/etc/kneadbot/kneadbot.env"]),
        (TEMPLATE, ["/etc/kneadbot/kneadbot.env", "/etc/kneadbot/shard-group-%i.env"]),  # the group's file wins
    ],
    ids=lambda value: value.name if isinstance(value, Path) else "",
)
def test_unit_runs_the_venv_python_as_kneadbot(unit: Path, environment_files: list[str]) -> None:
    service = unit_entries(unit)["Service"]
    assert service["User"] == ["kneadbot"]
    (workdir,) = service["WorkingDirectory"]
    assert service["ExecStart"] == [f"{workdir}/.venv/bin/python -m bot"]
    assert service["EnvironmentFile"] == environment_files
    assert service["Restart"] == ["on-failure"]
    assert service["RestartPreventExitStatus"] == ["2"]  # bad configuration: restarting cannot fix it
    assert unit_entries(unit)["Install"]["WantedBy"] == ["multi-user.target"]


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_readme_shows_what_each_unit_runs(unit: Path) -> None:
    (exec_start,) = unit_entries(unit)["Service"]["ExecStart"]
    deploy_section = README.read_text(encoding="utf-8").partition("\n## Deploy\n")[2]
    (line,) = [line for line in deploy_section.splitlines() if f"`deploy/{unit.name}`" in line]
    assert f"runs `{exec_start}`" in line


def test_template_instance_reads_its_shard_group_file() -> None:
    """The instance's file sets only its shards (and may set a metrics port); the rest is shared."""
    assignments = env_file_assignments(SHARD_GROUP_EXAMPLE)
    assert set(assignments) == {"KNEADBOT_SHARD_IDS"}
    assert "shard-group-NAME.env" in SHARD_GROUP_EXAMPLE.read_text(encoding="utf-8")
    assert "/etc/kneadbot/shard-group-%i.env" in unit_entries(TEMPLATE)["Service"]["EnvironmentFile"]


def test_template_keeps_no_local_data() -> None:
    """Its data is in PostgreSQL: no state directory, nothing writable, no SQLite path set."""
    service = unit_entries(TEMPLATE)["Service"]
    assert "StateDirectory" not in service and "ReadWritePaths" not in service
    assert not [e for e in service.get("Environment", []) if e.startswith("KNEADBOT_DB=")]
    assert service["ProtectSystem"] == ["strict"]


def test_unit_can_write_only_its_data_directory() -> None:
    service = unit_entries()["Service"]
    environment = dict(assignment.split("=", 1) for assignment in service["Environment"])
    data_dir = str(PurePosixPath(environment["KNEADBOT_DB"]).parent)
    assert service["ReadWritePaths"] == [data_dir]
    assert service["ProtectSystem"] == ["strict"]
    assert f"/var/lib/{service['StateDirectory'][0]}" == data_dir


HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectKernelLogs": "yes",
    "ProtectControlGroups": "yes",
    "LockPersonality": "yes",
    "MemoryDenyWriteExecute": "yes",
    "RestrictRealtime": "yes",
    "RestrictSUIDSGID": "yes",
    "RestrictNamespaces": "yes",
    "CapabilityBoundingSet": "",
    "AmbientCapabilities": "",
    "SystemCallArchitectures": "native",
}


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
@pytest.mark.parametrize(("key", "value"), HARDENING.items())
def test_unit_hardening(unit: Path, key: str, value: str) -> None:
    assert unit_entries(unit)["Service"].get(key) == [value]


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_unit_network_and_system_calls(unit: Path) -> None:
    service = unit_entries(unit)["Service"]
    assert set(service["RestrictAddressFamilies"][0].split()) == {"AF_INET", "AF_INET6", "AF_UNIX"}
    assert service["SystemCallFilter"][0] == "@system-service"


@pytest.fixture
def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        pytest.skip("systemd-analyze is not installed")
    return found


@pytest.fixture(params=UNITS, ids=lambda unit: unit.name)
def runnable_unit(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """The unit with ExecStart pointing at this interpreter: `verify` checks that the binary exists.

    The template is checked as its instance kneadbot@0.service (systemd finds the template beside it)."""
    unit: Path = request.param
    text = unit.read_text(encoding="utf-8")
    (exec_start,) = unit_entries(unit)["Service"]["ExecStart"]
    (tmp_path / unit.name).write_text(text.replace(shlex.split(exec_start)[0], sys.executable), encoding="utf-8")
    return tmp_path / unit.name.replace("@.", "@0.")


def test_systemd_accepts_the_unit(systemd_analyze: str, runnable_unit: Path) -> None:
    result = subprocess.run(
        [systemd_analyze, "verify", str(runnable_unit)], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", "systemd ignored or rejected a line:\n" + result.stderr


def test_systemd_rates_the_sandbox_ok(systemd_analyze: str, runnable_unit: Path) -> None:
    result = subprocess.run(
        [systemd_analyze, "security", "--offline=yes", str(runnable_unit)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    score = re.search(r"Overall exposure level for \S+: (\d+\.\d)", result.stdout)
    if score is None:
        pytest.skip(f"this systemd-analyze cannot rate a unit offline: {result.stderr.strip()}")
    assert float(score[1]) <= 2.0, result.stdout


# .ci/docker-check


def stub_docker(tmp_path: Path, *, engine: bool) -> tuple[dict[str, str], Path]:
    """A `docker` first on PATH that logs its arguments; `info` fails when there is no engine."""
    bin_dir, log = tmp_path / "bin", tmp_path / "docker.log"
    bin_dir.mkdir()
    script = bin_dir / "docker"
    script.write_text(
        "#!/usr/bin/env bash\n"
        f'echo "$*" >> {shlex.quote(str(log))}\n'
        f'if [ "$1" = info ]; then exit {0 if engine else 1}; fi\n'
        'if [ "$1" = compose ]; then exit 1; fi\n'
        'if [ "$1" = run ] && [ "$3" = --entrypoint ]; then echo 10001; fi\n'
        "exit 0\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    env.pop("KNEADBOT_IMAGE", None)
    return env, log


def run_docker_check(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run from `cwd` (not the repository): the script must find the repository root itself."""
    return subprocess.run(
        [str(DOCKER_CHECK)], cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=60
    )


def test_docker_check_is_executable() -> None:
    assert os.access(DOCKER_CHECK, os.X_OK)
    assert DOCKER_CHECK.read_text(encoding="utf-8").startswith("#!/usr/bin/env bash\n")


def test_docker_check_skips_without_an_engine(tmp_path: Path) -> None:
    env, log = stub_docker(tmp_path, engine=False)
    result = run_docker_check(env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "docker engine not available: skipping image build\n"
    assert log.read_text(encoding="utf-8").splitlines() == ["info"]


def test_docker_check_builds_from_the_repo_root_with_an_engine(tmp_path: Path) -> None:
    env, log = stub_docker(tmp_path, engine=True)
    result = run_docker_check(env, tmp_path)
    assert result.returncode == 0, result.stderr
    calls = log.read_text(encoding="utf-8").splitlines()
    assert calls[:2] == ["info", "build --file deploy/Dockerfile --tag kneadbot:ci ."]
    assert "run --rm --entrypoint id kneadbot:ci -u" in calls
    assert result.stdout.endswith("docker-check: image kneadbot:ci built and checked\n")
