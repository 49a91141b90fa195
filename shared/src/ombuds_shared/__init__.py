"""The library every Ombuds service imports; services never import each other.

The public surface is the modules listed in `__all__` below, and in each of them the
names its own `__all__` lists; services, the CLI, the test support and the benches
import nothing else (shared/tests/test_public_surface.py). Modules named with a
leading underscore (`_health`, `_strict_query`, `_tracing`) are the
library's own plumbing. Import a name from its module,
`from ombuds_shared.errors import NotFound`, or the module, `from ombuds_shared import metrics`.
"""

__all__ = [
    "app",
    "asgi",
    "audit",
    "audit_log",
    "auth",
    "batching",
    "cache",
    "config",
    "contact",
    "crypto",
    "dates",
    "db",
    "dependencies",
    "directory",
    "durations",
    "errors",
    "events",
    "history",
    "history_store",
    "http",
    "i18n",
    "keymove",
    "keys",
    "keystore",
    "logs",
    "metrics",
    "migrations",
    "models",
    "openapi",
    "outbox",
    "pages",
    "pagination",
    "reference",
    "register",
    "request_body",
    "request_context",
    "retention",
    "rewrap",
    "schemas",
    "serving",
    "tasks",
    "taxonomy",
    "tokens",
    "vocabulary",
]
