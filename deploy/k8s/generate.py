"""Writes deploy/k8s/ombuds.yaml, the cluster deployment, from the table below.

    uv run python deploy/k8s/generate.py          # rewrite ombuds.yaml
    uv run python deploy/k8s/generate.py --check  # exit 1 if ombuds.yaml is stale

The five services differ only in a few facts (who may call them, whether they
keep a database or confidential content); everything else is the same, so it
is written once here rather than five times by hand. The tests validate the
committed file against the Kubernetes schemas and check that it is current.
Adapt it to a cluster with a kustomize overlay (images, replicas, resources).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

OUTPUT = Path(__file__).with_name("ombuds.yaml")
NAMESPACE = "ombuds"
VERSION = "0.1.0"
REGISTRY = "registry.example.org/ombuds"
PORT = 8000
METRICS_PORT = 9100
# The gateway's private listener: the internal JWKS and the event ingress, for the
# services' pods only (never behind the ingress).
PRIVATE_PORT = 8010
# Where Prometheus runs; it alone may reach the metrics port.
MONITORING_NAMESPACE = "monitoring"
RUN_AS = 10001
CERTIFICATE_KEYS_DIR = "/run/secrets/certificates"


@dataclass(frozen=True)
class Service:
    name: str
    # Services whose pods may open connections to this one (the gateway always may).
    callers: tuple[str, ...]
    # Services this one calls directly (settings field `<peer>_url`).
    peers: tuple[str, ...] = ()
    database: bool = True
    confidential: bool = True
    # Signs tribunal certificates with keys of its own (a Secret of PEM files).
    certificates: bool = False
    replicas: int = 2
    max_replicas: int = 10

    @property
    def env_prefix(self) -> str:
        return f"OMBUDS_{self.name.upper()}_"


GATEWAY = Service("gateway", callers=(), database=False, confidential=False, max_replicas=20)
SERVICES = (
    GATEWAY,
    # Mediation calls intake to destroy its parties' identities under its retention schedule.
    # Intake's directory pushes office and roster changes to cases, mediation and analytics.
    Service(
        "intake",
        callers=("gateway", "cases", "mediation"),
        peers=("cases", "mediation", "analytics"),
    ),
    Service("cases", callers=("gateway", "intake"), peers=("intake", "mediation")),
    Service(
        "mediation", callers=("gateway", "cases", "intake"), peers=("intake",), certificates=True
    ),
    # Analytics' ingestion takes events from the gateway's projection only; intake's
    # directory reaches one internal route (offices, reference data).
    Service("analytics", callers=("gateway", "intake"), confidential=False),
)
BACKENDS = tuple(s for s in SERVICES if s is not GATEWAY)


def labels(service: str, component: str | None = None) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": f"ombuds-{service}",
        "app.kubernetes.io/part-of": "ombuds",
        "app.kubernetes.io/component": component or "api",
    }


def selector(service: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": f"ombuds-{service}", "app.kubernetes.io/component": "api"}


def meta(name: str, service: str | None = None, component: str | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "namespace": NAMESPACE}
    if service is not None:
        metadata["labels"] = labels(service, component)
    return metadata


def image(service: Service) -> str:
    return f"{REGISTRY}/ombuds-{service.name}:{VERSION}"


def container_security() -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": RUN_AS,
        "runAsGroup": RUN_AS,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def secret_env(name: str, secret: str, key: str) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def database_env(service: Service) -> list[dict[str, Any]]:
    if not service.database:
        return []
    env = [secret_env(f"{service.env_prefix}DATABASE_URL", f"ombuds-{service.name}-db", "url")]
    if service.confidential:
        # The wrapped data keys: a database of its own, where deletion is made physical.
        name = f"ombuds-{service.name}-key-store"
        env.append(secret_env(f"{service.env_prefix}KEY_STORE_URL", name, "url"))
    return env


# The gateway's variables (after its prefix) -> keys of the ombuds-gateway-oidc ConfigMap.
IDENTITY_PROVIDER_SETTINGS = {
    "OIDC_JWKS_URL": "jwks_url",
    "OIDC_ISSUER": "issuer",
    "OIDC_AUDIENCE": "audience",
    "ROLES_CLAIM": "roles_claim",
    "ROLE_NAMES": "role_names",
    "ROLES_SEPARATOR": "roles_separator",
    "OFFICE_CLAIM": "office_claim",
    "TRIBUNAL_CLAIM": "tribunal_claim",
}


def service_env(service: Service) -> list[dict[str, Any]]:
    """The variables a service's pods run with (database and migration jobs included)."""
    p = service.env_prefix
    env: list[dict[str, Any]] = [
        {"name": f"{p}ENVIRONMENT", "value": "production"},
        {"name": f"{p}SIGNING_KEY_FILE", "value": "/run/secrets/ombuds/signing.pem"},
        {"name": f"{p}METRICS_BIND", "value": f"0.0.0.0:{METRICS_PORT}"},
        *database_env(service),
    ]
    if service is GATEWAY:
        env += [{"name": f"{p}SERVICE_KEYS_DIR", "value": "/run/keys"}]
        env += [{"name": f"{p}PRIVATE_BIND", "value": f"0.0.0.0:{PRIVATE_PORT}"}]
        env += [
            {"name": f"{p}{peer.name.upper()}_URL", "value": url(peer.name)} for peer in BACKENDS
        ]
        # The identity provider and how its tokens' claims read (docs/identity-provider.md).
        env += [
            {"name": f"{p}{variable}", "valueFrom": {"configMapKeyRef": {
                "name": "ombuds-gateway-oidc", "key": key}}}
            for variable, key in IDENTITY_PROVIDER_SETTINGS.items()
        ]  # fmt: skip
        # One key for every replica: the same case must get the same pseudonym everywhere.
        env.append(secret_env(f"{p}PSEUDONYM_KEY", "ombuds-gateway-pseudonym-key", "key"))
    else:
        private = url("gateway", PRIVATE_PORT)
        env += [{"name": f"{p}INTERNAL_JWKS_URL", "value": f"{private}/internal/jwks.json"}]
        # The outbox relay delivers to the event ingress on the private listener.
        env += [{"name": f"{p}GATEWAY_URL", "value": private}]
        env += [{"name": f"{p}{peer.upper()}_URL", "value": url(peer)} for peer in service.peers]
    if service.confidential:
        env.append(secret_env(f"{p}MASTER_KEYS", f"ombuds-{service.name}-master-keys", "keys"))
    if service.name == "intake":
        # One key for every replica: a replay must match its fingerprint on any of them.
        env.append(secret_env(f"{p}FINGERPRINT_KEY", "ombuds-intake-fingerprint-key", "key"))
    if service.certificates:
        # Oldest first; add a key file here (and to the Secret) to rotate (docs/operations.md).
        files = [f"{CERTIFICATE_KEYS_DIR}/certificate-signing.pem"]
        env.append({"name": f"{p}CERTIFICATE_KEY_FILES", "value": json.dumps(files)})
    return env


