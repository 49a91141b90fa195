"""What the deployment tests share: where the files are, and what each service accepts."""

from __future__ import annotations

import importlib
from pathlib import Path

from ombuds import system

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SERVICE_NAMES = tuple(spec.name for spec in system.SERVICES)
BACKEND_NAMES = tuple(spec.name for spec in system.BACKENDS)


def settings_fields(service: str) -> set[str]:
    """The settings a service reads, as the environment variable names it answers to."""
    spec = next(s for s in system.SERVICES if s.name == service)
    module, _, name = spec.settings_path.partition(":")
    cls = getattr(importlib.import_module(module), name)
    return {spec.env_prefix + field.upper() for field in cls.model_fields}
