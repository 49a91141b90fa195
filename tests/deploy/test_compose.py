"""The one-host deployment: compose wiring, the image recipe, and the secrets it expects.

No container engine runs here, so the compose file is checked for structure
(what `docker compose config` would accept, and what this project needs), and
the image's install step is run as written against a scratch environment.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import (
    BACKEND_NAMES,
    DEPLOY,
    ROOT,
    SERVICE_NAMES,
    files_needed_to_start,
    settings_fields,
)

COMPOSE: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
DOCKERFILE = (DEPLOY / "Dockerfile").read_text()
ENV_EXAMPLE = (DEPLOY / ".env.example").read_text()
_INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}")


def _compose_plugin() -> bool:
    if shutil.which("docker") is None:
        return False
    version = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30)
    return version.returncode == 0


@pytest.mark.skipif(not _compose_plugin(), reason="the docker compose plugin is not installed")
def test_docker_compose_accepts_the_file(tmp_path: Path) -> None:
    """Where Compose is installed, its own loader validates the file against the spec."""
    example = re.sub(r"^([A-Z0-9_]+)=$", r"\1=filled-in", ENV_EXAMPLE, flags=re.MULTILINE)
    env_file = tmp_path / ".env"
    env_file.write_text(example)
    result = subprocess.run(
        ["docker", "compose", "-f", str(DEPLOY / "compose.yaml"), "--env-file", str(env_file),
         "config", "--quiet"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_compose_has_the_database_the_services_and_a_migration_per_database() -> None:
    services = COMPOSE["services"]
    expected = {"postgres", *SERVICE_NAMES, *(f"{name}-migrate" for name in BACKEND_NAMES)}
    assert set(services) == expected
    for name, service in services.items():
        assert "image" in service, name
        assert set(service) <= {
            "image", "build", "command", "environment", "depends_on", "restart", "networks",
            "ports", "volumes", "secrets", "healthcheck", "read_only", "tmpfs", "cap_drop",
            "security_opt", "stop_grace_period",
        }, name  # fmt: skip
    init = "./postgres/init-databases.sh:/docker-entrypoint-initdb.d/10-ombuds.sh:ro"
    assert init in services["postgres"]["volumes"]
    assert "healthcheck" in services["postgres"]


@pytest.mark.parametrize("name", BACKEND_NAMES)
def test_each_service_starts_after_its_own_migration(name: str) -> None:
    services = COMPOSE["services"]
    migrate, service = services[f"{name}-migrate"], services[name]
    assert migrate["command"] == ["python", "-m", f"{name}.migrate"]
    assert migrate["image"] == service["image"]
    assert migrate["build"]["args"] == {"SERVICE": name}
    assert migrate["build"]["dockerfile"] == "deploy/Dockerfile"
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert service["depends_on"] == {
        f"{name}-migrate": {"condition": "service_completed_successfully"}
    }
    database = f"OMBUDS_{name.upper()}_DATABASE_URL"
    assert migrate["environment"][database] == service["environment"][database]
    assert service["environment"][database].endswith(f"@postgres:5432/{name}")


def test_the_init_script_creates_one_database_per_service() -> None:
    script = (DEPLOY / "postgres" / "init-databases.sh").read_text()
    (loop,) = re.findall(r"^for service in (.+); do$", script, re.MULTILINE)
    assert loop.split() == list(BACKEND_NAMES)
    assert 'CREATE DATABASE :"name" OWNER :"name";' in script
    assert os.access(DEPLOY / "postgres" / "init-databases.sh", os.X_OK)
    syntax = subprocess.run(["sh", "-n", str(DEPLOY / "postgres" / "init-databases.sh")])
    assert syntax.returncode == 0


def test_each_container_gets_only_settings_it_reads_and_secrets_by_reference() -> None:
    for name, service in COMPOSE["services"].items():
        if name == "postgres":
            continue
        owner = name.removesuffix("-migrate")
        for variable, value in service["environment"].items():
            assert variable in settings_fields(owner), f"{name}: {variable}"
            if variable.endswith(("MASTER_KEYS", "DATABASE_URL", "PSEUDONYM_KEY")):
                assert "${" in value, f"{name}: {variable} must come from deploy/.env"
        other_prefixes = [f"OMBUDS_{o.upper()}_" for o in SERVICE_NAMES if o != owner]
        assert not [v for v in service["environment"] if v.startswith(tuple(other_prefixes))]
        for secret in service.get("secrets", []):
            assert secret.startswith(f"{owner}_"), f"{name}: {secret}"


def _interpolated(value: str) -> str:
    """A value as compose hands it over: a default where one is given, else a filled-in
    placeholder (deploy/.env is the operator's). `${X:-}` defaults to empty."""

    def value_of(match: re.Match[str]) -> str:
        _, default_given, default = match.group(0)[2:-1].partition(":-")
        return default if default_given else "filled-in"

    return _INTERPOLATION.sub(value_of, value)


@pytest.mark.parametrize("name", [n for n in COMPOSE["services"] if n != "postgres"])
def test_each_container_has_every_setting_and_key_file_production_requires(name: str) -> None:
    service = COMPOSE["services"][name]
    owner = name.removesuffix("-migrate")
    env = {k: _interpolated(str(v)) for k, v in service["environment"].items()}
    present = {Path("/run/secrets") / secret for secret in service.get("secrets", [])}
    folders = {Path(v.split(":")[1]) for v in service.get("volumes", [])}
    for path in files_needed_to_start(owner, env, migration=name.endswith("-migrate")):
        assert path in present | folders, f"{name}: {path} is not in the container"
    for secret in service.get("secrets", []):
        assert COMPOSE["secrets"][secret]["file"].startswith("./secrets/")


def test_every_interpolated_variable_is_documented_and_the_real_files_are_ignored() -> None:
    text = (DEPLOY / "compose.yaml").read_text()
    used = set(_INTERPOLATION.findall(text))
    documented = set(re.findall(r"^([A-Z0-9_]+)=", ENV_EXAMPLE, re.MULTILINE))
    assert used <= documented, used - documented
    for secret in COMPOSE["secrets"].values():
        assert secret["file"].startswith("./secrets/")
    ignored = subprocess.run(
        ["git", "check-ignore", "deploy/.env", "deploy/secrets/intake.pem"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert ignored.stdout.split() == ["deploy/.env", "deploy/secrets/intake.pem"]


def test_the_image_is_multi_stage_non_root_and_health_checked() -> None:
    stages = re.findall(r"^FROM \S+ AS (\w+)$", DOCKERFILE, re.MULTILINE)
    assert stages[-2:] == ["build", "runtime"]
    runtime = DOCKERFILE.split("AS runtime", 1)[1]
    (user,) = re.findall(r"^USER (\S+)$", runtime, re.MULTILINE)
    assert not user.startswith(("0", "root"))
    assert "HEALTHCHECK" in runtime
    assert "/health" in runtime
    assert "COPY --from=build" in runtime
    assert "uv " not in runtime, "the runtime stage holds no build tools"


def _install_command() -> list[str]:
    (command,) = re.findall(
        r"^\s+(uv sync --frozen --package ombuds-\$\{SERVICE\} --no-dev --no-editable)$",
        DOCKERFILE,
        re.MULTILINE,
    )
    return str(command).split()


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_the_image_install_step_brings_one_service_and_nothing_else(
    service: str, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    command = [part.replace("${SERVICE}", service) for part in _install_command()]
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv), "UV_PYTHON": sys.executable}
    result = subprocess.run(
        [*command, "--offline", "--quiet"], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    others = [
        name for name in (*SERVICE_NAMES, "ombuds", "ombuds_testing", "pytest") if name != service
    ]
    # The operator commands run inside the image too (docs/operations.md).
    commands = [f"{service}.main"]
    if service in BACKEND_NAMES:
        commands.append(f"{service}.migrate")
    if service in ("intake", "cases", "mediation"):
        commands.append(f"{service}.rewrap")
    probe = (
        "import importlib, importlib.util as u, sys; import ombuds_shared, prometheus_client; "
        f"[importlib.import_module(c) for c in {commands!r}]; "
        f"found = [m for m in {others!r} if u.find_spec(m)]; print(found); sys.exit(bool(found))"
    )
    found = subprocess.run(
        [str(venv / "bin" / "python"), "-c", probe], capture_output=True, text=True, timeout=60
    )
    assert found.returncode == 0, found.stdout + found.stderr


def test_the_image_sees_every_workspace_member_so_the_lock_file_resolves() -> None:
    members = {str(p.relative_to(ROOT)) for p in ROOT.glob("services/*/pyproject.toml")}
    copied = set(re.findall(r"^COPY (services/\S+/pyproject\.toml) ", DOCKERFILE, re.MULTILINE))
    assert copied == members
    assert "COPY shared/pyproject.toml " in DOCKERFILE
    assert "COPY shared-testing/pyproject.toml " in DOCKERFILE