def url(service: str, port: int = PORT) -> str:
    return f"http://ombuds-{service}.{NAMESPACE}.svc.cluster.local:{port}"


def http_probe(path: str, period: int, failures: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": "http"},
        "periodSeconds": period,
        "timeoutSeconds": 3,
        "failureThreshold": failures,
    }


def deployment(service: Service) -> dict[str, Any]:
    volumes: list[dict[str, Any]] = [
        {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
        {"name": "signing-key", "secret": {
            "secretName": f"ombuds-{service.name}-signing-key", "defaultMode": 0o440}},
    ]  # fmt: skip
    mounts: list[dict[str, Any]] = [
        {"name": "tmp", "mountPath": "/tmp"},  # noqa: S108 - the container's own scratch space
        {"name": "signing-key", "mountPath": "/run/secrets/ombuds", "readOnly": True},
    ]
    if service is GATEWAY:
        volumes.append(
            {"name": "service-keys", "configMap": {"name": "ombuds-service-public-keys"}}
        )
        mounts.append({"name": "service-keys", "mountPath": "/run/keys", "readOnly": True})
    if service.certificates:
        volumes.append(
            {
                "name": "certificate-keys",
                "secret": {
                    "secretName": f"ombuds-{service.name}-certificate-keys",
                    "defaultMode": 0o440,
                },
            }
        )
        mounts.append(
            {"name": "certificate-keys", "mountPath": CERTIFICATE_KEYS_DIR, "readOnly": True}
        )  # fmt: skip
    init_containers = []
    if service.database:
        # Pods of a new version wait until the migration job has brought the database
        # to the revision their code expects, instead of crash-looping against it.
        init_containers.append({
            "name": "wait-for-migrations",
            "image": image(service),
            "command": ["sh", "-c",
                        f"until python -m {service.name}.migrate --check; do sleep 5; done"],
            "env": database_env(service),
            "securityContext": container_security(),
            "resources": {"requests": {"cpu": "50m", "memory": "96Mi"},
                          "limits": {"cpu": "500m", "memory": "256Mi"}},
            "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],  # noqa: S108
        })  # fmt: skip
    container = {
        "name": service.name,
        "image": image(service),
        "ports": [
            {"name": "http", "containerPort": PORT, "protocol": "TCP"},
            {"name": "metrics", "containerPort": METRICS_PORT, "protocol": "TCP"},
            *(
                [{"name": "private", "containerPort": PRIVATE_PORT, "protocol": "TCP"}]
                if service is GATEWAY
                else []
            ),
        ],
        "env": service_env(service),
        "readinessProbe": http_probe("/ready", 5, 3),
        "livenessProbe": http_probe("/health", 10, 3),
        "startupProbe": http_probe("/health", 2, 30),
        "resources": {
            "requests": {"cpu": "250m", "memory": "256Mi"},
            "limits": {"cpu": "1", "memory": "512Mi"},
        },
        "securityContext": container_security(),
        "volumeMounts": mounts,
        # Let the load balancer stop sending before the process stops taking requests.
        "lifecycle": {"preStop": {"exec": {"command": ["sleep", "5"]}}},
    }
    pod_spec: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "terminationGracePeriodSeconds": 30,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": RUN_AS,
            "runAsGroup": RUN_AS,
            "fsGroup": RUN_AS,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "topologySpreadConstraints": [{
            "maxSkew": 1,
            "topologyKey": "kubernetes.io/hostname",
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": selector(service.name)},
        }],
        "containers": [container],
        "volumes": volumes,
    }  # fmt: skip
    if init_containers:
        pod_spec["initContainers"] = init_containers
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta(f"ombuds-{service.name}", service.name),
        "spec": {
            "replicas": service.replicas,
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": selector(service.name)},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1},
            },
            "template": {
                "metadata": {
                    "labels": labels(service.name),
                    "annotations": {
                        "prometheus.io/scrape": "true",
                        "prometheus.io/port": str(METRICS_PORT),
                        "prometheus.io/path": "/metrics",
                    },
                },
                "spec": pod_spec,
            },
        },
    }


