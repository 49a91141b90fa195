"""The whole system on one machine: keys, migrations and the five service processes."""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization

from ombuds import progress
from ombuds_shared.http import PUBLIC_KEEP_ALIVE_SECONDS, SERVER_KEEP_ALIVE_SECONDS
from ombuds_shared.keys import load_or_create_key
from ombuds_shared.migrations import move_keys_to_store, upgrade

HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def _keep_alive_seconds(service: str) -> int:
    """The gateway's public API lets idle outside clients go soon; services keep peers longer."""
    return PUBLIC_KEEP_ALIVE_SECONDS if service == "gateway" else SERVER_KEEP_ALIVE_SECONDS


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    offset: int  # port = base port + offset
    settings_path: str  # module:Class
    has_database: bool = True

    @property
    def env_prefix(self) -> str:
        return f"OMBUDS_{self.name.upper()}_"

    @property
    def app_factory(self) -> str:
        return f"{self.name}.main:create_app"


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("intake", 1, "intake.config:IntakeSettings"),
    ServiceSpec("cases", 2, "cases.config:CasesSettings"),
    ServiceSpec("mediation", 3, "mediation.config:MediationSettings"),
    ServiceSpec("analytics", 4, "analytics.config:AnalyticsSettings"),
    ServiceSpec("gateway", 0, "gateway.config:GatewaySettings", has_database=False),
)
BACKENDS = tuple(s for s in SERVICES if s.has_database)
# The gateway's private listener (internal JWKS, event ingress, metrics) takes the port
# after the services'.
PRIVATE_OFFSET = len(SERVICES)
# The ports the whole system takes from its base port on (tests and benches pick a free block).
PORT_COUNT = PRIVATE_OFFSET + 1

Report = Callable[[str], None]


def _import(path: str) -> type:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def ensure_keys(data_dir: Path) -> None:
    """Creates the development keys the services and the gateway need, once."""
    keys = data_dir / "keys"
    for spec in SERVICES:
        private = load_or_create_key(keys / f"{spec.name}.pem", create=True)
        public = keys / f"{spec.name}.pub.pem"
        if not public.exists():
            public.write_bytes(
                private.public_key().public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                )
            )
    load_or_create_key(keys / "dev-issuer.pem", create=True)


def service_environment(data_dir: Path, port: int) -> dict[str, str]:
    """Environment variables that wire the services to each other on loopback."""
    env: dict[str, str] = {}
    urls = {spec.name: f"http://{HOST}:{port + spec.offset}" for spec in SERVICES}
    private = f"{HOST}:{port + PRIVATE_OFFSET}"
    env["OMBUDS_GATEWAY_PRIVATE_BIND"] = private
    for spec in SERVICES:
        env[f"{spec.env_prefix}DATA_DIR"] = str(data_dir.resolve())
        env[f"{spec.env_prefix}INTERNAL_JWKS_URL"] = f"http://{private}/internal/jwks.json"
        for peer, url in urls.items():
            if peer != spec.name:
                env[f"{spec.env_prefix}{peer.upper()}_URL"] = url
        if spec.name != "gateway":
            # Outbox relays deliver to the event ingress, on the private listener only.
            env[f"{spec.env_prefix}GATEWAY_URL"] = f"http://{private}"
    return env


