"""Prints the gateway's combined OpenAPI document, built offline from the services' apps.

Committed as docs/openapi.json; a test compares it with what a running gateway serves,
so that a change to the public interface is always deliberate.
"""

from __future__ import annotations

import importlib
import json
import tempfile
from pathlib import Path
from typing import Any

from gateway.config import GatewaySettings
from gateway.main import create_app as create_gateway
from gateway.openapi import merge
from gateway.policy import POLICY
from gateway.reference import LOCAL_SERVICE, local_app
from ombuds.system import BACKENDS


def combined_openapi() -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="ombuds-openapi-"))
    specs = {}
    for spec in BACKENDS:
        settings_module, _, settings_class = spec.settings_path.partition(":")
        settings = getattr(importlib.import_module(settings_module), settings_class)(
            environment="test", data_dir=data_dir
        )
        app = importlib.import_module(f"{spec.name}.main").create_app(settings)
        specs[spec.name] = app.openapi()
    specs[LOCAL_SERVICE] = local_app().openapi()
    gateway = create_gateway(GatewaySettings(environment="test", data_dir=data_dir))
    return merge(gateway.openapi(), specs, POLICY)


if __name__ == "__main__":
    print(json.dumps(combined_openapi(), indent=2, sort_keys=True))