def kube_service(service: Service) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta(f"ombuds-{service.name}", service.name),
        "spec": {
            "type": "ClusterIP",
            "selector": selector(service.name),
            "ports": [
                {"name": "http", "port": PORT, "targetPort": "http", "protocol": "TCP"},
                {"name": "metrics", "port": METRICS_PORT, "targetPort": "metrics"},
                *(
                    [
                        {
                            "name": "private",
                            "port": PRIVATE_PORT,
                            "targetPort": "private",
                            "protocol": "TCP",
                        }
                    ]
                    if service is GATEWAY
                    else []
                ),
            ],
        },
    }


def autoscaler(service: Service) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": meta(f"ombuds-{service.name}", service.name),
        "spec": {
            "scaleTargetRef": {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "name": f"ombuds-{service.name}",
            },
            "minReplicas": service.replicas,
            "maxReplicas": service.max_replicas,
            "metrics": [{
                "type": "Resource",
                "resource": {"name": "cpu",
                             "target": {"type": "Utilization", "averageUtilization": 70}},
            }],
            # Scale down slowly: a burst of intake submissions comes back in waves.
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}},
        },
    }  # fmt: skip


def disruption_budget(service: Service) -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": meta(f"ombuds-{service.name}", service.name),
        "spec": {"minAvailable": 1, "selector": {"matchLabels": selector(service.name)}},
    }