def settings_for(spec: ServiceSpec, env: Mapping[str, str]) -> object:
    """The service's settings as its process will see them."""
    saved = dict(os.environ)
    try:
        os.environ.update(env)
        return _import(spec.settings_path)()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def migrate(
    data_dir: Path,
    port: int = DEFAULT_PORT,
    report: Report = print,
    extra_env: Mapping[str, str] | None = None,
) -> None:
    """Runs every service's pending migrations against its own database."""
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**service_environment(data_dir, port), **(extra_env or {})}
    with progress.bar(len(BACKENDS), "migrations", "service") as shown:
        for spec in BACKENDS:
            settings = settings_for(spec, env)
            url: str = settings.resolved_database_url  # type: ignore[attr-defined]
            module = importlib.import_module(f"{spec.name}.main")
            if shown.disable:
                report(f"  migrating {spec.name:<10} {_redact(url)}")
            shown.set_postfix_str(spec.name)
            # Data keys an earlier release kept in the data database go to the key store
            # before the migration that drops their columns.
            legacy = getattr(_rewrap_module(spec.name), "LEGACY_WRAPPED_KEYS", ())
            move_keys_to_store(settings, legacy, report=report)  # type: ignore[arg-type]
            upgrade(module.MIGRATIONS, url)
            shown.update(1)
    report(f"  migrated   {', '.join(spec.name for spec in BACKENDS)}")


def _rewrap_module(name: str) -> object:
    try:
        return importlib.import_module(f"{name}.rewrap")
    except ModuleNotFoundError:
        return None  # a service without data keys


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@dataclass
class System:
    """The five services as child processes on 127.0.0.1."""

    data_dir: Path
    port: int = DEFAULT_PORT
    extra_env: Mapping[str, str] = field(default_factory=dict)
    log_level: str = "warning"
    # When set, each service's stderr (its JSON log) goes to `<log_dir>/<name>.log`.
    log_dir: Path | None = None
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def url(self, name: str) -> str:
        spec = next(s for s in SERVICES if s.name == name)
        return f"http://{HOST}:{self.port + spec.offset}"

    def private_url(self) -> str:
        """The gateway's private listener: internal JWKS, event ingress, metrics."""
        return f"http://{HOST}:{self.port + PRIVATE_OFFSET}"

    def start(self, report: Report = print, timeout: float = 60.0) -> None:
        ensure_keys(self.data_dir)
        env = {**os.environ, **service_environment(self.data_dir, self.port), **self.extra_env}
        for spec in SERVICES:
            self.start_one(spec.name, env)
        self.wait_healthy(timeout)
        for spec in SERVICES:
            report(f"  {spec.name:<10} {self.url(spec.name)}")

    def start_one(self, name: str, env: Mapping[str, str] | None = None) -> None:
        spec = next(s for s in SERVICES if s.name == name)
        env = env or {
            **os.environ,
            **service_environment(self.data_dir, self.port),
            **self.extra_env,
        }
        command = [
            sys.executable, "-m", "uvicorn", "--factory", spec.app_factory,
            "--host", HOST, "--port", str(self.port + spec.offset),
            "--log-level", self.log_level, "--no-access-log", "--timeout-graceful-shutdown", "5",
            "--timeout-keep-alive", str(_keep_alive_seconds(spec.name)),
        ]  # fmt: skip
        log = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - the child owns it
        try:
            # Our own interpreter and module names only; nothing from outside reaches argv.
            self.processes[name] = subprocess.Popen(  # noqa: S603
                command, env=dict(env), start_new_session=True, stderr=log
            )
        finally:
            if log is not None:
                log.close()  # the child holds its own descriptor

    def wait_healthy(self, timeout: float = 60.0, names: list[str] | None = None) -> None:
        deadline = time.monotonic() + timeout
        pending = list(names or self.processes)
        with httpx.Client(timeout=2.0) as client:
            while pending:
                name = pending[0]
                process = self.processes[name]
                if process.poll() is not None:
                    raise RuntimeError(f"the {name} service exited with code {process.returncode}")
                try:
                    if client.get(f"{self.url(name)}/health").status_code == 200:
                        pending.pop(0)
                        continue
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the {name} service did not become healthy")
                time.sleep(0.1)

    def kill(self, name: str) -> None:
        """Kills one service at once (SIGKILL), as a crash would."""
        process = self.processes.pop(name)
        process.kill()
        process.wait(10)

    def stop(self, timeout: float = 10.0) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.processes.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        self.processes.clear()

    def exited(self) -> list[str]:
        return [name for name, p in self.processes.items() if p.poll() is not None]
