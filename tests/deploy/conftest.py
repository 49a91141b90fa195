"""What the deployment tests share: where the files are, and what each service accepts."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path

from gateway.config import GatewaySettings
from intake.config import IntakeSettings
from mediation.config import MediationSettings
from ombuds import system
from ombuds_shared.config import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DOCS = ROOT / "docs"
SERVICE_NAMES = tuple(spec.name for spec in system.SERVICES)
BACKEND_NAMES = tuple(spec.name for spec in system.BACKENDS)


def settings_fields(service: str) -> set[str]:
    """The settings a service reads, as the environment variable names it answers to."""
    spec = next(s for s in system.SERVICES if s.name == service)
    module, _, name = spec.settings_path.partition(":")
    cls = getattr(importlib.import_module(module), name)
    return {spec.env_prefix + field.upper() for field in cls.model_fields}


def files_needed_to_start(service: str, env: Mapping[str, str], *, migration: bool) -> list[Path]:
    """The key files and folders a production container of the service with `env` cannot
    start without (a migration reads none); raises what the process would fail with when
    its settings are refused."""
    spec = next(s for s in system.SERVICES if s.name == service)
    settings = system.settings_for(spec, env)
    assert isinstance(settings, ServiceSettings)
    assert settings.environment == "production", service
    if migration:
        return []
    files = [settings.resolved_signing_key_file]
    if settings.internal_jwks_file is not None:
        files.append(settings.internal_jwks_file)
    if isinstance(settings, GatewaySettings):
        files.append(settings.resolved_service_keys_dir)
        if settings.pseudonym_key is None:
            files.append(settings.resolved_pseudonym_key_file)
    if isinstance(settings, MediationSettings):
        files += settings.resolved_certificate_key_files
    if isinstance(settings, IntakeSettings) and settings.fingerprint_key is None:
        files.append(settings.resolved_fingerprint_key_file)
    return files
