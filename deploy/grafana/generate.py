"""Writes deploy/grafana/ombuds.json: the Grafana dashboard for the alerts docs/operations.md
recommends (outbox age and backlog, failed retention runs, 5xx ratio, load shedding) and the
series around them. Run `python deploy/grafana/generate.py` after changing a panel;
`--check` fails when the file is not what this script writes (the tests run it).

The dashboard asks for its Prometheus data source on import (`DS_PROMETHEUS`), and filters
every panel by the `service` label.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

TARGET = Path(__file__).with_name("ombuds.json")
DATASOURCE = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
SERVICE = 'service=~"$service"'
FAILED = 'outcome="failed"'


def series(metric: str, *matchers: str) -> str:
    """A metric selected for the dashboard's services (and any further label matchers)."""
    return f"{metric}{{{', '.join((SERVICE, *matchers))}}}"


def rate(metric: str, *matchers: str, window: str = "5m") -> str:
    return f"rate({series(metric, *matchers)}[{window}])"


def increase(metric: str, *matchers: str, window: str = "1d") -> str:
    return f"increase({series(metric, *matchers)}[{window}])"


# (title, description, unit, kind, [(legend, expr)], threshold or None)
Panel = tuple[str, str, str, str, list[tuple[str, str]], float | None]

ROWS: list[tuple[str, list[Panel]]] = [
    (
        "Alerts",
        [
            (
                "Oldest undelivered event (alert: rising)",
                "How long the oldest outbox event has waited, per relay. Rising: statistics "
                "fall behind (the gateway or analytics is away, or events are refused).",
                "s",
                "timeseries",
                [
                    (
                        "{{service}}",
                        f"max by (service) ({series('ombuds_outbox_oldest_age_seconds')})",
                    )
                ],
                900,
            ),
            (
                "Failed retention runs, last 24 h (alert: any)",
                "Runs that raised or left content due: content is kept beyond its schedule.",
                "short",
                "stat",
                [
                    (
                        "{{service}}",
                        f"sum by (service) ({increase('ombuds_retention_runs_total', FAILED)})",
                    )
                ],
                1,
            ),
            (
                "Server errors (5xx) per route (alert: above a few per cent)",
                "Share of answers that were server errors, per service and route template.",
                "percentunit",
                "timeseries",
                [
                    (
                        "{{service}} {{route}}",
                        f"sum by (service, route) ({rate('ombuds_http_request_errors_total')})"
                        " / sum by (service, route) "
                        f"(rate(ombuds_http_requests_total{{{SERVICE}}}[5m]))",
                    )
                ],
                0.03,
            ),
            (
                "Load shed (503 at the concurrency limit)",
                "Requests the gateway refused at once; sustained: too few replicas.",
                "reqps",
                "timeseries",
                [
                    (
                        "{{service}}",
                        f"sum by (service) ({rate('ombuds_http_shed_requests_total')})",
                    )
                ],
                None,
            ),
            (
                "Scrape targets up",
                "Prometheus reaching each target's /metrics (0: the process is away).",
                "short",
                "stat",
                [("{{job}} {{instance}}", "up")],
                None,
            ),
        ],
    ),
    (
        "Outbox relays",
        [
            (
                "Backlog",
                "Events not yet delivered, as each relay last counted them.",
                "short",
                "timeseries",
                [("{{service}}", f"sum by (service) ({series('ombuds_outbox_backlog')})")],
                None,
            ),
            (
                "Delivered and failed attempts",
                "Relay throughput, and delivery attempts that failed and will be retried.",
                "ops",
                "timeseries",
                [
                    (
                        "delivered {{service}}",
                        f"sum by (service) ({rate('ombuds_outbox_delivered_total')})",
                    ),
                    (
                        "failed {{service}}",
                        f"sum by (service) ({rate('ombuds_outbox_delivery_failures_total')})",
                    ),
                ],
                None,
            ),
        ],
    ),
    (
        "Retention and certificates",
        [
            (
                "Retention runs, last 24 h",
                "Runs of each service's schedule, by outcome.",
                "short",
                "timeseries",
                [
                    (
                        "{{service}} {{outcome}}",
                        f"sum by (service, outcome) ({increase('ombuds_retention_runs_total')})",
                    )
                ],
                None,
            ),
            (
                "Destroyed by retention, last 24 h",
                "Records whose confidential content a run destroyed, by kind.",
                "short",
                "timeseries",
                [
                    (
                        "{{service}} {{kind}}",
                        f"sum by (service, kind) ({increase('ombuds_retention_destroyed_total')})",
                    )
                ],
                None,
            ),
            (
                "Certificates, last 24 h",
                "Mediation certificates issued, re-issued and revoked.",
                "short",
                "timeseries",
                [
                    (
                        "{{action}}",
                        f"sum by (action) ({increase('ombuds_certificates_total')})",
                    )
                ],
                None,
            ),
        ],
    ),
    (
        "HTTP",
        [
            (
                "Requests per second",
                "By service and status code.",
                "reqps",
                "timeseries",
                [
                    (
                        "{{service}} {{status}}",
                        f"sum by (service, status) ({rate('ombuds_http_requests_total')})",
                    )
                ],
                None,
            ),
            (
                "Latency, 95th percentile",
                "By service and route template.",
                "s",
                "timeseries",
                [
                    (
                        "{{service}} {{route}}",
                        "histogram_quantile(0.95, sum by (service, route, le) "
                        f"({rate('ombuds_http_request_duration_seconds_bucket')}))",
                    )
                ],
                None,
            ),
            (
                "In flight",
                "Requests being served now (the load-shedding count).",
                "short",
                "timeseries",
                [
                    (
                        "{{service}}",
                        f"sum by (service) ({series('ombuds_http_in_flight_requests')})",
                    )
                ],
                None,
            ),
        ],
    ),
]