def migration_job(service: Service) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": meta(f"ombuds-{service.name}-migrate", service.name, "migrate"),
        "spec": {
            "backoffLimit": 6,
            "activeDeadlineSeconds": 1800,
            # A finished job is removed, so the next release can apply it again.
            "ttlSecondsAfterFinished": 3600,
            "template": {
                "metadata": {"labels": labels(service.name, "migrate")},
                "spec": {
                    "restartPolicy": "OnFailure",
                    "automountServiceAccountToken": False,
                    "enableServiceLinks": False,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": RUN_AS,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containers": [{
                        "name": "migrate",
                        "image": image(service),
                        "command": ["python", "-m", f"{service.name}.migrate"],
                        "env": [{"name": f"{service.env_prefix}ENVIRONMENT",
                                 "value": "production"}, *database_env(service)],
                        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                                      "limits": {"cpu": "1", "memory": "512Mi"}},
                        "securityContext": container_security(),
                        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],  # noqa: S108
                    }],
                    "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}],
                },
            },
        },
    }  # fmt: skip


def secrets() -> list[dict[str, Any]]:
    """Placeholders: replace every value before the first deployment (docs/operations.md)."""
    documents = []
    for service in SERVICES:
        name = service.name
        key_hint = "REPLACE: python -m ombuds.ops secrets"
        documents.append(secret(f"ombuds-{name}-signing-key", name, {"signing.pem": key_hint}))
        if service.database:
            url = f"postgresql+asyncpg://{name}:REPLACE@postgres.example.org:5432/{name}"
            documents.append(secret(f"ombuds-{name}-db", name, {"url": url}))
        if service.confidential:
            keys_url = (f"postgresql+asyncpg://{name}:REPLACE@keys.postgres.example.org:5432/"
                        f"{name}_keys")  # fmt: skip
            documents.append(secret(f"ombuds-{name}-key-store", name, {"url": keys_url}))
            master_hint = "REPLACE: python -m ombuds.ops master-key"
            documents.append(secret(f"ombuds-{name}-master-keys", name, {"keys": master_hint}))
        if service.certificates:
            certificate_hint = "REPLACE: python -m ombuds.ops certificate-key"
            documents.append(secret(f"ombuds-{name}-certificate-keys", name,
                                    {"certificate-signing.pem": certificate_hint}))  # fmt: skip
    fingerprint_hint = "REPLACE: python -m ombuds.ops fingerprint-key"
    documents.append(secret("ombuds-intake-fingerprint-key", "intake", {"key": fingerprint_hint}))
    pseudonym_hint = "REPLACE: python -m ombuds.ops pseudonym-key"
    documents.append(secret("ombuds-gateway-pseudonym-key", "gateway", {"key": pseudonym_hint}))
    return documents


def secret(name: str, service: str, data: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": meta(name, service, "secret"),
        "type": "Opaque",
        "stringData": data,
    }


def config_maps() -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta("ombuds-gateway-oidc", "gateway", "config"),
            "data": {
                "jwks_url": "https://login.example.org/.well-known/jwks.json",
                "issuer": "https://login.example.org/",
                "audience": "ombuds",
                "roles_claim": "roles",
                # JSON: the provider's role names -> Ombuds roles, e.g. {"Ombuds.HRPortal":
                # "hr_portal"}; empty: names are taken as they are; set: the whole list.
                "role_names": "",
                # A roles claim that is one string: none (one name), space or comma.
                "roles_separator": "none",
                "office_claim": "office",
                "tribunal_claim": "tribunal",
            },
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta("ombuds-service-public-keys", "gateway", "config"),
            # Public halves only (`<name>.pub.pem`, plus `<name>.<label>.pub.pem` during
            # a rotation): what the gateway publishes on its internal JWKS.
            "data": {
                f"{s.name}.pub.pem": "REPLACE: deploy/secrets/public/" + f"{s.name}.pub.pem"
                for s in SERVICES
            },
        },
    ]


