"""The Grafana dashboard in deploy/grafana queries only series the services serve, watches
every alert docs/operations.md recommends, and is what its generator writes; and every
series the docs' metrics table names is one the services serve."""

from __future__ import annotations

import importlib.util
import json
import re
from types import ModuleType

from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from .conftest import DEPLOY, DOCS, SERVICE_NAMES

DASHBOARD = DEPLOY / "grafana" / "ombuds.json"
OPERATIONS = DOCS / "operations.md"
# Prometheus' own series about its targets.
PROMETHEUS_BUILTIN = {"up"}
_SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("", "_bucket", "_sum", "_count", "_created"),  # "": as the docs name it
    "summary": ("", "_sum", "_count", "_created"),
}


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "grafana_generate", DEPLOY / "grafana" / "generate.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def served_series() -> set[str]:
    """The series names the services' /metrics page can carry (every service's app
    imported, so every metric they define is registered)."""
    for service in SERVICE_NAMES:
        importlib.import_module(f"{service}.main")
    page = generate_latest(REGISTRY).decode()
    return {
        family.name + suffix
        for family in text_string_to_metric_families(page)
        if family.name.startswith("ombuds_")
        for suffix in _SUFFIXES.get(family.type, ("",))
    }


def queries() -> list[str]:
    board = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for p in board["panels"] for t in p.get("targets", [])]
    exprs += [v["query"] for v in board["templating"]["list"] if v["type"] == "query"]
    return exprs


def series_in(expr: str) -> set[str]:
    """The metric names a PromQL expression reads: what remains once label matchers,
    ranges, strings, grouping clauses, functions and numbers are taken out."""
    bare = re.sub(r'"[^"]*"', "", expr)
    bare = re.sub(r"\{[^}]*\}|\[[^\]]*\]", "", bare)
    bare = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", bare)
    bare = re.sub(r"\blabel_values\(\s*([a-zA-Z_:][\w:]*)\s*,[^)]*\)", r"\1", bare)
    names = set()
    for token in re.finditer(r"[a-zA-Z_:][\w:]*", bare):
        is_function = bare[token.end() :].lstrip().startswith("(")
        if not is_function and token.group() not in {"and", "or", "unless"}:
            names.add(token.group())
    return names


def test_the_dashboard_queries_only_series_the_services_serve() -> None:
    served = served_series()
    read: set[str] = set()
    for expr in queries():
        names = series_in(expr)
        assert names, expr
        unknown = names - served - PROMETHEUS_BUILTIN
        assert not unknown, (expr, unknown)
        read |= names
    # The series the recommended alerts watch all have a panel.
    for alert in (
        "ombuds_outbox_oldest_age_seconds",
        "ombuds_retention_runs_total",
        "ombuds_http_request_errors_total",
        "ombuds_http_shed_requests_total",
    ):
        assert alert in read, alert


def test_the_check_catches_a_name_no_service_serves() -> None:
    assert series_in('sum by (service) (rate(ombuds_outbox_delivered{service=~"$s"}[5m]))') == {
        "ombuds_outbox_delivered"
    }
    assert "ombuds_outbox_delivered" not in served_series()  # a counter is served as _total


def test_every_series_the_docs_name_is_served() -> None:
    text = OPERATIONS.read_text()
    table = text.split("### Metrics", 1)[1].split("### ", 1)[0]
    documented = set(re.findall(r"`(ombuds_[a-z_]+)[`{]", table))
    assert "ombuds_certificates_total" in documented
    assert documented <= served_series(), documented - served_series()


def test_the_dashboard_file_is_what_its_generator_writes() -> None:
    generator = _generator()
    assert DASHBOARD.read_text() == generator.render(), "run python deploy/grafana/generate.py"
    board = json.loads(DASHBOARD.read_text())
    assert {p["datasource"]["uid"] for p in board["panels"] if "datasource" in p} == {
        "${DS_PROMETHEUS}"
    }