def _panel(panel_id: int, x: int, y: int, panel: Panel) -> dict[str, Any]:
    title, description, unit, kind, queries, threshold = panel
    steps: list[dict[str, Any]] = [{"color": "green", "value": None}]
    if threshold is not None:
        steps.append({"color": "red", "value": threshold})
    return {
        "id": panel_id,
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "gridPos": {"h": 8, "w": 12, "x": x, "y": y},
        "fieldConfig": {
            "defaults": {"unit": unit, "thresholds": {"mode": "absolute", "steps": steps}},
            "overrides": [],
        },
        "options": {},
        "targets": [
            {
                "refId": chr(ord("A") + n),
                "datasource": DATASOURCE,
                "expr": expr,
                "legendFormat": legend,
            }
            for n, (legend, expr) in enumerate(queries)
        ],
    }


def dashboard() -> dict[str, Any]:
    panels: list[dict[str, Any]] = []
    y = 0
    for row_title, row_panels in ROWS:
        panels.append(
            {"id": len(panels) + 1, "type": "row", "title": row_title, "collapsed": False,
             "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []}
        )  # fmt: skip
        y += 1
        for n, panel in enumerate(row_panels):
            panels.append(_panel(len(panels) + 1, 12 * (n % 2), y + 8 * (n // 2), panel))
        y += 8 * ((len(row_panels) + 1) // 2)
    return {
        "__inputs": [
            {
                "name": "DS_PROMETHEUS",
                "label": "Prometheus",
                "type": "datasource",
                "pluginId": "prometheus",
                "pluginName": "Prometheus",
            }
        ],
        "title": "Ombuds",
        "uid": "ombuds-operations",
        "description": "The series docs/operations.md names, with its recommended alerts.",
        "tags": ["ombuds"],
        "timezone": "utc",
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "refresh": "1m",
        "time": {"from": "now-24h", "to": "now"},
        "templating": {
            "list": [
                {
                    "name": "service",
                    "label": "Service",
                    "type": "query",
                    "datasource": DATASOURCE,
                    "query": "label_values(ombuds_http_requests_total, service)",
                    "includeAll": True,
                    "multi": True,
                    "allValue": ".*",
                    "current": {"text": "All", "value": "$__all"},
                    "refresh": 2,
                }
            ]
        },
        "annotations": {"list": []},
        "panels": panels,
    }


def render() -> str:
    return json.dumps(dashboard(), indent=2) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date")
    args = parser.parse_args()
    if args.check:
        if not TARGET.exists() or TARGET.read_text() != render():
            print(f"{TARGET} is out of date: run python {__file__}", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(render())
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