def network_policies() -> list[dict[str, Any]]:
    """Deny all ingress, then let in exactly the callers each service lists."""

    def policy(name: str, pods: dict[str, Any], ingress: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": meta(name),
            "spec": {"podSelector": pods, "policyTypes": ["Ingress"], "ingress": ingress},
        }

    api_port = [{"protocol": "TCP", "port": PORT}]
    documents = [
        policy("ombuds-default-deny", {}, []),
        # The gateway's API port is the public entry (from the ingress controller); its
        # private port (internal JWKS, event ingress) admits the services' pods only.
        policy("ombuds-gateway", {"matchLabels": selector("gateway")}, [
            {"ports": api_port},
            {"from": [{"podSelector": {"matchLabels": selector(s.name)}} for s in BACKENDS],
             "ports": [{"protocol": "TCP", "port": PRIVATE_PORT}]},
        ]),
        policy("ombuds-metrics", {"matchLabels": {"app.kubernetes.io/part-of": "ombuds"}}, [{
            "from": [{"namespaceSelector": {"matchLabels": {
                "kubernetes.io/metadata.name": MONITORING_NAMESPACE}}}],
            "ports": [{"protocol": "TCP", "port": METRICS_PORT}],
        }]),
    ]  # fmt: skip
    for service in BACKENDS:
        sources = [{"podSelector": {"matchLabels": selector(caller)}} for caller in service.callers]
        documents.append(
            policy(
                f"ombuds-{service.name}",
                {"matchLabels": selector(service.name)},
                [{"from": sources, "ports": api_port}],
            )
        )
    return documents


def ingress() -> dict[str, Any]:
    backend = {"service": {"name": "ombuds-gateway", "port": {"name": "http"}}}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": meta("ombuds", "gateway", "ingress"),
        "spec": {
            "tls": [{"hosts": ["ombuds.example.org"], "secretName": "ombuds-tls"}],
            "rules": [{
                "host": "ombuds.example.org",
                "http": {"paths": [
                    # The public API and published keys only: /internal, /metrics
                    # and the probes stay inside the cluster.
                    {"path": path, "pathType": "Prefix", "backend": backend}
                    # GraphQL (and its GraphiQL page); the docs pages load their scripts
                    # and styles from /static.
                    for path in ("/v1", "/graphql", "/.well-known", "/openapi.json", "/docs",
                                 "/redoc", "/static")
                ]},
            }],
        },
    }  # fmt: skip


def documents() -> list[dict[str, Any]]:
    """Every object of the deployment, in the order `kubectl apply` should meet them."""
    namespace = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": NAMESPACE, "labels": {"app.kubernetes.io/part-of": "ombuds"}},
    }
    objects: list[dict[str, Any]] = [namespace, *secrets(), *config_maps()]
    objects += network_policies()
    objects += [migration_job(s) for s in BACKENDS]
    for service in SERVICES:
        objects += [deployment(service), kube_service(service)]
        objects += [autoscaler(service), disruption_budget(service)]
    objects.append(ingress())
    return objects


def render() -> str:
    header = (
        "# Generated by deploy/k8s/generate.py; edit that file, not this one.\n"
        "# Replace every REPLACE value (Secrets, ConfigMaps) before applying;\n"
        "# see docs/operations.md, 'Kubernetes'.\n"
    )
    body = yaml.safe_dump_all(documents(), sort_keys=False, width=100)
    return header + body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args(argv)
    rendered = render()
    if args.check:
        current = OUTPUT.read_text() if OUTPUT.exists() else ""
        if current != rendered:
            print(f"{OUTPUT} is stale: run deploy/k8s/generate.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(rendered)
    print(OUTPUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
